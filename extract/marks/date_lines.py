"""The text lines of an opinion box's lower right, where the date is: rows of ink found past the
box's rules, bands too tall for one line cut apart, and each line's crop for the OCR engine.
``dates`` reads them; this finds them.
"""

from __future__ import annotations

import cv2
import numpy as np

from extract.marks.color import px_per_mm

# Ink darkness (0..1) that counts for finding text rows: print and pen, not paper noise.
ROW_INK = 0.45
# A row belongs to a text line when this much of it (in mm) has ink (one glyph stroke is
# ~0.3 mm)...
ROW_MIN_INK_MM = 0.6
# Table rules (the box's edges) are removed before finding lines: ink runs longer than this.
RULE_MIN_MM = 12.0
# A rule broken or blurred by the scan: a row (column) inked over this share of the region,
# within RULE_EDGE_MM of its edge (the box's own edges; inside the box, a seal's star and
# ring text stacked over the date fill a column as much).
RULE_ROW_SHARE = 0.5
RULE_EDGE_MM = 4.0
# A seal's ring runs straight within its own line's width for sqrt(8·R·t): up to ~20 mm at the bottom of
# a 45 x 30 mm oval (R ≈ 34 mm, t ≤ 1.5 mm), 14 mm on a round one, longer than RULE_MIN_MM. A straight run
# is a rule only where it is longer than RULE_FREE_MM or lies within RULE_EDGE_MM of the region's edge (the
# box's own edges): taken for a rule, the ring was whitened with the strokes of the date it crossed
# (combined-02 of rob seed 495224, a gray oval's ring through 一月十六 read 十一月年二日, unread).
RULE_FREE_MM = 30.0
# A band taller than one line (a seal's ring crossing the rows glued the date line to the
# 公章 label) is cut again at these shares of its own fullest row, in turn (a share of the
# whole region's fullest row would lose a blank 年 月 日 line under dense text).
LINE_MAX_MM = 7.0
SPLIT_REL_INK = (0.3, 0.45, 0.6)
# Text lines are 2.5-6 mm tall (10.5-12 pt print, handwriting a bit taller); rows closer than
# the gap belong to one line (handwritten digits sit a little above the printed 年).
LINE_MIN_MM = 1.8
LINE_GAP_MM = 0.8
# Two lines glued into one band under LINE_MAX_MM (the 公章 label and a date written tall just under
# it: 6.6 mm together on word-01 of rob seed 464378, read as one line '2020年申报单位公'): a band
# taller than GLUED_MIN_MM (a 10.5-12 pt line is 3-4.5 mm) is also tried as two, cut at its thinnest
# row in the middle GLUED_MIDDLE of it where that row holds under GLUED_VALLEY of the fullest row on
# either side (a line's own strokes never thin out so across its middle), the lower part first.
GLUED_MIN_MM = 5.0
GLUED_MIDDLE = (0.3, 0.7)
GLUED_VALLEY = 0.5
# Margin around a line crop for the OCR engine (it drops glyphs touching the edge).
LINE_PAD_MM = 1.0
# A date line running on left of the region (a printer that spaces 年 月 日 widely: split-02 of rob
# seed 842594 began 62 mm from the box's right, its first 二 cut off) is followed left while its ink
# continues with gaps under LINE_RUN_GAP_MM (glyphs of one line stand 0.5-3 mm apart, the pen's gaps
# before 年 月 日 are closed by the figures written in them), never nearer the box's left than
# LINE_RUN_MIN_X of its width (the box's rule and the opinion's own text).
LINE_RUN_GAP_MM = 5.0
LINE_RUN_MIN_X = 0.1
# A line read as the bare 年 月 日 is written on when its ink spans more columns than this many
# glyphs (``line_glyphs``): the printed three measured 2.5-2.7, the shortest date written in them
# (2020年1月1日) 4.3-4.7. Where a seal crosses the line, only with the seal's ink painted out
# (``date_seal``): a ring and its glyphs add ink there too.
PRINTED_LABEL_GLYPHS = 3.6
# A doubtful line is read again REREAD_SCALES times larger and with REREAD_THICKEN_MM thicker strokes.
REREAD_SCALES = (2.0,)
REREAD_THICKEN_MM = 0.15


