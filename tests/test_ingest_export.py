"""ingest.read_export: the online export in every format and encoding, validated and normalised."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from forms import load_template
from forms.errors import ExportError
from ingest import read_export

TEMPLATE = load_template("kczg-2020")

HEADER = ["编号", "技术名称", "所属领域", "技术就绪水平量值", "联系电话", "申报单位", "推荐单位", "提交时间"]
ROWS = [
    ["KC2020-0001", "高熵合金涂覆技术", "先进材料", "５", "０２８-８２８７１１５８", "中南大学", "中国材料研究学会", "2020/11/10"],
    ["KC2020-0002", " 协作机器人运维技术\u3000", "装备制造", "7", "13800138000", "某某大学", "中国机械工程学会", "2020年11月12日"],
]


def _csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    text = "\r\n".join(",".join(r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_csv_encodings_detected_and_reported(tmp_path: Path, encoding: str, reported: str) -> None:
    export = read_export(_csv(tmp_path / "export.csv", [HEADER, *ROWS], encoding), TEMPLATE)
    assert export.encoding == reported
    assert [r.record_id for r in export.records] == ["KC2020-0001", "KC2020-0002"]
    first, second = export.records
    assert first.fields["tech_name"] == "高熵合金涂覆技术"
    assert first.recommender == "中国材料研究学会" and first.applicant == "中南大学"
    assert second.fields["tech_name"] == "协作机器人运维技术"  # trimmed, full-width space too
    assert first.row == 2 and second.row == 3


def test_values_normalised_and_nothing_else(tmp_path: Path) -> None:
    export = read_export(_csv(tmp_path / "export.csv", [HEADER, *ROWS], "utf-8"), TEMPLATE)
    first, second = export.records
    assert first.fields["trl"] == "5"  # full-width digit in a numeric field → ASCII
    assert first.fields["phone"] == "028-82871158"
    assert first.submitted_at == "2020-11-10" and second.submitted_at == "2020-11-12"
    assert first.fields["domain"] == "先进材料"


def test_text_fields_keep_full_width_characters(tmp_path: Path) -> None:
    rows = [HEADER, ["KC2020-0003", "５Ｇ基站（第二代）", "电子信息", "6", "1", "甲", "乙", "2020-11-10 09:30"]]
    (record,) = read_export(_csv(tmp_path / "export.csv", rows, "utf-8"), TEMPLATE).records
    assert record.fields["tech_name"] == "５Ｇ基站（第二代）"  # not numeric: never altered
    assert record.submitted_at == "2020-11-10T09:30:00"


def test_xlsx_with_title_row_excel_dates_numbers_and_header_variants(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2020年“科创中国”先导技术推荐汇总表"])  # a title line above the header
    sheet.append([" 推荐编号 ", "技术 名称", "领域", "ＴＲＬ", "电话", "申报单位", "推荐单位", "提交时间", "备注"])
    sheet.append(["KC2020-0001", "高熵合金涂覆技术", "先进材料", 5, 13800138000, "中南大学", "中国材料研究学会",
                  dt.datetime(2020, 11, 10, 0, 0), "加急"])
    sheet.append([None] * 9)
    sheet.append(["KC2020-0002", "协作机器人", "装备制造", 7.0, "13900139000", "某大学", "某学会",
                  dt.datetime(2020, 11, 12, 14, 5, 9), None])
    path = tmp_path / "export.xlsx"
    book.save(path)

    export = read_export(path, TEMPLATE)
    assert export.encoding is None
    first, second = export.records
    assert first.fields["trl"] == "5" and second.fields["trl"] == "7"  # 7.0 from Excel is "7"
    assert first.fields["phone"] == "13800138000"
    assert first.submitted_at == "2020-11-10" and second.submitted_at == "2020-11-12T14:05:09"
    assert first.row == 3 and second.row == 5
    assert export.unknown_columns == ["备注"]
    assert first.extra == {"备注": "加急"} and second.extra == {"备注": ""}
    assert any("header found on row 2" in p for p in export.problems)
    assert any("blank row(s) skipped: 4" in p for p in export.problems)


def test_json_list_records_object_and_json_lines(tmp_path: Path) -> None:
    objects = [dict(zip(HEADER, row, strict=True)) for row in ROWS]
    as_list = tmp_path / "a.json"
    as_list.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    wrapped = tmp_path / "b.json"
    keyed = [{"record_id": "KC1", "tech_name": "甲", "domain": "生物医药", "applicant": "甲单位", "recommender": "乙",
              "trl": 4}]
    wrapped.write_text(json.dumps({"records": keyed}, ensure_ascii=False), encoding="utf-8")
    lines = tmp_path / "c.jsonl"
    lines.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in objects) + "\n\n", encoding="utf-8")

    assert [r.record_id for r in read_export(as_list, TEMPLATE).records] == ["KC2020-0001", "KC2020-0002"]
    (record,) = read_export(wrapped, TEMPLATE).records
    assert record.fields["trl"] == "4" and record.applicant == "甲单位"  # CONTRACT keys as headers
    jl = read_export(lines, TEMPLATE)
    assert [r.row for r in jl.records] == [1, 2]
    assert jl.records[0].fields["trl"] == "5"


def test_missing_required_columns_named_in_one_line(tmp_path: Path) -> None:
    header = ["技术名称", "所属领域", "申报单位", "联系电话"]
    path = _csv(tmp_path / "export.csv", [header, ["甲", "电子信息", "某单位", "1"]], "utf-8")
    with pytest.raises(ExportError, match=r"^online export export\.csv lacks required columns: 编号, 推荐单位$"):
        read_export(path, TEMPLATE)


def test_duplicate_ids_and_rows_without_id_are_reported_each(tmp_path: Path) -> None:
    rows = [HEADER, ROWS[0], ["", "无编号", "电子信息", "3", "1", "甲", "乙", ""], ROWS[0], ROWS[1]]
    export = read_export(_csv(tmp_path / "export.csv", rows, "utf-8"), TEMPLATE)
    assert [r.record_id for r in export.records] == ["KC2020-0001", "KC2020-0002"]
    assert "row 3: no 编号; row not used" in export.problems
    assert "row 4: 编号 KC2020-0001 repeats row 2; row not used" in export.problems


def test_same_meaning_twice_is_kept_as_extra(tmp_path: Path) -> None:
    rows = [[*HEADER, "TRL"], [*ROWS[0], "6"]]
    export = read_export(_csv(tmp_path / "export.csv", rows, "utf-8"), TEMPLATE)
    assert export.records[0].fields["trl"] == "5"
    assert export.records[0].extra == {"TRL": "6"}
    assert any("'TRL' means the same as '技术就绪水平量值'" in p for p in export.problems)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("export.csv", "编号,技术名称\n".encode("utf-16"), r"neither UTF-8 nor GB18030"),
        ("export.json", b"{not json", r"is not JSON"),
        ("export.json", b'{"rows": []}', r"expected a list of records"),
        ("export.jsonl", b'{"a": 1}\n[1, 2\n', r"line 2 is not JSON"),
        ("export.xlsx", b"PK\x03\x04 not really a zip", r"not a readable XLSX"),
        ("export.csv", b"", r"is empty"),
        ("export.ods", b"whatever", r"unknown type \.ods"),
        ("export.csv", "标题\n甲,乙\n".encode(), r"no header row"),
    ],
)
def test_unreadable_exports_raise_export_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ExportError, match=message):
        read_export(path, TEMPLATE)


def test_missing_export_file(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"not found"):
        read_export(tmp_path / "nowhere.xlsx", TEMPLATE)
