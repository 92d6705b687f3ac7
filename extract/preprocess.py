"""Page clean-up before the grid and OCR: deskew, flatten light, drop red ink.

``prepare(image) -> Prepared`` is the one call: the upright colour page (kept
for the seal stage), and a flat gray page for OCR with red ink whitened (seals
often sit on top of printed text). The skew angle comes from the table's
ruling lines, so it is exact to the line thickness, not guessed from text.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extract.marks.color import (
    RED_HUE_HIGH_MIN,
    RED_HUE_LOW_MAX,
    RED_MIN_VALUE,
    REMOVE_MIN_SATURATION,
    px_per_mm,
    remove_red,
)
from ingest.heap import give_back_freed
from ingest.skew import level_angle

# Long horizontal runs used to measure skew: 1/25 of the page width is longer
# than any printed glyph stroke and shorter than the shortest table rule.
SKEW_KERNEL_FRACTION = 1 / 25
# Segments shorter than this fraction of the width do not vote on the angle.
SKEW_MIN_SEGMENT_FRACTION = 0.15
# After the search the rules are level to a fine step or two; a fitted segment leaning more is a stray stroke.
FIT_MAX_RESIDUAL_DEG = 0.3
# A rule is ink at least this many gray levels darker than the flattened paper (255): a thin rule
# blurred at low dpi stays well past it, paper fibre and JPEG noise stay well short of it.
RULE_MIN_CONTRAST = 28
# Below this the rotation costs more (resampling blur) than it gains.
MIN_SKEW_DEG = 0.05
# Background (paper + uneven lamp light) is estimated by closing with a kernel
# larger than any stroke: 1/40 of the width (~6 mm at A4) spans 4 glyph strokes.
BACKGROUND_KERNEL_FRACTION = 1 / 40
@dataclass
class Prepared:
    """A page ready to read: colour (deskewed) and a flat, red-free gray version for OCR."""

    color: np.ndarray  # BGR, deskewed
    gray: np.ndarray  # uint8, flattened illumination, red ink removed
    skew_deg: float  # rotation applied (counter-clockwise positive, OpenCV convention)
    # ``gray`` before its 3x3 median, for the rules: the median erases a one-pixel line, the
    # 0.5 pt rules of a 150-200 dpi 1-bit scan, and the table lost its outline and its labels.
    flat: np.ndarray


def to_gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0 (Otsu on a flattened page is stable across scanners)."""
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return bw


def faint_ink(flat: np.ndarray) -> np.ndarray:
    """Anything clearly darker than the flattened paper, as 255 on 0.

    A 0.5 pt rule scanned at 150-200 dpi is one blurred pixel, gray 200-215 on white paper:
    Otsu, set by the glyphs' darkness, drops it, while the flattened paper never reaches it.
    Glyphs' blurred edges reach it too, so a rule found in it must be longer than for Otsu's ink.
    """
    # flat < 255 - contrast, as one uint8 mask (a comparison made a page-sized bool and two uint8 copies)
    _, faint = cv2.threshold(flat, 254 - RULE_MIN_CONTRAST, 255, cv2.THRESH_BINARY_INV)
    return faint


def rule_ink(flat: np.ndarray) -> np.ndarray:
    """Otsu's ink and the faint ink of thin rules together, for lining up the rows of a page."""
    return cv2.bitwise_or(binarize(flat), faint_ink(flat))


def _fit_rules(bw: np.ndarray) -> float | None:
    """The residual skew of a nearly level page from its long rules, exact to the line; None without rules."""
    w = bw.shape[1]
    klen = max(10, int(w * SKEW_KERNEL_FRACTION))
    # Dilate vertically first so a slanted rule stays one connected band.
    band = cv2.dilate(bw, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    horiz = cv2.morphologyEx(band, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (klen, 1)))
    del band
    angles: list[float] = []
    weights: list[float] = []
    for r0, r1 in ink_bands(horiz, axis=1):
        n, labels, stats = label_components(horiz[r0:r1])
        for i in range(1, n):
            x, y, cw, ch, _area = stats[i]
            if cw < w * SKEW_MIN_SEGMENT_FRACTION:
                continue
            ys, xs = np.nonzero(labels[y : y + ch, x : x + cw] == i)
            if xs.size < 10:
                continue
            slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
            angle = float(np.degrees(np.arctan(slope)))
            if abs(angle) <= FIT_MAX_RESIDUAL_DEG:
                angles.append(angle)
                weights.append(float(cw))
    if not angles:
        return None
    order = np.argsort(angles)
    a = np.asarray(angles)[order]
    wt = np.cumsum(np.asarray(weights)[order])
    return float(a[np.searchsorted(wt, wt[-1] / 2)])  # weighted median


