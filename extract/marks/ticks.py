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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np
from rapidfuzz import fuzz

from extract.marks.color import ink_map, px_per_mm
from extract.ocr_text import OcrBox

# Printed tick boxes are 0.8-1 em of 10.5-12 pt body text: about 3-4.2 mm a side.
BOX_MIN_MM = 2.4
BOX_MAX_MM = 5.2
BOX_STEP_MM = 0.12  # one pixel at 200 dpi: sides are matched within the band below anyway
# Ink darkness (0..1, see color.ink_map) that makes a printed line: toner, not pencil.
LINE_INK = 0.5
# A side's line may sit this far from where the square's size puts it (print, scan blur).
SIDE_SLACK_MM = 0.2
# Each side must be inked along this share of its length (a tick crossing it adds, never removes).
SIDE_MIN_COVER = 0.9
# The band just outside the square (0.4-0.9 mm out) is mostly paper; inside a filled
# square or a dense glyph it is not.
OUTSIDE_FROM_MM = 0.4
OUTSIDE_TO_MM = 0.9
OUTSIDE_MAX_INK = 0.35
# A printed square scores ~1 (sides fully inked minus surround ink); the 口 of a glyph
# (信, 用) was measured at 0.77-0.82.
SQUARE_MIN_SCORE = 0.88
# Two squares closer than this share of a side are the same square.
SAME_BOX_FRACTION = 0.6
# Boxes of one cell are printed alike: their sides agree within this share of the median.
SIZE_TOLERANCE = 0.15
# Interior inset from the nominal edge: the printed line, the slack, and a little margin
# (the least inset; a thicker printed line is measured, see _interior).
INSET_FRACTION = 0.14
# A side's measured line is never taken deeper than this share of the box (a tick could
# otherwise be mistaken for a thick side and inset away).
MAX_INSET_FRACTION = 0.3
# Cuts across each side where its inner edge is measured (the median is used).
EDGE_SAMPLES = 5
# Darkness above which an interior pixel counts as a mark: a faint pencil line (~0.3) counts,
# scanner noise on paper (<0.1) does not.
MARK_INK = 0.2
# Share of the interior a mark must cover beyond an empty box to count as ticked: a
# thin ✓ covers ~0.12, a pencil tick left by a 1-bit threshold ~0.035, an empty box ≤ 0.01.
TICK_MIN_INK = 0.025
# An empty box's interior ink is at most this (the reference is the emptiest box of the
# cell, capped here so a cell with every box ticked still reads as all ticked).
EMPTY_NOISE_CAP = 0.03


# An option word is located in an OCR line when this share of its characters align (3 of 4).
WORD_MIN_SCORE = 70.0
# ... over at least this share of its characters (a word wrapped after its third character still
# counts on the first line, its last character alone on the next does not).
WORD_MIN_CHARS = 0.75
# Characters a box is read as by OCR (an empty □ glyph as 口, a ticked one as 回 团 区 …).
BOX_GLYPHS = "□☐口☑☒■▣◼回团区囗"
# Narrow characters (Latin, digits, spaces) take about half a CJK glyph's width in a line box.
NARROW_CHAR_WIDTH = 0.5
# A line's options are told apart in the band this many box sides (or line heights) tall round its centre.
SPAN_BAND = 0.8
# A column of that band is ink where this many of its pixels are (a speck of a 1-bit scan is not).
SPAN_MIN_COLUMN_INK = 2
# The detector's line box may leave out the first option's box: look this many box sides left of it.
SPAN_LEFT_REACH = 1.5
# A box sits this far left of its word's first glyph, in box sides (the box and a small gap).
BOX_LEFT_OF_WORD = 0.75
# A square found this far (in box sides) from where its option puts the box still belongs to it
# (options are at least five glyphs apart).
WORD_BOX_REACH = 1.2
# A box the detector missed is searched this far (in box sides) round where its neighbours put it.
PLACE_SEARCH = 0.6
# The search prefers the placed position: each box side away costs this much squareness.
PLACE_DISTANCE_COST = 0.3
# A box's side ink seen as a square when its four sides are inked along this share on average
# (a 1-bit scan's broken outline still keeps most of it); below it the placed position stands.
PLACE_MIN_SIDES = 0.5
# The glyph height of a line of choices is this many box sides (a box is 0.8-0.9 em).
GLYPH_PER_BOX = 1.15
# An OCR line box is this many glyph heights tall (the detector's margin round the ink).
LINE_PER_GLYPH = 1.2
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


