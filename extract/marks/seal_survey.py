"""Where a seal's name lies along its text band: its top from the star and the name's symmetry,
its two ends from the glyphs either side of the top.

A seal's name runs clockwise along the upper arc, its glyphs spread evenly and symmetric about
the seal's top, which the star's upper tip points at. A 13-digit code or an arc subtitle fills
much of the rest of the ring (8° or so clear of the name's ends), a straight subtitle may sit
under the star, and in a gray or 1-bit scan the form's print shows through. Only the name's
glyphs fill the band from just inside the ring to deep into it: a code's or an arc subtitle's
smaller glyphs stay by the ring, a straight subtitle lies deep in the band with nothing by the
ring. The name's columns are those with both.

The top is the place about which those columns mirror each other best (a name is symmetric
about its middle; nothing else on the ring is), taken at the star's tip where the seal has a
star (in a gray or 1-bit scan print mirrors too, so every tip that mirrors nearly as well is a
top to read). From the top the name's columns are followed outward on each side across the small
gaps between glyphs; the name is symmetric, so the two sides give two candidate half-widths:
the longer (a pale or patchy side lost glyphs that the other side still shows) and the shorter
(the longer side ran on into print or a lower line's stray ink), and a third where runs of
columns end alike on both sides (print that runs on from both ends does not mirror). Each is
cut and read; the recogniser's confidence decides (``seal_text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from extract.marks.seal_strip import SURVEY_PX_PER_MM, Band, ink_of

# The name's glyphs are the tallest on the ring: a column holds the name where the ink within
# TALL_WINDOW_GLYPHS around it spans TALL_SHARE of the rows the tallest glyphs span (the
# TALL_REF_PERCENTILE of the columns: a name covers a third of the ring or more) and at least
# TALL_MIN_GLYPHS of a glyph's expected height (a ring with only a code on it has no name).
TALL_WINDOW_GLYPHS = 0.5
TALL_REF_PERCENTILE = 90
TALL_SHARE = 0.75
TALL_MIN_GLYPHS = 0.45
# ...where the tallest count for no more than this many glyph heights: black print under a seal (gray
# and 1-bit scans) runs slant across the whole band and would set the bar over the name's own glyphs
# (bench.seal_names seed 5151, bilevel #1: only 中 and 硅 of 中国硅酸盐学会 counted).
TALL_REF_MAX_GLYPHS = 0.9
# Walking out from the top, gaps up to this many glyph heights lie between the name's glyphs
# (a short name's spread glyphs leave ~0.5, a pale glyph with little deep ink ~1.3).
NAME_GAP_GLYPHS = 1.4
# A name covers at most this share of the ring (~250° of a round seal, ~210° of an oval).
NAME_MAX_SHARE = 0.75
# A star's tip is measured within this many glyph heights (a print blob at the star's side can
# skew the tip's phase a little).
TIP_SNAP_GLYPHS = 0.3
# A star's tip is the top when the name mirrors about it at least this share as well as about
# the best place on the ring (a pale or patchy side mirrors less about the true top).
TIP_MIN_SHARE = 0.3
# Other tips are read too when the name mirrors about them at least this share as well as about
# the best tip, at most TIPS_READ in all (a star has five): black print under a seal (gray and 1-bit
# scans) passes for name columns and may mirror the name about another tip better, even the third
# best (bench.seal_names seed 5151: 3 of 7 gray misses, bilevel #8 with three tips read); the
# recogniser tells which top reads the name whole. Costs ~0.5 s a seal on a clean colour seal.
TIP_RIVAL_SHARE = 0.3
TIPS_READ = 5
# With no star (or none the name centres on), a second place is offered when it mirrors the name
# this share as well as the best one and lies a quarter ring away or more (a bold lower line).
SECOND_TOP_MIN_SHARE = 0.5
# The two sides' half-widths are two cuts when they differ by more than this many glyphs.
HALF_DIFF_GLYPHS = 0.5
# The name's two ends mirror about the top within this many glyphs (the star's tip is found within
# TIP_SNAP_GLYPHS, a glyph's outer stroke may be faint): the farthest such pair is a third cut, for
# print or a lower line's glyph that runs on from both ends across gaps the walk bridges (bench
# seed 5151, bilevel #0: 北京邮电大学 between print and 合同专用章 read as 北京邮电大学嘉).
MIRROR_END_GLYPHS = 0.4
# Room kept free between the name's two ends on the far side of the ring (glyphs): a cut never
# reaches round to read a glyph twice.
WRAP_CLEAR_GLYPHS = 1.0
# The lower line is looked for within this share of the ring either side of straight below
# the top, and apart from the name's ends by this much (in glyphs).
LOWER_HALF_SPAN = 0.3
LOWER_CLEAR_GLYPHS = 0.8
# Columns with at least this many ink pixels hold a glyph of the lower line.
LOWER_COLUMN_MIN_PX = 2


@dataclass
class Layout:
    """Where a seal's lines lie along its band (arc length in mm, clockwise from t = 0)."""

    name: tuple[float, float] | None  # the name's first and last glyph edges (end may pass length)
    lower: tuple[float, float] | None  # the lower line's extent, or None when there is none
    # other cuts of the name to read (the same top, the other side's half-width)
    cuts: list[tuple[float, float]] = field(default_factory=list)
    # the cut (one of ``cuts``) out to where the name's columns end on both sides alike, if any
    mirrored: tuple[float, float] | None = None

    @property
    def top(self) -> float | None:
        return None if self.name is None else (self.name[0] + self.name[1]) / 2


