"""The whole-page preview read_page keeps for the review screen: the prepared page, small, as JPEG.

Pages are the synthetic table of tests/test_grid.py (A4 at 150 dpi) read with the fake
OCR engine; the colour page carries a red seal, the gray and 1-bit pages are what those
scanners hand over (BGR with equal channels, 1-bit as 0/255).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from extract.assemble import assemble
from extract.images import PREVIEW_DPI
from extract.ocr import FakeOcrEngine
from extract.page import ExtractOptions, read_page
from extract.preprocess import measure_skew, rotate
from extract.reading import PageReading
from forms.template import load_template
from ingest.page import ColorMode, Page, Word
from tests.test_grid import H, W, _form_page

T = load_template("kczg-2020")
DPI = 150
SKEW_DEG = 2.0  # the scan is tilted; the preview is of the page as read (levelled)
JPEG_MAGIC = b"\xff\xd8\xff"


def _scanned(mode: ColorMode) -> tuple[Page, FakeOcrEngine]:
    img, fake = _form_page({"r0": ("技术名称", "甲"), "contact": ("联系人", "乙")})
    if mode == "color":
        cv2.circle(img, (900, 1300), 120, (40, 40, 220), 8)  # a red seal below the table
    img = rotate(img, SKEW_DEG)
    if mode == "bilevel":
        img = np.where(img < 160, 0, 255).astype(np.uint8)
    page = Page(image=img, dpi=DPI, source=Path(f"{mode}.pdf"), number=1, color_mode=mode)
    return page, fake


def _decoded(preview: bytes) -> np.ndarray:
    assert preview.startswith(JPEG_MAGIC)
    img = cv2.imdecode(np.frombuffer(preview, np.uint8), cv2.IMREAD_UNCHANGED)
    assert img is not None
    return img


@pytest.mark.parametrize("mode", ["color", "gray", "bilevel"])
def test_a_form_page_keeps_a_jpeg_of_the_prepared_page_at_preview_dpi(mode: ColorMode) -> None:
    page, fake = _scanned(mode)
    r = read_page(page, T, ExtractOptions(second_opinion=False), engine=fake)
    assert r.kind == "first"
    img = _decoded(r.preview)
    h, w = img.shape[:2]
    assert abs(w - r.width * PREVIEW_DPI / DPI) <= 1 and abs(h - r.height * PREVIEW_DPI / DPI) <= 1
    assert w / h == pytest.approx(r.width / r.height, rel=0.005)
    assert (img.ndim == 3) == (mode == "color")  # gray and 1-bit scans stay one channel
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    assert abs(measure_skew(gray)) < 0.3 < SKEW_DEG  # levelled, like the boxes and crops
    if mode == "color":
        b, g, red = (float(c.mean()) for c in cv2.split(img[int(h * 0.65):int(h * 0.85), int(w * 0.6):]))
        assert red > b + 3 and red > g + 3  # the seal stays red
    if mode == "bilevel":
        assert int(gray.min()) < 60 and int(gray.max()) > 230  # ink and paper both there: text legible
    assert len(r.preview) < 120_000
    assert PageReading.from_dict(r.to_dict()).preview == r.preview


def test_a_born_digital_page_is_previewed_too() -> None:
    img, _ = _form_page({})
    words = [Word("技术名称", (240, 230, 320, 250)), Word("甲", (430, 230, 450, 250))]
    r = read_page(Page(image=img, dpi=DPI, source=Path("digital.pdf"), number=2, words=words), T, ExtractOptions())
    assert r.path == "text-layer" and r.kind == "first"
    assert _decoded(r.preview).shape[:2] == (round(H * PREVIEW_DPI / DPI), round(W * PREVIEW_DPI / DPI))


def test_blank_pages_and_pages_of_something_else_have_no_preview() -> None:
    blank = read_page(Page(image=np.full((H, W, 3), 255, np.uint8), dpi=DPI, source=Path("b.pdf"), number=1), T,
                      ExtractOptions(), engine=FakeOcrEngine())
    assert blank.kind == "blank" and blank.preview == b""
    other = np.full((H, W, 3), 255, np.uint8)
    for y in range(300, 1500, 60):  # a letter: lines of text, no table
        cv2.putText(other, "a cover letter, line after line", (100, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    letter = read_page(Page(image=other, dpi=DPI, source=Path("b.pdf"), number=2), T, ExtractOptions(),
                       engine=FakeOcrEngine({(100, 270, 400, 310): "致函"}))
    assert letter.kind in ("other", "attachment") and letter.preview == b""


def test_assemble_keeps_each_page_preview_by_its_page_number() -> None:
    page, fake = _scanned("gray")
    r = read_page(page, T, ExtractOptions(second_opinion=False), engine=fake)
    r.page = 3
    form = assemble("d0001", "gray.pdf", [r], T)
    assert form.previews == {3: r.preview} and form.page_sizes[3][:2] == [r.width, r.height]
    assert type(form).from_dict(form.to_dict()).previews == form.previews
