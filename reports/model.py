"""The batch as the reports see it: options, statuses, one view per nomination.

Every writer (HTML, XLSX, CSV, letters) reads the CONTRACT.md results dict
through this module, so they all agree on what a nomination is, what its
status is and what to show when a key is missing ("—", never a crash).

A *nomination* is one paper document (matched or not) or one online record
with no paper (NO_PAPER). Its status is computed here, from the severities of
the findings that concern it (its own and the batch findings naming its
record), after the clerk's review (``review`` on a finding: dismissed ones
no longer count, confirmed ones count as errors):

- 需处理 (needs action): at least one ``error`` finding, or the document could
  not be read;
- 待核对 (to check): no error but at least one ``warning`` (an UNREADABLE
  field counts as a warning: the clerk reads that field on the paper);
- 合格 (in order): nothing but ``info`` findings, or none.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.finding import CODES
from forms.counting import COUNT_RULES
from forms.errors import TemplateError
from forms.findings import evidence_label
from forms.template import FormTemplate, load_template

log = logging.getLogger(__name__)

MISSING = "—"
"""Shown wherever the results lack a value (the reports never crash on a missing key)."""

STATUS_ACTION = "需处理"
STATUS_CHECK = "待核对"
STATUS_OK = "合格"
STATUS_ORDER: tuple[str, ...] = (STATUS_ACTION, STATUS_CHECK, STATUS_OK)
"""Nominations that need action come first in every list."""

SEVERITY_STATUS: dict[str, str] = {"error": STATUS_ACTION, "warning": STATUS_CHECK}
SEVERITY_NAMES: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

DEFAULT_SENDER = "学会联合体秘书处"
REPLY_DAYS = 7
"""Default time a unit gets to send corrections: one week from the batch date."""

COUNT_RULE_NAMES: dict[str, str] = {
    "word": "Word 字数（中文字符 + 非中文单词）",
    "chars": "非空白字符数",
}

DEFAULT_FORM = "kczg-2020"
"""The template of a results dict that names none (written before ``batch.form`` existed)."""
OTHER_LABELS: dict[str, str] = {
    "record_id": "编号",
    "applicant": "申报单位",
    "recommender": "推荐单位",
    "submitted_at": "提交时间",
}


@dataclass
class ReportOptions:
    """What the reports need beyond the results: who signs, by when, which form.

    ``batch_date`` defaults to the date the batch finished (else started, else
    today); ``reply_deadline`` to ``batch_date`` + 7 days; ``template`` to the
    template named in ``results["batch"]["form"]`` (else kczg-2020; None with a
    warning when it cannot be loaded, and the reports show field keys).
    """

    sender: str = DEFAULT_SENDER
    reply_deadline: dt.date | None = None
    batch_date: dt.date | None = None
    count_rule: str = "word"
    template: FormTemplate | None = None

    def resolved(self, results: dict[str, Any]) -> ReportOptions:
        """A copy with every default filled in from the results."""
        batch = as_dict(results.get("batch"))
        batch_date = self.batch_date or _date_of(batch.get("finished")) or _date_of(batch.get("started"))
        batch_date = batch_date or dt.date.today()
        template = self.template or results_template(results)
        return ReportOptions(
            sender=self.sender or DEFAULT_SENDER,
            reply_deadline=self.reply_deadline or batch_date + dt.timedelta(days=REPLY_DAYS),
            batch_date=batch_date,
            count_rule=self.count_rule if self.count_rule in COUNT_RULES else "word",
            template=template,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "reply_deadline": self.reply_deadline.isoformat() if self.reply_deadline else None,
            "batch_date": self.batch_date.isoformat() if self.batch_date else None,
            "count_rule": self.count_rule,
            "template": self.template.name if self.template else None,
        }


@dataclass
class ReportPaths:
    """Where write_reports put each output, and the letters it could not address."""

    results_json: Path
    html: Path
    xlsx: Path
    csv: Path
    letters: list[Path] = field(default_factory=list)
    unaddressed: list[str] = field(default_factory=list)  # one line each: a nomination with no known 推荐单位

    def to_dict(self) -> dict[str, Any]:
        return {
            "results_json": str(self.results_json),
            "html": str(self.html),
            "xlsx": str(self.xlsx),
            "csv": str(self.csv),
            "letters": [str(p) for p in self.letters],
            "unaddressed": list(self.unaddressed),
        }


@dataclass
class Nomination:
    """One nomination as the reports show it: a paper document, or an online record with no paper."""

    kind: str  # "document" | "no_paper"
    ident: str  # document id, or the record id for a record with no paper
    record_id: str | None
    title: str | None  # its name: the template's ``title`` field (kczg-2020: 技术名称)
    group: str | None  # what the quota counts it in: the template's ``quota_group`` field (kczg-2020: 所属领域)
    applicant: str | None
    recommender: str | None
    status: str
    findings: list[dict[str, Any]]
    document: dict[str, Any] = field(default_factory=dict)
    units_from_seal: bool = False  # applicant/recommender read from the seals' rings (no online record)

    @property
    def online(self) -> dict[str, Any]:
        return as_dict(self.document.get("online"))

    @property
    def source_file(self) -> str | None:
        return _text(as_dict(self.document.get("source")).get("file"))

    @property
    def pages(self) -> list[Any]:
        pages = as_dict(self.document.get("source")).get("pages")
        return list(pages) if isinstance(pages, list) else []

    @property
    def crops(self) -> dict[str, str]:
        crops = as_dict(self.document.get("crops"))
        return {str(k): v for k, v in crops.items() if isinstance(v, str)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ident": self.ident,
            "record_id": self.record_id,
            "title": self.title,
            "group": self.group,
            "applicant": self.applicant,
            "recommender": self.recommender,
            "status": self.status,
            "findings": list(self.findings),
            "units_from_seal": self.units_from_seal,
        }


def show(value: Any) -> str:
    """A value as a clerk reads it: "—" for missing or blank."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return "、".join(show(v) for v in value) if value else MISSING
    if isinstance(value, dict):
        return "；".join(f"{k}: {show(v)}" for k, v in value.items()) if value else MISSING
    text = str(value).strip()
    return text if text else MISSING


