"""The finding codes, their Chinese names, letter wording and evidence labels: one registry.

The data is ``forms/data/findings.toml``; everything that names a code reads it from here (the
checks' ``Finding``, the results schema, report.html, report.xlsx, findings.csv, the letters
and the review screen), so a code is added, renamed in Chinese or reworded in one place.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forms.errors import TemplateError

Scope = Literal["document", "batch", "any"]

REGISTRY_FILE = "data/findings.toml"


class FindingCode(BaseModel):
    """One code: what it is called, where it applies, how a letter words it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    label: str  # short Chinese name (report headings, filters)
    scope: Scope = "document"
    plain: str | None = None  # the problem in a unit's words (letters); None: the finding's message
    remedy: str | None = None  # what the unit sends back (letters)
    unit_wide: bool = False  # about the recommending unit as a whole: once per letter
    for_clerk: bool = False  # a reading problem: the secretariat's to look at, never in a letter
    value_check: bool = False  # may be named by a template's integer field as its `invalid_code`


class _Registry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: list[FindingCode]
    evidence: dict[str, str] = Field(default_factory=dict)
    evidence_by_code: dict[str, dict[str, str]] = Field(default_factory=dict)


@cache
def _registry() -> _Registry:
    text = (resources.files("forms").joinpath(REGISTRY_FILE)).read_text(encoding="utf-8")
    try:
        reg = _Registry.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise TemplateError(f"{REGISTRY_FILE}: {exc}") from exc
    names = [c.code for c in reg.codes]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise TemplateError(f"{REGISTRY_FILE}: codes listed twice: {', '.join(dupes)}")
    return reg


def finding_codes() -> dict[str, FindingCode]:
    """Every code, in the registry's order (the order reports list them in)."""
    return {c.code: c for c in _registry().codes}


def code_labels() -> dict[str, str]:
    """Code → short Chinese name."""
    return {c.code: c.label for c in _registry().codes}


def value_check_codes() -> tuple[str, ...]:
    """Codes a template's integer field may name as the finding for a value out of its range."""
    return tuple(c.code for c in _registry().codes if c.value_check)


def evidence_label(key: Any, code: Any = None) -> str:
    """An evidence key as a clerk reads it (the key itself when the registry has no name for it)."""
    reg = _registry()
    by_code = reg.evidence_by_code.get(str(code), {}) if code else {}
    return by_code.get(str(key)) or reg.evidence.get(str(key)) or str(key)


def evidence_labels() -> dict[str, str]:
    """Every evidence key with its Chinese name."""
    return dict(_registry().evidence)
