"""What the review screen shows: a batch's nominations with the clerks' decisions laid over them.

Nominations come from ``reports.model.nominations`` (the reports and the screen
agree on what a nomination is). A decision is stored by *subject* (the record
id, or the document id for a paper form that matched no record; for a batch
finding naming several records, their ids joined by ",") and *finding key*
(``Finding.key``: code, field and record), so it survives a re-run of the
batch: a new run has new row ids but the same subjects and keys. The runner
applies decisions to the reports by the same pair (``paperdesk.results``).

Review state of a finding: ``open`` (no decision), ``confirmed``,
``dismissed`` or ``corrected`` (the clerk typed the value the paper really
says). A nomination is ``open`` while one of its findings is; then
``confirmed`` when at least one finding stands (confirmed, or corrected to a
value that still differs from the online one); else ``dismissed``; a
nomination without findings is ``clean``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from forms.template import FormTemplate, load_template
from paperdesk.results import finding_subject
from reports.model import (
    Nomination,
    code_name,
    evidence_name,
    field_label,
    group_label,
    nominations,
    opinion_box_text,
    results_template,
    severity_name,
    show,
    title_label,
)

SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

STATE_OPEN = "open"
STATE_CONFIRMED = "confirmed"
STATE_DISMISSED = "dismissed"
STATE_CORRECTED = "corrected"
STATE_CLEAN = "clean"

STATE_NAMES: dict[str, str] = {
    STATE_OPEN: "待审核",
    STATE_CONFIRMED: "已确认",
    STATE_DISMISSED: "已排除",
    STATE_CORRECTED: "已更正",
    STATE_CLEAN: "无问题",
}
FILTER_STATES: tuple[str, ...] = (STATE_OPEN, STATE_CONFIRMED, STATE_DISMISSED, STATE_CLEAN)
"""The states the list can be filtered by (a nomination is never ``corrected`` as a whole)."""

ACTION_STATUS: dict[str, str] = {"confirm": "confirmed", "dismiss": "dismissed", "correct": "corrected"}
"""Form button → stored decision status (paperdesk.store.DECISION_STATUSES)."""
ACTION_NAMES: dict[str, str] = {"confirmed": "确认", "dismissed": "排除", "corrected": "更正", "reopened": "撤销"}
"""A step of a finding's review history (paperdesk.store.DecisionEvent.action) as the clerk reads it."""

KIND_DOCUMENT = "document"
KIND_NO_PAPER = "no_paper"


@dataclass
class ReviewFinding:
    """One finding of a nomination with its decision (None while open)."""

    index: int  # position within the nomination (anchors, keyboard focus)
    key: str  # Finding.key: what the decision is stored under, with the subject
    subject: str  # record id (several joined by "," for a group finding), or the document id
    finding: dict[str, Any]
    decision: dict[str, Any] | None = None  # Decision.to_dict()
    template: FormTemplate | None = None  # the batch's: names the evidence of a nomination's name and group

    @property
    def code(self) -> str:
        return str(self.finding.get("code") or "")

    @property
    def field(self) -> str | None:
        value = self.finding.get("field")
        return str(value) if value else None

    @property
    def severity(self) -> str:
        return str(self.finding.get("severity") or "")

    @property
    def state(self) -> str:
        if self.decision is None:
            return STATE_OPEN
        return str(self.decision.get("status") or STATE_OPEN)

    @property
    def stands(self) -> bool:
        """Whether the problem stands after review (confirmed, or corrected to a value still unlike the online one)."""
        if self.state == STATE_CONFIRMED:
            return True
        if self.state == STATE_CORRECTED and self.decision is not None:
            online = self.finding.get("online")
            corrected = self.decision.get("corrected_value")
            return online is None or _normal(corrected) != _normal(online)
        return False

    @property
    def evidence(self) -> list[tuple[str, str]]:
        """The finding's evidence as (name, value) rows, values as text (escaped by the template)."""
        evidence = self.finding.get("evidence")
        if not isinstance(evidence, dict):
            return []
        return [(evidence_name(k, self.code, self.template), show(v)) for k, v in evidence.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "key": self.key, "subject": self.subject, "finding": dict(self.finding), "decision": self.decision,
                "state": self.state}


