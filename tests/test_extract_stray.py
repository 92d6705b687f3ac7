"""Stray marks read as glyphs in a short field (extract.stray): a speck beside a name read as a small
glyph is dropped from the value, a glyph of the value's own size never is. Real OCR (the hybrid engine's
page-level detection) on name cells drawn here in each Debian CJK body font."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.ocr import boxes_to_text, get_engine
from extract.stray import drop_stray_glyphs
from samples.fonts import available_fonts, load_font

# 12 pt at 300 dpi: a name's em on the mail; the speck read as a glyph about half of it, faint.
EM, SPECK_EM, SPECK_INK = 50, 26, 110


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return get_engine("hybrid")


def name_cell(font: str, extra: tuple[str, int, int] | None) -> np.ndarray:
    """胡文 drawn in a value cell in ``font``; ``extra``: another glyph (text, em, ink) right of it, on its line."""
    img = Image.new("L", (520, 130), 246)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, 519, 129], outline=20, width=3)
    d.text((12, 35), "胡文", font=load_font(font, EM), fill=30)
    if extra is not None:
        text, em, ink = extra
        d.text((270, 35 + (EM - em) // 2 + 4), text, font=load_font(font, em), fill=ink)
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_GRAY2BGR)


@pytest.mark.parametrize("font", available_fonts())
def test_a_small_glyph_beside_a_name_is_dropped(engine, font: str) -> None:  # type: ignore[no-untyped-def]
    # augraphy-01 of rob seed 777738: a dirty drum's speck right of 胡文 read 全, and the name read 「全胡文」
    # (a false MISMATCH).
    t = boxes_to_text(engine.read_page(name_cell(font, ("全", SPECK_EM, SPECK_INK))))
    assert len(t.boxes) == 2 and t.text != "胡文"  # the speck is read as a glyph of its own
    assert drop_stray_glyphs(t).text == "胡文"


@pytest.mark.parametrize("font", available_fonts())
def test_a_glyph_of_the_names_size_is_kept(engine, font: str) -> None:  # type: ignore[no-untyped-def]
    t = boxes_to_text(engine.read_page(name_cell(font, ("张", EM, 30))))
    assert len(t.boxes) == 2
    assert drop_stray_glyphs(t).text == t.text and "张" in t.text
