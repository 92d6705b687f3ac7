"""The one page type every source is turned into (STYLE.md §2), and its documents.

Boxes are ``[x0, y0, x1, y1]`` in pixels of ``Page.image`` (origin top left),
at ``Page.dpi``. Page numbers are 1-based within the source file.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

ColorMode = Literal["color", "gray", "bilevel"]
InputStatus = Literal["read", "failed", "skipped"]


@dataclass
class Word:
    """A word of a PDF text layer (or a DOCX cell's text), in page pixels."""

    text: str
    bbox: tuple[float, float, float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "bbox": list(self.bbox)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        x0, y0, x1, y1 = d["bbox"]
        return cls(text=d["text"], bbox=(x0, y0, x1, y1))


@dataclass
class Page:
    """One page image, upright, as BGR uint8 H×W×3, plus what the source told us."""

    image: np.ndarray
    dpi: int
    source: Path
    number: int  # 1-based within source
    color_mode: ColorMode = "color"  # what the scanner produced (before conversion to BGR)
    words: list[Word] | None = None  # text layer of a born-digital PDF page; None when scanned
    rotation: int = 0  # degrees clockwise applied to make it upright

    @functools.cached_property
    def sha256(self) -> str:
        """Of the image's shape and pixels as they are when first asked for (a cache key): hashed on demand,
        as a batch never asks (hashing every 300-dpi page cost the runner 18 ms a page beside the workers)."""
        return pixels_sha256(self.image)

    @property
    def born_digital(self) -> bool:
        return self.words is not None

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.image.shape[:2]
        return w, h


def pixels_sha256(image: np.ndarray) -> str:
    """SHA-256 of a page image's shape and pixels: the cache key of everything read from it."""
    digest = hashlib.sha256(f"{image.shape}{image.dtype}".encode())
    digest.update(np.ascontiguousarray(image).data)
    return digest.hexdigest()


@dataclass
class DocxImage:
    """A picture pasted into a DOCX table cell (a seal scan, a logo): its file bytes
    (PNG, JPEG … as embedded) and the size it is shown at on the page, in mm
    (None when the document does not say)."""

    data: bytes
    width_mm: float | None = None
    height_mm: float | None = None


@dataclass
class DocxTable:
    """A filled form made in Word: its table read cell by cell, never OCR'd.

    ``rows`` holds each row's distinct cells' texts, left to right (merged cells once).
    ``images`` holds the inline pictures of a cell, keyed by ``(row, cell)`` indexes
    into ``rows`` (cells without pictures are absent).
    """

    rows: list[list[str]]
    paragraphs: list[str] = field(default_factory=list)  # text after the table (attachments)
    images: dict[tuple[int, int], list[DocxImage]] = field(default_factory=dict)


@dataclass
class InputReport:
    """What became of one input file: read, failed (with the reason) or skipped."""

    file: str
    status: InputStatus
    reason: str = ""
    sha256: str = ""
    documents: list[str] = field(default_factory=list)
    pages: int = 0
    duplicate_of: str | None = None
    notes: list[str] = field(default_factory=list)  # what was done with it: blank pages dropped…
    # The same reason and notes for the clerk, in Chinese (reason and notes are for logs and tools).
    reason_zh: str = ""
    notes_zh: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "reason": self.reason,
            "sha256": self.sha256,
            "documents": list(self.documents),
            "pages": self.pages,
            "duplicate_of": self.duplicate_of,
            "notes": list(self.notes),
            "reason_zh": self.reason_zh,
            "notes_zh": list(self.notes_zh),
        }