@dataclass
class ReviewItem:
    """One nomination as the screen shows it."""

    ident: str  # URL part: "d:<document id>" or "r:<record id>"
    subject: str  # what decisions on its own findings are stored under: record id, else document id
    nomination: Nomination
    findings: list[ReviewFinding] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.nomination.kind

    @property
    def state(self) -> str:
        states = [f.state for f in self.findings]
        if not states:
            return STATE_CLEAN
        if STATE_OPEN in states:
            return STATE_OPEN
        if any(f.stands for f in self.findings):
            return STATE_CONFIRMED
        return STATE_DISMISSED

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.findings if f.state == STATE_OPEN)

    @property
    def codes(self) -> list[tuple[str, int, str]]:
        """(code, how often, worst severity) of the findings, in the order they are listed (most severe first)."""
        counts = Counter(f.code for f in self.findings)
        worst: dict[str, str] = {}
        for f in self.findings:
            if f.code not in worst or SEVERITY_RANK.get(f.severity, 3) < SEVERITY_RANK.get(worst[f.code], 3):
                worst[f.code] = f.severity
        return [(code, n, worst[code]) for code, n in counts.items()]

    @property
    def document(self) -> dict[str, Any]:
        return self.nomination.document

    def finding(self, key: str) -> ReviewFinding | None:
        for f in self.findings:
            if f.key == key:
                return f
        return None

    def matches(self, query: ListQuery) -> bool:
        n = self.nomination
        if query.group and n.group != query.group:
            return False
        if query.unit and n.recommender != query.unit:
            return False
        if query.code and not any(f.code == query.code for f in self.findings):
            return False
        if query.state and self.state != query.state:
            return False
        if query.text:
            needle = _normal(query.text)
            haystack = [n.title, n.record_id, n.applicant, n.recommender, n.ident]
            if not any(needle in _normal(h) for h in haystack if h):
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "ident": self.ident,
            "subject": self.subject,
            "state": self.state,
            "nomination": self.nomination.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class ListQuery:
    """The list's filters, as given in the URL (empty = no filter)."""

    group: str = ""  # the template's quota group (kczg-2020: 所属领域)
    code: str = ""
    unit: str = ""
    state: str = ""
    text: str = ""

    @classmethod
    def from_params(cls, params: dict[str, str]) -> ListQuery:
        def get(name: str) -> str:
            return str(params.get(name) or "").strip()[:MAX_QUERY_CHARS]

        state = get("state")
        # ``domain=``: what the group filter was called before it was the template's; old links keep working.
        return cls(group=get("group") or get("domain"), code=get("code"), unit=get("unit"),
                   state=state if state in FILTER_STATES else "", text=get("q"))

    def params(self) -> dict[str, str]:
        pairs = {"group": self.group, "code": self.code, "unit": self.unit, "state": self.state, "q": self.text}
        return {k: v for k, v in pairs.items() if v}

    def to_dict(self) -> dict[str, str]:
        return self.params()


MAX_QUERY_CHARS = 200
"""A filter value longer than any unit name or title is cut (nothing useful is that long)."""


