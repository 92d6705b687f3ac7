"""Which paper form is which online record: score every pair, assign one to one.

A pair's score is the weighted mean of field similarities (the template's
``match_weight`` roles; kczg-2020: the technology name most, then contact,
phone and e-mail), over the fields both sides have. The assignment maximises the total score over the whole
batch (Hungarian method, ``scipy.optimize.linear_sum_assignment``), so a form
that is a slightly better fit for a record another form needs more does not
take it first-come. Pairs under ``match_min_score`` are never matched.

Forms left over: if their best record is taken by a form with the same name
(the template's ``title`` field, after OCR tolerance), they are a second copy (DUPLICATE_PAPER; of two copies
the one earlier in the batch is the original, whichever read better);
otherwise no online record fits them (NO_ONLINE_RECORD).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from checks.compare import compare_name
from checks.options import CheckOptions
from checks.text import normalize, normalize_email, normalize_phone, strip_punct
from extract.reading import FormReading
from forms import FormTemplate
from ingest.records import OnlineRecord


def _key_value(kind: str, value: str | int | None) -> str:
    text = "" if value is None else str(value)
    if kind == "phone":
        return normalize_phone(text)
    if kind == "email":
        return normalize_email(text)
    return strip_punct(normalize(text))


def _kinds(template: FormTemplate, keys: list[str]) -> dict[str, str]:
    return {k: template.field(k).kind for k in keys}


def paper_values(reading: FormReading, template: FormTemplate, keys: list[str]) -> dict[str, str]:
    """The readable matching fields of a form, normalised for scoring by their kind."""
    out: dict[str, str] = {}
    kinds = _kinds(template, keys)
    for key in keys:
        f = reading.fields.get(key)
        if f is None or f.status != "read":
            continue
        value = _key_value(kinds[key], f.value if f.value is not None else f.raw)
        if value:
            out[key] = value
    return out


def online_values(record: OnlineRecord, template: FormTemplate, keys: list[str]) -> dict[str, str]:
    """The matching fields of an online record, normalised as the paper's are."""
    kinds = _kinds(template, keys)
    return {k: _key_value(kinds[k], record.get(k)) for k in keys}


def pair_score(paper: dict[str, str], online: dict[str, str], weights: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Weighted similarity over the fields both sides have, with each field's similarity."""
    per: dict[str, float] = {}
    total = weight = 0.0
    for key, w in weights.items():
        a, b = paper.get(key), online.get(key)
        if not a or not b:
            continue
        s = Levenshtein.normalized_similarity(a, b)
        per[key] = round(s, 4)
        total += w * s
        weight += w
    return (total / weight if weight else 0.0), per


@dataclass
class Candidate:
    record_id: str
    score: float
    title: str  # the record's value of the template's title field
    fields: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # "tech_name": the key results.json has always carried the record's title under.
        return {"record_id": self.record_id, "score": round(self.score, 4), "tech_name": self.title,
                "fields": dict(self.fields)}


@dataclass
class MatchResult:
    """Per document: the record it is (or copies), its score, and its nearest candidates."""

    matched: dict[str, Candidate] = field(default_factory=dict)  # document id -> its record
    duplicates: dict[str, tuple[Candidate, str]] = field(default_factory=dict)  # doc -> (record, original doc)
    unmatched: dict[str, list[Candidate]] = field(default_factory=dict)  # doc -> nearest records
    unmatched_records: list[str] = field(default_factory=list)


def match(readings: list[FormReading], records: list[OnlineRecord], template: FormTemplate,
          options: CheckOptions) -> MatchResult:
    """Assign paper forms to online records one to one (optimal total score)."""
    weights = options.weights(template)
    keys = list(weights)
    papers = [paper_values(r, template, keys) for r in readings]
    onlines = [online_values(rec, template, keys) for rec in records]
    title = template.title_field
    scores = np.zeros((len(readings), len(records)))
    details: dict[tuple[int, int], dict[str, float]] = {}
    for i, p in enumerate(papers):
        for j, o in enumerate(onlines):
            scores[i, j], details[i, j] = pair_score(p, o, weights)

    def cand(i: int, j: int) -> Candidate:
        rec = records[j]
        return Candidate(rec.record_id, float(scores[i, j]), rec.get(title.key) if title else "", details[i, j])

    result = MatchResult()
    owner: dict[int, int] = {}  # record index -> reading index
    if readings and records:
        from scipy.optimize import linear_sum_assignment  # here, not at import: page readers never match (40 MB)

        feasible = np.where(scores >= options.match_min_score, scores, 0.0)
        rows, cols = linear_sum_assignment(feasible, maximize=True)
        for i, j in zip(rows, cols, strict=True):
            if feasible[i, j] > 0:
                owner[int(j)] = int(i)
    assigned = {i: j for j, i in owner.items()}
    copies: set[int] = set()  # forms already settled as a second copy
    for i, reading in enumerate(readings):
        if i in assigned or i in copies:
            continue
        order = np.argsort(-scores[i]) if records else np.array([], dtype=int)
        best = int(order[0]) if len(order) else -1
        if best >= 0 and scores[i, best] >= options.match_min_score and best in owner:
            first = owner[best]
            same = _same_name(readings[i], records[best], template, options)
            if same:
                if i < first:
                    owner[best], assigned[i] = i, best  # the copy earlier in the batch is the original
                    del assigned[first]
                    i, first = first, i
                copies.add(i)
                result.duplicates[readings[i].document_id] = (cand(i, best), readings[first].document_id)
                continue
        result.unmatched[reading.document_id] = [cand(i, int(j)) for j in order[: options.max_candidates]]
    for i, j in assigned.items():
        result.matched[readings[i].document_id] = cand(i, j)
    result.unmatched_records = [rec.record_id for j, rec in enumerate(records) if j not in owner]
    return result


def _same_name(reading: FormReading, record: OnlineRecord, template: FormTemplate, options: CheckOptions) -> bool:
    title = template.title_field
    f = reading.fields.get(title.key) if title else None
    if title is None or f is None or f.status != "read":
        return True  # nothing says it is another technology; the rest of the score matched
    return compare_name(title.key, str(f.value or f.raw), record.get(title.key),
                        options.duplicate_name_max_cost).equal
