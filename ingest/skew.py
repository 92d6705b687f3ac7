"""The small angle that levels a page's rows of ink: one search, for ingest (which way up is a
page: its text lines must be level first) and extract (deskew before the grid).

A row of print, rule or text line, is sharpest in the page's horizontal ink profile when it is
level, so the angle that maximises the profile's energy (sum of squared row sums) levels the
page. Searched on a copy ``WORK_WIDTH`` pixels wide whatever the scan's dpi: coarse steps over the
whole range, then fine steps around the best.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

# Scanners feed pages at most a few degrees off; more than that is not skew.
MAX_SKEW_DEG = 5.0
# The search works on a copy this wide (about 80 dpi for A4), so 150 and 600 dpi scans are searched
# alike and cheaply (each step turns the copy once).
WORK_WIDTH = 640
# Coarse steps through +-MAX_SKEW_DEG, then fine steps around the best. A text line stays within its
# own height across the copy for 2 deg either side of level, so 0.5 deg steps cannot step over its
# peak; a fine step moves a row by half a pixel across the copy (the rules' fit in extract does the rest).
COARSE_STEP_DEG = 0.5
FINE_STEP_DEG = 0.05


def turn(image: np.ndarray, angle_deg: float, border: int = 0) -> np.ndarray:
    """``image`` rotated about its centre by ``angle_deg`` (OpenCV's sense: counter-clockwise), same size."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    value = (border, border, border) if image.ndim == 3 else border
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=value)


def _sharpness(small: np.ndarray, angle: float) -> float:
    rows = turn(small, angle).sum(axis=1, dtype=np.float64)
    return float(np.dot(rows, rows))


def best_angle(sharpness: Callable[[float], float]) -> float:
    """The angle of +-MAX_SKEW_DEG with the sharpest row profile: coarse steps over the whole range,
    then fine steps around the best (``level_angle``'s search; ``ingest.orientation`` scores its own
    profile with it)."""
    coarse = _search(sharpness, 0.0, MAX_SKEW_DEG, COARSE_STEP_DEG)
    return _search(sharpness, coarse, COARSE_STEP_DEG / 2, FINE_STEP_DEG)


def _search(sharpness: Callable[[float], float], centre: float, half_range: float, step: float) -> float:
    angles = np.arange(centre - half_range, centre + half_range + step / 2, step)
    scores = [sharpness(float(a)) for a in angles]
    return float(angles[int(np.argmax(scores))])


def level_angle(ink: np.ndarray) -> float:
    """The angle (degrees, for ``turn``) that levels the rows of ``ink`` (255 = ink); 0.0 without ink."""
    if not ink.any():
        return 0.0
    scale = min(1.0, WORK_WIDTH / ink.shape[1])
    small = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1.0 else ink
    return best_angle(lambda angle: _sharpness(small, angle))
