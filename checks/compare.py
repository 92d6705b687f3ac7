"""Paper against online, field by field, with the tolerance OCR noise needs and no more.

Every comparison normalises width, punctuation and whitespace first
(``checks.text.normalize``). Then, by what the field is:

- choice, integer (TRL), phone, e-mail: equal after normalisation, or not;
- industry: the same GB/T 4754 class, or the same text;
- names (技术名称, 联系人): strict, any edit left is a change, but for the OCR's own doubt: a
  look-alike the two engines read apart that the lone glyph left open, a glyph the leading engine
  lost where the second read one; a glyph the recogniser itself gave the online glyph's shape is
  still a change, named as such (``glyphs_in_doubt``: the rule makes it a warning);
- addresses: similarity at least ``address_min_similarity`` and no changed digit;
- long texts: sentence by sentence (spaCy), each sentence may carry
  ``sentence_max_cost`` + ``sentence_cost_per_char`` x its length of OCR edits
  but no changed digit; the differing
  sentences are the evidence.

The cut-offs and their calibration are in ``checks.options``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import Levenshtein

from checks.industry import resolve_industry
from checks.options import CheckOptions
from checks.text import (
    EditCost,
    confusable,
    edit_cost,
    normalize,
    normalize_email,
    normalize_phone,
    sentences,
    strip_punct,
)
from forms import FieldSpec, IndustryTable

_INT = re.compile(r"^\s*(\d+)\s*级?\s*$")
_MAX_SENTENCE_DIFFS = 20  # evidence keeps this many differing sentences; the count says how many there were


@dataclass
class SentenceDiff:
    """One online sentence and what the paper has in its place."""

    online: str
    paper: str
    cost: float
    digits_changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"online": self.online, "paper": self.paper, "cost": self.cost, "digits_changed": self.digits_changed}


@dataclass
class Comparison:
    """The verdict on one field, with what a clerk needs to check it."""

    key: str
    method: str  # exact | name | address | sentences | industry
    equal: bool
    paper: str
    online: str
    score: float  # similarity 0-1 (1 = identical after normalisation)
    cutoff: float | None = None  # the cost or similarity the verdict was taken against
    cost: EditCost | None = None
    sentences: list[SentenceDiff] = field(default_factory=list)
    sentence_count: int = 0
    lookalike_only: bool = False  # every difference is a known OCR glyph confusion
    engines_disagree: bool = False  # ... each at a glyph the two engines read differently (not a change)
    # e-mail, name: look-alike differences (1-based) at glyphs the scan told apart (a change) and at glyphs
    # it did not (o/0, i/1/l, or a CJK glyph the engines read apart, the ink leaves open: held equal)
    glyphs_told: list[int] = field(default_factory=list)
    glyphs_open: list[int] = field(default_factory=list)
    # name: differences (1-based) where the online glyph is one the recogniser itself put at that place when it
    # read the line again (``FieldReading.glyph_doubts``): the ink leaves the shape in doubt. Still a change:
    # a printed 赃 for 脏 gives 脏 0.007-0.36 and 谐 for 谱 gives 谱 0.009-0.011 (3 of 5 Debian faces, clean
    # and 1-bit), as much as the filled-in 臭 read 奥 gives 臭 (0.015), so the doubt cannot tell them apart
    glyphs_in_doubt: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "method": self.method,
            "equal": self.equal,
            "similarity": round(self.score, 4),
            "cutoff": self.cutoff,
            "paper_normalized": self.paper,
            "online_normalized": self.online,
        }
        if self.cost is not None:
            d["edit"] = self.cost.to_dict()
        if self.method == "sentences":
            d["sentences_compared"] = self.sentence_count
            d["differing_sentences"] = [s.to_dict() for s in self.sentences[:_MAX_SENTENCE_DIFFS]]
            d["differing_count"] = len(self.sentences)
        if self.lookalike_only:
            d["lookalike_only"] = True
        if self.engines_disagree:
            d["engines_disagree"] = True
        if self.glyphs_told:
            d["lookalikes_the_glyph_told"] = self.glyphs_told
        if self.glyphs_open:
            d["lookalikes_the_glyph_left_open"] = self.glyphs_open
        if self.glyphs_in_doubt:
            d["glyphs_the_recogniser_doubted"] = self.glyphs_in_doubt
        return d


def parse_int(value: str | int | None) -> int | None:
    """An integer written with Arabic digits (optionally followed by 级), else None."""
    if isinstance(value, int):
        return value
    m = _INT.match(normalize(value or "")) if value else None
    return int(m.group(1)) if m else None


def _exact(key: str, paper: str, online: str) -> Comparison:
    equal = paper == online
    return Comparison(key, "exact", equal, paper, online, 1.0 if equal else 0.0)


# Latin look-alikes OCR swaps inside names (5G read as SG, I0T as IOT): folded before a strict comparison.
_NAME_LATIN_FOLD = str.maketrans({"O": "0", "o": "0", "D": "0", "〇": "0", "I": "1", "l": "1", "|": "1",
                                  "S": "5", "B": "8", "Z": "2"})


def _name_key(text: str) -> str:
    return strip_punct(normalize(text)).translate(_NAME_LATIN_FOLD)


def _unsure(paper: str, other: str) -> set[int]:
    """Positions of ``paper`` the second engine read otherwise (substituted or dropped there)."""
    out: set[int] = set()
    for op in Levenshtein.opcodes(paper, other):
        if op.tag in ("replace", "delete"):
            out.update(range(op.src_start, op.src_end))
    return out


def _lost(paper: str, other: str) -> set[int]:
    """Places of ``paper`` (the index of the glyph after) where the second engine read one glyph more."""
    return {op.src_start for op in Levenshtein.opcodes(paper, other) if op.tag == "insert" and op.dest_end - op.dest_start == 1}


def _engines_explain(paper: str, online: str, other_reading: str | None, decided: set[int] | None = None) -> bool:
    """Every difference of ``paper`` from ``online`` is a look-alike substitution at a glyph the two
    engines read differently: the paper's glyph is in doubt there, so the swap is no evidence the
    paper says otherwise. Where both engines read the same look-alike, it is; and so it is where the
    glyph read alone told it (``decided``: positions in ``paper``). A glyph the online text has where
    the leading engine read none and the second engine read one (瓣 of 「心脏瓣膜」, a blot at 150 dpi:
    RapidOCR dropped it, Tesseract read 凌) is the leading engine's loss, not the paper's."""
    if not other_reading:
        return False
    other = _name_key(other_reading)
    unsure = _unsure(paper, other) - (decided or set())
    lost = _lost(paper, other)
    for op in Levenshtein.opcodes(paper, online):
        if op.tag == "equal":
            continue
        if op.tag == "insert" and op.dest_end - op.dest_start == 1 and op.src_start in lost:
            continue
        if op.tag != "replace":
            return False
        for i, (a, b) in enumerate(zip(paper[op.src_start:op.src_end], online[op.dest_start:op.dest_end], strict=True)):
            if not confusable(a, b) or op.src_start + i not in unsure:
                return False
    return True


def _mapped(text: str, key: str, positions: list[int]) -> set[int]:
    """``positions`` in ``text`` as positions in ``key`` (``text`` normalised: a glyph the ink decided is
    a CJK glyph, which normalising keeps as it is)."""
    out: set[int] = set()
    for op in Levenshtein.opcodes(text, key):
        if op.tag == "equal":
            out.update(op.dest_start + i - op.src_start for i in positions if op.src_start <= i < op.src_end)
    return out


def _doubted(paper: str, online: str, doubts: dict[int, set[str]]) -> list[int]:
    """Positions of ``paper`` (0-based) where it differs from ``online``, when every difference is one glyph
    for one and ``online``'s glyph is among those the recogniser put there (``doubts``); else []."""
    out: list[int] = []
    for op in Levenshtein.opcodes(paper, online):
        if op.tag == "equal":
            continue
        if op.tag != "replace" or op.src_end - op.src_start != op.dest_end - op.dest_start:
            return []
        for k in range(op.src_end - op.src_start):
            if online[op.dest_start + k] not in doubts.get(op.src_start + k, set()):
                return []
            out.append(op.src_start + k)
    return out


