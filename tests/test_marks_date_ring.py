"""A seal's code glyphs told from the date's by geometry where the seal has no colour (issue 13, kind 5:
bilevel-01 of rob seed 594587, the 13-digit code on the lower arc under 十一 read 十二, a false DATE_LATE)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.marks.date_ring import ring_glyph_mask
from extract.marks.dates import read_date
from extract.marks.seal_outline import fit_ring_around
from samples.fonts import load_font
from samples.scan import scan
from samples.seal import draw_seal, seal_bbox, seal_glyphs
from samples.spec import SealSpec

DPI = 300
PPM = DPI / 25.4
NOTICE = (2019, 2021)
SEAL = SealSpec(unit="北京市科学技术协会", diameter_mm=40.0, code_font="noto-sans", bottom_text="1282280327096", span_deg=200)


def mm(v: float) -> int:
    return int(round(v * PPM))


def code_box(line: str, dx_mm: float, dy_mm: float, seal: SealSpec = SEAL) -> tuple[np.ndarray, list[int], np.ndarray, tuple[int, int]]:
    """A 125 × 56 mm opinion box, its date line ``line`` printed right-aligned under the 公章 label and a
    seal with its code on the lower arc stamped ``dx_mm`` right of and ``dy_mm`` above the month's first
    glyph's foot, scanned 1-bit: the box, the seal's bbox, the date line's own ink (drawn alone, in the
    box's pixels) and the seal's centre."""
    w, h = mm(125), mm(56)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w - 1, h - 1), outline=(0, 0, 0), width=3)
    font = load_font("noto-serif", mm(3.7))
    d.text((mm(6), mm(4)), "本单位承诺以上技术信息真实、可靠、不涉密。", fill=(0, 0, 0), font=font)
    d.text((w - mm(36), h - mm(16)), "推荐单位公章", fill=(0, 0, 0), font=font)
    alone = Image.new("L", (w, h), 255)
    left = w - mm(4) - d.textlength(line, font=font)
    for canvas in (d, ImageDraw.Draw(alone)):
        canvas.text((left, h - mm(9)), line, fill=0, font=font)
    month = left + d.textlength(line[:line.index("年") + 1], font=font)
    centre = (int(month + mm(dx_mm)), int(h - mm(5.5) - mm(dy_mm)))
    bgr = draw_seal(cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), center=centre, dpi=DPI, style=seal)
    out = scan([bgr], mode="bilevel", dpi=DPI, src_dpi=DPI, seed=0)[0]
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR), list(seal_bbox(seal, centre, DPI)), np.asarray(alone) < 128, centre


@pytest.mark.parametrize("line", ["二〇二〇年十一月十七日", "2020年11月17日"])
def test_the_codes_glyphs_are_found_and_the_dates_never(line: str) -> None:
    box, bbox, date_ink, centre = code_box(line, 8.0, 13.5)
    seal = ring_glyph_mask(box, fit_ring_around(box, bbox, DPI), DPI)
    assert not (seal & date_ink).any()  # no pixel of the date's glyphs, upright on their line
    digits = [g for g in seal_glyphs(SEAL, DPI) if g.kind == "code"]
    h, w = box.shape[:2]
    inside = [(round(centre[0] + g.x), round(centre[1] + g.y)) for g in digits]
    inside = [(x, y) for x, y in inside if 0 <= x < w and 0 <= y < h]
    near = [seal[y - 4:y + 5, x - 4:x + 5].any() for x, y in inside]
    # the digits standing apart are found; one touching a date glyph stays (never a date's pixel taken)
    assert len(inside) >= 8 and sum(near) >= len(inside) // 2, (len(inside), sum(near))


def test_a_seal_without_a_code_has_no_code_glyphs() -> None:
    plain = SealSpec(unit="北京市科学技术协会")
    box, bbox, date_ink, _ = code_box("二〇二〇年十一月十七日", 8.0, 13.5, plain)
    assert not ring_glyph_mask(box, fit_ring_around(box, bbox, DPI), DPI).any()


@pytest.mark.slow
@pytest.mark.parametrize(("dx", "dy"), [(13.0, 13.75), (13.0, 14.5), (14.0, 13.75)])
def test_a_code_under_the_month_never_makes_a_sure_other_month_with_real_ocr(dx: float, dy: float) -> None:
    # the code's first digits under 十一: read as they stand, 4月, 十月 and 1月 (sure, on the code before)
    from extract.ocr import get_engine, line_reader

    box, bbox, _, _ = code_box("二〇二〇年十一月十六日", dx, dy)
    r = read_date(box, DPI, line_reader(get_engine("hybrid")), seal_bbox=bbox, years=NOTICE)
    assert r.present and r.value in (None, "2020-11-16"), r
    # said why: the code's glyphs, the ring, or a month read in another script than the day (4月十六日)
    assert r.value is not None or any(why in r.reason for why in ("code glyphs", "ring line", "does not read as one"))


def _says(text: str):  # noqa: ANN202 - a fake one-line OCR
    def ocr(img: np.ndarray) -> tuple[str, float]:
        return text, 0.95

    return ocr


@pytest.mark.parametrize(("line", "dy", "iso"), [
    ("2020年1月14日", 13.5, None),  # the ring crosses the line: the 1 of 11 may be under it
    ("2020年1月14日", 30.0, "2020-01-14"),  # the seal above the line: a January date as read
    ("2020年11月14日", 13.5, "2020-11-14"),  # two glyphs: nothing lost under the ring
])
def test_a_one_glyph_month_a_black_ring_crosses_is_not_sure(line: str, dy: float, iso: str | None) -> None:
    # combined-02 of rob seed 208335: the 1 of 11 under an oval's inner ring, read 2020年1月14日 by every crop
    box, bbox, _, _ = code_box(line, 8.0, dy, SealSpec(unit="北京市科学技术协会", diameter_mm=40.0))
    r = read_date(box, DPI, _says(line), seal_bbox=bbox, years=NOTICE)
    assert r.present and r.value == iso, r
    assert iso is not None or "ring line crosses" in r.reason


@pytest.mark.slow
@pytest.mark.parametrize(("line", "iso"), [("2020年12月17日", "2020-12-17"), ("2020年11月25日", "2020-11-25")])
def test_a_real_late_date_over_the_code_is_still_date_late(line: str, iso: str) -> None:
    from test_checks_support import reading, record, run

    from extract.ocr import get_engine, line_reader

    box, bbox, _, _ = code_box(line, 8.0, 13.5)
    seal = ring_glyph_mask(box, fit_ring_around(box, bbox, DPI), DPI)
    h = box.shape[0]
    assert seal[h - mm(12):].any()  # the code's glyphs stand under the date line: the judge reads it again
    r = read_date(box, DPI, line_reader(get_engine("hybrid")), seal_bbox=bbox, years=NOTICE)
    assert (r.value, r.status) == (iso, "read"), r
    result = run([reading(dates={"recommender_opinion": r})], [record()])
    late = [f for f in result.documents["d0001"].findings if f.code == "DATE_LATE"]
    assert [f.paper for f in late] == [iso]
