"""Read only what is unknown: the words the form prints are known from its template, so the lines
that hold them are confirmed with a glance and take the template's words instead of being recognised.

A page's text lines are detected once (``detect_lines``). Recognised first is the top line of every
table cell: a label cell's label, else the first line of a value. The labels found there say what else
is printed where:

- the rest of a label cell (the label's second line, the hint under it), and a group label's column:
  confirmed when the lines' widths add up to the printed rest's length (the hint's small font:
  ``LABEL_REST_EM``), within a loose ``LABEL_REST_SPAN`` (these lines are never a value: the label is
  matched on the top line, and the value is the cell to its right);
- a hint printed atop the value cell (where the label cell did not hold it) and an opinion box's printed
  sentence (``printed_text``): the value cell's first line and the printed text's last line are read
  in full and must start and end it (nothing typed after it); the lines between, measured in the first
  line's own character width, must add up to what is left (``PRINTED_REST_TOLERANCE``); a value typed
  on the hint's last line, a hint cut by a page break, a Word copy without the hint fail that and are read;
- the title band above the table, when the template's first label is on the page (the page is a first
  page whatever the title says): not read, ``reading.text`` takes the template's title.

A line that fails its glance is recognised like any other; a cell whose top line is no label, and a
page where no label is found, are read whole. Only where the template is seen is anything skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from rapidfuzz import fuzz

from extract.grid import Grid
from extract.labels import GROUP_PREFIX, HINT_MIN_SCORE, match_label, squash
from extract.ocr import BoxFilter
from extract.ocr_text import OcrBox, normalize_text
from forms.template import FormTemplate

log = logging.getLogger(__name__)

# A detected line's length over its height per printed character of the hint font (measured on
# form01 and form07 at 300 dpi: the hints under the labels read 0.59-0.71 of their height per
# character, short lines the least; a CJK character counts 1, a Latin letter or digit 1/2).
LABEL_REST_EM = 0.66
# The rest of a label cell is taken as printed when its lines' estimated length is within this
# span of the printed rest's: loose, as the lines measured were 0.59-0.71 against 0.66 and the
# detector's box margins vary with the scan; a value typed in the label cell is a line or more
# of its own and falls outside.
LABEL_REST_SPAN = (0.6, 1.6)
# A group label printed down its column, one box per character or a few: the column's boxes, each
# measured along its long side, add up to the label's characters left after its top one within
# this span (measured on form07: 1.0-1.2 a character, the box margins).
GROUP_COLUMN_SPAN = (0.8, 1.4)
# A box of a column written downwards is at most this many times wider than high (one character
# with its margins, measured up to 1.07; a line written across is 2 or more).
GROUP_BOX_MAX_WIDTH = 1.3
# The lines between a printed text's first and last line (both read: a value cell's hint, an opinion's
# sentence) are its middle when their length, in the first line's character width, matches it within
# this share or ``PRINTED_REST_MIN_EMS`` characters (a line's box margin is about half a character);
# the same span picks which line is the last one to read.
PRINTED_REST_TOLERANCE = 0.08
PRINTED_REST_MIN_EMS = 1.5
# The first line of a printed text atop a value cell reads as its start at the hint matcher's own
# similarity (labels.strip_hints: OCR loses a bracket or a character).
PRINTED_HEAD_MIN_SCORE = HINT_MIN_SCORE


@runtime_checkable
class LineReader(Protocol):
    """An engine that detects a page's lines and recognises the ones asked for (RapidOCR)."""

    def detect_lines(self, img: np.ndarray, wanted: BoxFilter | None = None) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]: ...

    def read_lines(self, img: np.ndarray, quads: Sequence[np.ndarray]) -> list[tuple[str, float]]: ...


@dataclass
class _Line:
    quad: np.ndarray
    bbox: tuple[int, int, int, int]
    cell: int | None
    text: str | None = None  # None: not recognised (yet)
    confidence: float = 0.0
    printed: bool = False  # its text is the template's, confirmed by a glance


@dataclass
class KnownPage:
    """What a page's reading recognised and what it took from the template."""

    boxes: list[OcrBox]
    recognised: int = 0  # lines sent to recognition
    printed: int = 0  # lines confirmed printed, not recognised
    title_skipped: bool = False
    notes: list[str] = field(default_factory=list)


