"""A second form is a file: a made-up template (tests/data/variant-form.toml) with other labels and
order, three opinion boxes that need a seal, another 字 limit and an integer scale 1-5, drawn by
the sample generator's painter (samples/variant.py), scanned, and run through the whole pipeline
(``paperdesk run --form PATH``: real OCR, checks, reports) with no code of its own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from docx import Document

from extract import ExtractOptions, read_page
from extract.ocr import FakeOcrEngine
from forms import load_template
from forms.errors import TemplateError
from ingest.page import Page
from paperdesk.cli import main
from reports import validate_results
from reports.model import results_template
from samples import scan
from samples.files import save_tiff
from samples.spec import OpinionSpec, SealSpec
from samples.variant import VariantForm, render_variant

VARIANT = Path(__file__).parent / "data" / "variant-form.toml"
TITLE = "高原冻土区管道沉降智能监测技术"
APPLICANT = "西部能源技术研究院"
AUTHORITY = "青海省科学技术厅"
# 26 字 a sentence (its 。 counts), six of them: 156 字 against the variant's limit of 120.
SUMMARY = "本项目研发面向高原冻土区长输管道的沉降智能监测系统。" * 6
VALUES = {"project_title": TITLE, "maturity": "7", "leader": "赵海峰", "mobile": "13912345678", "summary": SUMMARY}


def _record(record_id: str, title: str, **extra: str) -> dict[str, str]:
    return {"record_id": record_id, "project_title": title, "category": "应用开发", "maturity": "7",
            "leader": "赵海峰", "mobile": "13912345678", "summary": SUMMARY, "applicant": APPLICANT,
            "recommender": AUTHORITY, "submitted_at": "2021-03-10", **extra}


def test_the_variant_template_declares_its_roles() -> None:
    t = load_template(str(VARIANT))
    assert t.name == "variant-youth-2021"
    assert (t.title_field and t.title_field.key, t.quota_field and t.quota_field.key) == ("project_title", "category")
    assert t.match_weights == {"project_title": 0.7, "leader": 0.15, "mobile": 0.15}
    assert t.field("maturity").value_code == "VALUE_INVALID"
    assert [f.key for f in t.opinion_fields if f.seal_required] == ["unit_opinion", "panel_opinion", "authority_opinion"]
    assert (t.seal_box("applicant").key, t.seal_box("recommender").key) == ("unit_opinion", "authority_opinion")


def test_reports_find_a_template_loaded_by_path_through_the_results() -> None:
    loaded = load_template(str(VARIANT))
    assert loaded.source == str(VARIANT.resolve()) and load_template("kczg-2020").source is None
    results = {"batch": {"form": loaded.name, "template_file": loaded.source}, "documents": [], "findings": []}
    template = results_template(results)
    assert template is not None and template.name == "variant-youth-2021"
    assert results_template({"batch": {"form": loaded.name}}) is None  # by name alone it is not built in


def test_a_template_naming_an_unknown_finding_code_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(VARIANT.read_text(encoding="utf-8").replace('max = 5\n', 'max = 5\ninvalid_code = "NO_SUCH_CODE"\n'),
                   encoding="utf-8")
    with pytest.raises(TemplateError, match="invalid_code 'NO_SUCH_CODE' is not a value-check code"):
        load_template(str(bad))


def test_a_last_page_holding_one_box_is_not_blank() -> None:
    # The variant's last page is one opinion box with a few words: less ink than a blank page may
    # carry (0.07 % of the page darker than mid-gray), but a table, so a page of the form.
    template = load_template(str(VARIANT))
    form = VariantForm(values=VALUES, opinions={"authority_opinion": OpinionSpec(None, None)}, seed=3)
    last = scan(render_variant(template, form, 300), mode="color", dpi=200, src_dpi=300, seed=3)[-1]
    reading = read_page(Page(image=last, dpi=200, source=Path("v.tif"), number=2), template,
                        ExtractOptions(second_opinion=False), engine=FakeOcrEngine())
    assert reading.kind == "other"  # the fake reads no label; a real engine makes it a continuation


@pytest.mark.slow
def test_the_whole_pipeline_reads_checks_and_reports_the_variant_form(tmp_path: Path) -> None:
    template = load_template(str(VARIANT))
    form = VariantForm(
        values=VALUES,
        ticks={"category": ["应用开发"]},
        opinions={
            "unit_opinion": OpinionSpec(SealSpec(unit=APPLICANT), dt.date(2021, 3, 12), "printed"),
            "panel_opinion": OpinionSpec(None, dt.date(2021, 3, 20), "printed"),  # the panel forgot its seal
            "authority_opinion": OpinionSpec(SealSpec(unit=AUTHORITY), dt.date(2021, 3, 25), "printed"),
        },
        seed=3,
    )
    pages = scan(render_variant(template, form, 300), mode="color", dpi=200, src_dpi=300, skew_deg=0.6, seed=3)
    scans = tmp_path / "scans"
    save_tiff(scans / "variant.tif", pages, 200)
    export = tmp_path / "online.json"
    # A second record of the same unit in the same category: no paper, and over the quota of 1.
    export.write_text(json.dumps([_record("QN2021-001", TITLE), _record("QN2021-002", "冻土区光纤测温预警技术")],
                                 ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(scans), "--online", str(export), "--out", str(out), "--form", str(VARIANT),
                 "--jobs", "1", "--quiet"])
    assert code == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["batch"]["form"] == "variant-youth-2021"
    assert validate_results(results) == []  # VALUE_INVALID is in the schema: its codes come from the registry
    assert results["batch"]["template_file"] == str(VARIANT.resolve())  # the reports load the template from there
    [doc] = results["documents"]
    assert doc["record_id"] == "QN2021-001" and not doc["unreadable"]
    assert set(doc["fields"]) == set(template.keys)
    assert doc["fields"]["project_title"]["value"] == TITLE
    assert doc["fields"]["maturity"]["value"] == 7
    assert {k: s["present"] for k, s in doc["seals"].items()} == {
        "unit_opinion": True, "panel_opinion": False, "authority_opinion": True}
    found = {(f["code"], f["field"]) for f in doc["findings"]}
    # Each finding the variant's own roles and limits call for, and none of the 2020 form's.
    assert {("VALUE_INVALID", "maturity"), ("OVER_LIMIT", "summary"), ("SEAL_MISSING", "panel_opinion")} <= found
    assert not {c for c, _ in found} & {"TRL_INVALID", "CHOICE_INVALID", "NO_ONLINE_RECORD", "DATE_MISSING"}
    assert not any(f == "project_title" for _, f in found)
    limit = next(f for f in doc["findings"] if f["code"] == "OVER_LIMIT")
    assert limit["evidence"]["limit"] == 120 and limit["evidence"]["count"] == 156
    batch = {(f["code"], f.get("record_id")) for f in results["findings"]}
    assert ("NO_PAPER", "QN2021-002") in batch
    quota = next(f for f in results["findings"] if f["code"] == "QUOTA_EXCEEDED")
    assert quota["record_ids"] == ["QN2021-001", "QN2021-002"] and quota["domain"] == "应用开发"
    assert quota["message"].startswith(f"{AUTHORITY}在应用开发类别推荐了2项") and "领域" not in quota["message"]
    # The reports speak the variant's labels and the registry's names for its codes.
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "成熟度等级" in html and "数值无效" in html and TITLE in html and "专家组意见" in html
    # A nomination's name and group are headed by the variant's own labels, never the 2020 form's.
    assert "按问题类型与项目类别统计的问题数" in html and "搜索：编号、项目名称" in html
    assert "所属领域" not in html and "技术名称" not in html
    letters = list((out / "letters").glob("*.docx"))
    assert len(letters) == 1 and AUTHORITY in letters[0].name
    # The letter is titled and worded by the variant's [letters], not the 2020 notice's.
    text = [p.text for p in Document(str(letters[0])).paragraphs]
    assert text[0] == "关于补正青年科技创新项目申报材料的通知"
    assert text[2].startswith("贵单位报送的2021年度青年科技创新项目申报材料已收悉。")
    assert not any("先导" in line or "科创中国" in line for line in text)
    assert "贵单位在应用开发类别推荐2项，超过每个类别原则上不超过1项的要求。" in text  # the variant's quota_noun
