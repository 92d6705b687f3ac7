"""Any form template drawn as a plain two-column table: label cell, value cell, one row a field.

The committed batch's forms are drawn by ``samples.draw.FormBuilder``, which follows the 2020
form's own layout (the contact and phone share a row, the group column). This draws a form of
*any* template (``tests/data/variant-form.toml``: other labels and order, three opinion boxes)
with the same painter, tick, seal and date drawing, so a test can prove that a second form is a
template file and nothing else: rows in the template's order, a choice's options as boxes (the
ticked ones ticked), an opinion box with its printed text, its seal label, the seal and the date
at the lower right. A row that does not fit on the page starts the next one.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import cv2
import numpy as np

from forms import FieldSpec, FormTemplate
from samples.draw import A4_MM, TOP_MM, Painter, draw_tick, mm, pt_px, wrap
from samples.seal import composite_multiply, seal_colour, seal_mask
from samples.spec import OpinionSpec, PrinterStyle

# Page margins and the label column (mm): the label column fits a six-character label at 五号.
MARGIN_MM = 20.0
LABEL_COL_MM = 36.0
BOTTOM_MM = 18.0
# Row heights (mm): a short value, a long section, an opinion box (a 42 mm seal with room around it).
ROW_MM = 13.0
LONG_ROW_MM = 40.0
OPINION_ROW_MM = 62.0
# Padding inside a cell and the gap between a choice's box and its name (mm).
PAD_MM = 2.0
BOX_GAP_MM = 6.0
# The seal is stamped this far above its label's centre, so the ring stays inside a box of OPINION_ROW_MM.
SEAL_RAISE_MM = 8.0


@dataclass
class VariantForm:
    """What one filled copy of a template says: values by key, ticked options, opinion boxes."""

    values: dict[str, str]
    ticks: dict[str, list[str]] = field(default_factory=dict)
    opinions: dict[str, OpinionSpec] = field(default_factory=dict)
    printer: PrinterStyle = field(default_factory=PrinterStyle)
    seed: int = 0


def _row_height(f: FieldSpec, dpi: int) -> int:
    if f.kind == "opinion":
        return mm(OPINION_ROW_MM, dpi)
    return mm(LONG_ROW_MM if f.long else ROW_MM, dpi)


def render_variant(template: FormTemplate, form: VariantForm, dpi: int = 300) -> list[np.ndarray]:
    """The clean printed pages (BGR uint8, A4 at ``dpi``) of ``form`` on ``template``."""
    rng = random.Random(form.seed)
    body = pt_px(form.printer.body_pt, dpi)
    x0, x1 = mm(MARGIN_MM, dpi), mm(A4_MM[0] - MARGIN_MM, dpi)
    xl = x0 + mm(LABEL_COL_MM, dpi)
    pad = mm(PAD_MM, dpi)
    bottom = mm(A4_MM[1] - BOTTOM_MM, dpi)
    pages: list[Painter] = []
    seals: list[tuple[int, str, tuple[int, int]]] = []  # page, key, centre

    def new_page() -> tuple[Painter, int]:
        pa = Painter(dpi, form.printer)
        pages.append(pa)
        if len(pages) > 1:
            return pa, mm(TOP_MM, dpi)
        size = pt_px(16.0, dpi)
        top = mm(TOP_MM, dpi)
        for text, y, s in ((template.title, top, size), (template.subtitle, top + mm(9, dpi), int(size * 0.85))):
            w = pa.width(text, s, True)
            pa.text(((pa.image.width - w) / 2, y), text, s, bold=True)
        return pa, top + mm(22, dpi)

    pa, y = new_page()
    for f in template.fields:
        h = _row_height(f, dpi)
        if y + h > bottom:
            pa, y = new_page()
        pa.rect(x0, y, xl, y + h)
        pa.rect(xl, y, x1, y + h)
        label_lines = wrap(pa, f.label, body, xl - x0 - 2 * pad, bold=True)
        ly = y + (h - len(label_lines) * int(body * 1.4)) // 2
        for line in label_lines:
            pa.text((x0 + (xl - x0 - pa.width(line, body, True)) / 2, ly), line, body, bold=True)
            ly += int(body * 1.4)
        if f.kind == "choice":
            _choices(pa, f, form.ticks.get(f.key, []), xl + pad, y + (h - body) // 2, body, rng, dpi)
        elif f.kind == "opinion":
            centre = _opinion(pa, f, form.opinions.get(f.key), xl + pad, x1 - pad, y, y + h, body, rng, dpi)
            seals.append((len(pages) - 1, f.key, centre))
        else:
            lines = wrap(pa, form.values.get(f.key, ""), body, x1 - xl - 2 * pad)
            step = int(body * form.printer.line_spacing)
            vy = y + pad if f.long else y + (h - len(lines) * step) // 2
            for line in lines:
                pa.text((xl + pad, vy), line, body)
                vy += step
        y += h
    images = [cv2.cvtColor(np.asarray(p.image), cv2.COLOR_RGB2BGR) for p in pages]
    for page, key, centre in seals:
        op = form.opinions.get(key)
        if op is not None and op.seal is not None:
            alpha = seal_mask(op.seal, dpi, seed=form.seed * 31 + len(key))
            images[page] = composite_multiply(images[page], alpha, centre, seal_colour(op.seal))
    return images


def _choices(pa: Painter, f: FieldSpec, ticked: list[str], x: int, y: int, size: int, rng: random.Random,
             dpi: int) -> None:
    box = int(size * 0.82)
    for choice in f.choices:
        top = y + (size - box) // 2
        bbox = [x, top, x + box, top + box]
        pa.rect(x, top, x + box, top + box, width=max(1, pt_px(0.5, dpi)))
        if choice in ticked:
            draw_tick(pa.draw, bbox, "check", rng, dpi)
        pa.text((x + box + size * 0.2, y), choice, size)
        x += int(box + size * 0.2 + pa.width(choice, size) + mm(BOX_GAP_MM, dpi))


def _opinion(pa: Painter, f: FieldSpec, op: OpinionSpec | None, x0: int, x1: int, y0: int, y1: int, size: int,
             rng: random.Random, dpi: int) -> tuple[int, int]:
    """The printed text, the seal label and the date; returns where the seal is stamped."""
    pa.text((x0 + 2 * size, y0 + mm(PAD_MM * 2, dpi)), f.printed_text or "", size)
    right = x1 - mm(rng.uniform(12, 18), dpi)
    date_y = y1 - mm(PAD_MM, dpi) - int(size * 1.9)
    label_y = date_y - int(size * 2.2)
    label = f.seal_label or ""
    lw = pa.width(label, size)
    pa.text((right - lw, label_y), label, size)
    date: dt.date | None = op.date if op is not None else None
    text = f"{date.year}年{date.month}月{date.day}日" if date is not None else "年　　月　　日"
    pa.text((right - pa.width(text, size), date_y), text, size)
    return int(right - lw / 2), int(label_y + size / 2) - mm(SEAL_RAISE_MM, dpi)
