"""Short fields decoded by their syntax (issue 13, kind 4): a phone is digits (one hyphen for a
landline), an e-mail ``local@domain.tld``, a TRL one digit; the readings of poor scans are
repaired where the syntax demands it, with a lower confidence and the repair in ``reason``; a
real one-digit difference stays a difference."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.compare import compare_field
from checks.options import CheckOptions
from extract.page import ExtractOptions, read_page
from extract.syntax import decode, merge_lookalikes
from extract.values import SYNTAX_REPAIR_CONFIDENCE, typed_reading
from forms.industry import load_industry_table
from forms.template import load_template
from ingest.page import Page
from tests.test_extract_hybrid import TwoEngines
from tests.test_grid import _form_page

T = load_template("kczg-2020")
PHONE, EMAIL, TRL = T.field("phone"), T.field("email"), T.field("trl")


@pytest.mark.parametrize(
    ("read", "want"),
    [
        ("19.179714768", "19179714768"),  # a speck read as a dot
        ("191:7971:4768", "19179714768"),
        ("1917971476B", "19179714768"),  # a letter among digits: its digit look-alike
        ("l3812345678", "13812345678"),
        ("010—6234:5678", "010-62345678"),  # the landline's hyphen stays
        ("0571-8869.5890", "0571-88695890"),
    ],
)
def test_a_phone_read_with_scan_marks_is_repaired_to_its_digits(read: str, want: str) -> None:
    f = typed_reading(PHONE, read, 0.9)
    assert (f.value, f.status, f.raw) == (want, "read", read)
    assert f.confidence == round(0.9 * SYNTAX_REPAIR_CONFIDENCE, 4)
    assert f.reason.startswith("repaired to fit a phone") and read in f.reason


def test_a_phone_that_fits_as_read_is_not_touched() -> None:
    f = typed_reading(PHONE, "13812345678", 0.9)
    assert (f.value, f.confidence, f.reason) == ("13812345678", 0.9, "")


def test_a_phone_that_cannot_be_made_to_fit_stays_as_read() -> None:
    f = typed_reading(PHONE, "138.1234.567", 0.9)  # a digit lost: ten digits are no phone
    assert (f.value, f.confidence, f.reason) == ("138.1234.567", 0.9, "")


def test_a_real_one_digit_difference_is_still_a_mismatch() -> None:
    # The paper's last digit is 0, the online record's 8: the repair drops the dots, never the digit.
    f = typed_reading(PHONE, "138.1234.5670", 0.9)
    assert f.value == "13812345670"
    c = compare_field(PHONE, f.value, "13812345678", CheckOptions(), load_industry_table())
    assert not c.equal
    assert compare_field(PHONE, f.value, "13812345670", CheckOptions(), load_industry_table()).equal


@pytest.mark.parametrize(
    ("read", "want"),
    [
        ("1iangfan1984@163.c0m", "liangfan1984@163.com"),  # the example: 1 first before letters, c0m
        ("liangfan1984163.com", "liangfan1984@163.com"),  # @ lost before a known mail domain
        ("liangfan1984.qq.com", "liangfan1984@qq.com"),  # @ read as a dot before one
        ("zhangwei cags.ac.cn", "zhangwei@cags.ac.cn"),  # @ read as a space
        ("zhangwei©cags.ac.cn", "zhangwei@cags.ac.cn"),  # @ read as ©
        ("zhangwei@pku。edu。cn", "zhangwei@pku.edu.cn"),
        ("zh0u.wei@cas.corn", "zhou.wei@cas.com"),  # 0 between letters, rn for m in the TLD
    ],
)
def test_an_email_read_on_a_poor_scan_is_decoded_by_its_syntax(read: str, want: str) -> None:
    f = typed_reading(EMAIL, read, 0.8)
    assert (f.value, f.status) == (want, "read"), f.reason
    assert f.confidence == round(0.8 * SYNTAX_REPAIR_CONFIDENCE, 4)
    assert "repaired" in f.reason


@pytest.mark.parametrize(
    "read",
    ["li1985@cas.cn",  # 1 among digits
     "wang1@qq.com",  # a digit ending a name is common
     "zhang.wei@cas.cn"],
)
def test_an_email_that_fits_is_left_as_read(read: str) -> None:
    f = typed_reading(EMAIL, read, 0.8)
    assert (f.value, f.confidence, f.reason) == (read, 0.8, "")


def test_an_email_with_an_unknown_domain_and_no_at_is_not_guessed() -> None:
    f = typed_reading(EMAIL, "zhangweicags.ac.cn", 0.8)  # where the name ends cannot be told
    assert f.value == "zhangweicags.ac.cn" and f.confidence == 0.8


def test_what_both_engines_agree_on_is_kept() -> None:
    # Both read 1 first: a real 1, not repaired by its neighbours; the TLD still is.
    d = decode("email", ["1iangfan1984@163.c0m", "1iangfan1984@163.com"])
    assert d is not None and d.text == "1iangfan1984@163.com"
    # They differ in a look-alike: the one that fits its neighbours wins, either way round.
    assert merge_lookalikes("xie1ei", "xielei") == ("xielei", ["'1'→'l' at 4 (the other engine's, fits its neighbours)"])
    assert merge_lookalikes("li1985", "lil985") == ("li1985", [])
    assert merge_lookalikes("xielei", "xieiei") is None or merge_lookalikes("xielei", "xieiei") == ("xielei", [])


@pytest.mark.parametrize(("read", "want"), [("7", 7), ("七", 7), ("七级", 7), ("第7级", 7)])
def test_a_trl_that_reads_as_a_number_is_not_repaired(read: str, want: int) -> None:
    f = typed_reading(TRL, read, 0.9)
    assert (f.value, f.confidence, f.reason) == (want, 0.9, "")


def test_a_lone_i_is_a_one_only_when_nothing_else_fits() -> None:
    f = typed_reading(TRL, "I", 0.9)
    assert (f.value, f.status) == (1, "read")
    assert f.confidence == round(0.9 * SYNTAX_REPAIR_CONFIDENCE, 4) and "'I'→'1'" in f.reason
    d = decode("integer", ["I", "7"])  # the other engine reads a number: it wins
    assert d is not None and (d.text, d.source, d.repaired) == ("7", 1, False)
    assert typed_reading(TRL, "业", 0.9).status == "unreadable"


def _read(value_row: tuple[str, str], second: str) -> object:
    img, fake = _form_page({"r0": ("技术名称", "一种方法"), "r1": value_row})
    eng = TwoEngines(fake.regions, second=second, confidence=0.8)
    return read_page(Page(image=img, dpi=150, source=Path("s.png"), number=1), T, ExtractOptions(), engine=eng)


def test_a_trl_read_as_i_takes_the_second_engines_digit() -> None:
    r = _read(("技术就绪水平量值（参照GB/T 2290-2009测算）", "I"), "7")
    f = r.fields["trl"]  # type: ignore[attr-defined]
    assert (f.value, f.status, f.raw) == (7, "read", "7")
    assert f.confidence == 0.8 and "kept tesseract '7'" in f.reason


def test_an_email_both_engines_misread_is_repaired_from_the_one_that_fits_best() -> None:
    r = _read(("电子邮箱", "1iangfan1984163.c0m"), "liangfan1984@163.c0m")
    f = r.fields["email"]  # type: ignore[attr-defined]
    assert f.value == "liangfan1984@163.com"
    assert f.confidence == round(0.8 * SYNTAX_REPAIR_CONFIDENCE, 4)
    assert "c0m" in f.reason and "repaired" in f.reason


def test_an_at_both_engines_lost_stands_where_they_differ() -> None:
    # A 1-bit scan broke the @ up: one engine read c, the other e; both read l as 1 in the unit's label.
    r = _read(("电子邮箱", "hehongyuch1zx.com"), "hehongyueh1zx.com")
    f = r.fields["email"]  # type: ignore[attr-defined]
    assert f.value == "hehongyu@hlzx.com" and "'c' and 'e'" in f.reason
    assert f.confidence == round(0.8 * SYNTAX_REPAIR_CONFIDENCE, 4)
    # Two readings that differ in a look-alike only say nothing about where an @ was.
    assert decode("email", ["hehongyu1zx.com", "hehongyulzx.com"]) is None


def test_a_phone_the_second_engine_reads_whole_is_taken_without_a_repair() -> None:
    r = _read(("联系电话", "19.179714768"), "19179714768")
    f = r.fields["phone"]  # type: ignore[attr-defined]
    assert (f.value, f.raw) == ("19179714768", "19179714768")
    assert f.confidence == 0.8 and "kept tesseract" in f.reason


def test_a_second_engine_reading_only_a_mark_is_no_disagreement() -> None:
    # form07 of the samples: tesseract read the hint's closing bracket alone in the TRL cell, and the
    # disagreement took the 7's confidence to 0
    r = _read(("技术就绪水平量值（参照GB/T 2290-2009测算）", "7"), "）")
    f = r.fields["trl"]  # type: ignore[attr-defined]
    assert (f.value, f.status) == (7, "read")
    assert f.confidence > 0.9 and "only '）'" in f.reason
    r = _read(("技术就绪水平量值（参照GB/T 2290-2009测算）", "7"), "1")  # a digit is an opinion
    assert r.fields["trl"].confidence == 0.8  # type: ignore[attr-defined]


def test_an_at_the_leading_engine_read_as_a_letter_is_taken_from_the_other_and_only_it() -> None:
    # combined-01 of rob seed 140554 (UKai, 200 dpi, JPEG): RapidOCR read the @ as o and every letter right,
    # Tesseract the @ and u, j as w, i: its whole reading was kept, a false MISMATCH on zhowiing.
    r = _read(("电子邮箱", "zhoujingohit.edu.cn"), "zhowiing@hit.edu.cn")
    f = r.fields["email"]  # type: ignore[attr-defined]
    assert f.value == "zhoujing@hit.edu.cn" and "where the other engine read it" in f.reason
    assert f.confidence <= round(0.8 * SYNTAX_REPAIR_CONFIDENCE, 4)
    # The leading reading with its @ stays as read; a second reading of another length lends no @.
    assert decode("email", ["zhoujing@hit.edu.cn", "zhowiing@hit.edu.cn"]).text == "zhoujing@hit.edu.cn"  # type: ignore[union-attr]
    assert decode("email", ["zhoujingohit.edu.cn", "zhoujin@hit.edu.cn"]).text != "zhoujing@hit.edu.cn"  # type: ignore[union-attr]
    # ... and the letters it lends nothing for are still compared: a real change stays a MISMATCH.
    c = compare_field(load_template("kczg-2020").field("email"), f.value, "zhoujin@hit.edu.cn", CheckOptions(),
                      load_industry_table())
    assert not c.equal
