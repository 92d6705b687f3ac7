"""A long section's quotes as printed: the recogniser reads a CJK face's “ ” as ``"``
(extract.values.curl_quotes), drawn here and read by real RapidOCR."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from extract.values import curl_quotes
from samples.fonts import load_font

LINE = "主要成员曾参与国家“973计划”重大专项，具备承担大型工程"


def test_straight_quotes_in_chinese_text_open_and_close_in_turn() -> None:
    assert curl_quotes('国家"十三五"重大') == "国家“十三五”重大"
    assert curl_quotes('国家“973计划"重大') == "国家“973计划”重大"  # the opening one read right
    assert curl_quotes('专利："一种"（ZL）。专利："二"') == "专利：“一种”（ZL）。专利：“二”"
    assert curl_quotes("say \"hi\" ok") == "say \"hi\" ok"  # no Chinese: as read
    assert curl_quotes(LINE) == LINE


@pytest.mark.slow
@pytest.mark.parametrize("font", ["wqy-zenhei", "noto-sans", "uming"])
def test_a_line_read_with_straight_quotes_gets_its_printed_ones(font: str) -> None:
    from extract.ocr import get_engine

    f = load_font(font, 42)
    img = Image.new("L", (int(f.getlength(LINE)) + 80, 120), 247)
    ImageDraw.Draw(img).text((40, 35), LINE, font=f, fill=35)
    read = get_engine("hybrid").read_line(np.asarray(img.filter(ImageFilter.GaussianBlur(0.6)))).text
    if font == "wqy-zenhei":
        assert '"' in read  # WenQuanYi Zen Hei's “ ” are read as "
    assert curl_quotes(read) == LINE
