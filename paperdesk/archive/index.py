"""``index.xlsx``: what the archive folder holds, one row per nomination with paper.

Every cell goes through ``reports.spreadsheet.set_text``: a name typed as ``=HYPERLINK(…)``
online stays text here too. The name and group columns are headed by the template's labels.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from reports.spreadsheet import set_text

INDEX_NAME = "index.xlsx"
# The second and third headers are the template's title and quota_group labels (``headers``).
HEADERS = ["编号", "{title}", "{group}", "申报单位", "推荐单位", "状态", "审核决定", "文件名", "文档", "页数", "说明"]
# Column widths in characters (a 汉字 is two): names and decisions are long, numbers short.
WIDTHS = [16, 40, 10, 28, 28, 8, 40, 50, 8, 6, 40]


@dataclass
class IndexRow:
    """One nomination in the archive (``file`` empty when it has no archive PDF, ``note`` says why)."""

    record_id: str
    title: str  # the nomination's name (the template's title field)
    group: str  # its quota group (the template's quota_group field)
    applicant: str
    recommender: str
    status: str
    decisions: str
    file: str
    document_id: str
    pages: int
    note: str = ""

    def cells(self) -> list[object]:
        return [self.record_id, self.title, self.group, self.applicant, self.recommender, self.status,
                self.decisions, self.file, self.document_id, self.pages, self.note]


def headers(title_label: str, group_label: str) -> list[str]:
    """The index's column headers, its name and group columns called as the form calls them."""
    return [h.format(title=title_label, group=group_label) for h in HEADERS]


def write_index(rows: list[IndexRow], archive_dir: Path, title_label: str, group_label: str) -> Path:
    """Write ``index.xlsx`` (atomically: a clerk may have the old one open in a viewer)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = "归档清单"
    for col, header in enumerate(headers(title_label, group_label), start=1):
        cell = ws.cell(row=1, column=col)
        set_text(cell, header)
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row.cells(), start=1):
            set_text(ws.cell(row=r, column=col), value)
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "C2"
    path = archive_dir / INDEX_NAME
    tmp = archive_dir / f".{INDEX_NAME}.tmp"
    wb.save(tmp)
    os.replace(tmp, path)
    return path
