"""A mark at a line's end that the page detector's box left out, read back with its line
(extract.line_ends): each case drawn here as a long section's line is printed, read by real RapidOCR."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from extract.line_ends import read_line_ends
from extract.ocr import OcrBox, OcrText, get_engine
from samples.fonts import load_font

EM = 42  # 10.5 pt at 300 dpi: the body text of a printed form
LINE = "团队成员结构合理，涵盖软件工程与工程管理等专业方向"


def cell(text: str, mark: str | None, font: str = "noto-sans") -> tuple[np.ndarray, tuple[int, int, int, int], int]:
    """A value cell holding one full line of ``text`` with ``mark`` set hanging at its end, close to the
    cell's right rule as Word sets it; the cell's inner box and the x where the line's last glyph ends."""
    f = load_font(font, EM)
    width = int(f.getlength(text))
    w, h = width + 2 * EM + EM // 2, 3 * EM
    img = Image.new("L", (w + 40, h + 40), 247)
    d = ImageDraw.Draw(img)
    d.rectangle([20, 20, 20 + w, 20 + h], outline=30, width=3)
    x, y = 20 + EM, 20 + EM
    d.text((x, y), text, font=f, fill=35)
    if mark:
        d.text((x + width, y), mark, font=f, fill=35)
    gray = np.asarray(img.filter(ImageFilter.GaussianBlur(0.6)))
    return gray, (28, 28, 12 + w, 12 + h), x + width


def box_read(text: str, x0: int, x1: int) -> OcrText:
    """What the page detector gave: one box from the line's start to ``x1`` and the text read in it."""
    b = OcrBox(text, (x0, 20 + EM - EM // 4, x1, 20 + 2 * EM + EM // 4), 0.99)
    return OcrText(text, 0.99, [b])


@pytest.mark.slow
@pytest.mark.parametrize("font", ["noto-sans", "noto-serif", "uming"])
@pytest.mark.parametrize("mark", ["。", "，"])
def test_a_mark_the_line_box_left_out_is_read_back(font: str, mark: str) -> None:
    eng = get_engine("hybrid")
    gray, inner, last = cell(LINE, mark, font)
    t = box_read(LINE, 20 + EM - 6, last + 1)  # the box ends on the last glyph, before the mark
    assert read_line_ends(eng, t, gray, inner).text == LINE + mark


@pytest.mark.slow
def test_a_line_read_whole_or_with_nothing_past_its_box_is_left_as_read() -> None:
    eng = get_engine("hybrid")
    gray, inner, last = cell(LINE, "。", "noto-sans")
    whole = box_read(LINE + "。", 20 + EM - 6, last + EM // 2 + 6)  # the box took the mark in
    assert read_line_ends(eng, whole, gray, inner) is whole
    gray, inner, last = cell(LINE, None, "noto-sans")
    plain = box_read(LINE, 20 + EM - 6, last + 1)
    assert read_line_ends(eng, plain, gray, inner) is plain
    # a speck of dust past the line's end is no mark
    dusty = gray.copy()
    dusty[20 + 2 * EM - 4: 20 + 2 * EM - 2, last + 10: last + 12] = 60
    assert read_line_ends(eng, plain, dusty, inner) is plain
