"""Matching paper to online: one to one, optimal, duplicates, forms and records left over, quota."""

from __future__ import annotations

import json

from test_checks_support import TEMPLATE, codes, reading, record, run

from checks import CheckOptions, Reconciliation
from checks.matching import match

NAME_A = "基于深度学习的岩心图像智能识别技术"
NAME_B = "基于深度学习的岩心图像智能解译技术"  # one word apart: two real technologies of one team


def test_two_forms_with_near_identical_names_each_find_their_record() -> None:
    forms = [reading("d0001", tech_name=NAME_B), reading("d0002", tech_name=NAME_A)]
    records = [record("KC-A", tech_name=NAME_A), record("KC-B", tech_name=NAME_B)]
    result = run(forms, records)
    assert result.documents["d0001"].record_id == "KC-B"
    assert result.documents["d0002"].record_id == "KC-A"
    assert codes(result, "d0001") == [] and codes(result, "d0002") == []


def test_near_identical_name_without_its_record_is_no_online_record_not_a_duplicate() -> None:
    forms = [reading("d0001", tech_name=NAME_A), reading("d0002", tech_name=NAME_B)]
    result = run(forms, [record("KC-A", tech_name=NAME_A)])
    assert result.documents["d0001"].record_id == "KC-A"
    assert codes(result, "d0002") == [("NO_ONLINE_RECORD", None)]
    f = result.documents["d0002"].findings[0]
    assert f.evidence["candidates"][0]["record_id"] == "KC-A"
    assert f.message.startswith(f"纸质推荐表「{NAME_B}」在线上找不到对应记录（最接近的线上记录：KC-A「{NAME_A}」")


def test_assignment_is_optimal_where_greedy_fails() -> None:
    # d0001 fits R1 a little better than R2; d0002 fits only R1. Greedy gives d0001 R1 and
    # leaves d0002 without a record; the optimal assignment gives d0001 R2 and d0002 R1.
    r1 = record("R1", tech_name="高熵合金粉末冶金制备技术", contact="李明", phone="13800001111", email="li@imr.ac.cn")
    r2 = record("R2", tech_name="高熵合金粉末冶金制备技术", contact="李明", phone="13800002222", email="li2@imr.ac.cn")
    d1 = reading("d0001", tech_name="高熵合金粉末冶金制备技术", contact="李明", phone="13800003333", email="li@imr.ac.cn")
    d2 = reading("d0002", tech_name="高熵合金粉末冶金制备技术", contact="李明", phone="13800001111", email="li@imr.ac.cn")
    options = CheckOptions()
    m = match([d1, d2], [r1, r2], TEMPLATE, options)
    assert {d: c.record_id for d, c in m.matched.items()} == {"d0001": "R2", "d0002": "R1"}
    assert m.unmatched == {} and m.duplicates == {}


def test_second_copy_of_a_form_is_duplicate_paper_on_the_later_one() -> None:
    forms = [reading("d0001"), reading("d0002", tech_name="基于深度学习的岩心图像智能识别技术 ")]
    result = run(forms, [record()])
    assert result.documents["d0001"].record_id == "KC2020-0001" and codes(result, "d0001") == []
    assert codes(result, "d0002") == [("DUPLICATE_PAPER", None)]
    f = result.documents["d0002"].findings[0]
    assert f.record_id == "KC2020-0001" and f.evidence["first_document"] == "d0001"
    assert "与文档d0001重复（同一线上记录KC2020-0001）" in f.message


def test_of_two_copies_the_earlier_is_the_original_even_when_read_worse() -> None:
    worse = reading("d0001", contact="王建囯")  # one glyph misread, scores a little lower
    forms = [worse, reading("d0002")]
    result = run(forms, [record()])
    assert result.documents["d0001"].record_id == "KC2020-0001"
    assert [f.code for f in result.documents["d0002"].findings] == ["DUPLICATE_PAPER"]


