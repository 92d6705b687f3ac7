"""A seal's outer ring fitted to its real outline, around a seal already found.

``rings.find_ring`` looks for seals of the usual sizes (38-45 mm round, 40x30 and
45x30 mm ovals) and stops its fit there; a 30 mm round seal or a 30x20 mm oval comes
back too large, and its text band would land on the ring line. Here the fit starts
from that ring, from the ellipse round the seal ink's outermost points and from smaller
copies, and every start is hill-climbed on the same ring-minus-surround objective with
room for 30-50 mm round seals and ovals down to 30x20 mm; the best fit wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extract.marks.color import ink_map, px_per_mm, red_mask
from extract.marks.ring_sampler import FIT_SAMPLES_PER_SECTOR, RING_SECTORS, WORK_PX_PER_MM, Ring, RingSampler
from extract.marks.rings import find_ring, first_better, refine, star_centres

# Semi-axes the outline fit may take (mm): a 30x20 mm oval (10 mm) with 1 mm to spare, a
# 50 mm round seal (25 mm) with 1.5 mm to spare.
OUTLINE_SEMI_AXES_MM = (9.0, 26.5)
# Smaller copies of the found ring tried as starts: a 30x20 oval inside the 40x30 the filters
# know is 0.67-0.75 of it; the hill-climb covers the steps between.
OUTLINE_SHRINK = (0.85, 0.7)
# Seals are round or ovals of 4:3 and flatter (40x30, 35x25, 45x30, 30x20 mm): a fit rounder than
# this is a round seal whose pale or patchy side let the fit sag onto the glyphs, fitted again round.
ROUND_MAX_RATIO = 1.2
# Round rings tried about a seal's star (mm): 30, 38, 44 and 50 mm seals.
STAR_START_RADII_MM = (14.5, 18.5, 21.5, 24.5)
# The seal ink's outermost points are looked for within the found ring grown by this (mm): print
# and pen notes further out are not the seal's.
OUTLINE_GROW_MM = 1.5
# Ink (0..1) that counts when the outline's outermost points are collected.
OUTLINE_INK = 0.5
# The outermost ink is the ring line's outer edge: its middle lies half a line (a 1.3 mm line) inside.
HALF_LINE_MM = 0.65
# A seal found is there: its outline may run out of the box on more sides than a seal
# being looked for may (ring_sampler.MIN_KNOWN_SECTORS), e.g. a 50 mm seal on the 公章 label.
OUTLINE_MIN_KNOWN = 0.3
# Rays cast from the centre to find the outermost ink (one per 4°).
OUTLINE_RAYS = 90
# Room around a seal's bbox searched for its ring (mm): a clipped bbox still gives the whole ring.
AROUND_MM = 5.0
# Share of red pixels above which a region's seal is red ink (colour scan).
RED_REGION_MIN = 0.01


@dataclass
class FittedRing:
    """A seal's outer ring fitted around a known seal box, in the box crop's pixels.

    ``a`` and ``b`` are the semi-axes of the ring line's middle; ``angle`` (degrees) turns ``a``."""

    cx: float
    cy: float
    a: float
    b: float
    angle: float  # degrees
    red: bool  # the seal is red ink (colour scan); else judged on any ink


def around(box_bgr: np.ndarray, seal_bbox: list[int], dpi: int) -> tuple[np.ndarray, int, int]:
    """The part of the box around a seal's bbox (``AROUND_MM`` more each side) and its offset."""
    x0, y0, x1, y1 = seal_bbox
    pad = round(AROUND_MM * px_per_mm(dpi))
    H, W = box_bgr.shape[:2]
    cx0, cy0 = max(0, x0 - pad), max(0, y0 - pad)
    return box_bgr[cy0:min(H, y1 + pad), cx0:min(W, x1 + pad)], cx0, cy0


