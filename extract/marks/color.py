"""Paper colour, red ink and dark ink: the colour arithmetic the mark readers share.

Every function takes a BGR uint8 crop and works in physical units through the
crop's dpi where a size matters. Hues are OpenCV's scale (0-180).
"""

from __future__ import annotations

import cv2
import numpy as np

MM_PER_INCH = 25.4

# Red ink sits at both ends of OpenCV's hue circle; the notice's seals are red (公章).
RED_HUE_LOW_MAX = 10  # H 0-10: scarlet and vermilion seal pastes
RED_HUE_HIGH_MIN = 156  # H 156-180: crimson and pink (faint) seal pastes
# Saturation (0-255) above which a pixel on flattened paper is coloured ink: a faint
# pink seal on white is ~55, JPEG colour noise on paper stays under ~25.
RED_MIN_SATURATION = 40
# Near-black pixels have no reliable hue (black text under a seal stays text).
RED_MIN_VALUE = 70
# Looser saturation for remove_red, so the pink fringe of a stroke goes too.
REMOVE_MIN_SATURATION = 22
# remove_red: a red pixel's red channel (relative to the paper's) above this is seal ink
# alone (turned to paper); below the lower bound it is black text under the seal (kept black).
RED_LEVEL_PAPER = 0.72
RED_LEVEL_TEXT = 0.3
# Paper colour is estimated with a max filter wider than any pen stroke or seal
# line (≤ 1.5 mm) and narrower than the light's fall-off across a scan.
PAPER_KERNEL_MM = 6.0
# The paper estimate is computed on a reduced image (it is smooth); 1 px per mm is enough.
PAPER_PX_PER_MM = 1.0
# Gray level (0-255, on flattened paper) where ink starts to count and where it counts fully:
# a faint pink seal scanned in gray lands around 200, paper noise above 235.
INK_GRAY_NONE = 232
INK_GRAY_FULL = 170


def px_per_mm(dpi: int) -> float:
    """Pixels per millimetre at ``dpi``."""
    return dpi / MM_PER_INCH


