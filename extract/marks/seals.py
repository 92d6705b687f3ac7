"""Official seals (公章) in an opinion box: present or absent, and where.

The question is answered from the shape of the ring (``rings.find_ring``) in both scan kinds:

- colour scans: the ink map is the red ink (both hue bands) after flattening the
  paper's colour (``method="colour"``);
- gray and bilevel scans: the ink map is every dark pixel (``method="shape"``).

Text, red pen notes, a red heading or an underline cover few of the ring's sectors;
a faint, partly inked or binarised seal whose ring broke into arcs still covers
many. The seal's centre must lie in the box, so the edge of a seal spilling in
from the next box is not this box's seal. What the ring says is ``seal_text``'s.
"""

from __future__ import annotations

import cv2
import numpy as np

from extract.marks.color import has_colour, ink_map, px_per_mm, red_mask
from extract.marks.ring_sampler import (
    SEAL_MIN_ARC,
    SEAL_MIN_COVERAGE,
    STAR_RING_MIN_ARC,
    STAR_RING_MIN_COVERAGE,
    WORK_PX_PER_MM,
    RingSampler,
)
from extract.marks.rings import find_ring
from extract.reading import SealReading

# In gray and bilevel scans black text is ink too: dense print was measured up to 0.39.
SHAPE_MIN_COVERAGE = 0.42
# Gray scans: a faint seal lands at ~215-225 on flattened paper (paper noise stays above
# ~242), so the seal's ink ramp starts lighter than color.ink_map's default.
SEAL_INK_GRAY_NONE = 244
SEAL_INK_GRAY_FULL = 200
# Gray and bilevel scans: a printed circle is a ring too, but empty; a seal carries its unit's
# name (and often a code) just inside its ring along a third of it or more; an empty circle
# round the printed 公章 label and date line has only their ends there (≤ 1 sector of 36).
SHAPE_MIN_TEXT_ARC = 0.14
# A 1-bit threshold that wiped most of a faint seal's name breaks it into pieces, no run of them that
# long: the seal's glyph sectors are then counted in all, and SHAPE_MIN_TEXT_ARC of the ring in pieces
# is the name too (combined-01 of rob seed 256370: a 45x30 mm oval at 51 % ink spilling out of the
# box, 江苏省 and 协会 left, 10 of 36 sectors, its longest run 4, its star hollowed: a false
# SEAL_MISSING); the empty circle's label and date line ends stay at 0-1 sectors.
# A seal stamped on the 公章 label at a Word table's lower-right corner runs out of the cell on two
# sides, 36-47 % of its ring inside (word-01 and word-03 of rob seed 220061: SEAL_MISSING at
# ring_sampler.MIN_KNOWN_SECTORS, 0.5); its centre is well inside (rings.CENTRE_MARGIN_MM), which is what
# tells it from a seal spilling in from the next box.
SEAL_MIN_KNOWN = 0.35
# Smallest box that can be judged: the date line alone is ~8 mm tall.
MIN_BOX_MM = 8.0


def seal_ink(box_bgr: np.ndarray, dpi: int, color_mode: str) -> tuple[np.ndarray, str, str]:
    """The working-scale ink map a seal is looked for in, the method and a note on the choice."""
    note = ""
    method = "colour" if color_mode == "color" else "shape"
    if method == "colour" and not has_colour(box_bgr, dpi):
        method, note = "shape", "colour scan without any colour in this box: judged by shape"
    if method == "colour":
        ink = red_mask(box_bgr, dpi).astype(np.float32)
    else:
        ink = ink_map(box_bgr, dpi, SEAL_INK_GRAY_NONE, SEAL_INK_GRAY_FULL)
    scale = WORK_PX_PER_MM / px_per_mm(dpi)
    h, w = ink.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(ink, size, interpolation=cv2.INTER_AREA), method, note


