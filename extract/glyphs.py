"""Latin look-alikes settled by the glyph's own shape on the line crop.

An ``o`` is as tall as the x-height and a ``0`` as tall as the other digits, in every lining font
(the CJK fonts' Latin and the office fonts alike); an ``i`` has a dot over its stem and a ``1`` or
``l`` has none. Where a reading of one line of Latin text (an e-mail) has as many glyph columns on
the crop as characters, each ``o``/``0`` and ``i``/``1``/``l`` is checked against the glyph it
stands on: the engines guess between them from their language model, the ink does not.

An ``l`` and a ``1`` are told apart only where the glyph says so: a ``1`` has a flag at its top left in
every lining font, so a plain stroke (no ink left of the stem at the top, no foot: the sans fonts'
``l``) is an ``l``; a flag that slopes down from the top, well below it, is a ``1`` (a serif ``l``'s
spur sits at the very top), and so is any flag where the line's ``i``s are plain strokes (a sans face,
whose ``l`` is one too). A serif font's ``l`` and ``1`` (spur and flag both at the top, feet alike)
are left as read. And where no reading of an address has its ``@``, the ``@`` is the one glyph read as
a round letter that is clearly taller and wider than the line's x-height letters.
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
# What an ``@`` is read as when its ring and inner ``a`` blur into one round glyph (never a digit nor
# an ascender letter: a ``0`` or a ``d`` is as tall as an ``@`` in some fonts, and addresses have them).
AT_READ_AS = set("oaec")
# An ``@`` is this much taller than the line's x-height letters at least: measured 1.21 (AR PL UKai) to
# 1.62 (Noto Serif CJK); an o/a/e/c overshoots the flat x-height letters by 5 % at most.
AT_MIN_HEIGHT_RATIO = 1.12
# ... and this much wider than their median: 1.15 (AR PL UMing) to 1.66 (Noto).
AT_MIN_WIDTH_RATIO = 1.08
# Narrow enough x-height letters to measure an @'s width against (m and w are as wide as one).
AT_WIDTH_LETTERS = set("acenorsuvxz")
# A 1/l glyph's stem: the columns inked in at least this share of its middle rows (below the flag,
# above the foot).
STEM_SHARE = 0.5
STEM_ROWS = (0.4, 0.75)
# The glyph's top this share of its height is where a 1's flag or an l's spur is; the bottom share
# below FOOT_FROM is its foot.
TOP_SHARE = 0.4
FOOT_FROM = 0.85
# A 1's flag reaches this many stem widths left of the stem (measured 0.3-2.0 across the Debian CJK
# fonts' Latin at 22-44 px); a sans l has no ink there at all.
FLAG_MIN_STEMS = 1.0
# A flag's leftmost point this share of the glyph's height below its top slopes down from the stem (a
# sans 1: 0.14-0.25 measured); a serif l's spur is at most 0.11 down, a serif 1's flag as high.
FLAG_MIN_DEPTH = 0.15
# In a face whose i is a plain stroke, its l is one too: a flag of half a stem width and two pixels
# (the smallest 1's flag measured: Noto Sans CJK at 22 px, 0.7 stems) makes a 1.
PLAIN_FACE_FLAG_STEMS = 0.5
PLAIN_FACE_FLAG_PX = 2
# A glyph column wider than this many times the line's median column holds two glyphs that touch
# (a lining font's widest letters but m, w and @ are under 1.5 of the median; touching pairs measured
# 2.2-2.5: seal_shapes-01 of rob seed 464378, Noto Sans's "gw").
WIDE_GLYPH = 1.8
# ... for m, w and @ (measured up to 1.66 of the median: Noto's @), a touching pair is wider still.
WIDE_CHARS = set("mw@")
WIDE_GLYPH_MW = 2.3
# Where one glyph column is odd (two touching, one broken), at most its two characters stay unpaired.
MAX_UNPAIRED = 2
# The characters whose look-alike a glyph decides: a position of one of these not decided by its glyph
# is one the comparison may not hold against the paper.
LOOKALIKE_CHARS = set("o01li")


@dataclass
class Column:
    """One glyph's ink on the crop: its box and how many separate blobs it is made of, top first."""

    x0: int
    x1: int
    y0: int
    y1: int
    area: int
    blobs: list[tuple[int, int, int]]  # (y0, y1, area) of each component, top first
    ink: np.ndarray | None = None  # the glyph's own ink (bool) over its box

    @property
    def width(self) -> int:
        return self.x1 - self.x0

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
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h, w = ink.shape
    comps = []
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        if x < EDGE_PX or y < EDGE_PX or x + cw > w - EDGE_PX or y + ch > h - EDGE_PX:
            continue
        comps.append((x, x + cw, y, y + ch, area, i))
    comps.sort()
    cols: list[Column] = []
    members: list[list[int]] = []
    for x0, x1, y0, y1, area, i in comps:
        c = cols[-1] if cols else None
        if c is not None and x0 < c.x1 and (min(x1, c.x1) - x0) > GLYPH_OVERLAP_SHARE * min(x1 - x0, c.x1 - c.x0):
            c.x1, c.y0, c.y1, c.area = max(c.x1, x1), min(c.y0, y0), max(c.y1, y1), c.area + area
            c.blobs = sorted([*c.blobs, (y0, y1, area)])
            members[-1].append(i)
        else:
            cols.append(Column(x0, x1, y0, y1, area, [(y0, y1, area)]))
            members.append([i])
    for c, ids in zip(cols, members, strict=True):
        c.ink = np.isin(labels[c.y0:c.y1, c.x0:c.x1], ids)
    if cols:
        big = max(c.area for c in cols)
        cols = [c for c in cols if c.area >= SPECK_AREA_SHARE * big]
    return cols


