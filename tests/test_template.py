"""The built-in template and its loader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from forms import load_industry_table, load_template, template_names
from forms.errors import TemplateError


def test_builtin_template_has_every_contract_key() -> None:
    t = load_template("kczg-2020")
    assert t.keys == [
        "tech_name", "domain", "industry", "project_type", "trl", "contact", "phone", "address", "email",
        "team_intro", "ip", "awards", "tech_level", "tech_benefit", "applicant_opinion", "recommender_opinion",
    ]  # fmt: skip
    assert [a.key for a in t.attachments] == ["tech_level_detail", "tech_benefit_detail"]
    assert {f.key: f.limit for f in t.limited_fields} == {"team_intro": 300, "tech_level": 500, "tech_benefit": 500}
    assert [a.limit for a in t.attachments] == [10000, 5000]
    assert t.field("domain").choices == ["电子信息", "生物医药", "装备制造", "先进材料", "资源环境"]
    assert t.field("project_type").choices == ["应用研究", "开发研究"]
    assert (t.field("trl").min, t.field("trl").max) == (1, 9)
    assert t.deadline == dt.date(2020, 11, 20)
    assert t.quota_per_unit_per_domain == 2
    assert [f.key for f in t.opinion_fields] == ["applicant_opinion", "recommender_opinion"]
    assert all(f.seal_required and f.date_required for f in t.opinion_fields)
    assert "kczg-2020" in template_names()


def test_online_columns_accept_labels_and_keys() -> None:
    cols = load_template().online_columns()
    assert "技术名称" in cols["tech_name"] and "tech_name" in cols["tech_name"]
    assert "编号" in cols["record_id"] and "推荐单位" in cols["recommender"]
    assert "applicant_opinion" not in cols


def test_unknown_template_is_one_line() -> None:
    with pytest.raises(TemplateError, match=r"unknown form template 'kczg-1999' \(known: .*kczg-2020"):
        load_template("kczg-1999")


def test_invalid_template_names_the_problem(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parent.parent / "forms" / "kczg-2020.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(src.read_text(encoding="utf-8").replace('key = "trl"', 'key = "tech_name"'), encoding="utf-8")
    with pytest.raises(TemplateError, match="duplicate keys: tech_name"):
        load_template(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ", encoding="utf-8")
    with pytest.raises(TemplateError, match="not valid TOML"):
        load_template(broken)


def test_industry_table_levels() -> None:
    table = load_industry_table()
    levels = [c.level for c in table.classes]
    assert (levels.count("门类"), levels.count("大类"), levels.count("中类"), levels.count("小类")) == (20, 97, 473, 1381)
    soft = table.code("6513")
    assert soft is not None and soft.name == "应用软件开发" and soft.valid_answer
    assert table.code("I6513") == soft
    big = table.code("65")
    assert big is not None and not big.valid_answer
    assert table.code("3741") is not None and table.code("3741").level == "小类"  # type: ignore[union-attr]


def test_the_opinion_boxes_printed_text_does_not_mark_a_first_page() -> None:
    from extract.page import classify

    t = load_template()
    last_page = "本单位承诺以上技术信息真实、可靠、不涉密，同意向“科创中国”先导技术榜单推荐。申报单位意见"
    assert classify(t, set(), False, last_page, False, True) != "first"
    assert classify(t, set(), False, "“科创中国”榜单推荐表（先导技术）", True, True) == "first"
