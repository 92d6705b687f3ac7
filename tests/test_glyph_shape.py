"""Latin look-alikes settled by the glyph on the scanned line (extract.glyphs), and the lost ``@``
placed by the line's glyph count (extract.syntax): each case drawn here at a poor scan's size."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from extract.glyphs import glyph_columns, settle_by_shape, shape_reading
from extract.grid import Cell, Grid
from extract.reading import FieldReading, PageReading
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


def glyphs_apart(text: str, font: str, em: int) -> np.ndarray:
    """``text``'s line crop, the test skipped where its glyphs touch (a reading is then left as read)."""
    crop = line_crop(text, font, em)
    if len(glyph_columns(crop)) != len(text):
        pytest.skip(f"{font} at {em} px: glyphs touch, the reading is left as read")
    return crop


def one_cell_page(cell_img: np.ndarray) -> tuple[np.ndarray, Grid, Cell, PageReading]:
    """``cell_img`` as the one value cell of a 300-dpi page: the page, its grid, the cell, a reading."""
    h, w = cell_img.shape
    page = np.full((h + 40, w + 40), 246, np.uint8)
    page[20:20 + h, 20:20 + w] = cell_img
    cell = Cell(0, 0, 1, 1, (18, 18, w + 22, h + 22))
    grid = Grid(xs=[18, w + 22], ys=[18, h + 22], cells=[cell], width=w + 40, height=h + 40)
    reading = PageReading(source="t.png", page=1, kind="first", width=w + 40, height=h + 40, dpi=300, path="ocr")
    return page, grid, cell, reading


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
    # (the line finder's own ink level now follows a faint crop's paper too: 720c0bd)
    assert len(line_crops(stretch_faint_ink(cell))) == 1
    assert read_cell_lines(get_engine("hybrid"), stretch_faint_ink(cell), "chi_sim").text == "7"
    assert line_crops(stretch_faint_ink(faint_digit_cell(None))) == []


# ---- l and 1, and a lost @ (issue 13, kind 4: skew-02 and bilevel-01 of rob seed 609848) ---------------
# The sans faces, whose l is a plain stroke and whose 1 has a flag sloping down from its top.
PLAIN_L_FONTS = [f for f in FONTS if f in ("noto-sans", "wqy-zenhei", "wqy-microhei")]
# The faces whose 1's flag slopes well below its top (a 1 the glyph names); the others' flag is high.
SLOPED_ONE_FONTS = [f for f in FONTS if f in ("wqy-zenhei", "wqy-microhei")]