def reread_variants(gray: np.ndarray, dpi: int) -> list[np.ndarray]:
    """A line crop again for OCR: larger (thin strokes span more pixels) and with thicker strokes."""
    out = [cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC) for k in REREAD_SCALES]
    k = max(2, round(REREAD_THICKEN_MM * px_per_mm(dpi)) + 1)
    out.append(cv2.erode(gray, np.ones((k, k), np.uint8)))  # white paper: erode thickens dark ink
    return out


def line_glyphs(ink: np.ndarray, y0: int, y1: int) -> float:
    """How many glyphs' worth of columns a text line (rows y0..y1 of a darkness map) has ink in, each
    glyph as wide as the line is tall."""
    return int((ink[y0:y1] >= ROW_INK).any(axis=0).sum()) / max(1, y1 - y0)


def _bands(counts: np.ndarray, threshold: float, gap: float) -> list[list[int]]:
    bands: list[list[int]] = []
    for y in np.nonzero(counts >= threshold)[0].tolist():
        if bands and y - bands[-1][1] <= gap:
            bands[-1][1] = y
        else:
            bands.append([y, y])
    return bands


def _split(counts: np.ndarray, y0: int, y1: int, ppm: float, level: int = 0) -> list[tuple[int, int]]:
    """A band of rows cut into text lines: bands too tall to be one line (a seal glued
    lines together) are cut again at a higher share of their own fullest row."""
    if y1 - y0 <= LINE_MAX_MM * ppm or level >= len(SPLIT_REL_INK):
        return [(y0, y1)] if y1 - y0 >= LINE_MIN_MM * ppm else []
    local = counts[y0:y1]
    out: list[tuple[int, int]] = []
    for a, b in _bands(local, SPLIT_REL_INK[level] * float(local.max()), LINE_GAP_MM * ppm):
        out += _split(counts, y0 + a, y0 + b + 1, ppm, level + 1)
    return out


