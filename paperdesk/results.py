"""The results dict of shared/CONTRACT.md, built from what a batch read and found.

Small functions, one per part of the dict. Besides the CONTRACT keys, each
document carries what the reports and the review screen use: ``crops`` (PNG
paths relative to the output folder), ``online`` (the matched record),
``path_taken``, ``problems``, ``attachments`` and ``page_images`` (each form page's
JPEG preview: path relative to the output folder, and the page's width and height at the
read dpi, the pixels the boxes are in); the batch carries
``online_records`` and ``inputs_detail``. Every finding gets ``review`` (the
clerk's stored decision, or None).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from checks.finding import Finding
from extract.reading import FieldReading, FormReading
from forms.template import FormTemplate
from ingest.page import InputReport
from ingest.records import OnlineRecord
from paperdesk.stages import DocumentMatch
from paperdesk.store import Decision

CROPS_DIR = "crops"
PAGES_DIR = "pages"
# Whitespace with a CJK character (ideograph, CJK punctuation, full-width form) on
# either side is an OCR artefact, not a word break (CONTRACT.md: value).
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")


def strip_cjk_spaces(text: str) -> str:
    """``"技 术 名称 GaN  器件"`` → ``"技术名称GaN器件"``; spaces between latin words stay."""
    return _CJK_SPACE.sub("", text).strip()


@dataclass
class DocumentResult:
    """One document as the runner has it when results are built."""

    reading: FormReading
    match: DocumentMatch
    record: OnlineRecord | None
    crops: dict[str, str] = field(default_factory=dict)  # key -> relative PNG path
    files: list[str] | None = None  # the files of a document spread over a folder of page files
    page_images: dict[int, str] = field(default_factory=dict)  # page -> relative JPEG path


def crop_path(document_id: str, key: str) -> str:
    return f"{CROPS_DIR}/{document_id}-{key}.png"


def preview_path(document_id: str, page: int) -> str:
    return f"{PAGES_DIR}/{document_id}-p{page}.jpg"


def page_images(reading: FormReading, paths: dict[int, str]) -> dict[str, dict[str, Any]]:
    """``page_images``: each written page preview by page number, with the page's size at the read dpi."""
    return {
        str(page): {"path": rel, "width": reading.page_sizes[page][0], "height": reading.page_sizes[page][1]}
        for page, rel in sorted(paths.items())
        if page in reading.page_sizes
    }


def field_dict(reading: FieldReading, counted: dict[str, Any] | None = None) -> dict[str, Any]:
    """One field of CONTRACT.md ``fields``. ``counted`` is what the checks decided of a limited section
    (``checks.rules.section_counts``: its 字, its limit, which text was counted); results only say it."""
    value: Any = reading.value
    if isinstance(value, str):
        value = strip_cjk_spaces(value)
    d: dict[str, Any] = {
        "value": value,
        "confidence": reading.confidence,
        "page": reading.page,
        "bbox": reading.bbox,
        "status": reading.status,
    }
    if reading.reason:
        d["reason"] = reading.reason
    if counted is not None:
        d["chars"], d["counted"], d["limit"] = counted["chars"], counted["counted"], counted["limit"]
    return d


