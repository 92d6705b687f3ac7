"""Dates in opinion boxes: parsing (Arabic, Chinese numerals, dotted) and the line finding, with a fake OCR."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extract.marks import parse_date, read_date, remove_red
from extract.marks.dates import (
    chinese_to_int,
    choose_reading,
    has_filling,
    is_date_line,
    needs_reread,
    notice_years,
    parse_month_day,
    readings_agree,
    rule_mask,
    text_lines,
    year_doubt,
)
from extract.reading import DateReading
from samples.fonts import HAND_FONT, load_font
from samples.seal import draw_seal
from samples.spec import SealSpec

DPI = 200
PPM = DPI / 25.4


def mm(v: float) -> int:
    return int(round(v * PPM))


@pytest.mark.parametrize(("text", "iso"), [
    ("2020年11月10日", "2020-11-10"),
    ("二〇二〇年十一月十日", "2020-11-10"),
    ("二〇二〇年十一月五日", "2020-11-05"),
    ("二〇二〇年二月二十九日", "2020-02-29"),
    ("二○二○年九月三十日", "2020-09-30"),
    ("2020.11.10", "2020-11-10"),
    ("2020-11-9", "2020-11-09"),
    ("２０２０年１１月１０日", "2020-11-10"),
    ("2020 年 11 月 8 日", "2020-11-08"),
    ("2020午11月8曰", "2020-11-08"),  # 年 and 日 as OCR engines misread them
    ("【2020年11月9日7", "2020-11-09"),  # stray marks of a seal over the line
    ("20年11月18日", "2020-11-18"),  # only the century printed
    ("二〇二〇年十1月十日", "2020-11-10"),  # 十一 with its 一 read as a digit
    ("二〇二〇年十→月十六日", "2020-11-16"),  # ...as an arrow or a dash (never 十 and a stray mark: October)
    ("二〇二〇年十一月十—日", "2020-11-11"),
    ("：〇2020年11月12白1", "2020-11-12"),  # 日 with a speck on top read 白 (bilevel-02 of rob seed 842594)
    ("二〇二〇年十一月十二白", "2020-11-12"),
    ("2020年11月13】", "2020-11-13"),  # the 日 under the seal's glyph (bilevel-02 of rob seed 777738)
    ("2020年11月13", "2020-11-13"),  # ...or lost: a day no glyph can follow
    ("二〇二〇年十一月十八", "2020-11-18"),
    ("二〇二〇年十一月二十一", "2020-11-21"),
])
def test_dates_parse_to_iso(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["年月日", "二〇二〇年十一月十", "二〇二〇年十一月十白", "2020年11月5白", "2020年11月白", "2020年13月1日", "2020年2月30日", "1899年1月1日", "申报单位公章", "",
                                  # no 日, and the day may go on (1 of 13, 二十 of 二十三) or its 日 read 0
                                  "2020年11月1", "2020年11月2】", "二〇二〇年十一月二十", "2020年11月10", "2020年11月131",
                                  # month and day in two scripts: one of them is no numeral
                                  "2，2020年11月七日", "2020年十一月7日"])
def test_non_dates_do_not_parse(text: str) -> None:
    assert parse_date(text) is None


def test_chinese_numerals() -> None:
    assert [chinese_to_int(s) for s in ("十", "十一", "二十", "二十三", "三十一", "五")] == [10, 11, 20, 23, 31, 5]
    assert chinese_to_int("二〇二〇", year=True) == 2020
    assert chinese_to_int("十十") is None


def test_line_kinds() -> None:
    assert is_date_line("年 月 日") and not has_filling("年 月 日")
    assert has_filling("2O2O年十一月") and not is_date_line("申报单位公章")
    assert not has_filling("年〇月日")  # one stray mark of a seal's ring is not a date


def _printed_box(label: bool = True) -> tuple[Image.Image, ImageDraw.ImageDraw, ImageFont.FreeTypeFont]:
    """A 150 × 60 mm opinion box with its printed promise and (``label``) its 公章 label where the form
    prints it, its drawer and print font."""
    w, h = mm(150), mm(60)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w - 1, h - 1), outline=(0, 0, 0), width=2)
    font = load_font("noto-serif", mm(3.7))
    d.text((mm(6), mm(4)), "本单位承诺以上技术信息真实、可靠、不涉密。", fill=(0, 0, 0), font=font)
    if label:
        d.text((w - mm(50), h - mm(17)), "申报单位公章", fill=(0, 0, 0), font=font)
    return img, d, font


def opinion_box(date_text: str | None, hand: bool = True, seal: bool = False) -> np.ndarray:
    """An opinion box with the 公章 label and a date line (blank when ``date_text`` is None)."""
    img, d, font = _printed_box()
    w, h = img.size
    # 年 月 日 printed with gaps for the pen (12, 7, 7 mm), as the form has them
    for x_mm, label in ((-38, "年"), (-27, "月"), (-16, "日")):
        d.text((w + mm(x_mm), h - mm(9)), label, fill=(0, 0, 0), font=font)
    if date_text:
        y, m, dd = date_text.split("-")
        f = load_font(HAND_FONT, mm(4)) if hand else font
        ink = (32, 38, 92) if hand else (0, 0, 0)
        for x_mm, part in ((-50, y), (-34, m), (-23, dd)):
            d.text((w + mm(x_mm), h - mm(9.4)), part, fill=ink, font=f)
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    if seal:
        bgr = draw_seal(bgr, center=(w - mm(39), h - mm(12)), dpi=DPI, style=SealSpec(unit="中国地质科学院"))
    return bgr


class LineOcr:
    """A fake one-line OCR: answers by the crop's vertical position in the box (the date line or not)."""

    def __init__(self, date_line: str, box_h: int) -> None:
        self.date_line = date_line
        self.box_h = box_h
        self.crops: list[np.ndarray] = []

    def __call__(self, img: np.ndarray) -> tuple[str, float]:
        self.crops.append(img)
        # crops come from the lower 24 mm; the date line is the lowest text line, ~5 mm tall
        return (self.date_line, 0.9) if img.shape[0] < mm(9) and len(self.crops) == 1 else ("申报单位公章", 0.9)


