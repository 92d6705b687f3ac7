"""Page clean-up: red ink dropped where it is, text under a seal kept."""

from __future__ import annotations

import cv2
import numpy as np

from extract.preprocess import drop_red, prepare
from samples.seal import draw_seal


def page_with_text(seal: bool) -> np.ndarray:
    page = np.full((1200, 900, 3), 245, np.uint8)
    for row in range(8):
        cv2.putText(page, "TEXT UNDER SEAL", (120, 400 + 40 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (20, 20, 20), 3)
    return draw_seal(page, "中国地质科学院", (450, 520), dpi=300) if seal else page


def test_a_seal_is_dropped_and_the_black_text_under_it_kept() -> None:
    clean, sealed = page_with_text(seal=False), page_with_text(seal=True)
    gray = cv2.cvtColor(drop_red(sealed, 300), cv2.COLOR_BGR2GRAY)
    text = cv2.cvtColor(clean, cv2.COLOR_BGR2GRAY) < 100
    assert (gray[text] < 110).mean() > 0.9  # the printed strokes survive under the seal
    ring = (cv2.cvtColor(sealed, cv2.COLOR_BGR2GRAY) < 200) & ~cv2.dilate(text.astype(np.uint8), np.ones((5, 5))).astype(bool)
    assert ring.sum() > 2000  # there was seal ink off the text …
    assert (gray[ring] > 200).mean() > 0.9  # … and it is paper now


def test_a_page_without_red_is_left_alone() -> None:
    page = page_with_text(seal=False)
    assert drop_red(page, 300) is page
    assert prepare(page).gray.shape == page.shape[:2]
