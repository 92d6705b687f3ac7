"""Scanner damage: what a clerk's scanner returns for a printed, stamped page.

``scan(pages, mode=..., dpi=..., ...)`` takes clean pages (BGR uint8 at
``src_dpi``) and returns scanned ones: paper tint and fibre, toner spread,
uneven light, skew, resampling, blur, sensor noise, JPEG artefacts, then
colour / gray / bilevel (real thresholding, so faint seals break up) and a
quarter-turn rotation for a page fed sideways or upside down.

Colour pages come back BGR (H x W x 3); gray and bilevel pages come back
single-channel (H x W), as a file would hold them. Bilevel pages hold only 0
and 255.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

MODES = ("color", "gray", "bilevel")
PAPER_YELLOW_BGR = np.array([200.0, 232.0, 246.0])  # recycled office paper, fully tinted
LID_BGR = (236, 236, 236)  # scanner lid seen around a skewed page
FIBRE_AMPLITUDE = 6.0  # gray levels of paper texture, visible but below print contrast
ADAPTIVE_BLOCK_MM = 6.0  # adaptive threshold window: wider than a stroke, narrower than a seal
ADAPTIVE_C = 12
BACKGROUND_LEVEL = 200  # scanner drivers' background removal: paper (incl. yellowish) above this is white
TONER_SPREAD_MM = 0.045  # toner spreads about one dot at 600 dpi  # adaptive threshold offset: keeps paper texture white


@dataclass
class ScanSettings:
    mode: str = "color"
    dpi: int = 300
    src_dpi: int = 300
    skew_deg: float = 0.0  # positive = counter-clockwise
    rotate: int = 0  # 0, 90, 180, 270 clockwise: the page went through sideways / upside down
    noise: float = 3.0  # sensor noise sigma, gray levels
    blur: float = 0.6  # optics blur sigma, px at the output dpi
    jpeg_quality: int | None = None  # round trip through JPEG (colour and gray only)
    paper_tint: float = 0.0  # 0 white .. 1 yellowish
    uneven_illumination: float = 0.0  # 0 flat .. 0.3 strong fall-off
    threshold: str = "otsu"  # bilevel: otsu or adaptive
    seed: int = 0
    background_removal: bool = False  # the driver's "document" mode: near-white paper becomes pure white
    damage: tuple[str, ...] = ()  # augraphy print/copy damage applied to the clean page (DAMAGE keys)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _augraphy_effects() -> dict[str, Callable[[], Any]]:
    """augraphy's print and copy damage, built on demand (importing augraphy takes seconds).

    Only effects that repeat exactly for a seeded ``random`` / ``numpy.random`` are listed:
    augraphy's DirtyRollers and LightingGradient do not (and light fall-off is ``uneven_illumination``).
    """
    from augraphy import DirtyDrum, InkBleed, Letterpress, LowInkPeriodicLines, LowInkRandomLines

    return {
        "ink_bleed": lambda: InkBleed(intensity_range=(0.4, 0.7), kernel_size=(5, 5), severity=(0.3, 0.4)),
        "low_ink": lambda: LowInkRandomLines(count_range=(5, 10), use_consistent_lines=False,
                                             noise_probability=0.1),
        "low_ink_periodic": lambda: LowInkPeriodicLines(count_range=(2, 5), period_range=(16, 32),
                                                        use_consistent_lines=False),
        "letterpress": lambda: Letterpress(n_samples=(200, 400), n_clusters=(200, 400), value_range=(180, 255)),
        "dirty_drum": lambda: DirtyDrum(line_width_range=(1, 2), line_concentration=0.05, direction=0,
                                         noise_intensity=0.1, noise_value=(60, 120)),
    }


DAMAGE = ("ink_bleed", "low_ink", "low_ink_periodic", "letterpress", "dirty_drum")


def print_damage(page: np.ndarray, kinds: tuple[str, ...], seed: int) -> np.ndarray:
    """``page`` (clean BGR) through augraphy's ``kinds`` of print damage, the same for the same seed.

    augraphy draws from the global ``random`` and ``numpy.random``; their states are put back after.
    """
    unknown = set(kinds) - set(DAMAGE)
    if unknown:
        raise ValueError(f"unknown damage {sorted(unknown)}; known: {', '.join(DAMAGE)}")
    effects = _augraphy_effects()
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        out = page
        for i, kind in enumerate(kinds):
            random.seed(seed * 7 + i)
            np.random.seed((seed * 7 + i) % (2**32))
            out = np.ascontiguousarray(effects[kind]()(out))
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    if out.ndim == 2:
        out = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
    return np.asarray(out, dtype=np.uint8)


def _paper_field(h: int, w: int, s: ScanSettings, rng: np.random.Generator) -> np.ndarray:
    """Light reaching the sensor off blank paper (uint8 BGR, h x w): tint, fibre, uneven light.

    Built at a third of the resolution and upsampled: fibre and light vary slowly.
    """
    sh, sw = h // 3 + 1, w // 3 + 1
    tint = (1.0 - s.paper_tint * (1.0 - PAPER_YELLOW_BGR / 255.0)).astype(np.float32)
    fibre = rng.standard_normal((sh, sw), dtype=np.float32)
    fibre = cv2.GaussianBlur(fibre, (0, 0), 1.0) * (FIBRE_AMPLITUDE / 255.0)
    light: np.ndarray = np.ones((sh // 6 + 1, sw // 6 + 1), np.float32)
    if s.uneven_illumination > 0:
        yy, xx = np.mgrid[0:light.shape[0], 0:light.shape[1]].astype(np.float32)
        cx, cy = rng.uniform(0, light.shape[1]), rng.uniform(0, light.shape[0])
        dist = np.hypot(xx - cx, yy - cy)
        light = 1.0 - s.uneven_illumination * dist / max(float(dist.max()), 1e-6)
    light = cv2.resize(light, (sw, sh), interpolation=cv2.INTER_CUBIC)
    small = (light * (1.0 + fibre))[..., None] * tint
    return cv2.resize(_u8(small, 3), (w, h), interpolation=cv2.INTER_LINEAR)


def _toner_gain(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Toner prints unevenly: ink density 0.88..1 in broad patches (uint8 BGR, h x w)."""
    small = 0.88 + 0.12 * cv2.resize(rng.random((6, 5)).astype(np.float32), (64, 64),
                                     interpolation=cv2.INTER_CUBIC).clip(0, 1)
    return cv2.resize(_u8(small, 3), (w, h), interpolation=cv2.INTER_LINEAR)


