"""Find the form's table: ruling lines → elementary cells → merged cells.

``find_grid(image) -> Grid``. Horizontal and vertical rules are found by
morphological opening (a run longer than any glyph stroke), their positions
clustered into the table's row and column lines, and every elementary cell of
that lattice is merged with its neighbour wherever the rule between them is
missing. A cell that spans rows (the 技术基本情况 group column) or columns
(a full-width row) comes out as one ``Cell`` with its spans. A rule broken
by a scanner dropout still separates cells as long as most of it is there.

Boxes are ``[x0, y0, x1, y1]`` in pixels of the (deskewed) page; a cell's box
is the area between its rules (the rules themselves excluded by ``inner``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from extract.preprocess import binarize, faint_ink, ink_bands, label_components, open_rows, to_gray
from extract.row_rules import with_row_rules
from extract.thin_rules import thin_runs, with_thin_rules
from ingest.heap import give_back_freed

# Opening kernels: a horizontal rule is a run of ink longer than 1/30 of the
# page width (~7 mm at A4), a vertical one longer than 1/60 of the page height
# (~5 mm); glyph strokes at body size (3.7 mm) are shorter.
H_KERNEL_FRACTION = 1 / 30
V_KERNEL_FRACTION = 1 / 60
# In faint ink (glyph edges included) a rule must run 1/10 of the width or 1/12 of the height
# (21-25 mm at A4): no line of text keeps one stroke level that far, and a block of CJK text, whose
# glyphs stand in columns, bridges at most a few lines with faint edges. Short faint rules (a
# contact row's separators) are lost, the table's outline and long rules are kept.
H_FAINT_KERNEL_FRACTION = 1 / 10
V_FAINT_KERNEL_FRACTION = 1 / 12
# A table's rule is at most this thick, as a fraction of the page width (0.84 mm at A4: a 2 pt line
# blurred by the scanner), and at least this many pixels at low dpi; a seal's ring (1-1.5 mm in
# black on gray and 1-bit scans) and its star's strokes are wider, row by row, where they stand
# upright: a standing piece of ink that is, on average, wider than this is no rule.
RULE_MAX_THICKNESS_FRACTION = 1 / 250
RULE_MAX_THICKNESS_MIN_PX = 4
# A glyph's upright stroke at 14 pt, blurred by a 150-dpi scan, runs 5.2-5.8 mm, longer than the
# page-wide kernel, and where a tight Word row's glyphs touch its rules the strokes of two rows join
# through the rule between them (9.8 mm: combined-02 of rob seed 140554, 14 pt uming, split 技术名称
# and 联系电话 into cells of their glyphs and lost the page). A standing run shorter than this share
# of the page height (15 mm at A4) is a rule only where the row test of ``row_rules`` finds
# it: running from its row's top rule to its bottom one with the cells' padding clear beside it.
LONG_RULE_FRACTION = 1 / 20
# A faint rule whose pixels speckle or a scanner's noise thinned out has gaps in each of its rows at
# other places, so no row of it runs a tenth of the page unbroken and only a part of it is found
# (augraphy-01 of robustness seed 495224: the table's top rule at gray 195-230 on paper at 250, each
# row 3 % gaps of 1-4 px, was found over a third of the value cell, and the section's rest in the
# first row was lost). Where the long runs miss a cell's top or bottom at a row rule found elsewhere,
# the rule's own rows are looked at together: this many rows around its inkiest, unbroken over this
# share of the cell's width (a line of text, its glyphs apart, covers far less of a cell).
THIN_RULE_ROWS = 3
THIN_RULE_COVERAGE = 0.9
# Gaps in a rule up to this fraction of the page width are bridged (scanner dropouts).
GAP_BRIDGE_FRACTION = 1 / 150
# Rule positions closer than this fraction of the page size are one rule (line thickness + skew residue).
MERGE_FRACTION = 1 / 250
# A rule separates two elementary cells when ink covers at least this share of
# their common edge; a broken or faint rule keeps well above it, text never reaches it.
EDGE_COVERAGE = 0.5
# Distance from the nominal rule position searched for its ink (residual skew, thick rules).
EDGE_TOLERANCE_FRACTION = 1 / 400
# A row line must be at least this share of the table width in total length, so
# stray strokes (an underline in a value) do not become rows.
MIN_RULE_FRACTION = 0.08
# Pixels trimmed inside a cell's rules so OCR crops never include the rule ink.
INNER_MARGIN_FRACTION = 1 / 300


@dataclass
class Cell:
    """One cell of the table, possibly merged over rows/columns of the lattice."""

    row: int
    col: int
    row_span: int
    col_span: int
    bbox: tuple[int, int, int, int]  # between the rules, page pixels

    @property
    def width(self) -> int:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> int:
        return self.bbox[3] - self.bbox[1]

    def inner(self, margin: int) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = self.bbox
        return (x0 + margin, y0 + margin, max(x0 + margin + 1, x1 - margin), max(y0 + margin + 1, y1 - margin))

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "col": self.col, "row_span": self.row_span, "col_span": self.col_span, "bbox": list(self.bbox)}


@dataclass
class Grid:
    """The table on one page: lattice line positions and the merged cells."""

    xs: list[int]  # column rule positions, left to right
    ys: list[int]  # row rule positions, top to bottom
    cells: list[Cell] = field(default_factory=list)
    width: int = 0
    height: int = 0

    @property
    def found(self) -> bool:
        return len(self.cells) > 0

    @property
    def bbox(self) -> tuple[int, int, int, int] | None:
        if not self.xs or not self.ys:
            return None
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def margin(self) -> int:
        return max(2, int(self.width * INNER_MARGIN_FRACTION))

    def right_of(self, cell: Cell) -> Cell | None:
        """The cell immediately right of ``cell`` sharing most of its height."""
        best: tuple[int, Cell] | None = None
        for c in self.cells:
            if c.col != cell.col + cell.col_span:
                continue
            overlap = min(c.bbox[3], cell.bbox[3]) - max(c.bbox[1], cell.bbox[1])
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, c)
        return best[1] if best else None

    def to_dict(self) -> dict[str, Any]:
        return {"xs": self.xs, "ys": self.ys, "cells": [c.to_dict() for c in self.cells], "width": self.width, "height": self.height}


def rule_masks(bw: np.ndarray, faint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks (255 = ink) of horizontal and vertical rules, from a flattened page's Otsu ink and faint ink.

    Rules are long runs of Otsu's ink, or longer runs of faint ink (thin rules at low dpi).
    """
    horiz, vert = _rule_runs(bw, faint)
    _drop_wide(vert)
    return horiz, vert


