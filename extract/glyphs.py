"""Latin look-alikes settled by the glyph's own shape on the line crop.

An ``o`` is as tall as the x-height and a ``0`` as tall as the other digits, in every lining font
(the CJK fonts' Latin and the office fonts alike); an ``i`` has a dot over its stem and a ``1`` or
``l`` has none. Where a reading of one line of Latin text (an e-mail) has as many glyph columns on
the crop as characters, each ``o``/``0`` and ``i``/``1``/``l`` is checked against the glyph it
stands on: the engines guess between them from their language model, the ink does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Lower-case letters without ascender or descender: their height is the line's x-height.
X_HEIGHT_LETTERS = set("acemnorsuvwxz")
# Characters as tall as a lining digit (digits, ascenders, capitals); o/0/i/1/l are left out, being
# what is decided.
TALL_CHARS = set("23456789bdfhkt")
# A column this much narrower than the crop's height and this much shorter is no glyph but a speck
# of dust; the line's glyphs are counted without them.
SPECK_AREA_SHARE = 0.03
# Blobs whose horizontal spans overlap by this share of the narrower one are one glyph (an @'s ring
# broken in two, an i's dot); kerned neighbours overlap by a pixel or two, less than this.
GLYPH_OVERLAP_SHARE = 0.3
# Ink touching the crop's edge this far into it is the cell's rule, not a glyph.
EDGE_PX = 2
# The x-height must be at most this share of the digit height for heights to tell o from 0:
# every lining Latin font measured (Noto Sans/Serif CJK, WenQuanYi, AR PL, DejaVu, Nimbus) is 0.70-0.78.
MAX_X_HEIGHT_RATIO = 0.85
# A glyph is x-height when its height is below this point between x-height and digit height.
HEIGHT_SPLIT = 0.5
# An ``i``'s dot: a separate blob above the stem, at most this share of the column's ink.
DOT_MAX_SHARE = 0.35


@dataclass
class Column:
    """One glyph's ink on the crop: its box and how many separate blobs it is made of, top first."""

    x0: int
    x1: int
    y0: int
    y1: int
    area: int
    blobs: list[tuple[int, int, int]]  # (y0, y1, area) of each component, top first

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def glyph_columns(gray: np.ndarray) -> list[Column]:
    """The ink of a one-line crop as glyph columns, left to right: connected components that overlap
    horizontally are one glyph (an ``i``'s dot and stem); rules along the crop's edge are dropped."""
    if gray.size == 0:
        return []
    g = gray if gray.ndim == 2 else cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = ink.shape
    comps = []
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        if x < EDGE_PX or y < EDGE_PX or x + cw > w - EDGE_PX or y + ch > h - EDGE_PX:
            continue
        comps.append((x, x + cw, y, y + ch, area))
    comps.sort()
    cols: list[Column] = []
    for x0, x1, y0, y1, area in comps:
        c = cols[-1] if cols else None
        if c is not None and x0 < c.x1 and (min(x1, c.x1) - x0) > GLYPH_OVERLAP_SHARE * min(x1 - x0, c.x1 - c.x0):
            c.x1, c.y0, c.y1, c.area = max(c.x1, x1), min(c.y0, y0), max(c.y1, y1), c.area + area
            c.blobs = sorted([*c.blobs, (y0, y1, area)])
        else:
            cols.append(Column(x0, x1, y0, y1, area, [(y0, y1, area)]))
    if cols:
        big = max(c.area for c in cols)
        cols = [c for c in cols if c.area >= SPECK_AREA_SHARE * big]
    return cols


def _median(values: list[int]) -> float | None:
    return float(np.median(values)) if values else None


def settle_by_shape(text: str, gray: np.ndarray) -> tuple[str, list[str]]:
    """``text`` (one line as read, no spaces) with each ``o``/``0`` set by its glyph's height and each
    ``1``/``l`` that has a dot made ``i``, and what was changed; unchanged when the crop's glyphs
    cannot be paired one to one with the characters or the heights do not tell x-height from digits."""
    cols = glyph_columns(gray)
    if not text or len(cols) != len(text):
        return text, []
    xh = _median([c.height for c, ch in zip(cols, text, strict=True) if ch in X_HEIGHT_LETTERS and ch != "o"])
    tall = _median([c.height for c, ch in zip(cols, text, strict=True) if ch in TALL_CHARS])
    heights = xh is not None and tall is not None and xh <= MAX_X_HEIGHT_RATIO * tall
    split = xh + HEIGHT_SPLIT * (tall - xh) if xh is not None and tall is not None else 0.0
    # Every letter and digit not in question must sit on a glyph of its own height class, else the
    # columns are not the characters (two glyphs touching where a broken one made up the count).
    if heights and any((ch in X_HEIGHT_LETTERS and ch != "o" and c.height >= split) or (ch in TALL_CHARS and c.height < split)
                       for c, ch in zip(cols, text, strict=True)):
        return text, []
    out, changes = list(text), []
    for i, (c, ch) in enumerate(zip(cols, text, strict=True)):
        if ch in "o0" and heights:
            want = "o" if c.height < split else "0"
        elif ch in "1l" and _dotted(c):
            want = "i"
        else:
            continue
        if want != ch:
            out[i] = want
            changes.append(f"{ch!r}→{want!r} at {i + 1} (the glyph's shape)")
    return "".join(out), changes


def _dotted(c: Column) -> bool:
    """A small blob wholly above the rest of the column: an ``i``'s dot."""
    if len(c.blobs) != 2:
        return False
    (ty0, ty1, ta), (by0, _, ba) = c.blobs
    return ty1 <= by0 and ta <= DOT_MAX_SHARE * (ta + ba)
