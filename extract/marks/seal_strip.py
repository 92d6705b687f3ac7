"""Unrolling a seal's text band into straight lines the recogniser reads left to right.

A seal's name runs clockwise along the upper arc, its glyphs' tops outward, spaced evenly
along the arc and centred on the seal's top; a 13-digit code or a subtitle (合同专用章)
runs along the lower arc the other way, upright at the bottom, in smaller glyphs close to
the ring. The band just inside the ring is unrolled once round at a coarse scale, in arc
length (so an oval's ends do not squeeze their glyphs), for ``seal_survey`` to find the
lines on. Each line is then unrolled again on its own, upright, at the height the
recogniser wants, against the strip's own paper (a faint or low-resolution seal is
stretched to full contrast, never thresholded away).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extract.marks.seal_outline import FittedRing

# A seal's glyphs are this share of min(width, 1.25 x height) tall (0.155 on 40-42 mm round seals,
# GA 241's ovals alike): the band's depth and the strips' scale follow from it.
GLYPH_FRACTION = 0.155
# The band unrolled: from just inside the ring line's middle (half the 1-1.5 mm line and a
# little) to past the glyphs' inner ends (a double ring's thin inner line and gap push them
# ~1.4 mm further in).
BAND_FROM_MM = 0.9
BAND_GLYPHS = 1.25
BAND_EXTRA_MM = 2.0
# ...and never into the star (radius 0.2 of the seal's height round the centre).
BAND_MAX_DEPTH = 0.62
# The coarse round strip, in px per mm: enough to tell glyph columns apart on a 30 mm seal.
SURVEY_PX_PER_MM = 5.0
# Ink on a strip: darker than the strip's own paper (its PAPER_PERCENTILE) by at least
# INK_MIN_CONTRAST levels and by INK_LEVEL of the way to its darkest ink (INK_PERCENTILE).
PAPER_PERCENTILE = 85
INK_PERCENTILE = 0.5
INK_MIN_CONTRAST = 20
INK_LEVEL = 0.4
INK_ABS_CONTRAST = 35  # a pale seal in a gray scan: ~200 on paper at ~240; paper noise stays within ~15
INK_FULL_PERCENTILE = 60
# Local contrast along a strip: measured over this many glyphs of its length (a patch the stamp
# barely touched spans 25-60°, several glyphs); its peak less a little (a glyph's strokes are
# darkest at their cores) is full black there, at most 1 / LOCAL_MIN_SHARE of the strip's stretch.
LOCAL_WINDOW_GLYPHS = 1.5
LOCAL_FULL_SHARE = 0.8
LOCAL_MIN_SHARE = 0.3
# The ring line left where the fit drifted: near-horizontal ink longer than this (in glyphs).
RULE_MIN_GLYPHS = 1.6
# ...and its blurred edge, painted out with it on the lower line's strip (px at READ_GLYPH_PX).
RULE_EDGE_PX = 2
# The strips the recogniser reads: glyphs this many px tall (PP-OCR recognition is 48 px
# high; trimmed to the ink with a margin, a glyph of ~40 px fills it).
READ_GLYPH_PX = 40
# Room left either side of a line's glyphs, in glyphs.
LINE_PAD_GLYPHS = 0.35
# The lower line's glyphs are about this share of the name's tall (a code's digits ~0.45, a
# subtitle's up to ~0.7): its strip is scaled to them.
LOWER_GLYPH_SHARE = 0.55
# A line's glyph rows: rows with ink on this share of the strip's columns, apart by less than
# ROW_GAP_GLYPHS; the first block from the ring with ROW_BLOCK_MIN_MASS of the heaviest is the
# line's, kept with ROW_MARGIN_GLYPHS above and below.
ROW_MIN_INK = 0.01
ROW_GAP_GLYPHS = 0.2
ROW_BLOCK_MIN_MASS = 0.3
ROW_MARGIN_GLYPHS = 0.15
# White margin round a strip handed to the recogniser (px).
STRIP_MARGIN_PX = 8


@dataclass
class Band:
    """A seal's text band: the ring, its scale and the glyph height it implies."""

    ring: FittedRing
    ppm: float  # px per mm of the image the ring was fitted in
    glyph_mm: float
    length_mm: float  # arc length round the band's middle

    @classmethod
    def of(cls, ring: FittedRing, ppm: float) -> Band:
        w_mm, h_mm = 2 * max(ring.a, ring.b) / ppm, 2 * min(ring.a, ring.b) / ppm
        glyph = GLYPH_FRACTION * min(w_mm, 1.25 * h_mm)
        band = cls(ring, ppm, glyph, 0.0)
        t = np.linspace(0, 2 * np.pi, 1441)
        x, y = band._points(t, band.depth_mm() / 2)
        band.length_mm = float(np.hypot(np.diff(x), np.diff(y)).sum() / ppm)
        return band

    def depth_mm(self) -> float:
        """How far in the band reaches: past the name's glyphs, short of the star."""
        minor_mm = min(self.ring.a, self.ring.b) / self.ppm
        return min(BAND_FROM_MM + BAND_GLYPHS * self.glyph_mm + BAND_EXTRA_MM, BAND_MAX_DEPTH * minor_mm)

    def _points(self, t: np.ndarray, inset_mm: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image points at ellipse parameter ``t`` on the ring shrunk by ``inset_mm``."""
        r = self.ring
        d = np.asarray(inset_mm, np.float32) * self.ppm
        ex, ey = (r.a - d) * np.cos(t), (r.b - d) * np.sin(t)
        th = np.deg2rad(r.angle)
        return r.cx + ex * np.cos(th) - ey * np.sin(th), r.cy + ex * np.sin(th) + ey * np.cos(th)

    def _t_of_s(self, s_mm: np.ndarray) -> np.ndarray:
        """Ellipse parameter at arc length ``s_mm`` (clockwise, mod the band's length) from t = 0."""
        t = np.linspace(0, 2 * np.pi, 1441)
        x, y = self._points(t, self.depth_mm() / 2)
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))]) / self.ppm
        return np.interp(np.mod(s_mm, self.length_mm) * arc[-1] / self.length_mm, arc, t)

    def s_at_angle(self, theta: float) -> float:
        """Arc length (mm) where a ray from the ring's centre at image angle ``theta`` (radians,
        y downward) crosses the band's middle."""
        t = np.linspace(0, 2 * np.pi, 1441)
        x, y = self._points(t, self.depth_mm() / 2)
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))]) / self.ppm
        off = np.angle(np.exp(1j * (np.arctan2(y - self.ring.cy, x - self.ring.cx) - theta)))
        return float(arc[int(np.argmin(np.abs(off)))] * self.length_mm / arc[-1])

    def unroll(self, gray: np.ndarray, s0_mm: float, s1_mm: float, out_ppm: float, upper: bool,
               depth: tuple[float, float] | None = None) -> np.ndarray:
        """The band from arc length ``s0_mm`` to ``s1_mm`` as a straight gray strip.

        ``upper``: clockwise, glyph tops outward (the name); else counter-clockwise from ``s1``
        back to ``s0`` with tops inward (the lower line, upright at the bottom). ``depth`` is
        the stretch of the band (mm inside the ring line) kept."""
        d0, d1 = depth if depth is not None else (BAND_FROM_MM, self.depth_mm())
        width = max(8, round((s1_mm - s0_mm) * out_ppm))
        height = max(8, round((d1 - d0) * out_ppm))
        s = s0_mm + (np.arange(width, dtype=np.float32) + 0.5) / out_ppm
        d = d0 + (np.arange(height, dtype=np.float32) + 0.5) / out_ppm
        if not upper:
            s, d = s[::-1], d[::-1]
        t = self._t_of_s(s)
        x, y = self._points(t[None, :], d[:, None])
        return cv2.remap(gray, x.astype(np.float32), y.astype(np.float32), cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def darkness(strip: np.ndarray, glyph_px: float | None = None) -> tuple[np.ndarray, float]:
    """Ink 0..1 against the strip's own paper (paper 0, the seal's typical ink ~1) and the level
    from which a pixel is ink; all 0 when the strip holds no ink clearly darker than its paper.

    Ink is darker than the paper by INK_LEVEL of the way to the darkest ink, or by
    INK_ABS_CONTRAST levels when that is less: black print beside a pale seal (a gray scan)
    must not push the seal's glyphs under the threshold. The typical ink (INK_FULL_PERCENTILE
    of the ink's contrast) is full black, so a pale seal reads as well as a dark one.

    With ``glyph_px`` (a strip along the band, glyphs that tall) the contrast is also measured
    locally, over ``LOCAL_WINDOW_GLYPHS`` of the strip's length: a sector the stamp barely touched
    is stretched towards full black too (up to ``1 / LOCAL_MIN_SHARE``), never so far that a
    contrast under INK_MIN_CONTRAST (paper noise) counts as ink."""
    g = strip.astype(np.float32)
    paper = float(np.percentile(g, PAPER_PERCENTILE))
    span = paper - float(np.percentile(g, INK_PERCENTILE))
    if span < INK_MIN_CONTRAST:
        return np.zeros_like(g), 1.0
    c = paper - g
    thr = max(INK_MIN_CONTRAST, min(INK_LEVEL * span, INK_ABS_CONTRAST))
    inked = c[c >= thr]
    full = max(thr, float(np.percentile(inked, INK_FULL_PERCENTILE))) if inked.size else span
    if glyph_px is None:
        return np.clip(c / full, 0.0, 1.0), thr / full
    w = max(3, round(LOCAL_WINDOW_GLYPHS * glyph_px)) | 1
    peak = cv2.blur(c, (3, 3)).max(axis=0)[None, :]
    peak = cv2.blur(cv2.dilate(peak, np.ones((1, w), np.float32), borderType=cv2.BORDER_REPLICATE), (w, 1),
                    borderType=cv2.BORDER_REPLICATE)
    lo = max(LOCAL_MIN_SHARE * full, INK_MIN_CONTRAST * full / thr)
    local = np.clip(LOCAL_FULL_SHARE * peak, lo, full)
    return np.clip(c / local, 0.0, 1.0), thr / full


def ink_of(strip: np.ndarray, glyph_px: float) -> np.ndarray:
    """Ink pixels (uint8 0/1) of a strip, long near-horizontal runs (the ring line) removed."""
    dark, level = darkness(strip, glyph_px)
    ink = (dark >= level).astype(np.uint8) if level < 1.0 else np.zeros(strip.shape[:2], np.uint8)
    rule = np.ones((1, max(3, round(RULE_MIN_GLYPHS * glyph_px))), np.uint8)
    ink[cv2.morphologyEx(ink, cv2.MORPH_OPEN, rule) > 0] = 0
    return ink


def glyph_rows(ink: np.ndarray, ring_side_top: bool, glyph_px: float) -> tuple[int, int]:
    """The rows of a line strip its glyphs fill: the first block of inked rows from the ring's side
    that holds at least ``ROW_BLOCK_MIN_MASS`` of the heaviest block (rows apart by less than
    ``ROW_GAP_GLYPHS`` are one block); what lies further in (the star, print under the seal) is dropped."""
    rows = ink.sum(axis=1)
    on = rows >= max(2, ROW_MIN_INK * ink.shape[1])
    if not on.any():
        return 0, ink.shape[0]
    order = np.arange(len(on)) if ring_side_top else np.arange(len(on))[::-1]
    blocks: list[list[int]] = []
    gap = max(1, round(ROW_GAP_GLYPHS * glyph_px))
    for i in order[on[order]].tolist():
        if blocks and abs(i - blocks[-1][-1]) <= gap:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    mass = [int(rows[b].sum()) for b in blocks]
    keep = next(b for b, m in zip(blocks, mass, strict=True) if m >= ROW_BLOCK_MIN_MASS * max(mass))
    margin = round(ROW_MARGIN_GLYPHS * glyph_px)
    return max(0, min(keep) - margin), min(ink.shape[0], max(keep) + 1 + margin)


def line_strip(gray: np.ndarray, band: Band, span: tuple[float, float], upper: bool) -> np.ndarray:
    """One line (the name or the lower line) unrolled upright at the recogniser's scale: paper
    white, ink black at full contrast against the strip's own paper, a white margin round it."""
    glyph_mm = band.glyph_mm if upper else LOWER_GLYPH_SHARE * band.glyph_mm
    out_ppm = READ_GLYPH_PX / glyph_mm
    pad = LINE_PAD_GLYPHS * band.glyph_mm
    strip = band.unroll(gray, span[0] - pad, span[1] + pad, out_ppm, upper)
    ink = ink_of(strip, READ_GLYPH_PX)
    dark, level = darkness(strip, READ_GLYPH_PX)
    # what is fainter than ink fades; the ring line's remains are left to the rows kept (a bled
    # glyph's top stroke that runs into the ring line is part of the glyph)
    dark[dark < level] *= 0.5
    if not upper:
        # the lower line's small glyphs stand close to the ring: its line, kept in their rows'
        # margin, reads as a row of dashes or turns a 9 into a 2; it is painted out here
        raw = (dark >= level).astype(np.uint8)
        rule = cv2.morphologyEx(raw, cv2.MORPH_OPEN, np.ones((1, max(3, round(RULE_MIN_GLYPHS * READ_GLYPH_PX))), np.uint8))
        dark[cv2.dilate(rule, np.ones((2 * RULE_EDGE_PX + 1, 1), np.uint8)) > 0] = 0.0
    clean = (255 - 255 * dark).astype(np.uint8)
    r0, r1 = glyph_rows(ink, ring_side_top=upper, glyph_px=glyph_mm * out_ppm)
    clean = clean[r0:r1]
    return cv2.copyMakeBorder(clean, STRIP_MARGIN_PX, STRIP_MARGIN_PX, STRIP_MARGIN_PX, STRIP_MARGIN_PX,
                              cv2.BORDER_CONSTANT, value=255)
