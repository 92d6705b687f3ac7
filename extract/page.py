"""Read one page into a ``PageReading``.

The recipe (STYLE.md §1), one small function each, in its own module:

    prepare (deskew, flatten, drop red)          preprocess.prepare
    →  find the grid                             grid.find_grid
    →  cell texts (OCR or text layer)            cells.cell_texts
    →  labelled cells (template)                 cells.label_cells, cells.read_continued
    →  missed lines of ink re-read               lines.recover_lines
    →  values (hints stripped, typed)            values.read_text_value, values.second_opinion
    →  marks: ticks, seals, dates                marks.boxes.read_choice, marks.boxes.read_opinion
    →  crops and preview for the reports         images.crop_png, images.add_preview
    →  debug image                               debug.write_debug

Boxes are ``[x0, y0, x1, y1]`` in pixels of the page at its dpi, after deskew
(the skew is under a few degrees, so a box is off the scan by at most a few
pixels at its far end). ``page`` is 1-based within the source file. A document's
pages are joined by ``assemble``; a DOCX form is read by ``docx_form``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extract.cells import LabelledCells, cell_texts, label_cells, read_continued, running_text
from extract.debug import write_debug
from extract.grid import Grid, crop, find_grid
from extract.images import CROP_DPI, add_preview, crop_png
from extract.labels import squash, template_hints
from extract.lines import recover_lines
from extract.marks.boxes import read_choice, read_opinion
from extract.ocr import OcrEngine, OcrText, boxes_to_text, get_engine
from extract.preprocess import prepare, to_gray
from extract.reading import FieldReading, PageKind, PageReading
from extract.values import read_text_value, second_opinion
from forms.errors import OcrError
from forms.template import FormTemplate
from ingest.page import Page

# A page with less ink (pixels darker than mid-gray) than this share of its area, and no table, is
# blank (a separator sheet, the back of a page).
BLANK_MAX_INK_SHARE = 0.0015
# Fewer rules than this each way is not the form's table (its shortest page has a two-row box).
MIN_FORM_RULES = 2
# The top of a page above the table (title band): text there decides a first page.
TITLE_MARKER_MIN = 1


@dataclass
class ExtractOptions:
    """How pages are read (filled from RunOptions by the runner)."""

    ocr_engine: str = "hybrid"  # tesseract | rapidocr | hybrid
    debug_dir: Path | None = None
    crop_dpi: int = CROP_DPI
    second_opinion: bool = True  # hybrid: Tesseract re-reads the short fields; disagreement lowers confidence
    recover_lines: bool = True  # page-level engines: re-read lines of ink in value cells no detected box covers
    # Page-level engines: the form's printed words (labels, hints, the promise, the title band) are
    # confirmed by a glance and taken from the template, not recognised (printed.read_unknown; issue 14).
    skip_printed: bool = True
    # The page is the reader's own (a worker's, rendered for this one reading): it is deskewed in place,
    # so the scan and its level copy are not both held through OCR (26 MB at 300 dpi).
    deskew_in_place: bool = False


def classify(template: FormTemplate, found: set[str], continued: bool, title: str, has_grid: bool, has_text: bool) -> PageKind:
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


def read_page(page: Page, template: FormTemplate, options: ExtractOptions | None = None, engine: OcrEngine | None = None) -> PageReading:
    """Read one page: kind, labelled values, ticks, seals, dates, crops."""
    options = options or ExtractOptions()
    born_digital = page.words is not None
    if born_digital:
        color, gray, skew = page.image, to_gray(page.image), 0.0
        rules = gray
    else:
        prep = prepare(page.image, page.dpi, in_place=options.deskew_in_place)
        color, gray, skew, rules = prep.color, prep.gray, prep.skew_deg, prep.flat
        del prep
    h, w = gray.shape[:2]
    reading = PageReading(
        source=str(page.source), page=page.number, kind="blank", width=w, height=h, dpi=page.dpi,
        path="text-layer" if born_digital else "ocr", skew_deg=round(skew, 3),
    )
    grid = find_grid(rules)
    del rules  # the flattened page serves the grid alone: 8 MB less under the OCR at 300 dpi (issue 14)
    if _is_blank(gray) and not grid.found and not (born_digital and page.words):
        # A page with a table is never blank: a form's last page may hold one box and a few words.
        write_debug(options.debug_dir, page, color, None, reading)
        return reading
    eng = None if born_digital else (engine or get_engine(options.ocr_engine))
    reading.engine = eng.name if eng is not None else "text-layer"
    texts, outside = cell_texts(page, gray, grid, eng, template if options.skip_printed else None)
    if not grid.found:
        reading.text = running_text(page, gray, eng)
        reading.kind = classify(template, set(), False, reading.text[:80], False, bool(reading.text.strip()))
    else:
        title = boxes_to_text([b for b in outside if b.bbox[3] <= grid.ys[0]]).text
        reading.text = title
        labelled = label_cells(texts, grid, template, reading)
        read_continued(texts, grid, labelled, template_hints(template), reading)
        if eng is not None and eng.page_level and options.recover_lines:
            text_cells = [vi for k, vi in labelled.values.items() if template.field(k).kind not in ("choice", "opinion")]
            try:
                recover_lines(eng, gray, grid, text_cells, texts)
            except OcrError as exc:
                reading.problems.append(f"page {page.number}: re-reading missed lines failed: {exc}")
        _read_values(page, template, options, eng, color, gray, grid, labelled, texts, reading)
        if eng is not None and options.second_opinion and hasattr(eng, "second_opinion"):
            second_opinion(eng, gray, grid, labelled.values, template, reading)
        reading.kind = classify(template, labelled.found, reading.continued is not None, title, True, True)
    # A page not read as the form says why (an attachment of plain prose, with no rules at all, need not).
    if reading.kind == "other" or (reading.kind == "attachment" and (grid.ys or grid.xs)):
        reading.problems.append(why_no_labels(page.number, grid, texts))
    add_preview(reading, color, page)
    write_debug(options.debug_dir, page, color, grid, reading)
    return reading


def why_no_labels(number: int, grid: Grid, texts: dict[int, OcrText]) -> str:
    """Why no label of the form was found on a page, for the debug view and results.json's problems."""
    if not grid.found:
        return (f"page {number}: no form table: {len(grid.ys)} row rules and {len(grid.xs)} column rules "
                f"found (a form page has at least {MIN_FORM_RULES} of each)")
    read = [t.text for t in texts.values() if t.text.strip()]
    if not read:
        return f"page {number}: a table of {len(grid.cells)} cells, but no text was read in any cell"
    return (f"page {number}: a table of {len(grid.cells)} cells with text in {len(read)}, but none matched "
            f"a label of the form (first cells read: {' | '.join(r[:12] for r in read[:3])})")