def attachments_dict(reading: FormReading, counted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each attachment's 字 and limit as the checks counted them, and its pages."""
    out: dict[str, Any] = {}
    for key, att in reading.attachments.items():
        c = counted.get(key, {})
        out[key] = {"chars": c.get("chars"), "counted": c.get("counted"), "limit": c.get("limit"), "pages": list(att.pages)}
    return out


def with_review(finding: dict[str, Any], subject: str, decisions: dict[tuple[str, str], Decision]) -> dict[str, Any]:
    decision = decisions.get((subject, str(finding.get("key", ""))))
    return {**finding, "review": decision.to_dict() if decision else None}


def finding_subject(finding: Finding | dict[str, Any], document_id: str | None = None) -> str:
    """Whom a review decision is about: the record, else the document (a decision survives re-runs)."""
    d = finding.to_dict() if isinstance(finding, Finding) else finding
    if d.get("record_id"):
        return str(d["record_id"])
    if d.get("record_ids"):
        return ",".join(d["record_ids"])
    return str(d.get("document_id") or document_id or "")


def document_dict(doc: DocumentResult, decisions: dict[tuple[str, str], Decision]) -> dict[str, Any]:
    r = doc.reading
    subject = doc.match.record_id or r.document_id
    source: dict[str, Any] = {"file": r.source_file, "pages": [p for p in r.pages if p not in r.attachment_pages]}
    if doc.files:
        source["files"] = list(doc.files)
    return {
        "id": r.document_id,
        "source": source,
        "record_id": doc.match.record_id,
        "match_score": doc.match.match_score,
        "fields": {k: field_dict(f, doc.match.counts.get(k)) for k, f in r.fields.items()},
        "seals": {
            k: {"present": s.present, "confidence": s.confidence, "page": s.page, "bbox": s.bbox,
                # what the ring says: the name (upper arc, = seal_text) and the code or subtitle (lower arc)
                "name": s.text, "name_confidence": s.text_confidence, "code": s.code,
                "code_confidence": s.code_confidence, "subtitle": s.subtitle, "subtitle_confidence": s.subtitle_confidence}
            for k, s in r.seals.items()
        },
        "dates": {k: (d.value if d.present else None) for k, d in r.dates.items()},
        "seal_text": {k: s.text for k, s in r.seals.items()},
        # "dates" says only the value; this says whether a date is written but not read, and what was seen.
        "date_readings": {
            k: {"written": d.present, "value": d.value, "month_day": d.month_day, "raw": d.raw, "status": d.status,
                "reason": d.reason}
            for k, d in r.dates.items()
        },
        "findings": [with_review(f.to_dict(), subject, decisions) for f in doc.match.findings],
        "crops": dict(doc.crops),
        "page_images": page_images(r, doc.page_images),
        "online": _online(doc.record),
        "path_taken": r.path_taken,
        "problems": list(r.problems),
        "unreadable": r.unreadable,
        "attachments": attachments_dict(r, doc.match.counts),
    }


def _online(record: OnlineRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        **record.fields,
        "record_id": record.record_id,
        "applicant": record.applicant,
        "recommender": record.recommender,
        "submitted_at": record.submitted_at,
    }


def failure_entry(file: str, reason: str, reason_zh: str | None = None) -> dict[str, str]:
    """One ``failures`` entry: ``reason`` in English (CONTRACT.md, read by other programs) and,
    when the reader gave one, ``reason_zh`` beside it, the same reason for the clerk."""
    entry = {"file": file, "reason": reason}
    if reason_zh:
        entry["reason_zh"] = reason_zh
    return entry


def unreadable_finding(failure: dict[str, str]) -> Finding:
    """The batch finding for an input (or part of one) that could not be read, in the clerk's Chinese when known."""
    return Finding(
        code="UNREADABLE",
        severity="error",
        message=f"文件无法读取：{failure['file']}（{failure.get('reason_zh') or failure['reason']}）",
        evidence=dict(failure),
    )


def failures(inputs: list[InputReport], page_failures: list[dict[str, str]]) -> list[dict[str, str]]:
    """Every input that failed, then every page that could not be read, each with its reason."""
    out = [failure_entry(i.file, i.reason, i.reason_zh or None) for i in inputs if i.status == "failed"]
    return out + list(page_failures)


def batch_dict(
    form: str,
    started: dt.datetime,
    finished: dt.datetime,
    inputs: list[InputReport],
    documents: list[DocumentResult],
    online_records: int,
) -> dict[str, Any]:
    pages = sum(i.pages for i in inputs)  # the pages read: also those of an input on which no form was found
    return {
        "form": form,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "inputs": len(inputs),
        "documents": len(documents),
        "pages": pages,
        "failed_inputs": sum(1 for i in inputs if i.status == "failed"),
        "online_records": online_records,
        "inputs_detail": [
            {"file": i.file, "status": i.status, "reason": i.reason, "duplicate_of": i.duplicate_of, "notes": i.notes,
             "reason_zh": i.reason_zh, "notes_zh": i.notes_zh}
            for i in inputs
        ],
    }


def build_results(
    *,
    template: FormTemplate,
    started: dt.datetime,
    finished: dt.datetime,
    inputs: list[InputReport],
    documents: list[DocumentResult],
    batch_findings: list[Finding],
    unmatched_records: list[str],
    online_records: int,
    page_failures: list[dict[str, str]],
    decisions: dict[tuple[str, str], Decision],
) -> dict[str, Any]:
    """The whole CONTRACT.md dict."""
    failed = failures(inputs, page_failures)
    found = [*(unreadable_finding(f) for f in failed), *batch_findings]
    batch = batch_dict(template.name, started, finished, inputs, documents, online_records)
    if template.source:  # a template loaded by path: the reports and the review screen load it from there
        batch["template_file"] = template.source
    return {
        "batch": batch,
        "documents": [document_dict(d, decisions) for d in documents],
        "unmatched_records": list(unmatched_records),
        "failures": failed,
        "findings": [with_review(f.to_dict(), finding_subject(f), decisions) for f in found],
    }


def apply_decisions(results: dict[str, Any], decisions: dict[tuple[str, str], Decision]) -> dict[str, Any]:
    """The same results with every finding's ``review`` refreshed from the store (``paperdesk report``)."""
    docs = []
    for doc in results.get("documents", []):
        subject = doc.get("record_id") or doc.get("id") or ""
        docs.append({**doc, "findings": [with_review(f, subject, decisions) for f in doc.get("findings", [])]})
    batch = [with_review(f, finding_subject(f), decisions) for f in results.get("findings", [])]
    return {**results, "documents": docs, "findings": batch}


def comparable(results: dict[str, Any]) -> dict[str, Any]:
    """The results without what differs between two runs of the same batch (times)."""
    batch = {k: v for k, v in results.get("batch", {}).items() if k not in ("started", "finished")}
    return {**results, "batch": batch}
