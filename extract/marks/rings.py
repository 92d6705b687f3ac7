"""Ring-shaped ink: the search for a seal's outer ring in a working-scale ink map.

A seal is an outer ring (circle 38-45 mm, or an oval ~40x30 mm). Ring-shaped
filters propose centres and sizes, a local search fits the ring, then the ring is
checked sector by sector: a sector counts when ink runs continuously along the
ring (an arc, not scattered strokes) and the band just outside the ring is
lighter. ``seals.read_seal`` decides from the fitted ring whether a seal is there;
``seal_text`` fits it again to unroll the ring's text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from extract.marks.ring_sampler import (
    FIT_SAMPLES_PER_SECTOR,
    MIN_KNOWN_SECTORS,
    RING_SECTORS,
    WORK_PX_PER_MM,
    Ring,
    RingSampler,
)

# Outer ring sizes to try (semi-axes in mm, degrees): 公章 are 38-45 mm round, some ovals
# 40x30 or 45x30 mm, stamped at any angle. The local search covers ±1.5 mm between them.
CIRCLE_RADII_MM = (19.0, 20.5, 22.0)
OVAL_AXES_MM = ((20.0, 15.0), (22.5, 15.0))
OVAL_ANGLES_DEG = (0.0, 30.0, 60.0, 90.0, 120.0, 150.0)
# Filter bands: the ring line (1-1.5 mm printed) and a band just outside it, which a
# seal leaves blank; dense text fills both alike.
RING_BAND_MM = 1.5
OUTER_BAND_FROM_MM = 2.0
OUTER_BAND_TO_MM = 3.5
# ...and so does one whose centre is not well inside: the arc of a seal spilling in from
# the next box fits an oval centred on the crop's edge. A seal is stamped on the 公章
# label, ~15 mm above the box's lower edge.
CENTRE_MARGIN_MM = 3.0
# A seal's star (radius 0.2 of the diameter, its inner pentagon ~6 mm across) is a solid
# blob near the centre: ink (≥ STAR_INK) left after an erosion STAR_CORE_MM wide, within
# STAR_SEARCH of the smaller semi-axis from the centre; print and pen strokes (≤ 1 mm) vanish.
STAR_INK = 0.5
STAR_CORE_MM = 2.5
STAR_SEARCH = 0.4
# A 1-bit threshold that wiped most of a faint seal's ring often leaves its star: a star's solid
# core (STAR_CORE_MM erosion) anchors a ring search at its centre, where the ring needs only
# STAR_RING_MIN_COVERAGE of its sectors and an arc of STAR_RING_MIN_ARC (text and print never
# leave such a core; an empty printed circle has no star). Core area at least STAR_CORE_MIN_MM2:
# stars measured 11-30 mm², dense print with a handwritten note over it (closed) 2.0-2.8 mm².
STAR_CORE_MIN_MM2 = 8.0
# A faint star a 1-bit threshold speckled is closed first (gaps under 0.5 mm): glyphs of print
# close into blocks no wider than a character (~3.7 mm), whose core stays under STAR_CORE_MIN_MM2.
STAR_CLOSE_MM = 0.5
STAR_RADII_MM = (19.0, 19.75, 20.5, 21.25, 22.0)
# Semi-axes the search for a seal fits (mm): the filters' sizes ±1.5 mm and more.
FIND_SEMI_AXES_MM = (14.0, 24.0)
# Candidate centres kept per ring filter, and how many of the best are fitted.
CANDIDATES_PER_FILTER = 3
# Places fitted (one circle and one oval each); candidates within SAME_PLACE_MM are one place.
CANDIDATE_PLACES = 3
SAME_PLACE_MM = 5.0
# Ring filters run at half the working scale (2 px/mm): a candidate only needs to land
# within a millimetre, the local search does the rest.
FILTER_SCALE = 0.5



def _ring_kernel(a: float, b: float, angle: float) -> np.ndarray:
    """+ on the ring band, − on the band just outside (both normalised): ring minus surround.

    ``a``, ``b`` in pixels at the filter scale."""
    s = WORK_PX_PER_MM * FILTER_SCALE
    half = int(np.ceil(max(a, b) + OUTER_BAND_TO_MM * s)) + 2
    size = 2 * half + 1
    ring = np.zeros((size, size), np.uint8)
    outer = np.zeros((size, size), np.uint8)
    centre = (half, half)
    band = max(1, round(RING_BAND_MM * s))
    cv2.ellipse(ring, centre, (round(a), round(b)), angle, 0, 360, 1, band)
    mid = (OUTER_BAND_FROM_MM + OUTER_BAND_TO_MM) / 2 * s
    cv2.ellipse(outer, centre, (round(a + mid), round(b + mid)), angle, 0, 360, 1,
                max(1, round((OUTER_BAND_TO_MM - OUTER_BAND_FROM_MM) * s)))
    outer[ring > 0] = 0
    k = ring.astype(np.float32) / max(1, ring.sum()) - outer.astype(np.float32) / max(1, outer.sum())
    return k


_KERNELS: list[tuple[float, float, float, np.ndarray]] = []


def _kernels() -> list[tuple[float, float, float, np.ndarray]]:
    """Ring filters at the filter scale: (a, b) in working pixels, angle, kernel."""
    if not _KERNELS:
        s = WORK_PX_PER_MM * FILTER_SCALE
        shapes = [(r, r, 0.0) for r in CIRCLE_RADII_MM]
        shapes += [(a, b, ang) for a, b in OVAL_AXES_MM for ang in OVAL_ANGLES_DEG]
        for a, b, ang in shapes:
            _KERNELS.append((a * WORK_PX_PER_MM, b * WORK_PX_PER_MM, ang, _ring_kernel(a * s, b * s, ang)))
    return _KERNELS


def has_star(ink: np.ndarray, ring: Ring) -> bool:
    """Whether a solid blob of ink (a seal's star) lies near the ring's centre (see STAR_CORE_MM)."""
    r = STAR_SEARCH * min(ring.a, ring.b)
    h, w = ink.shape
    x0, y0 = max(0, int(ring.cx - r)), max(0, int(ring.cy - r))
    x1, y1 = min(w, int(ring.cx + r) + 1), min(h, int(ring.cy + r) + 1)
    if x1 <= x0 or y1 <= y0:
        return False
    solid = (ink[y0:y1, x0:x1] >= STAR_INK).astype(np.uint8)
    k = max(3, round(STAR_CORE_MM * WORK_PX_PER_MM))
    return bool(cv2.erode(solid, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))).any())


def star_centres(ink: np.ndarray) -> list[tuple[float, float]]:
    """Centres of solid cores (a seal's star) in a working-scale ink map, largest first."""
    c = max(2, round(STAR_CLOSE_MM * WORK_PX_PER_MM))
    solid = cv2.morphologyEx((ink >= STAR_INK).astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (c, c)))
    k = max(3, round(STAR_CORE_MM * WORK_PX_PER_MM))
    core = cv2.erode(solid, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, _, stats, cents = cv2.connectedComponentsWithStats(core)
    min_px = STAR_CORE_MIN_MM2 * WORK_PX_PER_MM ** 2
    found = [(int(stats[i, cv2.CC_STAT_AREA]), (float(cents[i][0]), float(cents[i][1]))) for i in range(1, n)
             if stats[i, cv2.CC_STAT_AREA] >= min_px]
    return [c for _, c in sorted(found, reverse=True)][:CANDIDATE_PLACES]


def _star_ring(sampler: RingSampler, fitter: RingSampler, ink: np.ndarray, min_known: float = MIN_KNOWN_SECTORS) -> Ring | None:
    """The best ring centred on a star's core (circles and ovals tried, then fitted)."""
    s = WORK_PX_PER_MM
    best: Ring | None = None
    for cx, cy in star_centres(ink):
        shapes = [(r * s, r * s, 0.0) for r in STAR_RADII_MM]
        shapes += [(a * s, b * s, ang) for a, b in OVAL_AXES_MM for ang in OVAL_ANGLES_DEG]
        start = max((Ring(cx, cy, a, b, ang) for a, b, ang in shapes), key=fitter.fit_objective)
        ring = refine(fitter, start)
        if np.hypot(ring.cx - cx, ring.cy - cy) > SAME_PLACE_MM * s / 2:
            ring = start  # the fit wandered off the star: keep the star's centre
        ring.coverage, ring.known, ring.arc = sampler.score(ring)
        ring.text_arc, ring.star, ring.anchored = sampler.text_arc(ring), True, True
        h, w = ink.shape
        margin = CENTRE_MARGIN_MM * s
        inside = margin <= ring.cx < w - margin and margin <= ring.cy < h - margin
        if inside and ring.known >= min_known and (best is None or ring.coverage > best.coverage):
            best = ring
    return best


def refine(sampler: RingSampler, ring: Ring, semi_mm: tuple[float, float] = FIND_SEMI_AXES_MM) -> Ring:
    """Hill-climb centre and semi-axes (and the angle of an oval) on the fit objective,
    both semi-axes kept within ``semi_mm``."""
    s = WORK_PX_PER_MM
    best = ring
    best_val = sampler.fit_objective(ring)
    oval = abs(ring.a - ring.b) > 0.5 * s
    for step_mm in (1.0, 0.5, 0.25):
        d = step_mm * s
        improved = True
        while improved:
            improved = False
            moves = [(dx, dy, 0.0, 0.0, 0.0) for dx in (-d, 0, d) for dy in (-d, 0, d) if dx or dy]
            moves += [(0.0, 0.0, da, db, 0.0) for da in (-d, 0, d) for db in (-d, 0, d) if da or db]
            if oval:
                moves += [(0.0, 0.0, 0.0, 0.0, dang) for dang in (-10 * step_mm, 10 * step_mm)]

            def ring_after(m: tuple[float, ...], base: Ring) -> Ring | None:
                dx, dy, da, db, dang = m
                cand = Ring(base.cx + dx, base.cy + dy, base.a + da, base.b + db, base.angle + dang)
                return cand if semi_mm[0] * s <= min(cand.a, cand.b) and max(cand.a, cand.b) <= semi_mm[1] * s else None

            best, best_val, improved = first_better(sampler, moves, ring_after, best, best_val)
    return best


# A move is taken when it raises the fit objective by more than this (not by rounding noise).
FIT_MIN_GAIN = 1e-6


def first_better(sampler: RingSampler, moves: Sequence[tuple[float, ...]], ring_after: Callable[[tuple[float, ...], Ring], Ring | None],
                 best: Ring, best_val: float) -> tuple[Ring, float, bool]:
    """One pass of a hill climb over ``moves`` in order, each from the best ring so far and taken when it
    raises the objective (``ring_after``: the moved ring, None where it is not allowed); the best ring,
    its value, and whether a move was taken. The moves still to try are evaluated together
    (``fit_objectives``) and walked in order up to the first that is taken; those after it are tried
    again from the new ring, so the walk is the one of trying them one at a time (issue 14)."""
    improved = False
    k = 0
    while k < len(moves):
        cands = [(j, r) for j in range(k, len(moves)) if (r := ring_after(moves[j], best)) is not None]
        vals = sampler.fit_objectives([r for _, r in cands])
        hit = next((i for i, v in enumerate(vals) if v > best_val + FIT_MIN_GAIN), None)
        if hit is None:
            break
        (k, best), best_val, improved = cands[hit], vals[hit], True
        k += 1
    return best, best_val, improved


def _peaks(resp: np.ndarray, count: int, min_dist: int) -> list[tuple[int, int, float]]:
    """The ``count`` highest local maxima of a response map, at least ``min_dist`` apart."""
    r = resp.copy()
    found: list[tuple[int, int, float]] = []
    for _ in range(count):
        _, val, _, (x, y) = cv2.minMaxLoc(r)
        if val <= 0:
            break
        found.append((x, y, float(val)))
        cv2.circle(r, (x, y), min_dist, -1.0, -1)
    return found


def _diverse(cands: list[tuple[float, Ring]]) -> list[Ring]:
    """The candidates worth fitting: at each of the best few places, the best circle and the
    best oval (six oval filters would otherwise crowd a faint round seal out)."""
    cands = sorted(cands, key=lambda c: -c[0])
    near = SAME_PLACE_MM * WORK_PX_PER_MM
    places: list[tuple[float, float]] = []
    chosen: dict[tuple[int, bool], Ring] = {}
    for _, ring in cands:
        idx = next((i for i, (x, y) in enumerate(places) if abs(x - ring.cx) <= near and abs(y - ring.cy) <= near), None)
        if idx is None:
            if len(places) >= CANDIDATE_PLACES:
                continue
            places.append((ring.cx, ring.cy))
            idx = len(places) - 1
        chosen.setdefault((idx, ring.a == ring.b), ring)
    return [chosen[k] for k in sorted(chosen)]


def find_ring(ink: np.ndarray, min_known: float = MIN_KNOWN_SECTORS) -> Ring | None:
    """The best seal-shaped ring in a working-scale ink map (0..1), or None when nothing ring-like;
    a ring with less than ``min_known`` of itself in the map is not judged."""
    sampler = RingSampler(ink, min_known=min_known)
    fitter = RingSampler(ink, RING_SECTORS * FIT_SAMPLES_PER_SECTOR, min_known)
    h, w = ink.shape
    small = cv2.resize(ink, (max(1, round(w * FILTER_SCALE)), max(1, round(h * FILTER_SCALE))),
                       interpolation=cv2.INTER_AREA)
    cands: list[tuple[float, Ring]] = []
    for a, b, ang, kernel in _kernels():
        resp = cv2.filter2D(small, cv2.CV_32F, kernel, borderType=cv2.BORDER_CONSTANT)
        for x, y, val in _peaks(resp, CANDIDATES_PER_FILTER, int(10 * WORK_PX_PER_MM * FILTER_SCALE)):
            cx, cy = x / FILTER_SCALE, y / FILTER_SCALE
            if 0 <= cx < w and 0 <= cy < h:
                cands.append((val, Ring(cx, cy, a, b, ang)))
    best: Ring | None = None
    for ring in _diverse(cands):
        fitted = refine(fitter, ring)
        fitted.coverage, fitted.known, fitted.arc = sampler.score(fitted)
        fitted.text_arc = sampler.text_arc(fitted)
        fitted.star = has_star(ink, fitted)
        margin = CENTRE_MARGIN_MM * WORK_PX_PER_MM
        if fitted.known < min_known or not (margin <= fitted.cx < w - margin and margin <= fitted.cy < h - margin):
            continue
        if best is None or (fitted.is_seal(), fitted.coverage) > (best.is_seal(), best.coverage):
            best = fitted
    if best is None or not best.is_seal():
        anchored = _star_ring(sampler, fitter, ink, min_known)
        if anchored is not None and anchored.is_seal():
            return anchored
    return best
