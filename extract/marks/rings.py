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
from dataclasses import dataclass

import cv2
import numpy as np

# Working resolution: 4 px per mm keeps a 1 mm seal line 4 px wide and a 45 mm seal 180 px.
WORK_PX_PER_MM = 4.0
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
# Sampling of the fitted ring: points along it, grouped into sectors of 10°.
RING_SAMPLES = 360
RING_SECTORS = 36
# Radial slack around the fitted curve (ring line width, slightly wrong fit).
RING_SLACK_MM = 0.5
RING_STEP_MM = 0.25
OUTER_OFFSETS_MM = (2.0, 2.5, 3.0, 3.5)
# A sector is inked when ink runs along ≥ 45 % of its 10° arc at one radius (a binarised
# ring broken into short arcs still does; a text stroke crossing the ring does not)...
SECTOR_RING_MIN = 0.45
# ...and the band just outside is lighter by this much (ink on the ring, not beyond it).
SECTOR_CONTRAST_MIN = 0.25
# ...and just inside the line (1 mm in from its middle) is lighter too: a seal's ring line
# (1.3 mm) is followed by a ~0.9 mm blank gap before the text; dense text has no such gap.
INNER_GAP_MM = 1.0
SECTOR_INNER_CONTRAST_MIN = 0.15
# Share of the ring's sectors that must be inked: a seal inked on a third of its ring
# still passes...
SEAL_MIN_COVERAGE = 0.33
# ...and the inked sectors must hold one long arc (single missing sectors bridged): a ring,
# even partly inked or broken by binarisation, is continuous; text and pen notes give
# scattered sectors.
SEAL_MIN_ARC = 0.22
# A ring with less than half of itself inside the crop belongs to the next box...
MIN_KNOWN_SECTORS = 0.5
# ...and so does one whose centre is not well inside: the arc of a seal spilling in from
# the next box fits an oval centred on the crop's edge. A seal is stamped on the 公章
# label, ~15 mm above the box's lower edge.
CENTRE_MARGIN_MM = 3.0
# A seal's ring holds its unit's name (glyphs ~0.155 of the diameter tall, a ~1 mm gap
# inside the ring line) and often a code on the lower arc: the band from TEXT_BAND_FROM_MM
# to TEXT_BAND_TO_MM inside the line is sampled per sector for that ink...
TEXT_BAND_FROM_MM = 2.0
TEXT_BAND_TO_MM = 8.5
TEXT_BAND_STEP_MM = 0.5
# ...a sector holds glyphs when its band's mean ink reaches this: a seal's bold glyphs gave
# 0.18-0.64 a sector (bilevel and gray), a printed label or date line crossing the band 0.01-0.18.
TEXT_SECTOR_MIN = 0.15
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
STAR_RING_MIN_COVERAGE = 0.12
STAR_RING_MIN_ARC = 0.08
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
# Points per sector while fitting (the final check uses RING_SAMPLES).
FIT_SAMPLES_PER_SECTOR = 4


@dataclass
class Ring:
    """A fitted outer ring, in working pixels (``WORK_PX_PER_MM``)."""

    cx: float
    cy: float
    a: float  # semi-axis along angle
    b: float
    angle: float  # degrees
    coverage: float = 0.0  # share of known sectors inked
    known: float = 0.0  # share of sectors inside the crop
    arc: float = 0.0  # longest run of inked sectors, share of the whole ring
    text_arc: float = 0.0  # longest run of sectors with glyph ink just inside the ring, share of the ring
    star: bool = False  # a solid blob (the seal's star) near the centre
    anchored: bool = False  # found from the star's centre (STAR_RING_MIN_*), not by the ring filters

    def scaled(self, factor: float) -> Ring:
        return Ring(self.cx * factor, self.cy * factor, self.a * factor, self.b * factor, self.angle,
                    self.coverage, self.known, self.arc, self.text_arc, self.star, self.anchored)

    def is_seal(self, min_coverage: float = SEAL_MIN_COVERAGE) -> bool:
        if self.anchored:
            return self.coverage >= STAR_RING_MIN_COVERAGE and self.arc >= STAR_RING_MIN_ARC
        return self.coverage >= min_coverage and self.arc >= SEAL_MIN_ARC

    def bbox(self, factor: float) -> list[int]:
        """Bounding box of the ring in pixels of a crop ``factor`` times the working scale."""
        t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
        xs, ys = _ellipse_points(self.cx, self.cy, self.a, self.b, self.angle, t)
        return [int(np.floor(xs.min() * factor)), int(np.floor(ys.min() * factor)),
                int(np.ceil(xs.max() * factor)), int(np.ceil(ys.max() * factor))]