@dataclass
class _Square:
    cx: int
    cy: int
    side: int
    score: float

    @property
    def bbox(self) -> list[int]:
        h = self.side // 2
        return [self.cx - h, self.cy - h, self.cx - h + self.side, self.cy - h + self.side]


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``out[y, x] = a[y + dy, x + dx]`` (zero outside)."""
    out = np.zeros_like(a)
    h, w = a.shape
    ys, yd = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
    xs, xd = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
    out[yd, xd] = a[ys, xs]
    return out


def _box_mean(integral: np.ndarray, half: int) -> np.ndarray:
    """Mean of the image over a (2·half+1)² square centred on each pixel (zero padded)."""
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    ys, xs = np.arange(h), np.arange(w)
    y0, y1 = np.clip(ys - half, 0, h), np.clip(ys + half + 1, 0, h)
    x0, x1 = np.clip(xs - half, 0, w), np.clip(xs + half + 1, 0, w)
    s = integral[y1][:, x1] - integral[y0][:, x1] - integral[y1][:, x0] + integral[y0][:, x0]
    return s / float((2 * half + 1) ** 2)


def find_squares(ink: np.ndarray, dpi: int) -> list[_Square]:
    """Printed squares of tick-box size in a darkness map (0..1), strongest first, overlaps removed."""
    ppm = px_per_mm(dpi)
    line = (ink >= LINE_INK).astype(np.float32)
    integral = cv2.integral(line, sdepth=cv2.CV_64F)
    slack = max(1, round(SIDE_SLACK_MM * ppm))
    found: list[_Square] = []
    sides = sorted({max(4, round(mm * ppm)) for mm in np.arange(BOX_MIN_MM, BOX_MAX_MM + 1e-6, BOX_STEP_MM)})
    for side in sides:
        half = side // 2
        # Coverage of a horizontal (vertical) segment of the side's length centred on each pixel,
        # then the best of the rows (columns) within the slack.
        hcov = cv2.blur(line, (side, 1), borderType=cv2.BORDER_CONSTANT)
        vcov = cv2.blur(line, (1, side), borderType=cv2.BORDER_CONSTANT)
        hcov = cv2.dilate(hcov, np.ones((2 * slack + 1, 1), np.uint8))
        vcov = cv2.dilate(vcov, np.ones((1, 2 * slack + 1), np.uint8))
        sides_min = np.minimum.reduce([
            _shift(hcov, -half, 0), _shift(hcov, side - half, 0),
            _shift(vcov, 0, -half), _shift(vcov, 0, side - half),
        ])
        o_in = half + round(OUTSIDE_FROM_MM * ppm)
        o_out = half + round(OUTSIDE_TO_MM * ppm)
        area_in, area_out = (2 * o_in + 1) ** 2, (2 * o_out + 1) ** 2
        outside = (_box_mean(integral, o_out) * area_out - _box_mean(integral, o_in) * area_in) / (area_out - area_in)
        ok = (sides_min >= SIDE_MIN_COVER) & (outside <= OUTSIDE_MAX_INK)
        ys, xs = np.nonzero(ok)
        for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
            found.append(_Square(x, y, side, float(sides_min[y, x] - outside[y, x])))
    found.sort(key=lambda s: (-round(s.score, 2), -s.side))  # a filled box also holds smaller squares
    kept: list[_Square] = []
    for sq in found:
        if all(max(abs(sq.cx - k.cx), abs(sq.cy - k.cy)) > SAME_BOX_FRACTION * max(sq.side, k.side) for k in kept):
            kept.append(sq)
    return kept


def _consistent(squares: list[_Square]) -> list[_Square]:
    """The squares whose size agrees with the cell's typical box (text glyphs rarely do)."""
    squares = [s for s in squares if s.score >= SQUARE_MIN_SCORE]
    if not squares:
        return []
    median = float(np.median([s.side for s in squares]))
    return [s for s in squares if abs(s.side - median) <= SIZE_TOLERANCE * median]


def _reading_order(squares: list[_Square]) -> list[_Square]:
    """Rows top to bottom (centres within half a side), each left to right."""
    rows: list[list[_Square]] = []
    for sq in sorted(squares, key=lambda s: s.cy):
        if rows and abs(sq.cy - np.mean([s.cy for s in rows[-1]])) <= sq.side / 2:
            rows[-1].append(sq)
        else:
            rows.append([sq])
    return [s for row in rows for s in sorted(row, key=lambda s: s.cx)]


