"""Red official seals (公章): ring, the unit's name along the upper arc, a star, ink texture.

``seal_mask`` draws the ink coverage (float 0..1) of one impression;
``draw_seal`` multiplies it onto a page, the way stamp ink darkens whatever
printed text and handwriting lies under it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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
# GA 241-style lower arc (``SealSpec.code_font`` set): the 13-digit code is about 2.5 mm tall on a 42 mm seal
# and spans about 100° of the lower arc, upright at the bottom, read left to right.
CODE_HEIGHT_FRACTION = 0.06  # digit height / the seal's smaller dimension
CODE_SPAN_DEG = 100.0  # the 13 digits' share of the circumference (in degrees of a circle of equal perimeter)
LOWER_GAP_DEG = 8.0  # engravers leave about this much between the name's ends and the lower arc's text
CODE_PITCH_EM = 0.75  # fewer digits than 13 keep this pitch (digit advance / height) instead of the span
SUBTITLE_HEIGHT_FRACTION = 0.1  # 合同专用章 and the like: height / smaller dimension (about 4 mm on 42 mm)
SUBTITLE_LINE_Y = 0.5  # a straight subtitle's centre below the seal's centre, as a share of the vertical radius
SUBTITLE_ARC_PITCH_EM = 1.15  # a subtitle along the lower arc: glyph advance / glyph height
NAME_PITCH_FILL = 0.92  # long names: a glyph is squeezed to this share of its pitch, never wider
NAME_MIN_ASPECT = 0.45  # ...but not narrower than this share of its height (then the height gives way)
PATCH_WIDTH_DEG = (25.0, 60.0)  # a sector the stamp barely touched
PATCH_DEPTH = (0.4, 0.7)  # ink such a sector lost: a third to a half stays, pale but still legible to a clerk
BLEED_GAIN = 2.2  # over-inked: the spread ink is as dark as the engraving where it is this thick


@dataclass(frozen=True)
class Glyph:
    """Where one engraved character sits: offset (px, y down) from the seal's centre after rotation."""

    kind: str  # name | code | subtitle
    char: str
    x: float
    y: float
    angle_deg: float  # the glyph's up direction, clockwise from the page's up
    height_px: float


def px_per_mm(dpi: int) -> float:
    return dpi / MM_PER_INCH


def _arc_span_deg(n_chars: int) -> float:
    """How much of the ring the name covers: short names bunch up at the top."""
    return float(min(250.0, max(120.0, 17.0 * n_chars + 20.0)))


def _glyph(ch: str, size_px: int, font_name: str = "noto-sans", narrow: float = 0.82,
           max_width: float | None = None) -> Image.Image:
    """One character as an L image, narrowed as seal engravers do (and squeezed to ``max_width`` px)."""
    font = load_font(font_name, size_px, bold=True)
    box = font.getbbox(ch)
    w, h = max(1, int(box[2] - box[0])), max(1, int(box[3] - box[1]))
    img = Image.new("L", (w + 4, h + 4), 0)
    ImageDraw.Draw(img).text((2 - box[0], 2 - box[1]), ch, fill=255, font=font)
    width = img.width * narrow
    if max_width is not None:
        width = min(width, max_width)
    return img.resize((max(1, int(width)), img.height), Image.Resampling.BILINEAR)


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


def _even_along(ra: float, rb: float, t_mid: float, half_len: float, n: int) -> list[float]:
    """Ellipse parameters (0 = top, clockwise) of ``n`` glyph centres spaced evenly by arc length over
    ``2 * half_len`` px of arc centred on ``t_mid``, in clockwise order."""
    ts = np.linspace(t_mid - math.pi, t_mid + math.pi, 1441)
    xs, ys = ra * np.sin(ts), -rb * np.cos(ts)
    arclen = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))])
    mid = float(np.interp(t_mid, ts, arclen))
    pos = [mid - half_len + 2 * half_len * (i + 0.5) / n for i in range(n)] if n > 1 else [mid]
    return [float(np.interp(p, arclen, ts)) for p in pos]


def _normal_deg(ra: float, rb: float, t: float) -> float:
    """The outward normal of the ellipse at parameter ``t``, clockwise from up (a name glyph's up)."""
    return math.degrees(math.atan2(rb * math.sin(t), ra * math.cos(t)))