def transform_matrix(s: ScanSettings, src_shape: tuple[int, ...]) -> np.ndarray:
    """3x3 matrix taking clean-page pixels to scanned-page pixels (scale, skew, quarter turn)."""
    k = s.dpi / s.src_dpi
    h, w = src_shape[0] * k, src_shape[1] * k
    scale = np.array([[k, 0, 0], [0, k, 0], [0, 0, 1]], dtype=np.float64)
    rot = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), s.skew_deg, 1.0), [0, 0, 1]])
    quarter = np.eye(3)
    r = s.rotate % 360
    W, H = int(round(w)), int(round(h))
    if r == 90:
        quarter = np.array([[0, -1, H - 1], [1, 0, 0], [0, 0, 1]], dtype=np.float64)
    elif r == 180:
        quarter = np.array([[-1, 0, W - 1], [0, -1, H - 1], [0, 0, 1]], dtype=np.float64)
    elif r == 270:
        quarter = np.array([[0, 1, 0], [-1, 0, W - 1], [0, 0, 1]], dtype=np.float64)
    return quarter @ rot @ scale


def map_bbox(bbox: list[int] | None, s: ScanSettings, src_shape: tuple[int, ...]) -> list[int] | None:
    """A clean-page box [x0, y0, x1, y1] as it lands on the scanned page (axis-aligned hull)."""
    if bbox is None:
        return None
    m = transform_matrix(s, src_shape)
    x0, y0, x1, y1 = bbox
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64).T
    out = m @ pts
    return [int(out[0].min()), int(out[1].min()), int(out[0].max()), int(out[1].max())]