@dataclass
class BatchView:
    """A finished batch with its decisions: everything the pages draw from."""

    batch_id: int
    out_dir: Path
    results: dict[str, Any]
    template: FormTemplate
    items: list[ReviewItem]
    loose_findings: list[dict[str, Any]]  # batch findings that name no record (an unreadable input)

    def item(self, ident: str) -> ReviewItem | None:
        for item in self.items:
            if item.ident == ident:
                return item
        return None

    def filtered(self, query: ListQuery) -> list[ReviewItem]:
        return [item for item in self.items if item.matches(query)]

    def neighbours(self, ident: str, query: ListQuery) -> tuple[ReviewItem | None, ReviewItem | None]:
        """The previous and next nomination in the filtered list (for j / k)."""
        shown = self.filtered(query)
        idents = [i.ident for i in shown]
        if ident not in idents:
            return None, (shown[0] if shown else None)
        at = idents.index(ident)
        return (shown[at - 1] if at > 0 else None), (shown[at + 1] if at + 1 < len(shown) else None)

    def choices(self) -> dict[str, list[tuple[str, int]]]:
        """Filter options with how many nominations each would show."""
        groups = Counter(i.nomination.group for i in self.items if i.nomination.group)
        units = Counter(i.nomination.recommender for i in self.items if i.nomination.recommender)
        codes = Counter(code for i in self.items for code in {f.code for f in i.findings})
        states = Counter(i.state for i in self.items)
        return {
            "group": _ordered(groups, list(self.template.quota_field.choices) if self.template.quota_field else []),
            "unit": sorted(units.items()),
            "code": sorted(codes.items()),
            "state": [(s, states.get(s, 0)) for s in FILTER_STATES],
        }

    @property
    def title_label(self) -> str:
        """What the form calls a nomination's name (its title field's label)."""
        return title_label(self.template)

    @property
    def group_label(self) -> str:
        """What the form calls the group the quota counts in (its quota_group field's label)."""
        return group_label(self.template)

    def crop_path(self, item: ReviewItem, key: str) -> Path | None:
        """The file of one crop of a nomination, only if the results name it and it lies inside out_dir."""
        crops = item.document.get("crops")
        if not isinstance(crops, dict):
            return None
        relative = crops.get(key)
        return self._inside_out_dir(relative) if isinstance(relative, str) else None

    def page_image(self, item: ReviewItem, page: int) -> tuple[Path | None, int, int] | None:
        """A nomination's page image as the results list it: (the file inside out_dir, or None when
        it is not there any more — the store still has it —, page width, page height at read dpi)."""
        images = item.document.get("page_images")
        if not isinstance(images, dict):
            return None
        entry = images.get(str(page))
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            return None
        width, height = entry.get("width"), entry.get("height")
        if not isinstance(width, int) or not isinstance(height, int) or width <= 0 or height <= 0:
            return None
        return self._inside_out_dir(entry["path"]), width, height

    def _inside_out_dir(self, relative: str) -> Path | None:
        return resolve_inside(self.out_dir, relative)


def resolve_inside(root: Path, relative: str) -> Path | None:
    """``root / relative`` if it is an existing file inside ``root`` (symlinks resolved), else None."""
    if not relative or "\0" in relative:
        return None
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


@dataclass(frozen=True)
class PreparedBatch:
    """A batch's nominations and finding keys, worked out once per batch (decisions are laid on per request)."""

    batch_id: int
    out_dir: Path
    results: dict[str, Any]
    template: FormTemplate
    entries: list[tuple[str, str, Nomination, list[tuple[int, str, str, dict[str, Any]]]]]
    # (ident, subject, nomination, [(index, finding key, decision subject, finding)])
    loose_findings: list[dict[str, Any]]

    def with_decisions(self, decisions: dict[tuple[str, str], dict[str, Any]]) -> BatchView:
        """A fresh view with each finding's decision (by subject and finding key)."""
        items = []
        for ident, subject, nomination, findings in self.entries:
            item = ReviewItem(ident=ident, subject=subject, nomination=nomination)
            item.findings = [ReviewFinding(index=index, key=key, subject=who, finding=finding,
                                           decision=decisions.get((who, key)), template=self.template)
                             for index, key, who, finding in findings]
            items.append(item)
        return BatchView(batch_id=self.batch_id, out_dir=self.out_dir, results=self.results,
                         template=self.template, items=items, loose_findings=self.loose_findings)