def _lower_arc(img: Image.Image, glyphs: list[Glyph], kind: str, text: str, font_name: str, height: int,
               pitch: float, ra: float, rb: float, c: float) -> None:
    """``text`` along the lower arc, upright at the bottom (tops toward the centre), read left to right."""
    n = len(text)
    ts = _even_along(ra, rb, math.pi, pitch * n / 2, n)[::-1]  # clockwise runs right to left at the bottom
    for ch, t in zip(text, ts, strict=True):
        x, y = ra * math.sin(t), -rb * math.cos(t)
        angle = _normal_deg(ra, rb, t) - 180.0
        glyph = _glyph(ch, height, font_name, narrow=0.82 if kind == "subtitle" else 0.9,
                       max_width=pitch * NAME_PITCH_FILL)
        _paste_rotated(img, glyph, (c + x, c + y), angle)
        glyphs.append(Glyph(kind, ch, x, y, angle, float(height)))


def _engraving(style: SealSpec, dpi: int) -> tuple[np.ndarray, list[Glyph]]:
    """The seal face (0..1) before inking: ring, arc text, star, lower text; and where each glyph sits."""
    k = px_per_mm(dpi)
    w_mm, h_mm = _shape_mm(style)
    a, b = w_mm * k / 2, h_mm * k / 2
    size = int(max(a, b) * 2 * CANVAS_MARGIN) + 4
    cx = cy = size / 2
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    glyphs: list[Glyph] = []
    ring = max(2, int(RING_MM * k))
    draw.ellipse((cx - a, cy - b, cx + a, cy + b), outline=255, width=ring)
    if style.double_ring:
        gap = ring + INNER_RING_GAP_MM * k
        draw.ellipse((cx - a + gap, cy - b + gap, cx + a - gap, cy + b - gap), outline=255,
                     width=max(1, int(INNER_RING_MM * k)))
        ring = int(gap + INNER_RING_MM * k)  # the text and the code sit inside the inner ring
    char_h = int(min(w_mm, h_mm * 1.25) * TEXT_HEIGHT_FRACTION * k)
    name = style.unit
    if style.span_deg > 0:
        span = style.span_deg
    else:
        span = _arc_span_deg(len(name)) if not style.oval else min(210.0, _arc_span_deg(len(name)) + 10)
    inset = ring + 0.9 * k + char_h / 2
    ra, rb = a - inset, b - inset
    ts, arclen = _arc_table(ra, rb)
    half = arclen[-1] * span / 720.0  # arc length on each side of the top
    if style.span_deg > 0:  # as engravers cut long names: narrower glyphs, the height kept while it can be
        pitch = 2 * half / max(1, len(name))
        max_w = pitch * NAME_PITCH_FILL
        char_h = int(min(char_h, max_w / NAME_MIN_ASPECT))
        for ch, t in zip(name, _even_along(ra, rb, 0.0, half, len(name)), strict=True):
            x, y = ra * math.sin(t), -rb * math.cos(t)
            angle = _normal_deg(ra, rb, t)
            _paste_rotated(img, _glyph(ch, char_h, style.font, max_width=max_w), (cx + x, cy + y), angle)
            glyphs.append(Glyph("name", ch, x, y, angle, float(char_h)))
    else:
        char_h = int(min(char_h, 2 * half / max(1, len(name)) / 0.82 * 0.95))
        for i, ch in enumerate(name):
            s_pos = -half + 2 * half * (i + 0.5) / len(name) if len(name) > 1 else 0.0
            t = float(np.interp(s_pos + arclen[-1] / 2, arclen, ts))
            pos = (cx + ra * math.sin(t), cy - rb * math.cos(t))
            angle = math.degrees(math.atan2(rb * math.sin(t), ra * math.cos(t)))
            _paste_rotated(img, _glyph(ch, char_h, style.font), pos, angle)
            glyphs.append(Glyph("name", ch, pos[0] - cx, pos[1] - cy, angle, float(char_h)))
    star_r = STAR_FRACTION * min(w_mm, h_mm) * k
    _star(draw, cx, cy - (0.0 if not style.bottom_text else 0.05 * b), star_r)
    if style.bottom_text and style.code_font:
        small = max(6, int(CODE_HEIGHT_FRACTION * min(w_mm, h_mm) * k))
        r_in = ring + 0.6 * k + small / 2
        perimeter = math.pi * (a + b - 2 * r_in)  # the code's own ellipse: the span's degrees are a share of it
        span_code = min(CODE_SPAN_DEG, _lower_room(span))
        pitch = min(perimeter * span_code / 360.0 / len(style.bottom_text), small * CODE_PITCH_EM * 1.6)
        pitch = max(pitch, small * CODE_PITCH_EM) if len(style.bottom_text) < 13 else pitch
        _lower_arc(img, glyphs, "code", style.bottom_text, style.code_font, small, pitch, a - r_in, b - r_in, cx)
    elif style.bottom_text:
        small = max(6, int(char_h * 0.45))
        n = len(style.bottom_text)
        bspan = min(100.0, 6.5 * n)
        for i, ch in enumerate(style.bottom_text):
            t = 180.0 + bspan / 2 - bspan * (i + 0.5) / n
            rad = math.radians(t)
            pos = (cx + (a - ring - 0.6 * k - small / 2) * math.sin(rad),
                   cy - (b - ring - 0.6 * k - small / 2) * math.cos(rad))
            _paste_rotated(img, _glyph(ch, small), pos, t - 180.0)
            glyphs.append(Glyph("code", ch, pos[0] - cx, pos[1] - cy, t - 180.0, float(small)))
    if style.subtitle:
        _subtitle(img, glyphs, style, a, b, ring, k, cx, span)
    face = np.asarray(img, dtype=np.float32) / 255.0
    return face, glyphs


