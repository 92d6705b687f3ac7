"""Stage 1: every scan and the online export, normalised at the door.

Scans become ``Document``s of ``Page``s; the export becomes ``OnlineRecord``s.
"""

from ingest.page import ColorMode, Document, DocxTable, InputReport, Page, Word
from ingest.records import OnlineExport, OnlineRecord

__all__ = ["ColorMode", "Document", "DocxTable", "InputReport", "OnlineExport", "OnlineRecord", "Page", "Word"]
