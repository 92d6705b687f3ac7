"""paperdesk's own reading of a page as an hOCR text layer (what OCRmyPDF lays under the image).

A stored page reading knows, in pixels of the page at its read dpi (deskewed): each labelled
cell (label and value boxes), the text read in each value box, the text continued from the page
before, the seals' ring text and boxes, and the page's running text (the title band above the
table, or the whole text of an attachment page, without boxes). ``page_lines`` turns that into
lines of text with boxes; ``hocr`` writes them as an hOCR page for the archive image's pixels.

The text is placed per cell, not per glyph: a value is spread over its cell in as many lines as
make its characters about square. Invisible text only has to be found and copied, and a search
hit lands on the right cell.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from forms.template import FormTemplate

BBox = tuple[int, int, int, int]

# A cell's text is kept this share of the cell's smaller side inside its rules (the rules are ink).
CELL_INSET_SHARE = 0.08
# Lines placed in a cell are never lower than this share of the page height (≈ 2.5 mm on A4):
# smaller than body text would make a long section unselectable line by line.
MIN_LINE_HEIGHT_SHARE = 0.008
# Where the title band lies when the page says only its text: this band of the page above the table.
TITLE_BAND_SHARE = 0.06
# Running text without boxes (an attachment page) is spread over the page inside these margins.
BODY_MARGIN_SHARE = 0.08
# An attachment page's text is split into lines of about this many characters (a printed A4 line
# of 12 pt Chinese holds 35-40).
BODY_LINE_CHARS = 38


@dataclass(frozen=True)
class TextLine:
    """One line of the text layer: its text and its box in the reading's page pixels."""

    text: str
    bbox: BBox


def _inset(bbox: list[int] | tuple[int, ...]) -> BBox:
    x0, y0, x1, y1 = (int(v) for v in bbox[:4])
    pad = int(min(x1 - x0, y1 - y0) * CELL_INSET_SHARE)
    if x1 - x0 > 2 * pad and y1 - y0 > 2 * pad:
        return x0 + pad, y0 + pad, x1 - pad, y1 - pad
    return x0, y0, x1, y1


def spread(text: str, bbox: BBox, page_height: int) -> list[TextLine]:
    """``text`` laid over ``bbox`` in lines: its own line breaks kept, long lines cut so that
    the characters come out about square (and lines no lower than MIN_LINE_HEIGHT_SHARE)."""
    pieces = [p.strip() for p in text.splitlines() if p.strip()]
    if not pieces:
        return []
    x0, y0, x1, y1 = bbox
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    chars = sum(len(p) for p in pieces)
    max_lines = max(1, int(h / max(1.0, page_height * MIN_LINE_HEIGHT_SHARE)))
    # n characters in L lines of height h/L are square when n/L * h/L = w, so L = sqrt(n h / w).
    wanted = min(max_lines, max(len(pieces), round(math.sqrt(chars * h / w))))
    per_line = max(1, math.ceil(chars / wanted))
    lines = [p[i : i + per_line] for p in pieces for i in range(0, len(p), per_line)]
    if len(lines) > max_lines:  # the cell cannot hold them one under the other: join the tail
        lines = [*lines[: max_lines - 1], "".join(lines[max_lines - 1 :])]
    step = h / len(lines)
    return [
        TextLine(line, (x0, y0 + int(i * step), x1, y0 + int((i + 1) * step)))
        for i, line in enumerate(lines)
    ]


def _label(template: FormTemplate, key: str) -> str:
    try:
        return template.field(key).label
    except KeyError:
        return ""


def _field_text(field: dict[str, Any]) -> str:
    raw = field.get("raw")
    if isinstance(raw, str) and raw.strip():
        return raw
    value = field.get("value")
    return "" if value is None else str(value)


