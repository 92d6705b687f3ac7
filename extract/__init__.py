"""Stage 2: read each document into one ``FormReading``.

preprocess → find the grid → label the cells (template) → OCR each value
cell → ticks, seals, dates.
"""

from extract.page import ExtractOptions, PageReading, assemble, read_docx_form, read_page
from extract.reading import AttachmentReading, DateReading, FieldReading, FormReading, SealReading

__all__ = [
    "AttachmentReading",
    "DateReading",
    "ExtractOptions",
    "FieldReading",
    "FormReading",
    "PageReading",
    "SealReading",
    "assemble",
    "read_docx_form",
    "read_page",
]
