"""The date (年 月 日) written in an opinion box: is it there, and which day is it.

The date line sits at the lower right of the box, under the 公章 label. Red ink
is removed first (a seal stamped over the date), the text lines of the lower
right are found by their ink rows, and each (bottom first) is read by the
caller's one-line OCR until one holds 年/月/日. The text is parsed from Arabic
digits, Chinese numerals (二〇二〇年十一月十日) or dotted forms (2020.11.10)
and validated as a calendar date.

- present, value set: read and valid;
- present, value None (``status="unreadable"``, ``raw`` kept): ink or digits in the
  date's spaces that do not make a valid date — never reported as missing; when month
  and day read but the year does not (a seal's text over it), ``month_day`` is set;
- absent: the line holds only the printed 年 月 日 (by OCR, and by ink where no seal crosses it).

A year is believed only when it is written in one script (all Chinese numerals or all digits) and
falls in the caller's ``years`` (the notice's deadline year ±1, ``date_text.notice_years``): a
year that is not is read again, and if still not believable the reading keeps month and day
(``month_day``) with the year unknown — never a wrong year that would make the date late.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from extract.marks.color import ink_map, px_per_mm, remove_red
from extract.marks.date_text import (
    chinese_to_int,
    choose_reading,
    has_filling,
    is_date_line,
    needs_reread,
    normalize_date_text,
    notice_years,
    parse_date,
    parse_month_day,
    readings_agree,
    year_doubt,
)
from extract.marks.seal_text import fit_ring_around, ring_line_mask
from extract.reading import DateReading

OcrLine = Callable[[np.ndarray], tuple[str, float]]
# The text side lives in date_text; these names stay importable from here.
__all__ = ["chinese_to_int", "choose_reading", "has_filling", "is_date_line", "needs_reread",
           "normalize_date_text", "notice_years", "parse_date", "parse_month_day", "read_date", "readings_agree",
           "rule_mask", "text_lines", "year_doubt"]

# The date is printed in the lower right: its line and the 公章 label above it fit in the
# bottom 24 mm, right 65 % of the box (the printers in the samples put it 10-22 mm from the right).
REGION_BOTTOM_MM = 24.0
REGION_RIGHT_FRACTION = 0.65
# Ink darkness (0..1) that counts for finding text rows: print and pen, not paper noise.
ROW_INK = 0.45
# A row belongs to a text line when this much of it (in mm) has ink (one glyph stroke is
# ~0.3 mm)...
ROW_MIN_INK_MM = 0.6
# Table rules (the box's edges) are removed before finding lines: ink runs longer than this.
RULE_MIN_MM = 12.0
# A rule broken or blurred by the scan: a row (column) inked over this share of the region,
# within RULE_EDGE_MM of its edge (the box's own edges; inside the box, a seal's star and
# ring text stacked over the date fill a column as much).
RULE_ROW_SHARE = 0.5
RULE_EDGE_MM = 4.0
# A band taller than one line (a seal's ring crossing the rows glued the date line to the
# 公章 label) is cut again at these shares of its own fullest row, in turn (a share of the
# whole region's fullest row would lose a blank 年 月 日 line under dense text).
LINE_MAX_MM = 7.0
SPLIT_REL_INK = (0.3, 0.45, 0.6)
# Gray level (0-255) under which a pixel is print or pen for a first try: a red seal
# scanned in gray is mostly lighter (~90-170), so it stays out of that try.
PRINT_GRAY = 100
# Text lines are 2.5-6 mm tall (10.5-12 pt print, handwriting a bit taller); rows closer than
# the gap belong to one line (handwritten digits sit a little above the printed 年).
LINE_MIN_MM = 1.8
LINE_GAP_MM = 0.8
# Lines tried from the bottom up before giving up.
MAX_LINES = 3
# Two lines glued into one band under LINE_MAX_MM (the 公章 label and a date written tall just under
# it: 6.6 mm together on word-01 of rob seed 464378, read as one line '2020年申报单位公'): a band
# taller than GLUED_MIN_MM (a 10.5-12 pt line is 3-4.5 mm) is also tried as two, cut at its thinnest
# row in the middle GLUED_MIDDLE of it where that row holds under GLUED_VALLEY of the fullest row on
# either side (a line's own strokes never thin out so across its middle), the lower part first.
GLUED_MIN_MM = 5.0
GLUED_MIDDLE = (0.3, 0.7)
GLUED_VALLEY = 0.5
# A line read as the bare 年 月 日 is written on when its ink spans more columns than this many
# glyphs (each as wide as the line is tall): the printed three measured 2.5-2.7, the shortest
# date written in them (2020年1月1日) 4.3-4.7. Only where no seal crosses the line: a ring and
# its glyphs add ink there too.
PRINTED_LABEL_GLYPHS = 3.6
# Margin around a line crop for the OCR engine (it drops glyphs touching the edge).
LINE_PAD_MM = 1.0
# A doubtful line (``needs_reread``) is read again REREAD_SCALES times larger and with
# REREAD_THICKEN_MM thicker strokes.
REREAD_SCALES = (2.0,)
REREAD_THICKEN_MM = 0.15


def reread_variants(gray: np.ndarray, dpi: int) -> list[np.ndarray]:
    """A line crop again for OCR: larger (thin strokes span more pixels) and with thicker strokes."""
    out = [cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC) for k in REREAD_SCALES]
    k = max(2, round(REREAD_THICKEN_MM * px_per_mm(dpi)) + 1)
    out.append(cv2.erode(gray, np.ones((k, k), np.uint8)))  # white paper: erode thickens dark ink
    return out


def _bands(counts: np.ndarray, threshold: float, gap: float) -> list[list[int]]:
    bands: list[list[int]] = []
    for y in np.nonzero(counts >= threshold)[0].tolist():
        if bands and y - bands[-1][1] <= gap:
            bands[-1][1] = y
        else:
            bands.append([y, y])
    return bands


def _split(counts: np.ndarray, y0: int, y1: int, ppm: float, level: int = 0) -> list[tuple[int, int]]:
    """A band of rows cut into text lines: bands too tall to be one line (a seal glued
    lines together) are cut again at a higher share of their own fullest row."""
    if y1 - y0 <= LINE_MAX_MM * ppm or level >= len(SPLIT_REL_INK):
        return [(y0, y1)] if y1 - y0 >= LINE_MIN_MM * ppm else []
    local = counts[y0:y1]
    out: list[tuple[int, int]] = []
    for a, b in _bands(local, SPLIT_REL_INK[level] * float(local.max()), LINE_GAP_MM * ppm):
        out += _split(counts, y0 + a, y0 + b + 1, ppm, level + 1)
    return out


def rule_mask(ink: np.ndarray, dpi: int) -> np.ndarray:
    """Pixels of table rules (the box's edges) in a darkness map: long straight runs of ink."""
    ppm = px_per_mm(dpi)
    binary = (ink >= ROW_INK).astype(np.uint8)
    run = max(3, round(RULE_MIN_MM * ppm))
    rules = np.maximum(cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, run), np.uint8)),
                       cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))) > 0
    # A rule blurred or broken by the scan: a row (column) by the edge inked over most of the width (height).
    edge = max(1, round(RULE_EDGE_MM * ppm))
    for axis in (0, 1):
        share = binary.sum(axis=1 - axis) / binary.shape[1 - axis]
        full = share >= RULE_ROW_SHARE
        full[edge:-edge] = False
        if axis == 0:
            rules[full] = True
        else:
            rules[:, full] = True
    # and the pixels right beside them (the rule's blurred edge)
    return cv2.dilate(rules.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0


def text_lines(ink: np.ndarray, dpi: int) -> list[tuple[int, int]]:
    """Row ranges (y0, y1) of the text lines in a darkness map, top to bottom (table rules ignored)."""
    ppm = px_per_mm(dpi)
    binary = ((ink >= ROW_INK) & ~rule_mask(ink, dpi)).astype(np.uint8)
    counts = binary.sum(axis=1)
    lines: list[tuple[int, int]] = []
    for a, b in _bands(counts, ROW_MIN_INK_MM * ppm, LINE_GAP_MM * ppm):
        lines += _split(counts, a, b + 1, ppm)
    return lines


def _glued_halves(ink: np.ndarray, y0: int, y1: int, dpi: int) -> list[tuple[int, int]]:
    """A band of rows (``text_lines``) cut in two where two text lines touch (GLUED_*), lower part
    first; none when it is one line."""
    ppm = px_per_mm(dpi)
    if y1 - y0 < GLUED_MIN_MM * ppm:
        return []
    counts = (ink[y0:y1] >= ROW_INK).sum(axis=1).astype(np.float32)
    a, b = round(len(counts) * GLUED_MIDDLE[0]), round(len(counts) * GLUED_MIDDLE[1])
    cut = a + int(np.argmin(counts[a:b]))
    if counts[cut] >= GLUED_VALLEY * min(float(counts[:cut].max()), float(counts[cut + 1:].max())):
        return []
    return [h for h in ((y0 + cut, y1), (y0, y0 + cut)) if h[1] - h[0] >= LINE_MIN_MM * ppm]


def _rows_only(img: np.ndarray, y0: int, y1: int) -> np.ndarray:
    """``img`` with every row outside y0..y1 white: a glued line's part without the other's strokes
    in its crop's margin."""
    out = np.full_like(img, 255)
    out[y0:y1] = img[y0:y1]
    return out


def _line_crop(img: np.ndarray, ink: np.ndarray, y0: int, y1: int, dpi: int) -> tuple[np.ndarray, list[int]]:
    """The line's crop (tight on its ink, padded) and its box in the region."""
    pad = round(LINE_PAD_MM * px_per_mm(dpi))
    cols = np.nonzero((ink[y0:y1] >= ROW_INK).any(axis=0))[0]
    x0, x1 = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, img.shape[1])
    h, w = img.shape[:2]
    box = [max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)]
    return img[box[1]:box[3], box[0]:box[2]], box


