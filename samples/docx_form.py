"""The filled form as a DOCX (the file a unit fills before printing), same table layout as the print.

``write_docx`` writes the copy a unit mails as a file (seal images pasted in); ``write_print_docx``
the copy a unit prints from Word (its printer's font and size, hints in the label or atop the value,
the chosen box typed as a glyph, room left for the seal that is stamped after printing).
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell

from forms import FieldSpec, FormTemplate, load_template
from samples.draw import chinese_date
from samples.fonts import FAMILIES
from samples.seal import seal_mask
from samples.spec import FormSpec, OpinionSpec, PrinterStyle

TICKED, UNTICKED = "☑", "□"
DOCX_SEAL_DPI = 200  # resolution of the seal image pasted into the opinion cell
COLS = 5  # group | label | value | 联系电话 | value
HINT_PT_SCALE = 0.8  # hints one size below the body, as the platform's printout has them
SEAL_ROOM_MM = 46.0  # an opinion box keeps room for a 45 mm seal stamped after printing
BLANK_DATE = "年　　月　　日"  # the date line left for the pen: two ideographic spaces (2 em) per gap
PRINT_FIXED_COLS_MM = (13.0, 31.0, 22.0)  # group, label and 联系电话 columns, as on the drawn print


def _write(cell: _Cell, text: str, bold: bool = False, align: str = "left", size: float = 10.5) -> None:
    para = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if align == "center":
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _choices(f: FieldSpec, ticks: list[str]) -> str:
    return " ".join((TICKED if c in ticks else UNTICKED) + c for c in f.choices)


def _seal_png(op: OpinionSpec, seed: int) -> bytes | None:
    if op.seal is None:
        return None
    alpha = seal_mask(op.seal, DOCX_SEAL_DPI, seed)
    rgba = np.zeros((*alpha.shape, 4), np.uint8)
    rgba[..., 2], rgba[..., 1], rgba[..., 0] = 205, 38, 48
    rgba[..., 3] = (alpha * 255).astype(np.uint8)
    ok, buf = cv2.imencode(".png", rgba)
    return buf.tobytes() if ok else None


def _opinion(cell: _Cell, f: FieldSpec, op: OpinionSpec, seed: int) -> None:
    text = f.printed_text or ""
    _write(cell, ("　　" if not text.startswith("（") else "") + text,
           align="center" if text.startswith("（") else "left")
    cell.add_paragraph()
    png = _seal_png(op, seed)
    if png is not None:
        para = cell.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.add_run().add_picture(io.BytesIO(png), width=Mm(op.seal.diameter_mm if op.seal else 42))
    _write(cell, f.seal_label or "", align="right")
    if op.date is None:
        _write(cell, "年    月    日", align="right")
    elif op.date_style == "chinese":
        _write(cell, chinese_date(op.date), align="right")
    else:
        _write(cell, f"{op.date.year}年{op.date.month}月{op.date.day}日", align="right")


def write_docx(spec: FormSpec, path: Path, template: FormTemplate | None = None) -> None:
    """``spec`` as a filled DOCX form at ``path``."""
    t = template or load_template("kczg-2020")
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(25)
    for text, size in ((t.title, 16.0), (t.subtitle, 14.0)):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.bold = True
        run.font.size = Pt(size)
    group_of = {k: g.label for g in t.groups for k in g.keys}
    rows = [f for f in t.fields if f.key != "phone"]
    table = doc.add_table(rows=len(rows), cols=COLS)
    table.style = "Table Grid"
    spans: dict[str, list[int]] = {}
    for i, f in enumerate(rows):
        cells = table.rows[i].cells
        group = group_of.get(f.key, "")
        if group:
            spans.setdefault(group, []).append(i)
            label_cell = cells[1]
        else:
            label_cell = cells[0].merge(cells[1])
        _write(label_cell, f.label, bold=True, align="center")
        if f.key == "contact":
            _write(cells[2], spec.contact)
            _write(cells[3], t.field("phone").label, bold=True, align="center")
            _write(cells[4], spec.phone)
            continue
        value = cells[2].merge(cells[4])
        if f.kind == "opinion":
            _opinion(value, f, getattr(spec, f.key), spec.seed + i)
            continue
        if f.kind == "choice":
            ticks = spec.domain_ticks if f.key == "domain" else spec.project_type_ticks
            _write(value, _choices(f, ticks))
            if f.hint:
                _write(value, f.hint, size=9.0)
            continue
        if f.hint:
            _write(value, f.hint, size=9.0)
        _write(value, str(getattr(spec, f.key)))
    for label, idx in spans.items():
        merged = table.cell(idx[0], 0).merge(table.cell(idx[-1], 0))
        _write(merged, label, bold=True, align="center")
    if t.footer:
        doc.add_paragraph(t.footer)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


class _Printer:
    """Runs in the printer's face and size (Latin and East Asian alike)."""

    def __init__(self, style: PrinterStyle) -> None:
        self.family = FAMILIES.get(style.font, FAMILIES["noto-serif"])
        self.body = style.body_pt

    def write(self, cell: _Cell, text: str, bold: bool = False, align: str = "left",
              scale: float = 1.0) -> None:
        para = cell.paragraphs[0] if not cell.paragraphs[0].text and len(cell.paragraphs) == 1 else \
            cell.add_paragraph()
        run = para.add_run(text)
        run.bold = bold
        self.face(run, self.body * scale)
        para.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}.get(
            align, WD_ALIGN_PARAGRAPH.LEFT)

    def face(self, run: object, size: float) -> None:
        font = run.font  # type: ignore[attr-defined]
        font.size = Pt(size)
        font.name = self.family
        rpr = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), self.family)