def _inner_edge(profile: np.ndarray) -> int:
    """Steps from outside the printed side to just inside it: skip paper, then cross the line."""
    i, n = 0, profile.size
    while i < n and profile[i] < LINE_INK:
        i += 1
    while i < n and profile[i] >= LINE_INK:
        i += 1
    return i


def _interior(ink: np.ndarray, sq: _Square) -> np.ndarray:
    """The box's inside, inset past its printed sides as thick as they really are.

    A 1-bit scan upsampled from 200 dpi prints the sides twice as thick as a 300 dpi
    colour scan, so a fixed inset would count the line itself as a mark. Each side's
    inner edge is the median over ``EDGE_SAMPLES`` cuts across it (a tick crossing one
    cut, or a gap in the line at another, does not move the median), never deeper than
    ``MAX_INSET_FRACTION`` of the side, never shallower than ``INSET_FRACTION``.
    """
    x0, y0, x1, y1 = sq.bbox
    h, w = ink.shape
    pad = max(2, round(sq.side * INSET_FRACTION / 2))  # start just outside the nominal side
    deepest = round(sq.side * MAX_INSET_FRACTION)
    least = max(1, round(INSET_FRACTION * sq.side))
    along = [round(f * sq.side) for f in np.linspace(0.3, 0.7, EDGE_SAMPLES)]
    ox0, oy0 = max(0, x0 - pad), max(0, y0 - pad)
    ox1, oy1 = min(w, x1 + pad), min(h, y1 + pad)
    cuts: dict[str, list[int]] = {"l": [], "r": [], "t": [], "b": []}
    for a in along:
        y, x = min(h - 1, y0 + a), min(w - 1, x0 + a)
        cuts["l"].append(_inner_edge(ink[y, ox0 : ox0 + pad + deepest]) - (x0 - ox0))
        cuts["r"].append(_inner_edge(ink[y, max(0, ox1 - pad - deepest) : ox1][::-1]) - (ox1 - x1))
        cuts["t"].append(_inner_edge(ink[oy0 : oy0 + pad + deepest, x]) - (y0 - oy0))
        cuts["b"].append(_inner_edge(ink[max(0, oy1 - pad - deepest) : oy1, x][::-1]) - (oy1 - y1))
    inset = {k: int(min(deepest, max(least, np.median(v)))) for k, v in cuts.items()}
    return ink[y0 + inset["t"] : y1 - inset["b"], x0 + inset["l"] : x1 - inset["r"]]


def _interior_ink(ink: np.ndarray, sq: _Square) -> float:
    inner = _interior(ink, sq)
    return float((inner >= MARK_INK).mean()) if inner.size else 0.0


def _word_slots(text: str) -> list[float]:
    """Each character's left edge as a share of a line box's width (CJK glyphs one unit, narrow
    characters half of one)."""
    w = [1.0 if ord(ch) > 0x2000 else NARROW_CHAR_WIDTH for ch in text]
    total = sum(w) or 1.0
    out, acc = [], 0.0
    for x in w:
        out.append(acc / total)
        acc += x
    out.append(1.0)
    return out


@dataclass
class _Word:
    line: int  # index of the OCR line box it was found in
    start: int  # its first character's index in that box's text
    x0: float  # its first glyph's left edge as the characters' widths put it (crop pixels)
    box_x: float | None  # the centre of a box glyph OCR read just before the word, if it did
    score: float


def locate_words(words: Sequence[OcrBox], choices: Sequence[str]) -> dict[str, _Word]:
    """Each choice's printed word in the cell's OCR boxes (crop pixels): the best fuzzy match
    of at least ``WORD_MIN_SCORE`` over the boxes; a choice not found is left out."""
    found: dict[str, _Word] = {}
    for c in choices:
        for li, b in enumerate(words):
            text = b.text
            if not text:
                continue
            m = fuzz.partial_ratio_alignment(c, text, score_cutoff=WORD_MIN_SCORE)
            if m is None or m.dest_end - m.dest_start < WORD_MIN_CHARS * len(c):  # 境 wrapped alone is not 资源环境
                continue
            # Ranked by the share of the word matched too: 源环境 holds three of 资源环境's four.
            score = m.score * min(1.0, (m.dest_end - m.dest_start) / len(c))
            if c in found and found[c].score >= score:
                continue
            x0, _, x1, _ = b.bbox
            slots = _word_slots(text)
            # A partial match may have begun inside the word (its first glyph misread): step back.
            start = max(0, m.dest_start - m.src_start)
            box_x = None
            if start > 0 and text[start - 1] in BOX_GLYPHS:
                box_x = x0 + (slots[start - 1] + slots[start]) / 2 * (x1 - x0)
            found[c] = _Word(li, start, x0 + slots[start] * (x1 - x0), box_x, float(score))
        _wrapped(words, c, found)
    return found


