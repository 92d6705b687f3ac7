"""A seal's star points at its top: the name is centred on the star's upper tip.

The star (a solid five-pointed star at the centre, radius ~0.2 of the seal's height) is
found as the largest blob of ink near the ring's centre; its outline seen from its own
centre rises at the five tips, whose directions come from the outline's five-fold
component. The tips are turned into places along the text band (arc length), so the
name's run can be centred on the nearest one (``seal_strip.survey``).
"""

from __future__ import annotations

import cv2
import numpy as np

from extract.marks.seal_strip import Band, darkness

# The star lies within this share of the ring's smaller semi-axis from its centre (its outer
# radius is ~0.4 of the semi-axis; the ring's centre may be off by a millimetre or two).
STAR_REACH = 0.55
# A blob is a star when it covers at least this share of the star's expected disc (its five
# points fill ~0.35 of the disc round them; a glyph stroke of print far less)...
STAR_MIN_FILL = 0.12
# ...and its outline has this much five-fold shape (|sum r e^{5i theta}| / sum r: a clean star
# ~0.25, a disc or a block of print < 0.08).
STAR_MIN_FIVEFOLD = 0.12
# The star is solid ink: at least this dark (0..1 of the seal's typical ink); a patchy impression
# leaves part of it at a third of that (bench.seal_names seed 5151, patchy #1: no star at 0.5, so
# the name's top was taken from its five dark glyphs alone and its two pale ones were cut off).
STAR_LEVEL = 0.3
# Strokes thinner than this share of the star's radius are opened away before the star is looked
# for (print strokes are ~0.4 mm, a 42 mm seal's star ~8 mm across its radius; its arms' tips stay).
STAR_OPEN_SHARE = 0.12
# Directions sampled round the blob's centre.
STAR_RAYS = 180


def star_tips(gray: np.ndarray, band: Band) -> list[float]:
    """The band's arc-length places (mm) straight out from the star's five tips; [] without a star."""
    r = band.ring
    reach = STAR_REACH * min(r.a, r.b)
    x0, y0 = max(0, int(r.cx - reach)), max(0, int(r.cy - reach))
    x1, y1 = min(gray.shape[1], int(r.cx + reach) + 1), min(gray.shape[0], int(r.cy + reach) + 1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    dark, level = darkness(gray[y0:y1, x0:x1])
    ink = (dark >= max(level, STAR_LEVEL)).astype(np.uint8)
    star_r = 0.4 * min(r.a, r.b)
    # print the star was stamped over (a gray or 1-bit scan) joins it through thin strokes; the
    # star's solid body outlasts an opening that wipes them
    k = max(3, round(STAR_OPEN_SHARE * star_r)) | 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    z = _fivefold(cv2.morphologyEx(ink, cv2.MORPH_OPEN, disc), star_r)
    if z is None:
        # print taken out of a gray scan (``seal_text.without_print``) leaves paper-white strokes across
        # the star, which cut its arms off its body: closed first. Only then: in a 1-bit scan closing
        # joins the print the star was stamped over to it (seed 828415 gray-01's star, its lower arms
        # under 推荐单位公章, found only so)
        z = _fivefold(cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, disc), cv2.MORPH_OPEN, disc), star_r)
    if z is None:
        return []
    phase = float(np.angle(z)) / 5
    return [band.s_at_angle(phase + k * 2 * np.pi / 5) for k in range(5)]


def _fivefold(solid: np.ndarray, star_r: float) -> complex | None:
    """The five-fold component of the largest blob's outline (its phase points at the tips), or None
    when the blob is too small or not star-shaped."""
    n, labels, stats, cents = cv2.connectedComponentsWithStats(solid)
    if n < 2:
        return None
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[i, cv2.CC_STAT_AREA] < STAR_MIN_FILL * np.pi * star_r ** 2:
        return None
    ys, xs = np.nonzero(labels == i)
    cx, cy = cents[i]
    ang = np.arctan2(ys - cy, xs - cx)
    dist = np.hypot(ys - cy, xs - cx)
    bins = ((ang + np.pi) / (2 * np.pi) * STAR_RAYS).astype(int) % STAR_RAYS
    radius = np.zeros(STAR_RAYS)
    np.maximum.at(radius, bins, dist)
    theta = (np.arange(STAR_RAYS) + 0.5) / STAR_RAYS * 2 * np.pi - np.pi
    z = complex(np.sum(radius * np.exp(5j * theta)))
    return z if abs(z) >= STAR_MIN_FIVEFOLD * radius.sum() else None
