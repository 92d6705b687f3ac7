"""The checks stage as a recipe: match, run the rules, add the batch findings.

``reconcile(readings, records, template, options) -> Reconciliation``:

1. a document the reader could not read at all is one UNREADABLE finding;
2. the rest are matched to records one to one (``checks.matching``);
   leftovers are DUPLICATE_PAPER or NO_ONLINE_RECORD;
3. every registered rule runs on every document (against its record when it
   has one; the paper-only rules run either way);
4. batch findings: NO_PAPER for each record without a form, QUOTA_EXCEEDED
   for each recommending unit with more than the quota in one domain (the
   template's ``quota_group`` choice).

What the checks need to know about a field comes from the template's roles
(``title``, ``quota_group``, ``match_weight``, ``address``, ``invalid_code``,
``seal_unit``), never from a field's key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from checks.finding import Finding
from checks.matching import Candidate, match
from checks.options import CheckOptions
from checks.rules import RuleContext, quote, rules_for, section_counts
from checks.text import normalize, strip_punct
from extract.reading import FormReading
from forms import FormTemplate, load_industry_table
from ingest.records import OnlineRecord


@dataclass
class DocumentChecks:
    """What the checks found for one paper document."""

    document_id: str
    record_id: str | None = None
    match_score: float | None = None
    findings: list[Finding] = field(default_factory=list)
    # key -> chars, limit, counted, counts: every limited section and attachment read, counted once (rules.section_counts)
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    candidates: list[dict[str, Any]] = field(default_factory=list)  # nearest records when unmatched

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.document_id,
            "record_id": self.record_id,
            "match_score": None if self.match_score is None else round(self.match_score, 4),
            "findings": [f.to_dict() for f in self.findings],
            "counts": {k: dict(v) for k, v in self.counts.items()},
            "candidates": [dict(c) for c in self.candidates],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocumentChecks:
        return cls(
            document_id=d["id"],
            record_id=d.get("record_id"),
            match_score=d.get("match_score"),
            findings=[Finding.from_dict(f) for f in d.get("findings", [])],
            counts={k: dict(v) for k, v in d.get("counts", {}).items()},
            candidates=[dict(c) for c in d.get("candidates", [])],
        )


@dataclass
class Reconciliation:
    """Per-document results (in input order), batch findings, and records without paper."""

    documents: dict[str, DocumentChecks] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unmatched_records: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    def all_findings(self) -> list[Finding]:
        return [f for d in self.documents.values() for f in d.findings] + list(self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": [d.to_dict() for d in self.documents.values()],
            "findings": [f.to_dict() for f in self.findings],
            "unmatched_records": list(self.unmatched_records),
            "options": dict(self.options),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reconciliation:
        docs = [DocumentChecks.from_dict(x) for x in d.get("documents", [])]
        return cls(
            documents={x.document_id: x for x in docs},
            findings=[Finding.from_dict(f) for f in d.get("findings", [])],
            unmatched_records=list(d.get("unmatched_records", [])),
            options=dict(d.get("options", {})),
        )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per (code, field): rules sharing an unreadable input each report it."""
    seen: set[tuple[str, str | None]] = set()
    out = []
    for f in findings:
        if (f.code, f.field) not in seen:
            seen.add((f.code, f.field))
            out.append(f)
    return out


def _name(reading: FormReading, template: FormTemplate) -> str:
    """The nomination's name as read (the template's title field), or why there is none."""
    title = template.title_field
    f = reading.fields.get(title.key) if title else None
    if title is None:
        return "（表中无名称栏）"
    return str(f.value or f.raw) if f is not None and f.status == "read" else f"（{title.label}无法识别）"


def _run_rules(ctx: RuleContext) -> list[Finding]:
    found: list[Finding] = []
    for fn in rules_for(ctx.template.name):
        found.extend(fn(ctx))
    return found


def _unit_key(unit: str) -> str:
    return strip_punct(normalize(unit))


def quota_findings(records: list[OnlineRecord], template: FormTemplate) -> list[Finding]:
    """QUOTA_EXCEEDED for each (recommending unit, domain) with more records than the quota."""
    group_field, title = template.quota_field, template.title_field
    if group_field is None:
        return []  # a form without a quota_group has no quota to exceed
    groups: dict[tuple[str, str], list[OnlineRecord]] = defaultdict(list)
    for rec in records:
        unit, domain = _unit_key(rec.recommender), _unit_key(rec.get(group_field.key))
        if unit and domain:
            groups[unit, domain].append(rec)
    out = []
    quota = template.quota_per_unit_per_domain
    for group in groups.values():
        if len(group) <= quota:
            continue
        unit, domain = group[0].recommender, group[0].get(group_field.key)
        ids = [r.record_id for r in group]
        out.append(Finding(
            code="QUOTA_EXCEEDED", severity="error",
            message=f"{unit}在{domain}{template.quota_noun}推荐了{len(group)}项（{'、'.join(ids)}），"
                    f"超过每个{template.quota_noun}{quota}项的名额，请联系推荐单位确认保留哪些",
            record_ids=ids, unit=unit, domain=domain,
            # "tech_names": the key results.json has always carried the records' titles under.
            evidence={"count": len(group), "quota": quota, "tech_names": [r.get(title.key) if title else "" for r in group]},
        ))
    return out


