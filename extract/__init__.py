"""Stage 2: read each document into one ``FormReading``.

preprocess → find the grid → label the cells (template) → OCR each value
cell → ticks, seals, dates (``page.read_page``, the recipe); a document's
pages joined (``assemble``); a DOCX form read from its table (``docx_form``).
"""

from extract.assemble import assemble
from extract.docx_form import read_docx_form
from extract.page import ExtractOptions, read_page
from extract.reading import AttachmentReading, DateReading, FieldReading, FormReading, PageReading, SealReading

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
