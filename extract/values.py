"""A field's value from its text: typed (an integer, a phone number, an e-mail address), with
its status and reason. One path for a scanned cell, a text layer's words and a DOCX cell.

A scanned short field may be read twice (the hybrid engine's second opinion): where the two
engines disagree the field keeps the lower confidence, and for Latin text (phone, e-mail) the
reading that validates, or that fixes look-alike characters, wins.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import numpy as np

from extract.glyphs import glyph_columns, shape_reading
from extract.grid import Cell, Grid, crop
from extract.labels import squash, strip_hints, template_hints
from extract.line_ends import read_line_ends
from extract.lines import read_cell_lines
from extract.lone_glyphs import note_glyph_doubts, settle_name_by_glyph
from extract.ocr import OcrBox, OcrEngine, OcrText
from extract.ocr_text import lined_text
from extract.punct import settle_text_dots
from extract.reading import FieldReading, FieldStatus, PageReading
from extract.stray import drop_stray_glyphs, in_numerals, integer_among_noise, integer_answer, is_cjk_glyph
from extract.syntax import EMAIL_RE, PHONE_RE, decode
from forms.errors import OcrError
from forms.lookalikes import lookalike_sets
from forms.template import FieldSpec, FormTemplate

log = logging.getLogger(__name__)

# Integer field (TRL): one digit 1-9 among stray glyphs (neighbouring ink read as 业, 一…) is
# taken as that digit with its confidence scaled by this, the text kept as read.
INTEGER_NOISE_CONFIDENCE = 0.6
# Field kinds written in Latin letters and digits: Tesseract reads them with its eng model beside chi_sim.
LATIN_KINDS = ("phone", "email")
# Short fields the hybrid engine re-reads with Tesseract, by the languages they are read in.
# Short fields decoded by their syntax (extract.syntax): a reading repaired to fit keeps this share
# of its confidence, so a repaired value is never as sure as one read whole.
SYNTAX_KINDS = ("integer", "phone", "email")
SYNTAX_REPAIR_CONFIDENCE = 0.7
# Fields of digits whose page-level reading is read again from the cell alone where it fits no syntax.
DIGIT_KINDS = ("integer", "phone")
# Ink darker than this is what the line finder sees at its usual cut (extract.lines.ink_cut, 128).
FAINT_INK_DARKEST = 90
# A glyph's core is at least this much darker than the paper; a blank cell's texture and dust are
# not (dpi_low-01 of rob seed 544261: the TRL's 7 at 103 on paper at 248; texture within 10 levels).
FAINT_INK_MIN_CONTRAST = 80
# The stretch darkens the mid-tones more than the paper: a blurred thin stroke (70 % of the way to
# the paper) still reaches the ink level, texture (≥ 95 %) stays paper.
FAINT_INK_GAMMA = 2.0
SECOND_OPINION_LANGS = (("chi_sim", ("text", "integer", "industry")), ("chi_sim+eng", LATIN_KINDS))
# The shortest reading taken for an attempt at an address (a@b.cn is 6): shorter Latin is an answer
# like "n/a", compared as written.
ADDRESS_MIN_CHARS = 6


def typed_value(spec: FieldSpec, text: str) -> tuple[str | int | None, str]:
    """The typed value of a field's text, and why it has none ("" when it has)."""
    if not text:
        return None, "empty"
    if spec.kind == "integer":
        m = re.search(r"\d+", text)
        if m:
            return int(m.group()), ""
        cn = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
        for ch in text:
            if ch in cn:
                return cn[ch], ""
        return None, f"not an integer: {text!r}"
    if spec.kind == "phone":
        phone = re.sub(r"[—–－‐~〜_]", "-", text)
        phone = re.sub(r"\s+", "", phone)
        return phone, ""
    if spec.kind == "email":
        email = re.sub(r"\s+", "", text).replace("＠", "@").lower()
        return email, ""
    return text, ""


# Characters a Chinese-first recogniser swaps in Latin text (the one table, forms.lookalikes); a
# difference made only of these is settled by which reading fits its neighbours (digits among
# digits, letters among letters).
_LOOKALIKES = lookalike_sets()


