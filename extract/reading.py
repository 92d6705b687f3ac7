"""What reading one form produced: typed results that export themselves.

Boxes are ``[x0, y0, x1, y1]`` in pixels of the page image at the dpi the page
was read at (CONTRACT.md); ``page`` is 1-based within the source file.
``to_dict`` gives the CONTRACT.md shape plus extra keys; ``from_dict``
round-trips it (the store and the Dask workers rely on that).
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from ingest.stacks import PageKind

FieldStatus = Literal["read", "empty", "not_found", "unreadable"]
BBox = list[int]


@dataclass
class FieldReading:
    """One field as read from paper.

    ``value`` is typed (``trl`` an int, ``phone``/``email`` normalised, a choice
    the single ticked option or None); ``raw`` keeps the text exactly as read.
    """

    key: str
    value: str | int | None
    raw: str = ""
    confidence: float = 0.0
    page: int | None = None
    bbox: BBox | None = None
    engine: str = ""  # tesseract | rapidocr | hybrid | text-layer | docx | ticks
    status: FieldStatus = "read"
    chosen: list[str] | None = None  # choice fields: every option read as ticked
    option_scores: dict[str, float] | None = None  # choice fields: ink score per option
    reason: str = ""  # why status is not "read"
    other_reading: str | None = None  # the second engine's text where it differs from ``raw`` (hybrid)
    # e-mail: positions in ``value`` of an o/0, i/1/l whose glyph on the scan told which it is (extract.glyphs);
    # a short text field: of a CJK glyph the engines read apart that both read alike alone (extract.lone_glyphs);
    # None where the glyphs were not looked at (the checks then take every look-alike as OCR's doubt)
    glyphs_decided: list[int] | None = None
    # an integer field: the text extract took as the written answer where it read past stray glyphs around
    # it (8 of 「8电装」) or repaired a look-alike (1 of 「I」); None where ``raw`` as written is the answer
    answer: str | None = None
    # a short text field: [position in ``value``, character, probability] for each character the recogniser,
    # reading the line again, put at that glyph's place with at least ``lone_glyphs.GLYPH_DOUBT_MIN`` (臭 at
    # 0.015 under a 奥 read on a 1-bit scan); None where the line was not read again
    glyph_doubts: list[list[int | str | float]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FieldReading:
        return cls(**d)


@dataclass
class SealReading:
    """Is there an official seal in an opinion box, where, and what does its ring say."""

    present: bool
    confidence: float
    page: int | None = None
    bbox: BBox | None = None  # the seal's box when present
    box_bbox: BBox | None = None  # the opinion box searched
    text: str | None = None  # unit name read from the ring (upper arc)
    text_confidence: float = 0.0
    # every distinct reading of the name at the cuts tried, the reader's choice first: [text, confidence]
    text_candidates: list[list[str | float]] = field(default_factory=list)
    code: str | None = None  # the 13-digit code on the lower arc (digits only)
    code_confidence: float = 0.0
    subtitle: str | None = None  # a line such as 合同专用章 on the lower arc
    subtitle_confidence: float = 0.0
    method: str = ""  # colour | shape (gray or bilevel scans) | docx
    status: FieldStatus = "read"  # unreadable when the box was not found
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SealReading:
        return cls(**d)


@dataclass
class DateReading:
    """The date written in an opinion box (年 月 日)."""

    present: bool
    value: str | None = None  # ISO date when it could be read
    raw: str = ""
    confidence: float = 0.0
    page: int | None = None
    bbox: BBox | None = None
    status: FieldStatus = "read"
    reason: str = ""
    # "--MM-DD" (ISO 8601 without the year) when only month and day could be read: the
    # year hidden under a seal. The checks judge it against the deadline's year.
    month_day: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DateReading:
        return cls(**d)


@dataclass
class AttachmentReading:
    """Detailed material mailed after the form (详细材料), counted not compared."""

    key: str
    text: str
    pages: list[int] = field(default_factory=list)
    confidence: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AttachmentReading:
        return cls(**d)


@dataclass
class FormReading:
    """Everything read from one document (one form and its attachments)."""

    document_id: str
    source_file: str
    pages: list[int]
    path_taken: str  # ocr | text-layer | docx | mixed
    fields: dict[str, FieldReading] = field(default_factory=dict)
    seals: dict[str, SealReading] = field(default_factory=dict)
    dates: dict[str, DateReading] = field(default_factory=dict)
    attachments: dict[str, AttachmentReading] = field(default_factory=dict)
    attachment_pages: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each: label not found, page not upright…
    unreadable: str | None = None  # set when the whole document could not be read, with the reason
    crops: dict[str, bytes] = field(default_factory=dict)  # PNG crops by field key, for reports
    page_sizes: dict[int, list[int]] = field(default_factory=dict)  # page -> [width, height, dpi]
    previews: dict[int, bytes] = field(default_factory=dict)  # page -> JPEG of the whole page, for the review screen

    def to_dict(self, with_crops: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "document_id": self.document_id,
            "source_file": self.source_file,
            "pages": list(self.pages),
            "path_taken": self.path_taken,
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "seals": {k: v.to_dict() for k, v in self.seals.items()},
            "dates": {k: v.to_dict() for k, v in self.dates.items()},
            "attachments": {k: v.to_dict() for k, v in self.attachments.items()},
            "attachment_pages": list(self.attachment_pages),
            "problems": list(self.problems),
            "unreadable": self.unreadable,
            "page_sizes": {str(k): v for k, v in self.page_sizes.items()},
        }
        if with_crops:
            d["crops"] = {k: base64.b64encode(v).decode("ascii") for k, v in self.crops.items()}
            d["previews"] = {str(k): base64.b64encode(v).decode("ascii") for k, v in self.previews.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FormReading:
        return cls(
            document_id=d["document_id"],
            source_file=d["source_file"],
            pages=list(d["pages"]),
            path_taken=d["path_taken"],
            fields={k: FieldReading.from_dict(v) for k, v in d.get("fields", {}).items()},
            seals={k: SealReading.from_dict(v) for k, v in d.get("seals", {}).items()},
            dates={k: DateReading.from_dict(v) for k, v in d.get("dates", {}).items()},
            attachments={k: AttachmentReading.from_dict(v) for k, v in d.get("attachments", {}).items()},
            attachment_pages=list(d.get("attachment_pages", [])),
            problems=list(d.get("problems", [])),
            unreadable=d.get("unreadable"),
            crops={k: base64.b64decode(v) for k, v in d.get("crops", {}).items()},
            page_sizes={int(k): list(v) for k, v in d.get("page_sizes", {}).items()},
            previews={int(k): base64.b64decode(v) for k, v in d.get("previews", {}).items()},
        )


@dataclass
class PageReading:
    """What one page said. No full page image inside (it is cached and shipped to workers): only
    a small JPEG preview of a form page for the review screen."""

    source: str
    page: int
    kind: PageKind
    width: int
    height: int
    dpi: int
    path: str = "ocr"  # ocr | text-layer
    engine: str = ""
    skew_deg: float = 0.0
    turned: int = 0  # clockwise quarter turns in degrees extract applied after ingest to read it (extract.turned)
    fields: dict[str, FieldReading] = field(default_factory=dict)
    continued: FieldReading | None = None  # text under an empty label at the top: a section from the page before
    seals: dict[str, SealReading] = field(default_factory=dict)
    dates: dict[str, DateReading] = field(default_factory=dict)
    text: str = ""  # running text outside any table (attachments) or the title band
    crops: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)  # labelled cells: key, role, bbox
    preview: bytes = b""  # JPEG of the prepared page at PREVIEW_DPI (form pages only), for the review screen

    def renumbered(self, new: int) -> PageReading:
        """This reading as page ``new`` of its stack (a folder of one-page files is numbered as one
        stack): the page and every page number it carries (its fields, the section continued from
        the page before, its seals and dates) that named this page. A copy; this one is unchanged."""
        old = self.page

        def moved(page: int | None) -> int | None:
            return new if page == old else page

        return replace(
            self,
            page=new,
            fields={k: replace(f, page=moved(f.page)) for k, f in self.fields.items()},
            continued=replace(self.continued, page=moved(self.continued.page)) if self.continued else None,
            seals={k: replace(s, page=moved(s.page)) for k, s in self.seals.items()},
            dates={k: replace(d, page=moved(d.page)) for k, d in self.dates.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "page": self.page,
            "kind": self.kind,
            "width": self.width,
            "height": self.height,
            "dpi": self.dpi,
            "path": self.path,
            "engine": self.engine,
            "skew_deg": self.skew_deg,
            "turned": self.turned,
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "continued": self.continued.to_dict() if self.continued else None,
            "seals": {k: v.to_dict() for k, v in self.seals.items()},
            "dates": {k: v.to_dict() for k, v in self.dates.items()},
            "text": self.text,
            "crops": {k: base64.b64encode(v).decode("ascii") for k, v in self.crops.items()},
            "problems": list(self.problems),
            "cells": [dict(c) for c in self.cells],
            "preview": base64.b64encode(self.preview).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageReading:
        return cls(
            source=d["source"],
            page=int(d["page"]),
            kind=d["kind"],
            width=int(d["width"]),
            height=int(d["height"]),
            dpi=int(d["dpi"]),
            path=d.get("path", "ocr"),
            engine=d.get("engine", ""),
            skew_deg=float(d.get("skew_deg", 0.0)),
            turned=int(d.get("turned", 0)),
            fields={k: FieldReading.from_dict(v) for k, v in d.get("fields", {}).items()},
            continued=FieldReading.from_dict(d["continued"]) if d.get("continued") else None,
            seals={k: SealReading.from_dict(v) for k, v in d.get("seals", {}).items()},
            dates={k: DateReading.from_dict(v) for k, v in d.get("dates", {}).items()},
            text=d.get("text", ""),
            crops={k: base64.b64decode(v) for k, v in d.get("crops", {}).items()},
            problems=list(d.get("problems", [])),
            cells=[dict(c) for c in d.get("cells", [])],
            preview=base64.b64decode(d.get("preview") or ""),
        )
