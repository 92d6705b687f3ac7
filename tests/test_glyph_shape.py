"""Latin look-alikes settled by the glyph on the scanned line (extract.glyphs), and the lost ``@``
placed by the line's glyph count (extract.syntax): each case drawn here at a poor scan's size."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.glyphs import glyph_columns, settle_by_shape
from extract.reading import FieldReading
from extract.syntax import decode_email
from extract.values import settle_email_by_shape
from forms import load_template
from samples.fonts import available_fonts, load_font

FONTS = available_fonts()
# 10.5 pt at 150 dpi is 22 px of em: the smallest body text the bench draws.
LOW_RES_EM_PX = 22


def line_crop(text: str, font: str, em_px: int = LOW_RES_EM_PX) -> np.ndarray:
    """``text`` drawn in ``font`` in a value cell's inner crop, gray, with a rule along its top edge
    (the cell's border) and a speck of dust."""
    f = load_font(font, em_px)
    w = int(f.getlength(text)) + 4 * em_px
    img = Image.new("L", (w, 3 * em_px), 245)
    d = ImageDraw.Draw(img)
    d.line([(0, 0), (w, 0)], fill=20, width=2)
    d.text((em_px, em_px // 2), text, font=f, fill=25)
    d.point([(w - em_px // 2, 2 * em_px)], fill=60)
    return np.asarray(img)


# Fonts whose Latin glyphs stay whole at 12 pt, 180 dpi (30 px); uming's hairlines break apart there.
WHOLE_AT_30PX = [f for f in FONTS if f != "uming"]
CASES = [("hanxiao1967@yeah.net", "hanxia01967@yeah.net"), ("zhao0815@163.com", "zhaoo815@163.com"),
         ("fucuitao1981@163.com", "fucuita01981@163.com"), ("lixin@163.com", "l1xin@163.com")]


@pytest.mark.parametrize("font", WHOLE_AT_30PX)
@pytest.mark.parametrize(("truth", "read"), CASES)
def test_o_0_and_a_dotted_i_are_told_by_their_glyph(font: str, truth: str, read: str) -> None:
    crop = line_crop(truth, font, 30)
    assert len(glyph_columns(crop)) == len(truth)
    assert settle_by_shape(read, crop)[0] == truth
    assert settle_by_shape(truth, crop) == (truth, [])  # read right: untouched


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("em", [LOW_RES_EM_PX, 30, 42])
@pytest.mark.parametrize(("truth", "read"), CASES)
def test_the_glyphs_never_make_a_reading_wrong(font: str, em: int, truth: str, read: str) -> None:
    # Where glyphs break apart or touch (hairline fonts at 150 dpi) the reading is left as read.
    crop = line_crop(truth, font, em)
    assert settle_by_shape(read, crop)[0] in (truth, read)
    assert settle_by_shape(truth, crop)[0] == truth


def test_a_reading_that_does_not_pair_with_the_glyphs_is_left_alone() -> None:
    crop = line_crop("fucuitao1981@163.com", "noto-sans", 30)
    assert settle_by_shape("fucuita01981Q@163.com", crop) == ("fucuita01981Q@163.com", [])


def test_the_field_takes_the_glyphs_word() -> None:
    fr = FieldReading("email", "fucuita01981@163.com", raw="fucuita01981@163.com", confidence=0.9)
    settle_email_by_shape(load_template("kczg-2020").field("email"), fr, line_crop("fucuitao1981@163.com", "noto-sans", 30))
    assert fr.value == "fucuitao1981@163.com" and "glyph" in fr.reason


def test_an_at_read_as_a_letter_stands_where_the_engines_differ_when_no_glyph_was_lost() -> None:
    read = ["1iuping1972osina.com", "liuping!972esina.com"]  # bilevel scan: @ read as o and as e
    assert decode_email(read, glyphs=20).text == "liuping1972@sina.com"  # type: ignore[union-attr]
    # One glyph more on the line than read: the @ was lost, not misread; it goes before the domain.
    assert decode_email(["zhang3163.com", "zhang5163.com"], glyphs=14).text == "zhang3@163.com"  # type: ignore[union-attr]


def faint_digit_cell(digit: str | None, seed: int = 3) -> np.ndarray:
    """A TRL value cell of a 150 dpi scan resampled to 300 dpi: the digit (10.5 pt Song, 22 px) printed
    light and blurred by the resampling, on textured paper; blank when ``digit`` is None."""
    rng = np.random.default_rng(seed)
    small = Image.new("L", (690, 140), 250)
    if digit:
        ImageDraw.Draw(small).text((12, 55), digit, font=load_font("noto-serif", 22), fill=150)
    img = np.asarray(small.resize((1380, 280), Image.Resampling.BICUBIC)).astype(np.int16)
    img = img + rng.integers(-4, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_a_faint_digit_alone_in_its_cell_is_found_and_a_blank_cell_stays_blank() -> None:
    from extract.lines import line_crops, read_cell_lines
    from extract.ocr import get_engine
    from extract.values import stretch_faint_ink

    cell = faint_digit_cell("7")
    assert line_crops(cell) == []  # the fixed ink level sees nothing: what made TRL FIELD_EMPTY
    assert len(line_crops(stretch_faint_ink(cell))) == 1
    assert read_cell_lines(get_engine("hybrid"), stretch_faint_ink(cell), "chi_sim").text == "7"
    assert line_crops(stretch_faint_ink(faint_digit_cell(None))) == []
