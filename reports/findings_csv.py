"""findings.csv: one row per finding, UTF-8 with BOM so that Excel shows the Chinese.

Headers are Chinese for the clerk; the ``代码`` and ``字段键`` columns keep the
machine keys (finding code, field key) for whoever filters or joins on them.
Every field goes through ``reports.spreadsheet.csv_text``: one that starts with
``= + - @``, a tab or a CR (a 技术名称 typed as ``=HYPERLINK(…)``) gets a leading
``'`` so that the spreadsheet opening the CSV reads it as text, not a formula.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from forms.template import FormTemplate
from reports.model import (
    TITLE_LABEL,
    all_findings,
    code_name,
    field_label,
    nominations,
    record_ids_of,
    review_note,
    severity_name,
    title_label,
)
from reports.results_json import atomic_write_bytes
from reports.spreadsheet import csv_text

CSV_NAME = "findings.csv"
CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark: Excel opens it as UTF-8 instead of the local code page."""

CSV_HEADERS: tuple[str, ...] = (
    "编号",
    "文档",
    TITLE_LABEL,  # the template's title label in the file (csv_headers)
    "推荐单位",
    "代码",
    "问题",
    "严重程度",
    "字段键",
    "字段",
    "说明",
    "纸质",
    "线上",
    "来源文件",
    "页",
    "位置",
    "置信度",
    "证据",
    "复核",
)


def findings_rows(results: dict[str, Any], template: FormTemplate | None) -> list[list[str]]:
    """The CSV rows (without the header), in the order of the reports: documents first, then batch findings;
    every field made safe for a spreadsheet (``csv_text``)."""
    noms = nominations(results, template)
    by_record = {n.record_id: n for n in noms if n.record_id}
    by_doc = {n.ident: n for n in noms if n.kind == "document"}
    rows: list[list[str]] = []
    for finding, doc in all_findings(results):
        if doc is not None:
            nom = by_doc.get(str(doc.get("id")))
            record_ids = [str(doc["record_id"])] if doc.get("record_id") else []
            source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
        else:
            record_ids = record_ids_of(finding)
            nom = by_record.get(record_ids[0]) if len(record_ids) == 1 else None
            source = {}
        rows.append(
            [
                "、".join(record_ids),
                _cell(doc.get("id")) if doc else "",
                _cell(nom.title) if nom else "",
                _cell(finding.get("unit") or (nom.recommender if nom else None)),
                _cell(finding.get("code")),
                code_name(finding.get("code")),
                severity_name(finding.get("severity")),
                _cell(finding.get("field")),
                field_label(finding.get("field"), template) if finding.get("field") else "",
                _cell(finding.get("message")),
                _cell(finding.get("paper")),
                _cell(finding.get("online")),
                _cell(source.get("file") if isinstance(source, dict) else None),
                _cell(finding.get("page")),
                _cell(finding.get("bbox")),
                _cell(finding.get("confidence")),
                _cell(finding.get("evidence") or None),
                review_note(finding),
            ]
        )
    return [[csv_text(value) for value in row] for row in rows]


def csv_headers(template: FormTemplate | None) -> tuple[str, ...]:
    """The header row: a nomination's name is headed by its template's title label (kczg-2020: 技术名称)."""
    return tuple(title_label(template) if h == TITLE_LABEL else h for h in CSV_HEADERS)


def write_findings_csv(results: dict[str, Any], out_dir: Path, template: FormTemplate | None) -> Path:
    """Write ``out_dir/findings.csv`` (atomic)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in csv_headers(template)])
    writer.writerows(findings_rows(results, template))
    target = Path(out_dir) / CSV_NAME
    atomic_write_bytes(target, buf.getvalue().encode(CSV_ENCODING))
    return target


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