def ink_bands(mask: np.ndarray, axis: int) -> list[tuple[int, int]]:
    """The runs of rows (``axis`` 1) or columns (0) of ``mask`` holding any ink, as [start, end) ranges.

    No component crosses a row or column without ink, so labelling each band alone finds the page's
    components, in the same order: a page of long rules labelled whole scanned its 8.7 million pixels
    for a few hundred thousand of rule (issue 14: 30-40 ms a page, twice)."""
    # numpy's max over a uint8 axis, not cv2.reduce's REDUCE_MAX: the same values at 0.5 against 25 ms
    # a 300-dpi page across its rows (11 ms down its columns), twice a page (issue 14).
    lines = np.flatnonzero(mask.max(axis=axis))
    if lines.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(lines) > 1)
    starts = [int(lines[0]), *(int(v) for v in lines[breaks + 1])]
    ends = [*(int(v) + 1 for v in lines[breaks]), int(lines[-1]) + 1]
    return list(zip(starts, ends, strict=True))


def open_rows(mask: np.ndarray, k: int) -> np.ndarray:
    """``mask`` (255 = ink) opened by a ``k`` × 1 rectangle, the same pixels as ``cv2.morphologyEx``'s
    MORPH_OPEN: a one-row kernel works on each row alone, so only the rows that can keep ink are
    opened, those with ``k`` ink pixels or ink in their first or last column (OpenCV's erosion counts
    the outside as ink: a run from the page's edge stays at half the length). A faint rule's kernel
    (a tenth of the width) cost 42-45 ms a 300-dpi page, 21 ms on its 30-50 % of rows (issue 14)."""
    rows = np.flatnonzero((np.count_nonzero(mask, axis=1) >= k) | (mask[:, 0] > 0) | (mask[:, -1] > 0))
    out = np.zeros_like(mask)
    if rows.size:
        out[rows] = cv2.morphologyEx(mask[rows], cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    return out


def label_components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components of ``mask``: count, labels, stats. Labelled in 16 bits (a page's
    long rules are a few hundred components; 32-bit labels of a 300-dpi page are 35 MB, issue 14);
    OpenCV refuses 16 bits past 65535 labels, and then they are counted in 32."""
    try:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_32S)
    return n, labels, stats


def measure_skew(gray: np.ndarray) -> float:
    """The angle (degrees, for ``rotate``) that levels the page; 0.0 on a page without ink.

    Two steps, so that neither resolution nor angle limits the other: the rows of ink (rules
    and text lines alike) are lined up (``ingest.skew.level_angle``: the whole +-5 deg, on a
    copy of the same width whatever the scan's dpi); then the page turned by that estimate has
    its long rules fitted at full resolution for the last hundredth of a degree.
    """
    # Flatten first: under a strong light fall-off Otsu on the raw page takes the dark half for ink.
    bw = rule_ink(flatten(gray))
    give_back_freed()  # the background estimate and the two ink masks: the rules' fit starts from here
    if not bw.any():
        return 0.0
    coarse = level_angle(bw)
    levelled = rotate(bw, coarse, border=0) if abs(coarse) >= MIN_SKEW_DEG else bw
    residual = _fit_rules(levelled)
    return coarse + residual if residual is not None else coarse


def rotate(
    image: np.ndarray, angle_deg: float, border: int | tuple[int, int, int] = 255, out: np.ndarray | None = None
) -> np.ndarray:
    """Rotate about the centre, same size, white border; into ``out`` when given (it may be ``image``
    itself: OpenCV then works from a copy it frees at once, and no second page outlives the call)."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    value: tuple[int, int, int] = (border, border, border) if isinstance(border, int) else border
    flags, mode = cv2.INTER_LINEAR, cv2.BORDER_CONSTANT
    if out is None:
        return cv2.warpAffine(image, m, (w, h), flags=flags, borderMode=mode, borderValue=value)
    return cv2.warpAffine(image, m, (w, h), dst=out, flags=flags, borderMode=mode, borderValue=value)


def deskew(image: np.ndarray, in_place: bool = False) -> tuple[np.ndarray, float]:
    """The image rotated so its rules are level, and the angle applied. ``in_place``: the level
    page is written over ``image`` (a writable array the caller is done with as scanned)."""
    angle = measure_skew(to_gray(image))
    if abs(angle) < MIN_SKEW_DEG:
        return image, 0.0
    if in_place and image.flags.writeable and image.flags.c_contiguous:
        return rotate(image, angle, out=image), angle
    return rotate(image, angle), angle


def flatten(gray: np.ndarray) -> np.ndarray:
    """Divide out the paper background so gray scanner light and shading become white."""
    w = gray.shape[1]
    k = max(15, int(w * BACKGROUND_KERNEL_FRACTION)) | 1
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return flat


# Red is looked for on a copy this much smaller (a seal's line stays several pixels wide).
RED_SCAN_SCALE = 0.25
# Around each red area, this much paper goes into the crop remove_red works on (it
# estimates the paper colour from a 6 mm neighbourhood).
RED_MARGIN_MM = 8.0


def drop_red(color: np.ndarray, dpi: int) -> np.ndarray:
    """The page with red ink dropped, working only where red ink is (seals are a few
    boxes of a page; flattening the whole page's paper colour costs 1 s for nothing)."""
    small = cv2.resize(color, None, fx=RED_SCAN_SCALE, fy=RED_SCAN_SCALE, interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    hue = hsv[:, :, 0]
    red = ((hue <= RED_HUE_LOW_MAX) | (hue >= RED_HUE_HIGH_MIN)) & (hsv[:, :, 1] >= REMOVE_MIN_SATURATION)
    red &= hsv[:, :, 2] >= RED_MIN_VALUE
    if not red.any():
        return color
    margin = round(RED_MARGIN_MM * px_per_mm(dpi))
    n, _, stats, _ = cv2.connectedComponentsWithStats(
        cv2.dilate(red.astype(np.uint8), np.ones((5, 5), np.uint8)), connectivity=8
    )
    out = color.copy()
    h, w = color.shape[:2]
    for x, y, bw, bh, _area in stats[1:n]:
        x0, y0 = max(0, int(x / RED_SCAN_SCALE) - margin), max(0, int(y / RED_SCAN_SCALE) - margin)
        x1, y1 = min(w, int((x + bw) / RED_SCAN_SCALE) + margin), min(h, int((y + bh) / RED_SCAN_SCALE) + margin)
        out[y0:y1, x0:x1] = remove_red(color[y0:y1, x0:x1], dpi)
    return out


def prepare(image: np.ndarray, dpi: int = 300, in_place: bool = False) -> Prepared:
    """Deskew, drop red ink, flatten the light, light denoise: the page as the reader sees it.

    Red ink goes the way the seal reader sees it (``extract.marks.remove_red``: both hue
    bands, black text under a seal kept), so OCR and seals agree on what is red.
    ``in_place``: the level page is written over ``image`` (``Prepared.color`` is then ``image``),
    so a reader holding the scanned page does not also hold its deskewed copy (26 MB at 300 dpi).
    """
    color, angle = deskew(image, in_place=in_place)
    gray = to_gray(drop_red(color, dpi)) if color.ndim == 3 else color
    flat = flatten(gray)
    gray = cv2.medianBlur(flat, 3)  # salt-and-pepper specks from 1-bit scans, for OCR
    give_back_freed()  # the skew search's masks, the red-free copy, the background estimate
    return Prepared(color=color, gray=gray, skew_deg=angle, flat=flat)
