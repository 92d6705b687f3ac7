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
- absent: the line holds only the printed 年 月 日.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

import cv2
import numpy as np

from extract.marks.color import ink_map, px_per_mm, remove_red
from extract.marks.seal_text import fit_ring_around, ring_line_mask
from extract.reading import DateReading

OcrLine = Callable[[np.ndarray], tuple[str, float]]

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
# Margin around a line crop for the OCR engine (it drops glyphs touching the edge).
LINE_PAD_MM = 1.0
# Digit-like characters that make a date line filled in (see has_filling).
MIN_FILLING_DIGITS = 2
# A line whose date did not read, or whose month read as one glyph that is also the end of a
# two-glyph month (1月 for 十一月/11月 with the 十 or a 1 lost on a thin 1-bit stroke), is read
# again as REREAD_SCALES times larger and with REREAD_THICKEN_MM thicker strokes.
AMBIGUOUS_MONTHS = (1, 2)
REREAD_SCALES = (2.0,)
REREAD_THICKEN_MM = 0.15
# Years a nomination date can have (the notice is of 2020; forms get reused).
YEAR_MIN, YEAR_MAX = 2000, 2099

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Q": 0, "D": 0, "C": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "两": 2}
# OCR misreadings seen for the printed labels and digits.
_LABEL_FIXES = {"午": "年", "牛": "年", "曰": "日", "目": "日", "l": "1", "I": "1", "|": "1", "B": "8",
                "S": "5", "Z": "2", "z": "2"}
_NUM = r"[0-9〇○零Oo一二三四五六七八九十两]"
# A handwritten 〇 in a year is also read as Q, D or C (only there: the year is digit by digit).
_YEAR_NUM = r"[0-9〇○零OoQDC一二三四五六七八九十两]"
# One stray character is allowed on either side of 年 and 月 (a seal's or a rule's mark read as one).
_STRAY = r"[^0-9〇○零Oo一二三四五六七八九十两年月日]?"
# 日 is required: a day cut short by a seal over it ("十一月十" for 十八) must not read as the 10th.
_DATE_CN = re.compile(rf"({_YEAR_NUM}{{2,4}}){_STRAY}年{_STRAY}({_NUM}{{1,3}}){_STRAY}月{_STRAY}({_NUM}{{1,3}}){_STRAY}日")
# Month and day alone (the year unreadable): 日 still required, and whatever stands before
# 月 is cut to its last two characters (二十一月 → 十一月: the year's last digit before it).
_MONTH_DAY = re.compile(rf"({_NUM}{{1,3}}){_STRAY}月{_STRAY}({_NUM}{{1,3}}){_STRAY}日")
_DATE_SEP = re.compile(r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})")
_DIGITLIKE = re.compile(rf"{_NUM}")
# 一 after 十 before 月/日, read as a dash or arrow (十→月): not a stray mark (November, not October).
_ONE_AS_DASH = re.compile(r"(?<=十)[→—–‐‑－\-ー_~～](?=[月日])")


def _digit(ch: str) -> int | None:
    """One Chinese numeral or Arabic digit (十1 is 十一 with its 一 read as 1)."""
    return int(ch) if ch.isdigit() else _CN_DIGITS.get(ch)


def chinese_to_int(s: str, year: bool = False) -> int | None:
    """``2020``/``二〇二〇`` (year: digit by digit), ``十一``/``二十三``/``11`` (month, day)."""
    if s.isdigit():
        return int(s)
    if year or "十" not in s:
        digits = [_digit(ch) for ch in s]
        if any(d is None for d in digits):
            return None
        return int("".join(str(d) for d in digits))
    tens_s, _, ones_s = s.partition("十")
    tens = 1 if tens_s == "" else _digit(tens_s) if len(tens_s) == 1 else None
    ones = 0 if ones_s == "" else _digit(ones_s) if len(ones_s) == 1 else None
    if tens is None or ones is None:
        return None
    return tens * 10 + ones


def normalize_date_text(text: str) -> str:
    """Full-width to ASCII, whitespace out, known misreadings of 年 月 日 and digits fixed."""
    t = unicodedata.normalize("NFKC", text)
    t = "".join(ch for ch in t if not ch.isspace())
    return _ONE_AS_DASH.sub("一", "".join(_LABEL_FIXES.get(ch, ch) for ch in t))


def parse_date(text: str) -> str | None:
    """The ISO date in an OCR'd date line, or None when it holds no valid date."""
    t = normalize_date_text(text)
    m = _DATE_CN.search(t)
    if m:
        y, mo, d = chinese_to_int(m.group(1), year=True), chinese_to_int(m.group(2)), chinese_to_int(m.group(3))
    else:
        m = _DATE_SEP.search(t)
        if not m:
            return None
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y is None or mo is None or d is None:
        return None
    if y < 100 and m.group(1).isdigit():  # "20年" for 2020: the century printed, the rest written
        y += 2000                         # (never 二二 for 二〇二〇 with both 〇 lost: 2022)
    if not YEAR_MIN <= y <= YEAR_MAX:
        return None
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def parse_month_day(text: str) -> str | None:
    """``--MM-DD`` for a date line whose month and day read but whose year does not."""
    m = _MONTH_DAY.search(normalize_date_text(text))
    if not m:
        return None
    head, day = m.group(1), chinese_to_int(m.group(2))
    # A month is at most two characters (十二, 12); a third before it is the year's last digit.
    month = chinese_to_int(head[-2:])
    if month is None or day is None or not 1 <= month <= 12:
        return None
    try:
        dt.date(2000, month, day)  # a leap year: 02-29 is a day
    except ValueError:
        return None
    return f"--{month:02d}-{day:02d}"


