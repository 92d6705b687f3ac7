"""Read one page into a ``PageReading``; join a document's pages into one ``FormReading``.

The recipe (STYLE.md §1), one small function each:

    prepare (deskew, flatten, drop red)  →  find_grid  →  cell texts (OCR or text layer)
    →  label cells (template)  →  values (hints stripped, typed)  →  ticks, seals, dates
    →  crops for the reports  →  debug image

Boxes are ``[x0, y0, x1, y1]`` in pixels of the page at its dpi, after deskew
(the skew is under a few degrees, so a box is off the scan by at most a few
pixels at its far end). ``page`` is 1-based within the source file.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from extract.grid import Cell, Grid, crop, find_grid
from extract.labels import GROUP_PREFIX, label_head, match_label, squash, strip_hints, template_hints
from extract.marks import parse_date, read_date, read_seal, read_seal_text, read_ticks
from extract.marks.color import has_colour_ink, is_gray_bgr
from extract.ocr import OcrBox, OcrEngine, OcrText, boxes_to_text, get_engine, join_lines, line_reader, normalize_text
from extract.preprocess import prepare, to_gray
from extract.reading import AttachmentReading, DateReading, FieldReading, FieldStatus, FormReading, SealReading
from forms.errors import OcrError
from forms.template import FieldSpec, FormTemplate
from ingest.page import DocxImage, DocxTable, Page, Word

# Crops kept for the reports are downscaled to this resolution: body text (~13 px a character)
# and figures like 94.9% stay readable at 100 % zoom; a long section is ~550×580 px.
CROP_DPI = 120
# A crop without coloured ink is one gray channel with this many levels: anti-aliased strokes stay
# smooth, and paper grain (which made a long section's colour PNG ~600 KB) stops costing bytes.
CROP_GRAY_LEVELS = 16
# A crop with coloured ink is a palette PNG of this many colours: seal red, pen blue, black, paper
# and their blends.
CROP_PALETTE_COLOURS = 32
# Debug images are written at this resolution (a page fits a screen).
DEBUG_DPI = 100
# The whole-page preview the review screen draws the flagged boxes on is downscaled to this
# resolution: body text (~15 px high at 100 dpi) stays readable at screen size, and an A4
# page is ~110-200 KB as JPEG (gray paper grain and dense 1-bit text cost the most).
PREVIEW_DPI = 100
# JPEG quality of the previews: 1-bit text at 100 dpi reads as well as at 80, ~13% smaller.
PREVIEW_JPEG_QUALITY = 75
# The kinds of page that get a preview: the form's own pages, the ones the screen shows
# (blank pages, attachments and pages of something else are never drawn on).
PREVIEW_KINDS = ("first", "continuation")
# A page whose darkest 0.1% is lighter than this, or with less ink than the
# share below, is blank (a separator sheet, the back of a page).
BLANK_MAX_INK_SHARE = 0.0015
# A box belongs to the cell holding this share of its area (RapidOCR boxes stop at the rules).
BOX_IN_CELL_SHARE = 0.5
# The top of a page above the table (title band): text there decides a first page.
TITLE_MARKER_MIN = 1
# Short fields whose reading the hybrid engine checks with a second engine.
SECOND_OPINION_KINDS = ("text", "integer", "phone", "email", "industry")
# A box is cut at a rule only when at least this many character widths lie on each side of it.
SPLIT_MIN_CHARS = 0.8
# A pixel row is part of a text line when this share of the cell width is ink (specks are less).
LINE_MIN_INK_SHARE = 0.002
# Lines lower than this are rule remnants or specks, not text (body text is 25+ px at 200 dpi).
LINE_MIN_HEIGHT_PX = 6
# Two ink bands closer than this share of the taller one's height are one line: the white
# row under a 7's bar or between 三's strokes is ~1-3 px; a gap between lines is ≥30% of a line.
LINE_MERGE_GAP_SHARE = 0.2
# Rows with less ink than this share of their band's fullest row are a gap between lines
# (a line of text never thins that much inside; a 7's stem is ~40% of its bar).
LINE_VALLEY_SHARE = 0.05
# Ink components smaller than this (px, at 200-300 dpi) are paper noise, not glyph parts:
# a full stop at 200 dpi is ~4×4 px.
SPECK_MIN_AREA_PX = 12
# An ink component spanning this share of a cell crop's height (width) and this many times
# thinner is a rule remnant (skew, a thick rule), not text.
RULE_REMNANT_SPAN = 0.8
RULE_REMNANT_ASPECT = 8
# A stretch of a line's ink no detected box covers is re-read when at least this many line
# heights wide (one character; specks and a rule's stub are narrower), stretches closer than
# RUN_JOIN_GAP line heights are one (the space between words).
RUN_MIN_WIDTH = 0.6
RUN_JOIN_GAP = 1.5
# A recovered line is kept only when recognition is at least this sure (noise reads as junk
# with a low score).
RECOVER_MIN_CONFIDENCE = 0.6
# Integer field (TRL): one digit 1-9 among stray glyphs (neighbouring ink read as 业, 一…) is
# taken as that digit with its confidence scaled by this, the text kept as read.
INTEGER_NOISE_CONFIDENCE = 0.6
# Characters that are part of a written TRL answer (七级, 第7级), never noise.
INTEGER_WORDS = set("〇零一二三四五六七八九十级第")
# Characters people and word processors use for a ticked box.
TICK_CHARS = "☑☒■√✓✔▣◼●"
EMPTY_BOX_CHARS = "□☐"
# Dates written in an opinion box: 2020年11月10日, with OCR spacing.
PAGE_KINDS = ("first", "continuation", "attachment", "blank", "other")
# A picture in a DOCX without a shown size is taken to be one seal this wide (公章 are 38-45 mm).
DOCX_SEAL_ASSUMED_MM = 40.0
# A DOCX picture's computed dpi is kept in this range (a tiny shown size must not blow it up).
DOCX_MIN_DPI, DOCX_MAX_DPI = 72, 1200
# White margin put around a DOCX picture: the seal detector needs paper outside the ring
# (its outer band reaches 3.5 mm) and the seal's centre well inside the box.
DOCX_IMAGE_MARGIN_MM = 8.0


@dataclass
class ExtractOptions:
    """How pages are read (filled from RunOptions by the runner)."""

    ocr_engine: str = "hybrid"  # tesseract | rapidocr | hybrid
    debug_dir: Path | None = None
    crop_dpi: int = CROP_DPI
    second_opinion: bool = True  # hybrid: Tesseract re-reads the short fields; disagreement lowers confidence
    recover_lines: bool = True  # page-level engines: re-read lines of ink in value cells no detected box covers


@dataclass
class PageReading:
    """What one page said. No full page image inside (it is cached and shipped to workers): only
    a small JPEG preview of a form page for the review screen."""

    source: str
    page: int
    kind: str  # first | continuation | attachment | blank | other
    width: int
    height: int
    dpi: int
    path: str = "ocr"  # ocr | text-layer
    engine: str = ""
    skew_deg: float = 0.0
    fields: dict[str, FieldReading] = field(default_factory=dict)
    continued: FieldReading | None = None  # text under an empty label at the top: a section from the page before
    seals: dict[str, SealReading] = field(default_factory=dict)
    dates: dict[str, DateReading] = field(default_factory=dict)
    text: str = ""  # running text outside any table (attachments) or the title band
    crops: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)  # labelled cells: key, role, bbox
    preview: bytes = b""  # JPEG of the prepared page at PREVIEW_DPI (form pages only), for the review screen

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "page": self.page,
            "kind": self.kind,
            "width": self.width,
            "height": self.height,
            "dpi": self.dpi,
            "path": self.path,
            "engine": self.engine,
            "skew_deg": self.skew_deg,
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
            "continued": self.continued.to_dict() if self.continued else None,
            "seals": {k: v.to_dict() for k, v in self.seals.items()},
            "dates": {k: v.to_dict() for k, v in self.dates.items()},
            "text": self.text,
            "crops": {k: base64.b64encode(v).decode("ascii") for k, v in self.crops.items()},
            "problems": list(self.problems),
            "cells": [dict(c) for c in self.cells],
            "preview": base64.b64encode(self.preview).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageReading:
        return cls(
            source=d["source"],
            page=int(d["page"]),
            kind=d["kind"],
            width=int(d["width"]),
            height=int(d["height"]),
            dpi=int(d["dpi"]),
            path=d.get("path", "ocr"),
            engine=d.get("engine", ""),
            skew_deg=float(d.get("skew_deg", 0.0)),
            fields={k: FieldReading.from_dict(v) for k, v in d.get("fields", {}).items()},
            continued=FieldReading.from_dict(d["continued"]) if d.get("continued") else None,
            seals={k: SealReading.from_dict(v) for k, v in d.get("seals", {}).items()},
            dates={k: DateReading.from_dict(v) for k, v in d.get("dates", {}).items()},
            text=d.get("text", ""),
            crops={k: base64.b64decode(v) for k, v in d.get("crops", {}).items()},
            problems=list(d.get("problems", [])),
            cells=[dict(c) for c in d.get("cells", [])],
            preview=base64.b64decode(d.get("preview") or ""),
        )


# --------------------------------------------------------------------------- typed values


def typed_value(spec: FieldSpec, text: str) -> tuple[str | int | None, str]:
    """The typed value of a field's text, and why it has none ("" when it has)."""
    if not text:
        return None, "empty"
    if spec.kind == "integer":
        m = re.search(r"\d+", text)
        if m:
            return int(m.group()), ""
        cn = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
        for ch in text:
            if ch in cn:
                return cn[ch], ""
        return None, f"not an integer: {text!r}"
    if spec.kind == "phone":
        phone = re.sub(r"[—–－‐~〜_]", "-", text)
        phone = re.sub(r"\s+", "", phone)
        return phone, ""
    if spec.kind == "email":
        email = re.sub(r"\s+", "", text).replace("＠", "@").lower()
        return email, ""
    return text, ""