def _outermost_ellipse(ink: np.ndarray, ring: Ring) -> Ring | None:
    """The ellipse through the outermost ink along rays from ``ring``'s centre, within the ring
    grown by ``OUTLINE_GROW_MM`` (working pixels); None when too few rays meet ink."""
    h, w = ink.shape
    grow = OUTLINE_GROW_MM * WORK_PX_PER_MM
    reach = max(ring.a, ring.b) + grow
    radii = np.arange(0.0, reach, 0.5, dtype=np.float32)
    pts: list[tuple[float, float]] = []
    th = np.deg2rad(ring.angle)
    for t in np.linspace(0, 2 * np.pi, OUTLINE_RAYS, endpoint=False):
        # the found ring's own radius along this ray, grown: nothing beyond it is looked at
        ex, ey = (ring.a + grow) * np.cos(t), (ring.b + grow) * np.sin(t)
        dx, dy = ex * np.cos(th) - ey * np.sin(th), ex * np.sin(th) + ey * np.cos(th)
        limit = float(np.hypot(dx, dy))
        ux, uy = dx / limit, dy / limit
        rr = radii[radii <= limit]
        xs, ys = np.rint(ring.cx + rr * ux).astype(int), np.rint(ring.cy + rr * uy).astype(int)
        ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        if not ok.all():
            continue
        hit = np.flatnonzero(ink[ys, xs] >= OUTLINE_INK)
        if hit.size:
            r = float(rr[hit[-1]])
            pts.append((ring.cx + r * ux, ring.cy + r * uy))
    if len(pts) < OUTLINE_RAYS // 2:
        return None
    return _line_middle(np.array(pts, np.float32))


def _hull_ellipse(ink: np.ndarray) -> Ring | None:
    """The ellipse round all the ink's outer points (its convex hull), the ring line's middle half a
    line inside: in a colour scan the red ink is the seal alone, and a small oval the ring filters
    placed off itself (a 40x30 kernel over a 30x20 seal's arc) is found whole. None without ink."""
    pts = cv2.findNonZero((ink >= OUTLINE_INK).astype(np.uint8))
    if pts is None or len(pts) < 5:
        return None
    hull = cv2.convexHull(pts)
    if len(hull) < 5:
        return None
    return _line_middle(hull)


def _line_middle(edge: np.ndarray) -> Ring:
    """The ring through the middle of the seal's line, from points on its outer edge (working pixels):
    the ellipse fitted to them, half a line (``HALF_LINE_MM``) inside."""
    (ecx, ecy), (d1, d2), ang = cv2.fitEllipse(edge)
    half_line = HALF_LINE_MM * WORK_PX_PER_MM
    return Ring(float(ecx), float(ecy), d1 / 2 - half_line, d2 / 2 - half_line, float(ang))


def fit_outline(ink: np.ndarray, found: Ring) -> Ring:
    """The ring that follows the seal's real outline in a working-scale ink map, from ``found``."""
    s = WORK_PX_PER_MM
    lo, hi = OUTLINE_SEMI_AXES_MM[0] * s, OUTLINE_SEMI_AXES_MM[1] * s
    starts = [found]
    outer = _outermost_ellipse(ink, found)
    if outer is not None and lo <= min(outer.a, outer.b) and max(outer.a, outer.b) <= hi:
        starts.append(outer)
    starts += [Ring(found.cx, found.cy, found.a * f, found.b * f, found.angle) for f in OUTLINE_SHRINK]
    hull = _hull_ellipse(ink)
    if hull is not None and lo <= min(hull.a, hull.b) and max(hull.a, hull.b) <= hi:
        starts.append(hull)
    # A seal's star is its centre: round rings of every size about it (a 50 mm seal the ring
    # filters do not know), and the outline seen from there.
    for x, y in star_centres(ink)[:1]:
        if np.hypot(x - found.cx, y - found.cy) <= max(found.a, found.b):
            starts += [Ring(x, y, r * s, r * s, 0.0) for r in STAR_START_RADII_MM]
            widest = Ring(x, y, OUTLINE_SEMI_AXES_MM[1] * s, OUTLINE_SEMI_AXES_MM[1] * s, 0.0)
            seen = _outermost_ellipse(ink, widest)
            if seen is not None and lo <= min(seen.a, seen.b) and max(seen.a, seen.b) <= hi:
                starts.append(seen)
    fitter = RingSampler(ink, RING_SECTORS * FIT_SAMPLES_PER_SECTOR, OUTLINE_MIN_KNOWN)
    fits = [refine(fitter, r, OUTLINE_SEMI_AXES_MM) for r in starts]
    best = max(fits, key=fitter.fit_objective)
    if max(best.a, best.b) < ROUND_MAX_RATIO * min(best.a, best.b):
        best = _round_refine(fitter, Ring(best.cx, best.cy, max(best.a, best.b), max(best.a, best.b), 0.0))
    return best


