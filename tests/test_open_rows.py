"""``open_rows`` and ``ink_bands``: the grid's row-by-row opening and ink runs give OpenCV's own pixels."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.preprocess import binarize, faint_ink, flatten, ink_bands, open_rows, to_gray
from ingest.scans import iter_pages

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "scans" / "form01.pdf"


def cv2_open(mask: np.ndarray, k: int) -> np.ndarray:
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))


@settings(max_examples=200, deadline=None)
@given(
    h=st.integers(1, 40), w=st.integers(2, 120), k=st.integers(2, 60), density=st.floats(0.2, 0.98),
    edges=st.booleans(), seed=st.integers(0, 2**31 - 1),
)
def test_open_rows_is_opencvs_opening(h: int, w: int, k: int, density: float, edges: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = np.where(rng.random((h, w)) < density, 255, 0).astype(np.uint8)
    if edges:  # runs from the page's edges: OpenCV's erosion takes the outside for ink
        mask[:, : k // 2 + 1] = 255
        mask[h // 2 :, w - k // 2 - 1 :] = 255
    assert np.array_equal(open_rows(mask, k), cv2_open(mask, k))


def test_open_rows_on_a_scanned_page() -> None:
    page = next(iter_pages(SAMPLE, dpi=300))
    flat = flatten(to_gray(page.image))
    w = flat.shape[1]
    for mask, k in ((binarize(flat), w // 30), (faint_ink(flat), w // 10)):
        opened = open_rows(mask, k)
        assert np.count_nonzero(opened) > 10 * w  # the table's rules are there, so the check can fail
        assert np.array_equal(opened, cv2_open(mask, k))


@settings(max_examples=100, deadline=None)
@given(h=st.integers(1, 30), w=st.integers(1, 30), axis=st.sampled_from([0, 1]), seed=st.integers(0, 2**31 - 1))
def test_ink_bands_are_the_runs_of_inked_lines(h: int, w: int, axis: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = np.where(rng.random((h, w)) < 0.1, 255, 0).astype(np.uint8)
    inked = (mask > 0).any(axis=axis)
    expected = []
    i = 0
    while i < inked.size:
        if inked[i]:
            j = i
            while j < inked.size and inked[j]:
                j += 1
            expected.append((i, j))
            i = j
        else:
            i += 1
    assert ink_bands(mask, axis) == expected
