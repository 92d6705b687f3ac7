"""Load and validate form templates (``forms/*.toml``).

A template is data: the printed labels and their OCR variants, each field's
kind, limit and choices, which opinion boxes need a seal and a date, the
online export's column names, the deadline and the quota. Adding a form is
adding a TOML file here (or passing a path), not writing code.

What the code needs to know about a field is one of its *roles*, declared here
and never looked up by key: the nomination's ``title`` (its name in messages,
the one compared for a second copy), the ``quota_group`` (the choice the quota
counts per unit), ``match_weight`` (the fields paper forms are matched to
records by), ``address`` (compared leniently, as an address), an integer
field's ``invalid_code`` (the finding for a value outside ``min``-``max``), and
an opinion box's ``seal_unit`` (whose seal: the applicant's or the
recommender's). Phone and e-mail are field kinds.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from forms.errors import TemplateError
from forms.findings import value_check_codes

FieldKind = Literal["text", "choice", "industry", "integer", "phone", "email", "opinion"]
DEFAULT_QUOTA_NOUN = "类别"
"""What a form's groups are called in messages and letters when its template does not say (``quota_noun``)."""
DEFAULT_INVALID_CODE = "VALUE_INVALID"
"""The finding for an integer field outside its range when the template names no other."""


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
    # roles (module docstring)
    title: bool = False
    quota_group: bool = False
    match_weight: float = Field(default=0.0, ge=0.0)
    address: bool = False
    invalid_code: str | None = None  # integer fields: default DEFAULT_INVALID_CODE

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
        if self.invalid_code is not None:
            if self.kind != "integer":
                raise ValueError(f"field {self.key}: only an integer field has an invalid_code")
            if self.invalid_code not in value_check_codes():
                known = ", ".join(value_check_codes())
                raise ValueError(f"field {self.key}: invalid_code {self.invalid_code!r} is not a value-check code ({known})")
        if self.quota_group and self.kind != "choice":
            raise ValueError(f"field {self.key}: the quota_group must be a choice field")
        if self.seal_unit is not None and self.kind != "opinion":
            raise ValueError(f"field {self.key}: only an opinion box has a seal_unit")
        return self

    @property
    def value_code(self) -> str:
        """The finding for an integer field's value outside its range."""
        return self.invalid_code or DEFAULT_INVALID_CODE

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


LETTER_TITLE_MAX_LINES = 2
"""A letter's title is one or two centred lines (GB/T 9704-2012 titles are short; more would crowd the page)."""


class LetterSpec(_Strict):
    """What the 补正通知 calls itself and the materials it is about: the notice's own words, per form.

    ``title`` is the letter's title in its printed lines (a line breaks where the sense does, as
    official letters break them); ``materials`` names what the units sent (“贵单位报送的{materials}已收悉”)."""

    title: list[str] = Field(default_factory=lambda: ["关于补正推荐材料的通知"], min_length=1,
                             max_length=LETTER_TITLE_MAX_LINES)
    materials: str = "推荐材料"


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
    issued: dt.date | None = None  # the notice's own date: no form answering it is signed before it
    quota_per_unit_per_domain: int = Field(gt=0)
    quota_noun: str = DEFAULT_QUOTA_NOUN  # the notice's word for a group the quota counts in (kczg-2020: 领域)
    footer: str = ""
    groups: list[GroupSpec] = Field(default_factory=list)
    fields: list[FieldSpec]
    attachments: list[AttachmentSpec] = Field(default_factory=list)
    online: OnlineSpec
    letters: LetterSpec = Field(default_factory=LetterSpec)
    source: str | None = None  # the TOML file it was loaded from by path (None: a built-in template)

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
        for role in ("title", "quota_group"):
            having = [f.key for f in self.fields if getattr(f, role)]
            if len(having) > 1:
                raise ValueError(f"only one field can be the {role}: {', '.join(having)}")
        if not any(f.match_weight > 0 for f in self.fields):
            raise ValueError("no field has a match_weight: paper forms could not be matched to records")
        units = [f.seal_unit for f in self.fields if f.seal_unit]
        if len(units) != len(set(units)):
            raise ValueError("two opinion boxes carry the same unit's seal")
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

    @property
    def title_field(self) -> FieldSpec | None:
        """The field that names a nomination (``title``)."""
        return next((f for f in self.fields if f.title), None)

    @property
    def quota_field(self) -> FieldSpec | None:
        """The choice the quota counts a unit's nominations in (``quota_group``)."""
        return next((f for f in self.fields if f.quota_group), None)

    @property
    def match_weights(self) -> dict[str, float]:
        """Field key → weight in the score a paper form is matched to an online record by."""
        return {f.key: f.match_weight for f in self.fields if f.match_weight > 0}

    @property
    def address_keys(self) -> tuple[str, ...]:
        """Fields compared as addresses (leniently: a misread glyph is not a change, a digit is)."""
        return tuple(f.key for f in self.fields if f.address)

    @property
    def numeric_keys(self) -> frozenset[str]:
        """Fields whose online values are numbers typed by people (integers and phone numbers)."""
        return frozenset(f.key for f in self.fields if f.kind in ("integer", "phone"))

    def seal_box(self, unit: str) -> FieldSpec | None:
        """The opinion box carrying ``unit``'s seal ("applicant" | "recommender")."""
        return next((f for f in self.opinion_fields if f.seal_unit == unit), None)

    def label_of(self, key: str) -> str | None:
        """The printed label of a field or attachment key; None when the template has no such key."""
        for f in self.fields:
            if f.key == key:
                return f.label
        for a in self.attachments:
            if a.key == key:
                return a.label
        return None

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
        template = FormTemplate.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise TemplateError(f"{where}: {loc}: {first['msg']}") from exc
    if path.suffix == ".toml" and path.exists():
        return template.model_copy(update={"source": str(path.resolve())})
    return template
