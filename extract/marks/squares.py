"""Printed tick boxes (□) found by their outline, and the ink inside one.

A printed square has four straight sides of equal length (~3-4 mm) with paper just outside,
which a tick, a cross, a fill or a stroke crossing the edge leaves intact (``find_squares``).
A square's inside is measured inset past its printed sides as thick as they really are
(``interior_ink``): the share covered by ink of any colour (pencil too).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extract.marks.color import px_per_mm

# Printed tick boxes are 0.8-1 em of 10.5-12 pt body text: about 3-4.2 mm a side.
BOX_MIN_MM = 2.4
BOX_MAX_MM = 5.2
BOX_STEP_MM = 0.12  # one pixel at 200 dpi: sides are matched within the band below anyway
# A square smaller than this many pixels has no inside to judge (a tick box at 150 dpi is ~10 px).
MIN_SIDE_PX = 4
# Ink darkness (0..1, see color.ink_map) that makes a printed line: toner, not pencil.
LINE_INK = 0.5
# A side's line may sit this far from where the square's size puts it (print, scan blur).
SIDE_SLACK_MM = 0.2
# Each side must be inked along this share of its length (a tick crossing it adds, never removes).
SIDE_MIN_COVER = 0.9
# The band just outside the square (0.4-0.9 mm out) is mostly paper; inside a filled
# square or a dense glyph it is not.
OUTSIDE_FROM_MM = 0.4
OUTSIDE_TO_MM = 0.9
OUTSIDE_MAX_INK = 0.35
# A printed square scores ~1 (sides fully inked minus surround ink); the 口 of a glyph
# (信, 用) was measured at 0.77-0.82 (用 of WenQuanYi Zen Hei 14 pt at 300 dpi: 0.88).
SQUARE_MIN_SCORE = 0.88
# A square this clean is a box, not a glyph's 口: the cell's box size is taken from these.
STRONG_SQUARE_SCORE = 0.95
# Two squares closer than this share of a side are the same square.
SAME_BOX_FRACTION = 0.6
# Boxes of one cell are printed alike: their sides agree within this share of the median.
SIZE_TOLERANCE = 0.15
# ... but a Word copy's ticked box is a ☑ / ☒ / ■ typed in the symbol font the CJK face lacks
# (DejaVu Sans, OpenSymbol), 15-25 % smaller than that face's □ (38 px beside WenQuanYi Zen Hei's
# 45 px at 14 pt, 300 dpi): a clean square is kept within this share.
GLYPH_SIZE_TOLERANCE = 0.3
# Interior inset from the nominal edge: the printed line, the slack, and a little margin
# (the least inset; a thicker printed line is measured, see _interior).
INSET_FRACTION = 0.14
# A side's measured line is never taken deeper than this share of the box (a tick could
# otherwise be mistaken for a thick side and inset away).
MAX_INSET_FRACTION = 0.3
# Cuts across each side where its inner edge is measured (the median is used).
EDGE_SAMPLES = 5
# The inner edge measured is the first pixel lighter than a mark; the next may still hold the side's
# blur, which in a 1.7 mm □ (WenQuanYi Micro Hei at 10.5 pt) is 5 % of the inside.
EDGE_BLUR_PX = 1
# Darkness above which an interior pixel counts as a mark: a faint pencil line (~0.3) counts,
# scanner noise on paper (<0.1) does not.
MARK_INK = 0.2


@dataclass
class Square:
    cx: int
    cy: int
    side: int
    score: float

    @property
    def bbox(self) -> list[int]:
        h = self.side // 2
        return [self.cx - h, self.cy - h, self.cx - h + self.side, self.cy - h + self.side]


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``out[y, x] = a[y + dy, x + dx]`` (zero outside)."""
    out = np.zeros_like(a)
    h, w = a.shape
    ys, yd = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
    xs, xd = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
    out[yd, xd] = a[ys, xs]
    return out


def _box_mean(integral: np.ndarray, half: int) -> np.ndarray:
    """Mean of the image over a (2·half+1)² square centred on each pixel (zero padded)."""
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    ys, xs = np.arange(h), np.arange(w)
    y0, y1 = np.clip(ys - half, 0, h), np.clip(ys + half + 1, 0, h)
    x0, x1 = np.clip(xs - half, 0, w), np.clip(xs + half + 1, 0, w)
    s = integral[y1][:, x1] - integral[y0][:, x1] - integral[y1][:, x0] + integral[y0][:, x0]
    return s / float((2 * half + 1) ** 2)


