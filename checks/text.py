"""Text as the checks compare it: normalised, weighed edit by edit, split into sentences.

OCR changes how a text looks more often than what it says: full-width against
half-width forms, ，against ``,``, spaces between CJK characters, ``O`` for
``0``. ``normalize`` removes those differences before any comparison. What is
left is weighed by ``edit_cost``: a substitution between two glyphs that OCR
engines are known to confuse (``CONFUSABLE_GROUPS``) costs ``CONFUSABLE_COST``,
any other edit costs 1, so the cut-offs in ``checks.compare`` count "edits OCR
does not explain".

Sentences come from spaCy's blank Chinese pipeline (character segmenter, no
model download) with a sentencizer that splits on Chinese sentence ends only,
so ``98.5%`` stays in one sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from forms.lookalikes import CJK_LOOKALIKES, LATIN_LOOKALIKES

# Glyphs that Tesseract/PP-OCR read for one another in printed Song/Hei text.
# Each string is one group; any two characters of a group are confusable.
CONFUSABLE_GROUPS: tuple[str, ...] = (
    *CJK_LOOKALIKES,
    *LATIN_LOOKALIKES,
    ".。", "，、",  # a decimal point next to a misread digit is taken for a full stop; 、 and ， blur in print
)
"""Typical glyph confusions (Tesseract chi_sim and PP-OCR on 300 dpi print): the one table of
``forms.lookalikes``, and two punctuation pairs."""

CONFUSABLE_COST = 0.25
"""A confusable substitution weighs a quarter of an edit: four of them in one
sentence look like a real change, one or two look like print quality."""

STRAY_RUN_MAX = 3
"""Specks read into a line come as one to three glyphs (a bracket's arc read 0字。); a run this short
inserted between two non-digits, with a single digit in it, adds a lone digit but changes no number
of the online text (its cost still counts against the sentence's allowance)."""

UNREAD_GLYPHS = frozenset("？?□■�")
"""What a recogniser writes for a glyph it could not read (Word's long text on a poor scan: 「领域？家」 for
「领域7家」, word-01 of rob seed 464378): set against one online character that is no punctuation, it says
nothing of what the paper has there, so it is an unknown (costing ``CONFUSABLE_COST``, changing no number),
never a different character."""

# Sentence ends for the sentencizer: Chinese ends only ("." splits 98.5).
SENTENCE_ENDS: tuple[str, ...] = ("。", "！", "？", "；", "!", "?", "…")

_CONFUSABLE: dict[str, frozenset[str]] = {}
for _group in CONFUSABLE_GROUPS:
    for _ch in _group:
        _CONFUSABLE[_ch] = _CONFUSABLE.get(_ch, frozenset()) | frozenset(_group) - {_ch}

# After NFKC, ASCII punctuation that stands for a Chinese mark in CJK text.
_TO_CJK_PUNCT = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
# Punctuation variants OCR and typists swap freely; folded to one form.
_PUNCT_FOLD = {
    "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"',
    "〔": "（", "〕": "）", "【": "（", "】": "）", "[": "（", "]": "）",
    "—": "-", "–": "-", "－": "-", "―": "-", "─": "-", "~": "～", "〜": "～",
    "·": "·", "•": "·", "・": "·", "．": ".",
}
_DOT_NOT_IN_NUMBER = re.compile(r"(?<!\d)\.|\.(?!\d)")
_SPACE = re.compile(r"\s+")


def confusable(a: str, b: str) -> bool:
    """True when OCR is known to read ``a`` as ``b`` (or back)."""
    return b in _CONFUSABLE.get(a, frozenset())


def normalize(text: str | None, keep_dots: bool = False) -> str:
    """Width, punctuation and whitespace folded so that only content differs.

    NFKC turns full-width letters, digits and ASCII-range punctuation into
    their half-width forms; punctuation that has a Chinese form is then put
    back in it (，：；！？（）), variants are folded, and all whitespace goes.
    A "." that is not inside a number becomes 。 unless ``keep_dots`` (e-mail).
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = "".join(_PUNCT_FOLD.get(ch, ch) for ch in s)
    s = "".join(_TO_CJK_PUNCT.get(ch, ch) for ch in s)
    s = _SPACE.sub("", s)
    if not keep_dots:
        s = _DOT_NOT_IN_NUMBER.sub("。", s)
    return s


def strip_punct(text: str) -> str:
    """``text`` without punctuation (Unicode category P*): for names and addresses."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))


# Latin letters OCR reads for digits inside a phone number.
_PHONE_FOLD = str.maketrans({"O": "0", "o": "0", "D": "0", "〇": "0", "Q": "0", "I": "1", "l": "1", "|": "1",
                             "i": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "g": "9", "b": "6"})
_CHINA_PREFIX = "86"
_MOBILE_LENGTH = 11


def normalize_phone(text: str | None) -> str:
    """Digits only, after folding letters OCR reads for digits; drops a +86 prefix."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).translate(_PHONE_FOLD)
    digits = "".join(ch for ch in s if ch.isdigit())
    if len(digits) == _MOBILE_LENGTH + len(_CHINA_PREFIX) and digits.startswith(_CHINA_PREFIX):
        digits = digits[len(_CHINA_PREFIX):]
    return digits


# E-mail skeleton: characters OCR confuses in Latin print map to one representative.
_EMAIL_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "。": ".", "，": ".", ",": "."})


def normalize_email(text: str | None) -> str:
    """Lower case, no spaces, and OCR's Latin look-alikes folded (``0``/``o``, ``1``/``l``/``i``, ``rn``/``m``).

    Two e-mails whose skeletons are equal differ only in glyphs OCR cannot tell
    apart; any other change (a letter, a digit that is no look-alike) remains.
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).lower()
    s = _SPACE.sub("", s).translate(_EMAIL_FOLD)
    return s.replace("rn", "m").replace("vv", "w")


@dataclass
class EditCost:
    """How far two normalised texts are apart, edit by edit."""

    cost: float  # weighted: confusable substitutions CONFUSABLE_COST, other edits 1
    hard: int  # edits OCR confusion does not explain
    soft: int  # confusable substitutions
    digits_changed: bool  # an edit touched a digit (numbers matter in any text)
    edits: list[tuple[str, str]] = field(default_factory=list)  # (paper, online) pieces that differ
    unread: int = 0  # glyphs the paper's reading left unknown (UNREAD_GLYPHS), against online characters

    def to_dict(self) -> dict[str, Any]:
        d = {"cost": self.cost, "hard": self.hard, "soft": self.soft,
             "digits_changed": self.digits_changed, "edits": [list(e) for e in self.edits]}
        if self.unread:
            d["unread_glyphs"] = self.unread
        return d


def edit_cost(paper: str, online: str) -> EditCost:
    """Weighted edit distance along the Levenshtein alignment of ``paper`` against ``online``."""
    hard = soft = unread = 0
    digits = False
    edits: list[tuple[str, str]] = []
    ops = list(Levenshtein.opcodes(paper, online))
    for k, op in enumerate(ops):
        if op.tag == "equal":
            continue
        p = paper[op.src_start:op.src_end]
        o = online[op.dest_start:op.dest_end]
        edits.append((p, o))
        # an unknown glyph stands for one character only where the texts agree on both sides of it
        # (「？？？家」 for 「7家」 is more than one unknown place: it may hide another number)
        alone = all(ops[j].tag == "equal" for j in (k - 1, k + 1) if 0 <= j < len(ops))
        if op.tag == "replace":
            for a, b in zip(p, o, strict=True):
                if confusable(a, b):
                    soft += 1  # O for 0 is print quality, not a changed number
                elif alone and a in UNREAD_GLYPHS and not unicodedata.category(b).startswith("P"):
                    unread += 1  # the paper's glyph is unknown there, not another one
                else:
                    hard += 1
                    digits = digits or a.isdigit() or b.isdigit()
        else:
            hard += len(p) + len(o)
            # A digit added or lost inside a number changes it; a lone stray "1" between
            # characters (a speck, a rule read as a stroke) does not change any number, nor does
            # a short run of specks read into the paper with one digit in it ("0字。", "0丨").
            near = online[op.dest_start - 1: op.dest_start] + online[op.dest_end: op.dest_end + 1]
            lone = len(p + o) == 1 and not any(ch.isdigit() for ch in near)
            stray = (not o and len(p) <= STRAY_RUN_MAX and sum(ch.isdigit() for ch in p) == 1
                     and not any(ch.isdigit() for ch in near))
            digits = digits or (any(ch.isdigit() for ch in p + o) and not (lone or stray))
    return EditCost(cost=hard + CONFUSABLE_COST * (soft + unread), hard=hard, soft=soft, digits_changed=digits,
                    edits=edits, unread=unread)


def similarity(paper: str, online: str) -> float:
    """1 − weighted edit cost / length of the longer text; 1.0 for two empty texts."""
    longest = max(len(paper), len(online))
    if longest == 0:
        return 1.0
    return max(0.0, 1.0 - edit_cost(paper, online).cost / longest)


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy  # loaded on first use: spaCy's import costs a second

    nlp = spacy.blank("zh")  # default segmenter "char": nothing to download
    nlp.add_pipe("sentencizer", config={"punct_chars": list(SENTENCE_ENDS)})
    return nlp


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """Sentence spans (character offsets into ``text``), as spaCy's Chinese pipeline (``_nlp``) splits it.

    A text without whitespace (every normalized text: ``normalize`` drops it) is split here, by the
    rule of spaCy's sentencizer on its one-token-per-character segmentation (``_split_characters``),
    with the same spans; spaCy itself, whose import and pipeline cost the runner ~1.6 CPU s (issue 14),
    is loaded only for a text with whitespace, where its tokenizer's handling of spaces decides."""
    if not text:
        return []
    if not any(ch.isspace() for ch in text):
        return _split_characters(text)
    doc = _nlp()(text)
    return [Span(s.start_char, s.end_char, s.text) for s in doc.sents if s.text.strip()]


def _is_punct(ch: str) -> bool:
    """spaCy's lexical ``is_punct`` of a one-character token: a Unicode punctuation category."""
    return unicodedata.category(ch).startswith("P")


def _split_characters(text: str) -> list[Span]:
    """spaCy's ``Sentencizer.predict`` on a text whose tokens are its characters: a sentence ends after
    a run of sentence-ending marks (and the punctuation that follows them), where the next character
    that is neither begins the next sentence."""
    starts = [0]
    seen_end = False
    for i, ch in enumerate(text):
        is_end = ch in SENTENCE_ENDS
        if seen_end and not is_end and not _is_punct(ch):
            starts.append(i)
            seen_end = False
        elif is_end:
            seen_end = True
    bounds = [*starts, len(text)]
    spans = [Span(a, b, text[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    return [s for s in spans if s.text.strip()]
