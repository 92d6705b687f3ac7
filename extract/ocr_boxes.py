"""The detector's text lines as boxes, and a line's crop for the recogniser.

DB post-processing of a text probability map (RapidOCR's, with its defaults) turns the map
that ``ocr_models.Models`` stitches from its strips into four-point line boxes; ``crop_quad``
straightens one box out of the page as RapidOCR does. Boxes are four points ``(x, y)``.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

# DB post-processing, RapidOCR's defaults: pixel probability that is text, mean
# probability a box needs, how far a shrunk text kernel is grown back, smallest side.
DB_THRESH = 0.3
DB_BOX_THRESH = 0.5
DB_UNCLIP_RATIO = 1.6
DB_MIN_SIDE = 3
DB_MAX_CANDIDATES = 1000


def _ordered(rect: tuple[Any, ...]) -> np.ndarray:
    """A rotated rectangle's corners: top-left, top-right, bottom-right, bottom-left (RapidOCR's order)."""
    pts = sorted(cv2.boxPoints(rect).tolist(), key=lambda p: p[0])
    left = sorted(pts[:2], key=lambda p: p[1])
    right = sorted(pts[2:], key=lambda p: p[1])
    return np.array([left[0], right[0], right[1], left[1]], np.float32)


def _box_score(pred: np.ndarray, box: np.ndarray) -> float:
    """Mean text probability inside the box (DB's fast score)."""
    h, w = pred.shape
    x0 = int(np.clip(np.floor(box[:, 0].min()), 0, w - 1))
    x1 = int(np.clip(np.ceil(box[:, 0].max()), 0, w - 1))
    y0 = int(np.clip(np.floor(box[:, 1].min()), 0, h - 1))
    y1 = int(np.clip(np.ceil(box[:, 1].max()), 0, h - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    cv2.fillPoly(mask, [(box - [x0, y0]).astype(np.int32)], 1)
    return float(cv2.mean(pred[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def boxes_from_map(pred: np.ndarray) -> list[np.ndarray]:
    """DB post-processing of a text probability map: each text line's four corners in map pixels.

    A text kernel's rectangle is grown by ``area × DB_UNCLIP_RATIO / perimeter`` on every
    side, which is what RapidOCR's polygon offset gives for a rectangle.
    """
    bitmap = cv2.dilate((pred > DB_THRESH).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    h, w = pred.shape
    out: list[np.ndarray] = []
    for contour in contours[:DB_MAX_CANDIDATES]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < DB_MIN_SIDE:
            continue
        if _box_score(pred, _ordered(rect)) < DB_BOX_THRESH:
            continue
        rw, rh = rect[1]
        grow = rw * rh * DB_UNCLIP_RATIO / (2 * (rw + rh))
        grown = (rect[0], (rw + 2 * grow, rh + 2 * grow), rect[2])
        if min(grown[1]) < DB_MIN_SIDE + 2:
            continue
        box = np.round(_ordered(grown))
        box[:, 0] = np.clip(box[:, 0], 0, w - 1)
        box[:, 1] = np.clip(box[:, 1], 0, h - 1)
        if np.linalg.norm(box[0] - box[1]) <= 3 or np.linalg.norm(box[0] - box[3]) <= 3:
            continue
        out.append(box)
    return out


def crop_quad(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line inside a four-point box, straightened (RapidOCR's crop: cubic, edges replicated)."""
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    if width < 1 or height < 1:
        return np.zeros((0, 0), img.dtype)
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 2
    x0, y0 = max(0, x0), max(0, y0)
    part = img[y0:y1, x0:x1]  # warp only the box's neighbourhood, not the page
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    m = cv2.getPerspectiveTransform((quad - [x0, y0]).astype(np.float32), target)
    out = cv2.warpPerspective(part, m, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return np.rot90(out) if out.shape[0] >= 1.5 * out.shape[1] else out
