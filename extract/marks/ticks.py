"""Tick boxes (□) of a choice field: which options are ticked, with what confidence.

The printed squares are found by their outline (four straight sides of equal
length, ~3-4 mm, paper just outside), which a tick, a cross, a fill or a stroke
crossing the edge leaves intact. Each square's inside is then compared with an
empty box: the share of its interior covered by ink of any colour (pencil too).

Where the squares found are as many as the template's choices they are matched in reading
order. Where they are not (a box filled solid or crossed past its edge, a 1-bit scan breaking
an outline, a word processor's □ glyph too thin to be a printed square), each option's box is
found from its printed option word instead: the cell's OCR boxes locate the word (fuzzy, so a
misread character or a box read as 口 does not lose it), the square found just left of it is
its box, and where none was found the box is placed where its neighbours' boxes say (the
options are printed alike) and settled on the most square-like ink there. A ring drawn round
an option (its box left empty) ticks it too.

A cell where neither way places every choice comes back ``status="unreadable"`` with the
reason and confidence 0: the caller reports it as unreadable, never as "nothing ticked".

Finding the squares and measuring their inside is ``squares``; placing boxes by their option
words is ``tick_words``; judging the ink of the boxes placed is here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from extract.marks.color import ink_map
from extract.marks.squares import MARK_INK, Square, consistent, find_squares, interior_ink, reading_order
from extract.marks.tick_words import locate_words, place_by_words, word_slots
from extract.ocr_text import OcrBox

# locate_words stays importable from here (it was defined here before the split).
__all__ = ["TickReading", "locate_words", "read_ticks"]

# Share of the interior a mark must cover beyond an empty box to count as ticked: a
# thin ✓ covers ~0.12, a pencil tick left by a 1-bit threshold ~0.035, an empty box ≤ 0.01.
TICK_MIN_INK = 0.025
# An empty box's interior ink is at most this (the reference is the emptiest box of the
# cell, capped here so a cell with every box ticked still reads as all ticked).
EMPTY_NOISE_CAP = 0.03
# Confidence of a reading whose boxes were placed from their words, as a share of its margin's.
WORD_PLACED_CONFIDENCE = 0.9
# A ring round an option passes above and below its box: strips from this far outside the box
# (in box sides) ...
RING_FROM = 0.15
# ... to this far outside it, over the box and the start of its word.
RING_TO = 0.6
RING_REACH = 1.2
# A ring covers this share of the strips' columns above and below beyond the emptiest option's.
RING_MIN_COVER = 0.5
# Where no square was found at a placed box, its marks are measured inside this share of the side
# in from each edge: a printed □ missed by the placement (a few px off, or a side lost to the scan)
# keeps its sides there and its middle clear, a ✓, √ or ■ in its place crosses the middle.
PLACE_EDGE_SHARE = 0.2
# Two boxes of a row of options stand an option word apart: 3 box sides or more in every Debian face
# (Word's □ is 0.43-0.94 em, an option two glyphs and a gap at least). A square nearer its neighbour
# than this is a glyph's part beside a box (资's 贝 closed by ink bleed, 1.45 sides after its □:
# combined-01 of rob seed 301705, a false tick on 资源环境), so the count is not trusted.
MIN_BOX_PITCH = 1.8


@dataclass
class TickReading:
    """The ticks of one choice cell. Boxes ``[x0, y0, x1, y1]`` are pixels of the cell crop."""

    chosen: list[str]
    scores: dict[str, float]  # interior ink share above the empty reference, per choice
    confidence: float
    boxes: dict[str, list[int]] = field(default_factory=dict)
    status: str = "read"  # read | unreadable (box count differs from the choices)
    reason: str = ""
    rings: dict[str, float] = field(default_factory=dict)  # ring cover round each option, above the emptiest
    placed: str = "squares"  # squares (found in reading order) | words (found from the option words)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TickReading:
        return cls(**d)


def _ring_cover(ink: np.ndarray, sq: Square) -> float:
    """Share of the columns over the box and the start of its word with ink in both strips just
    above and just below them (a ring drawn round the option passes through both)."""
    x0, y0, x1, y1 = sq.bbox
    s = sq.side
    h, w = ink.shape
    cx0, cx1 = max(0, x0), min(w, x1 + round(RING_REACH * s))
    a, b = round(RING_FROM * s), round(RING_TO * s)
    if cx1 <= cx0 or y0 - a <= 0 or y1 + a >= h:
        return 0.0
    mark = ink >= MARK_INK
    top = mark[max(0, y0 - b): y0 - a, cx0:cx1].any(axis=0)
    bottom = mark[y1 + a: min(h, y1 + b), cx0:cx1].any(axis=0)
    return float(min(top.mean(), bottom.mean())) if top.size and bottom.size else 0.0


def read_ticks(cell_bgr: np.ndarray, choices: list[str], dpi: int, words: Sequence[OcrBox] | None = None) -> TickReading:
    """Which of ``choices`` (template order) are ticked in this cell crop.

    Boxes are matched to choices in reading order (rows, then left to right) where as many are
    found as there are choices; otherwise each is found from its option word in ``words`` (the
    cell's OCR boxes, in pixels of this crop). ``status="unreadable"`` (confidence 0, ``reason``
    says why) when neither places every choice.
    """
    if cell_bgr.size == 0 or cell_bgr.ndim != 3 or cell_bgr.shape[2] != 3 or cell_bgr.dtype != np.uint8:
        return TickReading([], {}, 0.0, status="unreadable",
                           reason=f"cell image must be BGR uint8 H×W×3, got {cell_bgr.dtype} {cell_bgr.shape}")
    ink = ink_map(cell_bgr, dpi)
    squares = reading_order(consistent(find_squares(ink, dpi)))
    how = "squares"
    doubt = _count_doubt(squares, choices, words or [])
    if doubt is None:
        placed = dict(zip(choices, squares, strict=True))
    else:
        counted = f"found {len(squares)} tick boxes, {doubt}"
        placed, missing = place_by_words(ink, squares, choices, words or [], dpi)
        if missing or len(placed) != len(choices):
            lost = missing or [c for c in choices if c not in placed]
            why = f"{counted}; option words not found: {' '.join(lost)}" if words else counted
            return TickReading([], {}, 0.0, boxes={f"#{i}": s.bbox for i, s in enumerate(squares)},
                               status="unreadable", reason=why)
        how = "words"
    return _judge(ink, choices, placed, how)


def _count_doubt(squares: list[Square], choices: list[str], words: Sequence[OcrBox]) -> str | None:
    """Why the squares counted cannot be matched to the choices in reading order, or None where they can."""
    if len(squares) != len(choices):
        return f"the template has {len(choices)} choices"
    if not _spaced(squares):
        return "two of them nearer than an option word apart"
    if _inside_a_word(squares, choices, words):
        return "one of them inside an option's word"
    return None


def _spaced(squares: list[Square]) -> bool:
    """No two squares of one row (``reading_order``'s) nearer than ``MIN_BOX_PITCH`` box sides."""
    for a, b in zip(squares, squares[1:], strict=False):
        same_row = abs(a.cy - b.cy) <= max(a.side, b.side) / 2
        if same_row and abs(b.cx - a.cx) < MIN_BOX_PITCH * max(a.side, b.side):
            return False
    return True


def _inside_a_word(squares: list[Square], choices: list[str], words: Sequence[OcrBox]) -> bool:
    """A square counted stands inside an option word the OCR read, half its line's height or more in from
    both of the word's ends as its characters' widths put them (they may be a glyph off where a □ was
    read or not): a glyph's part, not a box (s8base word-01, rob seed 828415: Micro Hei's 0.43 em □ is
    below the count's size, 用 of 应用研究 was counted in its place and 开发研究 read ticked by its ink)."""
    for c, w in locate_words(words, choices).items():
        bx0, by0, bx1, by1 = words[w.line].bbox
        x1 = bx0 + word_slots(words[w.line].text)[min(w.start + len(c), len(words[w.line].text))] * (bx1 - bx0)
        margin = (by1 - by0) / 2
        if any(w.x0 + margin < sq.cx < x1 - margin and by0 < sq.cy < by1 for sq in squares):
            return True
    return False


def _box_ink(ink: np.ndarray, sq: Square) -> float:
    """The ink inside a placed box: inside its printed sides where it has them; where nothing
    square was found at its place (score 0: a ✓ or √ typed instead of the □, nothing there, or a □
    the placement missed) the share of the place's middle covered by marks (``PLACE_EDGE_SHARE``)."""
    if sq.score > 0:
        return interior_ink(ink, sq)
    edge = round(PLACE_EDGE_SHARE * sq.side)
    x0, y0, x1, y1 = (v + d for v, d in zip(sq.bbox, (edge, edge, -edge, -edge), strict=True))
    area = ink[max(0, y0): max(0, y1), max(0, x0): max(0, x1)]
    return float((area >= MARK_INK).mean()) if area.size else 0.0


def _judge(ink: np.ndarray, choices: list[str], placed: dict[str, Square], how: str) -> TickReading:
    """Ticked or not, each placed box: ink inside it above the emptiest box's, or a ring round it."""
    raw = [_box_ink(ink, placed[c]) for c in choices]
    reference = min(min(raw), EMPTY_NOISE_CAP)
    scores = {c: round(r - reference, 4) for c, r in zip(choices, raw, strict=True)}
    ring_raw = [_ring_cover(ink, placed[c]) for c in choices]
    ring_ref = min(ring_raw)
    rings = {c: round(r - ring_ref, 4) for c, r in zip(choices, ring_raw, strict=True)}
    chosen = [c for c in choices if scores[c] >= TICK_MIN_INK or rings[c] >= RING_MIN_COVER]
    # Confidence: how far the least clear box is from the threshold (0.5 on it, 1 at twice it or at 0).
    margins = [min(1.0, abs(s - TICK_MIN_INK) / TICK_MIN_INK) for c, s in scores.items() if rings[c] < RING_MIN_COVER]
    confidence = 0.5 + 0.5 * min(margins, default=1.0)
    if how == "words":
        confidence *= WORD_PLACED_CONFIDENCE
    boxes = {c: placed[c].bbox for c in choices}
    return TickReading(chosen, scores, round(confidence, 3), boxes, rings=rings, placed=how)