def _wrapped(words: Sequence[OcrBox], c: str, found: dict[str, _Word]) -> None:
    """``c`` begun at the end of one line and wrapped onto the next (Word's 资 / 源环境): found in
    the two lines' texts joined, it is placed on the first, where its box is; kept over a match on
    one line only when it matches better."""
    for li, b in enumerate(words):
        cy = (b.bbox[1] + b.bbox[3]) / 2
        below = [(j, n) for j, n in enumerate(words) if j != li and n.bbox[1] > cy and n.bbox[0] < b.bbox[0] + (b.bbox[3] - b.bbox[1])]
        if not b.text or not below:
            continue
        j, nxt = min(below, key=lambda p: p[1].bbox[1])
        m = fuzz.partial_ratio_alignment(c, b.text + nxt.text, score_cutoff=WORD_MIN_SCORE)
        if m is None or m.dest_start >= len(b.text) or m.dest_end <= len(b.text):
            continue  # not across the two lines
        if m.dest_end - m.dest_start < WORD_MIN_CHARS * len(c) or (c in found and found[c].score >= m.score):
            continue
        x0, _, x1, _ = b.bbox
        slots = _word_slots(b.text)
        start = max(0, m.dest_start - m.src_start)
        box_x = x0 + (slots[start - 1] + slots[start]) / 2 * (x1 - x0) if start > 0 and b.text[start - 1] in BOX_GLYPHS else None
        found[c] = _Word(li, start, x0 + slots[start] * (x1 - x0), box_x, float(m.score))


def option_spans(mark: np.ndarray, x0: int, x1: int, y0: int, y1: int, k: int) -> list[tuple[int, int]]:
    """The ``k`` options printed along one line (``[x0, x1)`` × ``[y0, y1)`` of the crop), each a
    box and its word: the ink between the ``k - 1`` widest blank runs of columns (the space
    between options is wider than a box's gap to its word or any gap inside a glyph). [] when
    the line has fewer gaps than that."""
    if k <= 0 or x1 <= x0 or y1 <= y0:
        return []
    cols = mark[y0:y1, x0:x1].sum(axis=0) >= SPAN_MIN_COLUMN_INK
    idx = np.flatnonzero(cols)
    if idx.size == 0:
        return []
    first, last = int(idx[0]), int(idx[-1])
    gaps: list[tuple[int, int, int]] = []
    run = None
    for x in range(first, last + 1):
        if not cols[x]:
            run = x if run is None else run
        elif run is not None:
            gaps.append((x - run, run, x))
            run = None
    if len(gaps) < k - 1:
        return []
    seps = sorted(sorted(gaps, reverse=True)[: k - 1], key=lambda g: g[1])
    starts = [first] + [g[2] for g in seps]
    ends = [g[1] for g in seps] + [last + 1]
    return [(x0 + a, x0 + b) for a, b in zip(starts, ends, strict=True)]


def _side_cover(line: np.ndarray, cx: int, cy: int, side: int) -> float:
    """Mean inked share of the four sides of the square of ``side`` centred at (cx, cy)."""
    h, w = line.shape
    x0, y0 = cx - side // 2, cy - side // 2
    x1, y1 = x0 + side - 1, y0 + side - 1
    if x0 < 0 or y0 < 0 or x1 >= w or y1 >= h:
        return 0.0
    band = 1
    top = line[max(0, y0 - band): y0 + band + 1, x0: x1 + 1].max(axis=0).mean()
    bottom = line[y1 - band: min(h, y1 + band + 1), x0: x1 + 1].max(axis=0).mean()
    left = line[y0: y1 + 1, max(0, x0 - band): x0 + band + 1].max(axis=1).mean()
    right = line[y0: y1 + 1, x1 - band: min(w, x1 + band + 1)].max(axis=1).mean()
    return float(np.mean([top, bottom, left, right]))