def compare_name(key: str, paper: str, online: str, max_cost: float, other_reading: str | None = None,
                 decided: list[int] | None = None, doubts: list[list[int | str | float]] | None = None) -> Comparison:
    """Strict: any edit left after normalisation and folding Latin look-alikes is a change, unless
    it is a look-alike the two engines disagreed on (``other_reading``: the second engine's text) at a
    glyph that, read alone, did not tell which it is (``decided``: positions in ``paper`` it told,
    ``FieldReading.glyphs_decided``; the look-alike differences there and elsewhere are named in the
    evidence). Where every glyph that differs is one where the recogniser itself put the online glyph
    (``doubts``: ``FieldReading.glyph_doubts``, positions in ``paper``), those places are named
    (``glyphs_in_doubt``); it stays a change."""
    p, o = _name_key(paper), _name_key(online)
    cost = edit_cost(p, o)
    longest = max(len(p), len(o), 1)
    lookalike = cost.hard == 0 and cost.soft > 0
    told = _mapped(paper, p, decided) if decided else set()
    explained = cost.cost > 0 and _engines_explain(p, o, other_reading, told)
    in_doubt: list[int] = []
    if doubts and cost.cost > max_cost and not explained:
        at: dict[int, set[str]] = {}
        for pos, ch, _ in doubts:
            for q in _mapped(paper, p, [int(pos)]) - told:
                at.setdefault(q, set()).add(str(ch))
        in_doubt = _doubted(p, o, at)
    c = Comparison(key, "name", cost.cost <= max_cost or explained, p, o,
                   max(0.0, 1 - cost.cost / longest), max_cost, cost, lookalike_only=lookalike,
                   engines_disagree=explained, glyphs_in_doubt=[i + 1 for i in in_doubt])
    if decided is not None and lookalike:
        differ = [i for op in Levenshtein.opcodes(p, o) if op.tag == "replace" for i in range(op.src_start, op.src_end)]
        c.glyphs_told = [i + 1 for i in differ if i in told]
        c.glyphs_open = [i + 1 for i in differ if i not in told]
    return c