def rule_mask(ink: np.ndarray, dpi: int, rings_too: bool = False) -> np.ndarray:
    """Pixels of table rules (the box's edges) in a darkness map: long straight runs of ink; with
    ``rings_too`` every straight run of RULE_MIN_MM (a seal's ring too: out of the way where text lines
    are found, never whitened over the glyphs it crosses, RULE_FREE_MM)."""
    ppm = px_per_mm(dpi)
    binary = (ink >= ROW_INK).astype(np.uint8)
    run = max(3, round(RULE_MIN_MM * ppm))
    edge = max(1, round(RULE_EDGE_MM * ppm))
    free = 0.0 if rings_too else RULE_FREE_MM * ppm
    rules = _straight_runs(binary, (1, run), edge, free) | _straight_runs(binary, (run, 1), edge, free)
    # A rule blurred or broken by the scan: a row (column) by the edge inked over most of the width (height).
    for axis in (0, 1):
        share = binary.sum(axis=1 - axis) / binary.shape[1 - axis]
        full = share >= RULE_ROW_SHARE
        full[edge:-edge] = False
        if axis == 0:
            rules[full] = True
        else:
            rules[:, full] = True
    # and the pixels right beside them (the rule's blurred edge)
    return cv2.dilate(rules.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0


def _straight_runs(binary: np.ndarray, kernel: tuple[int, int], edge: int, free: float) -> np.ndarray:
    """The straight runs of ink along ``kernel`` (rows, columns) that are rules: longer than ``free`` px,
    or running along the map's border within ``edge`` px of it (RULE_FREE_MM): a row's run by the top or
    bottom, a column's by the left or right (a ring's side reaching down to the box's bottom is no rule)."""
    opened = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones(kernel, np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    rows = kernel[0] == 1
    start = stats[:, cv2.CC_STAT_TOP if rows else cv2.CC_STAT_LEFT]
    middle = start + stats[:, cv2.CC_STAT_HEIGHT if rows else cv2.CC_STAT_WIDTH] / 2
    size = binary.shape[0 if rows else 1]
    by_edge = (middle < edge) | (middle > size - edge)
    keep = (stats[:, cv2.CC_STAT_WIDTH if rows else cv2.CC_STAT_HEIGHT] > free) | by_edge
    keep[0] = False
    return np.asarray(keep[labels])


def text_lines(ink: np.ndarray, dpi: int) -> list[tuple[int, int]]:
    """Row ranges (y0, y1) of the text lines in a darkness map, top to bottom (table rules ignored)."""
    ppm = px_per_mm(dpi)
    binary = ((ink >= ROW_INK) & ~rule_mask(ink, dpi, rings_too=True)).astype(np.uint8)
    counts = binary.sum(axis=1)
    lines: list[tuple[int, int]] = []
    for a, b in _bands(counts, ROW_MIN_INK_MM * ppm, LINE_GAP_MM * ppm):
        lines += _split(counts, a, b + 1, ppm)
    return lines


def glued_halves(ink: np.ndarray, y0: int, y1: int, dpi: int) -> list[tuple[int, int]]:
    """A band of rows (``text_lines``) cut in two where two text lines touch (GLUED_*), lower part
    first; none when it is one line."""
    ppm = px_per_mm(dpi)
    if y1 - y0 < GLUED_MIN_MM * ppm:
        return []
    counts = (ink[y0:y1] >= ROW_INK).sum(axis=1).astype(np.float32)
    a, b = round(len(counts) * GLUED_MIDDLE[0]), round(len(counts) * GLUED_MIDDLE[1])
    cut = a + int(np.argmin(counts[a:b]))
    if counts[cut] >= GLUED_VALLEY * min(float(counts[:cut].max()), float(counts[cut + 1:].max())):
        return []
    return [h for h in ((y0 + cut, y1), (y0, y0 + cut)) if h[1] - h[0] >= LINE_MIN_MM * ppm]


def rows_only(img: np.ndarray, y0: int, y1: int) -> np.ndarray:
    """``img`` with every row outside y0..y1 white: a glued line's part without the other's strokes
    in its crop's margin."""
    out = np.full_like(img, 255)
    out[y0:y1] = img[y0:y1]
    return out


def line_crop(img: np.ndarray, ink: np.ndarray, y0: int, y1: int, dpi: int) -> tuple[np.ndarray, list[int]]:
    """The line's crop (tight on its ink, padded) and its box in the region."""
    pad = round(LINE_PAD_MM * px_per_mm(dpi))
    cols = np.nonzero((ink[y0:y1] >= ROW_INK).any(axis=0))[0]
    x0, x1 = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, img.shape[1])
    h, w = img.shape[:2]
    box = [max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)]
    return img[box[1]:box[3], box[0]:box[2]], box


def line_start(ink: np.ndarray, x0: int, dpi: int) -> int:
    """Where the region of the date's lines should begin (column in ``ink``, the box's lower band's
    darkness map): ``x0``, or left of it where one of the lowest lines that start at ``x0`` runs on
    (LINE_RUN_*)."""
    ppm = px_per_mm(dpi)
    gap = round(LINE_RUN_GAP_MM * ppm)
    limit = round(ink.shape[1] * LINE_RUN_MIN_X)
    if x0 <= limit:
        return x0
    inked = (ink >= ROW_INK) & ~rule_mask(ink, dpi, rings_too=True)
    start = x0
    for y0, y1 in text_lines(ink[:, x0:], dpi)[-3:]:
        cols = inked[y0:y1].any(axis=0)
        if not cols[x0:x0 + gap].any():
            continue  # the line starts inside the region
        x = x0
        while x > limit and cols[max(limit, x - gap):x].any():
            x = max(limit, x - gap) + int(np.nonzero(cols[max(limit, x - gap):x])[0][0])
        start = min(start, x)
    return start