def test_a_written_date_is_found_on_the_lowest_line_and_parsed() -> None:
    box = opinion_box("2020-11-10")
    ocr = LineOcr("2020年11月10日", box.shape[0])
    r = read_date(box, DPI, ocr)
    assert (r.present, r.value, r.status) == (True, "2020-11-10", "read")
    assert r.bbox is not None and r.bbox[1] > box.shape[0] - mm(14) and r.bbox[0] > box.shape[1] // 2
    crop = ocr.crops[0]
    assert mm(2.5) < crop.shape[0] < mm(9) and crop.shape[1] > mm(20)


def test_a_blank_date_is_absent() -> None:
    box = opinion_box(None)
    r = read_date(box, DPI, LineOcr("年月日", box.shape[0]))
    assert r.present is False and r.value is None and r.status == "read"


def test_an_unreadable_date_is_present_with_its_raw_text() -> None:
    box = opinion_box("2020-11-10")
    r = read_date(box, DPI, LineOcr("2O2?年1?月7日", box.shape[0]))
    assert r.present is True and r.value is None and r.status == "unreadable"
    assert r.raw == "2O2?年1?月7日"


def test_a_date_line_that_never_reads_as_one_is_present_but_unread() -> None:
    box = opinion_box("2020-11-10")
    r = read_date(box, DPI, lambda img: ("???", 0.2))
    assert r.present is True and r.status == "unreadable" and "???" in r.raw


def test_the_red_seal_is_removed_before_the_date_line_is_read() -> None:
    box = opinion_box("2020-11-10", seal=True)
    ocr = LineOcr("2020年11月10日", box.shape[0])
    r = read_date(box, DPI, ocr)
    assert r.value == "2020-11-10"
    crop = ocr.crops[0]
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    assert ((hsv[:, :, 1] > 60) & ((hsv[:, :, 0] < 10) | (hsv[:, :, 0] > 156))).mean() < 0.001


def test_date_reading_round_trips() -> None:
    box = opinion_box("2020-11-10")
    r = read_date(box, DPI, LineOcr("2020年11月10日", box.shape[0]))
    assert DateReading.from_dict(r.to_dict()) == r


@pytest.mark.slow
def test_a_handwritten_date_with_real_ocr() -> None:
    from extract.ocr import get_engine, line_reader

    ocr_line = line_reader(get_engine("rapidocr"))
    r = read_date(opinion_box("2020-11-10", hand=True), DPI, ocr_line)
    assert r.value == "2020-11-10", r.raw


@pytest.mark.parametrize(("text", "month_day"), [
    ("二十一月十一日", "--11-11"),  # the year's last 〇 under the seal's text, 二 before 十一月 is its last digit
    ("〇十二月三日", "--12-03"),
    ("年11月5日", "--11-05"),
    ("二〇二〇年十一月十日", "--11-10"),
])
def test_month_and_day_read_without_the_year(text: str, month_day: str) -> None:
    assert parse_month_day(text) == month_day


@pytest.mark.parametrize("text", ["二〇二〇年十三月一日", "十一月十", "二月三十日", "申报单位公章", "年月日"])
def test_no_month_and_day_in_lines_without_them(text: str) -> None:
    assert parse_month_day(text) is None


def test_a_chinese_year_that_lost_its_zeros_is_not_a_two_digit_year() -> None:
    # 二〇二〇 read with both 〇 lost is 二二, never 2022 (a false late date); Arabic 20年 is the century form.
    assert parse_date("二二年十一月十五日") is None
    assert parse_date("二Q二〇年十一月七日") == "2020-11-07"  # a handwritten 〇 read as a letter


def test_a_date_whose_year_does_not_read_keeps_month_and_day() -> None:
    box = opinion_box("2020-11-10")
    r = read_date(box, DPI, LineOcr("二十一月十日", box.shape[0]))
    assert (r.present, r.value, r.status, r.month_day) == (True, None, "unreadable", "--11-10")


def test_print_stacked_over_the_date_is_not_taken_for_a_table_rule() -> None:
    # A seal's star, its text, the 公章 label and the date stacked in one column fill half
    # the date region's height, as a broken rule does; only the box's own edges are rules.
    box = opinion_box("2020-11-10")
    h, w = box.shape[:2]
    x = w - mm(30)
    for top, bottom in ((24, 17), (16.5, 9.5)):  # 14 mm of ink in the column, no straight 12 mm run
        cv2.rectangle(box, (x, h - mm(top)), (x + mm(0.4), h - mm(bottom)), (0, 0, 0), -1)
    ink = 1.0 - cv2.cvtColor(box[h - mm(24):, round(w * 0.35):], cv2.COLOR_BGR2GRAY).astype(np.float32) / 255
    mask = rule_mask(ink, DPI)
    assert mask[:, -mm(1):].all(axis=0).any()  # the box's right edge
    col = x - round(w * 0.35)
    assert not mask[mm(12):mm(20), col - 2:col + 3].any()  # the strokes over the date line are kept


