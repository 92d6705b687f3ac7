"""Tie cells to the template's keys by what is printed in them, and strip printed hints.

A label cell is matched on its first characters (the printed hint may follow
the label in the same cell), fuzzy, against every field's label and its OCR
variants (rapidfuzz). A hint printed at the top of a value cell is removed by
position, as whole lines (or up to its closing bracket), fuzzy against the
template's known hints: OCR often drops a bracket or misreads a character, so
an exact string search would leave them in; a value quoting the hint keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from extract.ocr_text import join_lines, normalize_text
from forms.template import FormTemplate

# A label is accepted at this similarity (0-1): one wrong character in a 4-character
# label scores 0.75, two wrong in 6 scores 0.67; values rarely start like a label.
LABEL_MIN_SCORE = 0.74
# A cell's first lines are the hint at this similarity (0-100 ratio): OCR loses a bracket or a
# character or two in a 30-character hint; a value quoting the hint's words adds its own and stays
# well below (「按照GB/T 22900-2009测算，该技术…为7级」 scores 55 against 「（参照GB/T 2290-2009测算）」).
HINT_MIN_SCORE = 82
# A hint that ends inside a line without its closing bracket, the value typed right after it, is cut
# only at this similarity: the value quoting the hint above scores 89 on its first 17 characters.
HINT_INLINE_MIN_SCORE = 95
# Shorter hints than this are not looked for (too easily a value of their own).
HINT_MIN_CHARS = 4
# A hint wraps onto at most this many lines of its cell (the longest, 90 characters, in a narrow cell at 14 pt).
HINT_MAX_LINES = 6
# A row that breaks across pages can break inside a hint printed atop its value: the page's cell ends
# with the hint's first part and the next page's table starts with the rest. A part is taken for the
# hint's only from this many characters (a line of the narrowest hint cell at 14 pt holds about 9).
HINT_PART_MIN_CHARS = 8
# ... or from this many when read exactly and ending at the hint's closing bracket (a break a line
# before the hint's end leaves ``0字。）`` atop the next page: faint_seals-02 of rob seed 464378).
HINT_TAIL_EXACT_MIN_CHARS = 3
# Group labels (技术基本情况…) and the phone label printed inside the contact row
# are labels too: cells that match them are not values.
GROUP_PREFIX = "group:"
_OPEN_BRACKETS = "（(〈【["
_CLOSE_BRACKETS = "）)〉】]"
_WS = re.compile(r"\s+")


@dataclass
class LabelMatch:
    key: str  # template key, or "group:<label>" for a group column cell
    label: str  # the label or variant that matched
    score: float  # 0-1


def squash(text: str) -> str:
    """Text without whitespace (the comparisons ignore spacing)."""
    return _WS.sub("", text)


def label_head(text: str) -> str:
    """The part of a label cell's text before its hint (hints open with a bracket)."""
    s = squash(text)
    for i, ch in enumerate(s):
        if ch in _OPEN_BRACKETS and i > 0:
            return s[:i]
    return s


def _label_score(label: str, head: str) -> float:
    """Similarity of ``label`` to the start of ``head`` (the label may be cut or run on)."""
    best = 0.0
    n = len(label)
    for m in range(max(1, n - 1), n + 2):
        best = max(best, Levenshtein.normalized_similarity(label, head[:m]))
    # A head much longer than the label is a value that happens to start alike.
    if len(head) > 2 * n + 2:
        best *= 0.8
    return best


def label_candidates(template: FormTemplate) -> list[tuple[str, str]]:
    """(key, label text) for every field label, variant and group label."""
    out = [(f.key, lab) for f in template.fields for lab in f.labels]
    out += [(GROUP_PREFIX + g.label, g.label) for g in template.groups]
    return out


def match_label(text: str, template: FormTemplate, min_score: float = LABEL_MIN_SCORE) -> LabelMatch | None:
    """The template key whose label the cell text starts with, or None."""
    head = label_head(text)
    if not head:
        return None
    best: LabelMatch | None = None
    for key, lab in label_candidates(template):
        score = _label_score(lab, head)
        # Prefer the longer label on a tie: 技术水平介绍 over a shorter look-alike.
        if best is None or score > best.score or (score == best.score and len(lab) > len(best.label)):
            best = LabelMatch(key, lab, score)
    if best is None or best.score < min_score:
        return None
    return best