def failure_reason(failure: dict[str, Any]) -> str:
    """Why a file could not be read, as the clerk reads it: ``reason_zh`` when the run wrote one,
    else ``reason`` (results.json files written before ``reason_zh`` have only the English)."""
    return show(failure.get("reason_zh") or failure.get("reason"))


def input_reason(item: dict[str, Any], failures: list[dict[str, Any]]) -> str:
    """An ``inputs_detail`` entry's reason for the clerk, in Chinese where the run wrote it (older
    results.json files: a failed input's failure entry, else the English), with what was done with
    its pages (blank pages dropped)."""
    reason = item.get("reason_zh")
    if not reason and item.get("status") == "failed":
        reason = next((f.get("reason_zh") for f in failures if f.get("file") == item.get("file") and f.get("reason_zh")),
                      None)
    reason = reason or item.get("reason")
    notes = item.get("notes_zh") or item.get("notes") or []
    text = "；".join(str(x) for x in [reason, *notes] if x)
    return show(text or None)


def results_template(results: dict[str, Any]) -> FormTemplate | None:
    """The template the results were read with (``batch.template_file`` when it was loaded by path,
    else the built-in ``batch.form``); None, with a warning, when it cannot be loaded (the reports
    then show field keys instead of labels)."""
    batch = as_dict(results.get("batch"))
    form, source = batch.get("form"), batch.get("template_file")
    try:
        if isinstance(source, str) and source:
            return load_template(source)
        return load_template(form if isinstance(form, str) and form else DEFAULT_FORM)
    except TemplateError as exc:
        log.warning("reports without field labels: %s", exc)
        return None


def field_label(key: Any, template: FormTemplate | None) -> str:
    """The form's printed label of a field key ("—" for none, the key itself when unknown)."""
    if not key:
        return MISSING
    key = str(key)
    label = template.label_of(key) if template is not None else None
    return label or OTHER_LABELS.get(key) or key


TITLE_LABEL = "名称"
"""What a nomination's name is called when its template has no ``title`` field (or none could be loaded)."""
GROUP_LABEL = "类别"
"""What its quota group is called when the template has no ``quota_group`` field."""


def title_label(template: FormTemplate | None) -> str:
    """The printed label of the template's ``title`` field (kczg-2020: 技术名称), for headers and messages."""
    spec = template.title_field if template is not None else None
    return spec.label if spec is not None else TITLE_LABEL


def group_label(template: FormTemplate | None) -> str:
    """The printed label of the template's ``quota_group`` field (kczg-2020: 所属领域)."""
    spec = template.quota_field if template is not None else None
    return spec.label if spec is not None else GROUP_LABEL


TITLE_EVIDENCE_KEYS: tuple[str, ...] = ("tech_name", "tech_names")
"""CONTRACT.md's evidence keys for a nomination's name (a record's, a group's): named by the template's title label."""
GROUP_EVIDENCE_KEYS: tuple[str, ...] = ("domain",)
"""CONTRACT.md's evidence key for a nomination's group: named by the template's quota_group label."""


def evidence_name(key: Any, code: Any, template: FormTemplate | None) -> str:
    """An evidence key as the clerk reads it: the finding registry's name, except that a nomination's
    name and group are called what its form calls them (kczg-2020: 技术名称, 所属领域)."""
    if template is not None and key in TITLE_EVIDENCE_KEYS and template.title_field is not None:
        return template.title_field.label
    if template is not None and key in GROUP_EVIDENCE_KEYS and template.quota_field is not None:
        return template.quota_field.label
    return evidence_label(key, code)