def _settle(line: np.ndarray, cx: float, cy: float, side: int) -> _Square:
    """The most square-like position within ``PLACE_SEARCH`` box sides of (cx, cy), each side
    away costing ``PLACE_DISTANCE_COST``; (cx, cy) itself where nothing there is square enough."""
    reach = max(1, round(PLACE_SEARCH * side))
    step = max(1, side // 12)
    best = _Square(round(cx), round(cy), side, 0.0)
    best_score = -1.0
    for dy in range(-reach // 2, reach // 2 + 1, step):
        for dx in range(-reach, reach + 1, step):
            cover = _side_cover(line, round(cx) + dx, round(cy) + dy, side)
            if cover < PLACE_MIN_SIDES:
                continue
            score = cover - PLACE_DISTANCE_COST * (abs(dx) + abs(dy)) / side
            if score > best_score:
                best, best_score = _Square(round(cx) + dx, round(cy) + dy, side, cover), score
    return best


def place_by_words(ink: np.ndarray, squares: list[_Square], choices: Sequence[str], words: Sequence[OcrBox],
                   dpi: int) -> tuple[dict[str, _Square], list[str]]:
    """Each choice's box from its printed word: the options of each OCR line told apart by the
    blank runs between them (``option_spans``), the box at the start of its option; the square
    found there, else the most square-like ink there (``_settle``). Where a line's options cannot
    be told apart the characters' widths in the line box put the word. Returns the boxes placed
    and the choices whose word was not found."""
    located = locate_words(words, choices)
    missing = [c for c in choices if c not in located]
    if not located:
        return {}, missing
    ppm = px_per_mm(dpi)
    if squares:
        side = int(np.median([s.side for s in squares]))
    else:
        heights = [words[w.line].bbox[3] - words[w.line].bbox[1] for w in located.values()]
        side = round(float(np.median(heights)) / LINE_PER_GLYPH / GLYPH_PER_BOX)
        side = int(np.clip(side, round(BOX_MIN_MM * ppm), round(BOX_MAX_MM * ppm)))
    mark = (ink >= MARK_INK).astype(np.uint8)
    line = (ink >= LINE_INK).astype(np.uint8)
    h, w = ink.shape
    free = list(squares)
    placed: dict[str, _Square] = {}
    for li, box in enumerate(words):
        opts = sorted((c for c in located if located[c].line == li), key=lambda c: located[c].start)
        if not opts:
            continue
        bx0, by0, bx1, by1 = box.bbox
        cy = (by0 + by1) / 2
        half = max(side, (by1 - by0)) * SPAN_BAND / 2
        # The box may sit just left of what the detector drew round the line's text.
        left = max(0, bx0 - round(SPAN_LEFT_REACH * side))
        for other in words:
            if other is not box and other.bbox[2] <= bx0 and abs((other.bbox[1] + other.bbox[3]) / 2 - cy) < half:
                left = max(left, other.bbox[2])
        spans = option_spans(mark, left, min(w, bx1 + side // 2), max(0, round(cy - half)), min(h, round(cy + half)),
                             len(opts))
        for i, c in enumerate(opts):
            wd = located[c]
            if spans:
                want = spans[i][0] + side / 2
            else:
                want = wd.box_x if wd.box_x is not None else wd.x0 - BOX_LEFT_OF_WORD * side
            near = [s for s in free if abs(s.cy - cy) <= half and abs(s.cx - want) <= WORD_BOX_REACH * side]
            if near:
                sq = min(near, key=lambda s: abs(s.cx - want))
                free.remove(sq)
            else:
                sq = _settle(line, want, cy, side)
            placed[c] = sq
    return placed, missing


def _ring_cover(ink: np.ndarray, sq: _Square) -> float:
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
    squares = _reading_order(_consistent(find_squares(ink, dpi)))
    how = "squares"
    if len(squares) == len(choices):
        placed = dict(zip(choices, squares, strict=True))
    else:
        counted = f"found {len(squares)} tick boxes, the template has {len(choices)} choices"
        placed, missing = place_by_words(ink, squares, choices, words or [], dpi)
        if missing or len(placed) != len(choices):
            lost = missing or [c for c in choices if c not in placed]
            why = f"{counted}; option words not found: {' '.join(lost)}" if words else counted
            return TickReading([], {}, 0.0, boxes={f"#{i}": s.bbox for i, s in enumerate(squares)},
                               status="unreadable", reason=why)
        how = "words"
    return _judge(ink, choices, placed, how)


def _judge(ink: np.ndarray, choices: list[str], placed: dict[str, _Square], how: str) -> TickReading:
    """Ticked or not, each placed box: ink inside it above the emptiest box's, or a ring round it."""
    raw = [_interior_ink(ink, placed[c]) for c in choices]
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