def em_length(text: str) -> float:
    """Printed length of ``text`` in characters of its height: CJK and full-width 1, others 1/2."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in squash(text))


def _aspect(quad: np.ndarray) -> float:
    """A line box's long side over its short side (a vertical column of characters alike)."""
    w = float(np.linalg.norm(quad[0] - quad[1]))
    h = float(np.linalg.norm(quad[0] - quad[3]))
    return max(w, h) / max(1.0, min(w, h))


def _length(quad: np.ndarray) -> float:
    """A line box's long side in pixels."""
    return max(float(np.linalg.norm(quad[0] - quad[1])), float(np.linalg.norm(quad[0] - quad[3])))


def _prefix_cut(read: str, printed: str) -> int:
    """How many characters of ``printed`` (squashed) the squashed ``read`` covers from its start."""
    if not read:
        return 0
    best, best_c = -1.0, len(read)
    for c in range(max(1, len(read) - 3), min(len(printed), len(read) + 3) + 1):
        score = fuzz.ratio(printed[:c], read)
        if score > best:
            best, best_c = score, c
    return min(best_c, len(printed))


def _spread(text: str, lines: list[_Line], weights: list[float], confidence: float) -> None:
    """The printed ``text`` shared out over ``lines`` by their lengths, each marked printed."""
    total = sum(weights) or 1.0
    n = len(text)
    start, acc = 0, 0.0
    for k, (ln, wgt) in enumerate(zip(lines, weights, strict=True)):
        acc += wgt
        end = n if k == len(lines) - 1 else min(n, round(n * acc / total))
        ln.text, ln.confidence, ln.printed = normalize_text(text[start:end]), confidence, True
        start = end


def _reading_order(lines: list[_Line], ids: list[int]) -> list[int]:
    return sorted(ids, key=lambda i: ((lines[i].bbox[1] + lines[i].bbox[3]) / 2, lines[i].bbox[0]))


def _label_rest(lines: list[_Line], rest: list[int], printed_rest: str, confidence: float) -> bool:
    """The rest of a label cell (or a group column) confirmed as ``printed_rest`` by its lines' lengths."""
    want = em_length(printed_rest)
    if not rest:
        return want == 0
    if want == 0:
        return False
    got = [_aspect(lines[i].quad) / LABEL_REST_EM for i in rest]
    lo, hi = LABEL_REST_SPAN
    if not lo * want <= sum(got) <= hi * want:
        return False
    _spread(printed_rest, [lines[i] for i in rest], got, confidence)
    return True


def _value_top(lines: list[_Line], ids: list[int], printed: str, recognise: Callable[[list[int]], None]) -> bool:
    """A printed text atop a value cell. Its first line (read) must start it; the lines under it are
    measured in that line's em until they add up to the rest; the last of them is read and must end
    it (nothing typed after it); the lines between, whose lengths must match what is left, take the
    printed words. A text of two lines has nothing between: both are read."""
    first = lines[ids[0]]
    head, full = squash(first.text or ""), squash(printed)
    if not head or len(head) > len(full) + 1:
        return False
    cut = _prefix_cut(head, full)
    if fuzz.ratio(full[:cut], head) < PRINTED_HEAD_MIN_SCORE:
        return False
    rest = full[cut:]
    want = em_length(rest)
    if want == 0:
        return True
    # One font, so one advance width per character: measured on the first line in pixels (the
    # detector's box heights vary from line to line by up to a fifth: stack_box1 page 2, 45-54 px).
    em = _length(first.quad) / max(0.5, em_length(head))
    got: list[float] = []
    for i in ids[1:]:
        got.append(_length(lines[i].quad) / em)
        if abs(sum(got) - want) <= max(PRINTED_REST_MIN_EMS, PRINTED_REST_TOLERANCE * want):
            break
        if sum(got) > want:
            return False
    else:
        return False
    if len(got) < 2:
        return False
    last = ids[len(got)]
    recognise([last])
    tail = squash(lines[last].text or "")
    if not tail or len(tail) >= len(rest) or fuzz.ratio(rest[-len(tail):], tail) < PRINTED_HEAD_MIN_SCORE:
        return False
    middle, widths = rest[: len(rest) - len(tail)], got[:-1]
    if abs(sum(widths) - em_length(middle)) > max(PRINTED_REST_MIN_EMS, PRINTED_REST_TOLERANCE * em_length(middle)):
        return False
    _spread(middle, [lines[j] for j in ids[1 : len(got)]], widths, first.confidence)
    return True


