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

# Long horizontal runs used to measure skew: 1/25 of the page width is longer
# than any printed glyph stroke and shorter than the shortest table rule.
SKEW_KERNEL_FRACTION = 1 / 25
# Segments shorter than this fraction of the width do not vote on the angle.
SKEW_MIN_SEGMENT_FRACTION = 0.15
# Scanners feed pages at most a few degrees off; more than that is not skew.
MAX_SKEW_DEG = 5.0
# Below this the rotation costs more (resampling blur) than it gains.
MIN_SKEW_DEG = 0.05
# Background (paper + uneven lamp light) is estimated by closing with a kernel
# larger than any stroke: 1/40 of the width (~6 mm at A4) spans 4 glyph strokes.
BACKGROUND_KERNEL_FRACTION = 1 / 40
# Red seal ink: hue within this distance of 0/180 (OpenCV hue 0-179) ...
RED_HUE_DISTANCE = 12
# ... and saturated enough that black toner and gray hints never qualify.
RED_MIN_SATURATION = 70
RED_MIN_VALUE = 60


@dataclass
class Prepared:
    """A page ready to read: colour (deskewed) and a flat, red-free gray version for OCR."""

    color: np.ndarray  # BGR, deskewed
    gray: np.ndarray  # uint8, flattened illumination, red ink removed
    skew_deg: float  # rotation applied (counter-clockwise positive, OpenCV convention)


def to_gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0 (Otsu on a flattened page is stable across scanners)."""
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return bw


def measure_skew(gray: np.ndarray) -> float:
    """The page's skew in degrees from its long horizontal rules (0.0 when none are found)."""
    h, w = gray.shape[:2]
    # Flatten first: under a strong light fall-off Otsu on the raw page takes the dark half for ink.
    bw = binarize(flatten(gray))
    klen = max(10, int(w * SKEW_KERNEL_FRACTION))
    # Dilate vertically first so a slanted rule stays one connected band.
    band = cv2.dilate(bw, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    horiz = cv2.morphologyEx(band, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (klen, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    angles: list[float] = []
    weights: list[float] = []
    for i in range(1, n):
        x, y, cw, ch, _area = stats[i]
        if cw < w * SKEW_MIN_SEGMENT_FRACTION:
            continue
        ys, xs = np.nonzero(labels[y : y + ch, x : x + cw] == i)
        if xs.size < 10:
            continue
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angle = float(np.degrees(np.arctan(slope)))
        if abs(angle) <= MAX_SKEW_DEG:
            angles.append(angle)
            weights.append(float(cw))
    if not angles:
        return 0.0
    order = np.argsort(angles)
    a = np.asarray(angles)[order]
    wt = np.cumsum(np.asarray(weights)[order])
    return float(a[np.searchsorted(wt, wt[-1] / 2)])  # weighted median


def rotate(image: np.ndarray, angle_deg: float, border: int | tuple[int, int, int] = 255) -> np.ndarray:
    """Rotate about the centre, same size, white border."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    value: tuple[int, int, int] = (border, border, border) if isinstance(border, int) else border
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=value)


def deskew(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The image rotated so its rules are level, and the angle applied."""
    angle = measure_skew(to_gray(image))
    if abs(angle) < MIN_SKEW_DEG:
        return image, 0.0
    return rotate(image, angle), angle


def flatten(gray: np.ndarray) -> np.ndarray:
    """Divide out the paper background so gray scanner light and shading become white."""
    w = gray.shape[1]
    k = max(15, int(w * BACKGROUND_KERNEL_FRACTION)) | 1
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return flat


def red_mask(color: np.ndarray) -> np.ndarray:
    """Pixels of red (seal) ink, 255 where red."""
    if color.ndim != 3:
        return np.zeros(color.shape[:2], np.uint8)
    hsv = cv2.cvtColor(color, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0].astype(np.int16), hsv[..., 1], hsv[..., 2]
    near_red = (hue <= RED_HUE_DISTANCE) | (hue >= 180 - RED_HUE_DISTANCE)
    return ((near_red & (sat >= RED_MIN_SATURATION) & (val >= RED_MIN_VALUE)) * 255).astype(np.uint8)


def remove_red(color: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """``gray`` with red ink whitened; black text under a seal stays (it is darker than the ink)."""
    mask = red_mask(color)
    if not mask.any():
        return gray
    out = gray.copy()
    # Under the seal, black toner keeps a low value; only the red, lighter pixels go.
    out[mask > 0] = 255
    return out


def prepare(image: np.ndarray) -> Prepared:
    """Deskew, flatten the light, whiten red ink, light denoise: the page as the reader sees it."""
    color, angle = deskew(image)
    gray = to_gray(color)
    gray = flatten(gray)
    gray = remove_red(color, gray)
    gray = cv2.medianBlur(gray, 3)  # salt-and-pepper specks from 1-bit scans
    return Prepared(color=color, gray=gray, skew_deg=angle)
