"""The short column rules of one row of the table (``extract.grid``): where a rule that splits a low row
(联系人 | value | 联系电话 | value, a Word copy's one-line rows) is told from a glyph's upright stroke.

The page-wide vertical kernel finds the long rules; a row of one line of text is no taller than a 14 pt
glyph, so within it a rule is what runs unbroken from the row's top rule into its bottom one with the
cells' padding clear beside it, and a glyph's stroke is what stops short of a rule or has its glyph's
other strokes beside it.
"""

from __future__ import annotations

import cv2
import numpy as np

# A short rule within one row counts towards a column where its ink spans this share of the height
# between the row's rules (all of it, less the rules' own blur); whether ink is a rule at all is
# decided by ``with_row_rules`` (a clipped glyph's strokes can span a whole row too).
ROW_RULE_SPAN = 0.85
# Rows lower than this (in pixels, times ROW_RULE_SPAN) are rule pairs, not rows.
ROW_RULE_MIN_PX = 8
# A short rule's breaks up to this many pixels are bridged (a 1-bit scan's dropouts); a glyph that
# stops short of a rule by more stays apart from it.
ROW_RULE_GAP_PX = 2
# ... but not where it meets them: a rule runs out of its row's top rule and into its bottom one, unbroken
# this many pixels beside each; a glyph's stroke stops short of the cell's edges, however tight the row
# (word-03 of rob seed 301705: 川's stroke 2 px short of a Word row's top rule cut its value to 「四川」).
ROW_RULE_JOIN_PX = 2
# Beside a short rule the cells' padding is clear: this fraction of the page width (0.5 mm at A4;
# a word processor pads a cell by 1.9 mm, a glyph's own strokes stand closer than 0.5 mm to each
# other or cross) on both sides, at this share of the row's height at least (a glyph's full-height
# stroke is crossed by its other strokes over 1/6 of it or more: 中, 年, 术).
SHORT_RULE_CLEAR_FRACTION = 1 / 420
SHORT_RULE_CLEAR_SHARE = 0.9
# ... beyond the rule's blur: a scanner's (and a 150-dpi scan's resampling) spreads a rule's ink
# into speckled faint columns up to this fraction of the page width (0.2 mm at A4) on each side.
SHORT_RULE_BLUR_FRACTION = 1 / 1050


def with_row_rules(ink: np.ndarray, vert: np.ndarray, horiz: np.ndarray, ys: list[int], tol: int) -> tuple[np.ndarray, float]:
    """``vert`` with the short rules of low rows added (in place), and the shortest rule length to count.

    A row printed by a word processor for one line of text is about 5 mm high, no taller than the
    page-wide vertical kernel, so the rules that split it (联系人 | value | 联系电话 | value) were
    lost and two fields read as one; and a 14 pt glyph's stroke runs past that kernel, so ``vert``
    comes here without its standing runs shorter than a few rows (``grid.LONG_RULE_FRACTION``). Within one row, a rule runs unbroken from its top rule to its
    bottom one, with the cells' padding clear on both sides all the way; a glyph's stroke stops
    short of a rule, or, where a row of exact height clips its text (a Word copy whose rows hug
    14 pt labels: 技术名称 touches both rules), has its glyph's other strokes beside it.
    """
    out = vert  # added to in place: the caller's mask is this one (a copy held 8.7 MB more, issue 14)
    shortest = float("inf")
    h, w = ink.shape[:2]
    pad = max(2, int(w * SHORT_RULE_CLEAR_FRACTION))
    blur = 1 + int(w * SHORT_RULE_BLUR_FRACTION)
    bridge = cv2.getStructuringElement(cv2.MORPH_RECT, (1, ROW_RULE_GAP_PX + 1))
    for y0, y1 in zip(ys, ys[1:], strict=False):
        k = int((y1 - y0) * ROW_RULE_SPAN)
        if k < ROW_RULE_MIN_PX:
            continue
        a, b = max(0, y0 - tol), min(h, y1 + tol + 1)
        raw = ink[a:b] > 0
        band = cv2.morphologyEx(ink[a:b], cv2.MORPH_CLOSE, bridge) > 0
        rules = horiz[a:b] > 0
        near = 2 * tol + 1
        top = np.where(rules[:near].any(axis=0), np.argmax(rules[:near], axis=0), -1)
        low = rules[-near:][::-1]
        bottom = np.where(low.any(axis=0), band.shape[0] - 1 - np.argmax(low, axis=0), -1)
        # Where each column's top rule ends and its bottom rule begins, for the joins.
        top_end = near - 1 - np.argmax(rules[:near][::-1], axis=0)
        bottom_start = band.shape[0] - near + np.argmax(rules[-near:], axis=0)
        # Ink rows counted down each column, in 16 bits while the band is shorter than their range (a row
        # is a few hundred pixels; 32 bits held 10 MB for a tall one at 300 dpi).
        depth = np.int16 if band.shape[0] < np.iinfo(np.int16).max else np.int32
        run = np.vstack([np.zeros((1, w), depth), np.cumsum(band, axis=0, dtype=depth)])
        cols = np.flatnonzero((top >= 0) & (bottom > top))
        cols = cols[run[bottom[cols] + 1, cols] - run[top[cols], cols] == bottom[cols] - top[cols] + 1]
        j = np.arange(1, ROW_RULE_JOIN_PX + 1)[:, None]  # the rows beside each end: ink, unbridged
        cols = cols[raw[np.minimum(top_end[cols] + j, raw.shape[0] - 1), cols].all(axis=0)
                    & raw[np.maximum(bottom_start[cols] - j, 0), cols].all(axis=0)]
        inside = ink[min(h, y0 + tol) : max(0, y1 - tol)] > 0
        for group in _runs(cols):
            left = inside[:, max(0, group[0] - blur - pad) : max(0, group[0] - blur)]
            right = inside[:, group[-1] + 1 + blur : group[-1] + 1 + blur + pad]
            clear = ~(left.any(axis=1) | right.any(axis=1))
            if clear.size and clear.mean() >= SHORT_RULE_CLEAR_SHARE:
                out[y0:y1, group] = np.maximum(out[y0:y1, group], ink[y0:y1, group])
        shortest = min(shortest, float(k))
    return out, shortest


def _runs(cols: np.ndarray) -> list[np.ndarray]:
    """Sorted indices split into runs of adjacent ones."""
    return np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1) if cols.size else []
