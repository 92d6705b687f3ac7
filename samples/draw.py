"""Render the 附件2 nomination form as printed A4 pages (clean print, before scanning).

``render_form(spec)`` returns the pages; ``render_form_layout(spec)`` also
returns where every field, tick box, seal and date landed (page pixels), which
``generate`` writes into truth.json.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from forms import FieldSpec, FormTemplate, load_template
from samples.fonts import HAND_FONT, load_font
from samples.seal import composite_multiply, seal_bbox, seal_colour, seal_lines_truth, seal_mask
from samples.spec import FormSpec, OpinionSpec, PrinterStyle, as_rng

A4_MM = (210.0, 297.0)
MM_PER_INCH = 25.4
PT_PER_INCH = 72.0
TOP_MM = 22.0  # printers' top margin
BOTTOM_MM = 22.0
GROUP_COL_MM = 13.0  # the narrow column holding 技术基本情况 / 技术完成团队基本情况
LABEL_COL_MM = 31.0
PHONE_LABEL_MM = 22.0  # 联系电话 label cell in the contact row
FULL_LABEL_MM = GROUP_COL_MM + LABEL_COL_MM  # full-width rows' label spans both
OPINION_MIN_MM = 58.0  # opinion boxes are tall enough for a seal (42 mm) and the date
MIN_SPLIT_LINES = 2  # a continued section keeps at least this many lines on each page (PrinterStyle default)
CHOICE_GAP_EM = 0.9  # space between one choice's name and the next box
HINT_SCALE = 0.8  # hints print one size smaller
HAND_SCALE = 1.25  # people write the date bigger than the 五号 print around it
HAND_INK = (32, 38, 92)  # blue-black ballpoint, RGB
PENCIL_INK = (120, 120, 120)
CIRCLE_REACH_EM = 1.6  # a circled choice: the ring runs past the box over the first character or two
DATE_GAP_MARGIN_EM = 0.6  # paper left between a written number and the printed 年 / 月 / 日 around it
CLOSING_PUNCT = set("，。、；：？！）》」”’%")
CN_DIGITS = "〇一二三四五六七八九"


def mm(value: float, dpi: int) -> int:
    return int(round(value * dpi / MM_PER_INCH))


def pt_px(points: float, dpi: int) -> int:
    return int(round(points * dpi / PT_PER_INCH))


@dataclass
class Line:
    """One printed line inside a cell. ``kind`` is text, hint, choices or blank."""

    text: str
    size_px: int
    kind: str = "text"
    color: tuple[int, int, int] = (0, 0, 0)
    align: str = "left"
    bold: bool = False
    choices: list[str] = field(default_factory=list)
    spacing: float = 1.5

    @property
    def height(self) -> int:
        return int(self.size_px * self.spacing)


@dataclass
class Row:
    """A table row: ``kind`` pair (label | value), contact, full (wide label) or opinion."""

    key: str
    kind: str
    label_lines: list[Line]
    value_lines: list[Line]
    group: str = ""
    continued: bool = False
    min_h: int = 0
    extra: list[Line] = field(default_factory=list)  # contact row: phone value


@dataclass
class Placed:
    row: Row
    page: int
    y0: int
    y1: int


@dataclass
class Layout:
    """Where things landed on the clean pages (pixels at ``dpi``), for truth.json and tests."""

    dpi: int
    pages: int = 0
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> {page, bbox}
    boxes: dict[str, dict[str, Any]] = field(default_factory=dict)  # "domain:电子信息" -> {page, bbox}
    seals: dict[str, dict[str, Any]] = field(default_factory=dict)
    dates: dict[str, dict[str, Any]] = field(default_factory=dict)


class Painter:
    """Text and rules on one page (PIL), with the printer's font and ink."""

    def __init__(self, dpi: int, printer: PrinterStyle) -> None:
        self.dpi = dpi
        self.printer = printer
        w, h = mm(A4_MM[0], dpi), mm(A4_MM[1], dpi)
        self.image = Image.new("RGB", (w, h), (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)
        level = int(255 * (1.0 - printer.ink))
        self.ink = (level, level, level)
        self.rule_w = max(1, pt_px(0.6, dpi))

    def font(self, size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        return load_font(self.printer.font, size_px, bold)

    def text(self, xy: tuple[float, float], text: str, size_px: int, color: tuple[int, int, int] | None = None,
             bold: bool = False) -> None:
        ink = color if color is not None else self.ink
        self.draw.text(xy, text, fill=ink, font=self.font(size_px, bold))

    def width(self, text: str, size_px: int, bold: bool = False) -> float:
        return float(self.font(size_px, bold).getlength(text))

    def rect(self, x0: int, y0: int, x1: int, y1: int, width: int | None = None) -> None:
        self.draw.rectangle((x0, y0, x1, y1), outline=self.ink, width=width or self.rule_w)


def wrap(painter: Painter, text: str, size_px: int, width: float, bold: bool = False) -> list[str]:
    """Break ``text`` into lines of at most ``width`` px; closing punctuation never starts a line."""
    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for ch in para:
            if cur and painter.width(cur + ch, size_px, bold) > width and ch not in CLOSING_PUNCT:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        lines.append(cur)
    return lines


class FormBuilder:
    """Builds the rows of one form from the template and the spec, then paginates and paints them."""

    def __init__(self, spec: FormSpec, dpi: int, template: FormTemplate) -> None:
        self.spec = spec
        self.dpi = dpi
        self.t = template
        self.p = spec.printer
        self.rng = random.Random(spec.seed * 7919 + 17)
        self.measure = Painter(dpi, self.p)
        self.body = pt_px(self.p.body_pt, dpi)
        self.hint = int(self.body * HINT_SCALE)
        self.pad = mm(self.p.row_pad_mm, dpi)
        self.x0 = mm(self.p.margin_mm, dpi)
        self.x1 = mm(A4_MM[0] - self.p.margin_mm, dpi)
        self.xg = self.x0 + mm(GROUP_COL_MM, dpi)
        self.xl = self.xg + mm(LABEL_COL_MM, dpi)
        self.xf = self.x0 + mm(FULL_LABEL_MM, dpi)
        mid = (self.xl + self.x1) // 2
        self.xp0 = mid - mm(PHONE_LABEL_MM / 2, dpi)
        self.xp1 = mid + mm(PHONE_LABEL_MM / 2, dpi)
        self.hint_color = (110, 110, 110) if self.p.hint_gray else self.measure.ink

    # ---- building rows ---------------------------------------------------------------------
    def text_lines(self, text: str, width: float, size: int | None = None, kind: str = "text") -> list[Line]:
        size = size or (self.hint if kind == "hint" else self.body)
        color = self.hint_color if kind == "hint" else (0, 0, 0)
        spacing = self.p.line_spacing if kind == "text" else 1.3
        return [Line(s, size, kind, color, spacing=spacing) for s in wrap(self.measure, text, size, width)]

    def choice_width(self, choice: str) -> int:
        return int(self.body * (0.82 + 0.2) + self.measure.width(choice, self.body))

    def choice_lines(self, choices: list[str], width: float) -> list[Line]:
        """Boxes and their names, packed into as few lines as fit the cell."""
        gap = self.body * CHOICE_GAP_EM
        lines: list[Line] = []
        cur: list[str] = []
        used = 0.0
        for c in choices:
            w = self.choice_width(c)
            if cur and used + gap + w > width:
                lines.append(Line("", self.body, "choices", choices=cur, spacing=1.8))
                cur, used = [], 0.0
            used += (gap if cur else 0.0) + w
            cur.append(c)
        lines.append(Line("", self.body, "choices", choices=cur, spacing=1.8))
        return lines

    def label_lines(self, f: FieldSpec, width: float, with_hint: bool) -> list[Line]:
        lines = [Line(s, self.body, bold=True, align="center", spacing=1.4)
                 for s in wrap(self.measure, f.label, self.body, width, bold=True)]
        if with_hint and f.hint:
            lines += self.text_lines(f.hint, width, kind="hint")
        return lines

    def value_lines(self, f: FieldSpec, width: float) -> list[Line]:
        lines: list[Line] = []
        hint_here = bool(f.hint) and not self.p.hint_in_label
        if f.kind == "choice":
            lines += self.choice_lines(f.choices, width)
            if hint_here and f.hint:
                lines += self.text_lines(f.hint, width, kind="hint")
            return lines
        if hint_here and f.hint:
            lines += self.text_lines(f.hint, width, kind="hint")
        value = str(getattr(self.spec, f.key))
        if value:
            lines += self.text_lines(value, width)
        return lines

    def rows(self) -> list[Row]:
        group_of = {k: g.label for g in self.t.groups for k in g.keys}
        out: list[Row] = []
        for f in self.t.fields:
            group = group_of.get(f.key, "")
            if f.key == "phone":
                continue  # drawn inside the contact row
            if f.kind == "opinion":
                out.append(self.opinion_row(f))
                continue
            in_group = bool(group)
            lw = (self.xl - self.xg if in_group else self.xf - self.x0) - 2 * self.pad
            vx0 = self.xl if in_group else self.xf
            if f.key == "contact":
                out.append(self.contact_row(f, group))
                continue
            vw = self.x1 - vx0 - 2 * self.pad
            row = Row(f.key, "pair" if in_group else "full",
                      self.label_lines(f, lw, self.p.hint_in_label), self.value_lines(f, vw), group)
            row.min_h = mm(11.0 if not f.long else 22.0, self.dpi)
            out.append(row)
        return out

    def contact_row(self, f: FieldSpec, group: str) -> Row:
        phone = self.t.field("phone")
        lw = self.xl - self.xg - 2 * self.pad
        row = Row("contact", "contact", self.label_lines(f, lw, False),
                  self.text_lines(self.spec.contact, self.xp0 - self.xl - 2 * self.pad), group)
        row.extra = self.text_lines(self.spec.phone, self.x1 - self.xp1 - 2 * self.pad)
        row.extra.insert(0, Line(phone.label, self.body, bold=True))  # label text for the phone cell
        row.min_h = mm(11.0, self.dpi)
        return row

    def opinion_row(self, f: FieldSpec) -> Row:
        width = self.x1 - self.xf - 2 * self.pad
        text = f.printed_text or ""
        lines = self.text_lines(("　　" if not text.startswith("（") else "") + text, width)
        if text.startswith("（"):
            for ln in lines:
                ln.align = "center"
        lw = self.xf - self.x0 - 2 * self.pad
        row = Row(f.key, "opinion", self.label_lines(f, lw, False), lines)
        row.min_h = mm(OPINION_MIN_MM + self.rng.uniform(-4, 8), self.dpi)
        return row

    # ---- pagination -------------------------------------------------------------------------
    def row_height(self, row: Row) -> int:
        lh = sum(ln.height for ln in row.label_lines)
        vh = sum(ln.height for ln in row.value_lines)
        return max(row.min_h, lh + 2 * self.pad, vh + 2 * self.pad)

    def title_height(self) -> int:
        return mm(TOP_MM + 24.0, self.dpi)

    def paginate(self, rows: list[Row]) -> list[Placed]:
        page_bottom = mm(A4_MM[1] - BOTTOM_MM, self.dpi)
        top = mm(TOP_MM, self.dpi)
        page, y = 0, self.title_height()
        placed: list[Placed] = []
        queue = list(rows)
        while queue:
            row = queue.pop(0)
            h = self.row_height(row)
            if y + h <= page_bottom:
                placed.append(Placed(row, page, y, y + h))
                y += h
                continue
            keep = self.p.split_min_lines  # MIN_SPLIT_LINES unless the spec asks for any line
            splittable = row.kind in ("pair", "full") and len(row.value_lines) > 2 * keep
            room = page_bottom - y - 2 * self.pad
            fit, used = 0, 0
            for ln in row.value_lines:
                if used + ln.height > room:
                    break
                used += ln.height
                fit += 1
            # The label cell is not split (the platform's printout keeps a label whole): the row breaks
            # only where its whole label, hint and all, fits above the page's bottom rule (its padding
            # may be used; past the rule, the label would be printed across the table's outline).
            label_fits = sum(ln.height for ln in row.label_lines) <= page_bottom - y
            if splittable and label_fits and fit >= keep and len(row.value_lines) - fit >= keep:
                head = Row(row.key, row.kind, row.label_lines, row.value_lines[:fit], row.group, row.continued)
                placed.append(Placed(head, page, y, page_bottom))
                rest_label = row.label_lines if self.p.repeat_label else []
                tail = Row(row.key, row.kind, rest_label, row.value_lines[fit:], row.group, True)
                queue.insert(0, tail)
            else:
                queue.insert(0, row)
            page, y = page + 1, top
        return placed

    # ---- painting ---------------------------------------------------------------------------
    def paint_lines(self, pa: Painter, lines: list[Line], x0: int, x1: int, y: int,
                    layout: Layout, page: int) -> int:
        for ln in lines:
            if ln.kind == "choices":
                self.paint_choices(pa, ln, x0, y, layout, page)
            elif ln.text:
                tx = x0 if ln.align == "left" else (x0 + x1 - pa.width(ln.text, ln.size_px, ln.bold)) / 2
                pa.text((tx, y + (ln.height - ln.size_px) / 2), ln.text, ln.size_px,
                        ln.color if ln.kind == "hint" else None, ln.bold)
            y += ln.height
        return y

    def paint_choices(self, pa: Painter, ln: Line, x: int, y: int, layout: Layout, page: int) -> None:
        size = ln.size_px
        box = int(size * 0.82)
        top = y + (ln.height - box) // 2
        key = "project_type" if set(ln.choices) <= set(self.t.field("project_type").choices) else "domain"
        for choice in ln.choices:
            pa.rect(x, top, x + box, top + box, width=max(1, pt_px(0.5, self.dpi)))
            layout.boxes[f"{key}:{choice}"] = {"page": page + 1, "bbox": [x, top, x + box, top + box]}
            pa.text((x + box + size * 0.2, y + (ln.height - size) / 2), choice, size)
            x += int(self.choice_width(choice) + size * CHOICE_GAP_EM)

    def paint_row(self, pa: Painter, pl: Placed, layout: Layout) -> None:
        r, y0, y1 = pl.row, pl.y0, pl.y1
        lx0 = self.xg if r.group else self.x0
        lx1 = self.xl if r.group else self.xf
        pa.rect(lx0, y0, lx1, y1)
        lh = sum(ln.height for ln in r.label_lines)
        self.paint_lines(pa, r.label_lines, lx0 + self.pad, lx1 - self.pad, (y0 + y1 - lh) // 2, layout, pl.page)
        if r.kind == "contact":
            pa.rect(lx1, y0, self.xp0, y1)
            pa.rect(self.xp0, y0, self.xp1, y1)
            pa.rect(self.xp1, y0, self.x1, y1)
            vh = sum(ln.height for ln in r.value_lines)
            self.paint_lines(pa, r.value_lines, lx1 + self.pad, self.xp0, (y0 + y1 - vh) // 2, layout, pl.page)
            self.paint_lines(pa, [Line(r.extra[0].text, self.body, bold=True, align="center", spacing=1.4)],
                             self.xp0, self.xp1, (y0 + y1) // 2 - int(self.body * 0.7), layout, pl.page)
            self.paint_lines(pa, r.extra[1:], self.xp1 + self.pad, self.x1, (y0 + y1 - vh) // 2, layout, pl.page)
            layout.fields["contact"] = {"page": pl.page + 1, "bbox": [lx1, y0, self.xp0, y1]}
            layout.fields["phone"] = {"page": pl.page + 1, "bbox": [self.xp1, y0, self.x1, y1]}
            return
        pa.rect(lx1, y0, self.x1, y1)
        short = r.kind == "pair" and len(r.value_lines) <= 2 and r.key != "team_intro"
        vh = sum(ln.height for ln in r.value_lines)
        vy = (y0 + y1 - vh) // 2 if short else y0 + self.pad
        self.paint_lines(pa, r.value_lines, lx1 + self.pad, self.x1 - self.pad, vy, layout, pl.page)
        entry = {"page": pl.page + 1, "bbox": [lx1, y0, self.x1, y1]}
        if r.continued and r.key in layout.fields:
            layout.fields[r.key].setdefault("continued", []).append(entry)
        else:
            layout.fields[r.key] = entry

    def paint_groups(self, pa: Painter, placed: list[Placed], page: int) -> None:
        runs: list[tuple[str, int, int, bool]] = []
        for pl in placed:
            if pl.page != page or not pl.row.group:
                continue
            if runs and runs[-1][0] == pl.row.group and runs[-1][2] == pl.y0:
                g, a, _, cont = runs[-1]
                runs[-1] = (g, a, pl.y1, cont)
            else:
                runs.append((pl.row.group, pl.y0, pl.y1, pl.row.continued))
        for label, a, b, cont in runs:
            pa.rect(self.x0, a, self.xg, b)
            if cont and not self.p.repeat_label:
                continue
            per_line = 1 if (b - a) > len(label) * self.body * 1.35 else 2
            chunks = [label[i:i + per_line] for i in range(0, len(label), per_line)]
            step = int(self.body * 1.3)
            y = (a + b - step * len(chunks)) // 2
            for chunk in chunks:
                w = pa.width(chunk, self.body, True)
                pa.text(((self.x0 + self.xg - w) / 2, y), chunk, self.body, bold=True)
                y += step

    def paint_title(self, pa: Painter) -> None:
        top = mm(TOP_MM, self.dpi)
        if self.rng.random() < 0.5:
            pa.text((self.x0, top - mm(8, self.dpi)), "附件2", pt_px(12, self.dpi), bold=True)
        size = pt_px(self.rng.choice([16.0, 18.0]), self.dpi)
        for text, y, s in ((self.t.title, top + mm(2, self.dpi), size),
                           (self.t.subtitle, top + mm(12, self.dpi), int(size * 0.85))):
            w = pa.width(text, s, True)
            pa.text(((pa.image.width - w) / 2, y), text, s, bold=True)

    def paint_opinion_extras(self, pa: Painter, pl: Placed, layout: Layout) -> tuple[int, int]:
        """The 公章 label and the date at the box's lower right; returns the label's centre."""
        f = self.t.field(pl.row.key)
        op: OpinionSpec = getattr(self.spec, pl.row.key)
        right = self.x1 - mm(self.rng.uniform(10, 22), self.dpi)
        date_y = pl.y1 - self.pad - int(self.body * 1.9)
        label_y = date_y - int(self.body * 2.0)
        label = f.seal_label or ""
        lw = pa.width(label, self.body)
        pa.text((right - lw, label_y), label, self.body)
        center = (int(right - lw / 2), int(label_y + self.body / 2))
        box = self.paint_date(pa, op, right, date_y)
        layout.dates[pl.row.key] = {"page": pl.page + 1, "bbox": box,
                                    "value": op.date.isoformat() if op.date else None}
        layout.fields[pl.row.key] = {"page": pl.page + 1, "bbox": [self.x0, pl.y0, self.x1, pl.y1]}
        return center

    def paint_date(self, pa: Painter, op: OpinionSpec, right: float, y: int) -> list[int]:
        s = self.body
        if op.date is not None and op.date_style in ("printed", "chinese") and self.rng.random() < 0.7:
            text = chinese_date(op.date) if op.date_style == "chinese" else \
                f"{op.date.year}年{op.date.month}月{op.date.day}日"
            w = pa.width(text, s)
            if op.date_style == "chinese" and self.rng.random() < 0.5:
                hand_text(pa, (right - w, y), text, s, self.rng)
            else:
                pa.text((right - w, y), text, s)
            return [int(right - w), y, int(right), y + s]
        # printed "年  月  日" with gaps for the pen
        gap_year, gap = int(s * 3.2), int(s * 2.0)
        parts = [("年", gap_year), ("月", gap), ("日", gap)]
        if self.p.date_gap_fit and op.date is not None:  # a gap wide enough for what the pen writes in it
            hs = int(s * HAND_SCALE)
            parts = [(t, max(g, int(hand_width(pa, _date_number(op, i), hs) + s * DATE_GAP_MARGIN_EM)))
                     for i, (t, g) in enumerate(parts)]
        total = sum(g + pa.width(t, s) for t, g in parts)
        x = right - total
        x_start = x
        for i, (t, g) in enumerate(parts):
            if op.date is not None:
                num = _date_number(op, i)
                hs = int(s * HAND_SCALE)
                hand_text(pa, (x + g / 2 - hand_width(pa, num, hs) / 2, y - s * 0.15), num, hs, self.rng)
            x += g
            pa.text((x, y), t, s)
            x += pa.width(t, s)
        return [int(x_start), y, int(right), y + s]

    def paint(self) -> tuple[list[np.ndarray], Layout]:
        rows = self.rows()
        placed = self.paginate(rows)
        n_pages = max(pl.page for pl in placed) + 1
        layout = Layout(self.dpi, n_pages)
        footer_page = bool(self.rng.random() < 0.5)
        pages: list[np.ndarray] = []
        seal_centers: dict[str, tuple[int, int, int]] = {}
        for page in range(n_pages):
            pa = Painter(self.dpi, self.p)
            if page == 0:
                self.paint_title(pa)
            for pl in placed:
                if pl.page != page:
                    continue
                self.paint_row(pa, pl, layout)
                if pl.row.kind == "opinion":
                    cx, cy = self.paint_opinion_extras(pa, pl, layout)
                    seal_centers[pl.row.key] = (page, cx, cy)
            self.paint_groups(pa, placed, page)
            last = [pl for pl in placed if pl.page == page]
            if page == n_pages - 1 and self.t.footer:
                pa.text((self.x0, last[-1].y1 + mm(3, self.dpi)), self.t.footer, self.hint)
            if footer_page:
                note = f"第 {page + 1} 页 共 {n_pages} 页"
                w = pa.width(note, self.hint)
                pa.text(((pa.image.width - w) / 2, mm(A4_MM[1] - 12, self.dpi)), note, self.hint)
            self.paint_ticks(pa, layout, page)
            pages.append(cv2.cvtColor(np.asarray(pa.image), cv2.COLOR_RGB2BGR))
        for key, (page, cx, cy) in seal_centers.items():
            pages[page] = self.stamp(pages[page], key, cx, cy, layout, page)
        return pages, layout

    def paint_ticks(self, pa: Painter, layout: Layout, page: int) -> None:
        for key, ticks in (("domain", self.spec.domain_ticks), ("project_type", self.spec.project_type_ticks)):
            for choice in ticks:
                box = layout.boxes.get(f"{key}:{choice}")
                if box and box["page"] == page + 1:
                    draw_tick(pa.draw, box["bbox"], self.spec.tick_style, self.rng, self.dpi)

    def stamp(self, img: np.ndarray, key: str, cx: int, cy: int, layout: Layout, page: int) -> np.ndarray:
        op: OpinionSpec = getattr(self.spec, key)
        if op.seal is None:
            layout.seals[key] = {"present": False, "unit": None, "page": page + 1, "bbox": None}
            return img
        c = (cx + mm(op.seal.offset_mm[0], self.dpi), cy + mm(op.seal.offset_mm[1], self.dpi))
        alpha = seal_mask(op.seal, self.dpi, seed=self.spec.seed * 31 + len(key))
        layout.seals[key] = {"present": True, "unit": op.seal.unit, "page": page + 1,
                             "bbox": list(seal_bbox(op.seal, c, self.dpi)), **seal_lines_truth(op.seal)}
        return composite_multiply(img, alpha, c, seal_colour(op.seal))


def _date_number(op: OpinionSpec, i: int) -> str:
    """What the pen writes before 年 (i = 0), 月 (1) or 日 (2)."""
    assert op.date is not None
    num = [str(op.date.year), str(op.date.month), str(op.date.day)][i]
    return chinese_number(num, year=(i == 0)) if op.date_style == "chinese" else num


def chinese_number(num: str, year: bool = False) -> str:
    """二〇二〇 for years, 十一 / 二十三 for months and days."""
    if year:
        return "".join(CN_DIGITS[int(d)] for d in num)
    n = int(num)
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def chinese_date(d: dt.date) -> str:
    return (f"{chinese_number(str(d.year), year=True)}年{chinese_number(str(d.month))}月"
            f"{chinese_number(str(d.day))}日")


def hand_width(pa: Painter, text: str, size: int) -> float:
    return float(load_font(HAND_FONT, size).getlength(text))


def hand_text(pa: Painter, xy: tuple[float, float], text: str, size: int, rng: random.Random) -> None:
    """Handwriting-looking text: a Kai face, each character jittered in place, size and ink."""
    x, y = xy
    baseline = y + size * 0.88
    for ch in text:
        s = int(size * rng.uniform(1.0, 1.1))
        font = load_font(HAND_FONT, s)
        shade = rng.randint(-12, 12)
        ink = tuple(max(0, min(255, c + shade)) for c in HAND_INK)
        pa.draw.text((x + rng.uniform(-1, 1) * size * 0.06, baseline + rng.uniform(-1, 1) * size * 0.08), ch,
                     fill=(ink[0], ink[1], ink[2]), font=font, anchor="ls")
        x += font.getlength(ch) * rng.uniform(0.92, 1.05)


def _pen(draw: ImageDraw.ImageDraw, pts: list[tuple[float, float]], width: int, ink: tuple[int, int, int]) -> None:
    draw.line(pts, fill=ink, width=width, joint="curve")
    r = width / 2
    for px, py in (pts[0], pts[-1]):
        draw.ellipse((px - r, py - r, px + r, py + r), fill=ink)


def draw_tick(draw: ImageDraw.ImageDraw, bbox: list[int], style: str, rng: random.Random, dpi: int) -> None:
    """A pen mark in a printed box: check, cross, fill, overflow (crossing the edge), pencil, or circle
    (a ring drawn round the box and the start of its name, the box itself left empty)."""
    x0, y0, x1, y1 = bbox
    w = x1 - x0
    j = lambda: rng.uniform(-0.08, 0.08) * w  # noqa: E731
    pen = max(2, int(dpi / 300 * rng.uniform(3.0, 4.5)))
    ink = PENCIL_INK if style == "pencil" else (HAND_INK if rng.random() < 0.6 else (25, 25, 25))
    if style == "fill":
        draw.rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), fill=ink)
    elif style == "circle":
        draw.ellipse((x0 - 0.45 * w + j(), y0 - 0.4 * w + j(), x1 + CIRCLE_REACH_EM * w + j(), y1 + 0.4 * w + j()),
                     outline=ink, width=pen)
    elif style == "cross":
        _pen(draw, [(x0 + 0.1 * w + j(), y0 + 0.1 * w + j()), (x1 - 0.1 * w + j(), y1 - 0.1 * w + j())], pen, ink)
        _pen(draw, [(x1 - 0.1 * w + j(), y0 + 0.1 * w + j()), (x0 + 0.1 * w + j(), y1 - 0.1 * w + j())], pen, ink)
    elif style == "overflow":
        _pen(draw, [(x0 - 0.1 * w + j(), y0 + 0.45 * w + j()), (x0 + 0.4 * w + j(), y1 + 0.1 * w + j()),
                    (x1 + 0.6 * w + j(), y0 - 0.6 * w + j())], pen, ink)
    else:  # check / pencil
        width = pen if style == "check" else max(1, pen - 1)
        _pen(draw, [(x0 + 0.15 * w + j(), y0 + 0.5 * w + j()), (x0 + 0.42 * w + j(), y1 - 0.12 * w + j()),
                    (x1 + 0.05 * w + j(), y0 - 0.05 * w + j())], width, ink)


def render_form_layout(spec: FormSpec, dpi: int = 300, font: str | None = None,
                       template: FormTemplate | None = None) -> tuple[list[np.ndarray], Layout]:
    """The clean printed pages (BGR uint8, A4 at ``dpi``) and where everything landed."""
    if font is not None:
        spec = _with_font(spec, font)
    return FormBuilder(spec, dpi, template or load_template("kczg-2020")).paint()


def render_form(spec: FormSpec, dpi: int = 300, font: str | None = None) -> list[np.ndarray]:
    """The clean printed pages of ``spec`` (BGR uint8, A4 at ``dpi``); ``font`` overrides the printer's."""
    return render_form_layout(spec, dpi, font)[0]


def _with_font(spec: FormSpec, font: str) -> FormSpec:
    import dataclasses

    return dataclasses.replace(spec, printer=dataclasses.replace(spec.printer, font=font))


def render_attachment(heading: str, text: str, dpi: int = 300, font: str = "noto-serif",
                      seed: int = 0) -> list[np.ndarray]:
    """详细材料 pages: a centred heading, then running text in paragraphs (not a table)."""
    rng = as_rng(seed)
    printer = PrinterStyle(font=font, body_pt=rng.choice([10.5, 12.0]), line_spacing=rng.uniform(1.4, 1.8))
    size = pt_px(printer.body_pt, dpi)
    x0, x1 = mm(28, dpi), mm(A4_MM[0] - 28, dpi)
    bottom = mm(A4_MM[1] - BOTTOM_MM, dpi)
    pages: list[np.ndarray] = []
    pa = Painter(dpi, printer)
    hs = pt_px(16, dpi)
    w = pa.width(heading, hs, True)
    pa.text(((pa.image.width - w) / 2, mm(TOP_MM, dpi)), heading, hs, bold=True)
    y = mm(TOP_MM + 15, dpi)
    step = int(size * printer.line_spacing)
    for para in text.split("\n"):
        for ln in wrap(pa, "　　" + para, size, x1 - x0):
            if y + step > bottom:
                pages.append(cv2.cvtColor(np.asarray(pa.image), cv2.COLOR_RGB2BGR))
                pa = Painter(dpi, printer)
                y = mm(TOP_MM, dpi)
            pa.text((x0, y), ln, size)
            y += step
    pages.append(cv2.cvtColor(np.asarray(pa.image), cv2.COLOR_RGB2BGR))
    return pages


def render_blank_page(dpi: int = 300) -> np.ndarray:
    """A white A4 page (a separator sheet in a stack)."""
    return np.full((mm(A4_MM[1], dpi), mm(A4_MM[0], dpi), 3), 255, np.uint8)
