"""Stray marks read as glyphs in a short field: a TRL's digit read among stray glyphs (业7, 8电装), and a
speck or dust read as a small glyph beside a name (全 before 胡文)."""

from __future__ import annotations

import logging
import re

from extract.labels import squash
from extract.ocr_text import OcrText, boxes_to_text
from extract.syntax import decode, integer_as_read

log = logging.getLogger(__name__)

# Characters that are part of a written TRL answer (七级, 第7级), never noise.
INTEGER_WORDS = set("〇零一二三四五六七八九十级第")
# Marks a speck beside the digit is read as (augraphy-03 of rob seed 866851: 「7。」, a false TRL_INVALID); a
# mark between two digits (6.5) leaves two numbers, never one digit among noise.
STRAY_MARKS = set("。，、．.,·・'`\"：:；;")


def integer_among_noise(text: str) -> int | None:
    """The digit of a one-digit (1-9) answer read with stray glyphs or marks around it (``业7``, ``7。``), else None.

    Only CJK glyphs that are no part of a written answer count as noise: ``七级``,
    ``7级``, ``10`` or ``7 8`` are answers and are left to the checks as read.
    """
    s = squash(text)
    groups = re.findall(r"\d+", s)
    if len(groups) != 1 or not re.fullmatch(r"[1-9]", groups[0]):
        return None
    rest = s.replace(groups[0], "", 1)
    if not rest or not all((is_cjk_glyph(ch) and ch not in INTEGER_WORDS) or ch in STRAY_MARKS for ch in rest):
        return None
    return int(groups[0])


def in_numerals(text: str) -> bool:
    """A number written in Chinese numerals alone (``八``, ``七级``), no Arabic digit in it."""
    return integer_as_read(text) is not None and re.search(r"\d", text) is None


def is_cjk_glyph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def integer_answer(kind: str, text: str) -> str | None:
    """An integer field's written answer where extract reads it out of more than was read (the digit
    among stray glyphs, a digit's look-alike repaired), for the checks to judge in place of the raw text;
    None where the text as read is the answer (``七级``, ``10``: the checks judge them as written)."""
    if kind != "integer" or not text:
        return None
    if (digit := integer_among_noise(text)) is not None:
        return str(digit)
    d = decode(kind, [text])
    return d.text if d is not None and d.repaired else None


# A box of one CJK glyph less than this share of the tallest box's height in a short field's cell is no
# glyph of the value: a value is printed in one size, and a speck of toner or dust is read as a small glyph
# (augraphy-01 of rob seed 777738: a dirty drum's speck read 全, a 26 px box beside 胡文's 85 px: 「全胡文」);
# a glyph of the value's size has a box as tall as the line's (a glyph at half the em: 0.4-0.55 of it).
STRAY_GLYPH_MAX_HEIGHT = 0.6


def drop_stray_glyphs(t: OcrText) -> OcrText:
    """A short field's page-level reading without the one-glyph boxes too small to be the value's glyphs
    (their text and box dropped); ``t`` itself where there are none."""
    if len(t.boxes) < 2:
        return t
    tallest = max(b.bbox[3] - b.bbox[1] for b in t.boxes)
    # 一 and the numerals are flat glyphs whose box is short whatever their size.
    stray = [b for b in t.boxes if len(b.text.strip()) == 1 and is_cjk_glyph(b.text.strip())
             and b.text.strip() not in INTEGER_WORDS and b.bbox[3] - b.bbox[1] < STRAY_GLYPH_MAX_HEIGHT * tallest]
    if not stray or len(stray) == len(t.boxes):
        return t
    log.debug("stray glyphs dropped: %s", [(b.text, b.bbox) for b in stray])
    return boxes_to_text([b for b in t.boxes if b not in stray])
