"""What every OCR engine hands back: text normalised one way, boxes, confidences (STYLE.md §5).

:func:`normalize_text` is the one place OCR text is cleaned; :class:`OcrBox` and
:class:`OcrText` are what :mod:`extract.ocr`'s engines return, and
:func:`boxes_to_text` joins a cell's line boxes in reading order. The small image
helpers here (gray, padded, blank) are shared by the engines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np

# White margin around a crop: Tesseract drops glyphs that touch the image edge.
PAD_PX = 12

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
    (0x3040, 0x30FF),
    (0x2E80, 0x2FDF),
)
# Kept full-width: NFKC would turn them into ASCII, and the form prints them full-width.
_KEEP_FULLWIDTH = set("，。：；！？（）【】《》“”‘’、…—·～")
# Half-width punctuation next to a CJK character is a misread of its full-width form.
_TO_FULLWIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_ALWAYS_FULLWIDTH = {"(": "（", ")": "）"}
# Shapes OCR engines give for characters the form prints otherwise.
_MISREADS = {"丶": "、", "﹑": "、", "〈": "（", "〉": "）"}


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def normalize_text(text: str) -> str:
    """Normalise OCR output: NFKC where safe, full-width brackets, 丶→、, no space between CJK.

    Full-width letters and digits become ASCII; the form's full-width
    punctuation stays full-width; a half-width comma/colon… next to a CJK
    character becomes full-width; runs of whitespace between CJK characters
    vanish and elsewhere become one space.
    """
    chars = [ch if ch in _KEEP_FULLWIDTH else unicodedata.normalize("NFKC", ch) for ch in text]
    s = "".join(_MISREADS.get(c, c) for c in "".join(chars))
    s = "".join(_ALWAYS_FULLWIDTH.get(c, c) for c in s)
    # Whitespace: drop where a CJK character is on either side, else one space.
    parts = re.split(r"(\s+)", s)
    res: list[str] = []
    for i, p in enumerate(parts):
        if p and p.isspace():
            before = parts[i - 1][-1:] if i > 0 else ""
            after = parts[i + 1][:1] if i + 1 < len(parts) else ""
            if not before or not after or _is_cjk(before) or _is_cjk(after):
                continue
            res.append(" ")
        else:
            res.append(p)
    s = "".join(res).strip()
    out: list[str] = []
    for i, c in enumerate(s):
        if c in _TO_FULLWIDTH:
            prev = s[i - 1] if i > 0 else ""
            nxt = s[i + 1] if i + 1 < len(s) else ""
            if (prev and _is_cjk(prev)) or (nxt and _is_cjk(nxt)):
                c = _TO_FULLWIDTH[c]
        out.append(c)
    return "".join(out)


@dataclass
class OcrBox:
    """One text box: a word (Tesseract) or a line (RapidOCR), in pixels of the image read."""

    text: str
    bbox: tuple[int, int, int, int]
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "bbox": list(self.bbox), "confidence": self.confidence}


@dataclass
class OcrText:
    """Text read from one crop, its confidence (0-1) and the boxes it came from."""

    text: str
    confidence: float
    boxes: list[OcrBox] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def gray_of(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img


def pad_white(img: np.ndarray, px: int = PAD_PX) -> np.ndarray:
    return cv2.copyMakeBorder(gray_of(img), px, px, px, px, cv2.BORDER_CONSTANT, value=255)


def blank_crop(img: np.ndarray) -> bool:
    """No ink at all (an empty crop is read as empty text, not sent to an engine)."""
    if img.size == 0 or min(img.shape[:2]) < 4:
        return True
    g = gray_of(img)
    return bool(int(g.min()) > 200 or (g < 128).sum() < 3)


def join_lines(lines: Sequence[str]) -> str:
    """Lines of one cell joined: a CJK form wraps mid-word, so no space unless two latin words meet."""
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and ln[0].isascii() and ln[0].isalpha():
            out += " "
        out += ln
    return out


def join_confidence(parts: Sequence[tuple[str, float]]) -> float:
    """Character-weighted mean confidence of pieces of text."""
    total = sum(len(t) for t, _ in parts)
    if total == 0:
        return 0.0
    return float(sum(len(t) * c for t, c in parts) / total)


def boxes_to_text(boxes: Sequence[OcrBox]) -> OcrText:
    """Line boxes in reading order (top to bottom, then left to right) joined into one text."""
    if not boxes:
        return OcrText("", 0.0)
    ordered = sorted(boxes, key=lambda b: (b.bbox[1] + b.bbox[3]) / 2)
    lines: list[list[OcrBox]] = []
    for b in ordered:
        cy = (b.bbox[1] + b.bbox[3]) / 2
        if lines:
            last = lines[-1]
            ly0 = min(x.bbox[1] for x in last)
            ly1 = max(x.bbox[3] for x in last)
            if ly0 <= cy <= ly1:
                last.append(b)
                continue
        lines.append([b])
    raw = join_lines([normalize_text(" ".join(x.text for x in sorted(line, key=lambda b: b.bbox[0]))) for line in lines])
    return OcrText(normalize_text(raw), join_confidence([(b.text, b.confidence) for b in boxes]), list(boxes))