def _lower_room(name_span: float) -> float:
    """Degrees of the lower arc left for a code or subtitle: what the name leaves, less a gap each side."""
    return max(10.0, 360.0 - name_span - 2 * LOWER_GAP_DEG)


def _subtitle(img: Image.Image, glyphs: list[Glyph], style: SealSpec, a: float, b: float, ring: int,
              k: float, c: float, name_span: float) -> None:
    """合同专用章 and the like: a straight line under the star, or along the lower arc."""
    w_mm, h_mm = _shape_mm(style)
    height = max(6, int(SUBTITLE_HEIGHT_FRACTION * min(w_mm, h_mm) * k))
    font_name = style.code_font or style.font
    if style.subtitle_arc:
        r_in = ring + 0.9 * k + height / 2
        room = math.pi * (a + b - 2 * r_in) * _lower_room(name_span) / 360.0
        _lower_arc(img, glyphs, "subtitle", style.subtitle, font_name, height,
                   min(height * SUBTITLE_ARC_PITCH_EM, room / len(style.subtitle)), a - r_in, b - r_in, c)
        return
    y = SUBTITLE_LINE_Y * b
    room = 2 * a * math.sqrt(max(0.0, 1 - ((y + height / 2) / b) ** 2)) - 2 * (ring + 1.2 * k)
    for g in glyphs:  # a long name comes down the sides: the line stops short of its ends
        if g.kind == "name" and abs(g.y - y) < (g.height_px + height) / 2:
            room = min(room, 2 * (abs(g.x) - g.height_px / 2 - 0.8 * k))
    room = max(room, height * NAME_MIN_ASPECT * len(style.subtitle))
    n = len(style.subtitle)
    pitch = min(height * 1.05, room / n)
    for i, ch in enumerate(style.subtitle):
        x = -pitch * n / 2 + pitch * (i + 0.5)
        _paste_rotated(img, _glyph(ch, height, font_name, max_width=pitch * NAME_PITCH_FILL), (c + x, c + y), 0.0)
        glyphs.append(Glyph("subtitle", ch, x, y, 0.0, float(height)))


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
    if style.patches > 0:
        density *= _patches(face.shape, style.patches, rng)
    if style.bleed_mm > 0:
        # ink squeezed out past the engraving's edges: strokes thicken, counters fill
        spread = cv2.GaussianBlur(face, (0, 0), style.bleed_mm * px_per_mm(dpi))
        soft = np.maximum(soft, np.clip(spread * BLEED_GAIN, 0.0, 1.0))
    return np.clip(soft * density * style.ink * 1.25, 0.0, 1.0)


def _patches(shape: tuple[int, ...], count: int, rng: np.random.Generator) -> np.ndarray:
    """Ink kept (0..1) where ``count`` sectors of the stamp barely touched the paper."""
    h, w = shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = np.degrees(np.arctan2(xx - w / 2, -(yy - h / 2)))  # 0 = up, clockwise
    kept = np.ones((h, w), np.float32)
    for _ in range(count):
        mid = rng.uniform(-180.0, 180.0)
        half = rng.uniform(*PATCH_WIDTH_DEG) / 2
        depth = rng.uniform(*PATCH_DEPTH)
        off = np.abs((theta - mid + 180.0) % 360.0 - 180.0)
        inside = np.clip((half - off) / (half * 0.4), 0.0, 1.0)  # soft edges over 40 % of the half width
        kept *= 1.0 - depth * inside
    return kept