def _rule_runs(bw: np.ndarray, faint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``rule_masks`` before the wide strokes are dropped from the vertical one."""
    h, w = bw.shape[:2]

    def runs(ink: np.ndarray, kw: int, kh: int) -> np.ndarray:
        return cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, kh)))

    hk, hk_faint = max(10, int(w * H_KERNEL_FRACTION)), max(10, int(w * H_FAINT_KERNEL_FRACTION))
    vk, vk_faint = max(10, int(h * V_KERNEL_FRACTION)), max(10, int(h * V_FAINT_KERNEL_FRACTION))
    gap = max(3, int(w * GAP_BRIDGE_FRACTION))
    # Each mask is one page-sized array, the faint ink's runs OR-ed into it and its gaps closed in
    # place (a new array per step held four at once, 35 MB at 300 dpi, under a worker's peak: issue 14).
    horiz = open_rows(bw, hk)  # row by row, only the rows that can hold a rule (the same pixels)
    cv2.bitwise_or(horiz, open_rows(faint, hk_faint), dst=horiz)
    cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)), dst=horiz)
    vert = runs(bw, 1, vk)
    cv2.bitwise_or(vert, runs(faint, 1, vk_faint), dst=vert)
    cv2.morphologyEx(vert, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)), dst=vert)
    return horiz, vert


def _drop_wide(vert: np.ndarray, shorter_than: int = 0) -> None:
    """Strokes too wide for a rule taken out of the vertical rules' mask, in place, and those
    standing less than ``shorter_than`` pixels tall."""
    w = vert.shape[1]
    # A seal's ring and star in black ink (gray and 1-bit scans) stand tall too: at its sides a ring
    # runs near-vertical for a centimetre and split an opinion box in two (combined-02 of rob seed
    # 486054). They are wider than any pen that rules a table; what is that wide is no rule.
    thick = max(RULE_MAX_THICKNESS_MIN_PX, round(w * RULE_MAX_THICKNESS_FRACTION))
    for c0, c1 in ink_bands(vert, axis=0):  # the columns holding rules, each run of them labelled alone
        band = vert[:, c0:c1]  # a view: strokes are taken out of the caller's mask
        n, labels, stats = label_components(np.ascontiguousarray(band))  # 16-bit labels (issue 14)
        if n > 1:
            mean_width = stats[:, cv2.CC_STAT_AREA] / np.maximum(1, stats[:, cv2.CC_STAT_HEIGHT])
            wide = (mean_width > thick) | (stats[:, cv2.CC_STAT_HEIGHT] < shorter_than)
            wide[0] = False
            if wide.any():
                band[wide[labels]] = 0


def _positions(profile: np.ndarray, min_total: float, merge: int) -> list[int]:
    """Centres of runs of the profile (ink per line) holding at least ``min_total`` ink."""
    idx = np.flatnonzero(profile > 0)
    if idx.size == 0:
        return []
    out: list[int] = []
    start = prev = int(idx[0])
    for i in [*idx[1:].tolist(), None]:
        if i is not None and i - prev <= merge:
            prev = i
            continue
        run = profile[start : prev + 1]
        if run.max() >= min_total:
            weights = run.astype(np.float64)
            out.append(int(round(start + float((weights * np.arange(run.size)).sum() / weights.sum()))))
        if i is not None:
            start = prev = i
    return out


def _coverage(mask: np.ndarray, horizontal: bool, pos: int, a: int, b: int, tol: int) -> float:
    """Share of [a, b) along a rule at ``pos`` (± tol) that has ink."""
    if b <= a:
        return 0.0
    if horizontal:
        band = mask[max(0, pos - tol) : pos + tol + 1, a:b]
        hit = band.any(axis=0)
    else:
        band = mask[a:b, max(0, pos - tol) : pos + tol + 1]
        hit = band.any(axis=1)
    return float(hit.mean()) if hit.size else 0.0


def _ink_count(mask: np.ndarray, axis: int) -> np.ndarray:
    """Ink pixels (255) of a mask per row (``axis`` 1) or column (0), without a page-sized boolean copy."""
    sums = cv2.reduce(mask, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S)
    return (sums.ravel() // 255).astype(np.int64)


def find_grid(image: np.ndarray) -> Grid:
    """The table's cells on a (deskewed) page; an empty Grid when no table is there."""
    grid = _find_grid(image)
    give_back_freed()  # the page's ink and rule masks, five page-sized images
    return grid


def _find_grid(image: np.ndarray) -> Grid:
    gray = to_gray(image)
    h, w = gray.shape[:2]
    bw, faint = binarize(gray), faint_ink(gray)
    horiz, vert = _rule_runs(bw, faint)
    thin = thin_runs(faint, max(10, int(w * H_FAINT_KERNEL_FRACTION)), THIN_RULE_ROWS)  # a faint rule's broken rows
    # Every ink the row rules are looked for in, and no longer its two parts: the masks are page-sized
    # (8.7 MB each at 300 dpi) and the wide strokes' labels (16-bit, twice that) and the row search's
    # own work come on top of what is held (issue 14).
    ink = cv2.bitwise_or(bw, faint, dst=bw)
    del bw, faint
    give_back_freed()  # the faint mask and the rule search's work images, before the labels
    _drop_wide(vert, int(h * LONG_RULE_FRACTION))
    merge = max(2, int(max(h, w) * MERGE_FRACTION))
    ys = with_thin_rules(horiz, vert, thin, _positions(_ink_count(horiz, axis=1), w * MIN_RULE_FRACTION, merge),
                         _positions(_ink_count(thin, axis=1), w * MIN_RULE_FRACTION, merge), merge)
    del thin
    if len(ys) < 2:
        return Grid([], ys, [], w, h)
    tol = max(2, int(max(h, w) * EDGE_TOLERANCE_FRACTION))
    vert, shortest = with_row_rules(ink, vert, horiz, ys, tol)
    rule_rows = _rule_rows(ink, ys, tol)
    del ink
    # Columns only count inside the table's vertical extent (the title and footer lie outside).
    vband = vert[ys[0] : ys[-1] + 1]
    xs = _positions(_ink_count(vband, axis=0), min(1.5 * max(10, int(h * V_KERNEL_FRACTION)), shortest), merge)
    if len(xs) < 2:
        return Grid(xs, ys, [], w, h)
    nr, nc = len(ys) - 1, len(xs) - 1
    # Union-find over elementary cells: merge across every missing rule.
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and _coverage(vert, False, xs[c + 1], ys[r], ys[r + 1], tol) < EDGE_COVERAGE:
                union(r * nc + c, r * nc + c + 1)
            if r + 1 < nr and _coverage(horiz, True, ys[r + 1], xs[c], xs[c + 1], tol) < EDGE_COVERAGE:
                union(r * nc + c, (r + 1) * nc + c)
    # Elementary cells with no rule on any side (outside the table's outline) are dropped.
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells: list[Cell] = []
    for members in groups.values():
        rows = [m[0] for m in members]
        cols = [m[1] for m in members]
        r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
        if not _outlined(horiz, vert, rule_rows, xs, ys, r0, r1, c0, c1, tol):
            continue
        cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid(xs, ys, cells, w, h)


def _rule_rows(ink: np.ndarray, ys: list[int], tol: int) -> dict[int, np.ndarray]:
    """At each row rule's position, which columns have ink on the rule's own rows: the band's
    ``THIN_RULE_ROWS`` rows around its inkiest row, OR-ed (one bool per column)."""
    out: dict[int, np.ndarray] = {}
    for y in ys:
        band = ink[max(0, y - tol) : y + tol + 1] > 0
        r = int(np.argmax(band.sum(axis=1)))
        out[y] = np.asarray(band[max(0, r - THIN_RULE_ROWS // 2) : r + THIN_RULE_ROWS // 2 + 1].any(axis=0))
    return out


def _row_edge(horiz: np.ndarray, rule_rows: dict[int, np.ndarray], y: int, a: int, b: int, tol: int) -> float:
    """How much of [a, b) the row rule at ``y`` covers: its long runs, or its own rows' ink where
    they are all but unbroken (a faint rule broken up in each row: ``THIN_RULE_COVERAGE``)."""
    cov = _coverage(horiz, True, y, a, b, tol)
    if cov < EDGE_COVERAGE and b > a and float(rule_rows[y][a:b].mean()) >= THIN_RULE_COVERAGE:
        return 1.0
    return cov


def _outlined(horiz: np.ndarray, vert: np.ndarray, rule_rows: dict[int, np.ndarray], xs: list[int], ys: list[int],
              r0: int, r1: int, c0: int, c1: int, tol: int) -> bool:
    """A real cell has rules on its top and bottom or left and right (the region outside the table has not)."""
    top = _row_edge(horiz, rule_rows, ys[r0], xs[c0], xs[c1 + 1], tol)
    bottom = _row_edge(horiz, rule_rows, ys[r1 + 1], xs[c0], xs[c1 + 1], tol)
    left = _coverage(vert, False, xs[c0], ys[r0], ys[r1 + 1], tol)
    right = _coverage(vert, False, xs[c1 + 1], ys[r0], ys[r1 + 1], tol)
    return min(top, bottom) >= EDGE_COVERAGE and min(left, right) >= EDGE_COVERAGE


def crop(image: np.ndarray, bbox: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = bbox
    h, w = image.shape[:2]
    return image[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)]
