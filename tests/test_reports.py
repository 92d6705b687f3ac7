"""reports/: results.json + schema, statuses, findings.csv, report.xlsx, letters (fast; no browser).

The batch is tests/reports_fixture.py (its docstring lists the truth checked here).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm
from openpyxl import load_workbook

from checks.finding import CODES, Finding
from reports import (
    STATUS_ACTION,
    STATUS_CHECK,
    STATUS_OK,
    ReportOptions,
    nominations,
    results_schema,
    validate_results,
    write_reports,
    write_results_json,
)
from reports.letters import letter_filename
from reports.model import document_status
from reports.xlsx import CHECK_PASSED, FAILURES_SHEET, NOMINATIONS_SHEET, STATUS_FILLS, SUMMARY_SHEET, UNMATCHED_SHEET
from tests.reports_fixture import make_results

FIXTURE_FINDINGS = 12  # 9 in documents + 3 batch findings (fixture docstring)


@pytest.fixture
def batch(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    out = tmp_path / "out"
    return make_results(out), out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, Any]:
    """The fixture batch's outputs, written once for the read-only tests of this module."""
    out = tmp_path_factory.mktemp("reports") / "out"
    results = make_results(out)
    paths = write_reports(results, out, ReportOptions(sender="电子信息学会联合体秘书处"))
    return results, out, paths


# -- results.json and its schema ------------------------------------------------------------


def test_fixture_follows_the_schema(batch: tuple[dict[str, Any], Path]) -> None:
    assert validate_results(batch[0]) == []


def test_schema_knows_every_finding_code() -> None:
    enum = results_schema()["$defs"]["finding"]["properties"]["code"]["enum"]
    assert set(enum) == set(CODES)


def test_finding_to_dict_follows_the_schema(batch: tuple[dict[str, Any], Path]) -> None:
    results, _ = batch
    f = Finding(
        code="OVER_LIMIT",
        severity="error",
        message="技术水平介绍超过500字",
        field="tech_level",
        record_id="KC2020-0001",
        page=2,
        bbox=[1, 2, 3, 4],
        confidence=0.9,
        evidence={"count": 612},
    )
    results["documents"][0]["findings"].append(f.to_dict())
    assert validate_results(results) == []


@pytest.mark.parametrize(
    ("breakage", "where"),
    [
        (lambda r: r.pop("batch"), "(top): 'batch' is a required property"),
        (lambda r: r["documents"][0]["findings"][0].update(code="SEAL_GONE"), "documents/0/findings/0/code"),
        (lambda r: r["documents"][0]["findings"][0].update(severity="fatal"), "documents/0/findings/0/severity"),
        (lambda r: r["documents"][0]["seals"]["applicant_opinion"].pop("present"), "documents/0/seals"),
        (lambda r: r["documents"][0]["dates"].update(applicant_opinion="2020年11月10日"), "documents/0/dates"),
        (
            lambda r: r["documents"][1]["fields"]["tech_name"].update(bbox=[1, 2, 3]),
            "documents/1/fields/tech_name/bbox",
        ),
        (lambda r: r["findings"][0].pop("record_id"), "findings/0"),
        (lambda r: r["batch"].update(pages=-1), "batch/pages"),
        (lambda r: r["failures"].append({"file": "x.pdf"}), "failures/1"),
    ],
)
def test_broken_results_fail_the_schema(batch: tuple[dict[str, Any], Path], breakage: Any, where: str) -> None:
    results = copy.deepcopy(batch[0])
    breakage(results)
    errors = validate_results(results)
    assert errors, "a broken results dict passed the schema"
    assert any(e.startswith(where) for e in errors), errors


def test_results_json_is_atomic_utf8_and_round_trips(batch: tuple[dict[str, Any], Path]) -> None:
    results, out = batch
    path = write_results_json(results, out)
    text = path.read_text(encoding="utf-8")
    assert "面向边缘计算的低功耗神经网络芯片" in text  # ensure_ascii=False
    assert text.startswith('{\n  "batch"')  # indent 2
    assert json.loads(text) == results
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []
    results["batch"]["pages"] = 99
    write_results_json(results, out)
    assert json.loads(path.read_text(encoding="utf-8"))["batch"]["pages"] == 99


# -- statuses --------------------------------------------------------------------------------


