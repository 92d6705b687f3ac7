"""A seal's own glyphs told from the date's where the seal stands over the date line, by geometry.

In a colour scan a seal's ink goes with its red (``color.remove_red``); in a gray one by its tone
(``dates.seal_tone``). In a 1-bit scan the seal is as black as the print, and the 13-digit code
engraved on its lower arc (GA 241) can stand right under the date: bilevel-01 of rob seed 594587
read 十二月 for 十一月, the code's first 2 under the 一, a sure false DATE_LATE. The code's glyphs
are small, stand in a narrow band just inside the ring line and are turned to face the seal's
centre; the date's glyphs stand upright on one baseline. A glyph (a connected blob of ink) is the
seal's when it lies wholly in that band, is as big as a code digit, and either stands turned along
the radius where the radius is far from upright, or (at the bottom of the arc, where a code digit
stands as upright as the date's) hangs below the middle of the date line it touches.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from extract.marks.color import ink_map, px_per_mm
from extract.marks.date_lines import text_lines
from extract.marks.seal_outline import FittedRing, ring_line_mask

# Ink (0..1 of ``ink_map``) that makes a glyph's pixels: print and pen, not paper noise.
GLYPH_INK = 0.45
# The code's band, as distance inward from the middle of the fitted ring line (mm): a single ring's
# half width (0.65) and the engraver's gap (0.6) put the code's foot at about 1.2 mm, a double ring
# at about 2.6 mm; the 2-3 mm digits then reach 3.8-5.6 mm. The fit is good to ±0.5 mm.
CODE_BAND_MM = (0.5, 6.3)
# A code digit's extent along the radius (its height, 2-3 mm on 38-45 mm seals, a 1 shortest) and
# across it (0.5-2 mm): a date glyph (3.5-5 mm) is larger and a date's 一 flatter.
CODE_RADIAL_MM = (1.2, 3.6)
CODE_ACROSS_MAX_MM = 2.6
# The longer side of a code digit's upright box: its height when it stands upright, up to its
# diagonal when turned (a 1 leaning at the arc's side is shortest).
BLOB_SIDE_MM = (0.8, 4.6)
# A blob stands along the radius when its long axis is within this of the radius (a digit is
# 1.4-2.5 times taller than wide) and the blob is that elongated at least...
ALONG_RADIUS_DEG = 25.0
MIN_ELONGATION = 1.3
# ...where the radius itself is at least this far from upright (an upright date glyph would then
# stand across it); nearer the bottom of the arc, a code digit is told by hanging below the line.
TURNED_MIN_DEG = 30.0
# The code's digits stand at one distance from the ring line, one after another along it: blobs whose
# middles lie further than CODE_ARC_SLACK_MM from the candidates' median distance are not on its arc,
# and fewer than CODE_MIN_GLYPHS candidates are a seal's stray fragments, not a code.
CODE_ARC_SLACK_MM = 0.8
CODE_MIN_GLYPHS = 3
# The code spans about 100° of the lower arc (GA 241): a blob further than CODE_SECTOR_DEG from straight
# below the centre is no code digit (a date's 二 at the ring's side, its dashes along the radius there).
CODE_SECTOR_DEG = 60.0
# The geometry is trusted only where the ring line is seen in the ink where it was fitted: this share of
# the ring line's mask (2.5 mm wide about a 1-1.5 mm line) inked below the centre (a gray scan's light
# seal, its ring fitted off its real line, is not judged: form09 of the samples).
RING_INKED_SHARE = 0.25
# A blob hangs below the date line when its middle is below the line's middle by this share of the
# line's height (a date glyph's middle is on the line's middle; a code digit under it is lower).
HANG_BELOW = 0.3


def _ring_distance(shape: tuple[int, int], ring: FittedRing) -> np.ndarray:
    """Per pixel: how far inside the ring line's middle it lies (px, negative outside), along the ray
    from the ring's centre."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = xs - ring.cx, ys - ring.cy
    t = math.radians(ring.angle)
    u = dx * math.cos(t) + dy * math.sin(t)
    v = -dx * math.sin(t) + dy * math.cos(t)
    r = np.hypot(u, v) + 1e-6
    outline = 1.0 / np.sqrt((u / r / max(ring.a, 1.0)) ** 2 + (v / r / max(ring.b, 1.0)) ** 2)
    return np.asarray(outline - r)