def find_squares(ink: np.ndarray, dpi: int, sides_px: tuple[float, float] | None = None) -> list[Square]:
    """Printed squares of tick-box size in a darkness map (0..1), strongest first, overlaps removed.

    ``sides_px`` (least, most) replaces the printed form's ``BOX_MIN_MM``-``BOX_MAX_MM``: the size a
    word processor's □ has beside its option word (``tick_words``), which depends on the face."""
    ppm = px_per_mm(dpi)
    line = (ink >= LINE_INK).astype(np.float32)
    integral = cv2.integral(line, sdepth=cv2.CV_64F)
    slack = max(1, round(SIDE_SLACK_MM * ppm))
    found: list[Square] = []
    lo, hi = sides_px if sides_px is not None else (BOX_MIN_MM * ppm, BOX_MAX_MM * ppm)
    step = BOX_STEP_MM * ppm
    sides = sorted({max(MIN_SIDE_PX, round(v)) for v in np.arange(lo, hi + 1e-6, step)})
    for side in sides:
        half = side // 2
        # Coverage of a horizontal (vertical) segment of the side's length centred on each pixel,
        # then the best of the rows (columns) within the slack.
        hcov = cv2.blur(line, (side, 1), borderType=cv2.BORDER_CONSTANT)
        vcov = cv2.blur(line, (1, side), borderType=cv2.BORDER_CONSTANT)
        hcov = cv2.dilate(hcov, np.ones((2 * slack + 1, 1), np.uint8))
        vcov = cv2.dilate(vcov, np.ones((1, 2 * slack + 1), np.uint8))
        sides_min = np.minimum.reduce([
            _shift(hcov, -half, 0), _shift(hcov, side - half, 0),
            _shift(vcov, 0, -half), _shift(vcov, 0, side - half),
        ])
        o_in = half + round(OUTSIDE_FROM_MM * ppm)
        o_out = half + round(OUTSIDE_TO_MM * ppm)
        area_in, area_out = (2 * o_in + 1) ** 2, (2 * o_out + 1) ** 2
        outside = (_box_mean(integral, o_out) * area_out - _box_mean(integral, o_in) * area_in) / (area_out - area_in)
        ok = (sides_min >= SIDE_MIN_COVER) & (outside <= OUTSIDE_MAX_INK)
        ys, xs = np.nonzero(ok)
        for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
            found.append(Square(x, y, side, float(sides_min[y, x] - outside[y, x])))
    found.sort(key=lambda s: (-round(s.score, 2), -s.side))  # a filled box also holds smaller squares
    kept: list[Square] = []
    for sq in found:
        if all(max(abs(sq.cx - k.cx), abs(sq.cy - k.cy)) > SAME_BOX_FRACTION * max(sq.side, k.side) for k in kept):
            kept.append(sq)
    return kept


def consistent(squares: list[Square]) -> list[Square]:
    """The squares whose size agrees with the cell's typical box (text glyphs rarely do).

    The typical box is the median of the clean squares (``STRONG_SQUARE_SCORE``) where there are
    any: a glyph's 口 that only just passes must not pull it towards its own size and push a
    printed box out. A clean square of another size within ``GLYPH_SIZE_TOLERANCE`` is a box too
    (a ☑ from the symbol font beside the CJK face's □)."""
    squares = [s for s in squares if s.score >= SQUARE_MIN_SCORE]
    if not squares:
        return []
    strong = [s for s in squares if s.score >= STRONG_SQUARE_SCORE]
    median = float(np.median([s.side for s in (strong or squares)]))
    return [s for s in squares if abs(s.side - median) <= SIZE_TOLERANCE * median
            or (s.score >= STRONG_SQUARE_SCORE and abs(s.side - median) <= GLYPH_SIZE_TOLERANCE * median)]


def reading_order(squares: list[Square]) -> list[Square]:
    """Rows top to bottom (centres within half a side), each left to right."""
    rows: list[list[Square]] = []
    for sq in sorted(squares, key=lambda s: s.cy):
        if rows and abs(sq.cy - np.mean([s.cy for s in rows[-1]])) <= sq.side / 2:
            rows[-1].append(sq)
        else:
            rows.append([sq])
    return [s for row in rows for s in sorted(row, key=lambda s: s.cx)]


def _inner_edge(profile: np.ndarray) -> int:
    """Steps from outside the printed side to just inside it: skip paper, then cross the line and
    its blurred inner edge (darker than ``MARK_INK`` counts as a mark inside: a small □ scanned
    finer and read at 300 dpi keeps a gray column there)."""
    i, n = 0, profile.size
    while i < n and profile[i] < LINE_INK:
        i += 1
    while i < n and profile[i] >= MARK_INK:
        i += 1
    return i


def _interior(ink: np.ndarray, sq: Square) -> np.ndarray:
    """The box's inside, inset past its printed sides as thick as they really are.

    A 1-bit scan upsampled from 200 dpi prints the sides twice as thick as a 300 dpi
    colour scan, so a fixed inset would count the line itself as a mark. Each side's
    inner edge is the median over ``EDGE_SAMPLES`` cuts across it (a tick crossing one
    cut, or a gap in the line at another, does not move the median), never deeper than
    ``MAX_INSET_FRACTION`` of the side, never shallower than ``INSET_FRACTION``.
    """
    x0, y0, x1, y1 = sq.bbox
    h, w = ink.shape
    pad = max(2, round(sq.side * INSET_FRACTION / 2))  # start just outside the nominal side
    deepest = round(sq.side * MAX_INSET_FRACTION)
    least = max(1, round(INSET_FRACTION * sq.side))
    along = [round(f * sq.side) for f in np.linspace(0.3, 0.7, EDGE_SAMPLES)]
    ox0, oy0 = max(0, x0 - pad), max(0, y0 - pad)
    ox1, oy1 = min(w, x1 + pad), min(h, y1 + pad)
    cuts: dict[str, list[int]] = {"l": [], "r": [], "t": [], "b": []}
    for a in along:
        y, x = min(h - 1, y0 + a), min(w - 1, x0 + a)
        cuts["l"].append(_inner_edge(ink[y, ox0 : ox0 + pad + deepest]) - (x0 - ox0))
        cuts["r"].append(_inner_edge(ink[y, max(0, ox1 - pad - deepest) : ox1][::-1]) - (ox1 - x1))
        cuts["t"].append(_inner_edge(ink[oy0 : oy0 + pad + deepest, x]) - (y0 - oy0))
        cuts["b"].append(_inner_edge(ink[max(0, oy1 - pad - deepest) : oy1, x][::-1]) - (oy1 - y1))
    inset = {k: int(min(deepest, max(least, np.median(v) + EDGE_BLUR_PX))) for k, v in cuts.items()}
    return ink[y0 + inset["t"] : y1 - inset["b"], x0 + inset["l"] : x1 - inset["r"]]


def interior_ink(ink: np.ndarray, sq: Square) -> float:
    inner = _interior(ink, sq)
    return float((inner >= MARK_INK).mean()) if inner.size else 0.0
