"""Lines of text inside a cell crop, from its ink: where they are, which stretches of them no
detected text box covers, and reading a cell line by line.

Page-level detection (RapidOCR) drops a low-scoring line now and then, and a lone short value
(a TRL digit) is dropped by detection and by a stacked Tesseract run alike; these functions
find such lines by their ink and have them recognised one by one.
"""

from __future__ import annotations

import cv2
import numpy as np

from extract.grid import Grid, crop
from extract.ocr import OcrBox, OcrEngine, OcrText, boxes_to_text, join_lines

# Ink is darker than mid-gray ...
LINE_INK_CUT = 128
# ... unless the crop's darkest ink (its INK_DARKEST_RANK-th darkest pixel, past single specks) is
# lighter than this: then ink is what is darker than half way to the paper, as long as the ink
# stands at least 2 × LIGHT_INK_MIN_CONTRAST from the paper (JPEG ringing and paper texture do not).
INK_DARKEST_RANK = 8
LIGHT_INK_DARKEST = 64
LIGHT_INK_MIN_CONTRAST = 40
# A pixel row is part of a text line when this share of the cell width is ink (specks are less).
LINE_MIN_INK_SHARE = 0.002
# Lines lower than this are rule remnants or specks, not text (body text is 25+ px at 200 dpi).
LINE_MIN_HEIGHT_PX = 6
# Two ink bands closer than this share of the taller one's height are one line: the white
# row under a 7's bar or between 三's strokes is ~1-3 px; a gap between lines is ≥30% of a line.
LINE_MERGE_GAP_SHARE = 0.2
# Rows with less ink than this share of their band's fullest row are a gap between lines
# (a line of text never thins that much inside; a 7's stem is ~40% of its bar).
LINE_VALLEY_SHARE = 0.05
# A band less than GLYPH_PART_HEIGHT_SHARE as tall as the band beside it, nearer to it than
# GLYPH_PART_GAP_SHARE of that band's height, no wider than GLYPH_PART_MAX_WIDTH of its height and
# over its columns is part of that line's glyph, not a line: a brush-font 7's bar above a stem that
# thins to a pixel where they join (a line of text beside another is as tall, or a word wide).
GLYPH_PART_HEIGHT_SHARE = 0.5
GLYPH_PART_GAP_SHARE = 0.4
GLYPH_PART_MAX_WIDTH = 1.5
# Ink components smaller than this (px, at 200-300 dpi) are paper noise, not glyph parts:
# a full stop at 200 dpi is ~4×4 px.
SPECK_MIN_AREA_PX = 12
# An ink component spanning this share of a cell crop's height (width) and this many times
# thinner is a rule remnant (skew, a thick rule), not text.
RULE_REMNANT_SPAN = 0.8
RULE_REMNANT_ASPECT = 8
# A stretch of a line's ink no detected box covers is re-read when at least this many line
# heights wide (one character; specks and a rule's stub are narrower), stretches closer than
# RUN_JOIN_GAP line heights are one (the space between words).
RUN_MIN_WIDTH = 0.6
RUN_JOIN_GAP = 1.5
# A recovered line is kept only when recognition is at least this sure (noise reads as junk
# with a low score).
RECOVER_MIN_CONFIDENCE = 0.6


