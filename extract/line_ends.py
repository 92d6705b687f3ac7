"""A mark at a line's end that the page detector's line box left out, read back with its line.

A page-level detector (RapidOCR's, run at ~106 dpi) ends a line's box at its last full-size glyph: a
。 or ， after it (set hanging into the cell's margin where the line is full) is a small blob low in
the line and is often left out, so the recogniser never sees it (rob seed 464378: base-02's
「专业方向。团队」 read 「专业方向团队」, the box ending at 向's last stroke). Where ink lies past a box's
end, on its rows and before the next box, the line is read again up to that ink, and the new reading
is taken only when it is the old one with end marks added.
"""

from __future__ import annotations

import cv2
import numpy as np

from extract.grid import crop
from extract.ocr import OcrBox, OcrEngine, OcrText, boxes_to_text
from extract.ocr_text import normalize_text

# Marks a line may end with that a box can leave out.
END_MARKS = set("。，、；：）」』”’！？")
# A left-out mark lies within this share of the box's height past its end (a 。 sits in the left
# half of its em; the box is about 1.2 em high).
END_REACH = 1.0
# A blob at least this share of the box's height across is a mark (a ， is 0.2-0.3 em tall, a 。
# 0.25-0.3 em wide); specks of a scan's texture are smaller.
MARK_MIN_SHARE = 0.12
# A mark may begin this many pixels inside the box's end (the box ending on its first column) and must
# reach this far past it.
CUT_PX = 2
# The re-read line is cropped this share of the box's height past the mark (recognition wants a margin).
MARGIN_SHARE = 0.15
# The new reading may add at most this many marks (a ）。 pair).
MAX_ADDED = 2


def _mark_end(gray: np.ndarray, box: tuple[int, int, int, int], stop: int) -> int | None:
    """The page x where the ink past ``box``'s end (up to ``stop``) ends, or None when there is none
    of a mark's size. Ink is what the box's own line makes ink (its Otsu level); a blob that begins
    inside the box (its last glyph, the box ending on it) is not past it."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    back = max(x0, x1 - h)  # an em back into the box: the last glyph's whole ink
    line, region = crop(gray, box), crop(gray, (back, y0, stop, y1))
    if line.size == 0 or region.size == 0 or h <= 0:
        return None
    level, _ = cv2.threshold(line, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = (region < level).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    end = x1 - back
    ends = [int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]) for i in range(1, n)
            if stats[i, cv2.CC_STAT_LEFT] >= end - CUT_PX
            and stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] > end + CUT_PX
            and max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= MARK_MIN_SHARE * h]
    return back + max(ends) if ends else None


def read_line_ends(eng: OcrEngine, t: OcrText, gray: np.ndarray, inner: tuple[int, int, int, int]) -> OcrText:
    """``t`` (a long section's page-level text, its boxes in page pixels; ``inner``: its cell's inner
    box) with each line whose box left out a mark at its end read again to take it in; ``t`` itself
    when none did, or when its text is no longer its boxes' (re-read since)."""
    if not t.boxes or boxes_to_text(t.boxes).text != t.text:
        return t
    boxes, changed = list(t.boxes), False
    for k, b in enumerate(boxes):
        x0, y0, x1, y1 = b.bbox
        h = y1 - y0
        stop = min(inner[2], x1 + int(END_REACH * h))
        for o in boxes:  # the next box on the same line
            if o is not b and o.bbox[0] >= x1 and min(y1, o.bbox[3]) - max(y0, o.bbox[1]) > h / 2:
                stop = min(stop, o.bbox[0])
        end = _mark_end(gray, (x0, y0, x1, y1), stop) if stop - x1 > CUT_PX else None
        if end is None:
            continue
        wider = (x0, y0, min(inner[2], end + int(MARGIN_SHARE * h)), y1)
        again = normalize_text(eng.read_line(crop(gray, wider)).text)
        added = again[len(b.text):]
        if again.startswith(b.text) and 0 < len(added) <= MAX_ADDED and all(ch in END_MARKS for ch in added):
            boxes[k] = OcrBox(again, wider, b.confidence)
            changed = True
    if not changed:
        return t
    out = boxes_to_text(boxes)
    return OcrText(out.text, t.confidence, out.boxes)