@pytest.mark.parametrize(("axes_mm", "angle"), [((22.5, 15.0), -7.5), ((22.5, 15.0), 0.0), ((20.0, 20.0), 0.0)])
def test_a_seal_ring_across_the_date_is_not_taken_for_a_table_rule(axes_mm: tuple[float, float], angle: float) -> None:
    # the bottom of a 45 x 30 mm oval's ring runs straight within its 1.3 mm line for ~19 mm: taken for a rule,
    # it was whitened with the date's strokes it crossed (combined-02 of rob seed 495224: 十六 read 年二)
    box = opinion_box("2020-11-10")
    h, w = box.shape[:2]
    centre = (w - mm(32), h - mm(6.5) - mm(axes_mm[1]))
    cv2.ellipse(box, centre, (mm(axes_mm[0]), mm(axes_mm[1])), angle, 0, 360, (0, 0, 0), mm(1.3))
    x0 = round(w * 0.35)
    ink = 1.0 - cv2.cvtColor(box[h - mm(24):, x0:], cv2.COLOR_BGR2GRAY).astype(np.float32) / 255
    mask = rule_mask(ink, DPI)
    assert mask[-mm(1):, :].any(axis=0).sum() > 0.9 * mask.shape[1]  # the box's bottom edge is a rule
    bottom = (centre[1] + mm(axes_mm[1]) - (h - mm(24)), centre[0] - x0)
    assert not mask[bottom[0] - mm(1):bottom[0] + mm(1), bottom[1] - mm(3):bottom[1] + mm(3)].any()


def test_a_seal_rings_side_down_to_the_box_edge_is_not_taken_for_a_table_rule() -> None:
    # a ring's side runs straight down across the date line to the box's bottom edge: taken for a rule (by the
    # edge), the 4 of 14 beside it was whitened and read 2 (combined-02 of rob seed 140554, a sure 11-12)
    box = opinion_box("2020-11-14")
    h, w = box.shape[:2]
    side = w - mm(20)
    cv2.circle(box, (side - mm(21), h - mm(4)), mm(21), (0, 0, 0), mm(1.3))
    x0 = round(w * 0.35)
    ink = 1.0 - cv2.cvtColor(box[h - mm(24):, x0:], cv2.COLOR_BGR2GRAY).astype(np.float32) / 255
    mask = rule_mask(ink, DPI)
    assert mask[:, -mm(1):].any(axis=1).sum() > 0.9 * mask.shape[0]  # the box's right edge is a rule
    row = mm(24) - mm(7)  # the date line's middle
    assert not mask[row - mm(1):row + mm(1), side - x0 - mm(3):side - x0 + mm(3)].any()


def test_a_date_the_seal_ring_crosses_is_read_again_without_the_ring() -> None:
    box = opinion_box("2020-11-10", seal=True)
    gray = cv2.cvtColor(cv2.cvtColor(box, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)  # a gray scan: red is gray
    h, w = gray.shape[:2]
    seal_bbox = [w - mm(39) - mm(21), h - mm(12) - mm(21), w - mm(39) + mm(21), min(h, h - mm(12) + mm(21))]
    seen: list[np.ndarray] = []

    def ocr(img: np.ndarray) -> tuple[str, float]:
        seen.append(img)
        # the first pass reads three lines by their ink and three by their print-dark rows (the ring's ink, no
        # rule, makes the bands of the first taller than the second's)
        return ("2020年11月10日", 0.9) if len(seen) > 6 else ("2O2?年1?月", 0.4)

    r = read_date(gray, DPI, ocr, seal_bbox=seal_bbox)
    assert r.value == "2020-11-10" and "seal" in r.reason


def bilevel_box(date_text: str) -> np.ndarray:
    """The opinion box with a date written in Chinese numerals, scanned 1-bit (thin strokes break)."""
    from samples.scan import scan

    out = scan([opinion_box(date_text, hand=False)], mode="bilevel", dpi=DPI, src_dpi=DPI, seed=5)[0]
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)


def test_a_month_read_as_one_glyph_is_read_again_and_the_fuller_reading_wins() -> None:
    # 十一月 on a 1-bit scan: the first reading lost the 十; the enlarged line crop keeps it.
    box = bilevel_box("二〇二〇-十一-十")
    first_h: list[int] = []

    def ocr(img: np.ndarray) -> tuple[str, float]:
        if not first_h and img.shape[0] >= mm(9):  # not the date line
            return "申报单位公章", 0.9
        first_h.append(img.shape[0])
        return ("二〇二〇年十一月十日", 0.8) if img.shape[0] > 1.5 * first_h[0] else ("二〇二〇年1月十日", 0.9)

    r = read_date(box, DPI, ocr)
    assert (r.value, r.raw) == ("2020-11-10", "二〇二〇年十一月十日") and "again" in r.reason


def test_a_one_glyph_month_every_reading_agrees_on_stays_as_read() -> None:
    # Plausibility only chooses between readings: a January date all readings say is January.
    box = bilevel_box("二〇二〇-一-十")
    calls: list[int] = []

    def ocr(img: np.ndarray) -> tuple[str, float]:
        calls.append(img.shape[0])
        return ("二〇二〇年一月十日", 0.9) if img.shape[0] < mm(9) or len(calls) > 1 else ("申报单位公章", 0.9)

    r = read_date(box, DPI, ocr)
    assert r.value == "2020-01-10" and r.raw == "二〇二〇年一月十日"
    assert len(calls) == 3  # the line, then again larger and thicker: nothing invented


@pytest.mark.parametrize(("texts", "best"), [
    (["2020年1月5日", "2020年11月5日"], "2020年11月5日"),
    (["二〇二年十一月四日", "二〇二〇年十一月四日"], "二〇二〇年十一月四日"),
    (["二〇二〇年十一月四日", "二〇二〇年1月四日"], "二〇二〇年十一月四日"),
    (["年月日", "???"], "年月日"),
])
def test_the_fullest_reading_is_chosen(texts: list[str], best: str) -> None:
    assert choose_reading(texts) == best


