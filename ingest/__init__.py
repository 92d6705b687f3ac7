"""Stage 1: every scan and the online export, normalised at the door.

Scans become ``Page``s (a DOCX a ``DocxTable``), split into documents by ``split_stack``; the export
becomes ``OnlineRecord``s.

The runner's calls, per input file: ``discover`` the inputs, ``find_duplicates``
among them, ``sniff`` each (``BadInputError`` → a failure line), then
``iter_pages`` (or ``read_docx``), classify each page (extract, or
``classify_layout`` without OCR) and ``split_stack`` the kinds into documents.
``read_export`` reads the online export.
"""

from ingest.export import read_export
from ingest.files import discover, file_sha256, find_duplicates, sniff
from ingest.orientation import detect_rotation, upright
from ingest.page import ColorMode, DocxTable, InputReport, Page, Word, pixels_sha256
from ingest.records import OnlineExport, OnlineRecord
from ingest.scans import MAX_PAGE_PIXELS, iter_pages, page_count, read_docx
from ingest.stacks import (
    FIRST_PAGE_MISSING,
    NOT_THIS_FORM,
    PageGroup,
    StackSplit,
    classify_layout,
    group_pages,
    layout_kind,
    split_stack,
)

__all__ = [
    "FIRST_PAGE_MISSING",
    "MAX_PAGE_PIXELS",
    "NOT_THIS_FORM",
    "ColorMode",
    "DocxTable",
    "InputReport",
    "OnlineExport",
    "OnlineRecord",
    "Page",
    "PageGroup",
    "StackSplit",
    "Word",
    "classify_layout",
    "detect_rotation",
    "discover",
    "file_sha256",
    "find_duplicates",
    "group_pages",
    "iter_pages",
    "layout_kind",
    "page_count",
    "pixels_sha256",
    "read_docx",
    "read_export",
    "sniff",
    "split_stack",
    "upright",
]
