"""A table rule too faint and broken for the long runs (``extract.grid``): found where its rows OR-ed run a
faint rule's length, only where no rule was found already.

s6final augraphy-01 page 3 (rob seed 729666): the table's bottom rule printed at gray 211-235 on textured
paper at 243-251, its faint ink with 4-6 % gaps of 1-4 px in each row at other places, so no row of it ran
a tenth of the page unbroken: one row rule was found, no cell, and the page with the 推荐单位意见 box was
called blank (its seal and date UNREADABLE).
"""

from __future__ import annotations

import cv2
import numpy as np

from extract.preprocess import open_rows


def thin_runs(faint: np.ndarray, run_px: int, rows: int) -> np.ndarray:
    """The pixels of ``faint`` ink (255) in horizontal runs of ``run_px`` once ``rows`` rows are OR-ed."""
    thin = open_rows(cv2.dilate(faint, cv2.getStructuringElement(cv2.MORPH_RECT, (1, rows))), run_px)
    return cv2.bitwise_and(thin, faint, dst=thin)


def with_thin_rules(horiz: np.ndarray, vert: np.ndarray, thin: np.ndarray, ys: list[int], thin_ys: list[int],
                    merge: int) -> list[int]:
    """The row rules ``ys`` and the one of ``thin_ys`` that closes the table below all of them, where two
    vertical rules or more of ``vert`` come down to it; its pixels in ``thin`` are added to ``horiz`` (in
    place): the rules found by the long runs keep their pixels and place. Inside the table, a line of text
    whose glyphs' level strokes meet when three rows are OR-ed would pass for one (combined-02 of rob seed
    828415: four such rows in its text), and a faint rule there has the long runs' rules on both sides."""
    extra = [y for y in thin_ys if ys and y > max(ys) + merge and _verticals_reach(vert, y, merge) >= 2][:1]
    for y in extra:
        rows = slice(max(0, y - merge), y + merge + 1)
        cv2.bitwise_or(horiz[rows], thin[rows], dst=horiz[rows])
    return sorted(ys + extra)


def _verticals_reach(vert: np.ndarray, y: int, merge: int) -> int:
    """How many vertical rules (runs of inked columns) of ``vert`` have ink just above row ``y``."""
    cols = np.asarray(vert[max(0, y - 2 * merge): max(1, y - merge)].any(axis=0))
    return int(np.count_nonzero(np.diff(cols.astype(np.int8)) == 1) + int(cols[0]))
