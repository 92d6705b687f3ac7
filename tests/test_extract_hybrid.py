"""Hybrid reading: a short field two engines read differently keeps the lower confidence; line splitting."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from extract.lines import split_lines
from extract.ocr import FakeOcrEngine, OcrText
from extract.page import ExtractOptions, read_page
from forms.template import load_template
from ingest.page import Page
from tests.test_grid import _form_page

T = load_template("kczg-2020")


class TwoEngines(FakeOcrEngine):
    """A fake hybrid: page text from the regions, a second engine that reads every cell as ``second``."""

    def __init__(self, regions, second: str, confidence: float = 0.6) -> None:
        super().__init__(regions)
        self.second = second
        self.second_confidence = confidence

    def second_opinion(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = True) -> list[OcrText]:
        return [OcrText(self.second, self.second_confidence) for _ in imgs]


def test_disagreeing_engines_lower_the_confidence():
    img, fake = _form_page({"r0": ("技术名称", "丁霞瑞"), "contact": ("联系人", "丁霞瑞")})
    eng = TwoEngines(fake.regions, second="丁起瑞", confidence=0.6)
    r = read_page(Page(image=img, dpi=150, source=Path("h.png"), number=1), T, ExtractOptions(), engine=eng)
    f = r.fields["contact"]
    assert f.value == "丁霞瑞"  # the leading engine's text stays
    assert f.confidence == 0.6
    assert "丁起瑞" in f.reason


def test_agreeing_engines_keep_the_confidence():
    img, fake = _form_page({"contact": ("联系人", "丁霞瑞")})
    eng = TwoEngines(fake.regions, second="丁霞瑞", confidence=0.6)
    r = read_page(Page(image=img, dpi=150, source=Path("h.png"), number=1), T, ExtractOptions(), engine=eng)
    assert r.fields["contact"].confidence == 0.95 and r.fields["contact"].reason == ""


def test_a_second_engine_reading_nothing_is_no_disagreement():
    """A lone digit that Tesseract's block read drops (a TRL's 7): the leading reading stands, as sure
    as it was; a second engine that reads something else still lowers it."""
    img, fake = _form_page({"r1": ("技术就绪水平量值（参照GB/T 2290-2009测算）", "7"), "contact": ("联系人", "丁霞瑞")})
    r = read_page(Page(image=img, dpi=150, source=Path("h.png"), number=1), T, ExtractOptions(),
                  engine=TwoEngines(fake.regions, second="", confidence=0.0))
    assert r.fields["trl"].value == 7 and r.fields["trl"].status == "read"
    assert r.fields["trl"].confidence == 0.95 and r.fields["contact"].confidence == 0.95
    r = read_page(Page(image=img, dpi=150, source=Path("h.png"), number=1), T, ExtractOptions(),
                  engine=TwoEngines(fake.regions, second="1", confidence=0.6))
    assert r.fields["trl"].confidence == 0.6


def test_split_lines_finds_text_lines_in_a_cell():
    cell = np.full((120, 400), 255, np.uint8)
    cell[10:30, 20:300] = 0  # a hint line
    cell[60:90, 20:40] = 0  # a lone digit
    cell[100, 5] = 0  # a speck
    assert split_lines(cell) == [(10, 30), (60, 90)]
    assert split_lines(np.full((50, 50), 255, np.uint8)) == []


def test_a_box_running_over_a_rule_is_cut_at_the_rule():
    from extract.cells import split_across_rules
    from extract.grid import Cell
    from extract.ocr import OcrBox

    cells = [Cell(0, 0, 1, 1, (0, 0, 200, 100)), Cell(0, 1, 1, 1, (200, 0, 600, 100))]
    # two characters of a label's hint (40 px each) glued to ten characters of the value
    box = OcrBox("字）与国外主流技术相比", (120, 30, 600, 70), 0.9)
    pieces = split_across_rules(box, cells)
    assert [p.text for p in pieces] == ["字）", "与国外主流技术相比"]
    assert pieces[1].bbox[0] == 200
    # a box inside one cell is left alone
    inside = OcrBox("与国外", (220, 30, 340, 70), 0.9)
    assert split_across_rules(inside, cells) == [inside]


def test_a_glyphs_own_white_row_does_not_split_the_line():
    cell = np.full((120, 400), 255, np.uint8)
    cell[40:46, 20:40] = 0  # the bar of a 7
    cell[47:70, 30:36] = 0  # its stem, one white row below
    assert split_lines(cell) == [(40, 70)]


def _brush_seven_cell(em: int) -> np.ndarray:
    """A TRL cell holding a lone UKai 7 printed light where its stem joins the bar (fonts-02 of
    rob seed 208335, 12 pt at 300 dpi): the join is gray, with a pixel of ink every other row."""
    from PIL import Image, ImageDraw

    from samples.fonts import load_font

    img = Image.new("L", (1435, 303), 246)
    ImageDraw.Draw(img).text((30, 120), "7", font=load_font("ukai", em), fill=30)
    a = np.asarray(img).copy()
    rows = np.flatnonzero((a < 128).any(axis=1))
    top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
    for y in range(top + int(0.28 * height), top + int(0.42 * height)):
        xs = np.flatnonzero(a[y] < 128)
        a[y, xs] = 175
        if xs.size and y % 2:
            a[y, xs[len(xs) // 2]] = 60
    return a


@pytest.mark.parametrize("em", [50, 56])
def test_a_glyphs_bar_above_a_stem_that_thins_away_is_not_a_line_of_its_own(em: int) -> None:
    from extract.lines import line_crops, read_cell_lines
    from extract.ocr import get_engine

    cell = _brush_seven_cell(em)
    assert len(line_crops(cell)) == 1  # the bar alone was a line, read as 口 or n before the 7
    assert read_cell_lines(get_engine("hybrid"), cell, "chi_sim").text == "7"


def test_a_short_line_of_text_under_a_line_stays_a_line() -> None:
    from PIL import Image, ImageDraw

    from samples.fonts import load_font

    img = Image.new("L", (1435, 303), 246)
    d = ImageDraw.Draw(img)
    d.text((30, 60), "技术团队依托重点实验室", font=load_font("noto-sans", 44), fill=30)
    d.text((30, 120), "acme", font=load_font("noto-sans", 44), fill=30)  # x-height only, under half as tall
    assert len(split_lines(np.asarray(img))) == 2


def test_line_crops_leave_out_rule_remnants_and_specks():
    from extract.lines import line_crops

    cell = np.full((200, 1400), 255, np.uint8)
    cell[:, 0:4] = 0  # a vertical rule left inside the crop by skew
    cell[80:110, 30:50] = 0  # the digit
    cell[95, 1300:1302] = 0  # paper noise far right on the same row
    (bbox, img), = line_crops(cell)
    x0, y0, x1, y1 = bbox
    assert x0 > 4 and x1 < 200  # cut to the digit's columns, not the cell's
    assert y0 <= 80 and y1 >= 110 and img.shape == (y1 - y0, x1 - x0)
    assert line_crops(np.full((50, 50), 255, np.uint8)) == []


def test_integer_among_noise_only_for_one_digit_and_stray_glyphs():
    from extract.values import integer_among_noise

    assert integer_among_noise("业7") == 7
    assert integer_among_noise("7") is None  # nothing to forgive
    assert integer_among_noise("七级") is None  # a written answer, left to the checks
    assert integer_among_noise("7级") is None
    assert integer_among_noise("10") is None
    assert integer_among_noise("业10") is None
    assert integer_among_noise("7 8") is None
    assert integer_among_noise("7a") is None


def test_trl_with_a_stray_glyph_keeps_the_raw_text_and_lowers_confidence():
    img, fake = _form_page({"r0": ("技术名称", "一种方法"), "r1": ("技术就绪水平量值", "业7")})
    r = read_page(Page(image=img, dpi=150, source=Path("t.png"), number=1), T, ExtractOptions(second_opinion=False), engine=fake)
    f = r.fields["trl"]
    assert (f.value, f.raw) == (7, "业7")
    assert f.confidence == round(0.95 * 0.6, 4) and "业7" in f.reason
    img, fake = _form_page({"r0": ("技术名称", "一种方法"), "r1": ("技术就绪水平量值", "七级")})
    r = read_page(Page(image=img, dpi=150, source=Path("t.png"), number=1), T, ExtractOptions(second_opinion=False), engine=fake)
    assert r.fields["trl"].raw == "七级" and r.fields["trl"].confidence == 0.95  # a written answer stays as read


def test_a_line_no_detected_box_covers_is_found_for_re_reading():
    from extract.lines import uncovered_runs

    cell = np.full((300, 1200), 255, np.uint8)
    cell[40:80, 100:1100] = 0  # line 1, detected
    cell[130:170, 100:900] = 0  # line 2, dropped by detection
    cell[35:260, 0:6] = 0  # a bracket spilling over the rule, running down the cell's edge
    cell[220:223, 600:603] = 0  # a speck
    runs = uncovered_runs(cell, [(95, 35, 1105, 85)])
    assert len(runs) == 1
    x0, y0, x1, y1 = runs[0]
    assert 90 <= x0 <= 100 and 900 <= x1 <= 915 and y0 <= 130 and 170 <= y1 < 200
    assert uncovered_runs(cell, [(95, 35, 1105, 85), (95, 125, 905, 175)]) == []


def test_dropped_line_is_read_and_added_to_the_value():
    class Recognizer(FakeOcrEngine):
        def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
            self.calls.append("cells")
            return [OcrText("第二行", 0.9) for _ in imgs]

    from tests.test_grid import ROWS, X1, XL

    img, fake = _form_page({"r0": ("技术名称", ""), "r2": ("技术团队简介", "")})
    y0, y1 = ROWS[2], ROWS[3]
    h = (y1 - y0) // 6
    for x in range(XL + 20, X1 - 40, 2 * h):  # line 1: glyph-sized blots (a solid bar would be a rule)
        img[y0 + h : y0 + 2 * h, x : x + h] = 0
    for x in range(XL + 20, XL + 300, 2 * h):  # line 2, which the page pass does not report
        img[y0 + 3 * h : y0 + 4 * h, x : x + h] = 0
    regions = dict(fake.regions)
    regions[(XL + 15, y0 + h - 3, X1 - 35, y0 + 2 * h + 3)] = "第一行"
    eng = Recognizer(regions)
    page = Page(image=img, dpi=150, source=Path("t.png"), number=1)
    r = read_page(page, T, ExtractOptions(second_opinion=False), engine=eng)
    assert r.fields["team_intro"].raw == "第一行第二行"
    r = read_page(page, T, ExtractOptions(second_opinion=False, recover_lines=False), engine=Recognizer(regions))
    assert r.fields["team_intro"].raw == "第一行"


def test_email_and_phone_prefer_the_reading_that_validates_or_fits_its_neighbours():
    from extract.values import prefer_second

    email, phone = T.field("email"), T.field("phone")
    assert prefer_second(email, "xie1ei@cags.ac.cn", "xielei@cags.ac.cn")  # 1 among letters: l
    assert not prefer_second(email, "li1985@cas.cn", "lil985@cas.cn")  # 1 among digits stays
    assert prefer_second(email, "xielei cags.ac.cn", "xielei@cags.ac.cn")  # lead does not validate
    assert not prefer_second(email, "xielei@cags.ac.cn", "xieiei@cags.ac.cn")  # both fit: keep the lead
    assert not prefer_second(email, "xielei@cags.ac.cn", "xielei@cags")  # second invalid
    assert prefer_second(phone, "1381234567B", "13812345678")
    assert not prefer_second(phone, "13812345678", "13812345670")  # a real difference, not a look-alike


def test_second_engine_email_replaces_a_lookalike_misread():
    img, fake = _form_page({"r0": ("技术名称", "一种方法"), "r1": ("电子邮箱", "xie1ei@cags.ac.cn")})
    eng = TwoEngines(fake.regions, second="xielei@cags.ac.cn", confidence=0.8)
    r = read_page(Page(image=img, dpi=150, source=Path("e.png"), number=1), T, ExtractOptions(), engine=eng)
    f = r.fields["email"]
    assert (f.raw, f.value, f.confidence) == ("xielei@cags.ac.cn", "xielei@cags.ac.cn", 0.8)
    assert "xie1ei" in f.reason


@pytest.mark.slow
def test_sample_f14_lone_trl_digit_reads_clean_with_the_real_engine():
    # F14 (colour 200 dpi, tinted paper): page detection drops the lone 7; the line re-read
    # once picked up the 7's bar as a glyph of its own ("业7").
    from forms.template import load_template as load
    from ingest import iter_pages

    page = next(iter_pages(Path(__file__).resolve().parent.parent / "samples" / "scans" / "form14.pdf"))
    r = read_page(page, load("kczg-2020"), ExtractOptions(ocr_engine="hybrid", second_opinion=False))
    assert (r.fields["trl"].raw, r.fields["trl"].value) == ("7", 7)
    assert r.fields["email"].value == "xielei@cags.ac.cn"


def _light_thin_seven() -> np.ndarray:
    """A TRL cell as a JPEG scan at quality 30 keeps a thin 10.5 pt 7 printed light: its core
    near 80-100, most of its stroke 130-200 (jpeg-02 of rob seed 486054)."""
    import cv2

    cell = np.full((240, 1400), 252, np.uint8)
    cv2.putText(cell, "7", (14, 140), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 150, 2, cv2.LINE_AA)
    cell[112:116, 18:40] = np.minimum(cell[112:116, 18:40], 95)  # the bar's core
    cell = cv2.GaussianBlur(cell, (3, 3), 0)
    ok, jpg = cv2.imencode(".jpg", cell, [cv2.IMWRITE_JPEG_QUALITY, 30])
    assert ok
    return cv2.imdecode(jpg, cv2.IMREAD_GRAYSCALE)


def test_a_thin_light_digit_is_a_line_of_ink():
    from extract.lines import line_crops, uncovered_runs

    cell = _light_thin_seven()
    assert int((cell < 128).sum()) < 120  # the case: what a fixed cut at mid-gray sees is a few specks
    (bbox, _), = line_crops(cell)
    assert bbox[0] < 20 and bbox[2] < 80 and bbox[1] < 112 and bbox[3] > 140  # the 7 spans rows 112-140
    (run,) = uncovered_runs(cell, [])
    assert run[0] < 20 and run[2] < 80
    # paper alone, or paper with JPEG ringing, has no line
    import cv2

    blank = cv2.imdecode(cv2.imencode(".jpg", np.full((240, 1400), 252, np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 30])[1], cv2.IMREAD_GRAYSCALE)
    assert line_crops(blank) == [] and uncovered_runs(blank, []) == []


def test_a_thin_light_digit_is_read_by_the_real_recogniser():
    from extract.lines import read_cell_lines
    from extract.ocr import get_engine

    assert read_cell_lines(get_engine("rapidocr"), _light_thin_seven(), "chi_sim").text == "7"