def _ellipse_points(cx: float, cy: float, a: float | np.ndarray, b: float | np.ndarray, angle_deg: float,
                    t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    th = np.deg2rad(angle_deg)
    x, y = a * np.cos(t), b * np.sin(t)
    return cx + x * np.cos(th) - y * np.sin(th), cy + x * np.sin(th) + y * np.cos(th)


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


class RingSampler:
    """Samples an ink map along an ellipse and the bands around it."""

    def __init__(self, ink: np.ndarray, samples: int = RING_SAMPLES, min_known: float = MIN_KNOWN_SECTORS) -> None:
        self.ink = ink
        self.min_known = min_known
        self.h, self.w = ink.shape
        s = WORK_PX_PER_MM
        self.ring_offsets = np.arange(-RING_SLACK_MM, RING_SLACK_MM + 1e-6, RING_STEP_MM) * s
        self.outer_offsets = np.array(OUTER_OFFSETS_MM) * s
        self.t = np.linspace(0, 2 * np.pi, samples, endpoint=False)
        # The ink inside a border of NaN, so a point outside the crop is read as unknown by clipping it
        # onto the border instead of masking every point (a ring's fit samples it ~2000 times, issue 14).
        self.framed = np.full((self.h + 2, self.w + 2), np.nan, np.float32)
        self.framed[1:-1, 1:-1] = ink
        # The samples' cosines and sines, once: a ring's fit samples it ~2000 times (issue 14).
        self.cos_t, self.sin_t = np.cos(self.t)[None, :], np.sin(self.t)[None, :]

    def _sample(self, ring: Ring, offsets: np.ndarray) -> np.ndarray:
        """Ink at (offset, sample) along the ring grown by each offset; NaN outside the crop."""
        # _ellipse_points' arithmetic, with the samples' cosines and sines computed once.
        th = np.deg2rad(ring.angle)
        x, y = (ring.a + offsets[:, None]) * self.cos_t, (ring.b + offsets[:, None]) * self.sin_t
        xs, ys = ring.cx + x * np.cos(th) - y * np.sin(th), ring.cy + x * np.sin(th) + y * np.cos(th)
        xi = np.clip(np.rint(xs).astype(int), -1, self.w) + 1
        yi = np.clip(np.rint(ys).astype(int), -1, self.h) + 1
        return self.framed[yi, xi]

    def sectors(self, ring: Ring, slack: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per sector: best arc-mean along the ring (over radial offsets) and the outer band's mean."""
        offsets = self.ring_offsets if slack is None else slack
        on = self._sample(ring, offsets).reshape(len(offsets), RING_SECTORS, -1)
        arc = on.mean(axis=2)  # NaN when any point of the arc is outside the crop
        unknown = np.isnan(arc)
        best = np.where(unknown, -1.0, arc).max(axis=0)  # no NaN left: nanmax's answer, without its checks
        best[unknown.all(axis=0)] = np.nan
        off = self._sample(ring, self.outer_offsets).reshape(len(self.outer_offsets), RING_SECTORS, -1)
        # nanmean's arithmetic (NaN taken as 0, the sum over every point divided by their count), without its checks.
        outer = np.where(np.isnan(off), 0.0, off).sum(axis=(0, 2))
        np.true_divide(outer, np.full(outer.shape, off.shape[0] * off.shape[2], np.intp), out=outer, casting="unsafe")
        return best, outer

    def inner_gap(self, ring: Ring) -> np.ndarray:
        """Per sector: the lower arc-mean of the two just inside the line (ring line's best offset
        minus INNER_GAP_MM): a seal's ring has a blank gap before its text there."""
        s = WORK_PX_PER_MM
        offsets = np.concatenate([self.ring_offsets - INNER_GAP_MM * s, self.ring_offsets])
        arc = self._sample(ring, offsets).reshape(len(offsets), RING_SECTORS, -1).mean(axis=2)
        n = len(self.ring_offsets)
        inner, on = np.nan_to_num(arc[:n], nan=1.0), np.nan_to_num(arc[n:], nan=-1.0)
        pick = np.argmax(on, axis=0)
        return inner[pick, np.arange(RING_SECTORS)]

    def score(self, ring: Ring) -> tuple[float, float, float]:
        """(coverage, known, arc): share of known sectors inked, share of sectors in the crop,
        longest run of inked sectors (single gaps bridged) as a share of the ring."""
        best, outer = self.sectors(ring)
        known = ~np.isnan(best)
        if not known.any():
            return 0.0, 0.0, 0.0
        inked = known & (np.nan_to_num(best) >= SECTOR_RING_MIN) & (np.nan_to_num(best - outer) >= SECTOR_CONTRAST_MIN)
        inked &= np.nan_to_num(best) - self.inner_gap(ring) >= SECTOR_INNER_CONTRAST_MIN
        return float(inked[known].mean()), float(known.mean()), _longest_arc(inked)

    def text_arc(self, ring: Ring) -> float:
        """Longest run of sectors (single gaps bridged) whose band inside the ring line holds
        glyph ink (``TEXT_SECTOR_MIN``), as a share of the ring: a seal's name along its arc;
        a printed circle is empty there."""
        s = WORK_PX_PER_MM
        offsets = -np.arange(TEXT_BAND_FROM_MM, TEXT_BAND_TO_MM + 1e-6, TEXT_BAND_STEP_MM) * s
        band = self._sample(ring, offsets).reshape(len(offsets), RING_SECTORS, -1)
        known = ~np.isnan(band).all(axis=(0, 2))
        mean = np.where(known, np.nanmean(np.where(np.isnan(band), 0.0, band), axis=(0, 2)), 0.0)
        return _longest_arc(mean >= TEXT_SECTOR_MIN)

    def fit_objective(self, ring: Ring) -> float:
        """Smooth objective for the local search: ring ink minus outer ink, tight band."""
        best, outer = self.sectors(ring, slack=np.arange(-0.5, 0.51, 0.25) * WORK_PX_PER_MM)
        return self._objective(best, outer)

    def _objective(self, best: np.ndarray, outer: np.ndarray) -> float:
        known = ~np.isnan(best)
        if known.mean() < self.min_known:
            return -1.0
        return float(np.mean(np.clip(best[known] - outer[known], 0, 1)))

    def fit_objectives(self, rings: Sequence[Ring]) -> list[float]:
        """``fit_objective`` of each ring, the rings sampled together: the same arithmetic element by
        element (each ring's angle turned as a scalar, each reduction along its own axis), so the same
        values, for one round of numpy calls instead of one per ring (issue 14: the local searches
        evaluate ~2000 rings a seal, ~70 µs each mostly in numpy's per-call cost)."""
        if not rings:
            return []
        slack = np.arange(-0.5, 0.51, 0.25) * WORK_PX_PER_MM
        on = self._sample_many(rings, slack).reshape(len(rings), len(slack), RING_SECTORS, -1)
        arc = on.mean(axis=3)
        unknown = np.isnan(arc)
        best = np.where(unknown, -1.0, arc).max(axis=1)
        best[unknown.all(axis=1)] = np.nan
        off = self._sample_many(rings, self.outer_offsets).reshape(len(rings), len(self.outer_offsets), RING_SECTORS, -1)
        outer = np.where(np.isnan(off), 0.0, off).sum(axis=3).sum(axis=1)
        np.true_divide(outer, np.full(outer.shape, off.shape[1] * off.shape[3], np.intp), out=outer, casting="unsafe")
        # A ring wholly inside the crop averages all its sectors: along the row, as _objective does alone.
        whole = ~np.isnan(best).any(axis=1)
        means = np.clip(best - outer, 0, 1).mean(axis=1)
        return [float(means[i]) if whole[i] else self._objective(best[i], outer[i]) for i in range(len(rings))]

    def _sample_many(self, rings: Sequence[Ring], offsets: np.ndarray) -> np.ndarray:
        """``_sample`` of each ring, stacked: (ring, offset, sample)."""
        # Each angle turned as _sample turns one ring's: numpy on a scalar (its array loops may round otherwise).
        turns = {ang: (np.cos(np.deg2rad(ang)), np.sin(np.deg2rad(ang))) for ang in {r.angle for r in rings}}
        cos_th = np.array([turns[r.angle][0] for r in rings])[:, None, None]
        sin_th = np.array([turns[r.angle][1] for r in rings])[:, None, None]
        a, b, cx, cy = np.array([(r.a, r.b, r.cx, r.cy) for r in rings]).T[:, :, None, None]
        x, y = (a + offsets[None, :, None]) * self.cos_t[None], (b + offsets[None, :, None]) * self.sin_t[None]
        xs, ys = cx + x * cos_th - y * sin_th, cy + x * sin_th + y * cos_th
        xi = np.clip(np.rint(xs).astype(int), -1, self.w) + 1
        yi = np.clip(np.rint(ys).astype(int), -1, self.h) + 1
        return self.framed[yi, xi]


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


def _longest_arc(inked: np.ndarray) -> float:
    """Longest circular run of True (a single False between two True counts as True), share of all."""
    n = len(inked)
    if inked.all():
        return 1.0
    bridged = inked | (np.roll(inked, 1) & np.roll(inked, -1))
    start = int(np.argmin(bridged))  # a False: unroll the circle there
    best = run = 0
    for v in np.roll(bridged, -start):
        run = run + 1 if v else 0
        best = max(best, run)
    return best / n


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