def test_record_without_paper_is_no_paper() -> None:
    result = run([reading()], [record(), record("KC2020-0077", tech_name="高速光模块测试关键技术", contact="赵磊",
                                                   phone="13911112222", email="zl@bupt.edu.cn")])
    assert result.unmatched_records == ["KC2020-0077"]
    (f,) = result.findings
    assert (f.code, f.record_id) == ("NO_PAPER", "KC2020-0077")
    assert f.message == "线上记录KC2020-0077「高速光模块测试关键技术」（中国地质科学院）未收到纸质推荐表，请联系推荐单位中国地质学会寄送"


def test_form_without_any_record_is_no_online_record() -> None:
    result = run([reading()], [])
    assert codes(result) == [("NO_ONLINE_RECORD", None)]
    assert result.documents["d0001"].record_id is None


def test_a_changed_name_on_a_matched_form_is_a_mismatch_not_a_new_form() -> None:
    result = run([reading(tech_name=NAME_B)], [record(tech_name=NAME_A)])
    assert result.documents["d0001"].record_id == "KC2020-0001"
    assert codes(result) == [("MISMATCH", "tech_name")]
    f = result.documents["d0001"].findings[0]
    assert f.message == f"技术名称纸质与线上不一致：纸质「{NAME_B}」，线上「{NAME_A}」"
    assert f.evidence["edit"]["edits"] == [["解译", "识别"]]


def test_more_than_two_records_of_one_unit_in_one_domain_is_quota_exceeded() -> None:
    recs = [record(f"R{i}", tech_name=f"技术{i}", recommender="中国地质学会") for i in range(3)]
    recs.append(record("R9", tech_name="技术9", recommender="中国地质学会", domain="先进材料"))
    recs.append(record("R8", tech_name="技术8", recommender="中国金属学会"))
    result = run([], recs)
    quota = [f for f in result.findings if f.code == "QUOTA_EXCEEDED"]
    assert len(quota) == 1
    assert (quota[0].record_ids, quota[0].unit, quota[0].domain) == (["R0", "R1", "R2"], "中国地质学会", "资源环境")
    assert quota[0].message.startswith("中国地质学会在资源环境领域推荐了3项（R0、R1、R2），超过每个领域2项的名额")


def test_two_records_of_one_unit_in_one_domain_are_within_quota() -> None:
    result = run([], [record(f"R{i}", tech_name=f"技术{i}") for i in range(2)])
    assert [f.code for f in result.findings] == ["NO_PAPER", "NO_PAPER"]


def test_reconciliation_round_trips_through_json() -> None:
    forms = [reading("d0001", trl=7), reading("d0002"), reading("d0003", tech_name="完全不同的另一项技术", contact="周平",
                                                                phone="13000000000", email="zp@x.cn")]
    recs = [record(), record("KC-2", tech_name="另一项技术", contact="马丽", phone="13100000000", email="ml@y.cn")]
    result = run(forms, recs)
    d = result.to_dict()
    back = Reconciliation.from_dict(json.loads(json.dumps(d, ensure_ascii=False)))
    assert back.to_dict() == d
    assert {f["code"] for doc in d["documents"] for f in doc["findings"]} == {
        "MISMATCH", "DUPLICATE_PAPER", "NO_ONLINE_RECORD"}
    assert [f["code"] for f in d["findings"]] == ["NO_PAPER"]
    assert CheckOptions.from_dict(d["options"]) == CheckOptions()


def test_template_name_is_the_registry_key() -> None:
    assert TEMPLATE.name == "kczg-2020"


def test_a_copy_with_a_glyph_misread_in_its_name_is_still_a_duplicate() -> None:
    forms = [reading("d0001"), reading("d0002", tech_name="基于深度学习的岩心图像智能识别枝术")]
    result = run(forms, [record()])
    assert [f.code for f in result.documents["d0002"].findings] == ["DUPLICATE_PAPER", "MISMATCH"]