def valid_typed(spec: FieldSpec, text: str) -> bool:
    """Does ``text`` make a valid e-mail address / phone number (after typing)?"""
    value, _ = typed_value(spec, text)
    if not isinstance(value, str):
        return False
    pattern = EMAIL_RE if spec.kind == "email" else PHONE_RE
    return pattern.fullmatch(value) is not None


def _fits(text: str, i: int, ch: str) -> int:
    """How many of position ``i``'s neighbours are of ``ch``'s class (digit or letter): in
    ``xielei`` an ``l`` fits, in ``1985`` a ``1`` does."""
    return sum(1 for j in (i - 1, i + 1) if 0 <= j < len(text) and text[j].isdigit() == ch.isdigit() and text[j].isalnum())


def _lookalike_fix(lead: str, second: str) -> bool:
    """``second`` differs from ``lead`` only in look-alike characters, and each of its
    characters there fits its neighbours (digits among digits, letters among letters) at
    least as well, one of them better."""
    if len(lead) != len(second) or lead == second:
        return False
    better = False
    for i, (x, y) in enumerate(zip(lead, second, strict=True)):
        if x == y:
            continue
        if not any(x in g and y in g for g in _LOOKALIKES):
            return False
        fx, fy = _fits(lead, i, x), _fits(second, i, y)
        if fy < fx:
            return False
        better = better or fy > fx
    return better


def prefer_second(spec: FieldSpec, lead: str, second: str) -> bool:
    """Take the second engine's e-mail/phone over the leading one's: it validates and the
    leading one does not, or both validate and it fixes look-alikes (``xie1ei`` → ``xielei``)."""
    if not valid_typed(spec, second):
        return False
    if not valid_typed(spec, lead):
        return True
    return _lookalike_fix(squash(lead).lower(), squash(second).lower())


def field_status(value: object, why: str) -> FieldStatus:
    if value is not None:
        return "read"
    return "empty" if why == "empty" else "unreadable"


def typed_reading(spec: FieldSpec, text: str, confidence: float, *, page: int | None = None,
                  bbox: list[int] | None = None, engine: str = "") -> FieldReading:
    """A text, integer, phone, e-mail or industry field from its text (hints stripped): typed,
    with its status and reason; a one-digit answer among stray glyphs is taken as that digit
    with its confidence lowered."""
    value, why = typed_value(spec, text)
    status = field_status(value, why)
    confidence = confidence if text else 0.0
    reason = "" if status == "read" else why
    if spec.kind == "integer" and (digit := integer_among_noise(text)) is not None:
        value, confidence = digit, confidence * INTEGER_NOISE_CONFIDENCE
        reason = f"stray marks read beside the digit: {text!r}"
    elif text and spec.kind in SYNTAX_KINDS and (d := decode(spec.kind, [text])) is not None and d.repaired:
        value, _ = typed_value(spec, d.text)
        status, confidence = "read", confidence * SYNTAX_REPAIR_CONFIDENCE
        reason = f"repaired to fit a {spec.kind}: {'; '.join(d.repairs)} (read {text!r})"
    return FieldReading(key=spec.key, value=value, raw=text, confidence=round(confidence, 4),
                        page=page, bbox=bbox, engine=engine, status=status, reason=reason,
                        answer=integer_answer(spec.kind, text))


