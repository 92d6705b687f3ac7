"""Archive file names: ``编号_技术名称.pdf``, safe on Windows and macOS, never two alike.

A clerk copies the archive folder to a Windows share or a Mac, so a name must be legal on both:
no ``<>:"/\\|?*`` or control characters, no trailing dot or space, no device name (CON, NUL, COM1…
are reserved alone or before a dot; a stem is always ``编号_名称``), at most 255 bytes in UTF-8
(macOS counts bytes, and a 汉字 is three), in NFC (macOS turns names into NFD, so two names are
compared composed). Both systems ignore case, so two names that differ only in case are the same file.
"""

from __future__ import annotations

import re
import unicodedata

SUFFIX = ".pdf"
# A name's stem is cut to this many UTF-8 bytes (the file system allows 255): room is left for
# the ``_d0001`` that tells two nominations of one name apart and for the suffix.
MAX_STEM_BYTES = 200
# What stands for a technology name that was not read.
UNNAMED = "未识别技术名称"
# Characters Windows forbids in a name (and ``/`` on every system), and control characters.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """One part of a name: NFC, forbidden characters as ``_``, runs of whitespace as one space."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))  # a line break is a space, not a forbidden character
    return _FORBIDDEN.sub("_", text).strip(" .")


def _cut(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore").rstrip(" .")


def stem(ident: str, title: str | None) -> str:
    """``KC2020-0042_基于…技术``: the record's number (or the document id) and the nomination's name (its title field)."""
    name = clean(title or "") or UNNAMED
    head = clean(ident) or "未编号"
    # Never a device name (CON, NUL…: those are reserved only alone or before a dot): "_" and a name follow.
    return _cut(f"{head}_{name}", MAX_STEM_BYTES)


def fold(name: str) -> str:
    """The name as Windows and macOS compare it: composed, case folded."""
    return unicodedata.normalize("NFC", name).casefold()


class Namer:
    """Hands out names in order; a name already given (ignoring case) gets the document id added."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def name(self, ident: str, title: str | None, document_id: str) -> str:
        base = stem(ident, title)
        candidates = [base, f"{base}_{clean(document_id)}"]
        candidates += [f"{base}_{clean(document_id)}_{n}" for n in range(2, 1000)]
        for candidate in candidates:
            file_name = candidate + SUFFIX
            if fold(file_name) not in self._taken:
                self._taken.add(fold(file_name))
                return file_name
        raise ValueError(f"no free archive name for {document_id}")  # a thousand copies of one form
