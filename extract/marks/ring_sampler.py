"""A seal's ring as an ellipse, and the sampling of an ink map along it.

``Ring`` is a fitted outer ring in working pixels; ``RingSampler`` reads the ink along it
and in the bands around it, sector by sector: how much of the ring is inked, whether the
band just outside is lighter, whether glyphs fill the band inside. ``rings`` searches for
a seal's ring with these measures; ``seal_outline`` fits a seal's real outline with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Working resolution: 4 px per mm keeps a 1 mm seal line 4 px wide and a 45 mm seal 180 px.
WORK_PX_PER_MM = 4.0
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
# A seal's ring holds its unit's name (glyphs ~0.155 of the diameter tall, a ~1 mm gap
# inside the ring line) and often a code on the lower arc: the band from TEXT_BAND_FROM_MM
# to TEXT_BAND_TO_MM inside the line is sampled per sector for that ink...
TEXT_BAND_FROM_MM = 2.0
TEXT_BAND_TO_MM = 8.5
TEXT_BAND_STEP_MM = 0.5
# ...a sector holds glyphs when its band's mean ink reaches this: a seal's bold glyphs gave
# 0.18-0.64 a sector (bilevel and gray), a printed label or date line crossing the band 0.01-0.18.
TEXT_SECTOR_MIN = 0.15
# A ring found from a seal's star (rings.star_centres) counts with only STAR_RING_MIN_COVERAGE
# of its sectors inked and an arc of STAR_RING_MIN_ARC (text and print never leave a star's core).
STAR_RING_MIN_COVERAGE = 0.12
STAR_RING_MIN_ARC = 0.08
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
        glyph ink (``text_sectors``), as a share of the ring: a seal's name along its arc;
        a printed circle is empty there."""
        return _longest_arc(self.text_sectors(ring))

    def text_sectors(self, ring: Ring) -> np.ndarray:
        """Per sector: whether the band inside the ring line holds glyph ink (``TEXT_SECTOR_MIN``);
        False outside the crop."""
        s = WORK_PX_PER_MM
        offsets = -np.arange(TEXT_BAND_FROM_MM, TEXT_BAND_TO_MM + 1e-6, TEXT_BAND_STEP_MM) * s
        band = self._sample(ring, offsets).reshape(len(offsets), RING_SECTORS, -1)
        known = ~np.isnan(band).all(axis=(0, 2))
        mean = np.where(known, np.nanmean(np.where(np.isnan(band), 0.0, band), axis=(0, 2)), 0.0)
        return np.asarray(mean >= TEXT_SECTOR_MIN)

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
