"""A form page its ink's cues left upside down or on its side is read again, turned.

``ingest.orientation`` decides a page's way up from its ink alone, before any OCR, and leaves a
page as it came when its votes are few or split: a wrong turn costs more than none. A page of
large, unpunctuated print can be left upside down that way. Once read, a form page says which way
up it is: its labels, with their values beside them. A scanned page read with no label (kind
"other", or "continuation" from text under the table's top edge alone, which an upside-down
page's last lines can pass for) is read again turned a half turn; a page wider than tall (the
form is portrait: it lies on its side, and a line recogniser still reads a few of its labels,
with no value beside them) is read a quarter turn either way as well. The reading with the most
values read is kept, the page as it came on a tie. A page read upright with its labels pays nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from extract.page import ExtractOptions, read_page
from ingest.orientation import rotate

if TYPE_CHECKING:
    from extract.ocr import OcrEngine
    from extract.reading import PageReading
    from forms.template import FormTemplate
    from ingest.page import Page

log = logging.getLogger(__name__)

# A page this much wider than tall is a portrait form lying on its side: the quarter turns are tried.
SIDEWAYS_RATIO = 1.15
# Kinds a page read with no label can get: a table of other text, or text under the table's top edge.
UNLABELLED_KINDS = ("other", "continuation")
# Kinds with no table: an attachment or a blank page has no labels to read in any direction.
TABLELESS_KINDS = ("attachment", "blank")


def values_read(reading: PageReading) -> int:
    """How much of the form a reading found: its fields with a value read."""
    return sum(1 for f in reading.fields.values() if f.status == "read")


def read_page_any_way_up(page: Page, template: FormTemplate, options: ExtractOptions | None = None,
                         engine: OcrEngine | None = None) -> PageReading:
    """``read_page``; a scanned page read with no label, or lying on its side, is read again turned
    and the turn with the most values read is kept."""
    reading = read_page(page, template, options, engine=engine)
    if page.words is not None or reading.kind in TABLELESS_KINDS:
        return reading  # born digital (upright by construction), or no table to read labels from
    h, w = page.image.shape[:2]
    if w > h * SIDEWAYS_RATIO:
        turns = [90, 270, 180]
    elif reading.kind in UNLABELLED_KINDS and not reading.fields:
        turns = [180]
    else:
        return reading
    best, best_turn = reading, 0
    for degrees in turns:
        turned = dataclasses.replace(page, image=rotate(page.image, degrees), rotation=(page.rotation + degrees) % 360)
        again = read_page(turned, template, options, engine=engine)
        if values_read(again) > values_read(best):
            best, best_turn = again, degrees
    if best_turn:
        # The page as the archive re-renders it from ingest is turned the same way, then levelled by
        # the first reading's angle: the runner deskews a page in place, so a second read measures ~0.
        best.turned, best.skew_deg = best_turn, reading.skew_deg
        log.info("%s page %d: %d values read as it came, %d turned %d°: kept turned",
                 page.source, page.number, values_read(reading), values_read(best), best_turn)
    return best