def paper_background(bgr: np.ndarray, dpi: int) -> np.ndarray:
    """The paper's colour under every pixel (BGR float32), ink filtered out.

    A grayscale close (max filter) on a reduced copy removes strokes narrower than
    ``PAPER_KERNEL_MM``; a blur smooths it; it is scaled back to the crop's size.
    """
    h, w = bgr.shape[:2]
    scale = min(1.0, PAPER_PX_PER_MM / px_per_mm(dpi))
    small = cv2.resize(bgr, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    k = max(3, round(PAPER_KERNEL_MM * px_per_mm(dpi) * scale) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    closed = cv2.dilate(small, kernel)
    closed = cv2.blur(closed, (k, k))
    bg = cv2.resize(closed, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return np.maximum(bg, 1.0)


def flatten_paper(bgr: np.ndarray, dpi: int) -> np.ndarray:
    """Divide out the paper's colour and shading: paper becomes white (255), ink keeps its hue.

    Without it a faint pink seal on yellowish paper has no saturation left to find.
    """
    bg = paper_background(bgr, dpi)
    flat = bgr.astype(np.float32) * (255.0 / bg)
    return np.clip(flat, 0, 255).astype(np.uint8)


def _red_hue(hsv: np.ndarray) -> np.ndarray:
    hue = hsv[:, :, 0]
    return (hue <= RED_HUE_LOW_MAX) | (hue >= RED_HUE_HIGH_MIN)


def red_mask(bgr: np.ndarray, dpi: int, min_saturation: int = RED_MIN_SATURATION) -> np.ndarray:
    """Boolean mask of red ink (both hue bands) after flattening the paper colour."""
    hsv = cv2.cvtColor(flatten_paper(bgr, dpi), cv2.COLOR_BGR2HSV)
    return _red_hue(hsv) & (hsv[:, :, 1] >= min_saturation) & (hsv[:, :, 2] >= RED_MIN_VALUE)


def red_ink_gray(bgr: np.ndarray, dpi: int) -> np.ndarray:
    """Red ink as a gray image for OCR: black where the red is strong, shades of gray where it
    is faint (a stroke's pale edge, a lightly inked seal), white elsewhere and under black text.

    A red pixel is as dark as its saturation says or as its luma says, whichever is more: JPEG
    keeps colour at half the resolution of brightness, so a thin stroke of a 150 dpi seal keeps
    its full darkness in luma while its colour is smeared pale over the paper beside it."""
    flat = flatten_paper(bgr, dpi)
    hsv = cv2.cvtColor(flat, cv2.COLOR_BGR2HSV)
    sat = hsv[:, :, 1].astype(np.float32)
    level = np.clip((sat - RED_INK_SAT_NONE) / (RED_INK_SAT_FULL - RED_INK_SAT_NONE), 0.0, 1.0)
    luma = cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY).astype(np.float32)
    dark = np.clip((255.0 - luma) / (255.0 - RED_INK_LUMA_FULL), 0.0, 1.0)
    tinted = hsv[:, :, 1] >= RED_INK_LUMA_MIN_SAT
    level = np.where(tinted, np.maximum(level, dark), level)
    level[~_red_hue(hsv) | (hsv[:, :, 2] < RED_MIN_VALUE)] = 0.0
    return (255 - 255 * level).astype(np.uint8)


# red_ink_gray: saturation where red ink starts to show (above JPEG noise on paper) and where
# it is full black (a well-inked seal is 120-200).
RED_INK_SAT_NONE = 25
RED_INK_SAT_FULL = 90
# ...and luma where it is full black (stamp-pad red is ~90, a pale impression lighter), for red
# pixels at least this saturated (a 150 dpi seal's dark pixels are 75-120, black print's ~2: gray paper and the
# gray edge of black print under the seal, whose hue is noise, stay under it).
RED_INK_LUMA_FULL = 100
RED_INK_LUMA_MIN_SAT = 20


def is_gray_bgr(bgr: np.ndarray) -> bool:
    """Whether a BGR image is a gray or 1-bit scan in BGR clothing (all three channels equal)."""
    b, g, r = cv2.split(bgr)
    return bool(np.array_equal(b, g) and np.array_equal(g, r))


def has_colour_ink(bgr: np.ndarray, dpi: int) -> bool:
    """Whether an image holds red or blue-violet ink worth keeping in colour: strokes of at least
    ``INK_COLOUR_MIN_STROKE_MM`` over ``INK_COLOUR_MIN_AREA_MM2``, not the paper's yellows nor a
    scanner's colour fringe along black text."""
    if is_gray_bgr(bgr):
        return False
    hsv = cv2.cvtColor(flatten_paper(bgr, dpi), cv2.COLOR_BGR2HSV)
    hue = hsv[:, :, 0]
    ink_hue = (hue <= RED_HUE_LOW_MAX) | (hue >= BLUE_HUE_MIN)
    coloured = (ink_hue & (hsv[:, :, 1] >= INK_COLOUR_MIN_SATURATION) & (hsv[:, :, 2] >= RED_MIN_VALUE)).astype(np.uint8)
    ppm = px_per_mm(dpi)
    k = max(1, round(INK_COLOUR_MIN_STROKE_MM * ppm))
    cores = cv2.erode(coloured, np.ones((k, k), np.uint8)) if k > 1 else coloured
    return bool(int(cores.sum()) >= INK_COLOUR_MIN_AREA_MM2 * ppm * ppm)


# has_colour_ink: a crop holds coloured ink (a seal, a blue pen) when, on flattened paper, pixels of ink hue (red,
# or blue to violet; the paper's yellows and browns are not ink) this saturated cover this much
# area in strokes at least this wide. Measured on the sample batch at the crops' 120 dpi: text cells of
# colour scans ≤ 3 px (a scanner's 1 px fringe), a seal's edge peeking into a box 75 px, seals ≥ 1700 px.
INK_COLOUR_MIN_SATURATION = 50
BLUE_HUE_MIN = 100  # OpenCV hue (0-180): 100-155 blue to violet pen inks (cyan, ~90, is a red channel off by a pixel)
INK_COLOUR_MIN_STROKE_MM = 0.4
INK_COLOUR_MIN_AREA_MM2 = 1.0


def has_colour(bgr: np.ndarray, dpi: int) -> bool:
    """Whether a crop carries any chroma at all (a colour scan) or is gray in BGR clothing."""
    hsv = cv2.cvtColor(flatten_paper(bgr, dpi), cv2.COLOR_BGR2HSV)
    coloured = (hsv[:, :, 1] >= RED_MIN_SATURATION) & (hsv[:, :, 2] >= RED_MIN_VALUE)
    return bool(coloured.mean() > COLOURLESS_MAX_SHARE)


# Share of pixels that may look coloured in a gray scan (JPEG chroma noise) — ink
# of any colour covers far more of a box that holds a seal or a pen note.
COLOURLESS_MAX_SHARE = 0.0005


def remove_red(bgr: np.ndarray, dpi: int = 300) -> np.ndarray:
    """Red ink turned to paper colour; black, blue and pencil ink left as they are.

    Red pixels take the value of their red channel (where red ink is as light as
    the paper and black text under it stays dark) times the paper colour, so text
    a seal was stamped over survives. ``dpi`` only sets the paper estimate's scale.
    """
    if bgr.ndim != 3 or bgr.shape[2] != 3:
        raise ValueError(f"remove_red needs a BGR image, got shape {bgr.shape}")
    bg = paper_background(bgr, dpi)
    hsv = cv2.cvtColor(flatten_paper(bgr, dpi), cv2.COLOR_BGR2HSV)
    reddish = _red_hue(hsv) & (hsv[:, :, 1] >= REMOVE_MIN_SATURATION)
    red_level = bgr[:, :, 2].astype(np.float32) / bg[:, :, 2]
    red_level = np.clip((red_level - RED_LEVEL_TEXT) / (RED_LEVEL_PAPER - RED_LEVEL_TEXT), 0.0, 1.0)
    dropped = bg * red_level[:, :, None]
    out = bgr.copy()
    out[reddish] = np.clip(dropped[reddish], 0, 255).astype(np.uint8)
    return out


def ink_map(bgr: np.ndarray, dpi: int, none: float = INK_GRAY_NONE, full: float = INK_GRAY_FULL) -> np.ndarray:
    """Ink darkness 0..1 of any colour on flattened paper (the darkest channel counts).

    Soft between ``INK_GRAY_NONE`` and ``INK_GRAY_FULL`` so faint ink (pencil, a pale
    seal in a gray scan) still weighs something while paper noise weighs nothing.
    """
    flat = flatten_paper(bgr, dpi)
    darkest = flat.min(axis=2).astype(np.float32)
    return np.clip((none - darkest) / (none - full), 0.0, 1.0)
