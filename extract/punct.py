"""A full stop read as a middle dot, settled by where the dot sits on the line.

On a 1-bit scan a 。 fills in to a round dot, and recognisers read it as ``·`` (or ``°``): in
rob seed 544261's bilevel forms 31 of 34 misread characters in long sections were this. The two
differ in the glyph's place and size: a 。 sits on the line's baseline in most fonts (at mid-height
in some) and is a third of an em wide, a ``·`` is at mid-height and a tenth to a fifth of an em. A
dot at the baseline, or one as wide as a 。, where the reading says ``·``/``°`` is a 。; anywhere
else the reading stands.
"""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np

from extract.ocr import OcrBox, OcrText, boxes_to_text

# Readings of a filled-in 。 on 1-bit scans.
DOT_READINGS = "·°"
# A dot whose centre is below this share of the line's ink height (from its top) sits on the
# baseline: 。 (centre at ~85-90 %); a middle dot's centre is at ~50 %, a degree sign's at ~15 %.
BASELINE_SHARE = 0.7
# The dot is a blob at most this share of the line height across (a filled 。 is about a third of
# an em, 11 px of 31 in Noto Sans CJK at 200 dpi; a CJK glyph's parts are larger or joined to strokes).
DOT_MAX_SHARE = 0.4
# Fonts that centre their 。 (AR PL, some Hei faces) put it where a middle dot sits; filled in, it is
# still as wide as the ring: 0.24-0.30 em across the Debian CJK fonts, a middle dot (· or ・) 0.09-0.21.
FILLED_STOP_MIN_EMS = 0.24
# Where a character stands along the box is estimated from the characters before it: a CJK
# glyph or full-width mark one em, any other character half an em; the dot is looked for
# within this many ems of its estimated centre.
SEARCH_EMS = 0.6


def _ems(ch: str) -> float:
    """The width a character stands for in CJK print: a dot read for 。 stands on a full em."""
    return 1.0 if ch in DOT_READINGS or unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


def settle_text_dots(t: OcrText, gray: np.ndarray) -> OcrText:
    """A cell's page-level text with its boxes' dots settled (``settle_dots``); ``t`` itself when
    nothing changed or its text is not its boxes' (re-read since)."""
    if not t.boxes or not any(ch in DOT_READINGS for ch in t.text):
        return t
    boxes = [OcrBox(settle_dots(b, gray), b.bbox, b.confidence) for b in t.boxes]
    if all(a.text == b.text for a, b in zip(boxes, t.boxes, strict=True)) or boxes_to_text(t.boxes).text != t.text:
        return t
    return OcrText(boxes_to_text(boxes).text, t.confidence, boxes)


def settle_dots(box: OcrBox, gray: np.ndarray) -> str:
    """``box.text`` with each ``·``/``°`` that stands on a dot at the line's baseline made 。."""
    text = box.text
    if not any(ch in DOT_READINGS for ch in text):
        return text
    x0, y0, x1, y1 = (int(v) for v in box.bbox)
    line = gray[max(0, y0):y1, max(0, x0):x1]
    if line.size == 0:
        return text
    g = line if line.ndim == 2 else cv2.cvtColor(line, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return text
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    lh = bottom - top
    n, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    sizes = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    dots = [(float(centroids[i][0]), float(centroids[i][1]), int(sizes[i])) for i in range(1, n) if sizes[i] <= DOT_MAX_SHARE * lh]
    em = ink.shape[1] / max(1e-6, sum(_ems(ch) for ch in text))
    out, pos = list(text), 0.0
    for i, ch in enumerate(text):
        w = _ems(ch)
        if ch in DOT_READINGS:
            centre = (pos + w / 2) * em
            near = sorted((abs(cx - centre), size, cy) for cx, cy, size in dots if abs(cx - centre) <= SEARCH_EMS * em)
            # The dot nearest where the character should be: on the baseline, or a filled ring's size.
            if near and ((near[0][2] - top) >= BASELINE_SHARE * lh or near[0][1] >= FILLED_STOP_MIN_EMS * em):
                out[i] = "。"
        pos += w
    return "".join(out)