def _confidence(coverage: float, arc: float, present: bool, min_coverage: float) -> float:
    """0.5 at a threshold, 1.0 at a full ring (present) or at no ring at all (absent)."""
    if present:
        return round(0.5 + 0.5 * max(0.0, min(1.0, (coverage - min_coverage) / (0.9 - min_coverage))), 3)
    # Absent: the clearer of the two missing conditions.
    margin = max((min_coverage - coverage) / min_coverage, (SEAL_MIN_ARC - arc) / SEAL_MIN_ARC)
    return round(0.5 + 0.5 * max(0.0, min(1.0, margin)), 3)


def check_box(box_bgr: np.ndarray, dpi: int) -> str:
    if box_bgr.size == 0 or box_bgr.ndim != 3 or box_bgr.shape[2] != 3 or box_bgr.dtype != np.uint8:
        return f"box image must be BGR uint8 H×W×3, got {box_bgr.dtype} {box_bgr.shape}"
    if dpi <= 0:
        return f"dpi must be positive, got {dpi}"
    h, w = box_bgr.shape[:2]
    if min(h, w) < MIN_BOX_MM * px_per_mm(dpi):
        return f"box {w}×{h} px is smaller than {MIN_BOX_MM} mm at {dpi} dpi"
    return ""


def read_seal(box_bgr: np.ndarray, dpi: int, color_mode: str) -> SealReading:
    """Is an official seal stamped in this opinion box? bbox relative to the crop.

    ``color_mode`` is the page's ("color", "gray", "bilevel"). A box too small to
    judge comes back ``status="unreadable"`` with the reason, never as absent.
    """
    problem = check_box(box_bgr, dpi)
    if problem:
        return SealReading(present=False, confidence=0.0, status="unreadable", reason=problem,
                           method="colour" if color_mode == "color" else "shape")
    ink, method, note = seal_ink(box_bgr, dpi, color_mode)
    ring = find_ring(ink, SEAL_MIN_KNOWN)
    coverage = ring.coverage if ring else 0.0
    min_coverage = SEAL_MIN_COVERAGE if method == "colour" else SHAPE_MIN_COVERAGE
    min_arc = SEAL_MIN_ARC
    if ring is not None and ring.anchored:
        min_coverage, min_arc = STAR_RING_MIN_COVERAGE, STAR_RING_MIN_ARC
    ringed = ring is not None and ring.is_seal(min_coverage)
    empty = ring is not None and method == "shape" and ring.text_arc < SHAPE_MIN_TEXT_ARC and not ring.star
    text_share = 0.0
    if ringed and empty and ring is not None:
        text_share = float(RingSampler(ink, min_known=SEAL_MIN_KNOWN).text_sectors(ring).mean())
        empty = text_share < SHAPE_MIN_TEXT_ARC
    present = ringed and not empty
    factor = px_per_mm(dpi) / WORK_PX_PER_MM
    bbox = None
    if present and ring is not None:
        h, w = box_bgr.shape[:2]
        x0, y0, x1, y1 = ring.bbox(factor)
        bbox = [max(0, x0), max(0, y0), min(w, x1), min(h, y1)]
    arc = ring.arc if ring else 0.0
    text_arc = ring.text_arc if ring else 0.0
    reason = (f"ring inked on {coverage:.0%} of its circumference (needs {min_coverage:.0%}), "
              f"longest arc {arc:.0%} (needs {min_arc:.0%}), glyphs inside it along {text_arc:.0%}"
              f"{f' ({text_share:.0%} in pieces)' if text_share else ''}, "
              f"{'a' if ring and ring.star else 'no'} star")
    confidence = _confidence(coverage, arc, present, min_coverage)
    if ringed and empty:
        reason += f" (needs {SHAPE_MIN_TEXT_ARC:.0%} or a star): an empty ring, not a seal"
        confidence = round(0.5 + 0.5 * (SHAPE_MIN_TEXT_ARC - max(text_arc, text_share)) / SHAPE_MIN_TEXT_ARC, 3)
    if present and ring is not None and ring.anchored:
        reason = f"a seal's star, its ring found round it: {reason}"
    if note:
        reason = f"{note}; {reason}"
    return SealReading(present=present, confidence=confidence, bbox=bbox, method=method, reason=reason)