def code_name(code: Any) -> str:
    """The short Chinese name of a finding code (the code itself when unknown)."""
    return CODES.get(str(code), str(code)) if code else MISSING


def severity_name(severity: Any) -> str:
    return SEVERITY_NAMES.get(str(severity), show(severity))


CLERK_CODES: tuple[str, ...] = ("UNREADABLE",)
"""Problems of reading, not of the form: the clerk looks at the paper (待核对); a whole
unreadable document, or a clerk's confirmation, still makes it 需处理."""

REVIEW_NAMES: dict[str, str] = {"confirmed": "已确认", "dismissed": "已排除", "corrected": "已更正"}


def effective_severity(finding: dict[str, Any]) -> str | None:
    """The severity after the clerk's review: None when dismissed, error when confirmed.

    A ``dismissed`` finding was a false alarm (it no longer counts for the
    status nor goes into a letter); a ``confirmed`` one is a real problem
    whatever its severity; a ``corrected`` one keeps its severity (the clerk
    fixed the value read, the problem may stand). An unreviewed UNREADABLE
    error counts as a warning (CLERK_CODES).
    """
    review = as_dict(finding.get("review"))
    if review.get("status") == "dismissed":
        return None
    if review.get("status") == "confirmed":
        return "error"
    severity = finding.get("severity")
    if severity == "error" and finding.get("code") in CLERK_CODES:
        return "warning"
    return str(severity) if severity else None


def review_note(finding: dict[str, Any]) -> str:
    """ "已排除（王芳：印章在背面）" or "" when the clerk has not reviewed the finding."""
    review = as_dict(finding.get("review"))
    name = REVIEW_NAMES.get(str(review.get("status")))
    if not name:
        return ""
    details = [str(review[k]) for k in ("user", "comment") if review.get(k)]
    if review.get("corrected_value"):
        details.append(f"更正为：{review['corrected_value']}")
    return f"{name}（{'：'.join(details)}）" if details else name


def status_of(findings: list[dict[str, Any]], unreadable: bool = False) -> str:
    """需处理 / 待核对 / 合格 from the findings' severities after review (see the module docstring)."""
    if unreadable:
        return STATUS_ACTION
    severities = {effective_severity(f) for f in findings}
    if "error" in severities:
        return STATUS_ACTION
    if "warning" in severities:
        return STATUS_CHECK
    return STATUS_OK


def document_status(document: dict[str, Any], batch_findings: list[dict[str, Any]] | None = None) -> str:
    """The status of one CONTRACT.md document, counting batch findings that name its record."""
    findings = _findings(document.get("findings"))
    record_id = document.get("record_id")
    if record_id and batch_findings:
        findings += [f for f in batch_findings if record_id in _record_ids(f)]
    return status_of(findings, unreadable=bool(document.get("unreadable")))


def nominations(results: dict[str, Any], template: FormTemplate | None = None) -> list[Nomination]:
    """Every nomination of the batch, those that need action first.

    Documents come with their own findings plus the batch findings that name
    their record (QUOTA_EXCEEDED); each unmatched record gets its NO_PAPER
    finding (one is made up when the results list the record without one, so
    that nothing is dropped). A nomination's name, group and units are the
    template's ``title`` and ``quota_group`` fields and the seals of its
    ``seal_unit`` boxes (``template`` defaults to the one the results name).
    """
    template = template or results_template(results)
    title = template.title_field.key if template and template.title_field else None
    group = template.quota_field.key if template and template.quota_field else None
    applicant_box, recommender_box = (_seal_box(template, unit) for unit in ("applicant", "recommender"))
    batch_findings = batch_level_findings(results)
    out: list[Nomination] = []
    for doc in _dicts(results.get("documents")):
        record_id = _text(doc.get("record_id"))
        related = [f for f in batch_findings if record_id and record_id in _record_ids(f)]
        findings = _findings(doc.get("findings")) + related
        online = as_dict(doc.get("online"))
        fields = as_dict(doc.get("fields"))
        seal_text = as_dict(doc.get("seal_text"))
        out.append(
            Nomination(
                kind="document",
                ident=_text(doc.get("id")) or MISSING,
                record_id=record_id,
                title=_field_value(online, fields, title),
                group=_field_value(online, fields, group),
                applicant=_text(online.get("applicant")) or _text(seal_text.get(applicant_box)),
                recommender=_text(online.get("recommender")) or _text(seal_text.get(recommender_box)),
                status=status_of(findings, unreadable=bool(doc.get("unreadable"))),
                findings=_sorted_findings(findings),
                document=doc,
                units_from_seal=not online.get("recommender") and bool(seal_text.get(recommender_box)),
            )
        )
    unmatched = [str(r) for r in _list(results.get("unmatched_records")) if r]
    no_paper = {f.get("record_id"): f for f in batch_findings if f.get("code") == "NO_PAPER" and f.get("record_id")}
    for record_id in [*unmatched, *[r for r in no_paper if r not in unmatched]]:
        own = no_paper.get(record_id) or {
            "code": "NO_PAPER",
            "record_id": record_id,
            "severity": "error",
            "message": "线上已提交，但未收到纸质推荐表",
            "evidence": {},
        }
        related = [f for f in batch_findings if f is not own and record_id in _record_ids(f)]
        evidence = as_dict(own.get("evidence"))
        findings = [own, *related]
        out.append(
            Nomination(
                kind="no_paper",
                ident=str(record_id),
                record_id=str(record_id),
                # NO_PAPER's evidence names the record's title "tech_name" and a finding's group is
                # "domain": CONTRACT.md's keys, whatever the form calls them.
                title=_text(evidence.get("tech_name"))
                or (_text(own.get("online")) if isinstance(own.get("online"), str) else None),
                group=_text(own.get("domain")) or _text(evidence.get("domain")),
                applicant=_text(evidence.get("applicant")),
                recommender=_text(own.get("unit")) or _text(evidence.get("recommender")),
                status=status_of(findings),
                findings=_sorted_findings(findings),
            )
        )
    return sorted(out, key=_nomination_order)