def ink_cut(gray: np.ndarray) -> int:
    """The gray level below which a cell crop's pixel is ink: mid-gray, or for a crop whose darkest
    ink is far from black (a thin digit printed light and scanned as JPEG: its core at 81, most of
    its stroke 130-200), half way between that ink and the crop's paper."""
    flat = gray.ravel()
    if flat.size <= INK_DARKEST_RANK:
        return LINE_INK_CUT
    darkest = int(np.partition(flat, INK_DARKEST_RANK)[INK_DARKEST_RANK])
    paper = int(np.median(flat))
    if darkest < LIGHT_INK_DARKEST or paper - darkest < 2 * LIGHT_INK_MIN_CONTRAST:
        return LINE_INK_CUT
    return max(LINE_INK_CUT, (paper + darkest) // 2)


def _ink_components(gray: np.ndarray) -> np.ndarray:
    """Ink (dark pixels, ``ink_cut``) without specks (components smaller than ``SPECK_MIN_AREA_PX``)."""
    ink = (gray < ink_cut(gray)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return ink.astype(bool)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= SPECK_MIN_AREA_PX
    h, w = gray.shape[:2]
    cw, ch = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    # A rule left inside the crop (skew, a thick rule): spans the crop one way, thin the other.
    rule = ((ch >= RULE_REMNANT_SPAN * h) & (cw * RULE_REMNANT_ASPECT <= ch)) | ((cw >= RULE_REMNANT_SPAN * w) & (ch * RULE_REMNANT_ASPECT <= cw))
    keep &= ~rule
    # A narrow mark touching the crop's left or right side spilled over the rule from the next
    # cell (a hint's closing bracket); text keeps clear of the rules.
    sx = stats[:, cv2.CC_STAT_LEFT]
    edge = ((sx <= 0) | (sx + cw >= w)) & (cw * 2 < ch)
    keep &= ~edge
    return keep[labels]


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """Start and end (exclusive) of each run of True."""
    out: list[tuple[int, int]] = []
    start = None
    for y, v in enumerate([*on.tolist(), False]):
        if v and start is None:
            start = y
        elif not v and start is not None:
            out.append((start, y))
            start = None
    return out


def split_lines(gray: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of the text lines in a cell crop (ink rows separated by white rows).

    A glyph's own white row (the gap under the bar of a 7) does not split a line:
    bands closer than ``LINE_MERGE_GAP_SHARE`` of the taller one's height are one line.
    """
    ink = (gray < 128).sum(axis=1)
    min_ink = max(1, int(gray.shape[1] * LINE_MIN_INK_SHARE))
    bands: list[tuple[int, int]] = []
    for a, b in _runs(ink >= min_ink):
        # A stray mark running down the cell's edge (a bracket over the rule, a descender)
        # joins lines through their gaps: cut the band where its ink falls to a valley.
        peak = int(ink[a:b].max())
        bands.extend((a + x, a + y) for x, y in _runs(ink[a:b] >= max(min_ink, LINE_VALLEY_SHARE * peak)))
    merged: list[tuple[int, int]] = []
    for a, b in bands:
        if merged:
            pa, pb = merged[-1]
            if a - pb <= LINE_MERGE_GAP_SHARE * max(pb - pa, b - a):
                merged[-1] = (pa, b)
                continue
        merged.append((a, b))
    return [(a, b) for a, b in _join_glyph_parts(gray, merged) if b - a >= LINE_MIN_HEIGHT_PX]


def _join_glyph_parts(gray: np.ndarray, bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``bands`` with each glyph part (``GLYPH_PART_*``) joined to the line it belongs to."""
    def cols(band: tuple[int, int]) -> tuple[int, int]:
        c = np.flatnonzero((gray[band[0]:band[1]] < 128).any(axis=0))
        return (int(c[0]), int(c[-1]) + 1) if c.size else (0, 0)

    def part_of(part: tuple[int, int], line: tuple[int, int], gap: int) -> bool:
        height = line[1] - line[0]
        (p0, p1), (l0, l1) = cols(part), cols(line)
        return (part[1] - part[0] < GLYPH_PART_HEIGHT_SHARE * height and gap <= GLYPH_PART_GAP_SHARE * height
                and p1 - p0 <= GLYPH_PART_MAX_WIDTH * height and min(p1, l1) > max(p0, l0))

    out = list(bands)
    i = 0
    while i < len(out):
        a, b = out[i]
        if i + 1 < len(out) and part_of((a, b), out[i + 1], out[i + 1][0] - b):
            out[i + 1] = (a, out[i + 1][1])
            del out[i]
            i = max(0, i - 1)
        elif i > 0 and part_of((a, b), out[i - 1], a - out[i - 1][1]):
            out[i - 1] = (out[i - 1][0], b)
            del out[i]
            i = max(0, i - 1)
        else:
            i += 1
    return out


def line_crops(cell_gray: np.ndarray) -> list[tuple[tuple[int, int, int, int], np.ndarray]]:
    """Each text line of a cell crop, cut to the columns its ink covers (specks and far-off
    marks left out), as ``(x0, y0, x1, y1)`` in the crop and the line image."""
    clean = _ink_components(cell_gray)
    work = np.where(clean, 0, 255).astype(np.uint8)
    out: list[tuple[tuple[int, int, int, int], np.ndarray]] = []
    h, w = cell_gray.shape[:2]
    for a, b in split_lines(work):
        pad = max(2, (b - a) // 4)
        cols = np.flatnonzero(clean[a:b].any(axis=0))
        if cols.size == 0:
            continue
        y0, y1 = max(0, a - pad), min(h, b + pad)
        x0, x1 = max(0, int(cols[0]) - 2 * pad), min(w, int(cols[-1]) + 1 + 2 * pad)
        out.append(((x0, y0, x1, y1), cell_gray[y0:y1, x0:x1]))
    return out


def uncovered_runs(cell_gray: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Stretches of ink lines in a cell crop that no detected text box covers, ``(x0, y0, x1, y1)`` in the crop.

    ``boxes`` are the detected boxes in crop pixels. A line's ink columns under a
    box that overlaps the line by half its height are covered; what is left,
    joined across gaps shorter than ``RUN_JOIN_GAP`` line heights, is a run when
    it is at least ``RUN_MIN_WIDTH`` line heights wide.
    """
    clean = _ink_components(cell_gray)
    work = np.where(clean, 0, 255).astype(np.uint8)
    h, w = cell_gray.shape[:2]
    out: list[tuple[int, int, int, int]] = []
    for a, b in split_lines(work):
        lh = b - a
        ink = np.asarray(clean[a:b].any(axis=0), dtype=bool)
        for x0, y0, x1, y1 in boxes:
            if min(b, y1) - max(a, y0) >= 0.5 * min(lh, max(1, y1 - y0)):
                ink[max(0, x0) : max(0, x1)] = False
        cols = np.flatnonzero(ink)
        if cols.size == 0:
            continue
        runs: list[list[int]] = [[int(cols[0]), int(cols[0]) + 1]]
        for c in cols[1:].tolist():
            if c - runs[-1][1] <= RUN_JOIN_GAP * lh:
                runs[-1][1] = c + 1
            else:
                runs.append([c, c + 1])
        pad = max(2, lh // 4)
        for r0, r1 in runs:
            if r1 - r0 >= RUN_MIN_WIDTH * lh:
                out.append((max(0, r0 - pad), max(0, a - pad), min(w, r1 + pad), min(h, b + pad)))
    return out


def recover_lines(eng: OcrEngine, gray: np.ndarray, grid: Grid, cell_ids: list[int], texts: dict[int, OcrText]) -> int:
    """Lines of ink in value cells that page detection dropped (a low-score box), read by
    recognition alone and added to the cells' texts. Returns how many were added."""
    m = grid.margin()
    crops: list[np.ndarray] = []
    where: list[tuple[int, tuple[int, int, int, int]]] = []
    for i in cell_ids:
        ix0, iy0, ix1, iy1 = grid.cells[i].inner(m)
        cell = crop(gray, (ix0, iy0, ix1, iy1))
        t = texts.get(i)
        rel = [(b.bbox[0] - ix0, b.bbox[1] - iy0, b.bbox[2] - ix0, b.bbox[3] - iy0) for b in (t.boxes if t else [])]
        for x0, y0, x1, y1 in uncovered_runs(cell, rel):
            crops.append(cell[y0:y1, x0:x1])
            where.append((i, (x0 + ix0, y0 + iy0, x1 + ix0, y1 + iy0)))
    if not crops:
        return 0
    added = 0
    read = eng.read_cells(crops, "chi_sim", line=True)
    for (i, bbox), r in zip(where, read, strict=True):
        if not r.text or r.confidence < RECOVER_MIN_CONFIDENCE:
            continue
        old = texts.get(i)
        boxes = [*(old.boxes if old else []), OcrBox(r.text, bbox, r.confidence)]
        texts[i] = boxes_to_text(boxes)
        added += 1
    return added


def read_cell_lines(eng: OcrEngine, cell_gray: np.ndarray, lang: str) -> OcrText:
    """A cell read line by line (recognition only for RapidOCR, one process for Tesseract)."""
    lines = line_crops(cell_gray)
    if not lines:
        return OcrText("", 0.0)
    texts = eng.read_cells([im for _, im in lines], lang, line=True)
    joined = join_lines([t.text for t in texts])
    conf = sum(t.confidence * len(t.text) for t in texts) / max(1, sum(len(t.text) for t in texts))
    boxes = [OcrBox(t.text, bb, t.confidence) for (bb, _), t in zip(lines, texts, strict=True) if t.text]
    return OcrText(joined, conf if joined else 0.0, boxes)