def _read_region(region: np.ndarray, dpi: int, ocr_line: OcrLine, offset: tuple[int, int],
                 seal_bbox: list[int] | None = None, years: tuple[int, int] | None = None) -> DateReading:
    """The date among the text lines of the box's lower right (``region``, red removed)."""
    rx0, ry0 = offset
    region = region.copy()
    ink = ink_map(region, dpi)
    # The box's edges out of the way: OCR reads a rule beside a line as a character.
    rules = rule_mask(ink, dpi)
    region[rules] = 255
    ink[rules] = 0
    dark = (region.min(axis=2) <= PRINT_GRAY).astype(np.float32)
    lines = text_lines(ink, dpi)
    if not lines:
        return DateReading(present=False, confidence=0.9, reason="no text in the lower right of the box")
    tries = list(reversed(lines[-MAX_LINES:]))
    tries += [ln for ln in reversed(text_lines(dark, dpi)[-MAX_LINES:]) if ln not in tries]
    halves = {part for band in tries for part in _glued_halves(ink, *band, dpi)}
    tries = [part for band in tries for part in (band, *_glued_halves(ink, *band, dpi))]
    seen: list[str] = []
    unread: DateReading | None = None
    for y0, y1 in tries:
        crop, (x0, by0, x1, by1) = _line_crop(_rows_only(region, y0, y1) if (y0, y1) in halves else region, ink, y0, y1, dpi)
        gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        text, conf = ocr_line(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
        seen.append(text)
        if not is_date_line(text):
            continue
        bbox = [x0 + rx0, by0 + ry0, x1 + rx0, by1 + ry0]
        value = parse_date(text)
        if value is not None and unread is not None and unread.raw and not readings_agree(unread.raw, text, years):
            continue  # the date line read once already, saying another number (one date line a box)
        if value is not None:
            return DateReading(present=True, value=value, raw=text, confidence=round(float(conf), 3), bbox=bbox)
        if has_filling(text):
            month_day = parse_month_day(text)
            partial = DateReading(present=True, value=None, raw=text, confidence=round(float(conf) * 0.5, 3), bbox=bbox,
                                  status="unreadable", month_day=month_day,
                                  reason=("month and day read, the year not" if month_day
                                          else "a date is written but does not read as one"))
            if unread is None or (month_day and not unread.month_day):
                unread = partial
            continue
        glyphs = int((ink[y0:y1] >= ROW_INK).any(axis=0).sum()) / max(1, y1 - y0)
        if glyphs > PRINTED_LABEL_GLYPHS and not _overlap(bbox, seal_bbox):
            unread = unread or DateReading(present=True, raw=text, confidence=0.3, bbox=bbox, status="unreadable",
                                           reason=f"ink over {glyphs:.1f} glyphs of the 年 月 日 line, none of it read")
        unread = unread or DateReading(present=False, raw=text, confidence=round(float(conf), 3), bbox=bbox,
                                       reason="年 月 日 printed, nothing written before them")
    if unread is not None:
        return unread
    # Ink where the date belongs but no line reads as 年 月 日: say so, never "missing".
    raw = " | ".join(t for t in seen if t)
    return DateReading(present=True, value=None, raw=raw, confidence=0.3, status="unreadable",
                       reason="text in the date's place, but no 年 月 日 line could be read")


def second_look(reading: DateReading, cleaned: np.ndarray, dpi: int, ocr_line: OcrLine,
                years: tuple[int, int] | None = None) -> DateReading:
    """The date line read again (``reread_variants``) when its reading is doubtful
    (``needs_reread``); the fullest of the readings wins (``choose_reading``), a re-read only
    where it agrees with what the first reading said (``readings_agree``: 五 read again as 2 is
    not taken). ``cleaned`` is the box with red ink removed, ``reading.bbox`` relative to it."""
    if reading.bbox is None or not needs_reread(reading.raw or "", reading.value, years):
        return reading
    x0, y0, x1, y1 = reading.bbox
    gray = cv2.cvtColor(cleaned[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    again = [ocr_line(cv2.cvtColor(v, cv2.COLOR_GRAY2BGR))[0] for v in reread_variants(gray, dpi)]
    again = [t for t in again if readings_agree(reading.raw or "", t, years)]
    text = choose_reading([reading.raw or "", *again], years)
    if text == reading.raw:
        return reading
    value, why = parse_date(text), "read again larger and with thicker strokes"
    if value is not None:
        return DateReading(present=True, value=value, raw=text, confidence=reading.confidence, bbox=reading.bbox, reason=why)
    reading.raw, reading.month_day, reading.reason = text, parse_month_day(text) or reading.month_day, f"{reading.reason}; {why}"
    return reading


def believed_year(reading: DateReading, years: tuple[int, int] | None = None) -> DateReading:
    """``reading`` as it stands when its year is believable (``year_doubt``); else present with
    the year unknown: value None, ``month_day`` kept, the doubt as the reason."""
    doubt = year_doubt(reading.raw or "", years) if reading.value is not None else None
    if doubt is None or reading.value is None:
        return reading
    return DateReading(present=True, value=None, raw=reading.raw, confidence=round(reading.confidence * 0.5, 3),
                       bbox=reading.bbox, status="unreadable", month_day=f"--{reading.value[5:]}",
                       reason=f"{doubt}: month and day kept, the year unknown")


def _print_only(region: np.ndarray) -> np.ndarray:
    """Only what is as dark as print or pen: a seal's ink in a gray scan (lighter) goes."""
    out = region.copy()
    out[region.min(axis=2) > PRINT_GRAY] = 255
    return out


def read_date(box_bgr: np.ndarray, dpi: int, ocr_line: OcrLine, seal_bbox: list[int] | None = None,
              years: tuple[int, int] | None = None) -> DateReading:
    """The date in an opinion box crop; bbox relative to the crop.

    ``ocr_line(image) -> (text, confidence)`` reads one text line (extract/ocr.py). ``years``
    (first, last) are the years a date on this form can have (``date_text.notice_years``); a
    year outside them, or one mixing Chinese numerals and digits, is not believed (module doc).
    A date written but not read is read again without what crosses it: the ring line of
    the box's seal (``seal_bbox``, relative to the crop) painted out, and in a gray or
    colour scan only print-dark ink kept (a red seal scans lighter than print).
    """
    if box_bgr.size == 0 or box_bgr.ndim != 3 or box_bgr.shape[2] != 3 or box_bgr.dtype != np.uint8:
        return DateReading(present=False, status="unreadable",
                           reason=f"box image must be BGR uint8 H×W×3, got {box_bgr.dtype} {box_bgr.shape}")
    h, w = box_bgr.shape[:2]
    ppm = px_per_mm(dpi)
    ry0 = max(0, h - round(REGION_BOTTOM_MM * ppm))
    rx0 = round(w * (1 - REGION_RIGHT_FRACTION))
    cleaned = box_bgr.copy()
    cleaned[ry0:, rx0:] = region = remove_red(box_bgr[ry0:, rx0:], dpi)
    first = _read_region(region, dpi, ocr_line, (rx0, ry0), seal_bbox, years)
    if first.status == "read" and (first.value is not None or not first.present):
        looked = believed_year(second_look(first, cleaned, dpi, ocr_line, years), years)
        if looked.status == "read" or seal_bbox is None:
            return looked
        first = looked  # a year not to be believed under a seal: read again without the seal
    # Written (or something is there) but not read: again without what crosses it.
    variants: list[np.ndarray] = []
    if seal_bbox is not None:
        ring = ring_line_mask(box_bgr.shape, fit_ring_around(box_bgr, seal_bbox, dpi), dpi)[ry0:, rx0:]
        if ring.any():
            unringed = region.copy()
            unringed[ring] = 255
            variants.append(unringed)
    if not _is_bilevel(region):
        variants += [_print_only(v) for v in (variants or [region])]
    best = first
    for img in variants:
        again = _read_region(img, dpi, ocr_line, (rx0, ry0), seal_bbox, years)
        if again.value is not None and readings_agree(first.raw or "", again.raw or "", years):
            again.reason = "read with the seal's ink taken out"
            return believed_year(second_look(again, cleaned, dpi, ocr_line, years), years)
        if again.month_day and not best.month_day:
            best = again
    best = believed_year(second_look(best, cleaned, dpi, ocr_line, years), years)
    if best.value is None and best.month_day and seal_bbox is not None:
        best = _year_through_the_seal(best, box_bgr, dpi, ocr_line, years)
    return best


def _year_through_the_seal(reading: DateReading, box_bgr: np.ndarray, dpi: int, ocr_line: OcrLine,
                           years: tuple[int, int] | None) -> DateReading:
    """A date whose month and day read without the seal's ink but whose year did not, read once more
    with the seal's ink left in: where the ring crosses a faint printed 〇, taking the red out takes
    the print under it too (dpi_low-02 of rob seed 609848: 二〇二〇 read 二二〇). Taken only when
    that reading is a whole date with a believable year and the same month and day, so the seal's
    ink adds nothing but the year's lost glyph."""
    if reading.bbox is None:
        return reading
    x0, y0, x1, y1 = reading.bbox
    text, conf = ocr_line(box_bgr[y0:y1, x0:x1])
    value = parse_date(text)
    if value is None or f"--{value[5:]}" != reading.month_day or year_doubt(text, years) is not None:
        return reading
    return DateReading(present=True, value=value, raw=text, confidence=round(min(float(conf), reading.confidence * 2), 3),
                       bbox=reading.bbox, reason=f"{reading.reason}; the year read with the seal's ink left in "
                       f"(taking it out took the print under it), month and day as read without it")


def _overlap(a: list[int], b: list[int] | None) -> bool:
    return b is not None and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _is_bilevel(img: np.ndarray) -> bool:
    """A 1-bit scan: nothing between black and white (a seal is as dark as print)."""
    gray = img.min(axis=2)
    return bool(((gray > 40) & (gray < 215)).mean() < 0.002)
