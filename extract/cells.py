"""From text boxes to labelled cells: each cell's text (one OCR pass over the page, a stacked
Tesseract run over the cells, or a PDF's text layer), which cells hold the template's labels,
and the value cell right of each label.

A text box belongs to the cell holding most of it; one that runs over a vertical rule is cut
there first. Text in the table's first row under no label is a section continued from the
page before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extract.grid import Cell, Grid, crop
from extract.labels import GROUP_PREFIX, LabelMatch, match_label, strip_hints
from extract.ocr import BoxFilter, OcrBox, OcrEngine, OcrText, boxes_to_text
from extract.ocr_text import lined_text
from extract.printed import LineReader, read_unknown
from extract.reading import FieldReading, PageReading
from forms.template import FormTemplate
from ingest.page import Page, Word

# A box belongs to the cell holding this share of its area (RapidOCR boxes stop at the rules).
BOX_IN_CELL_SHARE = 0.5
# A box is cut at a rule only when at least this many character widths lie on each side of it.
SPLIT_MIN_CHARS = 0.8
# A detected line cut at a rule leaves the rule's ink out of both parts: this share of the line's
# height either side of it (a rule read beside a glyph becomes 1 or |).
SPLIT_RULE_CLEAR = 0.1
# A label cell may hold stray lines above its label (a group label's last characters run over from
# the group cell above at a page break, a note written in): the label is also looked for after up to
# this many of its cell's first lines, in a cell with a cell right of it (a value's own cell is not).
LABEL_MAX_STRAY_LINES = 2


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
    n = len(box.text)
    if n < 2:
        return [box]
    cuts = _rule_cuts(box.bbox, cells)
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


def _rule_cuts(bbox: tuple[int, int, int, int], cells: list[Cell]) -> list[int]:
    """The vertical rules (cells' left edges) a text box runs over with a glyph or more on each side."""
    x0, y0, x1, y1 = bbox
    h = max(1, y1 - y0)
    return sorted({c.bbox[0] for c in cells if x0 + h * SPLIT_MIN_CHARS < c.bbox[0] < x1 - h * SPLIT_MIN_CHARS
                   and min(y1, c.bbox[3]) - max(y0, c.bbox[1]) > h / 2})


def split_detections(dets: list[tuple[np.ndarray, tuple[int, int, int, int]]],
                     cells: list[Cell]) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Detected lines cut at the vertical rules they run over, before they are recognised: each
    cell's part is read on its own. Shared out after recognition by position (``split_across_rules``),
    two fonts in one box cut in the wrong place: a label's small hint 「…不超过10000字。）」 touching
    the value's line gave the value 「可靠支00字。撑。」 (fonts-02 of robustness seed 777738)."""
    out: list[tuple[np.ndarray, tuple[int, int, int, int]]] = []
    for quad, bbox in dets:
        cuts = _rule_cuts(bbox, cells)
        if not cuts:
            out.append((quad, bbox))
            continue
        x0, y0, x1, y1 = bbox
        clear = max(1, round((y1 - y0) * SPLIT_RULE_CLEAR))
        edges = [x0 - clear, *cuts, x1 + clear]
        for a, b in zip(edges, edges[1:], strict=False):
            a, b = a + clear, b - clear
            piece = np.array([[a, y0], [b, y0], [b, y1], [a, y1]], dtype=np.float32)
            out.append((piece, (int(a), y0, int(b), y1)))
    return out


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


def usable_box(grid: Grid) -> BoxFilter:
    """Which detected text boxes of a page with a table are worth recognising: those that overlap
    the table's cells (a cell's text) and those wholly above it (the title band, which tells a first
    page). A box below or beside the table (a page footer 第 1 页 共 3 页, a margin note) is never
    read: it could be neither a cell's text nor the title."""
    x0t = min(c.bbox[0] for c in grid.cells)
    y0t = min(c.bbox[1] for c in grid.cells)
    x1t = max(c.bbox[2] for c in grid.cells)
    y1t = max(c.bbox[3] for c in grid.cells)

    def wanted(bbox: tuple[int, int, int, int]) -> bool:
        x0, y0, x1, y1 = bbox
        if y1 <= grid.ys[0]:
            return True
        return min(x1, x1t) > max(x0, x0t) and min(y1, y1t) > max(y0, y0t)

    return wanted


def _cell_texts_ocr(engine: OcrEngine, gray: np.ndarray, grid: Grid,
                    template: FormTemplate | None = None) -> tuple[dict[int, OcrText], list[OcrBox]]:
    """Every cell's text: one page pass (page-level engines) or one stacked run (Tesseract). With
    ``template``, an engine that detects and recognises apart reads only what the form does not print
    (``printed.read_unknown``); the title band it left unread is one box of the template's title."""
    if engine.page_level and template is not None and isinstance(engine, LineReader):
        dets = split_detections(engine.detect_lines(gray, wanted=usable_box(grid)), grid.cells)
        known = read_unknown(engine, gray, grid, template, dets, [_box_cell(b, grid.cells) for _, b in dets])
        per, outside = _assign_boxes(known.boxes, grid.cells)
        if known.title_skipped:
            top = min(c.bbox[1] for c in grid.cells)
            title = OcrBox(template.title + (template.subtitle or ""), (0, 0, gray.shape[1], max(1, top - 1)), 1.0)
            outside = [title, *outside]
        return per, outside
    if engine.page_level:
        boxes = engine.read_page(gray, wanted=usable_box(grid))  # engines take gray as it is; a BGR copy cost 26 MB at 300 dpi for nothing
        return _assign_boxes(boxes, grid.cells)
    m = grid.margin()
    crops = [crop(gray, c.inner(m)) for c in grid.cells]
    texts = engine.read_cells(crops, "chi_sim", line=False)
    out: dict[int, OcrText] = {}
    for i, (c, t) in enumerate(zip(grid.cells, texts, strict=True)):
        x0, y0 = c.inner(m)[:2]
        out[i] = OcrText(t.text, t.confidence, [OcrBox(b.text, (b.bbox[0] + x0, b.bbox[1] + y0, b.bbox[2] + x0, b.bbox[3] + y0), b.confidence) for b in t.boxes])
    return out, []


def _page_text(engine: OcrEngine, gray: np.ndarray) -> str:
    """Running text of a page with no table (attachment pages)."""
    if engine.page_level:
        return boxes_to_text(engine.read_page(gray)).text
    return engine.read_block(gray).text


def cell_texts(page: Page, gray: np.ndarray, grid: Grid, eng: OcrEngine | None,
               template: FormTemplate | None = None) -> tuple[dict[int, OcrText], list[OcrBox]]:
    """Every cell's text by cell index, and the boxes outside the table: from the page's text
    layer when it has one, else OCR'd when a table was found (a page without one is read as
    running text instead, ``running_text``); with ``template``, its printed words are not
    recognised where a glance confirms them (``printed.read_unknown``)."""
    if page.words is not None:
        boxes = [OcrBox(wd.text, (int(wd.bbox[0]), int(wd.bbox[1]), int(wd.bbox[2]), int(wd.bbox[3])), 1.0) for wd in page.words]
        per, outside = _assign_boxes(boxes, grid.cells)
        return {i: OcrText(t.text, 1.0, t.boxes) for i, t in per.items()}, outside
    if grid.found and eng is not None:
        return _cell_texts_ocr(eng, gray, grid, template)
    return {}, []


def running_text(page: Page, gray: np.ndarray, eng: OcrEngine | None) -> str:
    """The text of a page with no table (an attachment): its text layer's words, else OCR'd."""
    if page.words is not None or eng is None:
        return _words_text(page.words or []).text
    return _page_text(eng, gray)


@dataclass
class LabelledCells:
    """What the template's labels made of a page's grid (indexes into ``grid.cells``)."""

    found: set[str]  # keys whose label is on the page
    values: dict[str, int]  # key -> its value cell
    used: set[int]  # label, value and group-label cells


def _cell_label(t: OcrText, cell: Cell, grid: Grid, template: FormTemplate) -> LabelMatch | None:
    """The label a cell's text starts with; in a cell with a cell right of it, else the field label
    that starts one of its next lines (``LABEL_MAX_STRAY_LINES``): the lines above it are strays."""
    m = match_label(t.text, template)
    if m is not None or grid.right_of(cell) is None:
        return m
    lines = lined_text(t).split("\n")
    for k in range(1, min(LABEL_MAX_STRAY_LINES, len(lines) - 1) + 1):
        m = match_label("".join(lines[k:]), template)
        if m is not None and not m.key.startswith(GROUP_PREFIX):
            return m
    return None


def label_cells(texts: dict[int, OcrText], grid: Grid, template: FormTemplate, reading: PageReading) -> LabelledCells:
    """Match each cell's text to a label (the best-scoring cell per key) and take the cell right
    of each label as its value; ``reading.cells`` lists both, ``reading.problems`` a label
    without a value cell."""
    labels: dict[str, tuple[int, float]] = {}
    for i, t in texts.items():
        m = _cell_label(t, grid.cells[i], grid, template)
        if m is None or m.key.startswith(GROUP_PREFIX):
            continue
        if m.key not in labels or m.score > labels[m.key][1]:
            labels[m.key] = (i, m.score)
    label_ids = {i for i, _ in labels.values()}
    group_ids = {i for i, t in texts.items() if (mm := match_label(t.text, template)) and mm.key.startswith(GROUP_PREFIX)}
    values: dict[str, int] = {}
    for key, (i, _score) in labels.items():
        vc = grid.right_of(grid.cells[i])
        if vc is None:
            reading.problems.append(f"page {reading.page}: label of {key} found but no value cell right of it")
            continue
        vi = grid.cells.index(vc)
        if vi in label_ids:
            reading.problems.append(f"page {reading.page}: the cell right of the {key} label is another label")
            continue
        values[key] = vi
        reading.cells.append({"key": key, "role": "label", "bbox": list(grid.cells[i].bbox)})
        reading.cells.append({"key": key, "role": "value", "bbox": list(vc.bbox)})
    return LabelledCells(found=set(labels), values=values, used=label_ids | set(values.values()) | group_ids)


def read_continued(texts: dict[int, OcrText], grid: Grid, labelled: LabelledCells, hints: list[str], reading: PageReading) -> None:
    """Text in the table's first row under no label (the widest such cell): a section continued
    from the page before, kept as ``reading.continued`` for ``assemble``."""
    # A cell left of a label (the label column, a group label's column) holds no value: values
    # stand right of their labels (a group label cut by the page break reads as a few characters).
    label_x0 = [c.bbox[0] for i, c in enumerate(grid.cells)
                if c.row == 0 and i in labelled.used and i not in labelled.values.values()]
    first_row = [i for i, c in enumerate(grid.cells) if c.row == 0 and i not in labelled.used
                 and not any(c.bbox[2] <= x0 for x0 in label_x0)]
    cont_cells = [i for i in first_row if texts.get(i) and texts[i].text.strip()]
    if not cont_cells:
        return
    ci = max(cont_cells, key=lambda i: grid.cells[i].width)
    t = texts[ci]
    c = grid.cells[ci]
    text = strip_hints(lined_text(t), hints, continued=True)
    reading.continued = FieldReading(key="", value=text, raw=text, confidence=round(t.confidence, 4), page=reading.page,
                                     bbox=list(c.bbox), engine=reading.engine)
    reading.cells.append({"key": "", "role": "continued", "bbox": list(c.bbox)})