def name_columns(ink: np.ndarray, glyph_px: float) -> np.ndarray:
    """The columns of a round strip (rows from the ring inward) that hold the name's glyphs: where
    the ink within half a glyph's width spans nearly as many rows as the ring's tallest glyphs do
    (a code's digits, an arc subtitle's glyphs and a straight subtitle cut by the band's inner
    edge span far fewer). Measured from the strip itself, so a ring fitted a little large or a
    double ring's deeper glyphs change nothing."""
    k = max(1, round(TALL_WINDOW_GLYPHS * glyph_px / 2))
    round_ink = np.hstack([ink[:, -k:], ink, ink[:, :k]])  # the strip goes once round: its ends meet
    rows = cv2.dilate(round_ink, np.ones((1, 2 * k + 1), np.uint8))[:, k:-k].sum(axis=0).astype(np.float32)
    ref = min(float(np.percentile(rows, TALL_REF_PERCENTILE)), TALL_REF_MAX_GLYPHS * glyph_px)
    return (rows >= TALL_SHARE * ref) & (rows >= TALL_MIN_GLYPHS * glyph_px)


def mirror_scores(on: np.ndarray, reach: int) -> np.ndarray:
    """For every column, how many pairs of name columns lie mirrored about it within ``reach``."""
    f = on.astype(np.float32)
    out = f.copy()
    for x in range(1, max(1, reach) + 1):
        out += np.roll(f, x) * np.roll(f, -x)
    return out


def _reach(on: np.ndarray, top: int, step: int, gap: int, limit: int) -> int:
    """How far (columns) the name's columns go from ``top`` in direction ``step``, gaps up to ``gap``."""
    n = len(on)
    last = 0
    for x in range(1, limit + 1):
        if on[(top + step * x) % n]:
            last = x
        elif x - last > gap:
            break
    return last


def survey(gray: np.ndarray, band: Band, tips: list[float] | None = None) -> list[Layout]:
    """Where the name and the lower line may lie along the band, most likely first (at most two
    tops: with no star the bottom of a bold lower line may mirror as well as the name; the
    recogniser tells which reads upright). Empty when the band holds no name glyphs.

    ``tips`` (``seal_star.star_tips``) are the star's tips along the band (mm)."""
    strip = band.unroll(gray, 0.0, band.length_mm, SURVEY_PX_PER_MM, upper=True)
    glyph_px = band.glyph_mm * SURVEY_PX_PER_MM
    ink = ink_of(strip, glyph_px)
    on = name_columns(ink, glyph_px)
    n = len(on)
    if not on.any():
        return []
    half_max = round(NAME_MAX_SHARE * n / 2)
    tops = _tops(mirror_scores(on, half_max), [t * SURVEY_PX_PER_MM for t in tips or []], glyph_px)
    out: list[Layout] = []
    gap = round(NAME_GAP_GLYPHS * glyph_px)
    cap = n / 2 - WRAP_CLEAR_GLYPHS * glyph_px
    for top in tops:
        c = round(top) % n
        sides = sorted({min(cap, _reach(on, c, -1, gap, half_max)), min(cap, _reach(on, c, 1, gap, half_max))},
                       reverse=True)
        if sides[0] <= 0:
            continue
        halves = [float(sides[0])]
        if len(sides) > 1 and sides[0] - sides[1] > HALF_DIFF_GLYPHS * glyph_px and sides[1] > 0:
            halves.append(float(sides[1]))
        mirrored = _mirrored_end(on, c, gap, round(min(sides)), glyph_px)
        if mirrored is not None and all(abs(mirrored - h) > HALF_DIFF_GLYPHS * glyph_px for h in halves):
            halves.append(mirrored)
        cuts = [((top - h) / SURVEY_PX_PER_MM, (top + h) / SURVEY_PX_PER_MM) for h in halves]
        mirror_cut = None
        if mirrored is not None:
            h = min(halves, key=lambda v: abs(v - mirrored))
            mirror_cut = ((top - h) / SURVEY_PX_PER_MM, (top + h) / SURVEY_PX_PER_MM)
        out.append(Layout(cuts[0], _lower(ink, band, cuts[0]), cuts, mirror_cut))
    return out