def _email_text(text: str) -> str:
    """An e-mail as typed (``extract.values.typed_value``): NFKC, lower case, no spaces; no look-alike folded."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split()).replace("＠", "@")


def compare_email(key: str, paper: str, online: str, decided: list[int] | None = None) -> Comparison:
    """Equal when only OCR's Latin look-alikes differ (``normalize_email``), except where the scan's
    glyph told the paper's character (``decided``: positions in ``paper`` whose o/0, i/1/l the glyph's
    height, dot or flag settled, ``FieldReading.glyphs_decided``): a look-alike changed there is a real
    change. The positions the ink left open are named in the evidence."""
    c = _exact(key, normalize_email(paper), normalize_email(online))
    p, o = _email_text(paper), _email_text(online)
    if not c.equal or decided is None or p == o or len(p) != len(o):
        return c
    differ = [i for i, (a, b) in enumerate(zip(p, o, strict=True)) if a != b]
    c.glyphs_told = [i + 1 for i in differ if i in decided]
    c.glyphs_open = [i + 1 for i in differ if i not in decided]
    if c.glyphs_told:
        c.equal, c.score = False, 0.0
    return c


def compare_address(key: str, paper: str, online: str, min_similarity: float) -> Comparison:
    """Similar enough for OCR noise, and no digit changed (house numbers and postcodes are exact)."""
    c = compare_name(key, paper, online, 0.0)
    c.method, c.cutoff = "address", min_similarity
    c.equal = c.score >= min_similarity and not (c.cost is not None and c.cost.digits_changed)
    return c


def compare_long(key: str, paper: str, online: str, max_cost: float, per_char: float = 0.0) -> Comparison:
    """Sentence-level comparison: each online sentence against the paper text aligned to it.

    A sentence differs when its edit cost passes ``max_cost + per_char * len(sentence)``
    or a digit changed.
    """
    p, o = normalize(paper), normalize(online)
    spans = sentences(o)
    if not spans:
        equal = not strip_punct(p)
        return Comparison(key, "sentences", equal, p, o, 1.0 if equal else 0.0, max_cost)
    ops = Levenshtein.opcodes(p, o)

    def to_paper(d: int) -> int:
        for op in ops:
            if op.dest_start <= d < op.dest_end:
                return op.src_start + (d - op.dest_start if op.tag in ("equal", "replace") else 0)
        return len(p)

    diffs: list[SentenceDiff] = []
    total = 0.0
    for i, span in enumerate(spans):
        start = 0 if i == 0 else to_paper(span.start)
        end = len(p) if i == len(spans) - 1 else to_paper(span.end)
        piece = p[start:end]
        cost = edit_cost(piece, span.text)
        total += cost.cost
        if cost.cost > max_cost + per_char * len(span.text) or cost.digits_changed:
            diffs.append(SentenceDiff(span.text, piece, cost.cost, cost.digits_changed))
    score = max(0.0, 1 - total / max(len(p), len(o), 1))
    return Comparison(key, "sentences", not diffs, p, o, score, max_cost, sentences=diffs, sentence_count=len(spans))


def compare_industry(key: str, paper: str, online: str, options: CheckOptions, table: IndustryTable) -> Comparison:
    a = resolve_industry(paper, options.industry_name_min_similarity, table)
    b = resolve_industry(online, options.industry_name_min_similarity, table)
    if a.cls is not None and b.cls is not None and a.cls.code == b.cls.code:
        return Comparison(key, "industry", True, a.cls.full_code, b.cls.full_code, 1.0)
    c = compare_address(key, paper, online, options.industry_name_min_similarity)  # a misread name, same code
    c.method = "industry"
    return c


def compare_field(spec: FieldSpec, paper: str | int | None, online: str, options: CheckOptions,
                  table: IndustryTable, other_reading: str | None = None,
                  glyphs_decided: list[int] | None = None,
                  glyph_doubts: list[list[int | str | float]] | None = None) -> Comparison:
    """Compare one field's paper value (as read) with its online value; ``other_reading`` is the
    second engine's text of the paper where it differed (a name's look-alike it explains);
    ``glyphs_decided``: an e-mail's look-alikes its glyphs told (``compare_email``), a name's glyphs its
    lone glyph told (``compare_name``); ``glyph_doubts``: a name's glyphs the recogniser was torn on."""
    key = spec.key
    text = "" if paper is None else str(paper)
    if spec.kind == "choice":
        return _exact(key, strip_punct(normalize(text)), strip_punct(normalize(online)))
    if spec.kind == "integer":
        pi, oi = parse_int(paper), parse_int(online)
        return _exact(key, str(pi) if pi is not None else normalize(text), str(oi) if oi is not None else normalize(online))
    if spec.kind == "phone":
        return _exact(key, normalize_phone(text), normalize_phone(online))
    if spec.kind == "email":
        return compare_email(key, text, online, glyphs_decided)
    if spec.kind == "industry":
        return compare_industry(key, text, online, options, table)
    if spec.long:
        return compare_long(key, text, online, options.sentence_max_cost, options.sentence_cost_per_char)
    if options.lenient(spec):
        return compare_address(key, text, online, options.address_min_similarity)
    return compare_name(key, text, online, options.name_max_cost, other_reading, glyphs_decided, glyph_doubts)