def test_statuses_and_order(batch: tuple[dict[str, Any], Path]) -> None:
    noms = nominations(batch[0])
    status = {n.ident: n.status for n in noms}
    assert status == {
        "d0001": STATUS_ACTION,
        "d0002": STATUS_ACTION,
        "d0004": STATUS_ACTION,
        "d0005": STATUS_ACTION,
        "KC2020-0006": STATUS_ACTION,
        "d0006": STATUS_CHECK,
        "d0003": STATUS_OK,
    }
    ranks = [(STATUS_ACTION, STATUS_CHECK, STATUS_OK).index(n.status) for n in noms]
    assert ranks == sorted(ranks)


def test_status_follows_review_decisions(batch: tuple[dict[str, Any], Path]) -> None:
    results = batch[0]
    d6 = next(d for d in results["documents"] if d["id"] == "d0006")
    assert document_status(d6) == STATUS_CHECK  # the error was dismissed, a warning is left
    d6["findings"][1]["review"] = None
    assert document_status(d6) == STATUS_ACTION
    d6["findings"][1]["review"] = {"status": "dismissed"}
    d6["findings"][0]["review"] = {"status": "confirmed", "user": "王芳"}
    assert document_status(d6) == STATUS_ACTION  # a confirmed warning is a real problem
    d5 = next(d for d in results["documents"] if d["id"] == "d0005")
    assert document_status(d5) == STATUS_CHECK
    assert document_status(d5, results["findings"]) == STATUS_ACTION  # the unit's quota finding


# -- write_reports: all five outputs, and tolerance -----------------------------------------


def test_write_reports_writes_all_five(written: tuple[dict[str, Any], Path, Any]) -> None:
    _, out, paths = written
    for p in (paths.results_json, paths.html, paths.xlsx, paths.csv):
        assert p.parent == out and p.stat().st_size > 0
    assert sorted(p.name for p in paths.letters) == ["补正通知_中国电子学会.docx", "补正通知_中国药学会.docx"]
    assert paths.unaddressed == []
    html = paths.html.read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert html.count("data:image/png;base64,") == 6  # every flagged item with a crop shows it
    assert "010-6851<mark>9999</mark>" in html and "010-6851<mark>2345</mark>" in html  # the difference marked
    assert "<mark><script>" not in html


@pytest.mark.parametrize(
    "results",
    [
        {},
        {"batch": None, "documents": None, "findings": "x"},
        {"documents": [{"id": "d1"}, {"findings": [{"code": "SEAL_MISSING"}]}, "junk"], "unmatched_records": ["R1"]},
        {
            "documents": [
                {
                    "id": "d1",
                    "crops": {"tech_name": "../../etc/passwd", "phone": "crops/none.png"},
                    "findings": [
                        {"code": "MISMATCH", "field": "tech_name", "severity": "error"},
                        {"code": "MISMATCH", "field": "phone", "severity": "error"},
                    ],
                }
            ]
        },
    ],
)
def test_write_reports_tolerates_missing_keys(tmp_path: Path, results: dict[str, Any]) -> None:
    paths = write_reports(results, tmp_path, ReportOptions(batch_date=dt.date(2020, 11, 27)))
    html = paths.html.read_text(encoding="utf-8")
    assert "—" in html
    assert load_workbook(paths.xlsx).sheetnames[:2] == [SUMMARY_SHEET, NOMINATIONS_SHEET]
    if results.get("unmatched_records"):
        assert 'data-record="R1"' in html  # a listed record with no finding still gets its card
    if "crops" in str(results):
        assert "截图路径不在输出目录内" in html and "截图缺失：crops/none.png" in html


# -- findings.csv ----------------------------------------------------------------------------


def test_findings_csv_has_bom_and_every_finding(written: tuple[dict[str, Any], Path, Any]) -> None:
    _, _, paths = written
    raw = paths.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["编号", "文档", "技术名称", "推荐单位", "代码", "问题"]
    assert len(body) == FIXTURE_FINDINGS
    row = {h: v for h, v in zip(header, next(r for r in body if r[4] == "OVER_LIMIT"), strict=True)}
    assert row["编号"] == "KC2020-0001" and row["文档"] == "d0001"
    assert row["字段"] == "技术团队简介" and row["问题"] == "字数超限" and row["严重程度"] == "错误"
    assert json.loads(row["证据"])["count"] == 342
    quota = next(r for r in body if r[4] == "QUOTA_EXCEEDED")
    assert quota[0] == "KC2020-0001、KC2020-0005、KC2020-0006" and quota[3] == "中国电子学会"
    dismissed = next(r for r in body if r[4] == "FIELD_EMPTY")
    assert dismissed[header.index("复核")].startswith("已排除（王芳")


