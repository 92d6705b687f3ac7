"""report.html: one self-contained page a clerk or reviewer reads and prints.

A summary (forms read, records, matched, by status, by finding code, by
领域, and an SVG chart), then one card per nomination, those that need
action first: status, each finding in plain words with its evidence, and
beside each flagged item the crop of the paper next to the online value.
Crops are embedded as ``data:`` URIs, CSS and the search filter are inline,
nothing is fetched: the file works when mailed or opened offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from forms.template import FormTemplate
from reports.chart import UNKNOWN_GROUP, findings_chart_svg
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
    evidence_name,
    failure_reason,
    field_label,
    format_date,
    group_label,
    input_reason,
    nominations,
    opinion_box_text,
    record_ids_of,
    review_note,
    severity_name,
    show,
    title_label,
)
from reports.results_json import atomic_write_bytes

HTML_NAME = "report.html"
MAX_CROP_BYTES = 2_000_000
"""A crop larger than this is not embedded (a whole page by mistake would bloat the report)."""

STATUS_CLASSES: dict[str, str] = {STATUS_ACTION: "action", STATUS_CHECK: "check", STATUS_OK: "ok"}

OPINION_KINDS = ("opinion",)
CONTEXT_CROPS: tuple[str, ...] = ("NO_ONLINE_RECORD", "DUPLICATE_PAPER")
"""Findings about a whole form show the paper's name (the template's title field, 技术名称), so the
clerk can look the record up."""
SEAL_SOURCE_NOTE = "（据公章印文识别）"
"""Marks a unit name read from a seal's ring (no online record to take it from)."""