def _typed_choices(f: FieldSpec, ticks: list[str], glyph: str) -> str:
    return "  ".join((glyph if c in ticks else UNTICKED) + c for c in f.choices)


def date_line(op: OpinionSpec) -> str:
    if op.date is None or op.date_style == "hand":
        return BLANK_DATE  # blank, or filled in by pen after printing (samples.word_print)
    if op.date_style == "chinese":
        return chinese_date(op.date)
    return f"{op.date.year}年{op.date.month}月{op.date.day}日"


def write_print_docx(spec: FormSpec, path: Path, template: FormTemplate | None = None) -> None:
    """``spec`` as the DOCX a unit prints from Word: ``spec.printer`` gives the face, body size, hint
    placement and the glyph typed for a chosen box; no seal image (seals are stamped on the paper)."""
    t = template or load_template("kczg-2020")
    style = spec.printer
    pr = _Printer(style)
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(style.margin_mm)
    sec.top_margin = sec.bottom_margin = Mm(22)
    for text, size in ((t.title, 18.0), (t.subtitle, 15.0)):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.bold = True
        pr.face(run, size)
    group_of = {k: g.label for g in t.groups for k in g.keys}
    rows = [f for f in t.fields if f.key != "phone"]
    table = doc.add_table(rows=len(rows), cols=COLS)
    table.style = "Table Grid"
    table.autofit = False
    inner = 210.0 - 2 * style.margin_mm
    half = (inner - sum(PRINT_FIXED_COLS_MM)) / 2
    widths = [PRINT_FIXED_COLS_MM[0], PRINT_FIXED_COLS_MM[1], half, PRINT_FIXED_COLS_MM[2], half]
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    spans: dict[str, list[int]] = {}
    for i, f in enumerate(rows):
        cells = table.rows[i].cells
        group = group_of.get(f.key, "")
        if f.kind == "opinion":  # Writer keeps an opinion box on one page, as the platform's printout does
            table.rows[i]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if group:
            spans.setdefault(group, []).append(i)
            label_cell = cells[1]
        else:
            label_cell = cells[0].merge(cells[1])
        pr.write(label_cell, f.label, bold=True, align="center")
        if f.hint and style.hint_in_label:
            pr.write(label_cell, f.hint, scale=HINT_PT_SCALE)
        if f.key == "contact":
            pr.write(cells[2], spec.contact)
            pr.write(cells[3], t.field("phone").label, bold=True, align="center")
            pr.write(cells[4], spec.phone)
            continue
        value = cells[2].merge(cells[4])
        if f.hint and not style.hint_in_label and f.kind != "opinion":
            pr.write(value, f.hint, scale=HINT_PT_SCALE)
        if f.kind == "opinion":
            op: OpinionSpec = getattr(spec, f.key)
            text = f.printed_text or ""
            centred = text.startswith("（")
            pr.write(value, ("" if centred else "　　") + text, align="center" if centred else "left")
            lines = int(SEAL_ROOM_MM / (style.body_pt * 0.3528 * 1.6)) - 2  # pt to mm, Word's single line
            for _ in range(max(2, lines)):
                pr.write(value, "")
            pr.write(value, f.seal_label or "", align="right")
            pr.write(value, date_line(op) + "　　", align="right")
            continue
        if f.kind == "choice":
            ticks = spec.domain_ticks if f.key == "domain" else spec.project_type_ticks
            pr.write(value, _typed_choices(f, ticks, style.tick_glyph))
            continue
        pr.write(value, str(getattr(spec, f.key)))
    for label, idx in spans.items():
        merged = table.cell(idx[0], 0).merge(table.cell(idx[-1], 0))
        pr.write(merged, label, bold=True, align="center")
    if t.footer:
        para = doc.add_paragraph()
        pr.face(para.add_run(t.footer), style.body_pt * HINT_PT_SCALE)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