def _read_values(page: Page, template: FormTemplate, options: ExtractOptions, eng: OcrEngine | None, color: np.ndarray,
                 gray: np.ndarray, grid: Grid, labelled: LabelledCells, texts: dict[int, OcrText], reading: PageReading) -> None:
    """Each labelled value cell read by its field's kind (a choice's ticks, an opinion box's
    seal and date, else its text typed), with the cell's crop for the reports."""
    hints = template_hints(template)
    for key, vi in labelled.values.items():
        spec = template.field(key)
        vc = grid.cells[vi]
        t = texts.get(vi, OcrText("", 0.0))
        if spec.kind == "choice":
            reading.fields[key] = read_choice(spec, color, vc, t, page, reading.engine)
        elif spec.kind == "opinion":
            reading.fields[key] = FieldReading(key=key, value=None, raw=t.text, confidence=round(t.confidence, 4),
                                               page=page.number, bbox=list(vc.bbox), engine=reading.engine)
            read_opinion(spec, color, vc, t, page, eng, reading, deadline_year=template.deadline.year,
                         deadline=template.deadline, issued=template.issued)
        else:
            reading.fields[key] = read_text_value(spec, t, eng, gray, grid, vc, hints, reading)
        reading.crops[key] = crop_png(crop(color, vc.bbox), page.dpi, options.crop_dpi)
