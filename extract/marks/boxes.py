"""The marks stage on a labelled cell of the form: a choice cell's ticks and an opinion box's
seal (with its ring text) and date, boxes offset from the cell's crop to page pixels.

A text layer or a DOCX cell says the same in characters: a tick character before an option
(``ticks_from_text``), a date in the cell's words (``date_from_text``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from extract.grid import Cell, crop
from extract.labels import squash
from extract.marks.dates import notice_years, parse_date, read_date
from extract.marks.seal_text import fill_seal_text, read_seal_lines_spilled
from extract.marks.seals import read_seal
from extract.marks.ticks import TICK_MIN_INK, read_ticks
from extract.ocr import OcrBox, OcrEngine, OcrText, line_reader
from extract.reading import DateReading, FieldReading, PageReading, SealReading
from forms.template import FieldSpec
from ingest.page import Page

# Characters people and word processors use for a ticked box.
TICK_CHARS = "☑☒■√✓✔▣◼●"
EMPTY_BOX_CHARS = "□☐"
# The end of an opinion cell's text kept as a date's raw text (the date is written last).
DATE_RAW_CHARS = 40


def not_before(date: DateReading, issued: dt.date | None) -> DateReading:
    """An OCR'd date read before the notice was ``issued`` left unread: no form answering the notice is
    signed before it, so a glyph was lost or misread (gray-01 of rob seed 726362: 十一月 with its 一 close
    under the 十 read 十月, a sure 2020-10-07 for 11-07). Month and day are not kept: they are what is wrong."""
    if issued is None or date.value is None or date.value >= issued.isoformat():
        return date
    return DateReading(present=True, value=None, raw=date.raw, confidence=round(date.confidence * 0.5, 3), bbox=date.bbox,
                       status="unreadable", reason=f"read as {date.value}, before the notice's date {issued.isoformat()}")


def ticks_from_text(text: str, choices: list[str]) -> list[str] | None:
    """Choices preceded by a tick character (☑ ■ √ …); None when no box character is there at all."""
    s = squash(text)
    if not any(ch in s for ch in TICK_CHARS + EMPTY_BOX_CHARS):
        return None
    chosen = []
    for c in choices:
        i = s.find(c)
        if i > 0 and s[i - 1] in TICK_CHARS:
            chosen.append(c)
    return chosen


def chosen_value(fr: FieldReading, chosen: list[str]) -> FieldReading:
    """A choice field given the options read as ticked: its value is the one ticked option, or
    None when none or several are."""
    fr.chosen = chosen
    fr.value = chosen[0] if len(chosen) == 1 else None
    return fr


def date_from_text(text: str, page: int | None = None, bbox: list[int] | None = None) -> DateReading:
    """The date written in an opinion cell's text (a text layer's words, a DOCX cell)."""
    iso = parse_date(text)
    return DateReading(present=iso is not None, value=iso, raw=text[-DATE_RAW_CHARS:], confidence=1.0 if iso else 0.0,
                       page=page, bbox=bbox if iso else None)


def read_choice(spec: FieldSpec, color: np.ndarray, cell: Cell, t: OcrText, page: Page, engine: str) -> FieldReading:
    """Ticks of a choice cell: the marks stage on the pixels, else tick characters in the text."""
    fr = FieldReading(key=spec.key, value=None, raw=t.text, page=page.number, bbox=list(cell.bbox), engine="ticks")
    # A text layer may carry the tick as a character (☑); otherwise the pixels decide.
    chosen = ticks_from_text(t.text, list(spec.choices)) if page.born_digital else None
    if chosen is not None:
        fr.confidence = 1.0
    else:
        # Inside the rules: a rule and a glyph stroke must not close into a square.
        inner = cell.inner(max(2, page.dpi // 60))
        # The cell's OCR boxes, in the crop's pixels: where the boxes cannot be counted, each is
        # found from its option word.
        words = [OcrBox(b.text, (b.bbox[0] - inner[0], b.bbox[1] - inner[1], b.bbox[2] - inner[0], b.bbox[3] - inner[1]),
                        b.confidence) for b in t.boxes]
        tr = read_ticks(crop(color, inner), list(spec.choices), page.dpi, words)
        if tr.status != "read":
            fr.status, fr.reason, fr.confidence = "unreadable", tr.reason, 0.0
            return fr
        chosen, fr.option_scores, fr.confidence = list(tr.chosen), dict(tr.scores), float(tr.confidence)
        if tr.placed == "words":
            fr.reason = "tick boxes found from their option words (the printed squares could not be counted)"
        ringed = [c for c, v in tr.rings.items() if c in chosen and (tr.scores.get(c) or 0.0) < TICK_MIN_INK]
        if ringed:
            fr.reason = (fr.reason + "; " if fr.reason else "") + f"ringed, box left empty: {' '.join(ringed)}"
    return chosen_value(fr, chosen)


def read_opinion(spec: FieldSpec, color: np.ndarray, cell: Cell, t: OcrText, page: Page, eng: OcrEngine | None,
                 reading: PageReading, deadline_year: int | None = None, deadline: dt.date | None = None,
                 issued: dt.date | None = None) -> None:
    """Seal (and its ring text) and date of an opinion box; boxes offset to page pixels. A date's
    year is believed only near ``deadline_year`` (the template's deadline; ``dates.read_date``), a
    date after ``deadline`` under a seal's ring is read again without it, and one read before the
    notice was ``issued`` is not believed (``not_before``)."""
    box = crop(color, cell.bbox)
    x0, y0 = cell.bbox[0], cell.bbox[1]
    seal: SealReading = read_seal(box, page.dpi, page.color_mode)
    rel: list[int] | None = None
    if seal.bbox is not None:
        rel = list(seal.bbox)
        if eng is not None:  # the ring's text needs OCR: never on a born-digital page
            # a seal at the box's edge may run out of it: its ring is followed onto the page
            fill_seal_text(seal, read_seal_lines_spilled(color, list(cell.bbox), rel, page.dpi, line_reader(eng)))
        seal.bbox = [rel[0] + x0, rel[1] + y0, rel[2] + x0, rel[3] + y0]
    seal.page = page.number
    seal.box_bbox = list(cell.bbox)
    reading.seals[spec.key] = seal
    date: DateReading
    if eng is not None:
        year = deadline.year if deadline is not None else deadline_year
        years = notice_years(year) if year is not None else None
        date = not_before(read_date(box, page.dpi, line_reader(eng), seal_bbox=rel, years=years, deadline=deadline),
                          issued)
        if date.bbox is not None:
            date.bbox = [date.bbox[0] + x0, date.bbox[1] + y0, date.bbox[2] + x0, date.bbox[3] + y0]
    else:  # text layer: the date is in the cell's words
        date = date_from_text(t.text, bbox=list(cell.bbox))
    date.page = page.number
    reading.dates[spec.key] = date
