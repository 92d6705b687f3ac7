"""A date line judged against the seal stamped over it where the seal has no colour to be taken out by
(1-bit, gray): its ring line and code glyphs are as dark as the pen.

- A sure date after the deadline that the ring line crosses is read again with the ring line (and the
  code's glyphs) painted out, as it is and filled in (inpainted); it stands only where one of those
  readings says the same month and day (``crossed_by_the_ring``): the ring through the 1 of a drawn 13
  read 23, a false DATE_LATE. Only a late date is judged so: a ring crossing a glyph makes another glyph
  of it about as often as it hides one, and painted out, a glyph it crossed is often read as another
  (drawn 13s read right with the ring over their 3 read 17 or 1 without it), so an in-time date would
  become a false UNREADABLE as often as a wrong one is caught (the 3 of 13 read 2: combined-01 of rob
  seed 203801, 11-12 for 11-13, in time either way, is left as read).
- A 年 月 日 line whose blanks hold nothing but the seal's ink is no date written (``blank_under_the_seal``):
  the OCR reads a wide empty blank, or a code digit standing in it, as 〇 (bilevel-02 of rob seed 495224:
  「年〇月〇日」, an UNREADABLE warning where the form has no date, DATE_MISSING).

``dates.read_date`` calls both with the ring it fitted around the seal.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from extract.marks.color import ink_map, px_per_mm
from extract.marks.date_lines import PRINTED_LABEL_GLYPHS, ROW_INK, line_glyphs, reread_variants, rule_mask, text_lines
from extract.marks.date_ring import ring_glyph_mask
from extract.marks.date_text import NUMERALS, is_date_line, month_day_of, normalize_date_text, numerals
from extract.marks.seal_outline import FittedRing, ring_line_mask
from extract.reading import BBox, DateReading

OcrLine = Callable[[np.ndarray], tuple[str, float]]

# Ring ink (mm²) inside a date line's box that makes the ring cross the line: one crossing of a
# 1-1.5 mm line over a 4 mm glyph leaves 4-6 mm²; a fitted ellipse grazing the box's corner, less.
RING_CROSS_MIN_MM2 = 2.0
# The ring line's place is filled from the ink around it (cv2.inpaint) this far, a glyph's strokes joined
# across it (1-bit strokes are 0.3-0.6 mm; the ring's mask 2.5 mm wide).
INPAINT_MM = 1.0
# What the OCR reads in an empty blank of the 年 月 日 line, or for a code digit 0 standing in it: the
# only numerals a line may hold and still be judged blank by its ink.
EMPTY_BLANK_READS = frozenset("〇○零Oo0")
# Gray level (0-255) under which a pixel is print or pen for a first try: a red seal
# scanned in gray is mostly lighter (~90-170), so it stays out of that try.
PRINT_GRAY = 100
# A seal in a gray scan is lighter than print, by how much depends on its pad and the scan: its own
# tone is measured on its ring line (``seal_tone``) and only ink darker by SEAL_TONE_MARGIN kept
# (gray-01 of rob seed 486054: the seal's code digits over the date at 138-160, its ring's median
# 159, the print's strokes 50-130, so PRINT_GRAY's 100 lost the print with the seal). Ring pixels
# count as ink PAPER_INK_DROP under the paper's level, and SEAL_TONE_MIN_PX of them must be there.
SEAL_TONE_MARGIN = 25
PAPER_INK_DROP = 40
SEAL_TONE_MIN_PX = 50


def seal_tone(region: np.ndarray, ring: np.ndarray) -> float | None:
    """The gray level of the seal's own ink, measured on its ring line (``ring``, a mask of
    ``region``): the median of the ring's pixels darker than the paper by PAPER_INK_DROP; None where
    too few are (a red seal taken out, no ring in the region)."""
    gray = region.min(axis=2)
    paper = float(np.median(gray))
    ink = gray[ring & (gray < paper - PAPER_INK_DROP)]
    return float(np.median(ink)) if ink.size >= SEAL_TONE_MIN_PX else None


def seal_ink(box_bgr: np.ndarray, fitted: FittedRing, dpi: int) -> np.ndarray:
    """The seal's ring line and its code's glyphs (``date_ring``) in an opinion box, as a bool mask."""
    return ring_line_mask(box_bgr.shape, fitted, dpi) | ring_glyph_mask(box_bgr, fitted, dpi)


def ring_crosses(bbox: BBox, box_bgr: np.ndarray, fitted: FittedRing, dpi: int) -> bool:
    """Whether the seal's ring line crosses the ink of the line in ``bbox`` (``RING_CROSS_MIN_MM2`` or more)."""
    x0, y0, x1, y1 = bbox
    ring = ring_line_mask(box_bgr.shape, fitted, dpi)[y0:y1, x0:x1]
    inked = ink_map(box_bgr[y0:y1, x0:x1], dpi) >= ROW_INK
    return int((ring & inked).sum()) >= RING_CROSS_MIN_MM2 * px_per_mm(dpi) ** 2