def reconcile(readings: list[FormReading], records: list[OnlineRecord], template: FormTemplate,
              options: CheckOptions | None = None) -> Reconciliation:
    """Match paper forms to online records and check both against the template's rules."""
    options = options or CheckOptions()
    table = load_industry_table()
    by_id = {r.record_id: r for r in records}
    result = Reconciliation(options=options.to_dict())
    units = sorted({u for r in records for u in (r.applicant, r.recommender) if u})
    readable = [r for r in readings if _why_unreadable(r, template) is None]
    matches = match(readable, records, template, options)
    title = template.title_field
    for reading in readings:
        doc = DocumentChecks(reading.document_id)
        result.documents[reading.document_id] = doc
        why = _why_unreadable(reading, template)
        if why is not None:
            doc.counts = section_counts(RuleContext(reading, None, template, options, table, units))
            doc.findings.append(Finding(
                code="UNREADABLE", severity="error", document_id=reading.document_id,
                message=f"文档无法识别（{why}），请人工核对原件或重新扫描",
                evidence={"reason": why, "source": reading.source_file, "pages": reading.pages}))
            continue
        record: OnlineRecord | None = None
        pre: list[Finding] = []
        if reading.document_id in matches.matched:
            cand = matches.matched[reading.document_id]
            record, doc.record_id, doc.match_score = by_id[cand.record_id], cand.record_id, cand.score
        elif reading.document_id in matches.duplicates:
            cand, first = matches.duplicates[reading.document_id]
            record, doc.record_id, doc.match_score = by_id[cand.record_id], cand.record_id, cand.score
            pre.append(Finding(
                code="DUPLICATE_PAPER", severity="error", document_id=reading.document_id, record_id=cand.record_id,
                message=f"纸质推荐表「{quote(_name(reading, template))}」与文档{first}重复（同一线上记录{cand.record_id}），请确认后移除重复件",
                evidence={"first_document": first, "match_score": round(cand.score, 4), "fields": cand.fields}))
        else:
            near = matches.unmatched.get(reading.document_id, [])
            doc.candidates = [c.to_dict() for c in near]
            pre.append(_no_online(reading, near, template, options))
        ctx = RuleContext(reading, record, template, options, table, units)
        doc.findings = _dedupe(pre + _run_rules(ctx))
        doc.counts = section_counts(ctx)
    unreadable_docs = [r.document_id for r in readings if _why_unreadable(r, template) is not None]
    for rid in matches.unmatched_records:
        rec = by_id[rid]
        hint = f"；另有{len(unreadable_docs)}份纸质文档无法识别，请先人工核对" if unreadable_docs else ""
        name = rec.get(title.key) if title else ""
        result.findings.append(Finding(
            code="NO_PAPER", severity="error", record_id=rid,
            message=f"线上记录{rid}「{quote(name)}」（{rec.applicant}）未收到纸质推荐表，请联系推荐单位{rec.recommender}寄送{hint}",
            online=name, unit=rec.recommender or None,
            evidence={"applicant": rec.applicant, "recommender": rec.recommender,
                      "unreadable_documents": unreadable_docs}))
    result.unmatched_records = list(matches.unmatched_records)
    result.findings.extend(quota_findings(records, template))
    return result


def _why_unreadable(reading: FormReading, template: FormTemplate) -> str | None:
    """Why a whole document cannot be checked: the reader said so, or not one field of the form was found
    (a page split off its form, a foreign sheet) — one finding then, not one per field."""
    if reading.unreadable is not None:
        return reading.unreadable
    keys = [f.key for f in template.fields if f.kind != "opinion"]
    if keys and not any(reading.fields.get(k) is not None and reading.fields[k].status in ("read", "empty")
                        for k in keys):
        return "no field of the form was found on its pages"
    return None


def _no_online(reading: FormReading, near: list[Candidate], template: FormTemplate, options: CheckOptions) -> Finding:
    names = "；".join(f"{c.record_id}「{quote(c.title)}」({c.score:.2f})" for c in near)
    hint = f"最接近的线上记录：{names}" if names else "线上没有任何记录"
    return Finding(
        code="NO_ONLINE_RECORD", severity="error", document_id=reading.document_id,
        message=f"纸质推荐表「{quote(_name(reading, template))}」在线上找不到对应记录（{hint}），请核实是否已在线提交",
        paper=_name(reading, template),
        evidence={"candidates": [c.to_dict() for c in near], "min_score": options.match_min_score})