def integer_among_noise(text: str) -> int | None:
    """The digit of a one-digit (1-9) answer read with stray glyphs around it (``业7``), else None.

    Only CJK glyphs that are no part of a written answer count as noise: ``七级``,
    ``7级``, ``10`` or ``7 8`` are answers and are left to the checks as read.
    """
    s = squash(text)
    groups = re.findall(r"\d+", s)
    if len(groups) != 1 or not re.fullmatch(r"[1-9]", groups[0]):
        return None
    rest = s.replace(groups[0], "", 1)
    if not rest or not all(_is_cjk_glyph(ch) and ch not in INTEGER_WORDS for ch in rest):
        return None
    return int(groups[0])


def _is_cjk_glyph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


EMAIL_RE = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")
# A phone on the form: a mobile (11 digits) or a landline with area code, dashes allowed.
PHONE_RE = re.compile(r"(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})")
# Characters a Chinese-first recogniser swaps in Latin text; a difference made only of these
# is settled by which reading fits its neighbours (digits among digits, letters among letters).
_LOOKALIKES = [set("1lI|i"), set("0oO"), set("5sS"), set("2zZ"), set("8B")]


def valid_typed(spec: FieldSpec, text: str) -> bool:
    """Does ``text`` make a valid e-mail address / phone number (after typing)?"""
    value, _ = typed_value(spec, text)
    if not isinstance(value, str):
        return False
    pattern = EMAIL_RE if spec.kind == "email" else PHONE_RE
    return pattern.fullmatch(value) is not None


def _fits(text: str, i: int, ch: str) -> int:
    """How many of position ``i``'s neighbours are of ``ch``'s class (digit or letter): in
    ``xielei`` an ``l`` fits, in ``1985`` a ``1`` does."""
    return sum(1 for j in (i - 1, i + 1) if 0 <= j < len(text) and text[j].isdigit() == ch.isdigit() and text[j].isalnum())


def _lookalike_fix(lead: str, second: str) -> bool:
    """``second`` differs from ``lead`` only in look-alike characters, and each of its
    characters there fits its neighbours (digits among digits, letters among letters) at
    least as well, one of them better."""
    if len(lead) != len(second) or lead == second:
        return False
    better = False
    for i, (x, y) in enumerate(zip(lead, second, strict=True)):
        if x == y:
            continue
        if not any(x in g and y in g for g in _LOOKALIKES):
            return False
        fx, fy = _fits(lead, i, x), _fits(second, i, y)
        if fy < fx:
            return False
        better = better or fy > fx
    return better


def prefer_second(spec: FieldSpec, lead: str, second: str) -> bool:
    """Take the second engine's e-mail/phone over the leading one's: it validates and the
    leading one does not, or both validate and it fixes look-alikes (``xie1ei`` → ``xielei``)."""
    if not valid_typed(spec, second):
        return False
    if not valid_typed(spec, lead):
        return True
    return _lookalike_fix(squash(lead).lower(), squash(second).lower())


def _status(value: object, why: str) -> FieldStatus:
    if value is not None:
        return "read"
    return "empty" if why == "empty" else "unreadable"


# --------------------------------------------------------------------------- cell texts