def _field_value(online: dict[str, Any], fields: dict[str, Any], key: str | None) -> str | None:
    """A field's online value, else its paper value (None without such a field)."""
    if key is None:
        return None
    return _text(online.get(key)) or _text(as_dict(fields.get(key)).get("value"))


def _seal_box(template: FormTemplate | None, unit: str) -> str:
    """The key of the opinion box carrying ``unit``'s seal ("" without one)."""
    box = template.seal_box(unit) if template is not None else None
    return box.key if box is not None else ""


def batch_level_findings(results: dict[str, Any]) -> list[dict[str, Any]]:
    return _findings(results.get("findings"))


def all_findings(results: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Every finding once, each with its document (None for batch findings)."""
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for doc in _dicts(results.get("documents")):
        out += [(f, doc) for f in _findings(doc.get("findings"))]
    out += [(f, None) for f in batch_level_findings(results)]
    return out


def record_ids_of(finding: dict[str, Any]) -> list[str]:
    return _record_ids(finding)


def format_date(day: dt.date | None) -> str:
    """2020年11月27日 (no leading zeros, as Chinese letters write dates)."""
    if day is None:
        return MISSING
    return f"{day.year}年{day.month}月{day.day}日"


def _nomination_order(n: Nomination) -> tuple[int, int, str, str]:
    status_rank = STATUS_ORDER.index(n.status) if n.status in STATUS_ORDER else 0
    return (status_rank, -len(n.findings), n.record_id or "~", n.ident)


def _sorted_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(str(effective_severity(f)), 3))


def _record_ids(finding: dict[str, Any]) -> list[str]:
    ids = [str(r) for r in _list(finding.get("record_ids")) if r]
    if finding.get("record_id"):
        ids.append(str(finding["record_id"]))
    return ids


def _findings(value: Any) -> list[dict[str, Any]]:
    return _dicts(value)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in _list(value) if isinstance(v, dict)]


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a dict, else an empty one (tolerant reading of the results)."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _date_of(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def opinion_box_text(doc: dict[str, Any], key: str) -> str | None:
    """What the paper shows in an opinion box, for the report and the review screen: seal,
    date (written but not read is not 未填写), the unit on the seal; None when nothing was read there."""
    seal = as_dict(as_dict(doc.get("seals")).get(key))
    dates = as_dict(doc.get("dates"))
    if not seal and key not in dates:
        return None
    parts = []
    if seal:
        parts.append("公章：" + ("有" if seal.get("present") else "未检测到"))
    if key in dates:
        reading = as_dict(as_dict(doc.get("date_readings")).get(key))
        if dates.get(key):
            parts.append("日期：" + show(dates.get(key)))
        elif reading.get("written") and isinstance(reading.get("month_day"), str):
            month, day = str(reading["month_day"])[2:].split("-")
            parts.append(f"日期：{int(month)}月{int(day)}日（年份看不清，按截止日期所在年份核对）")
        elif reading.get("written"):
            parts.append(f"日期：已填写，无法识别（「{show(reading.get('raw'))}」）")
        else:
            parts.append("日期：未填写")
    seal_text = as_dict(doc.get("seal_text")).get(key)
    if seal_text:
        parts.append(f"印文：{seal_text}")
    return "；".join(parts)