def _axis_deg(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """A blob's long axis (degrees, 0..180, image y down) and its elongation (long/short spread)."""
    cov = np.cov(np.vstack([xs, ys]).astype(np.float64))
    vals, vecs = np.linalg.eigh(cov)
    long = vecs[:, 1]
    return math.degrees(math.atan2(long[1], long[0])) % 180.0, math.sqrt(max(vals[1], 1e-6) / max(vals[0], 1e-6))


def _line_middles(binary: np.ndarray, seal: np.ndarray, lines: list[tuple[int, int]]) -> list[tuple[int, int, float, float]]:
    """Each line's rows with the middle and height of its glyphs off the seal's band (the date's own)."""
    out: list[tuple[int, int, float, float]] = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    for y0, y1 in lines:
        tops, bottoms = [], []
        for i in range(1, n):
            x, y, bw, bh, area = stats[i]
            if seal[i] or y + bh <= y0 or y >= y1:
                continue
            tops.append(y)
            bottoms.append(y + bh)
        if tops:
            top, bottom = float(np.median(tops)), float(np.median(bottoms))
            out.append((y0, y1, (top + bottom) / 2, bottom - top))
    return out


def ring_glyphs(binary: np.ndarray, ring: FittedRing, dpi: int, lines: list[tuple[int, int]]) -> np.ndarray:
    """The pixels of ``binary`` (uint8 0/1, the ring line already out) that are the seal's own code
    glyphs (module doc), as a bool mask; ``ring`` in ``binary``'s pixels, ``lines`` its text lines'
    row ranges (``date_lines.text_lines``)."""
    ppm = px_per_mm(dpi)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    inward = _ring_distance(binary.shape[:2], ring)
    band = (CODE_BAND_MM[0] * ppm, CODE_BAND_MM[1] * ppm)
    in_band = np.zeros(n, bool)
    turned = np.zeros(n, bool)
    at_bottom = np.zeros(n, bool)
    centres = np.zeros(n)
    middles = np.zeros(n)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if not BLOB_SIDE_MM[0] * ppm <= max(bw, bh) <= BLOB_SIDE_MM[1] * ppm:
            continue  # a first cut by the blob's box, before its pixels are measured
        sl = labels[y:y + bh, x:x + bw] == i
        d = inward[y:y + bh, x:x + bw][sl]
        if d.min() < band[0] or d.max() > band[1]:
            continue
        ys, xs = np.nonzero(sl)
        cx, cy = float(xs.mean() + x), float(ys.mean() + y)
        rx, ry = cx - ring.cx, cy - ring.cy
        rn = math.hypot(rx, ry) + 1e-6
        if ry <= 0 or math.degrees(math.atan2(abs(rx), ry)) > CODE_SECTOR_DEG:
            continue
        # extents along and across the radius
        px, py = xs + x - cx, ys + y - cy
        along = px * rx / rn + py * ry / rn
        across = -px * ry / rn + py * rx / rn
        radial, wide = float(along.max() - along.min() + 1), float(across.max() - across.min() + 1)
        if not (CODE_RADIAL_MM[0] * ppm <= radial <= CODE_RADIAL_MM[1] * ppm and wide <= CODE_ACROSS_MAX_MM * ppm):
            continue
        in_band[i] = True
        middles[i] = (float(d.min()) + float(d.max())) / 2
        radius_deg = math.degrees(math.atan2(ry, rx)) % 180.0
        off_upright = abs(radius_deg - 90.0)
        if off_upright >= TURNED_MIN_DEG:
            axis, elong = _axis_deg(xs.astype(np.float64), ys.astype(np.float64))
            diff = abs(axis - radius_deg)
            turned[i] = elong >= MIN_ELONGATION and min(diff, 180.0 - diff) <= ALONG_RADIUS_DEG
        else:
            at_bottom[i] = True
        centres[i] = cy
    if in_band.sum() < CODE_MIN_GLYPHS:
        return np.zeros(binary.shape[:2], bool)
    off_arc = np.abs(middles - float(np.median(middles[in_band]))) > CODE_ARC_SLACK_MM * ppm
    turned &= ~off_arc
    at_bottom &= ~off_arc
    seal = turned.copy()
    for line_top, line_bottom, middle, height in _line_middles(binary, in_band, lines):
        for j in np.nonzero(at_bottom)[0]:
            top, tall = int(stats[j][cv2.CC_STAT_TOP]), int(stats[j][cv2.CC_STAT_HEIGHT])
            if top < line_bottom and top + tall > line_top and centres[j] > middle + HANG_BELOW * height:
                seal[j] = True
    return seal[labels] & (labels > 0)


def ring_glyph_mask(box_bgr: np.ndarray, ring: FittedRing, dpi: int) -> np.ndarray:
    """The seal's code glyphs (``ring_glyphs``) in an opinion box (BGR, ``ring`` in its pixels), grown
    by a pixel each side (their blurred edge), as a bool mask; none where the seal has none, or where its
    ring line is not seen in the ink where it was fitted (RING_INKED_SHARE)."""
    ink = ink_map(box_bgr, dpi)
    line = ring_line_mask(box_bgr.shape, ring, dpi)
    inked = ink >= GLYPH_INK
    lower = line.copy()
    lower[: max(0, min(lower.shape[0], int(ring.cy)))] = False
    if not lower.any() or (lower & inked).sum() < RING_INKED_SHARE * lower.sum():
        return np.zeros(box_bgr.shape[:2], bool)
    binary = (inked & ~line).astype(np.uint8)
    seal = ring_glyphs(binary, ring, dpi, text_lines(np.where(line, 0.0, ink).astype(np.float32), dpi))
    return cv2.dilate(seal.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
