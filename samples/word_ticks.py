"""A choice line as a Word copy prints it: each option's box a □ of the body face, the chosen one
typed as a glyph (☑ ☒ ■ ✓ √) or a □ ticked by pen after printing.

Word and LibreOffice set every run on one baseline; a glyph the CJK face lacks (☑ ☒ in all of
them, ✓ in AR PL and WenQuanYi Zen Hei) comes from the font fontconfig falls back to (DejaVu Sans
on Debian), as LibreOffice does. The options are ``samples.docx_form``'s line: two spaces apart.
Used by the tick tests and ``bench.word_ticks`` to draw the cells the marks stage must read in
every Debian CJK face, body size and resolution.
"""

from __future__ import annotations

import random
import subprocess
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from samples.draw import draw_tick
from samples.fonts import font_by_name, load_font

UNTICKED = "□"
# Glyphs a Word user types for the chosen box (samples.spec.WORD_TICKS), and "pen": a □ ticked by hand.
TYPED_TICKS = ("☑", "☒", "■", "✓", "√", "pen")
OPTION_SEP = "  "  # samples.docx_form._typed_choices
MARGIN_EM = 0.6  # white round the line, as the cell's padding leaves it


@lru_cache(maxsize=16)
def _files_with(glyph: str) -> frozenset[str]:
    """Font files fontconfig says hold ``glyph``."""
    out = subprocess.run(["fc-list", "--format", "%{file}\n", f":charset={ord(glyph):x}"], capture_output=True,
                         text=True, check=True).stdout
    return frozenset(line.strip() for line in out.splitlines() if line.strip())


@lru_cache(maxsize=4)
def fallback_path(glyph: str) -> str:
    """The font file fontconfig gives for ``glyph`` when the face lacks it (LibreOffice asks the same)."""
    path = subprocess.run(["fc-match", "-f", "%{file}", f"sans:charset={ord(glyph):x}"], capture_output=True,
                          text=True, check=True).stdout.strip()
    if not path:
        raise RuntimeError(f"fontconfig has no font with {glyph!r}")
    return path


def glyph_font(face: str, glyph: str, size_px: int) -> ImageFont.FreeTypeFont:
    """The face itself where it has ``glyph``, else the fallback font, at ``size_px``."""
    if font_by_name(face).path in _files_with(glyph):
        return load_font(face, size_px)
    return ImageFont.truetype(fallback_path(glyph), size_px)


def typed_choice_line(choices: list[str], ticked: list[str], glyph: str, face: str, pt: float,
                      dpi: int, seed: int = 0) -> tuple[Image.Image, dict[str, list[int]]]:
    """The line of options typed in ``face`` at ``pt`` points, printed at ``dpi``: returns the image
    and each option's box (its □ or typed glyph) in pixels, the truth a reader is scored against."""
    size = round(pt / 72 * dpi)
    body = load_font(face, size)
    runs: list[tuple[str, ImageFont.FreeTypeFont, str]] = []  # text, font, option it belongs to
    for i, c in enumerate(choices):
        mark = glyph if c in ticked and glyph != "pen" else UNTICKED
        runs.append((mark, glyph_font(face, mark, size), c))
        runs.append((c + (OPTION_SEP if i < len(choices) - 1 else ""), body, ""))
    width = sum(ImageDraw.Draw(Image.new("L", (1, 1))).textlength(t, font=f) for t, f, _ in runs)
    margin = round(MARGIN_EM * size)
    img = Image.new("RGB", (round(width) + 2 * margin, 2 * size + 2 * margin), (255, 255, 255))
    d = ImageDraw.Draw(img)
    x, base = float(margin), margin + round(1.3 * size)
    boxes: dict[str, list[int]] = {}
    rng = random.Random(seed)
    for text, font, option in runs:
        if option:
            x0, y0, x1, y1 = d.textbbox((x, base), text, font=font, anchor="ls")
            boxes[option] = [int(x0), int(y0), int(x1), int(y1)]
        d.text((x, base), text, fill=(0, 0, 0), font=font, anchor="ls")
        x += d.textlength(text, font=font)
    if glyph == "pen":
        for c in ticked:
            draw_tick(d, boxes[c], "check", rng, dpi)
    return img, boxes


def as_bgr(img: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(img.convert("RGB"))[:, :, ::-1])
