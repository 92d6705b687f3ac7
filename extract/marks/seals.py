"""Official seals (公章) in an opinion box: present or absent, where, and what the ring says.

The question is answered from the shape of the ring in both scan kinds:

- colour scans: the ink map is the red ink (both hue bands) after flattening the
  paper's colour (``method="colour"``);
- gray and bilevel scans: the ink map is every dark pixel (``method="shape"``).

A seal is an outer ring (circle 38-45 mm, or an oval ~40x30 mm). Ring-shaped
filters propose centres and sizes, a local search fits the ring, then the ring is
checked sector by sector: a sector counts when ink runs continuously along the
ring (an arc, not scattered strokes) and the band just outside the ring is
lighter. Text, red pen notes, a red heading or an underline cover few sectors;
a faint, partly inked or binarised seal whose ring broke into arcs still covers
many. The seal's centre must lie in the box, so the edge of a seal spilling in
from the next box is not this box's seal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from extract.marks.color import has_colour, ink_map, px_per_mm, red_ink_gray, red_mask, remove_red
from extract.reading import SealReading

OcrLine = Callable[[np.ndarray], tuple[str, float]]

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
# In gray and bilevel scans black text is ink too: dense print was measured up to 0.39.
SHAPE_MIN_COVERAGE = 0.42
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
# Gray scans: a faint seal lands at ~215-225 on flattened paper (paper noise stays above
# ~242), so the seal's ink ramp starts lighter than color.ink_map's default.
SEAL_INK_GRAY_NONE = 244
SEAL_INK_GRAY_FULL = 200
# Smallest box that can be judged: the date line alone is ~8 mm tall.
MIN_BOX_MM = 8.0
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

    def scaled(self, factor: float) -> Ring:
        return Ring(self.cx * factor, self.cy * factor, self.a * factor, self.b * factor, self.angle,
                    self.coverage, self.known, self.arc)

    def is_seal(self, min_coverage: float = SEAL_MIN_COVERAGE) -> bool:
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


class _RingSampler:
    """Samples an ink map along an ellipse and the bands around it."""

    def __init__(self, ink: np.ndarray, samples: int = RING_SAMPLES) -> None:
        self.ink = ink
        self.h, self.w = ink.shape
        s = WORK_PX_PER_MM
        self.ring_offsets = np.arange(-RING_SLACK_MM, RING_SLACK_MM + 1e-6, RING_STEP_MM) * s
        self.outer_offsets = np.array(OUTER_OFFSETS_MM) * s
        self.t = np.linspace(0, 2 * np.pi, samples, endpoint=False)

    def _sample(self, ring: Ring, offsets: np.ndarray) -> np.ndarray:
        """Ink at (offset, sample) along the ring grown by each offset; NaN outside the crop."""
        xs, ys = _ellipse_points(ring.cx, ring.cy, ring.a + offsets[:, None], ring.b + offsets[:, None],
                                 ring.angle, self.t[None, :])
        xi, yi = np.rint(xs).astype(int), np.rint(ys).astype(int)
        inside = (xi >= 0) & (xi < self.w) & (yi >= 0) & (yi < self.h)
        out = np.full(xi.shape, np.nan, np.float32)
        out[inside] = self.ink[yi[inside], xi[inside]]
        return out

    def sectors(self, ring: Ring, slack: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per sector: best arc-mean along the ring (over radial offsets) and the outer band's mean."""
        offsets = self.ring_offsets if slack is None else slack
        on = self._sample(ring, offsets).reshape(len(offsets), RING_SECTORS, -1)
        arc = on.mean(axis=2)  # NaN when any point of the arc is outside the crop
        best = np.nanmax(np.where(np.isnan(arc), -1.0, arc), axis=0)
        best[np.isnan(arc).all(axis=0)] = np.nan
        off = self._sample(ring, self.outer_offsets).reshape(len(self.outer_offsets), RING_SECTORS, -1)
        outer = np.nanmean(np.where(np.isnan(off), 0.0, off), axis=(0, 2))
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

    def fit_objective(self, ring: Ring) -> float:
        """Smooth objective for the local search: ring ink minus outer ink, tight band."""
        best, outer = self.sectors(ring, slack=np.arange(-0.5, 0.51, 0.25) * WORK_PX_PER_MM)
        known = ~np.isnan(best)
        if known.mean() < MIN_KNOWN_SECTORS:
            return -1.0
        return float(np.mean(np.clip(best[known] - outer[known], 0, 1)))


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


def _refine(sampler: _RingSampler, ring: Ring) -> Ring:
    """Hill-climb centre and semi-axes (and the angle of an oval) on the fit objective."""
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
            for dx, dy, da, db, dang in moves:
                cand = Ring(best.cx + dx, best.cy + dy, best.a + da, best.b + db, best.angle + dang)
                if not (14 * s <= min(cand.a, cand.b) and max(cand.a, cand.b) <= 24 * s):
                    continue
                val = sampler.fit_objective(cand)
                if val > best_val + 1e-6:
                    best, best_val, improved = cand, val, True
    return best


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


