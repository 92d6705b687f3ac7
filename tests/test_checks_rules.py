"""Each rule on a clean form changed in one place: the finding, its message and its evidence."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from test_checks_support import LEVEL, VALUES, codes, field_reading, reading, record, run

from checks import CheckOptions, Finding, Reconciliation, RuleContext, rule, rules_for
from checks.rules import _REGISTRY
from extract.reading import AttachmentReading, DateReading, FieldReading, SealReading
from extract.values import typed_reading
from forms import count_words, load_template
from forms.errors import ConfigError


def only(result: Reconciliation, code: str, doc_id: str = "d0001") -> Finding:
    found = [f for f in result.documents[doc_id].findings if f.code == code]
    assert len(found) == 1, [f.to_dict() for f in result.documents[doc_id].findings]
    return found[0]


# -- seals and dates -----------------------------------------------------------


def test_missing_seal_is_seal_missing_with_the_box() -> None:
    seal = SealReading(False, 0.95, page=3, box_bbox=[100, 1800, 2300, 2400], method="colour")
    result = run([reading(seals={"recommender_opinion": seal})], [record()])
    assert codes(result) == [("SEAL_MISSING", "recommender_opinion")]
    f = only(result, "SEAL_MISSING")
    assert re.fullmatch("推荐单位意见栏未检测到公章，请补盖推荐单位公章", f.message)
    assert (f.page, f.bbox, f.confidence) == (3, [100, 1800, 2300, 2400], 0.95)


def test_seal_box_not_found_is_unreadable_not_a_pass() -> None:
    seal = SealReading(False, 0.0, status="unreadable", reason="未找到推荐单位意见栏")
    result = run([reading(seals={"recommender_opinion": seal})], [record()])
    assert codes(result) == [("UNREADABLE", "recommender_opinion")]
    assert only(result, "UNREADABLE").message == "推荐单位意见栏无法判断是否盖章（未找到推荐单位意见栏），请人工核对原件"


def test_a_readers_english_reason_stays_in_the_evidence_not_the_clerks_message() -> None:
    seal = SealReading(False, 0.0, status="unreadable", reason="opinion box 推荐单位意见 not found")
    result = run([reading(seals={"recommender_opinion": seal})], [record()])
    f = only(result, "UNREADABLE")
    assert f.message == "推荐单位意见栏无法判断是否盖章，请人工核对原件"
    assert f.evidence["reason"] == "opinion box 推荐单位意见 not found"


def test_no_seal_reading_at_all_is_unreadable() -> None:
    result = run([reading(seals={"applicant_opinion": None})], [record()])
    assert ("UNREADABLE", "applicant_opinion") in codes(result)


def test_seal_of_another_unit_is_a_mismatch_on_applicant() -> None:
    seal = SealReading(True, 0.98, page=3, bbox=[1, 2, 3, 4], text="北京科技大学", text_confidence=0.7)
    result = run([reading(seals={"applicant_opinion": seal})], [record()])
    f = only(result, "MISMATCH")
    assert f.field == "applicant"
    assert f.message == "申报单位意见栏公章印文「北京科技大学」与线上申报单位「中国地质科学院」不一致，请核实盖章单位"
    assert f.evidence["similarity"] < f.evidence["cutoff"]


def test_seal_ring_read_with_a_glyph_wrong_is_still_the_same_unit() -> None:
    seal = SealReading(True, 0.98, text="中国地质科学阮", text_confidence=0.5)  # 院 read as 阮
    result = run([reading(seals={"applicant_opinion": seal})], [record()])
    assert codes(result) == []


def test_seal_ring_read_in_part_is_matched_to_its_stretch_of_the_name() -> None:
    seal = SealReading(True, 0.98, text="地质科学", text_confidence=0.6)  # the middle of the arc
    assert codes(run([reading(seals={"applicant_opinion": seal})], [record()])) == []


def test_too_little_ring_text_gives_no_verdict() -> None:
    seal = SealReading(True, 0.98, text="大学", text_confidence=0.6)
    assert codes(run([reading(seals={"applicant_opinion": seal})], [record()])) == []


def test_missing_date_is_date_missing() -> None:
    result = run([reading(dates={"applicant_opinion": DateReading(False, None, "年 月 日", 0.9, page=3)})], [record()])
    f = only(result, "DATE_MISSING")
    assert (f.field, f.page) == ("applicant_opinion", 3)
    assert f.message == "申报单位意见栏未填写日期（年 月 日），请补填"


def test_date_after_the_deadline_is_a_late_warning() -> None:
    late = DateReading(True, "2020-11-23", "2020年11月23日", 0.9, page=3)
    result = run([reading(dates={"recommender_opinion": late})], [record()])
    f = only(result, "DATE_LATE")
    assert f.severity == "warning"
    assert f.message == "推荐单位意见栏日期2020-11-23晚于截止日期2020-11-20，请核实"


def test_date_on_the_deadline_is_in_time() -> None:
    on_time = DateReading(True, "2020-11-20", "2020年11月20日", 0.9)
    assert codes(run([reading(dates={"recommender_opinion": on_time})], [record()])) == []


def test_a_date_written_but_not_parsed_is_unreadable_warning() -> None:
    scrawl = DateReading(True, None, "2020年1?月", 0.3)
    result = run([reading(dates={"recommender_opinion": scrawl})], [record()])
    f = only(result, "UNREADABLE")
    assert (f.field, f.severity) == ("recommender_opinion", "warning")


def test_a_date_the_reader_saw_written_but_could_not_read_is_one_warning() -> None:
    scrawl = DateReading(True, None, "二Q二年三一月十日", 0.4, status="unreadable",
                         reason="a date is written but does not read as one")
    result = run([reading(dates={"applicant_opinion": scrawl})], [record()])
    f = only(result, "UNREADABLE")
    assert (f.field, f.severity) == ("applicant_opinion", "warning")
    assert "二Q二年三一月十日" in f.message and "does not" not in f.message
    assert "DATE_MISSING" not in [c for c, _ in codes(result)]


def hidden_year(month_day: str) -> DateReading:
    return DateReading(True, None, "二十一月十一日", 0.4, status="unreadable", reason="month and day read, the year not",
                       month_day=month_day)


def test_a_date_with_its_year_under_the_seal_is_judged_in_the_deadlines_year() -> None:
    # 11-11 in 2020 is in time: no warning to check by hand.
    assert codes(run([reading(dates={"applicant_opinion": hidden_year("--11-11")})], [record()])) == []
    f = only(run([reading(dates={"applicant_opinion": hidden_year("--11-23")})], [record()]), "DATE_LATE")
    assert f.message == "申报单位意见栏日期11月23日（年份被遮挡，按2020年计）晚于截止日期2020-11-20，请核实"
    assert (f.severity, f.evidence["year_assumed"], f.paper) == ("warning", 2020, "--11-23")


def test_a_month_and_day_far_from_the_deadline_stay_unreadable() -> None:
    # January against a November deadline could be next January: not guessed.
    result = run([reading(dates={"applicant_opinion": hidden_year("--01-10")})], [record()])
    assert only(result, "UNREADABLE").severity == "warning"


# -- choices, TRL, industry, empty ---------------------------------------------


def test_no_domain_ticked_is_choice_invalid() -> None:
    result = run([reading(fields={"domain": field_reading("domain", None, chosen=[])})], [record()])
    f = only(result, "CHOICE_INVALID")
    assert f.field == "domain"
    assert f.message == "所属领域未勾选，请在电子信息、生物医药、装备制造、先进材料、资源环境中勾选一项"
    assert codes(result) == [("CHOICE_INVALID", "domain")]  # no MISMATCH on top


def test_two_project_types_ticked_is_choice_invalid() -> None:
    both = field_reading("project_type", None, chosen=["应用研究", "开发研究"])
    result = run([reading(fields={"project_type": both})], [record()])
    assert codes(result) == [("CHOICE_INVALID", "project_type")]
    assert "勾选了2项（应用研究、开发研究），只能勾选一项" in only(result, "CHOICE_INVALID").message


def test_unreadable_domain_is_unreadable_never_a_pass() -> None:
    bad = field_reading("domain", None, chosen=[], status="unreadable", reason="勾选框区域无法定位")
    result = run([reading(fields={"domain": bad})], [record()])
    assert codes(result) == [("UNREADABLE", "domain")]
    assert only(result, "UNREADABLE").message == "所属领域无法识别（勾选框区域无法定位），请人工核对原件"


def test_other_domain_ticked_is_a_mismatch() -> None:
    result = run([reading(domain="先进材料")], [record()])
    assert codes(result) == [("MISMATCH", "domain")]


@pytest.mark.parametrize("raw", ["10", "七级", "0", "6.5"])
def test_trl_outside_1_to_9_or_not_a_number_is_trl_invalid(raw: str) -> None:
    trl = FieldReading("trl", None, raw=raw, confidence=0.9, page=1)
    result = run([reading(fields={"trl": trl})], [record()])
    assert codes(result) == [("TRL_INVALID", "trl")]
    assert only(result, "TRL_INVALID").message == f"技术就绪水平量值「{raw}」无效，应填写1-9的整数（阿拉伯数字）"


def test_blank_trl_is_field_empty_only() -> None:
    result = run([reading(fields={"trl": FieldReading("trl", None, raw="", status="empty")})], [record()])
    assert codes(result) == [("FIELD_EMPTY", "trl")]
    assert only(result, "FIELD_EMPTY").message == "技术就绪水平量值未填写，请补填"


def test_unreadable_trl_is_unreadable() -> None:
    trl = FieldReading("trl", None, raw="", status="unreadable", reason="单元格无法识别")
    assert codes(run([reading(fields={"trl": trl})], [record()])) == [("UNREADABLE", "trl")]


def test_other_trl_is_a_mismatch() -> None:
    result = run([reading(trl=7)], [record()])
    assert codes(result) == [("MISMATCH", "trl")]


@pytest.mark.parametrize("text", ["6513", "I6513", "应用软件开发", "6513 应用软件开发", "应用软件开发（6513）",
                                  "应用软件开髮", "软件开发"])
def test_industry_accepted_by_code_or_name(text: str) -> None:
    result = run([reading(industry=text)], [record(industry=text)])
    assert codes(result) == []


@pytest.mark.parametrize(("text", "says"), [("软件和信息技术服务业", "大类"), ("信息传输、软件和信息技术服务业", "门类"),
                                            ("I65", "大类")])
def test_industry_too_coarse_asks_for_a_finer_class(text: str, says: str) -> None:
    result = run([reading(industry=text)], [record(industry=text)])
    f = only(result, "INDUSTRY_INVALID")
    assert f"是GB/T 4754-2017的{says}" in f.message and "请填写其下的中类或小类" in f.message


def test_industry_that_is_no_class_is_invalid() -> None:
    result = run([reading(industry="人工智能产业")], [record(industry="人工智能产业")])
    f = only(result, "INDUSTRY_INVALID")
    assert f.message == "重点服务行业「人工智能产业」不是GB/T 4754-2017的行业类别，请按中类或小类填写名称或代码"


def test_blank_required_text_is_field_empty() -> None:
    result = run([reading(fields={"awards": field_reading("awards", "")})], [record()])
    assert codes(result) == [("FIELD_EMPTY", "awards")]


def test_label_not_found_is_unreadable() -> None:
    missing = FieldReading("email", None, status="not_found", reason="未找到“电子邮箱”栏")
    result = run([reading(fields={"email": missing})], [record()])
    assert codes(result) == [("UNREADABLE", "email")]


# -- limits --------------------------------------------------------------------


def _over(text: str, n: int) -> str:
    while count_words(text) < n:
        text += "技术指标"
    return text


def test_over_limit_counts_the_online_text_when_the_paper_matches_it() -> None:
    long = _over(LEVEL, 532)[:]
    while count_words(long) > 532:
        long = long[:-1]
    noisy = long.replace("。", ". ", 1).replace("识别", "识 别")  # OCR format noise on paper only
    result = run([reading(tech_level=noisy)], [record(tech_level=long)])
    f = only(result, "OVER_LIMIT")
    assert f.message == "技术水平介绍 532字，超过500字限制（按Word字数规则计），请删减至500字以内"
    assert f.evidence["counted"] == "online"
    assert f.evidence["counts"]["word"] == 532 and f.evidence["counts"]["chars"] >= 532
    assert f.evidence["limit"] == 500


def test_a_500_zi_section_is_not_pushed_over_by_ocr_noise() -> None:
    exact = _over(LEVEL, 500)
    while count_words(exact) > 500:
        exact = exact[:-1]
    noisy = exact.replace("。", "。 x", 1)  # a stray mark read on paper would make 501
    assert count_words(noisy) == 501
    result = run([reading(tech_level=noisy)], [record(tech_level=exact)])
    assert "OVER_LIMIT" not in [c for c, _ in codes(result)]
    counted = result.documents["d0001"].counts["tech_level"]
    assert (counted["chars"], counted["limit"], counted["counted"]) == (500, 500, "online")


def test_over_limit_counts_the_paper_when_it_differs_from_online() -> None:
    paper = _over(LEVEL, 520)
    result = run([reading(tech_level=paper)], [record()])
    f = only(result, "OVER_LIMIT")
    assert f.evidence["counted"] == "paper"
    assert ("MISMATCH", "tech_level") in codes(result)


def test_chars_rule_counts_every_character() -> None:
    text = "GaN" * 120  # 120 字 by Word's rule (one run), 360 characters
    result = run([reading(team_intro=text)], [record(team_intro=text)], count_rule="chars")
    f = only(result, "OVER_LIMIT")
    assert f.message.startswith("技术团队简介 360字，超过300字限制（按字符数规则计）")
    assert f.evidence["counts"] == {"word": 1, "chars": 360}


def test_attachment_over_its_limit() -> None:
    detail = _over("详细材料。", 5003)
    r = reading()
    r.attachments["tech_benefit_detail"] = AttachmentReading("tech_benefit_detail", detail, pages=[4, 5], confidence=0.8)
    result = run([r], [record()])
    f = only(result, "OVER_LIMIT")
    assert (f.field, f.page, f.evidence["limit"], f.evidence["counted"]) == ("tech_benefit_detail", 4, 5000, "paper")


def test_unknown_count_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown count rule 'lines'"):
        CheckOptions(count_rule="lines")


# -- the registry --------------------------------------------------------------


def test_adding_a_rule_is_adding_a_function() -> None:
    @rule("kczg-2020")
    def no_test_units(ctx: RuleContext) -> Iterator[Finding]:
        if "测试" in ctx.text("tech_name"):
            yield ctx.finding("FIELD_EMPTY", "tech_name", "技术名称为测试数据，请填写真实名称")

    try:
        assert no_test_units in rules_for("kczg-2020") and no_test_units not in rules_for("other")
        result = run([reading(tech_name="测试技术")], [record(tech_name="测试技术")])
        assert codes(result) == [("FIELD_EMPTY", "tech_name")]
    finally:
        _REGISTRY["kczg-2020"].remove(no_test_units)


def test_whole_document_unreadable() -> None:
    r = reading()
    r.unreadable = "no form grid found on any page"
    result = run([r], [record()])
    f = only(result, "UNREADABLE")
    assert f.field is None and "no form grid found" in f.message
    assert result.unmatched_records == ["KC2020-0001"]
    assert "另有1份纸质文档无法识别" in result.findings[0].message


def test_every_limited_section_read_is_counted_once_by_the_checks() -> None:
    """results.json reports the checks' counts only: a blank section, one that could not be read and a
    document that could not be read at all are counted as read (never judged), by the same counter."""
    blank = FieldReading("team_intro", "", status="empty")
    garbled = FieldReading("tech_level", "技术 水平GaN", status="unreadable", reason="单元格无法识别")
    result = run([reading(fields={"team_intro": blank, "tech_level": garbled})], [record()])
    counts = result.documents["d0001"].counts
    assert (counts["team_intro"]["chars"], counts["team_intro"]["limit"], counts["team_intro"]["counted"]) == (0, 300, "paper")
    assert (counts["tech_level"]["chars"], counts["tech_level"]["counts"]) == (5, {"word": 5, "chars": 7})
    assert counts["tech_benefit"]["counted"] == "online"  # matched its record: judged on the online text
    whole = reading()
    whole.unreadable = "no form grid found on any page"
    counted = run([whole], [record()]).documents["d0001"].counts
    assert set(counted) >= {"team_intro", "tech_level", "tech_benefit"}
    assert all(c["counted"] == "paper" and c["chars"] > 0 for c in counted.values())


def test_trl_judged_as_written_not_as_the_reader_typed_it() -> None:
    # The reader types 七级 as 7; the form asks for the number itself.
    trl = FieldReading("trl", 7, raw="七级", confidence=0.9, page=1)
    assert codes(run([reading(fields={"trl": trl})], [record()])) == [("TRL_INVALID", "trl")]


@pytest.mark.parametrize(("read", "found"), [
    ("6电装", []),  # augraphy-02 of rob seed 301705: 8电装, the digit read past stray glyphs (a false TRL_INVALID)
    ("业6", []),
    ("6。", []),  # augraphy-03 of rob seed 866851: 7。, a speck beside the digit read as a stop
    ("6.5", [("TRL_INVALID", "trl")]),
    ("I", [("MISMATCH", "trl")]),  # a 1's look-alike repaired: a real 1 against the record's 6
    ("6电装7", [("TRL_INVALID", "trl")]),  # two numbers: extract could not decide, the raw is judged
    ("七级", [("TRL_INVALID", "trl")]),
    ("10", [("TRL_INVALID", "trl")]),
])
def test_trl_judged_as_extract_decided_it(read: str, found: list[tuple[str, str]]) -> None:
    # Extract types the cell's text; the rule judges the answer extract read out of it, the raw only
    # where extract took the text as written.
    trl = typed_reading(load_template("kczg-2020").field("trl"), read, 0.9, page=1)
    assert codes(run([reading(fields={"trl": trl})], [record()])) == found


def test_trl_with_the_printed_hint_still_read() -> None:
    trl = FieldReading("trl", 6, raw="（参照GB/T 2290-2009测算）6", confidence=0.9, page=1)
    assert codes(run([reading(fields={"trl": trl})], [record()])) == []


def test_seal_closer_to_another_unit_of_the_export_is_a_mismatch() -> None:
    # 中国地质大学 shares 中国地质 with the expected 中国地质科学院 (similarity 0.67, above the cut-off),
    # but another record's applicant is exactly that unit.
    seal = SealReading(True, 0.98, text="中国地质大学", text_confidence=0.7)
    other = record("KC-2", tech_name="另一项技术", contact="马丽", phone="13100000000", email="ml@cug.edu.cn",
                   applicant="中国地质大学")
    result = run([reading(seals={"applicant_opinion": seal})], [record(), other])
    f = only(result, "MISMATCH")
    assert f.field == "applicant" and f.evidence["closer_unit"]["unit"] == "中国地质大学"


def test_a_document_with_no_field_found_is_one_unreadable_finding() -> None:
    page = reading(fields={k: FieldReading(k, None, status="not_found", reason=f"label {k} not found")
                           for k in VALUES})
    result = run([page], [record()])
    assert codes(result) == [("UNREADABLE", None)]
    assert result.unmatched_records == ["KC2020-0001"]


def test_a_few_generic_glyphs_of_a_ring_do_not_point_to_another_unit() -> None:
    # 中科技犬 (华中科技大学's ring, partly read, 大 misread) fits 西安电子科技大学 about as well:
    # four glyphs are too few for the closer-unit test, and they fit the online unit above the cut-off.
    seal = SealReading(True, 0.98, text="中科技犬", text_confidence=0.7)
    own = record(applicant="华中科技大学")
    other = record("KC-2", tech_name="另一项技术", contact="马丽", phone="13100000000", email="ml@xidian.edu.cn",
                   applicant="西安电子科技大学")
    assert codes(run([reading(seals={"applicant_opinion": seal})], [own, other])) == []


def test_a_glyph_the_recogniser_doubted_is_a_warning_mismatch_never_a_pass() -> None:
    # The recogniser put the online glyph at the differing place when it read the line again (a filled-in
    # 臭 read 奥 gives 臭 0.015), but a printed 赃 for 脏 gives 脏 as much (0.007-0.36): the paper may
    # really say otherwise, so the clerk is told, as a warning that names the doubted place.
    online = "基于深度学习的岩心图像智能识别技术"
    paper = online.replace("岩", "岸")
    doubted = field_reading("tech_name", paper, glyph_doubts=[[paper.index("岸"), "岩", 0.02]])
    result = run([reading(fields={"tech_name": doubted})], [record(tech_name=online)])
    f = only(result, "MISMATCH")
    assert (f.field, f.severity) == ("tech_name", "warning")
    assert "第8位字符识别存疑" in f.message
    assert f.evidence["glyphs_the_recogniser_doubted"] == [8]
    # Without the recogniser's doubt it is the error it always was.
    plain = run([reading(fields={"tech_name": field_reading("tech_name", paper)})], [record(tech_name=online)])
    assert only(plain, "MISMATCH").severity == "error"
