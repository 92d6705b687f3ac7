"""Red official seals (公章): ring, the unit's name along the upper arc, a star, ink texture.

``seal_mask`` draws the ink coverage (float 0..1) of one impression;
``draw_seal`` multiplies it onto a page, the way stamp ink darkens whatever
printed text and handwriting lies under it.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples.fonts import load_font
from samples.spec import SealSpec

MM_PER_INCH = 25.4
SEAL_BGR = np.array([48.0, 38.0, 205.0])  # stamp-pad red as a scanner sees it
RING_MM = 1.3  # outer ring line, the thick part of a 公章
OVAL_SIZE_MM = (45.0, 30.0)  # the oval company seal of GA 241
TEXT_HEIGHT_FRACTION = 0.155  # character height / diameter on 40-42 mm seals
STAR_FRACTION = 0.2  # star outer radius / diameter
CANVAS_MARGIN = 1.12  # room for rotation without clipping the ring
INNER_RING_GAP_MM = 0.9  # double-ring seals: paper between the thick outer ring and the thin inner one
INNER_RING_MM = 0.45


def px_per_mm(dpi: int) -> float:
    return dpi / MM_PER_INCH


def _arc_span_deg(n_chars: int) -> float:
    """How much of the ring the name covers: short names bunch up at the top."""
    return float(min(250.0, max(120.0, 17.0 * n_chars + 20.0)))


def _glyph(ch: str, size_px: int) -> Image.Image:
    """One character as an L image, narrowed as seal engravers do."""
    font = load_font("noto-sans", size_px, bold=True)
    box = font.getbbox(ch)
    w, h = max(1, int(box[2] - box[0])), max(1, int(box[3] - box[1]))
    img = Image.new("L", (w + 4, h + 4), 0)
    ImageDraw.Draw(img).text((2 - box[0], 2 - box[1]), ch, fill=255, font=font)
    return img.resize((max(1, int(img.width * 0.82)), img.height), Image.Resampling.BILINEAR)


def _paste_rotated(canvas: Image.Image, glyph: Image.Image, center: tuple[float, float], angle_deg: float) -> None:
    rot = glyph.rotate(-angle_deg, resample=Image.Resampling.BICUBIC, expand=True)
    x = int(round(center[0] - rot.width / 2))
    y = int(round(center[1] - rot.height / 2))
    region = canvas.crop((x, y, x + rot.width, y + rot.height))
    canvas.paste(Image.fromarray(np.maximum(np.asarray(region), np.asarray(rot))), (x, y))


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    pts = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.382
        a = math.radians(-90 + 36 * i)
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    draw.polygon(pts, fill=255)


def _arc_table(ra: float, rb: float) -> tuple[np.ndarray, np.ndarray]:
    """Ellipse parameter t in [-pi, pi] (0 = top) and arc length from t = -pi, for even spacing."""
    ts = np.linspace(-math.pi, math.pi, 721)
    xs, ys = ra * np.sin(ts), -rb * np.cos(ts)
    seg = np.hypot(np.diff(xs), np.diff(ys))
    return ts, np.concatenate([[0.0], np.cumsum(seg)])


def _shape_mm(style: SealSpec) -> tuple[float, float]:
    if style.oval:
        return (float(style.oval_mm[0]), float(style.oval_mm[1])) if style.oval_mm else OVAL_SIZE_MM
    return style.diameter_mm, style.diameter_mm


def _engraving(style: SealSpec, dpi: int) -> np.ndarray:
    """The seal face (0..1) before inking: ring, arc text, star, bottom digits."""
    k = px_per_mm(dpi)
    w_mm, h_mm = _shape_mm(style)
    a, b = w_mm * k / 2, h_mm * k / 2
    size = int(max(a, b) * 2 * CANVAS_MARGIN) + 4
    cx = cy = size / 2
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    ring = max(2, int(RING_MM * k))
    draw.ellipse((cx - a, cy - b, cx + a, cy + b), outline=255, width=ring)
    if style.double_ring:
        gap = ring + INNER_RING_GAP_MM * k
        draw.ellipse((cx - a + gap, cy - b + gap, cx + a - gap, cy + b - gap), outline=255,
                     width=max(1, int(INNER_RING_MM * k)))
        ring = int(gap + INNER_RING_MM * k)  # the text and the code sit inside the inner ring
    char_h = int(min(w_mm, h_mm * 1.25) * TEXT_HEIGHT_FRACTION * k)
    name = style.unit
    span = _arc_span_deg(len(name)) if not style.oval else min(210.0, _arc_span_deg(len(name)) + 10)
    inset = ring + 0.9 * k + char_h / 2
    ra, rb = a - inset, b - inset
    ts, arclen = _arc_table(ra, rb)
    half = arclen[-1] * span / 720.0  # arc length on each side of the top
    char_h = int(min(char_h, 2 * half / max(1, len(name)) / 0.82 * 0.95))
    for i, ch in enumerate(name):
        s_pos = -half + 2 * half * (i + 0.5) / len(name) if len(name) > 1 else 0.0
        t = float(np.interp(s_pos + arclen[-1] / 2, arclen, ts))
        pos = (cx + ra * math.sin(t), cy - rb * math.cos(t))
        _paste_rotated(img, _glyph(ch, char_h), pos, math.degrees(math.atan2(rb * math.sin(t), ra * math.cos(t))))
    star_r = STAR_FRACTION * min(w_mm, h_mm) * k
    _star(draw, cx, cy - (0.0 if not style.bottom_text else 0.05 * b), star_r)
    if style.bottom_text:
        small = max(6, int(char_h * 0.45))
        n = len(style.bottom_text)
        bspan = min(100.0, 6.5 * n)
        for i, ch in enumerate(style.bottom_text):
            t = 180.0 + bspan / 2 - bspan * (i + 0.5) / n
            rad = math.radians(t)
            pos = (cx + (a - ring - 0.6 * k - small / 2) * math.sin(rad),
                   cy - (b - ring - 0.6 * k - small / 2) * math.cos(rad))
            _paste_rotated(img, _glyph(ch, small), pos, t - 180.0)
    return np.asarray(img, dtype=np.float32) / 255.0


def _smooth_noise(shape: tuple[int, int], cells: int, rng: np.random.Generator) -> np.ndarray:
    """Noise in 0..1 varying over about ``cells`` blobs across the image."""
    small = rng.random((cells, cells)).astype(np.float32)
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _ink(face: np.ndarray, style: SealSpec, dpi: int, rng: np.random.Generator) -> np.ndarray:
    """Stamp-pad texture: uneven pressure, pale blotches, speckle gaps, soft edges."""
    h, w = face.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    tilt = ((xx - w / 2) * math.cos(ang) + (yy - h / 2) * math.sin(ang)) / (w / 2)
    pressure = 1.0 - rng.uniform(0.1, 0.45) * (tilt.clip(-1, 1) + 1) / 2
    blotch = 0.55 + 0.45 * _smooth_noise((h, w), 7, rng)
    speck = np.asarray(cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), max(0.6, dpi / 300)))
    gaps = (speck > rng.uniform(0.2, 0.3)).astype(np.float32)
    density = pressure * blotch * (0.35 + 0.65 * gaps)
    if style.coverage < 1.0:
        # one side of the stamp did not touch the paper
        miss = (tilt > 1.0 - 2.0 * (1.0 - style.coverage) * 2).astype(np.float32)
        density *= 1.0 - cv2.GaussianBlur(miss, (0, 0), w / 30) * 0.95
    soft = cv2.GaussianBlur(face, (0, 0), max(0.5, 0.7 * dpi / 300))
    return np.clip(soft * density * style.ink * 1.25, 0.0, 1.0)


def seal_mask(style: SealSpec, dpi: int = 300, seed: int = 0) -> np.ndarray:
    """Ink coverage (float32 0..1, square) of one impression, rotated by ``style.rotation_deg``."""
    rng = np.random.default_rng(seed)
    face = _engraving(style, dpi)
    size = face.shape[0]
    m = cv2.getRotationMatrix2D((size / 2, size / 2), -style.rotation_deg, 1.0)
    face = cv2.warpAffine(face, m, (size, size), flags=cv2.INTER_LINEAR)
    return _ink(face, style, dpi, rng)


def composite_multiply(image: np.ndarray, alpha: np.ndarray, center: tuple[int, int],
                       color_bgr: np.ndarray = SEAL_BGR) -> np.ndarray:
    """``image`` with ink of ``color_bgr`` multiplied in where ``alpha`` > 0 (clipped at the edges)."""
    out = image.copy()
    h, w = alpha.shape
    x0, y0 = center[0] - w // 2, center[1] - h // 2
    ix0, iy0 = max(0, x0), max(0, y0)
    ix1, iy1 = min(image.shape[1], x0 + w), min(image.shape[0], y0 + h)
    if ix1 <= ix0 or iy1 <= iy0:
        return out
    a = alpha[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0][..., None]
    region = out[iy0:iy1, ix0:ix1].astype(np.float32)
    factor = 1.0 - a * (1.0 - color_bgr / 255.0)
    if region.ndim == 2:
        factor = factor.mean(axis=2)
        a = a[..., 0]
    out[iy0:iy1, ix0:ix1] = np.clip(region * factor, 0, 255).astype(np.uint8)
    return out


def draw_seal(image: np.ndarray, unit: str = "", center: tuple[int, int] | None = None, *,
              dpi: int = 300, style: SealSpec | None = None, seed: int = 0) -> np.ndarray:
    """``image`` (BGR or gray uint8) with a red seal of ``unit`` stamped at ``center`` (default: middle).

    ``style`` gives size, oval, ink, coverage and rotation; its ``unit`` is used
    when ``unit`` is empty. Returns a new image.
    """
    style = style or SealSpec(unit=unit or "中国地质科学院")
    if unit and unit != style.unit:
        style = SealSpec(**{**style.to_dict(), "unit": unit})
    if center is None:
        center = (image.shape[1] // 2, image.shape[0] // 2)
    return composite_multiply(image, seal_mask(style, dpi, seed), center)


def seal_bbox(style: SealSpec, center: tuple[int, int], dpi: int) -> tuple[int, int, int, int]:
    """The impression's box [x0, y0, x1, y1] in page pixels (ring extent, rotation ignored for circles)."""
    k = px_per_mm(dpi)
    w_mm, h_mm = _shape_mm(style)
    if style.oval:
        r = math.radians(style.rotation_deg)
        w_mm, h_mm = (abs(w_mm * math.cos(r)) + abs(h_mm * math.sin(r)),
                      abs(w_mm * math.sin(r)) + abs(h_mm * math.cos(r)))
    hw, hh = w_mm * k / 2, h_mm * k / 2
    return (int(center[0] - hw), int(center[1] - hh), int(center[0] + hw), int(center[1] + hh))