def read_text_value(spec: FieldSpec, t: OcrText, eng: OcrEngine | None, gray: np.ndarray, grid: Grid, cell: Cell,
                    hints: list[str], reading: PageReading) -> FieldReading:
    """A scanned or text-layer value cell that is not a choice or an opinion box, read into its field."""
    lang = "chi_sim+eng" if spec.kind in LATIN_KINDS else "chi_sim"
    inner = cell.inner(grid.margin())
    cell_gray = crop(gray, inner)
    if eng is not None and not eng.page_level and spec.kind in LATIN_KINDS:
        # Latin and digits: Tesseract needs its eng model beside chi_sim.
        t = eng.read_line(cell_gray, lang)
    if eng is not None and eng.page_level and spec.kind in LATIN_KINDS:
        t = whole_line(eng, t, gray, inner, lang)
    if eng is not None and eng.page_level and not spec.long:
        t = drop_stray_glyphs(t)  # a speck read as a small glyph beside the value
    if eng is not None and spec.long:
        t = settle_text_dots(t, gray)  # a 。 read as · on a 1-bit scan, by where the dot sits
    if eng is not None and eng.page_level and spec.long:
        t = read_line_ends(eng, t, gray, inner)  # a 。 the line's box left out
    text = strip_hints(lined_text(t), hints)
    if eng is not None and spec.long:
        text = curl_quotes(text)
    if not text and eng is not None and not spec.long:
        # A lone short value (a TRL digit) is dropped by page detection and by a stacked
        # Tesseract run; read the cell's lines one by one, faint ink darkened to where the
        # line finder sees it.
        t = read_cell_lines(eng, stretch_faint_ink(cell_gray), lang)
        text = strip_hints(lined_text(t), hints)
        if not text and spec.kind in SYNTAX_KINDS:
            # Dark print beside it (a hint line) hid the faint value from the stretch: stretch from
            # the darkest ink anyway (gray-03 of rob seed 393756: a thin 7 under the hint, FIELD_EMPTY).
            t = read_cell_lines(eng, stretch_faint_ink(cell_gray, beside_dark_print=True), lang)
            text = strip_hints(lined_text(t), hints)
    elif text and eng is not None and eng.page_level and spec.kind in DIGIT_KINDS and (
            decode(spec.kind, [text]) is None or (spec.kind == "integer" and in_numerals(text))):
        # A lone glyph recognised from its tight page box can read as a mark (fonts-02 of rob seed 65050:
        # WenQuanYi Zen Hei's TRL 7 read '>', an UNREADABLE) or as a numeral (ticks-02 of rob seed 494152:
        # AR PL UMing's 7 read 八, a TRL_INVALID; 「7」 at 0.999 alone): the cell's lines read alone, taken
        # where they make a value of the field's syntax, and for a numeral only where they read a digit
        # (a 七 written stays 七: TRL_INVALID asks for the digit).
        numeral = spec.kind == "integer" and in_numerals(text)
        again = read_cell_lines(eng, stretch_faint_ink(cell_gray), lang)
        again_text = strip_hints(lined_text(again), hints)
        if again_text and decode(spec.kind, [again_text]) is not None and not (numeral and in_numerals(again_text)):
            log.debug("%s read %r on the page, %r read alone", spec.key, text, again_text)
            t, text = again, again_text
    fr = typed_reading(spec, text, t.confidence, page=reading.page, bbox=list(cell.bbox), engine=reading.engine)
    if eng is not None:
        settle_email_by_shape(spec, fr, cell_gray)
    return fr


def whole_line(eng: OcrEngine, t: OcrText, gray: np.ndarray, inner: tuple[int, int, int, int], lang: str) -> OcrText:
    """A one-line Latin value (phone, e-mail) read from a page's detected box, read again whole where
    the box left a glyph of the line out (a thin first or last glyph the detector's box began or ended
    inside): the line's band across the whole cell, recognised alone. ``t`` as it is otherwise."""
    if len(t.boxes) != 1:
        return t
    bx0, by0, bx1, by1 = t.boxes[0].bbox
    x0, y0, x1, y1 = max(inner[0], 0), max(inner[1], by0), inner[2], min(inner[3], by1)
    band = crop(gray, (x0, y0, x1, y1))
    if band.size == 0:
        return t
    # A glyph whose middle is outside the box was left out of what was read (word-01 of rob seed 464378:
    # RapidOCR's box of an e-mail began inside its first glyph, a thin serif l, 3 px right of its middle,
    # and the address was read without it: a false MISMATCH). A box is otherwise wider than its ink.
    outside = [c for c in glyph_columns(band) if not bx0 <= x0 + (c.x0 + c.x1) / 2 <= bx1]
    if not outside:
        return t
    again = eng.read_line(band, lang)
    if len(squash(again.text)) <= len(squash(t.text)):
        return t
    log.debug("a glyph outside the detected box at x=%s: %r read whole as %r",
              [x0 + c.x0 for c in outside], t.text, again.text)
    return OcrText(again.text, min(t.confidence, again.confidence), [OcrBox(again.text, (x0, y0, x1, y1), again.confidence)])