def _run_ends(on: np.ndarray, top: int, step: int, gap: int, limit: int) -> list[int]:
    """Where runs of name columns end (columns from ``top`` in direction ``step``), out to ``limit``
    and no further than a gap over ``gap``."""
    n = len(on)
    ends: list[int] = []
    last = 0
    for x in range(1, limit + 2):
        here = bool(on[(top + step * x) % n]) and x <= limit
        if here:
            last = x
        elif 0 < last == x - 1 < limit:  # a run the limit cuts does not end there
            ends.append(last)
        if x - last > gap:
            break
    return ends


def _mirrored_end(on: np.ndarray, top: int, gap: int, limit: int, glyph_px: float) -> float | None:
    """The farthest place out from ``top`` where runs of name columns end on both sides alike
    (within ``MIRROR_END_GLYPHS``): the name is symmetric about the top, print or a lower line's
    glyph that runs on from one of its ends is not. None when no two ends mirror."""
    tol = MIRROR_END_GLYPHS * glyph_px
    left, right = _run_ends(on, top, -1, gap, limit), _run_ends(on, top, 1, gap, limit)
    pairs = [max(a, b) for a in left for b in right if abs(a - b) <= tol]
    return float(max(pairs)) if pairs else None


def _tops(scores: np.ndarray, tips_px: list[float], glyph_px: float) -> list[float]:
    """The seal's top (columns): the star's tip about which the name mirrors best, where it mirrors
    at least ``TIP_MIN_SHARE`` as well as about the best place; else the best place, and a second
    one a quarter ring away or more that mirrors nearly as well."""
    n = len(scores)
    best = int(np.argmax(scores))
    snap = max(1, round(TIP_SNAP_GLYPHS * glyph_px))
    if tips_px:
        ranked = sorted(((float(scores[np.mod(np.arange(round(t) - snap, round(t) + snap + 1), n)].max()), t)
                         for t in tips_px), reverse=True)
        if ranked[0][0] >= TIP_MIN_SHARE * scores[best]:
            # print under the seal (a gray or 1-bit scan) mirrors too: the tips it nearly ties are read
            return [t for s, t in ranked[:TIPS_READ] if s >= TIP_RIVAL_SHARE * ranked[0][0]]
    out = [float(best)]
    far = np.abs((np.arange(n) - best + n / 2) % n - n / 2) >= n / 4
    if far.any():
        second = int(np.flatnonzero(far)[np.argmax(scores[far])])
        if scores[second] >= SECOND_TOP_MIN_SHARE * scores[best]:
            out.append(float(second))
    return out


def _lower(ink: np.ndarray, band: Band, name: tuple[float, float]) -> tuple[float, float] | None:
    """The lower line's extent: ink straight opposite the name's middle, clear of the name's ends."""
    n = ink.shape[1]
    ppm = SURVEY_PX_PER_MM
    bottom = ((name[0] + name[1]) / 2 + band.length_mm / 2) * ppm
    clear = LOWER_CLEAR_GLYPHS * band.glyph_mm * ppm
    half = min(LOWER_HALF_SPAN * n, (band.length_mm - (name[1] - name[0])) * ppm / 2 - clear)
    if half <= 0:
        return None
    cols = np.arange(round(bottom - half), round(bottom + half) + 1)
    on = ink[:, np.mod(cols, n)].sum(axis=0) >= LOWER_COLUMN_MIN_PX
    hit = np.flatnonzero(on)
    if hit.size == 0:
        return None
    return float(cols[hit[0]]) / ppm, float(cols[hit[-1]] + 1) / ppm