def _skew(img: np.ndarray, s: ScanSettings) -> np.ndarray:
    if not s.skew_deg:
        return img
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), s.skew_deg, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=LID_BGR)


def _u8(field: np.ndarray, channels: int) -> np.ndarray:
    """A 0..1 float field as uint8 with ``channels`` channels."""
    u: np.ndarray = np.clip(field * 255.0, 0, 255).astype(np.uint8)
    if u.ndim == 2 and channels == 3:
        return np.asarray(cv2.merge([u, u, u]))
    return u


def _add_noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gray sensor noise (same on all channels), saturating at 0 and 255."""
    h, w = img.shape[:2]
    small = rng.standard_normal((h // 2 + 1, w // 2 + 1), dtype=np.float32) * sigma
    n = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST))
    pos = _u8(np.maximum(n, 0) / 255.0, img.shape[2] if img.ndim == 3 else 1)
    neg = _u8(np.maximum(-n, 0) / 255.0, img.shape[2] if img.ndim == 3 else 1)
    return cv2.subtract(cv2.add(img, pos), neg)


def _whiten(img: np.ndarray) -> np.ndarray:
    gray = img if img.ndim == 2 else img.min(axis=2)
    out = img.copy()
    out[gray >= BACKGROUND_LEVEL] = 255
    return out


def _binarize(gray: np.ndarray, s: ScanSettings) -> np.ndarray:
    if s.threshold == "adaptive":
        block = int(ADAPTIVE_BLOCK_MM * s.dpi / 25.4) | 1
        return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, ADAPTIVE_C)
    _, out = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return out


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if out is None:
        raise ValueError("JPEG decoding failed")
    return np.asarray(out)


def scan_page(page: np.ndarray, s: ScanSettings, index: int = 0) -> np.ndarray:
    """One clean page through the scanner (see module doc)."""
    if s.mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {s.mode!r}")
    rng = np.random.default_rng(s.seed * 1009 + index)
    if page.ndim == 2:
        page = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    if s.damage:
        page = print_damage(page, s.damage, s.seed * 1009 + index)
    page = cv2.GaussianBlur(page, (0, 0), TONER_SPREAD_MM * s.src_dpi / 25.4)
    k = s.dpi / s.src_dpi
    if k != 1.0:
        page = cv2.resize(page, None, fx=k, fy=k, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    h, w = page.shape[:2]
    # uint8 arithmetic through OpenCV: 4x less memory than float, several times faster on big pages
    ink = cv2.multiply(cv2.bitwise_not(page), _toner_gain(h, w, rng), scale=1 / 255)
    out = cv2.multiply(cv2.bitwise_not(ink), _paper_field(h, w, s, rng), scale=1 / 255)
    out = _skew(out, s)
    if s.blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), s.blur)
    if s.noise > 0:
        out = _add_noise(out, s.noise, rng)
    if s.background_removal:
        out = _whiten(out)
    if s.mode != "color":
        out = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
    if s.mode == "bilevel":
        out = _binarize(out, s)
    elif s.jpeg_quality:
        out = _jpeg(out, s.jpeg_quality)
    k = (s.rotate % 360) // 90
    return np.ascontiguousarray(np.rot90(out, -k)) if k else out


def scan(pages: list[np.ndarray], mode: str = "color", dpi: int = 300, skew_deg: float = 0.0,
         rotate: int = 0, noise: float = 3.0, blur: float = 0.6, jpeg_quality: int | None = None,
         paper_tint: float = 0.0, uneven_illumination: float = 0.0, *, src_dpi: int = 300,
         threshold: str = "otsu", seed: int = 0, background_removal: bool = False) -> list[np.ndarray]:
    """Scanned copies of clean ``pages`` (rendered at ``src_dpi``); see the module doc for the output."""
    s = ScanSettings(mode, dpi, src_dpi, skew_deg, rotate, noise, blur, jpeg_quality, paper_tint,
                     uneven_illumination, threshold, seed, background_removal)
    return [scan_page(p, s, i) for i, p in enumerate(pages)]
