"""Findings: what the checks found, with the evidence a clerk needs (STYLE.md §6).

Codes and their meaning are fixed by shared/CONTRACT.md. ``to_dict`` gives the
CONTRACT keys (code, field, severity, message, paper, online; record_id /
record_ids / unit / domain for batch findings) plus ``evidence``, ``page``,
``bbox`` and ``confidence``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

CODES: dict[str, str] = {
    "SEAL_MISSING": "意见栏未盖公章",
    "DATE_MISSING": "意见栏未填日期",
    "OVER_LIMIT": "字数超限",
    "MISMATCH": "纸质与线上不一致",
    "FIELD_EMPTY": "必填项为空",
    "CHOICE_INVALID": "勾选无效",
    "TRL_INVALID": "技术就绪水平量值无效",
    "INDUSTRY_INVALID": "行业分类无效",
    "NO_ONLINE_RECORD": "无对应线上记录",
    "DUPLICATE_PAPER": "重复纸质表",
    "NO_PAPER": "无纸质推荐表",
    "QUOTA_EXCEEDED": "超出推荐名额",
    "UNREADABLE": "无法识别",
    "DATE_LATE": "日期晚于截止日期",
}
"""Every finding code with its short Chinese name (for report headings).

DATE_LATE is an addition to CONTRACT.md's table (a warning: the date in an
opinion box is after the deadline)."""


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
