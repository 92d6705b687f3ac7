"""report.xlsx: the batch as a workbook a clerk filters, sorts and annotates.

Sheets (names are short Chinese words; the 代码 columns keep machine keys):

- 汇总: the batch in numbers (as report.html's summary);
- 推荐项: one row per nomination, status coloured, one column per check
  (finding code): ✓ when the check passed, else the fields it flagged;
- one sheet per finding code found (its Chinese name), one row per finding;
- 无纸质表 (``unmatched``): online records with no paper form (NO_PAPER);
- 读取失败 (``failures``): inputs that could not be read, with the reason
  (``reason_zh``, the Chinese, when the run wrote one).

Every table sheet has its header frozen, an autofilter, and column widths
fitted to Chinese text (a CJK character is two columns wide). Every cell is
written through ``reports.spreadsheet.set_text``: a value from the online
export or the paper that starts with ``= + - @``, a tab or a CR is a string
cell, never a formula (CSV injection); numbers stay numbers.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from checks.finding import CODES
from forms.template import FormTemplate
from reports.model import (
    COUNT_RULE_NAMES,
    MISSING,
    STATUS_ACTION,
    STATUS_CHECK,
    STATUS_OK,
    STATUS_ORDER,
    Nomination,
    ReportOptions,
    all_findings,
    as_dict,
    code_name,
    effective_severity,
    failure_reason,
    field_label,
    format_date,
    group_label,
    input_reason,
    nominations,
    record_ids_of,
    review_note,
    severity_name,
    show,
    title_label,
)
from reports.results_json import atomic_write_bytes
from reports.spreadsheet import set_text

XLSX_NAME = "report.xlsx"
SUMMARY_SHEET = "汇总"
NOMINATIONS_SHEET = "推荐项"
UNMATCHED_SHEET = "无纸质表"
FAILURES_SHEET = "读取失败"

STATUS_FILLS: dict[str, str] = {STATUS_ACTION: "F8CBC6", STATUS_CHECK: "FCE8B2", STATUS_OK: "C6E7CE"}
"""Light red / amber / green: readable when printed, the same meaning as report.html."""
SEVERITY_FILLS: dict[str, str] = {"error": "F8CBC6", "warning": "FCE8B2"}
HEADER_FILL = "DCE3EA"
CHECK_PASSED = "✓"

CHECK_CODES: tuple[str, ...] = tuple(c for c in CODES if c != "NO_PAPER")
"""One 推荐项 column per check; NO_PAPER has its own sheet (a record with no paper has no checks)."""

MAX_COLUMN_WIDTH = 60
"""Columns wider than this wrap instead (a 500-字 section would make the sheet unusable)."""
MIN_COLUMN_WIDTH = 6
SHEET_NAME_MAX = 31  # Excel's limit
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")


def write_report_xlsx(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> Path:
    """Write ``out_dir/report.xlsx`` (atomic). ``options`` must be resolved."""
    wb = build_workbook(results, options)
    buf = io.BytesIO()
    wb.save(buf)
    target = Path(out_dir) / XLSX_NAME
    atomic_write_bytes(target, buf.getvalue())
    return target


def build_workbook(results: dict[str, Any], options: ReportOptions) -> Workbook:
    form = options.template
    noms = nominations(results, form)
    wb = Workbook()
    summary = wb.active
    assert summary is not None  # a new Workbook always has one sheet
    summary.title = SUMMARY_SHEET
    _summary_sheet(summary, results, noms, options)
    _nominations_sheet(wb.create_sheet(NOMINATIONS_SHEET), noms, form)
    by_code: dict[str, list[tuple[dict[str, Any], Nomination | None]]] = {}
    by_doc = {n.ident: n for n in noms if n.kind == "document"}
    by_record = {n.record_id: n for n in noms if n.record_id}
    for finding, doc in all_findings(results):
        if doc is not None:
            nom = by_doc.get(str(doc.get("id")))
        else:
            ids = record_ids_of(finding)
            nom = by_record.get(ids[0]) if len(ids) == 1 else None
        by_code.setdefault(str(finding.get("code") or MISSING), []).append((finding, nom))
    used = {SUMMARY_SHEET, NOMINATIONS_SHEET, UNMATCHED_SHEET, FAILURES_SHEET}
    for code in [c for c in CODES if c in by_code] + [c for c in by_code if c not in CODES]:
        name = _sheet_name(code_name(code), used)
        used.add(name)
        _code_sheet(wb.create_sheet(name), code, by_code[code], form)
    _unmatched_sheet(wb.create_sheet(UNMATCHED_SHEET), [n for n in noms if n.kind == "no_paper"], form)
    _failures_sheet(wb.create_sheet(FAILURES_SHEET), results)
    return wb


def _summary_sheet(ws: Worksheet, results: dict[str, Any], noms: list[Nomination], options: ReportOptions) -> None:
    batch = as_dict(results.get("batch"))
    documents = [d for d in results.get("documents") or [] if isinstance(d, dict)]
    status_counts = Counter(n.status for n in noms)
    code_counts = Counter(str(f.get("code")) for f, _ in all_findings(results))
    form = options.template
    rows: list[tuple[str, Any]] = [
        ("表样", f"{form.title}{form.subtitle}（{form.name}）" if form else show(batch.get("form"))),
        ("批次日期", format_date(options.batch_date)),
        ("开始", show(batch.get("started"))),
        ("结束", show(batch.get("finished"))),
        ("字数规则", COUNT_RULE_NAMES.get(options.count_rule, options.count_rule)),
        ("输入文件", batch.get("inputs", MISSING)),
        ("读取失败", batch.get("failed_inputs", MISSING)),
        ("页数", batch.get("pages", MISSING)),
        ("识别推荐表", batch.get("documents", len(documents))),
        ("线上记录", batch.get("online_records", MISSING)),
        ("已匹配", sum(1 for d in documents if d.get("record_id"))),
        ("无纸质表", sum(1 for n in noms if n.kind == "no_paper")),
        ("无线上记录", sum(1 for d in documents if not d.get("record_id"))),
    ]
    rows += [(f"状态：{s}", status_counts.get(s, 0)) for s in STATUS_ORDER]
    rows += [(f"问题：{code_name(c)}（{c}）", n) for c, n in code_counts.most_common()]
    _table(ws, ["项目", "数值"], [list(r) for r in rows])
    for row in range(2, len(rows) + 2):
        label = ws.cell(row=row, column=1).value
        for status in STATUS_ORDER:
            if label == f"状态：{status}":
                ws.cell(row=row, column=2).fill = _fill(STATUS_FILLS[status])


def _nominations_sheet(ws: Worksheet, noms: list[Nomination], form: FormTemplate | None) -> None:
    fixed = [
        "状态",
        "编号",
        "文档",
        title_label(form),
        group_label(form),
        "申报单位",
        "推荐单位",
        "纸质文件",
        "页码",
        "匹配度",
        "问题数",
    ]
    headers = fixed + [code_name(c) for c in CHECK_CODES]
    rows: list[list[Any]] = []
    fills: list[dict[int, str]] = []
    for n in noms:
        score = n.document.get("match_score")
        row: list[Any] = [
            n.status,
            show(n.record_id),
            n.ident if n.kind == "document" else MISSING,
            show(n.title),
            show(n.group),
            show(n.applicant),
            show(n.recommender),
            show(n.source_file) if n.kind == "document" else "未收到纸质表",
            "、".join(str(p) for p in n.pages) or MISSING,
            round(score, 2) if isinstance(score, int | float) else MISSING,
            len(n.findings),
        ]
        row_fills = {1: STATUS_FILLS.get(n.status, STATUS_FILLS[STATUS_ACTION])}
        for i, code in enumerate(CHECK_CODES, start=len(fixed) + 1):
            hits = [f for f in n.findings if f.get("code") == code and effective_severity(f)]
            if n.kind == "no_paper" and code != "QUOTA_EXCEEDED":
                row.append(MISSING)
                continue
            if not hits:
                row.append(CHECK_PASSED)
                continue
            places = [field_label(f.get("field"), form) for f in hits if f.get("field")]
            row.append("、".join(dict.fromkeys(places)) if places else code_name(code))
            severities = {effective_severity(f) for f in hits}
            worst = "error" if "error" in severities else "warning" if "warning" in severities else "info"
            if worst in SEVERITY_FILLS:
                row_fills[i] = SEVERITY_FILLS[worst]
        rows.append(row)
        fills.append(row_fills)
    _table(ws, headers, rows, fills)
    ws.freeze_panes = "E2"  # header row and status, number, document and name stay in view


def _code_sheet(
    ws: Worksheet, code: str, items: list[tuple[dict[str, Any], Nomination | None]], form: FormTemplate | None
) -> None:
    headers = [
        "代码",
        "严重程度",
        "编号",
        "文档",
        title_label(form),
        "推荐单位",
        "字段",
        "说明",
        "纸质",
        "线上",
        "页",
        "置信度",
        "证据",
        "复核",
    ]
    rows: list[list[Any]] = []
    fills: list[dict[int, str]] = []
    for f, nom in items:
        record = "、".join(record_ids_of(f)) or (nom.record_id if nom and nom.record_id else MISSING)
        rows.append(
            [
                code,
                severity_name(f.get("severity")),
                record,
                nom.ident if nom and nom.kind == "document" else MISSING,
                show(nom.title) if nom else MISSING,
                show(f.get("unit") or (nom.recommender if nom else None)),
                field_label(f.get("field"), form),
                show(f.get("message")),
                _cell(f.get("paper")),
                _cell(f.get("online")),
                show(f.get("page")),
                show(f.get("confidence")),
                _cell(f.get("evidence") or None),
                review_note(f) or MISSING,
            ]
        )
        sev = str(effective_severity(f))
        fills.append({2: SEVERITY_FILLS[sev]} if sev in SEVERITY_FILLS else {})
    _table(ws, headers, rows, fills)


def _unmatched_sheet(ws: Worksheet, noms: list[Nomination], form: FormTemplate | None) -> None:
    headers = ["编号", title_label(form), group_label(form), "申报单位", "推荐单位", "说明"]
    rows = [
        [
            show(n.record_id),
            show(n.title),
            show(n.group),
            show(n.applicant),
            show(n.recommender),
            show(n.findings[0].get("message") if n.findings else None),
        ]
        for n in noms
    ]
    _table(ws, headers, rows)


def _failures_sheet(ws: Worksheet, results: dict[str, Any]) -> None:
    rows: list[list[Any]] = []
    seen: set[str] = set()
    for f in results.get("failures") or []:
        if isinstance(f, dict):
            rows.append([show(f.get("file")), failure_reason(f), "读取失败"])
            seen.add(str(f.get("file")))
    for item in as_dict(results.get("batch")).get("inputs_detail") or []:
        if isinstance(item, dict) and item.get("status") not in (None, "read") and str(item.get("file")) not in seen:
            status = {"failed": "读取失败", "skipped": "跳过（重复）"}.get(
                str(item.get("status")), show(item.get("status"))
            )
            rows.append([show(item.get("file")), input_reason(item, []), status])
    for doc in results.get("documents") or []:
        if isinstance(doc, dict) and doc.get("unreadable"):
            src = as_dict(doc.get("source"))
            rows.append(
                [f"{show(src.get('file'))}（文档 {show(doc.get('id'))}）", show(doc.get("unreadable")), "无法识别"]
            )
    _table(ws, ["文件", "原因", "状态"], rows)


def _table(ws: Worksheet, headers: list[str], rows: list[list[Any]], fills: list[dict[int, str]] | None = None) -> None:
    """Header (bold, shaded, frozen), rows, autofilter, widths fitted to the text. Every cell is
    written by ``spreadsheet.set_text``: text stays text, whatever it starts with (no formula)."""
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        set_text(cell, header)
        cell.font = Font(bold=True)
        cell.fill = _fill(HEADER_FILL)
        cell.alignment = Alignment(vertical="center")
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            set_text(ws.cell(row=r, column=col), value)
    for r, row_fills in enumerate(fills or [], start=2):
        for col, colour in row_fills.items():
            ws.cell(row=r, column=col).fill = _fill(colour)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"
    for col in range(1, len(headers) + 1):
        values = [headers[col - 1], *[r[col - 1] if col - 1 < len(r) else "" for r in rows]]
        widest = max(display_width(str(v)) for v in values)
        width = min(max(widest + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH)
        # the autofilter arrow covers the header's last two columns
        width = max(width, display_width(headers[col - 1]) + 4)
        ws.column_dimensions[get_column_letter(col)].width = width
        if widest + 2 > MAX_COLUMN_WIDTH:
            for r in range(2, len(rows) + 2):
                ws.cell(row=r, column=col).alignment = Alignment(wrap_text=True, vertical="top")


def display_width(text: str) -> int:
    """Width in Excel columns: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in SHEET_NAME_FORBIDDEN else ch for ch in name)[:SHEET_NAME_MAX] or "问题"
    candidate, i = clean, 2
    while candidate in used:
        suffix = f"_{i}"
        candidate, i = clean[: SHEET_NAME_MAX - len(suffix)] + suffix, i + 1
    return candidate


def _cell(value: Any) -> Any:
    if value is None:
        return MISSING
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _fill(colour: str) -> PatternFill:
    return PatternFill(start_color=colour, end_color=colour, fill_type="solid")