def write_report_html(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> Path:
    """Render and write ``out_dir/report.html`` (atomic). ``options`` must be resolved."""
    out_dir = Path(out_dir)
    html = render_report_html(results, out_dir, options)
    target = out_dir / HTML_NAME
    atomic_write_bytes(target, html.encode("utf-8"))
    return target


def render_report_html(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> str:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("report.html.j2")
    return template.render(**report_context(results, out_dir, options))


def report_context(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> dict[str, Any]:
    """Everything the template shows, already worded in Chinese."""
    form = options.template
    noms = nominations(results, form)
    batch = as_dict(results.get("batch"))
    documents = [d for d in results.get("documents") or [] if isinstance(d, dict)]
    matched = sum(1 for d in documents if d.get("record_id"))
    status_counts = Counter(n.status for n in noms)

    domains = _domains(noms, form)
    unknown = UNKNOWN_GROUP.format(label=group_label(form))
    code_counts: Counter[str] = Counter()
    by_code_domain: dict[str, Counter[str]] = {}
    domain_of_doc = {n.ident: n.group for n in noms if n.kind == "document"}
    domain_of_record = {n.record_id: n.group for n in noms if n.record_id}
    for finding, doc in all_findings(results):
        code = str(finding.get("code") or MISSING)
        code_counts[code] += 1
        if doc is not None:
            domain = domain_of_doc.get(str(doc.get("id")))
        else:
            ids = record_ids_of(finding)
            domain = finding.get("domain") or (domain_of_record.get(ids[0]) if ids else None)
        domain = str(domain) if domain else unknown
        if domain not in domains:
            domains.append(domain)
        by_code_domain.setdefault(code, Counter())[domain] += 1

    domain_rows = []
    for domain in domains:
        in_domain = [n for n in noms if (n.group or unknown) == domain]
        findings_in_domain = sum(c.get(domain, 0) for c in by_code_domain.values())
        if not in_domain and not findings_in_domain:
            continue
        domain_rows.append(
            {
                "group": domain,
                "nominations": len(in_domain),
                "action": sum(1 for n in in_domain if n.status == STATUS_ACTION),
                "check": sum(1 for n in in_domain if n.status == STATUS_CHECK),
                "ok": sum(1 for n in in_domain if n.status == STATUS_OK),
                "findings": findings_in_domain,
            }
        )

    failures = [f for f in results.get("failures") or [] if isinstance(f, dict)]
    batch_only = [f for f, doc in all_findings(results) if doc is None]
    return {
        "title": f"{form.title if form else '推荐表'}{form.subtitle if form else ''} 纸质材料核对报告",
        "form_name": show(batch.get("form")),
        "batch_date": format_date(options.batch_date),
        "started": show(batch.get("started")),
        "finished": show(batch.get("finished")),
        "generated": format_date(dt.date.today()),
        "count_rule": COUNT_RULE_NAMES.get(options.count_rule, options.count_rule),
        "sender": options.sender,
        "reply_deadline": format_date(options.reply_deadline),
        "summary": [
            ("inputs", "输入文件", show(batch.get("inputs"))),
            ("failed_inputs", "读取失败", show(batch.get("failed_inputs", len(failures)))),
            ("pages", "页数", show(batch.get("pages"))),
            ("documents", "识别推荐表", show(batch.get("documents", len(documents)))),
            ("online_records", "线上记录", show(batch.get("online_records"))),
            ("matched", "已匹配", str(matched)),
            ("no_paper", "无纸质表", str(sum(1 for n in noms if n.kind == "no_paper"))),
            ("no_record", "无线上记录", str(sum(1 for d in documents if not d.get("record_id")))),
        ],
        "statuses": [{"name": s, "cls": STATUS_CLASSES[s], "count": status_counts.get(s, 0)} for s in STATUS_ORDER],
        "codes": [
            {"code": c, "name": code_name(c), "count": n} for c, n in sorted(code_counts.items(), key=lambda x: -x[1])
        ],
        "domain_rows": domain_rows,
        "title_label": title_label(form),
        "group_label": group_label(form),
        "chart_svg": findings_chart_svg({c: dict(v) for c, v in by_code_domain.items()}, domains, group_label(form)),
        "cards": [_card(n, out_dir, form) for n in noms],
        "batch_findings": [_finding_view(f, None, out_dir, form) for f in batch_only],
        "failures": [{"file": show(f.get("file")), "reason": failure_reason(f)} for f in failures],
        "inputs_detail": [
            {"file": show(i.get("file")), "status": _input_status(i.get("status")), "reason": input_reason(i, failures)}
            for i in batch.get("inputs_detail") or []
            if isinstance(i, dict)
        ],
        "total": len(noms),
    }


def _domains(noms: list[Nomination], form: FormTemplate | None) -> list[str]:
    """The choices of the template's quota group (领域) in their printed order, then any other value seen."""
    group = form.quota_field if form is not None else None
    domains: list[str] = list(group.choices) if group is not None else []
    for n in noms:
        if n.group and n.group not in domains:
            domains.append(n.group)
    return domains


def _card(n: Nomination, out_dir: Path, form: FormTemplate | None) -> dict[str, Any]:
    doc = n.document
    findings = [_finding_view(f, n, out_dir, form) for f in n.findings]
    source = n.source_file
    pages = "、".join(str(p) for p in n.pages) if n.pages else MISSING
    score = doc.get("match_score")
    search = " ".join(
        str(x) for x in (n.ident, n.record_id, n.title, n.group, n.applicant, n.recommender, n.status, source) if x
    )
    search += " " + " ".join(f"{f['code']} {f['name']} {f['message']} {f['label']}" for f in findings)
    return {
        "id": n.ident,
        "kind": n.kind,
        "status": n.status,
        "cls": STATUS_CLASSES.get(n.status, "action"),
        "title": n.title or f"（{title_label(form)}未识别）",
        "record_id": n.record_id or "无线上记录",
        "applicant": show(n.applicant) + (SEAL_SOURCE_NOTE if n.units_from_seal and n.applicant else ""),
        "recommender": show(n.recommender) + (SEAL_SOURCE_NOTE if n.units_from_seal and n.recommender else ""),
        "group": show(n.group),
        "source": show(source) if n.kind == "document" else "未收到纸质表",
        "pages": pages,
        "match_score": f"{score:.2f}" if isinstance(score, int | float) else MISSING,
        "path_taken": show(doc.get("path_taken")) if n.kind == "document" else MISSING,
        "problems": [str(p) for p in doc.get("problems") or []],
        "unreadable": show(doc.get("unreadable")) if doc.get("unreadable") else None,
        "findings": findings,
        "fields": _field_rows(n, form) if n.kind == "document" else [],
        "search": search.lower(),
    }


def _finding_view(f: dict[str, Any], n: Nomination | None, out_dir: Path, form: FormTemplate | None) -> dict[str, Any]:
    key = f.get("field")
    doc = n.document if n is not None else {}
    fields = as_dict(doc.get("fields"))
    reading = as_dict(fields.get(key)) if key else {}
    is_opinion = False
    if form is not None and key:
        try:
            is_opinion = form.field(str(key)).kind in OPINION_KINDS
        except KeyError:
            is_opinion = False
    title = form.title_field if form is not None else None
    crop_key = key or (title.key if title is not None and f.get("code") in CONTEXT_CROPS else None)
    crop_uri, crop_note = (None, None)
    if n is not None and crop_key and crop_key in n.crops:
        crop_uri, crop_note = _data_uri(out_dir, n.crops[str(crop_key)])
    paper = f.get("paper")
    if paper is None and reading:
        paper = reading.get("value")
    if paper is None and is_opinion and n is not None and key:
        paper = opinion_box_text(doc, str(key))
    online = f.get("online")
    if online is None and n is not None and key:
        online = n.online.get(str(key))
    evidence = as_dict(f.get("evidence"))
    count = evidence.get("count", reading.get("chars"))
    limit = evidence.get("limit", reading.get("limit"))
    paper_text, online_text = show(paper), "线上无此项（纸质专有）" if is_opinion else show(online)
    paper_html, online_html = (
        _marked_diff(paper_text, online_text)
        if f.get("code") == "MISMATCH"
        else (Markup(escape(paper_text)), Markup(escape(online_text)))
    )
    return {
        "code": str(f.get("code") or MISSING),
        "name": code_name(f.get("code")),
        "severity": str(effective_severity(f) or "dismissed"),
        "review": review_note(f),
        "severity_name": severity_name(effective_severity(f)) if effective_severity(f) else "已排除",
        "message": show(f.get("message")),
        "field": show(key),
        "label": field_label(key, form) if key else "",
        "paper": paper_html,
        "online": online_html,
        "count": show(count) if f.get("code") == "OVER_LIMIT" else None,
        "limit": show(limit) if f.get("code") == "OVER_LIMIT" else None,
        "page": show(f.get("page", reading.get("page"))),
        "confidence": show(f.get("confidence")),
        "records": "、".join(record_ids_of(f)) if n is None else "",
        "unit": show(f.get("unit")) if f.get("unit") else "",
        "evidence": [(evidence_name(k, f.get("code"), form), show(v)) for k, v in evidence.items()],
        "crop": crop_uri,
        "crop_note": crop_note,
        "has_visual": n is not None
        and n.kind == "document"
        and bool(crop_key)
        and (crop_uri is not None or crop_note is not None or paper_text != MISSING or online_text != MISSING),
    }


def _marked_diff(paper: str, online: str) -> tuple[Markup, Markup]:
    """Both texts escaped, with what differs between them in <mark> (what the clerk has to look at)."""
    if paper == MISSING or online == MISSING:
        return Markup(escape(paper)), Markup(escape(online))
    matcher = difflib.SequenceMatcher(a=paper, b=online, autojunk=False)
    a_parts: list[str] = []
    b_parts: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = str(escape(paper[i1:i2])), str(escape(online[j1:j2]))
        if op == "equal":
            a_parts.append(a)
            b_parts.append(b)
        else:
            a_parts.append(f"<mark>{a}</mark>" if a else "")
            b_parts.append(f"<mark>{b}</mark>" if b else "")
    return Markup("".join(a_parts)), Markup("".join(b_parts))


def _field_rows(n: Nomination, form: FormTemplate | None) -> list[dict[str, str]]:
    fields = as_dict(n.document.get("fields"))
    keys = [f.key for f in form.fields if f.kind not in OPINION_KINDS] if form else list(fields)
    keys += [k for k in fields if k not in keys]
    rows = []
    for key in keys:
        reading = as_dict(fields.get(key))
        paper = reading.get("value")
        if isinstance(paper, str) and len(paper) > 80:
            paper = paper[:80] + "…"
        online = n.online.get(key)
        if isinstance(online, str) and len(online) > 80:
            online = online[:80] + "…"
        chars = reading.get("chars")
        limit = reading.get("limit")
        rows.append(
            {
                "label": field_label(key, form),
                "paper": show(paper),
                "online": show(online) if n.document.get("online") else MISSING,
                "confidence": show(reading.get("confidence")),
                "count": f"{chars} / {limit}" if chars is not None and limit else (show(chars) if chars else ""),
            }
        )
    return rows


def _data_uri(out_dir: Path, rel: str) -> tuple[str | None, str | None]:
    """The crop as a data: URI, or None with a note saying why it is not shown."""
    path = (out_dir / rel).resolve()
    if not path.is_relative_to(out_dir.resolve()):
        return None, f"截图路径不在输出目录内：{rel}"
    try:
        data = path.read_bytes()
    except OSError:
        return None, f"截图缺失：{rel}"
    if len(data) > MAX_CROP_BYTES:
        return None, f"截图过大未嵌入：{rel}"
    mime = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg" if data[:2] == b"\xff\xd8" else None
    if mime is None:
        return None, f"截图不是 PNG/JPEG：{rel}"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", None


def _input_status(status: Any) -> str:
    return {"read": "已读取", "failed": "失败", "skipped": "跳过（重复）"}.get(str(status), show(status))
