"""The OCR look-alike table: characters recognisers read for one another in Latin print.

One table for the reader (``extract.values``: which of two engines' e-mail or phone reading to
keep where they differ only in look-alikes) and the checks (``checks.text``: a look-alike swap
costs a quarter of an edit when paper and online are compared). Each string is one group; any
two characters of a group are look-alikes.
"""

from __future__ import annotations

LATIN_LOOKALIKES: tuple[str, ...] = ("0OoD〇", "1lI|i", "5Ss", "2Zz", "8B", "6b", "9g")
"""Digits and the letters (and 〇, |) Tesseract chi_sim and PP-OCR read for them in 300 dpi print."""


def lookalike_sets() -> list[frozenset[str]]:
    """``LATIN_LOOKALIKES`` as sets, for membership tests."""
    return [frozenset(g) for g in LATIN_LOOKALIKES]