def page_lines(reading: dict[str, Any], template: FormTemplate) -> list[TextLine]:
    """The text layer of one stored page reading, top to bottom, in the reading's pixels."""
    height = int(reading.get("height") or 0) or 1
    width = int(reading.get("width") or 0) or 1
    fields: dict[str, Any] = reading.get("fields") or {}
    lines: list[TextLine] = []
    placed: set[str] = set()
    for cell in reading.get("cells") or []:
        key, role, bbox = str(cell.get("key", "")), cell.get("role"), cell.get("bbox")
        if not bbox:
            continue
        if role == "label":
            lines += spread(_label(template, key), _inset(bbox), height)
        elif role == "value" and key in fields:
            lines += spread(_field_text(fields[key]), _inset(bbox), height)
            placed.add(key)
        elif role == "continued" and reading.get("continued"):
            lines += spread(_field_text(reading["continued"]), _inset(bbox), height)
    for key, field in fields.items():  # a value whose cell was not listed: its own box
        if key not in placed and field.get("bbox"):
            lines += spread(_field_text(field), _inset(field["bbox"]), height)
    for seal in (reading.get("seals") or {}).values():
        if seal.get("text") and seal.get("bbox"):
            lines += spread(str(seal["text"]), tuple(int(v) for v in seal["bbox"][:4]), height)  # type: ignore[arg-type]
    text = str(reading.get("text") or "")
    boxes = [c["bbox"] for c in reading.get("cells") or [] if c.get("bbox")]
    if text.strip() and boxes:
        # The title band: the text read above the table, just above its first rule.
        top = min(int(b[1]) for b in boxes)
        band = max(1, int(height * TITLE_BAND_SHARE))
        y0 = max(0, top - band)
        lines = spread(text, (int(width * BODY_MARGIN_SHARE), y0, int(width * (1 - BODY_MARGIN_SHARE)), max(y0 + 1, top - 1)), height) + lines
    elif text.strip():
        lines += body_lines(text, width, height)
    return lines


def body_lines(text: str, width: int, height: int) -> list[TextLine]:
    """Running text with no boxes (an attachment page), in lines down the page's text area."""
    pieces: list[str] = []
    for paragraph in (p.strip() for p in text.splitlines()):
        pieces += [paragraph[i : i + BODY_LINE_CHARS] for i in range(0, len(paragraph), BODY_LINE_CHARS)]
    if not pieces:
        return []
    x0, x1 = int(width * BODY_MARGIN_SHARE), int(width * (1 - BODY_MARGIN_SHARE))
    y0, y1 = int(height * BODY_MARGIN_SHARE), int(height * (1 - BODY_MARGIN_SHARE))
    step = min((y1 - y0) / len(pieces), height * TITLE_BAND_SHARE / 2)
    return [TextLine(p, (x0, y0 + int(i * step), x1, y0 + int((i + 1) * step))) for i, p in enumerate(pieces)]


def scaled(lines: list[TextLine], factor: float) -> list[TextLine]:
    """The lines in pixels of the same page at another resolution (``factor`` = new dpi / read dpi)."""
    if factor == 1.0:
        return lines
    return [TextLine(ln.text, (round(ln.bbox[0] * factor), round(ln.bbox[1] * factor), round(ln.bbox[2] * factor),
                               round(ln.bbox[3] * factor))) for ln in lines]


def hocr(lines: list[TextLine], width: int, height: int, dpi: int, page_number: int = 0) -> str:
    """An hOCR page (one line = one word, Chinese) that OCRmyPDF's parser reads."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="zh" lang="zh">',
        "<head><title>paperdesk</title>",
        '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
        "<meta name=\"ocr-system\" content=\"paperdesk\"/>",
        '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word"/>',
        "</head><body>",
        f'<div class="ocr_page" id="page_{page_number + 1}" '
        f'title="bbox 0 0 {width} {height}; ppageno {page_number}; scan_res {dpi} {dpi}">',
    ]
    for i, line in enumerate(lines, start=1):
        x0, y0, x1, y1 = (max(0, v) for v in line.bbox)
        x1, y1 = min(width, max(x1, x0 + 1)), min(height, max(y1, y0 + 1))
        box = f"bbox {x0} {y0} {x1} {y1}"
        out.append(
            f'<div class="ocr_carea" id="block_{i}" title="{box}">'
            f'<p class="ocr_par" id="par_{i}" lang="chi_sim" title="{box}">'
            f'<span class="ocr_line" id="line_{i}" title="{box}; baseline 0 0">'
            f'<span class="ocrx_word" id="word_{i}" title="{box}; x_wconf 90">{html.escape(line.text)}</span>'
            "</span></p></div>"
        )
    out += ["</div>", "</body></html>", ""]
    return "\n".join(out)