def curl_quotes(text: str) -> str:
    """A long section's straight ``"`` beside Chinese text as the full-width quote it stands for: the
    recogniser reads a CJK face's “ and ” as ``"`` (most often the closing one: rob seed 464378,
    「国家“973计划"重大专项」), and Chinese text is written with “ ”; each ``"`` opens a quote where none
    is open and closes the open one otherwise. A text with no Chinese in it is left as read."""
    if '"' not in text or not any(is_cjk_glyph(c) for c in text):
        return text
    out, open_quote = [], False
    for ch in text:
        if ch == '"':
            ch = "”" if open_quote else "“"
        if ch in "“”":
            open_quote = ch == "“"
        out.append(ch)
    return "".join(out)


def settle_email_by_shape(spec: FieldSpec, fr: FieldReading, line: np.ndarray) -> None:
    """An e-mail's ``o``/``0``, ``i``/``1``/``l`` and a lost ``@`` as the glyphs on its scanned line show
    them (``extract.glyphs``), where the result is an address; the change goes in ``reason``, and which
    look-alikes the glyphs told in ``glyphs_decided`` (the rest the checks hold as open). A scanned
    address still without its one ``@`` is unreadable, not a different address (an ``@`` read as ``o``
    made a false MISMATCH: bilevel-01 of rob seed 609848)."""
    if spec.kind != "email" or fr.status not in ("read", "unreadable"):
        return
    fr.glyphs_decided = None  # what an earlier reading's glyphs told says nothing of this one
    read = fr.value if isinstance(fr.value, str) else typed_value(spec, str(fr.raw or ""))[0]
    if not isinstance(read, str) or not read:
        return
    shape = shape_reading(read, line)
    if shape.changes and EMAIL_RE.fullmatch(shape.text):
        fr.reason = "; ".join(x for x in (fr.reason, "settled by the glyphs: " + ", ".join(shape.changes)) if x)
        fr.value, fr.status = shape.text, "read"
        fr.glyphs_decided = shape.decided
    elif fr.status == "read" and read.count("@") != 1 and _address_like(read):
        fr.reason = "; ".join(x for x in (fr.reason, f"an address has one '@', {read.count('@')} read in {read!r}") if x)
        fr.value, fr.status = None, "unreadable"
    elif fr.status == "read" and not shape.changes:
        fr.glyphs_decided = shape.decided


def _address_like(text: str) -> bool:
    """A reading written as an address would be (Latin, with a dot in it), not an answer in words (无)."""
    return "." in text and len(text) >= ADDRESS_MIN_CHARS and all(ch.isascii() and ch.isprintable() for ch in text)


def stretch_faint_ink(cell_gray: np.ndarray, beside_dark_print: bool = False) -> np.ndarray:
    """A cell whose darkest ink is lighter than the line finder's usual ink level (a thin digit of a
    150 dpi scan resampled to 300 dpi: its core gray ~100-140) with its contrast stretched from that
    ink to the paper, for the recogniser as well as the line finder; a cell with dark ink, or none, as it is. ``beside_dark_print``: stretched even
    when some ink is dark (a printed hint over a faint value), the paper's texture still kept out."""
    if cell_gray.size == 0:
        return cell_gray
    paper, ink = float(np.median(cell_gray)), float(cell_gray.min())
    if (ink < FAINT_INK_DARKEST and not beside_dark_print) or paper - ink < FAINT_INK_MIN_CONTRAST:
        return cell_gray
    share = np.clip((cell_gray.astype(np.float32) - ink) / (paper - ink), 0.0, 1.0)
    return (255.0 * share**FAINT_INK_GAMMA).astype(np.uint8)