def test_which_readings_are_read_again() -> None:
    assert needs_reread("2020年1月5日", "2020-01-05") and needs_reread("二〇二〇年一月五日", "2020-01-05")
    assert not needs_reread("2020年11月15日", "2020-11-15") and not needs_reread("2020年10月15日", "2020-10-15")
    assert needs_reread("二〇二年十一月四日", None) and not needs_reread("年月日", None)


@pytest.mark.parametrize("mode", ["gray", "bilevel"])
def test_a_written_date_the_ocr_dropped_is_present_by_its_ink(mode: str) -> None:
    # The line reads as the bare 年 月 日 (the handwriting lost), but ink fills its spaces: written, unread.
    from samples.scan import scan

    out = scan([opinion_box("2020-11-10")], mode=mode, dpi=DPI, src_dpi=DPI, seed=2)[0]
    box = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
    r = read_date(box, DPI, LineOcr("年月日", box.shape[0]))
    assert (r.present, r.value, r.status) == (True, None, "unreadable"), r.reason
    assert "ink" in r.reason


def test_the_ink_of_a_seal_crossing_a_blank_date_line_is_not_a_date() -> None:
    box = opinion_box(None, seal=True)
    gray = cv2.cvtColor(cv2.cvtColor(box, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)  # a gray scan: red is gray
    h, w = gray.shape[:2]
    seal_bbox = [w - mm(39) - mm(21), h - mm(12) - mm(21), w - mm(39) + mm(21), h]
    r = read_date(gray, DPI, lambda img: ("年月日", 0.9) if img.shape[0] < mm(9) else ("申报单位公章", 0.9),
                  seal_bbox=seal_bbox)
    assert r.present is False, r.reason


# ---- a year not to be believed (issue 13, kind 5) ----------------------------------------------
NOTICE = notice_years(2020)  # the kczg-2020 deadline's year ±1


@pytest.mark.parametrize(("text", "doubt"), [
    ("二〇三5年十一月六日", "mixes"),  # a 1-bit scan: the last 〇 read as 5, the 二 as 三
    ("2O2二年11月6日", "mixes"),
    ("2035年11月6日", "outside 2019-2021"),
    ("二〇一〇年十一月六日", "outside 2019-2021"),
    ("12020年1月7日", "stands before the year"),  # bilevel-02 of rob seed 729666: the 1 of 11 moved before the year
])
def test_a_year_in_two_scripts_or_far_from_the_notice_is_doubted(text: str, doubt: str) -> None:
    assert doubt in (year_doubt(text, NOTICE) or "")
    assert needs_reread(text, parse_date(text), NOTICE)


@pytest.mark.parametrize("text", ["二〇二〇年十一月六日", "二O二O年十一月六日", "二0二0年十一月八日", "2020年11月25日", "2021年1月5日",
                                  "2O20年11月6日", "20年11月18日", "2019.12.30",
                                  "12020年11月13日"])  # gray-02 of rob seed 208335: a speck before the year, the month whole
def test_a_year_in_one_script_near_the_notice_is_believed(text: str) -> None:
    assert year_doubt(text, NOTICE) is None


def test_a_believable_year_is_chosen_over_a_doubted_one() -> None:
    assert choose_reading(["二〇三5年十一月六日", "二〇二〇年十一月六日"], NOTICE) == "二〇二〇年十一月六日"
    assert choose_reading(["2035年11月6日", "二〇二〇年十一月六日"], NOTICE) == "二〇二〇年十一月六日"


def _date_line_ocr(first: str, again: str) -> Callable[[np.ndarray], tuple[str, float]]:
    """A fake OCR: the date line (the first line crop under 9 mm) reads ``first``, its enlarged or
    thickened crops read ``again``, every other line the 公章 label."""
    heights: list[int] = []

    def ocr(img: np.ndarray) -> tuple[str, float]:
        if not heights and img.shape[0] >= mm(9):
            return "申报单位公章", 0.9
        heights.append(img.shape[0])
        return (first, 0.9) if len(heights) == 1 else (again, 0.8)

    return ocr


def test_a_misread_year_on_a_1bit_scan_is_unknown_never_a_late_date() -> None:
    box = bilevel_box("二〇二〇-十一-六")
    r = read_date(box, DPI, _date_line_ocr("二〇三5年十一月六日", "二〇三5年十一月六日"), years=NOTICE)
    assert (r.present, r.value, r.status, r.month_day) == (True, None, "unreadable", "--11-06"), r
    assert "mixes" in r.reason and r.raw == "二〇三5年十一月六日"
    # a far-off year all in digits: the same, once the notice's years are known
    r = read_date(box, DPI, _date_line_ocr("2035年11月6日", "2035年11月6日"), years=NOTICE)
    assert (r.value, r.month_day) == (None, "--11-06") and "outside" in r.reason


def test_a_digit_glued_before_the_year_leaves_the_date_unread_never_a_wrong_month() -> None:
    # bilevel-02 of rob seed 729666 (truth 2020-11-07): read '12020年1月7日', it had been a sure 2020-01-07
    box = bilevel_box("二〇二〇-十一-七")
    r = read_date(box, DPI, _date_line_ocr("12020年1月7日", "12020年1月7日"), years=NOTICE)
    assert (r.present, r.value, r.status) == (True, None, "unreadable"), r
    assert "before the year" in r.reason and r.raw == "12020年1月7日"


def test_a_misread_year_read_again_right_is_taken() -> None:
    box = bilevel_box("二〇二〇-十一-六")
    r = read_date(box, DPI, _date_line_ocr("二〇三5年十一月六日", "二〇二〇年十一月六日"), years=NOTICE)
    assert (r.value, r.status, r.raw) == ("2020-11-06", "read", "二〇二〇年十一月六日") and "again" in r.reason


@pytest.mark.parametrize(("written", "line", "iso"), [
    ("2020-11-25", "2020年11月25日", "2020-11-25"),  # late, and plainly so: it stays
    ("2021-1-5", "2021年1月5日", "2021-01-05"),
])
def test_a_real_late_date_near_the_notice_keeps_its_year(written: str, line: str, iso: str) -> None:
    box = opinion_box(written)
    r = read_date(box, DPI, _date_line_ocr(line, line), years=NOTICE)
    assert (r.value, r.status) == (iso, "read")


@pytest.mark.slow
@pytest.mark.parametrize(("written", "iso"), [("2020-11-10", "2020-11-10"), ("2021-1-5", "2021-01-05")])
def test_a_printed_date_read_by_real_ocr_keeps_its_believable_year(written: str, iso: str) -> None:
    from extract.ocr import get_engine, line_reader

    r = read_date(opinion_box(written, hand=False), DPI, line_reader(get_engine("rapidocr")), years=NOTICE)
    assert (r.value, r.status) == (iso, "read"), r


def test_a_month_in_two_scripts_does_not_win_a_second_look() -> None:
    # 2021年1月5日 read again thicker as 1〇月: October is nowhere on the paper
    assert choose_reading(["2021年1月5日", "2021年1〇月5日"], NOTICE) == "2021年1月5日"
    assert choose_reading(["二〇二〇年1月十日", "二〇二〇年十1月十日"], NOTICE) == "二〇二〇年十1月十日"


# ---- 1-bit and low-dpi dates (issue 13, kind 5: rob seed 609848 bilevel-02, dpi_low-02) ------------


@pytest.mark.parametrize(("text", "iso"), [
    ("：，2020年11月18月", "2020-11-18"),  # 日 read as 月 on a 1-bit scan, the cell's edge read as marks
    ("二〇二〇年十一月十八月", "2020-11-18"),
    ("2020年11月25月", "2020-11-25"),  # a late date stays late: only the label was misread
])
def test_the_day_closed_by_a_second_month_label_is_the_day(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize("text", ["11月18月", "2020年11月1月8日", "2020年11月18月日"])
def test_a_second_month_label_is_the_day_only_after_a_year_and_a_month(text: str) -> None:
    assert parse_date(text) is None


def test_a_1bit_date_whose_day_label_reads_as_month_is_read() -> None:
    box = bilevel_box("2020-11-18")
    r = read_date(box, DPI, _date_line_ocr("：，2020年11月18月", "：，2020年11月18月"), years=NOTICE)
    assert (r.present, r.value, r.status) == (True, "2020-11-18", "read"), r


def _red_share(img: np.ndarray) -> float:
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    return float(((hsv[:, :, 1] > 60) & ((hsv[:, :, 0] < 10) | (hsv[:, :, 0] > 156))).mean())


def _seal_over_year_ocr(without_red: str, with_red: str) -> Callable[[np.ndarray], tuple[str, float]]:
    """A fake OCR of a printed date whose year a seal's ring crosses: the line with the red taken out
    reads ``without_red`` (the faint 〇 under the ring went with it), with the red left in ``with_red``;
    every other line is the 公章 label."""
    def ocr(img: np.ndarray) -> tuple[str, float]:
        if img.shape[0] >= mm(9):
            return "申报单位公章", 0.9
        return (with_red, 0.9) if _red_share(img) > 0.001 else (without_red, 0.9)

    return ocr


def _sealed_date_box() -> tuple[np.ndarray, list[int]]:
    box = opinion_box("2020-11-17", hand=False, seal=True)
    h, w = box.shape[:2]
    return box, [w - mm(39) - mm(21), h - mm(12) - mm(21), w - mm(39) + mm(21), h]


def test_a_year_the_seal_removal_took_is_read_with_the_seal_left_in() -> None:
    box, seal_bbox = _sealed_date_box()
    r = read_date(box, DPI, _seal_over_year_ocr("二二〇年十一月十七日", "二〇二〇年十一月十七日"), seal_bbox=seal_bbox, years=NOTICE)
    assert (r.value, r.status) == ("2020-11-17", "read") and "seal's ink left in" in r.reason, r


@pytest.mark.parametrize("with_red", [
    "二〇二〇年十一月十八日",  # the seal's ink changed the day: not the same date, not taken
    "二〇三〇年十一月十七日",  # a year outside the notice's
    "二二〇年十一月十七日",  # no better
])
def test_the_year_through_the_seal_is_taken_only_with_the_same_month_and_day(with_red: str) -> None:
    box, seal_bbox = _sealed_date_box()
    r = read_date(box, DPI, _seal_over_year_ocr("二二〇年十一月十七日", with_red), seal_bbox=seal_bbox, years=NOTICE)
    assert (r.value, r.status, r.month_day) == (None, "unreadable", "--11-17"), r


def test_a_day_read_as_one_glyph_is_read_again_and_the_fuller_reading_wins() -> None:
    # 十八 on a 1-bit scan: the first reading lost the 十 (8 November, not 18).
    box = bilevel_box("二〇二〇-十一-十八")
    r = read_date(box, DPI, _date_line_ocr("二〇二〇年十一月八日", "二〇二〇年十一月十八日"), years=NOTICE)
    assert (r.value, r.raw) == ("2020-11-18", "二〇二〇年十一月十八日") and "again" in r.reason
    # every reading says 八: the 8th it is
    box = bilevel_box("二〇二〇-十一-八")
    r = read_date(box, DPI, _date_line_ocr("二〇二〇年十一月八日", "二〇二〇年十一月八日"), years=NOTICE)
    assert (r.value, r.raw) == ("2020-11-08", "二〇二〇年十一月八日")
    assert needs_reread("2020年11月8日", "2020-11-08") and not needs_reread("2020年11月18日", "2020-11-18")


# ---- a glyph inside a month or day is never dropped (issue 13 kind 5: rob seed 464378 jpeg-01, bilevel-01) ----


@pytest.mark.parametrize("text", [
    "二〇二C年±一月八日",  # jpeg-01: ± where 十 stands; read as 2020-01-08 for 11-08
    "2020年11月小2日",  # bilevel-01: a seal's code digit over the 1 of 13; read as 11-02
    "2020年(1月5日", "2020年1(月5日", "2020年11月1?日", "二〇二〇年十一月±八日",
])
def test_a_glyph_that_is_no_numeral_inside_the_month_or_day_leaves_it_unread(text: str) -> None:
    assert parse_date(text) is None and parse_month_day(text) is None
    assert needs_reread(text, None)


@pytest.mark.parametrize(("text", "iso"), [
    ("2020年(11月10日", "2020-11-10"),  # neither X11 nor 十11 is a month: the mark is not a glyph of it
    ("2020年11月(18日", "2020-11-18"),
    ("二〇二〇年十一月十八日。", "2020-11-18"),  # after 日 and before the year: outside every number
    ("：二〇二〇年十一月十八日", "2020-11-18"),
    ("2020,年11月5日", "2020-11-05"),  # a mark between a whole year and 年
    ("2020年11月5?日", "2020-11-05"),  # no day is 5 and another glyph
])
def test_a_mark_that_no_numeral_could_be_is_not_a_glyph_of_the_number(text: str, iso: str) -> None:
    assert parse_date(text) == iso


def test_a_mark_before_a_year_short_of_its_glyphs_leaves_the_year_unread() -> None:
    # 202,年: a glyph of the year lost to the mark (Arabic 02 would read as 2002)
    assert parse_date("202,年11月5日") is None and parse_month_day("202,年11月5日") == "--11-05"


def line_box(line: str, mode: str | None = None) -> np.ndarray:
    """An opinion box whose date line reads ``line`` exactly (printed, right-aligned under the 公章
    label, as a unit's Word copy fills it); ``mode`` "bilevel" scans it 1-bit."""
    img, d, font = _printed_box()
    w, h = img.size
    d.text((w - mm(8), h - mm(9)), line, fill=(0, 0, 0), font=font, anchor="ra")
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    if mode is None:
        return bgr
    from samples.scan import scan

    return cv2.cvtColor(scan([bgr], mode=mode, dpi=DPI, src_dpi=DPI, seed=3)[0], cv2.COLOR_GRAY2BGR)


@pytest.mark.slow
@pytest.mark.parametrize(("line", "never"), [
    ("二〇二〇年口一月八日", ("2020-01-08", "--01-08")),  # a glyph where 十 stands: never a sure January
    ("2020年11月小2日", ("2020-11-02", "--11-02")),  # a glyph before the day's 2: never a sure 2nd
])
def test_a_date_with_a_glyph_inside_its_month_or_day_is_unread_with_real_ocr(line: str, never: tuple[str, str]) -> None:
    from extract.ocr import get_engine, line_reader

    r = read_date(line_box(line), DPI, line_reader(get_engine("rapidocr")), years=NOTICE)
    assert (r.present, r.value, r.status) == (True, None, "unreadable"), r
    assert r.month_day not in never and r.raw == line  # the raw text kept for the clerk


@pytest.mark.slow
@pytest.mark.parametrize(("line", "iso"), [("二〇二〇年十一月二十三日", "2020-11-23"), ("2020年11月25日", "2020-11-25")])
def test_a_real_late_date_is_read_and_still_date_late(line: str, iso: str) -> None:
    from test_checks_support import reading, record, run

    from extract.ocr import get_engine, line_reader

    r = read_date(line_box(line), DPI, line_reader(get_engine("rapidocr")), years=NOTICE)
    assert (r.value, r.status) == (iso, "read"), r
    result = run([reading(dates={"recommender_opinion": r})], [record()])
    late = [f for f in result.documents["d0001"].findings if f.code == "DATE_LATE"]
    assert [f.paper for f in late] == [iso]


# ---- a re-read that says another number is not taken (issue 13 kind 5: rob seed 464378 bilevel-02) ----


@pytest.mark.parametrize(("first", "again", "agree"), [
    ("二〇二〇年十一月五的", "2020年11月2日", False),  # 五 read again as 2: another date
    ("二〇二〇年十一月五的", "2020年11月5日", True),  # 的 for 日: the same day, its label fixed
    ("二〇二〇年十一月五的", "2020年11月15日", True),  # the 十 the first reading lost
    ("二〇二C年±一月八日", "二〇二〇年十一月八日", True),  # ± was 十
    ("二〇二C年±一月八日", "二〇二〇年一月八日", False),  # the glyph before 一 dropped again
    ("2020年11月小2日", "2020年11月13日", False),
    ("2020年11月6日", "2021年11月6日", False),  # a whole believable year is not changed
    ("二〇三5年十一月六日", "二〇二〇年十一月六日", True),  # a doubted year may be
    ("2020年116月94756日15", "2020年11月7日", True),  # the seal's code digits said no month or day
    ("6946年1月7日", "2026年11月7日", True),  # ...nor a year (1 of 11 lost under the ring)
    # gray-02 of rob seed 828415: a code digit glued to 11 read 14月; painted out with the ring, the 1 went too
    ("2020年14月5日", "2020年4月5日", False),
    ("2020年14月5日", "2020年11月5日", True),
    # combined-02 of rob seed 495224: a gray ring through 十六 read 年二; a label where the day stands says none
    ("二〇二〇年十一月年二日", "二〇二〇年十一月十六日", True),
    ("二〇二〇年十一月年二日", "二〇二〇年十一月二日", True),
    ("二〇二〇年十一月年十二日", "二〇二〇年十一月二日", False),  # still never the first's glyphs with the lead lost
])
def test_a_reread_replaces_the_first_reading_only_where_they_agree(first: str, again: str, agree: bool) -> None:
    assert readings_agree(first, again, NOTICE) is agree


def test_a_reread_that_changes_the_day_is_not_trusted() -> None:
    box = bilevel_box("二〇二〇-十一-五")
    r = read_date(box, DPI, _date_line_ocr("二〇二〇年十一月五的", "2020年11月2日"), years=NOTICE)
    assert (r.present, r.value, r.status) == (True, None, "unreadable"), r
    assert r.month_day != "--11-02" and r.raw == "二〇二〇年十一月五的"
    r = read_date(box, DPI, _date_line_ocr("二〇二〇年十一月五的", "2020年11月5日"), years=NOTICE)
    assert (r.value, r.status) == ("2020-11-05", "read"), r


# ---- the 公章 label glued to the date line under a seal (issue 13 kind 5: rob seed 464378 word-01) ----


def glued_box(hand: bool) -> np.ndarray:
    """A Word copy's opinion box: the 公章 label at single line spacing right above the date line
    (their rows touch: one band of rows), a red seal stamped over both."""
    img, d, font = _printed_box(label=False)
    w, h = img.size
    top = h - mm(6) - mm(3.6) - mm(3.7)
    d.text((w - mm(6), top), "申报单位公章", fill=(0, 0, 0), font=font, anchor="rt")
    d.text((w - mm(6), top + mm(3.6)), "2020年11月6日", fill=(92, 38, 32) if hand else (0, 0, 0),
           font=load_font(HAND_FONT, mm(3.9)) if hand else font, anchor="rt")
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    return draw_seal(bgr, center=(w - mm(30), h - mm(20)), dpi=DPI, style=SealSpec(unit="深圳市联创通信技术有限公司"))


@pytest.mark.slow
@pytest.mark.parametrize("hand", [False, True])
def test_a_date_line_glued_to_the_seal_label_is_read_apart_from_it(hand: bool) -> None:
    from extract.ocr import get_engine, line_reader

    box = glued_box(hand)
    h, w = box.shape[:2]
    region = remove_red(box[h - mm(24):, round(w * 0.35):], DPI)
    ink = 1.0 - cv2.cvtColor(region, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255
    assert max(y1 - y0 for y0, y1 in text_lines(ink, DPI)) > mm(6)  # label and date: one band of rows
    r = read_date(box, DPI, line_reader(get_engine("rapidocr")), years=NOTICE)
    assert (r.value, r.status) == ("2020-11-06", "read"), r


# ---- a label after the date's 日 (issue 13 kind 5: bilevel-02 of rob seed 220061) --------------------


@pytest.mark.parametrize("text", ["2020年11月1日月", "二〇二〇年十一月一日月", "11月1日月", "2020年11月1日年"])
def test_a_label_after_the_day_means_the_labels_were_misread(text: str) -> None:
    # 十一日 / 11日 on a 1-bit scan read as '1日月': the form prints 年 月 日 once each
    assert parse_date(text) is None and parse_month_day(text) is None


def test_a_1bit_day_whose_glyph_read_as_a_label_is_never_a_sure_other_day() -> None:
    box = bilevel_box("2020-11-11")
    r = read_date(box, DPI, _date_line_ocr("2020年11月1日月", "2020年11月1日月"), years=NOTICE)
    assert (r.present, r.value, r.status) == (True, None, "unreadable"), r
    assert r.month_day is None and r.raw == "2020年11月1日月"
    r = read_date(box, DPI, _date_line_ocr("2020年11月1日月", "2020年11月11日"), years=NOTICE)
    assert (r.value, r.status) == ("2020-11-11", "read"), r  # read again larger: the day whole


# ---- a seal's ring over the date in a gray scan (issue 13 kind 5: rob seed 486054 gray-01) ----------


def ring_crossed_box(centre_mm: tuple[float, float], ink: float, pad: tuple[float, float, float] | None = None) -> np.ndarray:
    """A gray scan of a box whose printed date '2020年11月7日' a seal with its 13-digit code on the
    lower arc crosses (the seal's centre ``centre_mm`` in from the box's right and lower edges)."""
    from samples.scan import scan

    img, d, font = _printed_box(label=False)
    w, h = img.size
    d.text((w - mm(8), h - mm(17)), "申报单位公章", fill=(0, 0, 0), font=font, anchor="ra")
    d.text((w - mm(8), h - mm(10)), "2020年11月7日", fill=(0, 0, 0), font=font, anchor="ra")
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    style = SealSpec(unit="北京清源环保科技有限公司", bottom_text="6769405618786", rotation_deg=5.0, ink=ink,
                     **({"ink_bgr": pad} if pad else {}))
    bgr = draw_seal(bgr, center=(w - mm(centre_mm[0]), h - mm(centre_mm[1])), dpi=DPI, style=style, seed=3)
    return cv2.cvtColor(scan([bgr], mode="gray", dpi=DPI, src_dpi=DPI, seed=3)[0], cv2.COLOR_GRAY2BGR)


@pytest.mark.slow
def test_a_one_glyph_month_only_a_reread_saw_where_the_ring_crossed_11_is_not_a_sure_january() -> None:
    from extract.marks import read_seal
    from extract.ocr import get_engine, line_reader

    box = ring_crossed_box((20, 26), ink=0.75)  # the ring line runs through the 11 of 11月
    seal = read_seal(box, DPI, "gray")
    r = read_date(box, DPI, line_reader(get_engine("rapidocr")), seal_bbox=seal.bbox, years=NOTICE)
    assert r.value in (None, "2020-11-07") and r.month_day in (None, "--11-07"), r  # was a sure 2020-01-07


def test_the_seals_own_tone_is_measured_on_its_ring_and_print_darker_than_it_is_kept() -> None:
    # gray-01 of rob seed 486054: the seal's code digits over the date scanned at 138-160, the
    # print's strokes at 50-130: a fixed print level (100) lost the print with the seal
    from extract.marks.dates import PRINT_GRAY, SEAL_TONE_MARGIN, seal_tone

    region = np.full((mm(20), mm(60), 3), 245, np.uint8)
    ring = np.zeros(region.shape[:2], np.uint8)
    cv2.ellipse(ring, (mm(30), -mm(10)), (mm(25), mm(25)), 0, 0, 360, 1, mm(2.5))
    cv2.ellipse(region, (mm(30), -mm(10)), (mm(25), mm(25)), 0, 0, 360, (158, 158, 158), mm(1.2))
    cv2.putText(region, "1867", (mm(24), mm(17)), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (150, 150, 150), 2)  # the code
    cv2.putText(region, "2020", (mm(4), mm(12)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (120, 120, 120), 2)  # light print
    tone = seal_tone(region, ring > 0)
    assert tone is not None and 150 <= tone <= 165
    assert tone - SEAL_TONE_MARGIN > PRINT_GRAY  # a cut of its own, above the fixed print level
    kept = region.min(axis=2) < tone - SEAL_TONE_MARGIN
    assert kept[:, : mm(20)].sum() > 50 and not kept[:, mm(22):].any()  # the print kept, the seal's ink gone
    assert seal_tone(np.full_like(region, 245), ring > 0) is None  # a red seal taken out: nothing to measure


def test_a_one_glyph_day_only_one_reread_saw_is_not_taken() -> None:
    # bilevel-02 of rob seed 220061: 11日 read '1日月' (unread), one re-read '2020年11月1日': a sure 11-01
    box = bilevel_box("2020-11-11")
    first_h: list[int] = []

    def ocr(img: np.ndarray) -> tuple[str, float]:  # the enlarged crop reads '1日', every other the same
        if not first_h and img.shape[0] >= mm(9):
            return "申报单位公章", 0.9
        first_h.append(img.shape[0])
        return ("2020年11月1日", 0.8) if img.shape[0] > 1.5 * first_h[0] else ("2020年11月1日月", 0.9)

    r = read_date(box, DPI, ocr, years=NOTICE)
    assert (r.present, r.value, r.status) == (True, None, "unreadable"), r
    assert "not confirmed" in r.reason


# ---- a date line running on left of the region (issue 13 kind 5: split-02 of rob seed 842594) ----------


def spaced_box(line: str, left_mm: float, pitch_mm: float) -> np.ndarray:
    """The opinion box with its date line printed one glyph every ``pitch_mm`` from ``left_mm``, as a printer
    that spaces 年 月 日 widely sets it."""
    img, d, font = _printed_box()
    h = img.size[1]
    for i, ch in enumerate(line):
        d.text((mm(left_mm + i * pitch_mm), h - mm(9)), ch, fill=(0, 0, 0), font=font)
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


@pytest.mark.slow
def test_a_date_line_begun_left_of_the_region_is_read_whole() -> None:
    from extract.marks.dates import REGION_RIGHT_FRACTION
    from extract.ocr import get_engine, line_reader

    left = 40.0
    assert left < 150 * (1 - REGION_RIGHT_FRACTION)  # the first glyphs stand left of where the region began
    box = spaced_box("二〇二〇年十一月十日", left, 5.9)
    r = read_date(box, DPI, line_reader(get_engine("rapidocr")), years=NOTICE)
    assert (r.value, r.status) == ("2020-11-10", "read"), r
    assert r.bbox is not None and r.bbox[0] <= mm(left + 1)


def test_a_line_that_starts_inside_the_region_keeps_it() -> None:
    from extract.marks.color import ink_map
    from extract.marks.date_lines import line_start

    box = spaced_box("二〇二〇年十一月十日", 80.0, 5.9)
    x0 = mm(150 * 0.35)
    assert line_start(ink_map(box[-mm(24):], DPI), x0, DPI) == x0
    box = spaced_box("二〇二〇年十一月十日", 40.0, 5.9)
    assert mm(39) <= line_start(ink_map(box[-mm(24):], DPI), x0, DPI) <= mm(40.5)


# ---- a date before the notice's own date (issue 13 kind 5: gray-01 of rob seed 726362) ----


def test_a_date_read_before_the_notice_was_issued_is_not_believed() -> None:
    import datetime as dt

    from test_checks_support import reading, record, run

    from extract.marks.boxes import not_before
    from forms.template import load_template

    issued = load_template().issued
    assert issued == dt.date(2020, 10, 28)
    # 十一月 read 十月: a sure 2020-10-07 for 11-07, no finding at all before
    misread = not_before(DateReading(present=True, value="2020-10-07", raw="二0二0年十月七日", confidence=0.9), issued)
    assert (misread.present, misread.value, misread.status, misread.month_day) == (True, None, "unreadable", None)
    assert "2020-10-28" in misread.reason
    result = run([reading(dates={"recommender_opinion": misread})], [record()])
    assert [f.code for f in result.documents["d0001"].findings if f.field == "recommender_opinion"] == ["UNREADABLE"]
    for iso in ("2020-10-28", "2020-11-07", "2020-11-25"):  # on the notice's day or after: as read
        kept = DateReading(present=True, value=iso, raw=iso, confidence=0.9)
        assert not_before(kept, issued) is kept
    assert not_before(DateReading(present=False), issued).present is False  # a blank date stays blank