def _group_column(lines: list[_Line], ids: list[int], groups: list[str]) -> bool:
    """A cell whose top box reads as a group label's first character(s) and whose other boxes stand
    down the column as many characters as the label has left: they take the label's words."""
    head = squash(lines[ids[0]].text or "")
    rest = ids[1:]
    if not head or not rest or any((lines[i].bbox[3] - lines[i].bbox[1]) * GROUP_BOX_MAX_WIDTH < lines[i].bbox[2] - lines[i].bbox[0] for i in rest):
        return False
    got = [_aspect(lines[i].quad) for i in rest]
    lo, hi = GROUP_COLUMN_SPAN
    fits = [g for g in groups if g.startswith(head) and len(g) > len(head) and lo <= sum(got) / (len(g) - len(head)) <= hi]
    if not fits:
        return False
    g = min(fits, key=lambda g: abs(sum(got) / (len(g) - len(head)) - 1))
    _spread(g[len(head):], [lines[i] for i in rest], got, lines[ids[0]].confidence)
    return True


def read_unknown(engine: LineReader, gray: np.ndarray, grid: Grid, template: FormTemplate,
                 dets: list[tuple[np.ndarray, tuple[int, int, int, int]]], cell_of: list[int | None]) -> KnownPage:
    """The page's detected lines as text boxes: the unknown ones recognised, the printed ones the
    template's words (module docstring); ``cell_of`` is each line's cell (None above the table)."""
    lines = [_Line(q, b, c) for (q, b), c in zip(dets, cell_of, strict=True)]
    by_cell: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.cell is not None:
            by_cell.setdefault(ln.cell, []).append(i)
    by_cell = {c: _reading_order(lines, ids) for c, ids in by_cell.items()}
    page = KnownPage(boxes=[])

    def recognise(ids: list[int]) -> None:
        ids = [i for i in ids if lines[i].text is None]
        for i, (text, conf) in zip(ids, engine.read_lines(gray, [lines[i].quad for i in ids]), strict=True):
            lines[i].text, lines[i].confidence = text, conf
        page.recognised += len(ids)

    recognise([ids[0] for ids in by_cell.values()])
    # The labels on the tops of the cells: the best cell for each key, with its value cell right of it.
    best: dict[str, tuple[int, float]] = {}
    for c, ids in by_cell.items():
        m = match_label(lines[ids[0]].text or "", template)
        if m is not None and (m.key not in best or m.score > best[m.key][1]):
            best[m.key] = (c, m.score)
    label_cells = {c for c, _ in best.values()}
    groups = [squash(g.label) for g in template.groups]
    for c, ids in by_cell.items():
        if c not in label_cells:
            _group_column(lines, ids, groups)
    for key, (c, _) in best.items():
        ids = by_cell[c]
        top = lines[ids[0]]
        if key.startswith(GROUP_PREFIX):
            group = squash(key[len(GROUP_PREFIX):])
            _label_rest(lines, ids[1:], group[_prefix_cut(squash(top.text or ""), group):], top.confidence)
            continue
        spec = template.field(key)
        vc = grid.right_of(grid.cells[c])
        vi = grid.cells.index(vc) if vc is not None else None
        if vi is None or vi in label_cells:
            continue  # not the form's label-value pair: the cell is read whole
        label, hint, head = squash(spec.label), squash(spec.hint or ""), squash(top.text or "")
        if _label_rest(lines, ids[1:], (label + hint)[_prefix_cut(head, label + hint):], top.confidence):
            atop = ""  # the hint, if any, is under the label
        elif hint and _label_rest(lines, ids[1:], label[_prefix_cut(head, label):], top.confidence):
            atop = hint  # the label alone in its cell: the hint is printed atop the value, if at all
        else:
            continue  # the label cell holds more than the form prints: read whole, and its value cell too
        if spec.kind == "opinion":
            atop = squash(spec.printed_text or "")
        if atop and vi in by_cell and len(by_cell[vi]) > 1:
            _value_top(lines, by_cell[vi], atop, recognise)
    if template.fields[0].key in best:
        for ln in lines:
            if ln.cell is None and ln.text is None:
                ln.text, ln.printed = "", True  # the title band: not read (the caller takes the template's title)
                page.title_skipped = True
    recognise([i for i, ln in enumerate(lines) if ln.text is None])
    page.printed = sum(1 for ln in lines if ln.printed and ln.cell is not None)
    page.boxes = [OcrBox(ln.text, ln.bbox, ln.confidence) for ln in lines if ln.text]
    log.debug("read only what is unknown: %d lines recognised, %d printed lines confirmed by a glance%s",
              page.recognised, page.printed, ", title band not read" if page.title_skipped else "")
    return page
