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

A wrong date read as sure is worse than an unread one: a glyph that is no numeral inside the month
or the day leaves the reading unread (``date_text``); a re-read, another crop of the line or a
reading without the seal's ink replaces the first reading only where it agrees with what that said
(``readings_agree``), and a one-glyph month (1月, the 1 of 11 lost) from such a reading only where
another reading says the same. In a gray scan the seal's ink is taken out by its own tone, measured
on its ring line (``seal_tone``). The lines themselves are found by ``date_lines``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import cv2
import numpy as np

from extract.marks.color import ink_map, px_per_mm, remove_red
from extract.marks.date_lines import (
    PRINTED_LABEL_GLYPHS,
    glued_halves,
    line_crop,
    line_glyphs,
    line_start,
    reread_variants,
    rows_only,
    rule_mask,
    text_lines,
)
from extract.marks.date_ring import ring_glyph_mask
from extract.marks.date_seal import (
    PRINT_GRAY,
    SEAL_TONE_MARGIN,
    blank_under_the_seal,
    crossed_by_the_ring,
    ring_crosses,
    seal_tone,
    written_under_the_seal,
)
from extract.marks.date_text import (
    chinese_to_int,
    choose_reading,
    has_filling,
    is_date_line,
    lone_day,
    lone_month,
    month_day_of,
    needs_reread,
    normalize_date_text,
    notice_years,
    parse_date,
    parse_month_day,
    readings_agree,
    year_doubt,
)
from extract.marks.seal_text import FittedRing, fit_ring_around, ring_line_mask
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
# The seal's tone is first taken out only near its ring line (the fitted line's mask grown RING_NEAR_MM each
# side: a fit is good to a millimetre or two), so print as light as the seal elsewhere (a faded 〇) stays:
# combined-02 of rob seed 495224, a gray oval's ring through 十六 read 年二, 十六 with the ring's tone out
# near it; the tone cut over the whole line lost the 〇s and 一 (print at 70-150, the ring at 158).
RING_NEAR_MM = 2.0
# A one-glyph month (1月, 2月) or day (1-9) read from a re-read (or without the seal) is taken when
# this many readings of the line say that month and day, or that day (a ring crossing 11 left 1 on
# one reading).
CONFIRMING_READINGS = 2
# Lines tried from the bottom up before giving up.
MAX_LINES = 3


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
    halves = {part for band in tries for part in glued_halves(ink, *band, dpi)}
    tries = [part for band in tries for part in (band, *glued_halves(ink, *band, dpi))]
    seen: list[str] = []
    unread: DateReading | None = None
    for y0, y1 in tries:
        crop, (x0, by0, x1, by1) = line_crop(rows_only(region, y0, y1) if (y0, y1) in halves else region, ink, y0, y1, dpi)
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
        glyphs = line_glyphs(ink, y0, y1)
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
                years: tuple[int, int] | None = None, sure: bool = True) -> DateReading:
    """The date line read again (``reread_variants``) when its reading is doubtful
    (``needs_reread``); the fullest of the readings wins (``choose_reading``), a re-read only
    where it agrees with what the first reading said (``readings_agree``: 五 read again as 2 is
    not taken), and a month or day that is a lone glyph (``lone_month``: 1月 of 11月, ``lone_day``:
    1日 of 11日) from a re-read (a month also from a reading not ``sure``: the seal's ink taken out)
    only where another reading says the same.
    ``cleaned`` is the box with red ink removed, ``reading.bbox`` relative to it."""
    if reading.bbox is None or not needs_reread(reading.raw or "", reading.value, years):
        return reading
    x0, y0, x1, y1 = reading.bbox
    gray = cv2.cvtColor(cleaned[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    again = [ocr_line(cv2.cvtColor(v, cv2.COLOR_GRAY2BGR))[0] for v in reread_variants(gray, dpi)]
    again = [t for t in again if readings_agree(reading.raw or "", t, years)]
    texts = [reading.raw or "", *again]
    text = choose_reading(texts, years)
    value, why = parse_date(text), "read again larger and with thicker strokes"
    said = [month_day_of(t) for t in texts]
    lone = value is not None and (
        (lone_month(text, value) and (text != reading.raw or not sure) and said.count(f"--{value[5:]}") < CONFIRMING_READINGS)
        or (lone_day(text, value) and text != reading.raw and [md and md[-2:] for md in said].count(value[8:]) < CONFIRMING_READINGS))
    if lone:
        # 2020年1月7日 from one reading where the ring crossed 11 (the other lost the month), 2020年11月1日
        # from one where the first read '1日月' (bilevel-02 of rob seed 220061, truth 11-11): unread
        return DateReading(present=True, value=None, raw=reading.raw, confidence=round(reading.confidence * 0.5, 3),
                           bbox=reading.bbox, status="unreadable",
                           reason=f"{reading.reason}; read again as {text!r}, its one-glyph month or day not confirmed"
                           .lstrip("; "))
    if text == reading.raw:
        return reading
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
    return _darker_than(region, PRINT_GRAY)


def _darker_than(region: np.ndarray, level: float) -> np.ndarray:
    out = region.copy()
    out[region.min(axis=2) > level] = 255
    return out


def _lighter_near(region: np.ndarray, ring: np.ndarray, level: float, dpi: int) -> np.ndarray:
    """``region`` with what is lighter than ``level`` (the seal's tone) taken out within RING_NEAR_MM of
    its ring line's mask ``ring``; print elsewhere left whole."""
    k = 2 * max(1, round(RING_NEAR_MM * px_per_mm(dpi))) + 1
    near = cv2.dilate(ring.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    out = region.copy()
    out[near & (region.min(axis=2) > level)] = 255
    return out


def read_date(box_bgr: np.ndarray, dpi: int, ocr_line: OcrLine, seal_bbox: list[int] | None = None,
              years: tuple[int, int] | None = None, deadline: dt.date | None = None) -> DateReading:
    """The date in an opinion box crop; bbox relative to the crop (``_read_date``), judged against the
    seal where it has no colour to be taken out by (1-bit, gray): a one-glyph month or day its ring line
    crosses (``_lone_under_the_ring``), a date after ``deadline`` (the notice's) its ring line crosses
    (``date_seal``: a false DATE_LATE is the costly error, an in-time date the ring crosses is read as
    read), and its code's glyphs (``_without_seal_glyphs``); a 年 月 日 line not read whose blanks hold
    only the seal's ink is no date written (``date_seal``)."""
    reading = _read_date(box_bgr, dpi, ocr_line, seal_bbox, years)
    if reading.bbox is None or seal_bbox is None or reading.status != "read" and reading.month_day:
        return reading
    if reading.value is None and reading.present and not is_date_line(reading.raw or ""):
        return reading
    fitted = fit_ring_around(box_bgr, seal_bbox, dpi)
    if fitted.red:
        return reading
    if not reading.present:
        return written_under_the_seal(reading, box_bgr, fitted, dpi) or reading
    if reading.value is None:
        return blank_under_the_seal(reading, box_bgr, fitted, dpi) or reading
    judged = _lone_under_the_ring(reading, box_bgr, fitted, dpi)
    if judged is None and deadline is not None and reading.value > deadline.isoformat():
        judged = crossed_by_the_ring(reading, box_bgr, fitted, dpi, ocr_line)
    if judged is not None:
        return judged
    return _without_seal_glyphs(reading, box_bgr, dpi, ocr_line, fitted, seal_bbox, years)


def _lone_under_the_ring(reading: DateReading, box_bgr: np.ndarray, fitted: FittedRing, dpi: int) -> DateReading | None:
    """``reading`` left unread where its month is a lone glyph (``lone_month``: 1月, 2月) and the seal's
    ring line, as black as the print, crosses its line: the glyph lost may be the one under the ring
    (combined-02 of rob seed 208335: the 1 of 11 under an oval's inner ring, read 2020年1月14日 by every
    crop, a sure 01-14). A one-glyph day is not judged so: days 2-9 are written so half the month.
    None where that is not so."""
    if reading.bbox is None or not lone_month(reading.raw or "", reading.value or ""):
        return None
    if not ring_crosses(reading.bbox, box_bgr, fitted, dpi):
        return None
    return DateReading(present=True, value=None, raw=reading.raw, confidence=round(reading.confidence * 0.5, 3),
                       bbox=reading.bbox, status="unreadable",
                       reason="the seal's ring line crosses the date line and its month reads as one glyph: "
                       "the other may be under the ring")


def _without_seal_glyphs(reading: DateReading, box_bgr: np.ndarray, dpi: int, ocr_line: OcrLine, fitted: FittedRing,
                         seal_bbox: list[int], years: tuple[int, int] | None) -> DateReading:
    """A date read sure where a seal with no colour to take it out by (1-bit, gray) stands over it, read
    again with the seal's code glyphs painted out (``date_ring``): the reading stands where that says the
    same date (or its month and day, the year not read again), is taken where it says every number the
    first said or fuller (``readings_agree``), and is left unread where it says another month or day
    (bilevel-01 of rob seed 594587: the code's 2 under the 一 of 十一 read 十二, a sure false DATE_LATE)
    or none."""
    if reading.bbox is None:
        return reading
    seal = ring_glyph_mask(box_bgr, fitted, dpi)
    x0, y0, x1, y1 = reading.bbox
    if not seal[y0:y1, x0:x1].any():
        return reading
    clean = box_bgr.copy()
    clean[seal] = 255
    again = _read_date(clean, dpi, ocr_line, seal_bbox, years)
    said = again.value and f"--{again.value[5:]}" or again.month_day
    if again.value == reading.value or (again.value is None and said == f"--{(reading.value or '')[5:]}"):
        return reading  # the same date, or its month and day with the year not read again (form09 of the samples)
    if again.value is not None and readings_agree(reading.raw or "", again.raw or "", years):
        # every number the first reading said, said again or fuller: the code had hidden a glyph (十月 for
        # 十一月 where the code's digit touched the 一), never added one
        again.reason = f"read with the seal's code glyphs painted out (first read {reading.raw!r})"
        return again
    return DateReading(present=True, value=None, raw=reading.raw, confidence=round(reading.confidence * 0.5, 3),
                       bbox=reading.bbox, status="unreadable",
                       reason=f"the seal's code glyphs stand over the date line; read without them as "
                       f"{again.raw!r}, not the same date")


def _read_date(box_bgr: np.ndarray, dpi: int, ocr_line: OcrLine, seal_bbox: list[int] | None = None,
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
    rx0 = line_start(ink_map(remove_red(box_bgr[ry0:], dpi), dpi), round(w * (1 - REGION_RIGHT_FRACTION)), dpi)
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
    tone: float | None = None
    if seal_bbox is not None:
        ring = ring_line_mask(box_bgr.shape, fit_ring_around(box_bgr, seal_bbox, dpi), dpi)[ry0:, rx0:]
        if ring.any():
            unringed = region.copy()
            unringed[ring] = 255
            variants.append(unringed)
            tone = seal_tone(region, ring)
    if not _is_bilevel(region):
        uncut = variants or [region]
        if tone is not None and tone - SEAL_TONE_MARGIN > PRINT_GRAY:
            variants.insert(0, _lighter_near(region, ring, tone - SEAL_TONE_MARGIN, dpi))
            uncut = list(variants)
            variants += [_darker_than(v, tone - SEAL_TONE_MARGIN) for v in uncut]
        # print-dark ink alone; of a variant cut at the seal's tone (lighter than print) it is that of
        # the variant it was cut from, so not read again
        variants += [_print_only(v) for v in uncut]
    best = first
    for img in variants:
        again = _read_region(img, dpi, ocr_line, (rx0, ry0), seal_bbox, years)
        if again.value is not None and readings_agree(first.raw or "", again.raw or "", years):
            again.reason = "read with the seal's ink taken out"
            looked = believed_year(second_look(again, cleaned, dpi, ocr_line, years, sure=False), years)
            if looked.value is not None:
                return looked
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