def _median(values: list[int]) -> float | None:
    return float(np.median(values)) if values else None


def settle_by_shape(text: str, gray: np.ndarray) -> tuple[str, list[str]]:
    """``text`` (one line as read, no spaces) with each ``o``/``0`` set by its glyph's height, each
    ``1``/``l`` that has a dot made ``i`` and each other one set by its flag where it has a clear one
    (or none), and, where the reading has no ``@``, the glyph that is one made ``@`` (``at_glyph``);
    and what was changed. Unchanged when the crop's glyphs cannot be paired with the characters
    (``paired``) or the heights do not tell x-height from digits."""
    r = shape_reading(text, gray)
    return r.text, r.changes


@dataclass
class ShapeReading:
    """A line as its glyphs settle it: the text, what was changed, and the positions of its ``o``/``0``
    and ``i``/``1``/``l`` whose glyph told which one it is (the others the ink left open)."""

    text: str
    changes: list[str]
    decided: list[int]


def paired(text: str, cols: list[Column]) -> dict[int, Column]:
    """Each character's glyph column where it is sure: all of them when the counts are equal; where the
    line has one column more or fewer (two glyphs touching, one broken), the characters paired from the
    line's left end up to the odd column and from its right end back to it, each run stopped at the
    first column too wide for its character (``WIDE_GLYPH``); nothing when the runs overlap (the odd
    column was not seen) or leave more than the odd column's characters unpaired."""
    n, m = len(text), len(cols)
    if n == m:
        return dict(enumerate(cols))
    if abs(n - m) != 1 or not cols:
        return {}
    med = float(np.median([c.width for c in cols]))

    def run(pairs: list[tuple[int, int]]) -> dict[int, Column]:
        out: dict[int, Column] = {}
        for i, k in pairs:
            if cols[k].width > (WIDE_GLYPH_MW if text[i] in WIDE_CHARS else WIDE_GLYPH) * med:
                break
            out[i] = cols[k]
        return out

    left = run([(k, k) for k in range(min(n, m))])
    right = run([(n - 1 - k, m - 1 - k) for k in range(min(n, m))])
    if set(left) & set(right) or len(left) + len(right) < n - MAX_UNPAIRED:
        return {}
    return {**left, **right}


def shape_reading(text: str, gray: np.ndarray) -> ShapeReading:
    """``settle_by_shape`` with the positions whose glyph decided its look-alike (``ShapeReading``)."""
    cols = glyph_columns(gray)
    pairs = paired(text, cols) if text else {}
    if not pairs:
        return ShapeReading(text, [], [])
    whole = len(pairs) == len(text)
    at = at_glyph(text, cols) if "@" not in text and whole else None
    xh = _median([c.height for i, c in pairs.items() if text[i] in X_HEIGHT_LETTERS and text[i] != "o" and i != at])
    tall = _median([c.height for i, c in pairs.items() if text[i] in TALL_CHARS])
    heights = xh is not None and tall is not None and xh <= MAX_X_HEIGHT_RATIO * tall
    split = xh + HEIGHT_SPLIT * (tall - xh) if xh is not None and tall is not None else 0.0
    # Every letter and digit not in question must sit on a glyph of its own height class, else the
    # columns are not the characters (two glyphs touching where a broken one made up the count).
    if heights and any((text[i] in X_HEIGHT_LETTERS and text[i] != "o" and i != at and c.height >= split)
                       or (text[i] in TALL_CHARS and c.height < split) for i, c in pairs.items()):
        return ShapeReading(text, [], [])
    out, changes, decided = list(text), [], []
    plain = plain_face(text, cols) if whole else False
    for i, c in sorted(pairs.items()):
        ch = text[i]
        if i == at:
            want = "@"
        elif ch in "o0" and heights:
            want = "o" if c.height < split else "0"
        elif ch in "1li" and _dotted(c):
            want = "i"
        elif ch in "1l" and (not heights or c.height >= split) and (flag := one_or_el(c, plain)) is not None:
            want = flag
        else:
            continue
        if ch in LOOKALIKE_CHARS:
            decided.append(i)
        if want != ch:
            out[i] = want
            changes.append(f"{ch!r}→{want!r} at {i + 1} (the glyph's shape)")
    return ShapeReading("".join(out), changes, decided)


