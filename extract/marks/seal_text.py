"""What a seal's ring says: the unit's name, unrolled from the ring and read as one line.

The ring is fitted again around the seal found (``rings.find_ring``), its text band unrolled
into a straight strip, and the name cut out where its glyphs are (a seal is stamped at any
angle). The same fitted ring lets ``dates`` paint the ring's line out of a date it crosses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from extract.marks.color import ink_map, px_per_mm, red_ink_gray, red_mask
from extract.marks.rings import WORK_PX_PER_MM, find_ring
from extract.marks.seals import check_box

OcrLine = Callable[[np.ndarray], tuple[str, float]]
# Seal text: the ring's characters sit between these fractions of the outer radius.
TEXT_RING_INNER = 0.55
TEXT_RING_OUTER = 0.93
# Width painted out along a fitted ring line (printed 1-1.5 mm, the fit ±0.5 mm).
RING_LINE_MASK_MM = 2.5
# The unwrapped strip runs clockwise all round the ring, glyphs upright (their tops outward).
TEXT_STRIP_PX_PER_MM = 8.0
# Finding the name on the strip: a seal is stamped at any angle (and an oval's fitted angle
# is only known up to a half turn), so the name is found by its ink. Columns with at least
# this many ink pixels hold a glyph; glyphs closer than the gap are one run of text (a
# name's characters sit 0.5-2 mm apart; the name's ends and the serial number at the
# bottom are 5 mm and more apart). The name is the run with the most ink (the serial
# number's digits are small).
TEXT_COLUMN_MIN_PX = 2
# Ink on the strip: anything clearly darker than its paper (the strip's median): a faint red
# seal shows pale on the red-ink image, a gray scan's seal at ~90-200 on paper at ~240...
TEXT_INK_BELOW_PAPER = 30
# ...except long near-horizontal runs: the ring line itself where the fit drifted.
TEXT_RULE_MIN_MM = 6.0
TEXT_GLYPH_GAP_MM = 3.0
# Room kept either side of the name's run.
TEXT_SPAN_PAD_MM = 1.5
# Without any ink run, the strip's ends are dropped (30° either side of straight below).
TEXT_STRIP_END_CUT = 1 / 12


@dataclass
class FittedRing:
    """A seal's outer ring fitted around a known seal box, in the box crop's pixels."""

    cx: float
    cy: float
    a: float
    b: float
    angle: float  # degrees
    red: bool  # the seal is red ink (colour scan); else judged on any ink


def _around(box_bgr: np.ndarray, seal_bbox: list[int], dpi: int) -> tuple[np.ndarray, int, int]:
    """The part of the box around a seal's bbox (5 mm more each side) and its offset."""
    x0, y0, x1, y1 = seal_bbox
    pad = round(5 * px_per_mm(dpi))
    H, W = box_bgr.shape[:2]
    cx0, cy0 = max(0, x0 - pad), max(0, y0 - pad)
    return box_bgr[cy0:min(H, y1 + pad), cx0:min(W, x1 + pad)], cx0, cy0