def crossed_by_the_ring(reading: DateReading, box_bgr: np.ndarray, fitted: FittedRing, dpi: int,
                        ocr_line: OcrLine) -> DateReading | None:
    """``reading`` (a sure date, bbox in ``box_bgr``) left unread where the seal's ring line crosses its
    line's ink and no reading of the line without the seal's ink (as it is, larger, thicker) says the same
    month and day, nor the same numerals after 年 (``_after_the_year``): a glyph the ring crossed may have
    been read as another. None where the ring does not cross the line, or a reading without it confirms
    the month and day (the ring crossed the year or a label, or crossed a glyph and changed nothing)."""
    if reading.bbox is None or reading.value is None:
        return None
    if not ring_crosses(reading.bbox, box_bgr, fitted, dpi):
        return None
    x0, y0, x1, y1 = reading.bbox
    gray = cv2.cvtColor(box_bgr[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    mask = seal_ink(box_bgr, fitted, dpi)[y0:y1, x0:x1].astype(np.uint8)
    white = gray.copy()
    white[mask > 0] = 255
    filled = cv2.inpaint(gray, mask, max(1, round(INPAINT_MM * px_per_mm(dpi))), cv2.INPAINT_TELEA)
    filled = np.where(filled < 128, 0, 255).astype(np.uint8)
    crops = [white, *reread_variants(white, dpi), filled, *reread_variants(filled, dpi)]
    texts = [ocr_line(cv2.cvtColor(v, cv2.COLOR_GRAY2BGR))[0] for v in crops]
    said = _after_the_year(reading.raw or "")
    if f"--{reading.value[5:]}" in {month_day_of(t) for t in texts} or (
            said is not None and said in {_after_the_year(t) for t in texts}):
        return None
    return DateReading(present=True, value=None, raw=reading.raw, confidence=round(reading.confidence * 0.5, 3),
                       bbox=reading.bbox, status="unreadable",
                       reason=f"the seal's ring line crosses the date line; read without it as "
                       f"{' / '.join(repr(t) for t in texts)}, never the same month and day")


def _after_the_year(text: str) -> str | None:
    """The numerals after a reading's 年, in order (labels and strays left out: the ring's place read as
    F for 月 still says 十二 and 十七); None without a 年."""
    t = normalize_date_text(text)
    return numerals(t[t.index("年") + 1:]) if "年" in t else None


def blank_under_the_seal(reading: DateReading, box_bgr: np.ndarray, fitted: FittedRing, dpi: int) -> DateReading | None:
    """``reading`` (a 年 月 日 line that did not read as a date, bbox in ``box_bgr``) as no date written,
    where it holds no numeral but what an empty blank reads as (EMPTY_BLANK_READS) and, with the seal's
    ring line and code glyphs painted out, its ink spans no more than the printed labels
    (PRINTED_LABEL_GLYPHS). None otherwise: a line with ink in its blanks stays written but unread."""
    if reading.bbox is None or reading.value is not None or reading.month_day or not is_date_line(reading.raw or ""):
        return None
    text = normalize_date_text(reading.raw or "")
    if any(ch in NUMERALS and ch not in EMPTY_BLANK_READS for ch in text):  # a numeral written
        return None
    glyphs = _glyphs_without_the_seal(reading.bbox, box_bgr, fitted, dpi)
    if glyphs is None or glyphs > PRINTED_LABEL_GLYPHS:
        return None
    return DateReading(present=False, raw=reading.raw, confidence=0.6, bbox=reading.bbox,
                       reason=f"年 月 日 printed, nothing written in their blanks: with the seal's ring line and code "
                       f"glyphs out, ink over {glyphs:.1f} glyphs (read as {reading.raw!r})")


def written_under_the_seal(reading: DateReading, box_bgr: np.ndarray, fitted: FittedRing, dpi: int) -> DateReading | None:
    """``reading`` (a line the OCR read as the bare 年 月 日, bbox in ``box_bgr``) as written but unread where,
    with the seal's ring line and code glyphs painted out, its ink spans more than the printed labels
    (PRINTED_LABEL_GLYPHS): the OCR lost the pen's numerals under the seal (form09 of the samples: a gray seal
    over 二〇二〇年十一月十五日 read '年一月肚年', a false DATE_MISSING). None where the ink says blank too."""
    if reading.bbox is None or reading.present:
        return None
    glyphs = _glyphs_without_the_seal(reading.bbox, box_bgr, fitted, dpi)
    if glyphs is None or glyphs <= PRINTED_LABEL_GLYPHS:
        return None
    return DateReading(present=True, raw=reading.raw, confidence=0.3, bbox=reading.bbox, status="unreadable",
                       reason=f"ink over {glyphs:.1f} glyphs of the 年 月 日 line with the seal's ring line and code "
                       f"glyphs out, none of it read (read as {reading.raw!r})")


def _glyphs_without_the_seal(bbox: BBox, box_bgr: np.ndarray, fitted: FittedRing, dpi: int) -> float | None:
    """How many glyphs' worth of columns the line in ``bbox`` has ink in with the box's rules, the seal's ring
    line and code glyphs painted out, and in a gray scan whatever is as light as the seal (``seal_tone``: its
    name's glyphs and star over a blank line); ``line_glyphs`` of its fullest text line, None without a line."""
    x0, y0, x1, y1 = bbox
    ink = ink_map(box_bgr[y0:y1, x0:x1], dpi)
    ink[rule_mask(ink, dpi, rings_too=True) | seal_ink(box_bgr, fitted, dpi)[y0:y1, x0:x1]] = 0
    tone = seal_tone(box_bgr, ring_line_mask(box_bgr.shape, fitted, dpi))
    if tone is not None and tone - SEAL_TONE_MARGIN > PRINT_GRAY:
        ink[box_bgr[y0:y1, x0:x1].min(axis=2) > tone - SEAL_TONE_MARGIN] = 0
    lines = text_lines(ink, dpi)
    return max(line_glyphs(ink, a, b) for a, b in lines) if lines else None