def second_opinion(eng: OcrEngine, gray: np.ndarray, grid: Grid, value_cells: dict[str, int], template: FormTemplate, reading: PageReading) -> None:
    """Re-read short fields with Tesseract (one process per language); disagreeing fields keep the lower confidence."""
    second: Callable[..., list[OcrText]] = eng.second_opinion  # type: ignore[attr-defined]
    m = grid.margin()
    for lang, kinds in SECOND_OPINION_LANGS:
        keys = [k for k in value_cells if template.field(k).kind in kinds and not template.field(k).long and k in reading.fields]
        # A phone, e-mail or TRL the leading engine left unreadable may still be read by the other.
        keys = [k for k in keys if reading.fields[k].status == "read"
                or (reading.fields[k].status == "unreadable" and template.field(k).kind in SYNTAX_KINDS)]
        if not keys:
            continue
        cells = [crop(gray, grid.cells[value_cells[k]].inner(m)) for k in keys]
        try:
            others = second(cells, lang, False)
        except OcrError as exc:
            reading.problems.append(f"page {reading.page}: second reading failed: {exc}")
            return
        hints = template_hints(template)
        for k, o, line in zip(keys, others, cells, strict=True):
            fr = reading.fields[k]
            other = squash(strip_hints(lined_text(o), hints))
            if other == squash(str(fr.raw)):
                continue
            if not any(ch.isalnum() for ch in other) and fr.status == "read":
                # Tesseract drops a lone glyph (a TRL's 7) from a cell it reads as one block: reading
                # nothing, or only a mark (the hint's bracket: '）'), is no second opinion, not a
                # disagreement (the leading reading was typed; a disagreement took its confidence to 0).
                fr.reason = fr.reason or (f"tesseract read only {other!r} in the cell" if other
                                          else "tesseract read nothing in the cell")
                continue
            _settle_pair(template.field(k), fr, other, o.confidence, line)
            settle_email_by_shape(template.field(k), fr, line)
            if template.field(k).kind == "text":
                settle_name_by_glyph(eng, fr, line)  # a glyph the engines read apart, read alone
        for k, line in zip(keys, cells, strict=True):
            spec = template.field(k)
            if spec.kind == "text" and not spec.address and reading.fields[k].status == "read":
                note_glyph_doubts(eng, reading.fields[k], line)  # shapes the recogniser itself was torn between


def _settle_pair(spec: FieldSpec, fr: FieldReading, other: str, other_confidence: float, line: np.ndarray) -> None:
    """One field the two engines read differently (``line``: its value cell): by its syntax, by
    look-alikes, or kept with the lower confidence."""
    lead = str(fr.raw)
    fr.other_reading = other
    glyphs = len(glyph_columns(line)) if spec.kind == "email" else None
    if spec.kind in SYNTAX_KINDS and _by_syntax(spec, fr, other, other_confidence, glyphs):
        return
    if spec.kind in LATIN_KINDS and prefer_second(spec, lead, other):
        # Latin and digits: the reading that is a valid address/number, or the one from
        # the Latin-aware model where the two differ only in look-alikes (l/1, O/0).
        value, _ = typed_value(spec, other)
        fr.reason = f"engines disagree: kept tesseract {other!r} over rapidocr {lead!r}"
        fr.raw, fr.value, fr.other_reading, fr.status = other, value, lead, "read"
        fr.confidence = round(min(fr.confidence, other_confidence), 4)
        return
    fr.confidence = round(min(fr.confidence, other_confidence), 4)
    fr.reason = f"engines disagree: tesseract read {other!r}"


def _by_syntax(spec: FieldSpec, fr: FieldReading, other: str, other_confidence: float,
               glyphs: int | None = None) -> bool:
    """Settle a phone, e-mail or TRL the two engines read differently by its syntax: the second
    engine's reading where it fits as read and the leading one does not, or a repaired reading
    (confidence lowered, the repair in ``reason``). False when the leading reading fits as read
    and nothing was repaired (the caller then weighs the two as for any field)."""
    lead = str(fr.raw)
    d = decode(spec.kind, [lead, other], glyphs)
    if d is None or (d.source == 0 and not d.repaired):
        return False
    value, _ = typed_value(spec, d.text)
    if value is None:
        return False
    # The leading reading's own confidence, before a repair of it alone lowered it.
    lead_confidence = fr.confidence / SYNTAX_REPAIR_CONFIDENCE if fr.reason.startswith("repaired") else fr.confidence
    confidence = min(lead_confidence, other_confidence)
    if d.repaired:
        confidence *= SYNTAX_REPAIR_CONFIDENCE
    if d.repaired:
        fr.reason = (f"repaired to fit a {spec.kind}: {'; '.join(d.repairs)} "
                     f"(rapidocr read {lead!r}, tesseract {other!r})")
    else:
        fr.reason = f"engines disagree: kept tesseract {other!r} over rapidocr {lead!r}"
    fr.raw = other if d.source == 1 else lead
    fr.other_reading = lead if d.source == 1 else other
    fr.answer = integer_answer(spec.kind, fr.raw)
    fr.value, fr.status, fr.confidence = value, "read", round(confidence, 4)
    return True
