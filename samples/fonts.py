"""The CJK fonts installed on the build machines (Debian fonts-noto-cjk, fonts-arphic, fonts-wqy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont


@dataclass(frozen=True)
class FontChoice:
    name: str  # short name used in specs and truth.json
    path: str
    index: int  # face index inside the .ttc


FONTS: dict[str, FontChoice] = {
    f.name: f
    for f in [
        FontChoice("noto-serif", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
        FontChoice("noto-sans", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        FontChoice("uming", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
        FontChoice("ukai", "/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
        FontChoice("wqy-zenhei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
        FontChoice("wqy-microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ]
}
BOLD_FONTS: dict[str, FontChoice] = {
    "noto-serif": FontChoice("noto-serif-bold", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    "noto-sans": FontChoice("noto-sans-bold", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
}
# Fonts a printer would use for the body of the form (ukai is for handwriting).
BODY_FONTS = ["noto-serif", "noto-sans", "uming", "wqy-zenhei", "wqy-microhei"]
HAND_FONT = "ukai"


# Family names LibreOffice knows the same faces by (the Word path sets them on every run).
FAMILIES: dict[str, str] = {
    "noto-serif": "Noto Serif CJK SC",
    "noto-sans": "Noto Sans CJK SC",
    "uming": "AR PL UMing CN",
    "ukai": "AR PL UKai CN",
    "wqy-zenhei": "WenQuanYi Zen Hei",
    "wqy-microhei": "WenQuanYi Micro Hei",
}


def available_fonts(with_kai: bool = False) -> list[str]:
    """Body fonts whose file exists here (all of them on the project's images); ``with_kai`` adds
    AR PL UKai, which some units print whole forms in."""
    names = BODY_FONTS + ([HAND_FONT] if with_kai else [])
    return [n for n in names if Path(FONTS[n].path).exists()]


def font_by_name(name: str) -> FontChoice:
    if name not in FONTS:
        raise KeyError(f"unknown font {name!r}; known: {', '.join(FONTS)}")
    return FONTS[name]


@lru_cache(maxsize=256)
def load_font(name: str, size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A Pillow font of ``size_px`` pixels; ``bold`` falls back to the regular face."""
    choice = BOLD_FONTS.get(name) if bold else None
    choice = choice or font_by_name(name)
    return ImageFont.truetype(choice.path, max(4, size_px), index=choice.index)
