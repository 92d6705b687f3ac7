"""The online platform's records, as the rest of the pipeline sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class OnlineRecord:
    """One online submission. ``fields`` is keyed by the template's field keys
    (tech_name, domain, …), values normalised but otherwise as exported."""

    record_id: str
    fields: dict[str, str]
    applicant: str = ""
    recommender: str = ""
    submitted_at: str | None = None  # ISO date or datetime
    extra: dict[str, str] = field(default_factory=dict)  # unknown columns, kept
    row: int = 0  # 1-based row in the export (header is row 1 in XLSX/CSV)

    def get(self, key: str) -> str:
        if key == "applicant":
            return self.applicant
        if key == "recommender":
            return self.recommender
        return self.fields.get(key, "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "fields": dict(self.fields),
            "applicant": self.applicant,
            "recommender": self.recommender,
            "submitted_at": self.submitted_at,
            "extra": dict(self.extra),
            "row": self.row,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OnlineRecord:
        return cls(
            record_id=d["record_id"],
            fields=dict(d.get("fields", {})),
            applicant=d.get("applicant", ""),
            recommender=d.get("recommender", ""),
            submitted_at=d.get("submitted_at"),
            extra=dict(d.get("extra", {})),
            row=d.get("row", 0),
        )


@dataclass
class OnlineExport:
    """A whole export file: its records and what reading it noticed."""

    path: str
    records: list[OnlineRecord]
    encoding: str | None = None  # for CSV: the encoding detected and used
    unknown_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each (duplicate ids, blank rows…)