def prepare(batch_id: int, out_dir: Path, results: dict[str, Any]) -> PreparedBatch:
    """The nominations of a batch's results with the subject and key each finding is decided under."""
    form = results.get("batch", {}).get("form") if isinstance(results.get("batch"), dict) else None
    template = results_template(results) or _template(form if isinstance(form, str) and form else "kczg-2020")
    batch_findings = {id(f) for f in _dicts(results.get("findings"))}
    entries = []
    for nomination in nominations(results, template):
        prefix = "d" if nomination.kind == KIND_DOCUMENT else "r"
        subject = nomination.record_id or nomination.ident
        seen: Counter[tuple[str, str]] = Counter()
        findings = []
        for index, finding in enumerate(nomination.findings):
            # A batch finding (NO_PAPER, QUOTA_EXCEEDED) is decided once for all the records it names,
            # under the same subject the runner applies decisions with (paperdesk.results).
            who = finding_subject(finding) if id(finding) in batch_findings else subject
            key = finding_key(finding, nomination)
            seen[(who, key)] += 1
            if seen[(who, key)] > 1:  # two findings alike in code, field and record: keep both reviewable
                key = f"{key}#{seen[(who, key)]}"
            findings.append((index, key, who, finding))
        entries.append((f"{prefix}:{nomination.ident}", subject, nomination, findings))
    loose = [f for f in _dicts(results.get("findings")) if not f.get("record_id") and not f.get("record_ids")]
    return PreparedBatch(batch_id=batch_id, out_dir=out_dir, results=results, template=template,
                         entries=entries, loose_findings=loose)


def build_view(batch_id: int, out_dir: Path, results: dict[str, Any],
               decisions: dict[tuple[str, str], dict[str, Any]]) -> BatchView:
    """The batch's nominations with each finding's decision (by subject and finding key)."""
    return prepare(batch_id, out_dir, results).with_decisions(decisions)


@lru_cache(maxsize=8)
def _template(name: str) -> FormTemplate:
    return load_template(name)


def finding_key(finding: dict[str, Any], nomination: Nomination | None = None) -> str:
    """``Finding.key`` of a finding dict: the stored ``key``, else made the same way (code:field:record)."""
    stored = finding.get("key")
    if isinstance(stored, str) and stored:
        return stored
    record_ids = finding.get("record_ids")
    who = (finding.get("record_id")
           or (",".join(str(r) for r in record_ids) if isinstance(record_ids, list) else "")
           or finding.get("document_id")
           or (nomination.record_id or nomination.ident if nomination is not None else "")
           or "")
    return f"{finding.get('code') or ''}:{finding.get('field') or ''}:{who}"


def field_rows(item: ReviewItem, template: FormTemplate) -> list[dict[str, Any]]:
    """Every template field of a paper nomination: paper value, online value, confidence, crop, flagged or not."""
    fields = item.document.get("fields")
    fields = fields if isinstance(fields, dict) else {}
    online = item.nomination.online
    crops = item.document.get("crops")
    crops = crops if isinstance(crops, dict) else {}
    flagged = {f.field for f in item.findings if f.field}
    rows = []
    for spec in template.fields:
        reading = fields.get(spec.key)
        reading = reading if isinstance(reading, dict) else {}
        rows.append({
            "key": spec.key,
            "label": spec.label,
            "paper": show(reading.get("value")) if spec.kind != "opinion" else (opinion_box_text(item.document, spec.key) or "未读到"),
            "online": show(online.get(spec.key)) if spec.kind != "opinion" else "",
            "confidence": reading.get("confidence"),
            "chars": reading.get("chars"),
            "limit": reading.get("limit") or spec.limit,
            "page": reading.get("page"),
            "crop": spec.key if spec.key in crops else None,
            "flagged": spec.key in flagged,
        })
    return rows


def labels(template: FormTemplate) -> dict[str, Any]:
    """The helpers templates call to name codes, fields, severities and states in Chinese."""
    return {
        "code_name": code_name,
        "field_label": lambda key: field_label(key, template),
        "severity_name": severity_name,
        "state_name": lambda state: STATE_NAMES.get(state, state),
        "action_name": lambda action: ACTION_NAMES.get(action, action),
        "show": show,
    }


def _ordered(counts: Counter[str], order: list[str]) -> list[tuple[str, int]]:
    known = [(name, counts[name]) for name in order if name in counts]
    rest = sorted((name, n) for name, n in counts.items() if name not in order)
    return known + rest


def _normal(value: Any) -> str:
    """Text for comparing and searching: NFKC, no whitespace, lower case."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