def _round_refine(fitter: RingSampler, ring: Ring) -> Ring:
    """Hill-climb a round ring's centre and radius on the fit objective (it stays round)."""
    s = WORK_PX_PER_MM
    best, best_val = ring, fitter.fit_objective(ring)
    for step_mm in (1.0, 0.5, 0.25):
        d = step_mm * s
        improved = True
        moves = [(dx, dy, dr) for dx in (-d, 0, d) for dy in (-d, 0, d) for dr in (-d, 0, d) if dx or dy or dr]
        while improved:
            best, best_val, improved = first_better(fitter, moves, _grown_round, best, best_val)
    return best


def _grown_round(move: tuple[float, ...], ring: Ring) -> Ring | None:
    """A round ring moved by (dx, dy) and grown by dr (working pixels), None outside the outline's sizes."""
    dx, dy, dr = move
    r = ring.a + dr
    lo, hi = OUTLINE_SEMI_AXES_MM[0] * WORK_PX_PER_MM, OUTLINE_SEMI_AXES_MM[1] * WORK_PX_PER_MM
    return Ring(ring.cx + dx, ring.cy + dy, r, r, 0.0) if lo <= r <= hi else None


def fit_ring_around(box_bgr: np.ndarray, seal_bbox: list[int], dpi: int) -> FittedRing:
    """The ring fitted again around ``seal_bbox``, in box pixels, following the seal's outline;
    without a ring-shaped fit, the ellipse in the bbox."""
    x0, y0, x1, y1 = seal_bbox
    ppm = px_per_mm(dpi)
    region, cx0, cy0 = around(box_bgr, seal_bbox, dpi)
    ink_r = red_mask(region, dpi)
    red = bool(ink_r.mean() > RED_REGION_MIN)
    work_ink = ink_r.astype(np.float32) if red else ink_map(region, dpi)
    scale = WORK_PX_PER_MM / ppm
    small = cv2.resize(work_ink, (max(1, round(work_ink.shape[1] * scale)), max(1, round(work_ink.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    ring = find_ring(small)
    if ring is None or not ring.is_seal():
        return FittedRing((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, 0.0, red)
    r = fit_outline(small, ring).scaled(ppm / WORK_PX_PER_MM)
    return FittedRing(r.cx + cx0, r.cy + cy0, r.a, r.b, r.angle, red)


# Width painted out along a fitted ring line (printed 1-1.5 mm, the fit ±0.5 mm).
RING_LINE_MASK_MM = 2.5


def ring_line_mask(shape: tuple[int, ...], ring: FittedRing, dpi: int) -> np.ndarray:
    """Pixels of the ring's line (and its blurred edge) in an image of ``shape``: what to
    paint out before reading text the ring crosses (the date under a seal)."""
    mask = np.zeros(shape[:2], np.uint8)
    width = max(1, round(RING_LINE_MASK_MM * px_per_mm(dpi)))
    cv2.ellipse(mask, (round(ring.cx), round(ring.cy)), (round(ring.a), round(ring.b)), ring.angle, 0, 360, 1, width)
    return mask > 0