# A partial ring read is compared with the unit's stretches this many characters shorter or longer
# (a glyph dropped or one extra read from the ring's ornament).
UNIT_STRETCH_SLACK = 2


def compare_unit(seal_text: str, unit: str, min_similarity: float) -> Comparison:
    """The unit on a seal's ring against the online 申报单位/推荐单位.

    The reader may return only part of the ring (the arc it could unwrap), so the
    seal text is aligned to the best-matching stretch of the unit's name (every
    stretch within two characters of its length) and the similarity is taken over
    the longer of the two. A reading as long as the name is aligned to its stretches too: a cut
    one glyph off the name's place (子科技大学出 of 电子科技大学) lost a glyph at one end and took
    a stray one in at the other, and fits the name's stretch as well as it fits a longer unit's.
    """
    p = strip_punct(normalize(seal_text)).removesuffix("公章")
    o = strip_punct(normalize(unit))
    cost = edit_cost(p, o)
    score = max(0.0, 1 - cost.cost / max(len(p), len(o), 1))
    if p and len(p) <= len(o):
        for n in range(max(1, len(p) - UNIT_STRETCH_SLACK), min(len(o), len(p) + UNIT_STRETCH_SLACK) + 1):
            for start in range(len(o) - n + 1):
                part_cost = edit_cost(p, o[start:start + n])
                part_score = max(0.0, 1 - part_cost.cost / max(len(p), n))
                if part_score > score:
                    cost, score = part_cost, part_score
    return Comparison("seal", "seal-ring", score >= min_similarity, p, o, score, min_similarity, cost)
