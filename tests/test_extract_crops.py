"""The field crops read_page keeps for the reports and the review screen: PNG, small, legible.

A crop without coloured ink (a gray or 1-bit scan, a colour scan's text cell) is one gray
channel; one with a seal or a blue pen is a palette PNG that keeps the ink's colour; a page
read above CROP_DPI gives crops at CROP_DPI (the crop's bbox stays in page pixels).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from extract.images import CROP_DPI, crop_png
from extract.page import ExtractOptions, read_page
from forms.template import load_template
from ingest.page import ColorMode
from samples.seal import draw_seal
from tests.test_extract_preview import _scanned

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCAN_DPI = 300
PAPER_BGR = (200, 235, 245)  # yellowish paper of a colour scan
T = load_template("kczg-2020")


def _opened(png: bytes) -> Image.Image:
    assert png.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _text_cell(paper: tuple[int, int, int] = PAPER_BGR, size: tuple[int, int] = (1500, 600)) -> np.ndarray:
    """A text cell of a colour scan at 300 dpi: black lines of 'text' with a scanner's 1 px colour fringe."""
    w, h = size
    img = np.full((h, w, 3), paper, np.uint8)
    for y in range(60, h - 40, 90):
        cv2.putText(img, "technology level 94.9%", (40, y), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (30, 30, 30), 5)
    fringe = np.roll(img[:, :, 2], 1, axis=1)  # red channel off by one pixel, as colour scanners do
    img[:, :, 2] = np.minimum(img[:, :, 2], fringe)
    return img


@pytest.mark.parametrize("mode", ["gray", "bilevel"])
def test_crops_of_a_gray_or_1_bit_page_are_one_channel_png(mode: ColorMode) -> None:
    page, fake = _scanned(mode)
    r = read_page(page, T, ExtractOptions(second_opinion=False), engine=fake)
    assert r.crops
    for key, png in r.crops.items():
        assert _opened(png).mode == "L", key


def test_a_colour_scans_text_cell_is_gray() -> None:
    image = _opened(crop_png(_text_cell(), SCAN_DPI, CROP_DPI))
    assert image.mode == "L"
    gray = np.asarray(image)
    assert int(gray.min()) < 80 and int(gray.max()) > 200  # ink and paper: legible


def test_a_crop_with_a_red_seal_keeps_the_red() -> None:
    box = draw_seal(np.full((600, 1200, 3), PAPER_BGR, np.uint8), "中国地质科学院", (800, 300), dpi=SCAN_DPI)
    cv2.putText(box, "2020 11 16", (60, 500), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (30, 30, 30), 5)
    image = _opened(crop_png(box, SCAN_DPI, CROP_DPI))
    assert image.mode == "P"
    rgb = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = rgb[:, :, 0], rgb[:, :, 1], rgb[:, :, 2]
    red = (r > 150) & (r - g > 60) & (r - b > 60)
    assert red.sum() > 500  # the seal's ring and name are still red ink
    assert ((r < 90) & (g < 90) & (b < 90)).sum() > 100  # the black date is still there


def test_a_blue_pen_note_keeps_its_colour() -> None:
    cell = _text_cell()
    cv2.line(cell, (100, 560), (1300, 520), (170, 60, 20), 6)  # a 0.5 mm ballpoint line in blue
    image = _opened(crop_png(cell, SCAN_DPI, CROP_DPI))
    assert image.mode == "P"
    rgb = np.asarray(image.convert("RGB")).astype(int)
    assert ((rgb[:, :, 2] - rgb[:, :, 0] > 60) & (rgb[:, :, 2] - rgb[:, :, 1] > 30)).sum() > 50


def test_a_crop_of_a_300_dpi_page_is_at_crop_dpi_and_a_low_dpi_one_is_not_scaled_up() -> None:
    cell = _text_cell(size=(1500, 600))
    image = _opened(crop_png(cell, SCAN_DPI, CROP_DPI))
    assert image.size == (round(1500 * CROP_DPI / SCAN_DPI), round(600 * CROP_DPI / SCAN_DPI))
    low = _opened(crop_png(cell[:300, :500], 100, CROP_DPI))
    assert low.size == (500, 300)


def test_a_long_section_crop_is_small() -> None:
    """A full long-section cell of a colour scan (~12 × 12 cm at 300 dpi) with paper grain."""
    rng = np.random.default_rng(0)
    cell = _text_cell(size=(1400, 1400)).astype(np.int16)
    cell += rng.integers(-6, 7, size=cell.shape, dtype=np.int16)  # paper grain and sensor noise
    png = crop_png(np.clip(cell, 0, 255).astype(np.uint8), SCAN_DPI, CROP_DPI)
    ok, full = cv2.imencode(".png", cv2.resize(np.clip(cell, 0, 255).astype(np.uint8), None, fx=0.4, fy=0.4,
                                              interpolation=cv2.INTER_AREA))
    assert ok and len(png) < len(full) / 3