def template_hints(template: FormTemplate) -> list[str]:
    """Every hint printed on the form (label or value cell)."""
    return [f.hint for f in template.fields if f.hint]


def strip_hints(text: str, hints: list[str], continued: bool = False) -> str:
    """The value in a cell's text (lines separated by newlines), without a printed hint at its top.

    A hint is printed once, in the label cell or above the value: it is looked for only at
    the start of the cell, as whole lines or up to the closing bracket that ends it (OCR loses
    a bracket or misreads a character; whitespace is ignored), never inside the value, so a
    value that quotes the hint's words keeps them. The lines left are joined as OCR joins a
    cell's lines. A row broken across pages inside its hint leaves the hint's first part as all
    its cell holds (nothing is kept), and the rest atop the next page's table: for a ``continued``
    cell the hint's last part is looked for at its top as well.
    """
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    squashed = [squash(h) for h in hints if len(squash(h)) >= HINT_MIN_CHARS]
    if continued and lines:
        cut = _leading_hint(lines, [h for h in squashed if len(h) >= HINT_PART_MIN_CHARS], tail=True)
        if cut is not None:
            k, rest, h = cut
            lines = ([rest] if rest else []) + lines[k:]
            squashed.remove(h)
    while lines and squashed:
        cut = _leading_hint(lines, squashed)
        if cut is None:
            break
        k, rest, h = cut
        lines = ([rest] if rest else []) + lines[k:]
        squashed.remove(h)
    if lines and _hint_head(squash("".join(lines)), squashed):
        lines = []
    return normalize_text(join_lines(lines))


def _hint_head(text: str, hints: list[str]) -> bool:
    """Whether ``text`` is a hint's first part only (its row broke onto the next page inside it)."""
    return len(text) >= HINT_PART_MIN_CHARS and any(
        len(text) < len(h) and fuzz.ratio(h[: len(text)], text) >= HINT_MIN_SCORE for h in hints)


def _leading_hint(lines: list[str], hints: list[str], tail: bool = False) -> tuple[int, str, str] | None:
    """The hint printed at the top of ``lines``: (lines it takes, what is left of its last line, the hint).
    With ``tail``, a hint's last part (from HINT_PART_MIN_CHARS characters on) is looked for instead."""
    best: tuple[float, int, int, str] | None = None  # score, lines, squashed cut in the last line, hint
    for h in hints:
        head = ""
        for k, line in enumerate(lines[:HINT_MAX_LINES], start=1):
            before, head = len(head), head + squash(line)
            # The hint ends with its line, or inside it where a value was typed after it: at its
            # closing bracket, or (the bracket lost) only where it is read near-exactly.
            for c in range(before + 1, len(head) + 1):
                at_end = c == len(head) or head[c - 1] in _CLOSE_BRACKETS
                if tail and (c >= len(h) or (c < HINT_PART_MIN_CHARS and not _exact_tail(h, head, c))):
                    continue
                score = fuzz.ratio(h[len(h) - c:] if tail else h, head[:c])
                if score >= (HINT_MIN_SCORE if at_end else HINT_INLINE_MIN_SCORE) and (best is None or score > best[0]):
                    best = (score, k, c - before, h)
    if best is None:
        return None
    _, k, cut, h = best
    return k, _cut_squashed(lines[k - 1], 0, cut).strip(), h


def _exact_tail(hint: str, head: str, c: int) -> bool:
    """``head[:c]`` is exactly the hint's last ``c`` characters, closing bracket included: a short
    rest (``0字。）`` of 「…不超过10000字。）」) atop a continued page, which no value begins with."""
    return c >= HINT_TAIL_EXACT_MIN_CHARS and head[c - 1] in _CLOSE_BRACKETS and head[:c] == hint[len(hint) - c :]


def _cut_squashed(text: str, start: int, end: int) -> str:
    """Remove the characters at squashed positions [start, end) from ``text`` (whitespace ignored)."""
    keep: list[str] = []
    pos = 0
    for ch in text:
        if ch.isspace():
            keep.append(ch)
            continue
        if not (start <= pos < end):
            keep.append(ch)
        pos += 1
    return "".join(keep)
