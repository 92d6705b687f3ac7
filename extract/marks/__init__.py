"""The marks a clerk looks for: ticked boxes, official seals (and their text), dates.

``extract.read_page`` calls these on the cells it found (through ``marks.boxes``); every crop is BGR uint8
at the page's dpi, deskewed; boxes returned are relative to the crop.

- ``read_ticks(cell_bgr, choices, dpi) -> TickReading``
- ``read_seal(box_bgr, dpi, color_mode) -> SealReading``
- ``read_seal_text(box_bgr, seal_bbox, dpi, ocr_line) -> (text | None, confidence)``
- ``read_date(box_bgr, dpi, ocr_line) -> DateReading``
- ``remove_red(bgr, dpi=300) -> bgr`` (red ink to paper colour, before OCR of text cells)

``ocr_line(image) -> (text, confidence)`` is the caller's one-line reader (extract/ocr.py).
"""

from extract.marks.color import remove_red
from extract.marks.dates import parse_date, read_date
from extract.marks.seal_text import read_seal_text
from extract.marks.seals import read_seal
from extract.marks.ticks import TickReading, read_ticks

__all__ = ["TickReading", "parse_date", "read_date", "read_seal", "read_seal_text", "read_ticks", "remove_red"]
