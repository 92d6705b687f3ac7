"""Findings: what the checks found, with the evidence a clerk needs (STYLE.md §6).

Codes and their meaning are fixed by shared/CONTRACT.md and listed, with their Chinese
names and letter wording, in the registry ``forms/findings.py``. ``to_dict`` gives the
CONTRACT keys (code, field, severity, message, paper, online; record_id /
record_ids / unit / domain for batch findings) plus ``evidence``, ``page``,
``bbox`` and ``confidence``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from forms.findings import code_labels

Severity = Literal["error", "warning", "info"]

CODES: dict[str, str] = code_labels()
"""Every finding code with its short Chinese name (for report headings), from the one registry
(``forms/data/findings.toml``). DATE_LATE and VALUE_INVALID are additions to CONTRACT.md's table
(DATE_LATE a warning: the date in an opinion box is after the deadline; VALUE_INVALID an integer
field outside its range on a form whose template names no code of its own)."""


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str  # in Chinese, something a clerk can act on
    field: str | None = None
    document_id: str | None = None
    record_id: str | None = None
    record_ids: list[str] | None = None
    unit: str | None = None
    domain: str | None = None
    paper: Any = None
    online: Any = None
    page: int | None = None
    bbox: list[int] | None = None
    confidence: float | None = None
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def key(self) -> str:
        """Stable identity across re-runs (for review decisions): code + field + record."""
        who = self.record_id or ",".join(self.record_ids or []) or self.document_id or ""
        return f"{self.code}:{self.field or ''}:{who}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "code": self.code,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
            "paper": self.paper,
            "online": self.online,
        }
        for name in ("record_id", "record_ids", "unit", "domain", "page", "bbox", "confidence", "document_id"):
            value = getattr(self, name)
            if value is not None:
                d[name] = value
        d["evidence"] = dict(self.evidence)
        d["key"] = self.key
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in names})