def seal_mask(style: SealSpec, dpi: int = 300, seed: int = 0) -> np.ndarray:
    """Ink coverage (float32 0..1, square) of one impression, rotated by ``style.rotation_deg``."""
    rng = np.random.default_rng(seed)
    face, _ = _engraving(style, dpi)
    size = face.shape[0]
    m = cv2.getRotationMatrix2D((size / 2, size / 2), -style.rotation_deg, 1.0)
    face = cv2.warpAffine(face, m, (size, size), flags=cv2.INTER_LINEAR)
    return _ink(face, style, dpi, rng)


def seal_glyphs(style: SealSpec, dpi: int = 300) -> list[Glyph]:
    """Every engraved character of ``style`` with its place (offset from the centre, rotation applied)."""
    _, glyphs = _engraving(style, dpi)
    r = math.radians(style.rotation_deg)  # clockwise on the page, as ``seal_mask`` turns the face
    cos, sin = math.cos(r), math.sin(r)
    return [Glyph(g.kind, g.char, g.x * cos - g.y * sin, g.x * sin + g.y * cos,
                  (g.angle_deg + style.rotation_deg + 180.0) % 360.0 - 180.0, g.height_px) for g in glyphs]


def seal_truth(style: SealSpec, center: tuple[float, float], dpi: int) -> dict[str, Any]:
    """What a bench scores a reading of this impression against: its texts and its geometry (page px)."""
    k = px_per_mm(dpi)
    w_mm, h_mm = _shape_mm(style)
    names = [g for g in seal_glyphs(style, dpi) if g.kind == "name"]
    return {
        "name": style.unit,
        "code": style.code,
        "subtitle": style.subtitle or ("" if style.code else style.bottom_text),
        "shape": "oval" if style.oval else "round",
        "center": [round(float(center[0]), 1), round(float(center[1]), 1)],
        "axes_px": [round(w_mm * k / 2, 1), round(h_mm * k / 2, 1)],  # outer semi-axes
        "size_mm": [round(w_mm, 1), round(h_mm, 1)],
        "rotation_deg": round(style.rotation_deg, 2),
        "double_ring": style.double_ring,
        "font": style.font,
        "code_font": style.code_font or style.font,
        "name_span_deg": round(_span_of(names), 1),
        "ink": round(style.ink, 3),
        "ink_bgr": [round(float(v), 1) for v in seal_colour(style)],
        "patches": style.patches,
        "bleed_mm": style.bleed_mm,
        "bbox": list(seal_bbox(style, (int(center[0]), int(center[1])), dpi)),
    }


def seal_lines_truth(style: SealSpec) -> dict[str, Any]:
    """The lower arc's truth and the scale-free geometry for a form's truth file, for seals drawn with the
    issue 17 kinds (``code_font`` set); {} for the older ones, so truth files written before stay as they were.
    The centre is the truth bbox's (it follows the scan's skew and scaling there)."""
    if not style.code_font:
        return {}
    w_mm, h_mm = _shape_mm(style)
    return {"code": style.code, "subtitle": style.subtitle, "shape": "oval" if style.oval else "round",
            "size_mm": [round(w_mm, 1), round(h_mm, 1)], "rotation_deg": round(style.rotation_deg, 2)}


def _span_of(glyphs: list[Glyph]) -> float:
    """Degrees between the first and last glyph centres, seen from the seal's centre, through the top."""
    if len(glyphs) < 2:
        return 0.0
    first = math.degrees(math.atan2(glyphs[0].x, -glyphs[0].y))
    last = math.degrees(math.atan2(glyphs[-1].x, -glyphs[-1].y))
    return (last - first) % 360.0


def seal_colour(style: SealSpec) -> np.ndarray:
    """The pad's colour (BGR) ``style`` is stamped in."""
    return SEAL_BGR if style.ink_bgr is None else np.array(style.ink_bgr, dtype=np.float64)


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
    return composite_multiply(image, seal_mask(style, dpi, seed), center, seal_colour(style))


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