# -- report.xlsx -----------------------------------------------------------------------------


def test_xlsx_sheets_and_nomination_rows(written: tuple[dict[str, Any], Path, Any]) -> None:
    _, _, paths = written
    wb = load_workbook(paths.xlsx)
    assert wb.sheetnames[:2] == [SUMMARY_SHEET, NOMINATIONS_SHEET]
    assert wb.sheetnames[-2:] == [UNMATCHED_SHEET, FAILURES_SHEET]
    code_sheets = set(wb.sheetnames[2:-2])
    assert code_sheets == {
        CODES[c]
        for c in (
            "SEAL_MISSING",
            "DATE_MISSING",
            "OVER_LIMIT",
            "MISMATCH",
            "FIELD_EMPTY",
            "NO_ONLINE_RECORD",
            "NO_PAPER",
            "QUOTA_EXCEEDED",
            "UNREADABLE",
            "DATE_LATE",
        )
    }
    ws = wb[NOMINATIONS_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["状态", "编号", "文档", "技术名称"]
    assert CODES["SEAL_MISSING"] in header and CODES["OVER_LIMIT"] in header
    rows = {r[2].value if r[2].value != "—" else r[1].value: r for r in ws.iter_rows(min_row=2)}
    assert len(rows) == 7
    d1 = rows["d0001"]
    assert d1[0].value == STATUS_ACTION
    assert d1[0].fill.start_color.rgb.endswith(STATUS_FILLS[STATUS_ACTION])
    assert d1[header.index(CODES["SEAL_MISSING"])].value == "推荐单位意见"
    assert d1[header.index(CODES["OVER_LIMIT"])].value == "技术团队简介"
    assert d1[header.index(CODES["MISMATCH"])].value == CHECK_PASSED
    d3 = rows["d0003"]
    assert d3[0].value == STATUS_OK and d3[0].fill.start_color.rgb.endswith(STATUS_FILLS[STATUS_OK])
    d6 = rows["d0006"]
    assert d6[0].value == STATUS_CHECK
    assert d6[header.index(CODES["FIELD_EMPTY"])].value == CHECK_PASSED  # dismissed by the clerk
    assert [r[0].value for r in ws.iter_rows(min_row=2)][-1] == STATUS_OK  # needs-action first
    assert ws.freeze_panes == "E2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}8"
    assert ws.column_dimensions["D"].width >= 2 * len("面向边缘计算的低功耗神经网络芯片")  # CJK is 2 wide


def test_xlsx_code_unmatched_and_failure_sheets(written: tuple[dict[str, Any], Path, Any]) -> None:
    _, _, paths = written
    wb = load_workbook(paths.xlsx)
    mismatch = wb[CODES["MISMATCH"]]
    assert mismatch.freeze_panes == "A2" and mismatch.auto_filter.ref == "A1:N4"
    values = [[c.value for c in r] for r in mismatch.iter_rows(min_row=2)]
    assert {(v[2], v[6], v[8], v[9]) for v in values} >= {("KC2020-0002", "联系电话", "010-68519999", "010-68512345")}
    unmatched = [[c.value for c in r] for r in wb[UNMATCHED_SHEET].iter_rows(min_row=2)]
    assert unmatched == [
        [
            "KC2020-0006",
            "6G太赫兹通信关键技术",
            "电子信息",
            "东南大学",
            "中国电子学会",
            "线上记录 KC2020-0006 未收到纸质推荐表",
        ]
    ]
    failures = [[c.value for c in r] for r in wb[FAILURES_SHEET].iter_rows(min_row=2)]
    assert failures == [["scans/broken.pdf", "PDF 已加密", "读取失败"]]
    summary = {r[0].value: r[1].value for r in wb[SUMMARY_SHEET].iter_rows(min_row=2)}
    assert summary["已匹配"] == 5 and summary["无纸质表"] == 1 and summary["线上记录"] == 7
    assert summary[f"状态：{STATUS_ACTION}"] == 5 and summary[f"状态：{STATUS_OK}"] == 1


# -- letters ---------------------------------------------------------------------------------


def _east_asian_font(run: Any) -> str | None:
    rpr = run._element.rPr
    fonts = rpr.rFonts if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _letter_text(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_letter_content(written: tuple[dict[str, Any], Path, Any]) -> None:
    _, _, paths = written
    path = next(p for p in paths.letters if "中国电子学会" in p.name)
    text = _letter_text(path)
    assert "".join(text[0].split()) == "关于补正“科创中国”先导技术推荐材料的通知"  # kczg-2020's [letters] title
    assert text[1] == "中国电子学会："
    body = "\n".join(text)
    assert "面向边缘计算的低功耗神经网络芯片（编号：KC2020-0001；申报单位：清华大学）" in body
    assert "推荐表“推荐单位意见”栏未加盖公章。" in body
    assert "“技术团队简介”为342字，超过300字的限制。" in body
    assert "6G太赫兹通信关键技术（编号：KC2020-0006" in body and "尚未收到盖章的纸质推荐表" in body
    assert "基于量子点的柔性显示材料（编号：无" in body  # d0004, addressed by its seal
    assert "贵单位在电子信息领域推荐3项，超过每个领域原则上不超过2项的要求。" in body
    assert body.count("超过每个领域") == 1  # the quota is told once, not per nomination
    assert "第三代半导体氮化镓功率器件" not in body  # d0005 has only a warning besides the quota
    assert "请于2020年12月4日前" in body  # batch date 2020-11-27 + 7 days
    assert text[-2:] == ["电子信息学会联合体秘书处", "2020年11月27日"]
    doc = Document(str(path))
    assert doc.paragraphs[-1].paragraph_format.alignment == 2  # right
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21.0)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    fonts = {_east_asian_font(r) for p in doc.paragraphs for r in p.runs}
    assert fonts <= {"仿宋", "宋体", "黑体"} and "仿宋" in fonts


def test_letter_for_a_mismatch_and_no_letter_for_warnings(written: tuple[dict[str, Any], Path, Any]) -> None:
    _, out, paths = written
    body = "\n".join(_letter_text(next(p for p in paths.letters if "中国药学会" in p.name)))
    assert "纸质推荐表“联系电话”（010-68519999）与推荐系统线上填报（010-68512345）不一致。" in body
    assert "联系人" not in body  # a warning waits for the clerk
    assert not any("中国材料研究学会" in p.name for p in paths.letters)  # warning + dismissed error only
    assert sorted(p.name for p in (out / "letters").iterdir()) == sorted(p.name for p in paths.letters)


def test_letter_with_no_unit_is_reported_not_dropped(tmp_path: Path, batch: tuple[dict[str, Any], Path]) -> None:
    results, _ = batch
    d4 = next(d for d in results["documents"] if d["id"] == "d0004")
    d4["seal_text"] = {"applicant_opinion": None, "recommender_opinion": None}
    paths = write_reports(results, tmp_path)
    assert len(paths.unaddressed) == 1 and paths.unaddressed[0].startswith("d0004（基于量子点的柔性显示材料）")


def test_letter_file_names_are_safe_and_unique() -> None:
    used: set[str] = set()
    first = letter_filename('中国/电子:学会*?"<>|', used)
    used.add(first)
    assert first == "补正通知_中国_电子_学会_.docx".replace("_.docx", ".docx")
    assert letter_filename('中国/电子:学会*?"<>|', used) == "补正通知_中国_电子_学会_2.docx"
    assert letter_filename("  ..  ", set()) == "补正通知_推荐单位.docx"
    assert len(letter_filename("很" * 200, set())) <= 60


def test_html_escapes_what_was_read(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    results = {
        "documents": [
            {
                "id": "d1",
                "fields": {"tech_name": {"value": evil}},
                "findings": [
                    {
                        "code": "MISMATCH",
                        "field": "tech_name",
                        "severity": "error",
                        "message": evil,
                        "paper": evil,
                        "online": "技术甲",
                    }
                ],
            }
        ]
    }
    html = write_reports(results, tmp_path).html.read_text(encoding="utf-8")
    assert evil not in html
    assert "&lt;script&gt;" in html


def test_unknown_form_template_still_writes_reports(tmp_path: Path, batch: tuple[dict[str, Any], Path]) -> None:
    results, _ = batch
    results["batch"]["form"] = "no-such-form"
    paths = write_reports(results, tmp_path)
    html = paths.html.read_text(encoding="utf-8")
    assert "team_intro" in html  # keys instead of labels, and nothing lost
    assert len(paths.letters) == 2


def test_an_unreadable_field_is_for_the_clerk_to_check() -> None:
    finding = {
        "code": "UNREADABLE",
        "field": "awards",
        "severity": "error",
        "message": "技术获奖情况无法识别，请人工核对原件",
    }
    assert document_status({"id": "d1", "findings": [finding]}) == STATUS_CHECK
    assert document_status({"id": "d1", "findings": [finding], "unreadable": "blank page"}) == STATUS_ACTION
    confirmed = {**finding, "review": {"status": "confirmed", "user": "王芳"}}
    assert document_status({"id": "d1", "findings": [confirmed]}) == STATUS_ACTION


def test_a_date_written_but_not_read_is_not_shown_as_blank() -> None:
    from reports.model import opinion_box_text

    doc = {"seals": {"applicant_opinion": {"present": True}},
           "dates": {"applicant_opinion": None, "recommender_opinion": None},
           "date_readings": {"applicant_opinion": {"written": True, "value": None, "month_day": None,
                                                   "raw": "二Q二年三一月十日", "status": "unreadable"},
                             "recommender_opinion": {"written": False, "value": None, "month_day": None,
                                                     "raw": "年 月 日", "status": "read"}}}
    assert opinion_box_text(doc, "applicant_opinion") == "公章：有；日期：已填写，无法识别（「二Q二年三一月十日」）"
    assert opinion_box_text(doc, "recommender_opinion") == "日期：未填写"
    doc["date_readings"]["applicant_opinion"]["month_day"] = "--11-07"  # the year under the seal
    assert opinion_box_text(doc, "applicant_opinion") == "公章：有；日期：11月7日（年份看不清，按截止日期所在年份核对）"


def test_failures_show_the_clerk_the_chinese_reason_else_the_english(tmp_path: Path) -> None:
    """reason_zh where the run wrote one; a results.json from before reason_zh shows its English reason."""
    out = tmp_path / "out"
    results = make_results(out)
    results["failures"] = [
        {"file": "scans/broken.pdf", "reason": "PDF is encrypted (needs a password)",
         "reason_zh": "PDF 已加密，请提供未加密的文件"},
        {"file": "scans/old.pdf", "reason": "empty file (0 bytes)"},
    ]
    detail = results["batch"]["inputs_detail"]
    detail[-1]["reason"] = "PDF is encrypted (needs a password)"
    paths = write_reports(results, out)
    html = paths.html.read_text(encoding="utf-8")
    failures_table = html[html.index('<table id="failures">'):]
    failures_table = failures_table[: failures_table.index("</table>")]
    assert "<td>scans/broken.pdf</td><td>PDF 已加密，请提供未加密的文件</td>" in failures_table
    assert "<td>scans/old.pdf</td><td>empty file (0 bytes)</td>" in failures_table
    assert "PDF is encrypted" not in html  # nor in the inputs list: a failed input shows its failure's Chinese
    wb = load_workbook(paths.xlsx)
    rows = [[c.value for c in r] for r in wb[FAILURES_SHEET].iter_rows(min_row=2)]
    assert rows[:2] == [
        ["scans/broken.pdf", "PDF 已加密，请提供未加密的文件", "读取失败"],
        ["scans/old.pdf", "empty file (0 bytes)", "读取失败"],
    ]


def test_the_input_list_speaks_chinese_with_what_was_done_to_its_pages() -> None:
    from reports.model import input_reason

    skipped = {"file": "b.pdf", "status": "skipped", "reason": "same content as a.pdf",
               "reason_zh": "与 a.pdf 内容完全相同（重复扫描或重复放入），已跳过", "notes": [], "notes_zh": []}
    assert input_reason(skipped, []) == "与 a.pdf 内容完全相同（重复扫描或重复放入），已跳过"
    stack = {"file": "s.pdf", "status": "read", "reason": "", "reason_zh": "",
             "notes": ["page 5: blank page, dropped"], "notes_zh": ["第5页为空白页（隔页纸或背面），已略过"]}
    assert input_reason(stack, []) == "第5页为空白页（隔页纸或背面），已略过"
    old = {"file": "b.pdf", "status": "skipped", "reason": "same content as a.pdf"}  # results.json before reason_zh
    assert input_reason(old, []) == "same content as a.pdf"
    assert input_reason({"file": "a.pdf", "status": "read"}, []) == "—"