def fit_ring_around(box_bgr: np.ndarray, seal_bbox: list[int], dpi: int) -> FittedRing:
    """The ring fitted again around ``seal_bbox``, in box pixels: a clipped bbox still
    gives the whole ellipse; without a ring-shaped fit, the ellipse in the bbox."""
    x0, y0, x1, y1 = seal_bbox
    ppm = px_per_mm(dpi)
    region, cx0, cy0 = _around(box_bgr, seal_bbox, dpi)
    ink_r = red_mask(region, dpi)
    red = bool(ink_r.mean() > 0.01)
    work_ink = ink_r.astype(np.float32) if red else ink_map(region, dpi)
    scale = WORK_PX_PER_MM / ppm
    small = cv2.resize(work_ink, (max(1, round(work_ink.shape[1] * scale)), max(1, round(work_ink.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    ring = find_ring(small)
    if ring is not None and ring.is_seal():
        r = ring.scaled(ppm / WORK_PX_PER_MM)
        return FittedRing(r.cx + cx0, r.cy + cy0, r.a, r.b, r.angle, red)
    return FittedRing((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, 0.0, red)


def ring_line_mask(shape: tuple[int, ...], ring: FittedRing, dpi: int) -> np.ndarray:
    """Pixels of the ring's line (and its blurred edge) in an image of ``shape``: what to
    paint out before reading text the ring crosses (the date under a seal)."""
    mask = np.zeros(shape[:2], np.uint8)
    width = max(1, round(RING_LINE_MASK_MM * px_per_mm(dpi)))
    cv2.ellipse(mask, (round(ring.cx), round(ring.cy)), (round(ring.a), round(ring.b)), ring.angle, 0, 360, 1, width)
    return mask > 0


def unwrap_seal_text(box_bgr: np.ndarray, seal_bbox: list[int], dpi: int) -> np.ndarray:
    """The ring's text band unrolled into a straight, upright line (BGR), red ink shown black.

    The strip runs once round the ring, clockwise, from straight below the centre in
    the fitted ring's own frame. A seal is stamped at any angle, so the name may lie
    anywhere on it, even across its ends: ``name_arc`` cuts it out.
    """
    ppm = px_per_mm(dpi)
    ring = fit_ring_around(box_bgr, seal_bbox, dpi)
    region, cx0, cy0 = _around(box_bgr, seal_bbox, dpi)
    gray: np.ndarray = red_ink_gray(region, dpi) if ring.red else cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)
    cx, cy, a, b, ang = ring.cx - cx0, ring.cy - cy0, ring.a, ring.b, ring.angle
    # Map the ellipse onto a circle of radius a (stretch along b), then unroll it.
    radius = max(a, b)
    out_ppm = TEXT_STRIP_PX_PER_MM
    r_in, r_out = TEXT_RING_INNER * radius, TEXT_RING_OUTER * radius
    mid_r_mm = (r_in + r_out) / 2 / ppm
    width = max(16, round(2 * np.pi * mid_r_mm * out_ppm))
    height = max(8, round((r_out - r_in) / ppm * out_ppm))
    u = np.arange(width, dtype=np.float32) / width  # 0..1 clockwise from straight below
    v = np.arange(height, dtype=np.float32) / max(1, height - 1)  # 0 at the ring, 1 inward
    phi = np.pi / 2 + 2 * np.pi * u  # image angles: down, left, up, right (y grows downward)
    rr = r_out - v[:, None] * (r_out - r_in)
    # Unit circle point, squeezed to the ellipse's axes and rotated by its angle.
    ex, ey = np.cos(phi)[None, :] * rr * (a / radius), np.sin(phi)[None, :] * rr * (b / radius)
    th = np.deg2rad(ang)
    map_x = (cx + ex * np.cos(th) - ey * np.sin(th)).astype(np.float32)
    map_y = (cy + ex * np.sin(th) + ey * np.cos(th)).astype(np.float32)
    strip = cv2.remap(gray, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return cv2.cvtColor(strip, cv2.COLOR_GRAY2BGR)


def _circular_runs(on: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs (start, length) of True on a circle, gaps of up to ``gap`` False bridged."""
    n = len(on)
    if not on.any():
        return []
    if on.all():
        return [(0, n)]
    start = int(np.argmin(on))  # a False: unroll the circle there
    idx = np.nonzero(np.roll(on, -start))[0]
    runs: list[list[int]] = [[int(idx[0]), int(idx[0])]]
    for i in idx[1:].tolist():
        if i - runs[-1][1] - 1 <= gap:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    if len(runs) > 1 and (n - runs[-1][1] - 1) + runs[0][0] <= gap:  # the last run goes on into the first
        runs[0][0] = runs[-1][0] - n
        runs.pop()
    return [((a + start) % n, b - a + 1) for a, b in runs]


def name_arc(strip: np.ndarray) -> np.ndarray:
    """The stretch of an unrolled ring (``unwrap_seal_text``) that holds the unit's name.

    The strip is circular; the name is the run of glyphs with the most ink, taken
    whole even where it crosses the strip's ends, with a little room either side.
    """
    w = strip.shape[1]
    gray = cv2.cvtColor(strip, cv2.COLOR_BGR2GRAY)
    ink = (gray < float(np.median(gray)) - TEXT_INK_BELOW_PAPER).astype(np.uint8)
    rule = np.ones((1, round(TEXT_RULE_MIN_MM * TEXT_STRIP_PX_PER_MM)), np.uint8)
    ink[cv2.morphologyEx(ink, cv2.MORPH_OPEN, rule) > 0] = 0
    cols = ink.sum(axis=0)
    runs = _circular_runs(cols >= TEXT_COLUMN_MIN_PX, round(TEXT_GLYPH_GAP_MM * TEXT_STRIP_PX_PER_MM))
    if not runs:
        cut = round(w * TEXT_STRIP_END_CUT)
        return strip[:, cut: w - cut]
    mass = [int(np.roll(cols, -a)[:n].sum()) for a, n in runs]
    start, length = runs[int(np.argmax(mass))]
    pad = round(TEXT_SPAN_PAD_MM * TEXT_STRIP_PX_PER_MM)
    length = min(w, length + 2 * pad)
    return np.roll(strip, -(start - pad), axis=1)[:, :length]


def _clean_unit_name(text: str) -> str:
    """Keep the CJK characters and brackets a unit's name is made of; a bracket without
    its partner is a misread stroke of the ring, not part of the name."""
    keep = [ch for ch in text if "\u4e00" <= ch <= "\u9fff" or ch in "（）()"]
    opened: list[int] = []
    unmatched: set[int] = set()
    for i, ch in enumerate(keep):
        if ch in "（(":
            opened.append(i)
        elif ch in "）)":
            if opened:
                opened.pop()
            else:
                unmatched.add(i)
    unmatched.update(opened)
    return "".join(ch for i, ch in enumerate(keep) if i not in unmatched)


def read_seal_text(box_bgr: np.ndarray, seal_bbox: list[int] | None, dpi: int,
                   ocr_line: OcrLine) -> tuple[str | None, float]:
    """The unit's name on the seal's ring, and the OCR confidence; (None, 0.0) when not read.

    ``ocr_line(image) -> (text, confidence)`` reads one line of text (from extract/ocr.py).
    """
    if seal_bbox is None or check_box(box_bgr, dpi):
        return None, 0.0
    strip = name_arc(unwrap_seal_text(box_bgr, seal_bbox, dpi))
    text, conf = ocr_line(strip)
    name = _clean_unit_name(text)
    if not name:
        return None, 0.0
    return name, float(conf)
