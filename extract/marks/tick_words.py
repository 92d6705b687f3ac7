"""Each option's tick box found from its printed option word, where the squares cannot be counted.

The cell's OCR boxes locate the word (fuzzy, so a misread character or a box read as 口 does
not lose it); the options of a line are told apart by the blank runs between them; the square
found at the start of its option is its box, and where none was found the box is settled on the
most square-like ink where its neighbours put it (the options are printed alike).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from extract.marks.squares import LINE_INK, MARK_INK, SQUARE_MIN_SCORE, Square, find_squares
from extract.ocr_text import OcrBox

# An option word is located in an OCR line when this share of its characters align (3 of 4).
WORD_MIN_SCORE = 70.0
# ... over at least this share of its characters (a word wrapped after its third character still
# counts on the first line, its last character alone on the next does not).
WORD_MIN_CHARS = 0.75
# Characters a box is read as by OCR (an empty □ glyph as 口, a ticked one as 回 团 区 …).
BOX_GLYPHS = "□☐口☑☒■▣◼回团区囗"
# Characters a tick typed in place of the box (✓ √) is read as; RapidOCR reads a thin √ as V.
TICK_READS = "√✓✔VvＶ"
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
# A square whose left side lies this many glyph heights past its option's first ink is its box (a
# ring round it begins ~0.4 box sides before it, a tick's tail less); a glyph's 口 lies a box and a
# gap (~1 glyph height) past it.
START_REACH = 0.55
# ... or this many before it (the first ink found is the box's own side, blurred).
START_SLACK = 0.25
# A box the detector missed is searched this far (in box sides) round where its neighbours put it.
PLACE_SEARCH = 0.6
# The search prefers the placed position: each box side away costs this much squareness.
PLACE_DISTANCE_COST = 0.3
# A box's side ink seen as a square when its four sides are inked along this share on average
# (a 1-bit scan's broken outline still keeps most of it); below it the placed position stands.
PLACE_MIN_SIDES = 0.5
# A box settled on is searched this share larger and smaller than its neighbours' (the side taken
# from a filled box's found edge, or from one □ blurred, may be a few pixels off).
PLACE_SIDE_SPREAD = 0.2
# ... and each side along at least this share (a 1-bit outline broken in two places keeps ~0.55).
PLACE_MIN_EACH_SIDE = 0.35
# A box beside its option word is this share of the word's glyph height, whatever the face: a
# WenQuanYi Micro Hei □ is 0.43 em beside 0.88 em glyphs (0.49; 1.7 mm at 10.5 pt), AR PL UMing's
# 0.82 em (0.94), the fallback font's ☑ ~0.65 em, a printed form's drawn box 0.8-1 em; with the
# glyph height measured within ~10 %.
BOX_MIN_GLYPH = 0.4
BOX_MAX_GLYPH = 1.1
# Without a box found on the line the box is placed this share of the glyph height (the usual □).
BOX_PER_GLYPH = 0.85
# An OCR line box is this many glyph heights tall (the detector's margin round the ink): the glyph
# height where no ink was found to measure it.
LINE_PER_GLYPH = 1.2
# A row of a line box is glyph ink where it holds this share of the fullest row's ink (a stray
# speck or the tail of a ✓ above the glyphs is not).
GLYPH_ROW_SHARE = 0.1
# The squares found on a row put its middle this share of the glyph height from the glyph rows' middle at
# most (a □ sits on the line's middle within a few px); further, the glyph rows took in another line's
# ink (a hint printed 2-4 px above: word-02 of rob seed 729666, 10 px of a joined 60) and the squares' row is the line's.
ROW_MIDDLE_SHIFT = 0.15
# A row's first option with no box at its start takes a box that ended the row above with no word after it
# (word-01 of rob seed 866851: 「□装备制造 □」 then 「先进材料 □资源环境」) on the next row, this many glyph
# heights below at most; its box otherwise settled on the 先's strokes and read it ticked.
WRAP_ROWS = 2.5
# The line's rows are searched this share of the OCR box's height beyond it (the detector's box may
# clip the glyphs' tops).
GLYPH_ROW_REACH = 0.25


def word_slots(text: str) -> list[float]:
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
    typed_tick: bool = False  # OCR read a tick mark (√ ✓, or √ as V) just before the word


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
            slots = word_slots(text)
            # A partial match may have begun inside the word (its first glyph misread): step back.
            start = max(0, m.dest_start - m.src_start)
            box_x = None
            if start > 0 and text[start - 1] in BOX_GLYPHS:
                box_x = x0 + (slots[start - 1] + slots[start]) / 2 * (x1 - x0)
            found[c] = _Word(li, start, x0 + slots[start] * (x1 - x0), box_x, float(score),
                             start > 0 and text[start - 1] in TICK_READS)
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
        slots = word_slots(b.text)
        start = max(0, m.dest_start - m.src_start)
        box_x = x0 + (slots[start - 1] + slots[start]) / 2 * (x1 - x0) if start > 0 and b.text[start - 1] in BOX_GLYPHS else None
        found[c] = _Word(li, start, x0 + slots[start] * (x1 - x0), box_x, float(m.score),
                         start > 0 and b.text[start - 1] in TICK_READS)


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
    """Mean inked share of the four sides of the square of ``side`` centred at (cx, cy); 0 where a
    side is inked along less than ``PLACE_MIN_EACH_SIDE``."""
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
    sides = [top, bottom, left, right]
    # Four sides or none: a ✓'s strokes or a glyph's cover two or three well and miss the others.
    return float(np.mean(sides)) if min(sides) >= PLACE_MIN_EACH_SIDE else 0.0


def _settle(line: np.ndarray, cx: float, cy: float, side: int) -> Square:
    """The most square-like position within ``PLACE_SEARCH`` box sides of (cx, cy), each side
    away costing ``PLACE_DISTANCE_COST``, of ``side`` or up to ``PLACE_SIDE_SPREAD`` larger or smaller;
    (cx, cy) itself, score 0, where nothing there is square enough."""
    reach = max(1, round(PLACE_SEARCH * side))
    step = max(1, side // 12)
    best = Square(round(cx), round(cy), side, 0.0)
    best_score = -1.0
    for s in sorted({max(4, round(side * f)) for f in (1 - PLACE_SIDE_SPREAD, 1.0, 1 + PLACE_SIDE_SPREAD)}):
        for dy in range(-reach // 2, reach // 2 + 1, step):
            for dx in range(-reach, reach + 1, step):
                cover = _side_cover(line, round(cx) + dx, round(cy) + dy, s)
                if cover < PLACE_MIN_SIDES:
                    continue
                score = cover - PLACE_DISTANCE_COST * (abs(dx) + abs(dy)) / side
                if score > best_score:
                    best, best_score = Square(round(cx) + dx, round(cy) + dy, s, cover), score
    return best


def glyph_rows(mark: np.ndarray, bbox: tuple[int, int, int, int],
               within: tuple[float, float] | None = None) -> tuple[float, float] | None:
    """The height and middle row of a line of text's glyphs in the crop, from the rows its ink fills
    (the run of rows round the OCR box's middle holding ``GLYPH_ROW_SHARE`` of the fullest row's
    ink), searched only ``within`` these rows where given (the lines above and below are others');
    None where the box holds no ink."""
    bx0, by0, bx1, by1 = bbox
    reach = round(GLYPH_ROW_REACH * (by1 - by0))
    y0, y1 = max(0, by0 - reach), min(mark.shape[0], by1 + reach)
    if within is not None:
        y0, y1 = max(y0, math.ceil(within[0])), min(y1, math.floor(within[1]))
    rows = mark[y0:y1, max(0, bx0): max(0, bx1)].sum(axis=1)
    if rows.size == 0 or rows.max() == 0:
        return None
    on = rows >= GLYPH_ROW_SHARE * rows.max()
    mid = min(max(0, (by0 + by1) // 2 - y0), rows.size - 1)
    hits = np.flatnonzero(on)
    mid = int(hits[np.argmin(np.abs(hits - mid))])
    gap = max(1, round(GLYPH_ROW_REACH * (by1 - by0) / 2))  # a gap this short is inside the glyphs
    top = bottom = mid
    while True:
        up = np.flatnonzero(on[max(0, top - gap): top])
        if up.size == 0:
            break
        top = max(0, top - gap) + int(up[0])
    while True:
        down = np.flatnonzero(on[bottom + 1: bottom + 1 + gap])
        if down.size == 0:
            break
        bottom = bottom + 1 + int(down[-1])
    return float(bottom - top + 1), y0 + (top + bottom) / 2


def _line_squares(ink: np.ndarray, dpi: int, x0: int, x1: int, gy: float, hg: float) -> list[Square]:
    """Squares of a box's size for glyphs ``hg`` tall (``BOX_MIN_GLYPH``-``BOX_MAX_GLYPH``) at the
    height of the line whose glyphs' middle is row ``gy``, in crop pixels."""
    h, w = ink.shape
    reach = round(BOX_MAX_GLYPH * hg)
    y0, y1 = max(0, round(gy) - reach), min(h, round(gy) + reach)
    x0, x1 = max(0, x0), min(w, x1)
    if y1 <= y0 or x1 <= x0:
        return []
    found = find_squares(ink[y0:y1, x0:x1], dpi, (BOX_MIN_GLYPH * hg, BOX_MAX_GLYPH * hg))
    return [Square(s.cx + x0, s.cy + y0, s.side, s.score) for s in found
            if s.score >= SQUARE_MIN_SCORE and abs(s.cy + y0 - gy) <= (hg - s.side) / 2 + 1]


def _text_rows(words: Sequence[OcrBox], lines: set[int]) -> list[set[int]]:
    """The OCR boxes in ``lines`` grouped by the text row they lie on (the detector may cut one
    row of options in two): boxes whose middles lie within half the taller one's height."""
    rows: list[set[int]] = []
    for i in sorted(lines, key=lambda i: (words[i].bbox[1] + words[i].bbox[3]) / 2):
        b = words[i].bbox
        for row in rows:
            j = next(iter(row))
            o = words[j].bbox
            if abs((b[1] + b[3]) - (o[1] + o[3])) / 2 <= max(b[3] - b[1], o[3] - o[1]) / 2:
                row.add(i)
                break
        else:
            rows.append({i})
    return rows


def _between_lines(words: Sequence[OcrBox], members: set[int], box: tuple[int, int, int, int],
                   height: int) -> tuple[float, float]:
    """The rows a line's glyphs may fill: up to halfway to the middles of the other text lines the OCR
    read above and below it over its columns (a hint printed close above: word-02 of rob seed 729666,
    whose rows ran on into the options' and put their middle 10 px high)."""
    x0, y0, x1, y1 = box
    mid = (y0 + y1) / 2
    top, bottom = 0.0, float(height)
    for j, o in enumerate(words):
        if j in members or o.bbox[2] <= x0 or o.bbox[0] >= x1:
            continue
        other = (o.bbox[1] + o.bbox[3]) / 2
        if other < y0 and other < mid:
            top = max(top, (other + mid) / 2)
        elif other > y1 and other > mid:
            bottom = min(bottom, (other + mid) / 2)
    return top, bottom


def _option_starts(mark: np.ndarray, located: dict[str, _Word], opts: list[str], xs: tuple[int, int], cy: float,
                   half: float, hg: float) -> list[float]:
    """Each option's start on its row: the first ink of its span (``option_spans`` over columns ``xs``, in
    the band ``half`` round row ``cy``), else where its word's characters put it."""
    spans = option_spans(mark, xs[0], xs[1], max(0, round(cy - half)), min(mark.shape[0], round(cy + half)), len(opts))
    if spans:
        return [float(spans[i][0]) for i in range(len(opts))]
    out = []
    for c in opts:
        box_x = located[c].box_x
        out.append(box_x - BOX_PER_GLYPH * hg / 2 if box_x is not None else located[c].x0 - BOX_LEFT_OF_WORD * hg)
    return out


def place_by_words(ink: np.ndarray, squares: list[Square], choices: Sequence[str], words: Sequence[OcrBox],
                   dpi: int) -> tuple[dict[str, Square], list[str]]:
    """Each choice's box from its printed word: the options of each OCR line told apart by the
    blank runs between them (``option_spans``), the box at the start of its option, of the size
    its word's glyphs give it (a face's □ may be far below a printed box: ``BOX_MIN_GLYPH``); the
    square found there, else the most square-like ink there (``_settle``). Where a line's options
    cannot be told apart the characters' widths in the line box put the word. ``squares`` (those
    the count found) are taken where they sit at the start of an option too. Returns the boxes
    placed and the choices whose word was not found."""
    located = locate_words(words, choices)
    missing = [c for c in choices if c not in located]
    if not located:
        return {}, missing
    mark = (ink >= MARK_INK).astype(np.uint8)
    line = (ink >= LINE_INK).astype(np.uint8)
    h, w = ink.shape
    placed: dict[str, Square] = {}
    carried: tuple[Square, float] | None = None  # a row's last box with no word after it, and the row's middle
    for members in _text_rows(words, {located[c].line for c in located}):
        opts = sorted((c for c in located if located[c].line in members),
                      key=lambda c: (words[located[c].line].bbox[0], located[c].start))
        bx0 = min(words[i].bbox[0] for i in members)
        bx1 = max(words[i].bbox[2] for i in members)
        by0 = min(words[i].bbox[1] for i in members)
        by1 = max(words[i].bbox[3] for i in members)
        rows = glyph_rows(mark, (bx0, by0, bx1, by1), _between_lines(words, members, (bx0, by0, bx1, by1), h))
        hg, gy = rows if rows is not None else ((by1 - by0) / LINE_PER_GLYPH, (by0 + by1) / 2)
        cy = gy
        # The box may sit just left of what the detector drew round the line's text.
        left = max(0, bx0 - round(SPAN_LEFT_REACH * hg))
        half = hg * SPAN_BAND / 2 + 1
        for j, other in enumerate(words):
            if j not in members and other.bbox[2] <= bx0 and abs((other.bbox[1] + other.bbox[3]) / 2 - cy) < half:
                left = max(left, other.bbox[2])
        free = _line_squares(ink, dpi, left, min(w, bx1 + round(hg)), gy, hg)
        free += [s for s in squares if abs(s.cy - gy) <= hg / 2 and left <= s.cx <= bx1
                 and all(max(abs(s.cx - f.cx), abs(s.cy - f.cy)) > s.side / 2 for f in free)]

        right = min(w, bx1 + round(hg) // 2)
        starts = _option_starts(mark, located, opts, (left, right), cy, half, hg)
        # The box is the largest square at the start of its option (a glyph's 口 is smaller and
        # further right; a ring or a tick's tail may begin the option before it).
        picked: dict[str, Square] = {}
        for c, x in zip(opts, starts, strict=True):
            near = [s for s in free if -START_SLACK * hg <= s.cx - s.side / 2 - x <= START_REACH * hg
                    and s not in picked.values()]
            if near:
                picked[c] = max(near, key=lambda s: (s.side, -abs(s.cx - x)))
        side = round(float(np.median([s.side for s in picked.values()]))) if picked else max(1, round(BOX_PER_GLYPH * hg))
        middle = float(np.median([s.cy for s in picked.values()])) if picked else cy
        if abs(middle - cy) > ROW_MIDDLE_SHIFT * hg:
            # The row's boxes are printed on one line: the squares found there say where its middle is
            # better than the glyph rows, which a hint printed close above joins to the line (word-02 of
            # rob seed 729666: a typed ✓ placed 10 px above its place, nothing ticked); the unpicked
            # options' starts are taken in the band round it (the hint's ink had begun an option).
            cy = middle
            starts = [x if c in picked else y for c, x, y in zip(opts, starts, _option_starts(mark, located, opts, (left, right), cy, half, hg), strict=True)]
        for c, x in zip(opts, starts, strict=True):
            if c in picked:
                placed[c] = picked[c]
            elif c == opts[0] and carried is not None and 0 < cy - carried[1] <= WRAP_ROWS * hg:
                placed[c] = carried[0]  # its box ended the row above (Word wrapped the line after the □)
            elif located[c].typed_tick and picked:
                # The mark was typed where the box goes and the row's other boxes are printed squares:
                # no outline here to settle on (a √'s strokes can pass for a broken one); score 0
                # has the mark judged over the whole place.
                placed[c] = Square(round(x + side / 2), round(cy), side, 0.0)
            else:
                placed[c] = _settle(line, x + side / 2, cy, side)
        tail = [q for q in _line_squares(ink, dpi, round(max(starts)), w, gy, hg) + squares if abs(q.cy - cy) <= hg / 2
                and q.cx > max(starts) + hg and q not in picked.values() and all(words[i].bbox[2] < q.cx for i in members)]
        carried = (max(tail, key=lambda q: q.cx), cy) if tail else None
    return placed, missing