def at_glyph(text: str, cols: list[Column]) -> int | None:
    """Where a reading with no ``@`` (paired one to one with ``cols``) has its ``@``: the one glyph
    read as a round letter (``AT_READ_AS``) that is taller and wider than the line's x-height letters
    by an ``@``'s margin; None when no glyph is, or more than one."""
    letters = [(c, ch) for c, ch in zip(cols, text, strict=True) if ch in AT_WIDTH_LETTERS]
    xh = _median([c.height for c, _ in letters])
    xw = _median([c.width for c, _ in letters])
    if xh is None or xw is None:
        return None
    found = [i for i, (c, ch) in enumerate(zip(cols, text, strict=True))
             if ch in AT_READ_AS and 0 < i < len(text) - 1
             and c.height >= AT_MIN_HEIGHT_RATIO * xh and c.width >= AT_MIN_WIDTH_RATIO * xw]
    return found[0] if len(found) == 1 else None


@dataclass
class Stroke:
    """A vertical stroke's top and foot (an l, a 1, an i's stem): how far its ink reaches left of the
    stem at the top, in stem widths and pixels, how far down that reach is (share of the height),
    and how far left its foot reaches in pixels."""

    reach: float
    reach_px: int
    depth: float
    foot_px: int


def stroke(c: Column) -> Stroke | None:
    """The column's stroke below its dot (if it has one), or None when it has no stem."""
    a = c.ink
    if a is None:
        return None
    if _dotted(c):
        a = a[c.blobs[1][0] - c.y0:]
    ys, xs = np.nonzero(a)
    if ys.size == 0:
        return None
    a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h = a.shape[0]
    if h < 2 * EDGE_PX:
        return None
    stem = np.nonzero(a[int(STEM_ROWS[0] * h):int(STEM_ROWS[1] * h)].mean(axis=0) >= STEM_SHARE)[0]
    if stem.size == 0:
        return None
    left, width = int(stem[0]), int(stem[-1] - stem[0] + 1)

    def reach(rows: np.ndarray) -> list[int]:
        return [left - int(np.argmax(r)) if r.any() and int(np.argmax(r)) < left else 0 for r in rows]

    top, foot = reach(a[: int(TOP_SHARE * h)]), reach(a[int(FOOT_FROM * h):])
    px = max(top, default=0)
    return Stroke(px / width, px, (int(np.argmax(top)) / h) if px else 0.0, max(foot, default=0))


def one_or_el(c: Column, plain_face: bool = False) -> str | None:
    """``1`` or ``l`` by the glyph's top and foot, or None where they do not say: no ink left of the
    stem at the top nor at the foot is a plain ``l``; a flag reaching a stem width left and sloping
    down well below the top is a ``1``; and in a face whose ``i`` is a plain stroke (``plain_face``:
    its ``l`` is one too, as in every sans face), any flag is a ``1``."""
    st = stroke(c)
    if st is None:
        return None
    if st.reach_px == 0 and st.foot_px == 0:
        return "l"
    if st.reach >= FLAG_MIN_STEMS and st.depth >= FLAG_MIN_DEPTH:
        return "1"
    if plain_face and st.reach >= PLAIN_FACE_FLAG_STEMS and st.reach_px >= PLAIN_FACE_FLAG_PX:
        return "1"
    return None


def plain_face(text: str, cols: list[Column]) -> bool:
    """Whether the line's dotted ``i``s (one at least) are all plain strokes: no spur, no foot."""
    stems = [stroke(c) for c, ch in zip(cols, text, strict=True) if ch == "i" and _dotted(c)]
    return bool(stems) and all(st is not None and st.reach_px == 0 and st.foot_px == 0 for st in stems)


def _dotted(c: Column) -> bool:
    """A small blob wholly above the rest of the column: an ``i``'s dot."""
    if len(c.blobs) != 2:
        return False
    (ty0, ty1, ta), (by0, _, ba) = c.blobs
    return ty1 <= by0 and ta <= DOT_MAX_SHARE * (ta + ba)
