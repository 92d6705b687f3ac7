"""Each option's tick box found from its printed option word, where the squares cannot be counted.

The cell's OCR boxes locate the word (fuzzy, so a misread character or a box read as 口 does
not lose it); the options of a line are told apart by the blank runs between them; the square
found at the start of its option is its box, and where none was found the box is settled on the
most square-like ink where its neighbours put it (the options are printed alike).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from extract.marks.color import px_per_mm
from extract.marks.squares import BOX_MAX_MM, BOX_MIN_MM, LINE_INK, MARK_INK, Square
from extract.ocr_text import OcrBox

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


def _settle(line: np.ndarray, cx: float, cy: float, side: int) -> Square:
    """The most square-like position within ``PLACE_SEARCH`` box sides of (cx, cy), each side
    away costing ``PLACE_DISTANCE_COST``; (cx, cy) itself where nothing there is square enough."""
    reach = max(1, round(PLACE_SEARCH * side))
    step = max(1, side // 12)
    best = Square(round(cx), round(cy), side, 0.0)
    best_score = -1.0
    for dy in range(-reach // 2, reach // 2 + 1, step):
        for dx in range(-reach, reach + 1, step):
            cover = _side_cover(line, round(cx) + dx, round(cy) + dy, side)
            if cover < PLACE_MIN_SIDES:
                continue
            score = cover - PLACE_DISTANCE_COST * (abs(dx) + abs(dy)) / side
            if score > best_score:
                best, best_score = Square(round(cx) + dx, round(cy) + dy, side, cover), score
    return best


def place_by_words(ink: np.ndarray, squares: list[Square], choices: Sequence[str], words: Sequence[OcrBox],
                   dpi: int) -> tuple[dict[str, Square], list[str]]:
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
    placed: dict[str, Square] = {}
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
