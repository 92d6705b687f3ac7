"""A name's glyph the two engines read differently, decided by reading that glyph alone.

Each engine reads a line with its language model's pull: on 「…成形技木」 (a name typed with 木 for 术)
RapidOCR read the 木 that is printed and Tesseract the 术 the phrase wants, or the other way round, and
a look-alike the two engines disagree on is then no evidence of anything (``checks.compare``). Read
alone, a glyph has no neighbours to pull it: 木 and 术 differ by the dot at 术's upper right, and both
engines read the lone glyph as what its ink is. So where the two readings of a short text field differ
at one CJK glyph, that glyph's column is found on the line (the line's glyph columns grouped into
full-width glyphs and paired with the characters from both ends, at the line's pitch) and read alone,
larger, by both engines (only a known look-alike pair: ``forms.lookalikes``); when both read the same
one of the two characters, the ink has decided that position (``FieldReading.glyphs_decided``) and the checks hold a look-alike there against the paper.
Where the lone readings disagree, or read a third glyph, the position is left open.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from extract.glyphs import Column, glyph_columns
from extract.lines import line_crops
from extract.ocr import OcrEngine
from extract.reading import FieldReading
from forms.errors import OcrError
from forms.lookalikes import CJK_LOOKALIKES

log = logging.getLogger(__name__)

# Glyph columns are one full-width glyph while together they are at most this many ems wide: a CJK
# glyph's ink is 0.8-1.0 em (化's two parts, 的's 白 and 勺), two glyphs side by side 1.8 or more.
CJK_MAX_WIDTH_EM = 1.15
# A group narrower than this share of an em is no whole CJK glyph (a bracket, a Latin letter, a part
# whose other half was lost): pairing from an end stops there.
CJK_MIN_WIDTH_EM = 0.55
# The line's em is this percentile of its glyph columns' heights (一 and 二 are short, most are full).
EM_PERCENTILE = 75
# A paired glyph's centre is at most this share of the line's pitch from where the pitch puts it;
# a wrong grouping (a glyph's part joined to its neighbour) moves a centre by a third of an em or more.
PITCH_TOLERANCE = 0.25
# The lone glyph is read scaled to this height: Tesseract's chi_sim read a lone 木 or 术 right in 19 of
# the 20 cases drawn (5 Debian CJK faces, 29 and 50 px) at 36 px, 18 at 44 and 12 at 64 (术 as 林, 丰);
# PP-OCR scales its input to 48 px anyway. This margin of the line and this white pad go around it, in ems.
LONE_GLYPH_PX = 36
LONE_MARGIN_EM = 0.12
LONE_PAD_EM = 0.5
# A character the recogniser puts at a glyph's place, reading its line again, with at least this probability
# is a shape the ink leaves in doubt: a 臭 whose 自 a 1-bit 200 dpi scan filled in, read 奥, gives 臭 0.015
# (s8end bilevel-01) and 0.03-0.34 drawn so in 3 of the 5 Debian CJK faces; a printed 奥 on the same scans
# gives 臭 0.0005 at most (30 drawn), 10 times under this.
GLYPH_DOUBT_MIN = 0.005
# The recogniser's likeliest characters looked at for each glyph.
GLYPH_DOUBT_TOP = 4
# RapidOCR's lone reading must be at least this sure to decide (it read every drawn 木 and 术 at 0.95 or more).
LONE_MIN_CONFIDENCE = 0.8
# Tesseract's lone glyph is unsure even when right (术 at 0.27-0.5 in a third of the cases drawn): the two
# engines agreeing is what decides; this keeps out a reading Tesseract itself calls a guess.
LONE_MIN_CONFIDENCE_TESSERACT = 0.25


@dataclass
class LoneGlyph:
    """One position (in the field's value) the engines read differently, and what it read alone."""

    position: int
    lead: str  # the leading engine's character in the line
    other: str  # the second engine's
    rapid: str  # the lone glyph as RapidOCR reads it ("" when not read)
    tesseract: str  # ... as Tesseract reads it
    decided: str | None  # the character both read alone, when it is one of the two

    def describe(self) -> str:
        said = f"read alone {self.rapid!r} (rapidocr) and {self.tesseract!r} (tesseract)"
        verdict = f"the ink says {self.decided!r}" if self.decided else "the ink leaves it open"
        return f"{self.lead!r}/{self.other!r} at {self.position + 1} {said}: {verdict}"


def _cjk(ch: str) -> bool:
    return unicodedata.category(ch) == "Lo" and "CJK" in unicodedata.name(ch, "")


# CJK look-alike groups (forms.lookalikes): only a look-alike the engines read apart is read alone. The
# checks pass such a swap as the engines' doubt; any other glyph read otherwise is a change to them anyway,
# and a lone reading is never let turn a line's reading into another word (磊 read 舌 alone).
_CJK_GROUPS = [frozenset(g) for g in CJK_LOOKALIKES]


def _lookalikes(a: str, b: str) -> bool:
    """``a`` and ``b`` are a known look-alike pair (``forms.lookalikes``)."""
    return any(a in g and b in g for g in _CJK_GROUPS)


def disputed(lead: str, other: str) -> list[int]:
    """Positions of ``lead`` (no whitespace) where ``other`` has a CJK look-alike of its glyph in its
    place, one for one (木 for 术)."""
    out: list[int] = []
    for op in Levenshtein.opcodes(lead, other):
        if op.tag != "replace" or op.src_end - op.src_start != op.dest_end - op.dest_start:
            continue
        for k in range(op.src_end - op.src_start):
            a, b = lead[op.src_start + k], other[op.dest_start + k]
            if _cjk(a) and _cjk(b) and _lookalikes(a, b):
                out.append(op.src_start + k)
    return out


def _em(cols: list[Column]) -> float:
    """A line's em from its glyph columns' heights (``EM_PERCENTILE``)."""
    return float(np.percentile([c.height for c in cols] or [1], EM_PERCENTILE))


def cjk_glyph_boxes(text: str, line: np.ndarray, cols: list[Column] | None = None) -> dict[int, tuple[int, int, int, int]]:
    """Each CJK character of one line's ``text`` (no whitespace) with its glyph's box ``(x0, y0, x1, y1)``
    on the line crop, where it is sure: the line's glyph columns grouped into full-width glyphs, then
    paired with the characters from the left end and from the right, each run going on only over CJK
    characters on whole glyphs at the line's pitch. Characters the runs disagree on are left out."""
    cols = glyph_columns(line) if cols is None else cols
    if not cols or not text:
        return {}
    em = _em(cols)
    groups: list[list[int]] = []
    for c in cols:
        if groups and max(groups[-1][1], c.x1) - groups[-1][0] <= CJK_MAX_WIDTH_EM * em:
            g = groups[-1]
            groups[-1] = [g[0], max(g[1], c.x1), min(g[2], c.y0), max(g[3], c.y1)]
        else:
            groups.append([c.x0, c.x1, c.y0, c.y1])
    centres = [(g[0] + g[1]) / 2 for g in groups]
    if len(groups) < 2:
        return {}
    pitch = float(np.median(np.diff(centres)))

    def whole(k: int) -> bool:
        return CJK_MIN_WIDTH_EM * em <= groups[k][1] - groups[k][0] <= CJK_MAX_WIDTH_EM * em

    def run(pairs: list[tuple[int, int]]) -> dict[int, int]:
        out: dict[int, int] = {}
        for n, (i, k) in enumerate(pairs):
            if not _cjk(text[i]) or not whole(k):
                break
            if n and abs(abs(centres[k] - centres[pairs[n - 1][1]]) - pitch) > PITCH_TOLERANCE * pitch:
                break
            out[i] = k
        return out

    m = min(len(text), len(groups))
    left = run([(k, k) for k in range(m)])
    right = run([(len(text) - 1 - k, len(groups) - 1 - k) for k in range(m)])
    paired = {i: k for i, k in left.items() if right.get(i, k) == k}
    paired.update({i: k for i, k in right.items() if left.get(i, k) == k})
    return {i: (groups[k][0], groups[k][2], groups[k][1], groups[k][3]) for i, k in paired.items()}


def lone_crop(line: np.ndarray, box: tuple[int, int, int, int], em: float) -> np.ndarray:
    """The glyph at ``box`` cut from the line with a small margin, padded white and scaled to ``LONE_GLYPH_PX``."""
    x0, y0, x1, y1 = box
    m = int(round(LONE_MARGIN_EM * em))
    h, w = line.shape[:2]
    glyph = line[max(0, y0 - m):min(h, y1 + m), max(0, x0 - m):min(w, x1 + m)]
    pad = int(round(LONE_PAD_EM * em))
    glyph = cv2.copyMakeBorder(glyph, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    scale = LONE_GLYPH_PX / max(1, y1 - y0)
    return cv2.resize(glyph, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)


def read_alone(eng: OcrEngine, glyph: np.ndarray) -> tuple[str, str]:
    """What RapidOCR and Tesseract read in a lone glyph's crop: one character each, or "" (nothing, more
    than one glyph, or not sure)."""
    lead = eng.read_line(glyph)
    if not hasattr(eng, "second_opinion"):
        return "", ""
    other = eng.second_opinion([glyph], "chi_sim", True)[0]  # type: ignore[attr-defined]

    def one(text: str, confidence: float, least: float) -> str:
        s = "".join(text.split())
        return s if len(s) == 1 and confidence >= least else ""

    return (one(lead.text, lead.confidence, LONE_MIN_CONFIDENCE),
            one(other.text, other.confidence, LONE_MIN_CONFIDENCE_TESSERACT))


def settle_name_by_glyph(eng: OcrEngine, fr: FieldReading, cell_gray: np.ndarray) -> list[LoneGlyph]:
    """A short text field whose two readings differ at CJK glyphs (``fr.raw`` the leading engine's,
    ``fr.other_reading`` the second's): each such glyph read alone; a position both engines read alone
    as one of the two characters is decided (the value set to it, the position in ``glyphs_decided``),
    the others are left open. What the lone glyphs read goes in ``reason``."""
    value = fr.value if isinstance(fr.value, str) else None
    if not value or not fr.other_reading:
        return []
    where = [i for i, ch in enumerate(value) if not ch.isspace()]  # squashed index -> index in value
    lead = "".join(value[i] for i in where)
    spots = disputed(lead, "".join(fr.other_reading.split()))
    if not spots:
        return []
    lines = line_crops(cell_gray)
    texts = ["".join(t.split()) for t in value.split("\n") if t.strip()]
    if len(lines) != len(texts):
        log.debug("%s: %d text lines on %d ink lines, lone glyphs not read", fr.key, len(texts), len(lines))
        return []
    other = "".join(fr.other_reading.split())
    other_at = {op_i: other[op_j] for op_i, op_j in _aligned(lead, other)}
    found: list[LoneGlyph] = []
    start = 0
    out = list(value)
    decided = set(fr.glyphs_decided or [])
    for text, (_, line) in zip(texts, lines, strict=True):
        cols = glyph_columns(line)
        boxes, em = cjk_glyph_boxes(text, line, cols), _em(cols)
        for s in spots:
            if not start <= s < start + len(text) or (s - start) not in boxes:
                continue
            try:
                rapid, tess = read_alone(eng, lone_crop(line, boxes[s - start], em))
            except OcrError as exc:
                log.debug("%s: the lone glyph at %d was not read: %s", fr.key, s + 1, exc)
                continue
            a, b = lead[s], other_at.get(s, "")
            verdict = rapid if rapid and rapid == tess and rapid in (a, b) else None
            g = LoneGlyph(where[s], a, b, rapid, tess, verdict)
            found.append(g)
            if verdict is not None:
                out[where[s]] = verdict
                decided.add(where[s])
        start += len(text)
    if found:
        fr.value = "".join(out)
        fr.glyphs_decided = sorted(decided)
        fr.reason = "; ".join(x for x in (fr.reason, "lone glyphs: " + "; ".join(g.describe() for g in found)) if x)
    return found


def _aligned(a: str, b: str) -> list[tuple[int, int]]:
    """Index pairs of ``a`` and ``b`` that stand for one another (equal or replaced one for one)."""
    out: list[tuple[int, int]] = []
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal" or (op.tag == "replace" and op.src_end - op.src_start == op.dest_end - op.dest_start):
            out.extend(zip(range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=True))
    return out


def note_glyph_doubts(eng: OcrEngine, fr: FieldReading, cell_gray: np.ndarray) -> None:
    """A short text field's lines read again by the recogniser, each CJK glyph with its likeliest
    characters: another character at a glyph's place with at least ``GLYPH_DOUBT_MIN`` is a shape the ink
    leaves in doubt (``FieldReading.glyph_doubts``: the checks hold a difference from the online text
    there as the recogniser's doubt, not a change). Unless a lone reading decided the glyph
    (``glyphs_decided``), or the two are a pair of ``forms.lookalikes``: those are the pairs a line's
    context pulls one way (a printed 木 of 「技木」 gives 术 up to 0.009 in line, drawn in the 5 faces,
    clean and 1-bit), left to the engines' disagreement and the lone reading. Nothing is noted where the
    lines do not pair with the value's lines."""
    value = fr.value if isinstance(fr.value, str) else None
    if not value or not hasattr(eng, "read_alternatives"):
        return
    texts = ["".join(t.split()) for t in value.split("\n") if t.strip()]
    lines = line_crops(cell_gray)
    if len(lines) != len(texts):
        log.debug("%s: %d text lines on %d ink lines, glyph doubts not read", fr.key, len(texts), len(lines))
        return
    where = [i for i, ch in enumerate(value) if not ch.isspace()]
    decided = set(fr.glyphs_decided or [])
    doubts: list[list[int | str | float]] = []
    start = 0
    for text, (_, line) in zip(texts, lines, strict=True):
        try:
            steps = eng.read_alternatives(line, GLYPH_DOUBT_TOP)  # type: ignore[attr-defined]
        except OcrError as exc:
            log.debug("%s: a line was not read again: %s", fr.key, exc)
            steps = []
        again = "".join((step[0][0] if step else "")[:1] or "\0" for step in steps)  # one place per step
        for i, j in _aligned(text, again):
            at = where[start + i]
            if not _cjk(text[i]) or at in decided:
                continue
            doubts.extend([at, ch, round(p, 4)] for ch, p in steps[j]
                          if ch != text[i] and len(ch) == 1 and _cjk(ch) and p >= GLYPH_DOUBT_MIN
                          and not _lookalikes(ch, text[i]))
        start += len(text)
    fr.glyph_doubts = doubts
    if doubts:
        said = ", ".join(f"{value[int(a)]!r}/{c!r} {p} at {int(a) + 1}" for a, c, p in doubts)
        fr.reason = "; ".join(x for x in (fr.reason, f"glyphs in doubt: {said}") if x)