def is_date_line(text: str) -> bool:
    """Whether OCR text is the 年 月 日 line (at least two of the three labels, or a dotted date)."""
    t = normalize_date_text(text)
    return sum(ch in t for ch in "年月日") >= 2 or bool(_DATE_SEP.search(t))


def has_filling(text: str) -> bool:
    """Whether the date line holds anything written besides the printed 年 月 日.

    Two digit-like characters at least: a seal's ring crossing a blank line reads as one
    stray 〇 or 1; the shortest written date (2020年1月1日) has six."""
    return len(_DIGITLIKE.findall(normalize_date_text(text))) >= MIN_FILLING_DIGITS


def _month_glyphs(text: str) -> int:
    """How many glyphs the month of a reading has (0 when no month reads)."""
    t = normalize_date_text(text)
    m = _DATE_CN.search(t)
    if m:
        return len(m.group(2))
    m = _MONTH_DAY.search(t)
    return len(m.group(1)[-2:]) if m else 0


def needs_reread(text: str, value: str | None) -> bool:
    """Whether a date line's reading is worth a second look: written but not read, or its month
    a lone glyph that a lost stroke makes of a two-glyph month."""
    if value is None:
        return has_filling(text)
    return int(value[5:7]) in AMBIGUOUS_MONTHS and _month_glyphs(text) == 1


def choose_reading(texts: list[str]) -> str:
    """The best of the readings the OCR offered for one line: a whole date over month and day
    alone over nothing, then the one with more glyphs in its month (a lost stroke drops a
    glyph, it never adds one); the first on a tie. Never a date none of them says."""
    def rank(t: str) -> tuple[bool, bool, int]:
        return parse_date(t) is not None, parse_month_day(t) is not None, _month_glyphs(t)

    return max(texts, key=rank) if texts else ""


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


def _line_crop(img: np.ndarray, ink: np.ndarray, y0: int, y1: int, dpi: int) -> tuple[np.ndarray, list[int]]:
    """The line's crop (tight on its ink, padded) and its box in the region."""
    pad = round(LINE_PAD_MM * px_per_mm(dpi))
    cols = np.nonzero((ink[y0:y1] >= ROW_INK).any(axis=0))[0]
    x0, x1 = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, img.shape[1])
    h, w = img.shape[:2]
    box = [max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)]
    return img[box[1]:box[3], box[0]:box[2]], box


def _read_region(region: np.ndarray, dpi: int, ocr_line: OcrLine, offset: tuple[int, int]) -> DateReading:
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
    seen: list[str] = []
    unread: DateReading | None = None
    for y0, y1 in tries:
        crop, (x0, by0, x1, by1) = _line_crop(region, ink, y0, y1, dpi)
        gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        text, conf = ocr_line(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
        seen.append(text)
        if not is_date_line(text):
            continue
        bbox = [x0 + rx0, by0 + ry0, x1 + rx0, by1 + ry0]
        value = parse_date(text)
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
        unread = unread or DateReading(present=False, raw=text, confidence=round(float(conf), 3), bbox=bbox,
                                       reason="年 月 日 printed, nothing written before them")
    if unread is not None:
        return unread
    # Ink where the date belongs but no line reads as 年 月 日: say so, never "missing".
    raw = " | ".join(t for t in seen if t)
    return DateReading(present=True, value=None, raw=raw, confidence=0.3, status="unreadable",
                       reason="text in the date's place, but no 年 月 日 line could be read")


def second_look(reading: DateReading, cleaned: np.ndarray, dpi: int, ocr_line: OcrLine) -> DateReading:
    """The date line read again (``reread_variants``) when its reading is doubtful
    (``needs_reread``); the fullest of the readings wins (``choose_reading``).
    ``cleaned`` is the box with red ink removed, ``reading.bbox`` relative to it."""
    if reading.bbox is None or not needs_reread(reading.raw or "", reading.value):
        return reading
    x0, y0, x1, y1 = reading.bbox
    gray = cv2.cvtColor(cleaned[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    again = [ocr_line(cv2.cvtColor(v, cv2.COLOR_GRAY2BGR))[0] for v in reread_variants(gray, dpi)]
    text = choose_reading([reading.raw or "", *again])
    if text == reading.raw:
        return reading
    value, why = parse_date(text), "read again larger and with thicker strokes"
    if value is not None:
        return DateReading(present=True, value=value, raw=text, confidence=reading.confidence, bbox=reading.bbox, reason=why)
    reading.raw, reading.month_day, reading.reason = text, parse_month_day(text) or reading.month_day, f"{reading.reason}; {why}"
    return reading


def _print_only(region: np.ndarray) -> np.ndarray:
    """Only what is as dark as print or pen: a seal's ink in a gray scan (lighter) goes."""
    out = region.copy()
    out[region.min(axis=2) > PRINT_GRAY] = 255
    return out


def read_date(box_bgr: np.ndarray, dpi: int, ocr_line: OcrLine, seal_bbox: list[int] | None = None) -> DateReading:
    """The date in an opinion box crop; bbox relative to the crop.

    ``ocr_line(image) -> (text, confidence)`` reads one text line (extract/ocr.py).
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
    first = _read_region(region, dpi, ocr_line, (rx0, ry0))
    if first.status == "read" and (first.value is not None or not first.present):
        return second_look(first, cleaned, dpi, ocr_line)
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
        again = _read_region(img, dpi, ocr_line, (rx0, ry0))
        if again.value is not None:
            again.reason = "read with the seal's ink taken out"
            return again
        if again.month_day and not best.month_day:
            best = again
    return second_look(best, cleaned, dpi, ocr_line)


def _is_bilevel(img: np.ndarray) -> bool:
    """A 1-bit scan: nothing between black and white (a seal is as dark as print)."""
    gray = img.min(axis=2)
    return bool(((gray > 40) & (gray < 215)).mean() < 0.002)