def _box_cell(bbox: tuple[int, int, int, int], cells: list[Cell]) -> int | None:
    """Index of the cell holding most of ``bbox`` (None outside the table)."""
    x0, y0, x1, y1 = bbox
    area = max(1, (x1 - x0) * (y1 - y0))
    best, best_share = None, 0.0
    for i, c in enumerate(cells):
        ix = min(x1, c.bbox[2]) - max(x0, c.bbox[0])
        iy = min(y1, c.bbox[3]) - max(y0, c.bbox[1])
        if ix <= 0 or iy <= 0:
            continue
        share = ix * iy / area
        if share > best_share:
            best, best_share = i, share
    return best if best_share >= BOX_IN_CELL_SHARE else None


def split_across_rules(box: OcrBox, cells: list[Cell]) -> list[OcrBox]:
    """A text box that runs over a vertical rule (a hint's bracket touching the next cell
    merges two cells' lines in detection) cut at the rule, its characters shared by position."""
    x0, y0, x1, y1 = box.bbox
    h = max(1, y1 - y0)
    n = len(box.text)
    if n < 2:
        return [box]
    cuts = sorted({c.bbox[0] for c in cells if x0 + h * SPLIT_MIN_CHARS < c.bbox[0] < x1 - h * SPLIT_MIN_CHARS
                   and min(y1, c.bbox[3]) - max(y0, c.bbox[1]) > h / 2})
    if not cuts:
        return [box]
    char_w = (x1 - x0) / n
    pieces: list[OcrBox] = []
    edges = [x0, *cuts, x1]
    for a, b in zip(edges, edges[1:], strict=False):
        chars = [ch for k, ch in enumerate(box.text) if a <= x0 + (k + 0.5) * char_w < b]
        if chars:
            pieces.append(OcrBox("".join(chars).strip(), (int(a), y0, int(b), y1), box.confidence))
    return [p for p in pieces if p.text] or [box]


def _assign_boxes(boxes: list[OcrBox], cells: list[Cell]) -> tuple[dict[int, OcrText], list[OcrBox]]:
    """Page boxes grouped into their cells' texts; boxes outside the table returned apart."""
    per: dict[int, list[OcrBox]] = {}
    outside: list[OcrBox] = []
    for b in [piece for box in boxes for piece in split_across_rules(box, cells)]:
        i = _box_cell(b.bbox, cells)
        if i is None:
            outside.append(b)
        else:
            per.setdefault(i, []).append(b)
    return {i: boxes_to_text(bs) for i, bs in per.items()}, outside


def _words_text(words: list[Word]) -> OcrText:
    boxes = [OcrBox(w.text, (int(w.bbox[0]), int(w.bbox[1]), int(w.bbox[2]), int(w.bbox[3])), 1.0) for w in words]
    t = boxes_to_text(boxes)
    return OcrText(t.text, 1.0 if t.text else 0.0, t.boxes)