def bilevel(crop: np.ndarray) -> np.ndarray:
    """The crop as a 1-bit scan has it: ink or paper."""
    return np.where(crop < 128, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("font", PLAIN_L_FONTS)
@pytest.mark.parametrize("scan", [lambda c: c, bilevel])
def test_a_plain_stroke_read_as_1_is_an_l(font: str, scan) -> None:  # type: ignore[no-untyped-def]
    crop = scan(line_crop("lixiaolong@163.com", font, 42))
    assert settle_by_shape("1ixiao1ong@163.com", crop)[0] == "lixiaolong@163.com"
    # a real 1 beside it keeps its flag: the digits of 163 are never made letters
    assert settle_by_shape("lixiaolong@163.com", crop) == ("lixiaolong@163.com", [])


@pytest.mark.parametrize("font", SLOPED_ONE_FONTS)
@pytest.mark.parametrize("em", [30, 42])
def test_a_flagged_1_read_as_l_is_a_1(font: str, em: int) -> None:
    crop = line_crop("xiejie1974@qq.com", font, em)
    assert settle_by_shape("xiejiel974@qq.com", crop)[0] == "xiejie1974@qq.com"


@pytest.mark.parametrize("font", PLAIN_L_FONTS)
@pytest.mark.parametrize("em", [LOW_RES_EM_PX, 30, 42])
def test_a_flag_is_a_1_where_the_lines_i_is_a_plain_stroke(font: str, em: int) -> None:
    # Noto Sans's 1 has its flag at the top, as a serif l's spur is; its i (and so its l) has none
    crop = glyphs_apart("xiejie1974@qq.com", font, em)
    assert settle_by_shape("xiejiel974@qq.com", crop)[0] == "xiejie1974@qq.com"


@pytest.mark.parametrize("font", FONTS)
def test_a_real_l_for_1_difference_is_never_settled_away(font: str) -> None:
    # The paper says xiejiel974 (an l): whatever the engines read, the glyph never makes it a 1.
    crop = line_crop("xiejiel974@qq.com", font, 42)
    assert settle_by_shape("xiejie1974@qq.com", crop)[0] in ("xiejiel974@qq.com", "xiejie1974@qq.com")
    assert settle_by_shape("xiejiel974@qq.com", crop)[0] == "xiejiel974@qq.com"
    if font in PLAIN_L_FONTS:
        assert settle_by_shape("xiejie1974@qq.com", crop)[0] == "xiejiel974@qq.com"


@pytest.mark.parametrize("font", ["uming", "ukai", "noto-serif"])
def test_a_serif_l_and_1_are_left_as_read(font: str) -> None:
    # spur and flag both at the top, feet alike: the glyph does not say, so nothing is guessed
    crop = line_crop("guoxiu14@cags.ac.cn", font, 44)
    assert settle_by_shape("guoxiul4@cags.ac.cn", crop)[0] == "guoxiul4@cags.ac.cn"


# Sizes at which each face's glyphs stay apart (touching glyphs leave a reading as read).
AT_CASES = [(f, em) for f in FONTS for em in (30, 44) if (f, em) != ("uming", 30)]


@pytest.mark.parametrize(("font", "em"), AT_CASES)
def test_an_at_read_as_a_round_letter_is_found_by_its_glyph(font: str, em: int) -> None:
    crop = glyphs_apart("xiaofang@cisri.com.cn", font, em)
    assert settle_by_shape("xiaofangocisri.com.cn", crop)[0] == "xiaofang@cisri.com.cn"


@pytest.mark.parametrize("font", FONTS)
def test_no_glyph_is_made_an_at_where_the_paper_has_none(font: str) -> None:
    for text in ("xiaofangocisri.com.cn", "wangdong.com.cn", "cocoa.ac.cn"):
        assert settle_by_shape(text, line_crop(text, font, 44)) == (text, [])


def test_a_scanned_address_without_its_at_is_unreadable_not_another_address() -> None:
    email = load_template("kczg-2020").field("email")
    # the paper has an o where the @ should be (or the glyph cannot be found): no verdict on the address
    fr = FieldReading("email", "xiaofangocisri.com.cn", raw="xiaofangocisri.com.cn", confidence=0.9)
    settle_email_by_shape(email, fr, line_crop("xiaofangocisri.com.cn", "noto-sans", 30))
    assert (fr.value, fr.status) == (None, "unreadable") and "one '@'" in fr.reason
    # the glyph is an @: the address, read
    fr = FieldReading("email", "xiaofangocisri.com.cn", raw="xiaofangocisri.com.cn", confidence=0.9)
    settle_email_by_shape(email, fr, line_crop("xiaofang@cisri.com.cn", "noto-sans", 30))
    assert (fr.value, fr.status) == ("xiaofang@cisri.com.cn", "read") and "glyph" in fr.reason
    # an answer in words is no attempt at an address: compared as written
    fr = FieldReading("email", "无", raw="无", confidence=0.9)
    settle_email_by_shape(email, fr, line_crop("无", "noto-sans", 30))
    assert (fr.value, fr.status) == ("无", "read")


def test_an_address_with_a_mark_at_its_end_takes_the_engine_that_read_the_at() -> None:
    # bilevel-01: rapidocr read the @ as o, tesseract read it, and a speck after the address as a comma
    d = decode_email(["xiaofangocisri.com.cn", "xiaofang@cisri.com.cn,"])
    assert d is not None and (d.text, d.source) == ("xiaofang@cisri.com.cn", 1) and "','" in d.repairs[0]


@pytest.mark.slow
@pytest.mark.parametrize("font", PLAIN_L_FONTS)
def test_real_ocr_then_the_glyphs_keep_the_ink_of_l_and_1(font: str) -> None:
    # Tesseract (the second opinion's chi_sim+eng) reads Noto Sans's xiejie1974 as xiejiel974.
    from extract.ocr import get_engine

    eng = get_engine("tesseract")
    email = load_template("kczg-2020").field("email")
    for truth in ("xiejie1974@qq.com", "xiejiel974@qq.com"):  # a real one-letter difference stays one
        crop = line_crop(truth, font, 42)
        read = "".join(eng.read_line(np.dstack([crop] * 3), "chi_sim+eng").text.split())
        fr = FieldReading("email", read, raw=read, confidence=0.9)
        settle_email_by_shape(email, fr, crop)
        assert fr.value == truth, (read, fr.reason)


def faint_digit_under_a_hint(digit: str | None, seed: int = 4) -> np.ndarray:
    """A TRL value cell of a gray scan at 300 dpi: the printed hint dark on its first line, the digit
    (AR PL UMing's hairline 7) light below it, on textured paper; no digit when ``digit`` is None."""
    rng = np.random.default_rng(seed)
    img = Image.new("L", (1455, 172), 246)
    d = ImageDraw.Draw(img)
    d.text((55, 28), "（参照GB/T 2290-2009测算）", font=load_font("uming", 40), fill=60)
    if digit:
        d.text((22, 92), digit, font=load_font("uming", 44), fill=150)
    arr = np.asarray(img.filter(ImageFilter.GaussianBlur(0.7))).astype(np.int16) + rng.integers(-5, 4, (172, 1455))
    return np.clip(arr, 0, 255).astype(np.uint8)


@pytest.mark.slow
def test_a_faint_digit_under_a_dark_hint_is_read_and_a_blank_one_stays_empty() -> None:
    # gray-03 of rob seed 393756: the hint's dark print kept the faint 7 from the stretch (FIELD_EMPTY)
    from extract.labels import template_hints
    from extract.ocr import OcrText, get_engine
    from extract.values import read_text_value

    template = load_template("kczg-2020")
    for digit, want in (("7", 7), (None, None)):
        cell_img = faint_digit_under_a_hint(digit)
        page, grid, cell, reading = one_cell_page(cell_img)
        hint_only = OcrText("（参照GB/T 2290-2009测算）", 0.9)  # what the page's detection read in the cell
        fr = read_text_value(template.field("trl"), hint_only, get_engine("hybrid"), page, grid, cell,
                             template_hints(template), reading)
        assert fr.value == want, (fr.raw, fr.reason)


# seal_shapes-01 of rob seed 464378: Noto Sans's "gw" touched, so the line had a glyph column fewer than
# characters and the o read as 0 after it was left as read. WenQuanYi Micro Hei at 22 px touches there too.
TOUCHING = ("dingwentao1972@yeah.net", "dingwenta01972@yeah.net")


def test_an_o_read_as_0_is_told_by_its_glyph_where_two_other_glyphs_touch() -> None:
    truth, read = TOUCHING
    crop = line_crop(truth, "wqy-microhei", LOW_RES_EM_PX)
    assert len(glyph_columns(crop)) == len(truth) - 1  # two glyphs touch: the counts differ
    shape = shape_reading(read, crop)
    assert shape.text == truth and read.index("0") in shape.decided
    assert shape_reading(truth, crop).text == truth


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("em", [LOW_RES_EM_PX, 26, 30, 36, 42])
@pytest.mark.parametrize("blur", [0.0, 1.0])
def test_touching_glyphs_never_make_a_reading_wrong(font: str, em: int, blur: float) -> None:
    # both ways: the paper has the o (read as 0) and the paper has the 0 (read as o)
    truth, other = TOUCHING
    for paper, read in ((truth, other), (other, truth)):
        crop = line_crop(paper, font, em)
        if blur:
            crop = np.asarray(Image.fromarray(crop).filter(ImageFilter.GaussianBlur(blur)))
        assert shape_reading(read, crop).text in (paper, read)
        assert shape_reading(paper, crop).text == paper


def test_a_look_alike_the_glyph_cannot_tell_is_no_mismatch_but_one_it_tells_is() -> None:
    from checks import CheckOptions
    from checks.compare import compare_field
    from forms import load_industry_table

    email = load_template("kczg-2020").field("email")

    def verdict(drawn: str, font: str, read: str, online: str) -> tuple[bool, dict[str, object]]:
        fr = FieldReading("email", read, raw=read, confidence=0.9)
        settle_email_by_shape(email, fr, line_crop(drawn, font, 44))
        c = compare_field(email, fr.value, online, CheckOptions(), load_industry_table(), glyphs_decided=fr.glyphs_decided)
        return c.equal, c.to_dict()

    # skew-02 of rob seed 609848: AR PL UMing's l and 1 are the same stroke; the glyph leaves it open
    equal, ev = verdict("guoxiu14@cags.ac.cn", "uming", "guoxiul4@cags.ac.cn", "guoxiu14@cags.ac.cn")
    assert equal and ev["lookalikes_the_glyph_left_open"] == [7]
    # Noto Sans's 1 has its flag, its l none: the paper's 1 where the record has l is a real change
    equal, ev = verdict("xiejie1974@qq.com", "noto-sans", "xiejie1974@qq.com", "xiejiel974@qq.com")
    assert not equal and ev["lookalikes_the_glyph_told"] == [7]
    # ... and the same paper against its own record: equal
    assert verdict("xiejie1974@qq.com", "noto-sans", "xiejie1974@qq.com", "xiejie1974@qq.com")[0]
    # a round o the glyph shows as x-height against a record's 0: a change
    equal, ev = verdict("hanxiao1967@yeah.net", "noto-sans", "hanxiao1967@yeah.net", "hanxia01967@yeah.net")
    assert not equal and ev["lookalikes_the_glyph_told"] == [7]


def cell_with_line(text: str, font: str, em: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A page strip holding one value cell (rules all round) with ``text`` a short way in from its left
    rule, as a Word copy prints it; and the cell's inner box."""
    f = load_font(font, em)
    w, h = int(f.getlength(text)) + 12 * em, 3 * em
    img = Image.new("L", (w + 40, h + 40), 246)
    d = ImageDraw.Draw(img)
    d.rectangle([20, 20, 20 + w, 20 + h], outline=30, width=3)
    d.text((20 + em, 20 + em), text, font=f, fill=40)
    return np.asarray(img.filter(ImageFilter.GaussianBlur(0.6))), (28, 28, 12 + w, 12 + h)


@pytest.mark.slow
def test_a_glyph_the_line_box_left_out_is_read_with_the_whole_line() -> None:
    from extract.glyphs import glyph_columns as cols_of
    from extract.grid import crop
    from extract.ocr import OcrBox, OcrText, get_engine
    from extract.values import whole_line

    eng = get_engine("hybrid")
    truth = "lijianxiao@lctx.com.cn"
    gray, inner = cell_with_line(truth, "uming", 42)
    band = crop(gray, inner)
    cols = cols_of(band)
    first, last = cols[0], cols[-1]
    y0, y1 = inner[1], inner[3]
    # word-01 of rob seed 464378: the detector's box began right of the thin l's middle, the line read without it
    cut = OcrText(truth[1:], 0.97, [OcrBox(truth[1:], (inner[0] + (first.x0 + first.x1) // 2 + 2, y0, inner[0] + last.x1 + 8, y1), 0.97)])
    again = whole_line(eng, cut, gray, inner, "chi_sim+eng")
    assert len(again.text) == len(truth) and again.text[1:] == truth[1:]  # the l is back (as l or 1: a look-alike)
    # a box around all of the line's ink is left as it is: nothing read again
    whole = OcrText(truth, 0.97, [OcrBox(truth, (inner[0] + first.x0 - 6, y0, inner[0] + last.x1 + 8, y1), 0.97)])
    assert whole_line(eng, whole, gray, inner, "chi_sim+eng") is whole


@pytest.mark.slow
def test_a_lone_digit_the_page_read_as_a_mark_is_read_again_alone() -> None:
    from extract.labels import template_hints
    from extract.ocr import OcrBox, OcrText, get_engine
    from extract.values import read_text_value

    # fonts-02 of rob seed 65050: WenQuanYi Zen Hei's TRL 7, alone in its cell, read '>' from its page box
    template = load_template("kczg-2020")
    for digit, want in (("7", 7), ("》", None)):  # a real mark stays what it is: no digit made up
        img = Image.new("L", (1300, 240), 247)
        ImageDraw.Draw(img).text((12, 100), digit, font=load_font("wqy-zenhei", 46), fill=40)
        cell_img = np.asarray(img.filter(ImageFilter.GaussianBlur(0.6)))
        page, grid, cell, reading = one_cell_page(cell_img)
        misread = OcrText(">", 0.74, [OcrBox(">", (30, 118, 62, 160), 0.74)])
        fr = read_text_value(template.field("trl"), misread, get_engine("hybrid"), page, grid, cell,
                             template_hints(template), reading)
        assert fr.value == want, (fr.raw, fr.reason)


@pytest.mark.slow
def test_a_digit_the_page_read_as_a_numeral_is_read_again_alone() -> None:
    from checks.rules import integer_of
    from extract.labels import template_hints
    from extract.ocr import OcrBox, OcrText, get_engine
    from extract.values import read_text_value

    # ticks-02 of rob seed 494152: AR PL UMing's TRL 7 read 八 from its page box (a valid number, so it was
    # not read again: a false TRL_INVALID); the cell read alone says 7. A numeral written stays as written.
    template = load_template("kczg-2020")
    for written, page_read, want in (("7", "八", 7), ("七", "七", None), ("八", "八", None)):
        img = Image.new("L", (1300, 240), 247)
        ImageDraw.Draw(img).text((12, 100), written, font=load_font("uming", 46), fill=40)
        cell_img = np.asarray(img.filter(ImageFilter.GaussianBlur(0.6)))
        page, grid, cell, reading = one_cell_page(cell_img)
        misread = OcrText(page_read, 0.75, [OcrBox(page_read, (30, 118, 62, 160), 0.75)])
        fr = read_text_value(template.field("trl"), misread, get_engine("hybrid"), page, grid, cell,
                             template_hints(template), reading)
        assert integer_of(fr)[1] == want, (written, fr.raw, fr.reason)  # what TRL_INVALID judges
        assert want is not None or fr.raw == written
