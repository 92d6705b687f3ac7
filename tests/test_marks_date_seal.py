"""Dates under seals with no colour, drawn and read with real OCR (issue 13, kind 5): a 日 the seal hid,
a seal's glyph read as the day, a blank 年 月 日 whose blanks hold only the seal's ink, and a late date
the ring line crosses. Each scene is drawn with the sample generator's seal over a 1-bit scan
(``test_marks_date_ring.code_box``)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_checks_support import reading, record, run
from test_marks_date_ring import DPI, NOTICE, code_box

from extract.marks.dates import read_date
from extract.reading import DateReading
from samples.spec import SealSpec

DEADLINE = dt.date(2020, 11, 20)
OVAL_240 = SealSpec(unit="沈阳新松精工装备有限公司", oval=True, span_deg=240.0)
OVAL_270 = SealSpec(unit="沈阳新松精工装备有限公司", oval=True, span_deg=270.0)
ROUND = SealSpec(unit="沈阳新松精工装备有限公司", diameter_mm=40.0)
CODED = SealSpec(unit="中国水利学会", diameter_mm=40.0, code_font="noto-sans", bottom_text="6514833223602", span_deg=200)


def _read(line: str, seal: SealSpec, dx: float, dy: float) -> DateReading:
    from extract.ocr import get_engine, line_reader

    box, bbox, _, _ = code_box(line, dx, dy, seal)
    return read_date(box, DPI, line_reader(get_engine("hybrid")), seal_bbox=bbox, years=NOTICE, deadline=DEADLINE)


def _codes(date: DateReading) -> list[str]:
    result = run([reading(dates={"recommender_opinion": date})], [record()])
    return [f.code for f in result.documents["d0001"].findings if f.field == "recommender_opinion"]


@pytest.mark.slow
def test_a_day_whose_日_the_seal_hid_is_read() -> None:
    # the oval's 司 over the 日: read '2020年11月13' (bilevel-02 of rob seed 777738: '2020年11月13】'), unread before
    r = _read("2020年11月13日", OVAL_240, -3.0, 5.0)
    assert (r.value, r.status) == ("2020-11-13", "read"), r


@pytest.mark.slow
def test_a_seal_glyph_read_as_the_day_is_never_a_sure_date() -> None:
    # the oval's name glyph over 13 read 七: '2，2020年11月七日', a sure 11-07 before
    r = _read("2020年11月13日", OVAL_270, -5.0, 5.0)
    assert r.present and r.value in (None, "2020-11-13"), r


@pytest.mark.slow
def test_a_blank_date_under_a_coded_seal_is_date_missing() -> None:
    # the code's digits beside the blanks and the OCR's 〇 in them: '〇0年〇〇月.~〇日', an UNREADABLE before
    # (bilevel-02 of rob seed 495224: 「年〇月〇日」)
    r = _read("年　　　月　　　日", CODED, 6.0, 11.0)
    assert not r.present and r.status == "read", r
    assert "nothing written in their blanks" in r.reason
    assert _codes(r) == ["DATE_MISSING"]


@pytest.mark.slow
def test_a_date_written_under_the_same_seal_is_present() -> None:
    r = _read("2020年11月13日", CODED, 6.0, 11.0)
    assert r.present and r.value in (None, "2020-11-13"), r
    assert "DATE_MISSING" not in _codes(r)


@pytest.mark.slow
def test_a_late_date_the_ring_made_is_no_date_late() -> None:
    # the ring line through the 1 of 13 read 23: a sure 11-23, a false DATE_LATE before
    r = _read("2020年11月13日", ROUND, -6.0, 13.5)
    assert r.value in (None, "2020-11-13"), r
    assert "DATE_LATE" not in _codes(r)


@pytest.mark.slow
@pytest.mark.parametrize(("line", "dx", "dy", "iso"), [
    ("2020年11月25日", -8.0, 13.5, "2020-11-25"),  # the ring crosses the line: confirmed without it
    ("二〇二〇年十二月十七日", -8.0, 10.0, "2020-12-17"),
    ("2020年11月25日", -2.0, 10.0, "2020-11-25"),
])
def test_a_real_late_date_under_the_ring_is_still_date_late(line: str, dx: float, dy: float, iso: str) -> None:
    r = _read(line, ROUND, dx, dy)
    assert (r.value, r.status) == (iso, "read"), r
    assert _codes(r) == ["DATE_LATE"]


def test_a_late_dotted_date_the_ring_crosses_is_confirmed_only_by_its_month_and_day() -> None:
    # a reading with no 年 (2020.11.23) is never confirmed by re-reads that have none either
    import numpy as np

    from extract.marks.date_seal import crossed_by_the_ring
    from extract.marks.seal_outline import fit_ring_around

    box, bbox, _, _ = code_box("2020年11月13日", -6.0, 13.5, ROUND)
    first = read_date(box, DPI, lambda img: ("2020.11.23", 0.9), seal_bbox=bbox, years=NOTICE)
    assert first.value == "2020-11-23" and first.bbox is not None
    fitted = fit_ring_around(box, bbox, DPI)

    def says(text: str):  # noqa: ANN202 - a fake one-line OCR
        return lambda img: (text, 0.9) if isinstance(img, np.ndarray) else ("", 0.0)

    assert crossed_by_the_ring(first, box, fitted, DPI, says("---")) is not None  # nothing confirms it: unread
    assert crossed_by_the_ring(first, box, fitted, DPI, says("2020年11月23日")) is None  # the same month and day