def _cell_texts_ocr(engine: OcrEngine, gray: np.ndarray, grid: Grid) -> tuple[dict[int, OcrText], list[OcrBox]]:
    """Every cell's text: one page pass (page-level engines) or one stacked run (Tesseract)."""
    if engine.page_level:
        boxes = engine.read_page(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
        return _assign_boxes(boxes, grid.cells)
    m = grid.margin()
    crops = [crop(gray, c.inner(m)) for c in grid.cells]
    texts = engine.read_cells(crops, "chi_sim", line=False)
    out: dict[int, OcrText] = {}
    for i, (c, t) in enumerate(zip(grid.cells, texts, strict=True)):
        x0, y0 = c.inner(m)[:2]
        out[i] = OcrText(t.text, t.confidence, [OcrBox(b.text, (b.bbox[0] + x0, b.bbox[1] + y0, b.bbox[2] + x0, b.bbox[3] + y0), b.confidence) for b in t.boxes])
    return out, []


# --------------------------------------------------------------------------- page kind


def classify(template: FormTemplate, found: set[str], continued: bool, title: str, has_grid: bool, has_text: bool) -> str:
    """first | continuation | attachment | blank | other, from what the page said."""
    title_s = squash(title)
    markers = sum(1 for mk in template.first_page_markers[:2] if mk in title_s)
    first_key = template.fields[0].key
    if first_key in found or markers >= TITLE_MARKER_MIN:
        return "first"
    if found or continued:
        return "continuation"
    if not has_grid:
        return "attachment" if has_text else "blank"
    return "other"


def _is_blank(gray: np.ndarray) -> bool:
    return bool((gray < 128).mean() < BLANK_MAX_INK_SHARE)


# --------------------------------------------------------------------------- read_page


def read_page(page: Page, template: FormTemplate, options: ExtractOptions | None = None, engine: OcrEngine | None = None) -> PageReading:
    """Read one page: kind, labelled values, ticks, seals, dates, crops."""
    options = options or ExtractOptions()
    born_digital = page.words is not None
    if born_digital:
        color, skew = page.image, 0.0
        gray = to_gray(color)
    else:
        prep = prepare(page.image, page.dpi)
        color, gray, skew = prep.color, prep.gray, prep.skew_deg
    h, w = gray.shape[:2]
    reading = PageReading(
        source=str(page.source), page=page.number, kind="blank", width=w, height=h, dpi=page.dpi,
        path="text-layer" if born_digital else "ocr", skew_deg=round(skew, 3),
    )
    if _is_blank(gray) and not (born_digital and page.words):
        _debug(options, page, color, None, reading)
        return reading
    grid = find_grid(gray)
    eng: OcrEngine | None = None
    if not born_digital:
        eng = engine or get_engine(options.ocr_engine)
        reading.engine = eng.name
    else:
        reading.engine = "text-layer"
    # ---- cell texts
    outside: list[OcrBox] = []
    texts: dict[int, OcrText] = {}
    if born_digital:
        boxes = [OcrBox(wd.text, (int(wd.bbox[0]), int(wd.bbox[1]), int(wd.bbox[2]), int(wd.bbox[3])), 1.0) for wd in page.words or []]
        per, outside = _assign_boxes(boxes, grid.cells)
        texts = {i: OcrText(t.text, 1.0, t.boxes) for i, t in per.items()}
    elif grid.found:
        assert eng is not None
        texts, outside = _cell_texts_ocr(eng, gray, grid)
    if not grid.found:
        if born_digital:
            reading.text = _words_text(page.words or []).text
        else:
            assert eng is not None
            reading.text = _page_text(eng, gray)
        reading.kind = classify(template, set(), False, reading.text[:80], False, bool(reading.text.strip()))
        _add_preview(reading, color, page)
        _debug(options, page, color, grid, reading)
        return reading
    top = grid.ys[0]
    title = boxes_to_text([b for b in outside if b.bbox[3] <= top]).text
    reading.text = title
    # ---- labels
    labels: dict[str, tuple[int, float]] = {}
    for i, t in texts.items():
        m = match_label(t.text, template)
        if m is None or m.key.startswith(GROUP_PREFIX):
            continue
        if m.key not in labels or m.score > labels[m.key][1]:
            labels[m.key] = (i, m.score)
    label_cells = {i for i, _ in labels.values()}
    group_cells = {i for i, t in texts.items() if (mm := match_label(t.text, template)) and mm.key.startswith(GROUP_PREFIX)}
    hints = template_hints(template)
    value_cells: dict[str, int] = {}
    for key, (i, _score) in labels.items():
        vc = grid.right_of(grid.cells[i])
        if vc is None:
            reading.problems.append(f"page {page.number}: label of {key} found but no value cell right of it")
            continue
        vi = grid.cells.index(vc)
        if vi in label_cells:
            reading.problems.append(f"page {page.number}: the cell right of the {key} label is another label")
            continue
        value_cells[key] = vi
        reading.cells.append({"key": key, "role": "label", "bbox": list(grid.cells[i].bbox)})
        reading.cells.append({"key": key, "role": "value", "bbox": list(vc.bbox)})
    # ---- a section continued from the page before: text in the first row, not under a label
    used = label_cells | set(value_cells.values()) | group_cells
    first_row = [i for i, c in enumerate(grid.cells) if c.row == 0 and i not in used]
    cont_cells = [i for i in first_row if texts.get(i) and texts[i].text.strip()]
    if cont_cells:
        ci = max(cont_cells, key=lambda i: grid.cells[i].width)
        t = texts[ci]
        c = grid.cells[ci]
        text = strip_hints(t.text, hints)
        reading.continued = FieldReading(key="", value=text, raw=t.text, confidence=round(t.confidence, 4), page=page.number, bbox=list(c.bbox), engine=reading.engine)
        reading.cells.append({"key": "", "role": "continued", "bbox": list(c.bbox)})
    # ---- lines of ink inside value cells that page detection dropped
    if eng is not None and eng.page_level and options.recover_lines:
        text_cells = [vi for k, vi in value_cells.items() if template.field(k).kind not in ("choice", "opinion")]
        try:
            _recover_lines(eng, gray, grid, text_cells, texts)
        except OcrError as exc:
            reading.problems.append(f"page {page.number}: re-reading missed lines failed: {exc}")
    # ---- values
    for key, vi in value_cells.items():
        spec = template.field(key)
        vc = grid.cells[vi]
        t = texts.get(vi, OcrText("", 0.0))
        if spec.kind == "choice":
            reading.fields[key] = _read_choice(spec, color, vc, t, page, reading.engine)
        elif spec.kind == "opinion":
            reading.fields[key] = FieldReading(key=key, value=None, raw=t.text, confidence=round(t.confidence, 4), page=page.number, bbox=list(vc.bbox), engine=reading.engine)
            _read_opinion(spec, color, vc, t, page, eng, reading)
        else:
            if eng is not None and not eng.page_level and spec.kind in ("phone", "email"):
                # Latin and digits: Tesseract needs its eng model beside chi_sim.
                t = eng.read_line(crop(gray, vc.inner(grid.margin())), "chi_sim+eng")
            text = strip_hints(t.text, hints)
            if not text and eng is not None and not spec.long:
                # A lone short value (a TRL digit) is dropped by page detection and by a stacked
                # Tesseract run; read the cell's lines one by one.
                t = _read_cell_lines(eng, crop(gray, vc.inner(grid.margin())), "chi_sim+eng" if spec.kind in ("phone", "email") else "chi_sim")
                text = strip_hints(t.text, hints)
            value, why = typed_value(spec, text)
            status = _status(value, why)
            confidence = t.confidence if text else 0.0
            reason = "" if status == "read" else why
            if spec.kind == "integer" and (digit := integer_among_noise(text)) is not None:
                value, confidence = digit, confidence * INTEGER_NOISE_CONFIDENCE
                reason = f"stray marks read beside the digit: {text!r}"
            reading.fields[key] = FieldReading(
                key=key, value=value, raw=text, confidence=round(confidence, 4),
                page=page.number, bbox=list(vc.bbox), engine=reading.engine, status=status, reason=reason,
            )
        reading.crops[key] = crop_png(crop(color, vc.bbox), page.dpi, options.crop_dpi)
    if eng is not None and options.second_opinion and hasattr(eng, "second_opinion"):
        _second_opinion(eng, gray, grid, value_cells, template, reading)
    reading.kind = classify(template, set(labels), reading.continued is not None, title, True, True)
    _add_preview(reading, color, page)
    _debug(options, page, color, grid, reading)
    return reading


def _ink_components(gray: np.ndarray) -> np.ndarray:
    """Ink (dark pixels) without specks (components smaller than ``SPECK_MIN_AREA_PX``)."""
    ink = (gray < 128).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return ink.astype(bool)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= SPECK_MIN_AREA_PX
    h, w = gray.shape[:2]
    cw, ch = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    # A rule left inside the crop (skew, a thick rule): spans the crop one way, thin the other.
    rule = ((ch >= RULE_REMNANT_SPAN * h) & (cw * RULE_REMNANT_ASPECT <= ch)) | ((cw >= RULE_REMNANT_SPAN * w) & (ch * RULE_REMNANT_ASPECT <= cw))
    keep &= ~rule
    # A narrow mark touching the crop's left or right side spilled over the rule from the next
    # cell (a hint's closing bracket); text keeps clear of the rules.
    sx = stats[:, cv2.CC_STAT_LEFT]
    edge = ((sx <= 0) | (sx + cw >= w)) & (cw * 2 < ch)
    keep &= ~edge
    return keep[labels]


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """Start and end (exclusive) of each run of True."""
    out: list[tuple[int, int]] = []
    start = None
    for y, v in enumerate([*on.tolist(), False]):
        if v and start is None:
            start = y
        elif not v and start is not None:
            out.append((start, y))
            start = None
    return out


def split_lines(gray: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of the text lines in a cell crop (ink rows separated by white rows).

    A glyph's own white row (the gap under the bar of a 7) does not split a line:
    bands closer than ``LINE_MERGE_GAP_SHARE`` of the taller one's height are one line.
    """
    ink = (gray < 128).sum(axis=1)
    min_ink = max(1, int(gray.shape[1] * LINE_MIN_INK_SHARE))
    bands: list[tuple[int, int]] = []
    for a, b in _runs(ink >= min_ink):
        # A stray mark running down the cell's edge (a bracket over the rule, a descender)
        # joins lines through their gaps: cut the band where its ink falls to a valley.
        peak = int(ink[a:b].max())
        bands.extend((a + x, a + y) for x, y in _runs(ink[a:b] >= max(min_ink, LINE_VALLEY_SHARE * peak)))
    merged: list[tuple[int, int]] = []
    for a, b in bands:
        if merged:
            pa, pb = merged[-1]
            if a - pb <= LINE_MERGE_GAP_SHARE * max(pb - pa, b - a):
                merged[-1] = (pa, b)
                continue
        merged.append((a, b))
    return [(a, b) for a, b in merged if b - a >= LINE_MIN_HEIGHT_PX]


def line_crops(cell_gray: np.ndarray) -> list[tuple[tuple[int, int, int, int], np.ndarray]]:
    """Each text line of a cell crop, cut to the columns its ink covers (specks and far-off
    marks left out), as ``(x0, y0, x1, y1)`` in the crop and the line image."""
    clean = _ink_components(cell_gray)
    work = np.where(clean, 0, 255).astype(np.uint8)
    out: list[tuple[tuple[int, int, int, int], np.ndarray]] = []
    h, w = cell_gray.shape[:2]
    for a, b in split_lines(work):
        pad = max(2, (b - a) // 4)
        cols = np.flatnonzero(clean[a:b].any(axis=0))
        if cols.size == 0:
            continue
        y0, y1 = max(0, a - pad), min(h, b + pad)
        x0, x1 = max(0, int(cols[0]) - 2 * pad), min(w, int(cols[-1]) + 1 + 2 * pad)
        out.append(((x0, y0, x1, y1), cell_gray[y0:y1, x0:x1]))
    return out


def uncovered_runs(cell_gray: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Stretches of ink lines in a cell crop that no detected text box covers, ``(x0, y0, x1, y1)`` in the crop.

    ``boxes`` are the detected boxes in crop pixels. A line's ink columns under a
    box that overlaps the line by half its height are covered; what is left,
    joined across gaps shorter than ``RUN_JOIN_GAP`` line heights, is a run when
    it is at least ``RUN_MIN_WIDTH`` line heights wide.
    """
    clean = _ink_components(cell_gray)
    work = np.where(clean, 0, 255).astype(np.uint8)
    h, w = cell_gray.shape[:2]
    out: list[tuple[int, int, int, int]] = []
    for a, b in split_lines(work):
        lh = b - a
        ink = np.asarray(clean[a:b].any(axis=0), dtype=bool)
        for x0, y0, x1, y1 in boxes:
            if min(b, y1) - max(a, y0) >= 0.5 * min(lh, max(1, y1 - y0)):
                ink[max(0, x0) : max(0, x1)] = False
        cols = np.flatnonzero(ink)
        if cols.size == 0:
            continue
        runs: list[list[int]] = [[int(cols[0]), int(cols[0]) + 1]]
        for c in cols[1:].tolist():
            if c - runs[-1][1] <= RUN_JOIN_GAP * lh:
                runs[-1][1] = c + 1
            else:
                runs.append([c, c + 1])
        pad = max(2, lh // 4)
        for r0, r1 in runs:
            if r1 - r0 >= RUN_MIN_WIDTH * lh:
                out.append((max(0, r0 - pad), max(0, a - pad), min(w, r1 + pad), min(h, b + pad)))
    return out


def _recover_lines(eng: OcrEngine, gray: np.ndarray, grid: Grid, cell_ids: list[int], texts: dict[int, OcrText]) -> int:
    """Lines of ink in value cells that page detection dropped (a low-score box), read by
    recognition alone and added to the cells' texts. Returns how many were added."""
    m = grid.margin()
    crops: list[np.ndarray] = []
    where: list[tuple[int, tuple[int, int, int, int]]] = []
    for i in cell_ids:
        ix0, iy0, ix1, iy1 = grid.cells[i].inner(m)
        cell = crop(gray, (ix0, iy0, ix1, iy1))
        t = texts.get(i)
        rel = [(b.bbox[0] - ix0, b.bbox[1] - iy0, b.bbox[2] - ix0, b.bbox[3] - iy0) for b in (t.boxes if t else [])]
        for x0, y0, x1, y1 in uncovered_runs(cell, rel):
            crops.append(cell[y0:y1, x0:x1])
            where.append((i, (x0 + ix0, y0 + iy0, x1 + ix0, y1 + iy0)))
    if not crops:
        return 0
    added = 0
    read = eng.read_cells(crops, "chi_sim", line=True)
    for (i, bbox), r in zip(where, read, strict=True):
        if not r.text or r.confidence < RECOVER_MIN_CONFIDENCE:
            continue
        old = texts.get(i)
        boxes = [*(old.boxes if old else []), OcrBox(r.text, bbox, r.confidence)]
        texts[i] = boxes_to_text(boxes)
        added += 1
    return added


def _read_cell_lines(eng: OcrEngine, cell_gray: np.ndarray, lang: str) -> OcrText:
    """A cell read line by line (recognition only for RapidOCR, one process for Tesseract)."""
    lines = line_crops(cell_gray)
    if not lines:
        return OcrText("", 0.0)
    texts = eng.read_cells([im for _, im in lines], lang, line=True)
    joined = join_lines([t.text for t in texts])
    conf = sum(t.confidence * len(t.text) for t in texts) / max(1, sum(len(t.text) for t in texts))
    boxes = [OcrBox(t.text, bb, t.confidence) for (bb, _), t in zip(lines, texts, strict=True) if t.text]
    return OcrText(joined, conf if joined else 0.0, boxes)


def _page_text(engine: OcrEngine, gray: np.ndarray) -> str:
    """Running text of a page with no table (attachment pages)."""
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    if engine.page_level:
        return boxes_to_text(engine.read_page(bgr)).text
    return engine.read_block(bgr).text


def _second_opinion(eng: OcrEngine, gray: np.ndarray, grid: Grid, value_cells: dict[str, int], template: FormTemplate, reading: PageReading) -> None:
    """Re-read short fields with Tesseract (one process per language); disagreeing fields keep the lower confidence."""
    second: Callable[..., list[OcrText]] = eng.second_opinion  # type: ignore[attr-defined]
    m = grid.margin()
    for lang, kinds in (("chi_sim", ("text", "integer", "industry")), ("chi_sim+eng", ("phone", "email"))):
        keys = [k for k in value_cells if template.field(k).kind in kinds and not template.field(k).long and k in reading.fields]
        keys = [k for k in keys if reading.fields[k].status == "read"]
        if not keys:
            continue
        try:
            others = second([crop(gray, grid.cells[value_cells[k]].inner(m)) for k in keys], lang, False)
        except OcrError as exc:
            reading.problems.append(f"page {reading.page}: second reading failed: {exc}")
            return
        hints = template_hints(template)
        for k, o in zip(keys, others, strict=True):
            fr = reading.fields[k]
            other = squash(strip_hints(o.text, hints))
            if other == squash(str(fr.raw)):
                continue
            spec = template.field(k)
            if spec.kind in ("email", "phone") and prefer_second(spec, str(fr.raw), other):
                # Latin and digits: the reading that is a valid address/number, or the one from
                # the Latin-aware model where the two differ only in look-alikes (l/1, O/0).
                value, _ = typed_value(spec, other)
                fr.reason = f"engines disagree: kept tesseract {other!r} over rapidocr {str(fr.raw)!r}"
                fr.raw, fr.value = other, value
                fr.confidence = round(min(fr.confidence, o.confidence), 4)
                continue
            fr.confidence = round(min(fr.confidence, o.confidence), 4)
            fr.reason = f"engines disagree: tesseract read {other!r}"


def _read_choice(spec: FieldSpec, color: np.ndarray, cell: Cell, t: OcrText, page: Page, engine: str) -> FieldReading:
    """Ticks of a choice cell: the marks stage on the pixels, else tick characters in the text."""
    fr = FieldReading(key=spec.key, value=None, raw=t.text, page=page.number, bbox=list(cell.bbox), engine="ticks")
    # A text layer may carry the tick as a character (☑); otherwise the pixels decide.
    chosen = ticks_from_text(t.text, list(spec.choices)) if page.born_digital else None
    if chosen is not None:
        fr.confidence = 1.0
    else:
        # Inside the rules: a rule and a glyph stroke must not close into a square.
        tr = read_ticks(crop(color, cell.inner(max(2, page.dpi // 60))), list(spec.choices), page.dpi)
        if tr.status != "read":
            fr.status, fr.reason, fr.confidence = "unreadable", tr.reason, 0.0
            return fr
        chosen, fr.option_scores, fr.confidence = list(tr.chosen), dict(tr.scores), float(tr.confidence)
    fr.chosen = chosen
    fr.value = chosen[0] if len(chosen) == 1 else None
    return fr


def ticks_from_text(text: str, choices: list[str]) -> list[str] | None:
    """Choices preceded by a tick character (☑ ■ √ …); None when no box character is there at all."""
    s = squash(text)
    if not any(ch in s for ch in TICK_CHARS + EMPTY_BOX_CHARS):
        return None
    chosen = []
    for c in choices:
        i = s.find(c)
        if i > 0 and s[i - 1] in TICK_CHARS:
            chosen.append(c)
    return chosen


def _read_opinion(spec: FieldSpec, color: np.ndarray, cell: Cell, t: OcrText, page: Page, eng: OcrEngine | None, reading: PageReading) -> None:
    """Seal (and its ring text) and date of an opinion box; boxes offset to page pixels."""
    box = crop(color, cell.bbox)
    x0, y0 = cell.bbox[0], cell.bbox[1]
    seal: SealReading = read_seal(box, page.dpi, page.color_mode)
    rel: list[int] | None = None
    if seal.bbox is not None:
        rel = list(seal.bbox)
        if eng is not None:  # the ring's text needs OCR: never on a born-digital page
            seal.text, seal.text_confidence = read_seal_text(box, rel, page.dpi, line_reader(eng))
        seal.bbox = [rel[0] + x0, rel[1] + y0, rel[2] + x0, rel[3] + y0]
    seal.page = page.number
    seal.box_bbox = list(cell.bbox)
    reading.seals[spec.key] = seal
    date: DateReading
    if eng is not None:
        date = read_date(box, page.dpi, line_reader(eng), seal_bbox=rel)
        if date.bbox is not None:
            date.bbox = [date.bbox[0] + x0, date.bbox[1] + y0, date.bbox[2] + x0, date.bbox[3] + y0]
    else:  # text layer: the date is in the cell's words
        iso = parse_date(t.text)
        date = DateReading(present=iso is not None, value=iso, raw=t.text[-40:], confidence=1.0 if iso else 0.0, bbox=list(cell.bbox) if iso else None)
    date.page = page.number
    reading.dates[spec.key] = date


def crop_png(img: np.ndarray, dpi: int, to_dpi: int) -> bytes:
    """A PNG of ``img`` scaled from ``dpi`` to ``to_dpi`` (never up), as small as it stays legible:
    one gray channel of ``CROP_GRAY_LEVELS`` levels unless it holds coloured ink, else a palette of
    ``CROP_PALETTE_COLOURS`` colours (a seal stays red)."""
    if img.size == 0:
        return b""
    f = min(1.0, to_dpi / max(1, dpi))
    small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img
    out_dpi = max(1, round(dpi * f))
    if small.ndim == 3 and has_colour_ink(small, out_dpi):
        rgb = Image.fromarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        buffer = io.BytesIO()
        rgb.quantize(CROP_PALETTE_COLOURS).save(buffer, "PNG", optimize=True)
        return buffer.getvalue()
    gray = to_gray(small)
    step = 256 // CROP_GRAY_LEVELS
    levels = np.minimum(255, (gray // step) * (255 // (CROP_GRAY_LEVELS - 1))).astype(np.uint8)
    ok, buf = cv2.imencode(".png", levels, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return buf.tobytes() if ok else b""


def preview_jpeg(img: np.ndarray, dpi: int, color_mode: str = "color") -> bytes:
    """The whole page as a JPEG at ``PREVIEW_DPI`` (never scaled up).

    A gray or 1-bit scan (or a page with no colour in it) is one gray channel; a 1-bit page's
    strokes come out anti-aliased by the area average, not broken up by skipped pixels.
    """
    if img.size == 0:
        return b""
    f = min(1.0, PREVIEW_DPI / max(1, dpi))
    small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img
    if small.ndim == 3 and (color_mode != "color" or is_gray_bgr(small)):
        small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)  # no colour in it
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_JPEG_QUALITY, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    return buf.tobytes() if ok else b""


def _add_preview(reading: PageReading, color: np.ndarray, page: Page) -> None:
    """A form page keeps a preview of itself as prepared (the geometry its boxes and crops use)."""
    if reading.kind in PREVIEW_KINDS:
        reading.preview = preview_jpeg(color, page.dpi, page.color_mode)


# --------------------------------------------------------------------------- debug view


def debug_image(color: np.ndarray, grid: Grid | None, reading: PageReading, dpi: int) -> np.ndarray:
    """The page with its grid (gray), label cells (green), value cells (blue/red by confidence) and keys."""
    img = color.copy()
    if grid is not None:
        for c in grid.cells:
            cv2.rectangle(img, c.bbox[:2], c.bbox[2:], (160, 160, 160), 2)
    thick = max(2, dpi // 100)
    for info in reading.cells:
        x0, y0, x1, y1 = info["bbox"]
        key = info["key"] or "(continued)"
        if info["role"] == "label":
            cv2.rectangle(img, (x0 + 6, y0 + 6), (x1 - 6, y1 - 6), (0, 170, 0), thick)
            continue
        fr = reading.fields.get(info["key"]) if info["key"] else reading.continued
        conf = fr.confidence if fr else 0.0
        colour = (200, 80, 0) if conf >= 0.9 else ((0, 140, 255) if conf >= 0.6 else (0, 0, 230))
        cv2.rectangle(img, (x0 + 6, y0 + 6), (x1 - 6, y1 - 6), colour, thick)
        cv2.putText(img, f"{key} {conf:.2f}", (x0 + 10, y1 - 12), cv2.FONT_HERSHEY_SIMPLEX, dpi / 250, colour, thick)
    for key, seal in reading.seals.items():
        if seal.bbox:
            cv2.rectangle(img, seal.bbox[:2], seal.bbox[2:], (255, 0, 255), thick)
            cv2.putText(img, f"seal {key}", (seal.bbox[0], max(20, seal.bbox[1] - 8)), cv2.FONT_HERSHEY_SIMPLEX, dpi / 250, (255, 0, 255), thick)
    cv2.putText(img, f"page {reading.page} kind={reading.kind} skew={reading.skew_deg:.2f} engine={reading.engine}", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, dpi / 200, (0, 0, 200), thick)
    f = min(1.0, DEBUG_DPI / max(1, dpi)) * 1.5
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img


def _debug(options: ExtractOptions, page: Page, color: np.ndarray, grid: Grid | None, reading: PageReading) -> None:
    if options.debug_dir is None:
        return
    options.debug_dir.mkdir(parents=True, exist_ok=True)
    name = f"{Path(str(page.source)).stem}-p{page.number:03d}.png"
    cv2.imwrite(str(options.debug_dir / name), debug_image(color, grid, reading, page.dpi))


# --------------------------------------------------------------------------- assemble


def _join(a: str, b: str) -> str:
    """Two pieces of one section, across a page break."""
    return join_lines([a, b])


def _continue(fr: FieldReading, piece: FieldReading) -> None:
    text = _join(str(fr.raw or ""), str(piece.raw or ""))
    n_a, n_b = len(str(fr.raw or "")), len(str(piece.raw or ""))
    if n_a + n_b:
        fr.confidence = round((fr.confidence * n_a + piece.confidence * n_b) / (n_a + n_b), 4)
    fr.raw = text
    fr.value = text or None
    fr.status = "read" if text else fr.status


def assemble(doc_id: str, source: str, readings: list[PageReading], template: FormTemplate) -> FormReading:
    """Join a document's page readings into one FormReading with every template key."""
    readings = sorted(readings, key=lambda r: r.page)
    paths = {r.path for r in readings if r.kind != "blank"}
    path = paths.pop() if len(paths) == 1 else ("mixed" if paths else "ocr")
    form = FormReading(document_id=doc_id, source_file=source, pages=[r.page for r in readings], path_taken=path)
    last_long: str | None = None
    current_attachment: str | None = None
    for r in readings:
        form.page_sizes[r.page] = [r.width, r.height, r.dpi]
        if r.preview:
            form.previews[r.page] = r.preview
        form.problems.extend(r.problems)
        if r.kind == "attachment":
            form.attachment_pages.append(r.page)
            key = _attachment_key(r.text, template) or current_attachment
            if key is None:
                form.problems.append(f"page {r.page}: attachment page with no known heading (技术水平/技术效益)")
                continue
            current_attachment = key
            att = form.attachments.setdefault(key, AttachmentReading(key=key, text="", pages=[], confidence=0.0))
            att.text = _join(att.text, r.text)
            att.pages.append(r.page)
            att.confidence = 1.0 if r.path == "text-layer" else att.confidence or 0.9
            continue
        if r.continued is not None:
            if last_long is not None and last_long in form.fields:
                _continue(form.fields[last_long], r.continued)
            else:
                form.problems.append(f"page {r.page}: text at the top of the table belongs to no section of the page before")
        for key in template.keys:
            if key not in r.fields:
                continue
            fr = r.fields[key]
            if key in form.fields:
                # A label repeated on the next page: the section goes on.
                if template.field(key).long:
                    _continue(form.fields[key], fr)
                continue
            form.fields[key] = FieldReading.from_dict(fr.to_dict())
            if key in r.crops:
                form.crops[key] = r.crops[key]
        on_page = [k for k in template.keys if k in r.fields]
        if on_page:
            last = on_page[-1]
            last_long = last if template.field(last).long else None
        for key, seal in r.seals.items():
            form.seals.setdefault(key, seal)
        for key, date in r.dates.items():
            form.dates.setdefault(key, date)
    for spec in template.fields:
        if spec.key not in form.fields:
            form.fields[spec.key] = FieldReading(key=spec.key, value=None, status="not_found", reason=f"label {spec.label} not found on any page")
            form.problems.append(f"{spec.key}: label {spec.label} not found on any page")
        if spec.kind == "opinion":
            if spec.key not in form.seals:
                form.seals[spec.key] = SealReading(present=False, confidence=0.0, status="unreadable", reason=f"opinion box {spec.label} not found")
            if spec.key not in form.dates:
                form.dates[spec.key] = DateReading(present=False, status="unreadable", reason=f"opinion box {spec.label} not found")
    if not any(r.kind in ("first", "continuation") for r in readings):
        form.unreadable = "no page of the form was recognised (no table with the form's labels)"
    return form


def _attachment_key(text: str, template: FormTemplate) -> str | None:
    """The attachment whose heading opens this page's text (first 40 characters)."""
    head = squash(text)[:40]
    for att in template.attachments:
        if any(h in head for h in att.headings):
            return att.key
    return None


# --------------------------------------------------------------------------- DOCX


def decode_docx_image(image: DocxImage) -> tuple[np.ndarray, int] | None:
    """A cell's picture as BGR on white paper with white margins, and its dpi; None if undecodable.

    Transparent pixels become paper (a pasted seal PNG is red ink on alpha). The
    dpi is the picture's pixels over the size it is shown at in the document;
    without that size, the picture is taken to be one seal of
    ``DOCX_SEAL_ASSUMED_MM`` across.
    """
    raw = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.size == 0:
        return None
    if raw.dtype != np.uint8:
        raw = cv2.convertScaleAbs(raw, alpha=255.0 / max(1.0, float(raw.max())))
    if raw.ndim == 2:
        bgr = cv2.cvtColor(raw, cv2.COLOR_GRAY2BGR)
    elif raw.shape[2] == 4:
        alpha = raw[..., 3:4].astype(np.float32) / 255.0
        bgr = (raw[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)).round().astype(np.uint8)
    else:
        bgr = raw[..., :3]
    w = bgr.shape[1]
    shown_mm = image.width_mm if image.width_mm and image.width_mm > 0 else DOCX_SEAL_ASSUMED_MM
    dpi = int(round(min(DOCX_MAX_DPI, max(DOCX_MIN_DPI, w / (shown_mm / 25.4)))))
    pad = int(round(DOCX_IMAGE_MARGIN_MM * dpi / 25.4))
    bgr = cv2.copyMakeBorder(np.ascontiguousarray(bgr), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    return bgr, dpi


def _docx_seal(key: str, label: str, images: list[DocxImage], engine: OcrEngine | None) -> tuple[SealReading, bytes | None]:
    """The seal of an opinion cell from its pictures: present only when the seal detector finds one.

    A logo, a photo or a signature pasted there is not a seal; an undecodable
    picture makes the reading unreadable (never absent). Returns the crop of the
    picture judged (PNG) for the reports.
    """
    if not images:
        return SealReading(present=False, confidence=1.0, page=1, method="docx", reason="DOCX 意见栏中没有图片（无公章图像）"), None
    best: SealReading | None = None
    best_png: bytes | None = None
    problems: list[str] = []
    for n, image in enumerate(images, start=1):
        decoded = decode_docx_image(image)
        if decoded is None:
            problems.append(f"picture {n} of {label} cannot be decoded")
            continue
        img, dpi = decoded
        seal = read_seal(img, dpi, "color")
        seal.page, seal.method = 1, "docx"
        if seal.present and seal.bbox is not None and engine is not None:
            try:
                seal.text, seal.text_confidence = read_seal_text(img, list(seal.bbox), dpi, line_reader(engine))
            except OcrError as exc:
                seal.reason = f"{seal.reason}; ring text not read: {exc}"
        seal.bbox = None  # a DOCX has no page pixels to point at; the crop shows the picture
        better = best is None or (seal.present and not best.present) or (seal.present == best.present and seal.confidence > best.confidence)
        if better:
            best, best_png = seal, crop_png(img, dpi, CROP_DPI)
    if best is None:
        return SealReading(present=False, confidence=0.0, page=1, method="docx", status="unreadable", reason="; ".join(problems)), None
    if problems:
        best.reason = f"{best.reason}; {'; '.join(problems)}"
    return best, best_png


def read_docx_form(doc_id: str, source: str, table: DocxTable, template: FormTemplate, engine: OcrEngine | None = None,
                   ocr_engine: str = "hybrid") -> FormReading:
    """A form filled in Word: labels matched on the cell texts, never OCR'd.

    Ticks come from ☑ / ■ / √ characters before an option; dates from the
    opinion cell's text. A seal is present only when the seal detector
    (``extract.marks.read_seal``) finds one in a picture pasted into the opinion
    cell (``DocxTable.images``); a cell without pictures has no seal. Only the
    seal's ring text is OCR'd, with ``engine`` (default: ``get_engine(ocr_engine)``,
    built only when a seal is found).
    """
    form = FormReading(document_id=doc_id, source_file=source, pages=[1], path_taken="docx")
    hints = template_hints(template)
    for ri, row in enumerate(table.rows):
        for i, cell in enumerate(row):
            m = match_label(cell, template)
            if m is None or m.key.startswith(GROUP_PREFIX) or m.key in form.fields:
                continue
            spec = template.field(m.key)
            # The value is the next cell; a label cell that also holds its text (label + hint + value) is its own value.
            value_text = row[i + 1] if i + 1 < len(row) else ""
            if i + 1 < len(row) and match_label(value_text, template) is not None and label_head(value_text):
                value_text = ""
            text = normalize_text(strip_hints(value_text, hints))
            if spec.kind == "choice":
                fr = FieldReading(key=spec.key, value=None, raw=text, confidence=1.0, page=1, engine="docx")
                chosen = ticks_from_text(text, list(spec.choices))
                if chosen is None:
                    fr.status, fr.reason, fr.confidence = "unreadable", "no tick characters in the cell", 0.0
                else:
                    fr.chosen, fr.value = chosen, (chosen[0] if len(chosen) == 1 else None)
                form.fields[spec.key] = fr
            elif spec.kind == "opinion":
                form.fields[spec.key] = FieldReading(key=spec.key, value=None, raw=text, confidence=1.0, page=1, engine="docx")
                pictures = table.images.get((ri, i + 1), []) if i + 1 < len(row) else []
                if not pictures:  # a label cell that holds its own opinion text holds its pictures too
                    pictures = table.images.get((ri, i), [])
                if pictures and engine is None:
                    engine = get_engine(ocr_engine)
                seal, png = _docx_seal(spec.key, spec.label, pictures, engine)
                form.seals[spec.key] = seal
                if png:
                    form.crops[spec.key] = png
                iso = parse_date(text)
                form.dates[spec.key] = DateReading(present=iso is not None, value=iso, raw=text[-40:], confidence=1.0 if iso else 0.0, page=1)
            else:
                value, why = typed_value(spec, text)
                status = _status(value, why)
                form.fields[spec.key] = FieldReading(key=spec.key, value=value, raw=text, confidence=1.0 if text else 0.0, page=1, engine="docx", status=status, reason="" if status == "read" else why)
    paras = [p for p in table.paragraphs if p.strip()]
    current: str | None = None
    for p in paras:
        key = _attachment_key(p, template)
        if key is not None and len(squash(p)) <= 40:
            current = key
            continue
        if current is not None:
            att = form.attachments.setdefault(current, AttachmentReading(key=current, text="", confidence=1.0))
            att.text = _join(att.text, normalize_text(p))
    for spec in template.fields:
        if spec.key not in form.fields:
            form.fields[spec.key] = FieldReading(key=spec.key, value=None, status="not_found", engine="docx", reason=f"label {spec.label} not found in the DOCX table")
            form.problems.append(f"{spec.key}: label {spec.label} not found in the DOCX table")
        if spec.kind == "opinion" and spec.key not in form.seals:
            form.seals[spec.key] = SealReading(present=False, confidence=0.0, method="docx", status="unreadable", reason=f"opinion box {spec.label} not found")
            form.dates[spec.key] = DateReading(present=False, status="unreadable", reason=f"opinion box {spec.label} not found")
    return form