def find_ring(ink: np.ndarray) -> Ring | None:
    """The best seal-shaped ring in a working-scale ink map (0..1), or None when nothing ring-like."""
    sampler = _RingSampler(ink)
    fitter = _RingSampler(ink, RING_SECTORS * FIT_SAMPLES_PER_SECTOR)
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
    if not cands:
        return None
    best: Ring | None = None
    for ring in _diverse(cands):
        fitted = _refine(fitter, ring)
        fitted.coverage, fitted.known, fitted.arc = sampler.score(fitted)
        margin = CENTRE_MARGIN_MM * WORK_PX_PER_MM
        if fitted.known < MIN_KNOWN_SECTORS or not (margin <= fitted.cx < w - margin and margin <= fitted.cy < h - margin):
            continue
        if best is None or (fitted.is_seal(), fitted.coverage) > (best.is_seal(), best.coverage):
            best = fitted
    return best


def seal_ink(box_bgr: np.ndarray, dpi: int, color_mode: str) -> tuple[np.ndarray, str, str]:
    """The working-scale ink map a seal is looked for in, the method and a note on the choice."""
    note = ""
    method = "colour" if color_mode == "color" else "shape"
    if method == "colour" and not has_colour(box_bgr, dpi):
        method, note = "shape", "colour scan without any colour in this box: judged by shape"
    if method == "colour":
        ink = red_mask(box_bgr, dpi).astype(np.float32)
    else:
        ink = ink_map(box_bgr, dpi, SEAL_INK_GRAY_NONE, SEAL_INK_GRAY_FULL)
    scale = WORK_PX_PER_MM / px_per_mm(dpi)
    h, w = ink.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(ink, size, interpolation=cv2.INTER_AREA), method, note


def _confidence(coverage: float, arc: float, present: bool, min_coverage: float) -> float:
    """0.5 at a threshold, 1.0 at a full ring (present) or at no ring at all (absent)."""
    if present:
        return round(0.5 + 0.5 * min(1.0, (coverage - min_coverage) / (0.9 - min_coverage)), 3)
    # Absent: the clearer of the two missing conditions.
    margin = max((min_coverage - coverage) / min_coverage, (SEAL_MIN_ARC - arc) / SEAL_MIN_ARC)
    return round(0.5 + 0.5 * max(0.0, min(1.0, margin)), 3)


def _check_box(box_bgr: np.ndarray, dpi: int) -> str:
    if box_bgr.size == 0 or box_bgr.ndim != 3 or box_bgr.shape[2] != 3 or box_bgr.dtype != np.uint8:
        return f"box image must be BGR uint8 H×W×3, got {box_bgr.dtype} {box_bgr.shape}"
    if dpi <= 0:
        return f"dpi must be positive, got {dpi}"
    h, w = box_bgr.shape[:2]
    if min(h, w) < MIN_BOX_MM * px_per_mm(dpi):
        return f"box {w}×{h} px is smaller than {MIN_BOX_MM} mm at {dpi} dpi"
    return ""


def read_seal(box_bgr: np.ndarray, dpi: int, color_mode: str) -> SealReading:
    """Is an official seal stamped in this opinion box? bbox relative to the crop.

    ``color_mode`` is the page's ("color", "gray", "bilevel"). A box too small to
    judge comes back ``status="unreadable"`` with the reason, never as absent.
    """
    problem = _check_box(box_bgr, dpi)
    if problem:
        return SealReading(present=False, confidence=0.0, status="unreadable", reason=problem,
                           method="colour" if color_mode == "color" else "shape")
    ink, method, note = seal_ink(box_bgr, dpi, color_mode)
    ring = find_ring(ink)
    coverage = ring.coverage if ring else 0.0
    min_coverage = SEAL_MIN_COVERAGE if method == "colour" else SHAPE_MIN_COVERAGE
    present = ring is not None and ring.is_seal(min_coverage)
    factor = px_per_mm(dpi) / WORK_PX_PER_MM
    bbox = None
    if present and ring is not None:
        h, w = box_bgr.shape[:2]
        x0, y0, x1, y1 = ring.bbox(factor)
        bbox = [max(0, x0), max(0, y0), min(w, x1), min(h, y1)]
    arc = ring.arc if ring else 0.0
    reason = (f"ring inked on {coverage:.0%} of its circumference (needs {min_coverage:.0%}), "
              f"longest arc {arc:.0%} (needs {SEAL_MIN_ARC:.0%})")
    if note:
        reason = f"{note}; {reason}"
    return SealReading(present=present, confidence=_confidence(coverage, arc, present, min_coverage), bbox=bbox, method=method,
                       reason=reason)


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
    if seal_bbox is None or _check_box(box_bgr, dpi):
        return None, 0.0
    strip = name_arc(unwrap_seal_text(box_bgr, seal_bbox, dpi))
    text, conf = ocr_line(strip)
    name = _clean_unit_name(text)
    if not name:
        return None, 0.0
    return name, float(conf)


__all__ = ["FittedRing", "Ring", "find_ring", "fit_ring_around", "name_arc", "read_seal", "read_seal_text", "remove_red", "ring_line_mask", "seal_ink", "unwrap_seal_text"]
