"""Load and validate form templates (``forms/*.toml``).

A template is data: the printed labels and their OCR variants, each field's
kind, limit and choices, which opinion boxes need a seal and a date, the
online export's column names, the deadline and the quota. Adding a form is
adding a TOML file here (or passing a path), not writing code.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from forms.errors import TemplateError

FieldKind = Literal["text", "choice", "industry", "integer", "phone", "email", "opinion"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    key: str
    label: str
    kind: FieldKind
    variants: list[str] = Field(default_factory=list)
    required: bool = True
    long: bool = False  # a multi-line section (may continue onto the next page)
    limit: int | None = None  # 字 limit (CONTRACT counting rule)
    choices: list[str] = Field(default_factory=list)
    min: int | None = None
    max: int | None = None
    hint: str | None = None  # printed guidance inside the label or value cell
    online_columns: list[str] = Field(default_factory=list)
    # opinion boxes only
    seal_required: bool = False
    date_required: bool = False
    seal_label: str | None = None
    printed_text: str | None = None
    seal_unit: Literal["applicant", "recommender"] | None = None

    @model_validator(mode="after")
    def _check_kind(self) -> FieldSpec:
        if self.kind == "choice" and len(self.choices) < 2:
            raise ValueError(f"field {self.key}: a choice needs at least two choices")
        if self.kind != "choice" and self.choices:
            raise ValueError(f"field {self.key}: only a choice field has choices")
        if self.kind == "integer" and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError(f"field {self.key}: an integer field needs min <= max")
        if self.kind == "opinion" and not self.seal_label:
            raise ValueError(f"field {self.key}: an opinion box needs seal_label")
        if self.limit is not None and self.limit <= 0:
            raise ValueError(f"field {self.key}: limit must be positive")
        return self

    @property
    def labels(self) -> list[str]:
        """The printed label first, then the OCR variants."""
        return [self.label, *self.variants]


class AttachmentSpec(_Strict):
    key: str
    label: str
    headings: list[str]
    limit: int


class GroupSpec(_Strict):
    label: str
    keys: list[str]


class OnlineSpec(_Strict):
    record_id: list[str]
    applicant: list[str]
    recommender: list[str]
    submitted_at: list[str]
    required: list[str]


class FormTemplate(_Strict):
    name: str
    title: str
    subtitle: str = ""
    first_page_markers: list[str]
    deadline: dt.date
    quota_per_unit_per_domain: int = Field(gt=0)
    footer: str = ""
    groups: list[GroupSpec] = Field(default_factory=list)
    fields: list[FieldSpec]
    attachments: list[AttachmentSpec] = Field(default_factory=list)
    online: OnlineSpec

    @model_validator(mode="after")
    def _check_keys(self) -> FormTemplate:
        keys = [f.key for f in self.fields] + [a.key for a in self.attachments]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate keys: {', '.join(dupes)}")
        known = set(keys) | {"record_id", "applicant", "recommender", "submitted_at"}
        for group in self.groups:
            missing = [k for k in group.keys if k not in known]
            if missing:
                raise ValueError(f"group {group.label} names unknown keys: {', '.join(missing)}")
        unknown_required = [k for k in self.online.required if k not in known]
        if unknown_required:
            raise ValueError(f"online.required names unknown keys: {', '.join(unknown_required)}")
        return self

    def field(self, key: str) -> FieldSpec:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    @property
    def opinion_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.kind == "opinion"]

    @property
    def choice_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.kind == "choice"]

    @property
    def limited_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.limit is not None]

    def online_columns(self) -> dict[str, list[str]]:
        """Every online key with the column headers that mean it (labels and the key itself)."""
        cols: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind == "opinion":
                continue
            cols[f.key] = [*dict.fromkeys([*f.online_columns, f.label, f.key])]
        for extra in ("record_id", "applicant", "recommender", "submitted_at"):
            names: list[str] = getattr(self.online, extra)
            cols[extra] = [*dict.fromkeys([*names, extra])]
        return cols


def template_names() -> list[str]:
    """Names of the built-in templates (TOML files in this package)."""
    folder = resources.files("forms")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_template(name_or_path: str | Path = "kczg-2020") -> FormTemplate:
    """Load a built-in template by name, or a template file by path.

    Raises TemplateError with one line saying what is wrong.
    """
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text = path.read_text(encoding="utf-8")
        where = str(path)
    else:
        ref = resources.files("forms") / f"{name_or_path}.toml"
        if not ref.is_file():
            known = ", ".join(template_names())
            raise TemplateError(f"unknown form template {name_or_path!r} (known: {known})")
        text = ref.read_text(encoding="utf-8")
        where = f"{name_or_path}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{where}: not valid TOML: {exc}") from exc
    try:
        return FormTemplate.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise TemplateError(f"{where}: {loc}: {first['msg']}") from exc
