"""GB/T 4754-2017 国民经济行业分类, the reference for 重点服务行业.

The table ships as package data (``forms/data/gbt4754_2017_codes.csv``; its
provenance is in ``forms/data/README.md``). The notice asks for a 中类 or a
小类, so only those two levels are valid answers; 门类 and 大类 are known so
that a too-coarse answer can be named as such.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class IndustryClass:
    code: str  # e.g. "6513"
    level: str  # 门类 / 大类 / 中类 / 小类
    name: str  # e.g. "应用软件开发"
    parent: str
    section: str  # 门类 letter
    full_code: str  # e.g. "I6513"

    @property
    def valid_answer(self) -> bool:
        """The form asks for a 中类 or a 小类."""
        return self.level in ("中类", "小类")


class IndustryTable:
    """All classes, looked up by code (with or without the section letter) or by name."""

    def __init__(self, classes: list[IndustryClass]) -> None:
        self.classes = classes
        self.by_code: dict[str, IndustryClass] = {}
        self.by_name: dict[str, list[IndustryClass]] = {}
        for c in classes:
            self.by_code.setdefault(c.code, c)
            self.by_code.setdefault(c.full_code, c)
            self.by_name.setdefault(c.name, []).append(c)

    def code(self, code: str) -> IndustryClass | None:
        return self.by_code.get(code.strip().upper())

    def name(self, name: str) -> list[IndustryClass]:
        return self.by_name.get(name.strip(), [])

    def answers(self) -> list[IndustryClass]:
        """The classes the form accepts (中类 and 小类)."""
        return [c for c in self.classes if c.valid_answer]


@lru_cache(maxsize=1)
def load_industry_table() -> IndustryTable:
    ref = resources.files("forms") / "data" / "gbt4754_2017_codes.csv"
    with ref.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return IndustryTable(
        [
            IndustryClass(
                code=r["code"],
                level=r["level"],
                name=r["name"],
                parent=r["parent"],
                section=r["section"],
                full_code=r["full_code"],
            )
            for r in rows
        ]
    )
