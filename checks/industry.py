"""Resolve what a unit wrote as 重点服务行业 to a GB/T 4754-2017 class.

Units write a 中类/小类 by name, by code, or both: ``6513``, ``I6513``,
``应用软件开发``, ``6513 应用软件开发``, ``应用软件开发（6513）``. A code is
looked up directly; a name exactly, then by similarity to every class name
(OCR misreads a glyph or two). Either one naming a 中类 or 小类 is enough; a
class that exists only as a 门类 or 大类 is too coarse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from rapidfuzz import fuzz, process

from checks.text import normalize, similarity, strip_punct
from forms import IndustryClass, IndustryTable, load_industry_table

IndustryStatus = Literal["ok", "coarse", "unknown", "empty"]

_CODE = re.compile(r"([A-Za-z]?)(\d{2,5})")
_SECTION_READ_AS_ONE = "1"  # "I6513" read with the I as a 1: five digits starting with 1
_FULL_CODE_DIGITS = 4
_SHORTLIST = 8  # candidates rapidfuzz hands to the confusion-aware similarity


@dataclass
class IndustryMatch:
    status: IndustryStatus
    text: str
    cls: IndustryClass | None = None  # the class accepted (or the coarse one named)
    by: str = ""  # "code" | "name" | "fuzzy-name"
    score: float = 1.0  # similarity of the name to the class name when by fuzzy-name
    note: str = ""  # e.g. code and name disagree

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "text": self.text,
            "code": self.cls.full_code if self.cls else None,
            "name": self.cls.name if self.cls else None,
            "level": self.cls.level if self.cls else None,
            "by": self.by,
            "score": round(self.score, 3),
            "note": self.note,
        }


def _key(name: str) -> str:
    return strip_punct(normalize(name))


@lru_cache(maxsize=4)
def _names(table: IndustryTable) -> tuple[list[str], list[IndustryClass]]:
    """Every class name in comparison form, with its class (cached per table object)."""
    keys, classes = [], []
    for c in table.classes:
        keys.append(_key(c.name))
        classes.append(c)
    return keys, classes


def _by_code(digits: str, letter: str, table: IndustryTable) -> IndustryClass | None:
    candidates = [letter.upper() + digits, digits] if letter else [digits]
    if len(digits) == _FULL_CODE_DIGITS + 1 and digits.startswith(_SECTION_READ_AS_ONE):
        candidates.append(digits[1:])
    for code in candidates:
        cls = table.code(code)
        if cls is not None:
            return cls
    return None


def _by_name(name: str, table: IndustryTable, cutoff: float) -> tuple[IndustryClass | None, str, float]:
    if not name:
        return None, "", 0.0
    keys, classes = _names(table)
    exact = [c for k, c in zip(keys, classes, strict=True) if k == name]
    if exact:
        best = next((c for c in exact if c.valid_answer), exact[0])
        return best, "name", 1.0
    found: tuple[IndustryClass | None, float] = (None, 0.0)
    for _, _, i in process.extract(name, keys, scorer=fuzz.ratio, limit=_SHORTLIST):
        score = similarity(name, keys[i])
        better = score > found[1] or (score == found[1] and found[0] is not None and not found[0].valid_answer
                                      and classes[i].valid_answer)
        if better:
            found = (classes[i], score)
    if found[0] is not None and found[1] >= cutoff:
        return found[0], "fuzzy-name", found[1]
    return None, "", found[1]


def resolve_industry(text: str | None, cutoff: float, table: IndustryTable | None = None) -> IndustryMatch:
    """Classify ``text`` as a valid 中类/小类 ("ok"), a 门类/大类 ("coarse"), "unknown" or "empty"."""
    table = table or load_industry_table()
    raw = (text or "").strip()
    flat = normalize(raw)
    if not strip_punct(flat):
        return IndustryMatch("empty", raw)
    code_cls: IndustryClass | None = None
    m = _CODE.search(flat)
    name_part = flat
    if m:
        code_cls = _by_code(m.group(2), m.group(1), table)
        name_part = flat[: m.start()] + flat[m.end():]
    name = strip_punct(name_part)
    name_cls, by, score = _by_name(name, table, cutoff)
    for cls, how in ((code_cls, "code"), (name_cls, by)):
        if cls is not None and cls.valid_answer:
            other = name_cls if how == "code" else code_cls
            note = ""
            if other is not None and other.code != cls.code:
                note = f"代码与名称指向不同类别：{code_cls.full_code if code_cls else ''} / {name_cls.name if name_cls else ''}"
            return IndustryMatch("ok", raw, cls, how, score if how != "code" else 1.0, note)
    coarse = code_cls or name_cls
    if coarse is not None:
        return IndustryMatch("coarse", raw, coarse, "code" if code_cls else by, score)
    return IndustryMatch("unknown", raw, None, "", score)
