"""Tie cells to the template's keys by what is printed in them, and strip printed hints.

A label cell is matched on its first characters (the printed hint may follow
the label in the same cell), fuzzy, against every field's label and its OCR
variants (rapidfuzz). Hints printed in a value cell are removed by a fuzzy
match against the template's known hints: OCR often drops the closing bracket
or misreads a character, so an exact string search would leave them in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from forms.template import FormTemplate

# A label is accepted at this similarity (0-1): one wrong character in a 4-character
# label scores 0.75, two wrong in 6 scores 0.67; values rarely start like a label.
LABEL_MIN_SCORE = 0.74
# A hint is removed when this share of it aligns (0-100 partial ratio): OCR loses
# a bracket or a character or two in a 30-character hint, nothing more.
HINT_MIN_SCORE = 82
# A hint aligned over less than this share of its length is a coincidence, not the hint.
HINT_MIN_LENGTH_SHARE = 0.6
# Group labels (技术基本情况…) and the phone label printed inside the contact row
# are labels too: cells that match them are not values.
GROUP_PREFIX = "group:"
_FILLER = "\x00"  # never in OCR text
_OPEN_BRACKETS = "（(〈【["
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


def strip_hints(text: str, hints: list[str]) -> str:
    """``text`` with any printed hint removed (fuzzy; a lost closing bracket is still a hint).

    Lines are compared without whitespace, so a hint that wrapped onto two lines
    still matches; the value's own text is left as it was read.
    """
    out = text
    squashed = [squash(h) for h in hints if len(squash(h)) >= 4]
    while squashed:
        s = squash(out)
        if not s:
            return out
        best: tuple[float, int, int, str] | None = None
        for h in squashed:
            # Pad so the hint is always the shorter string: rapidfuzz aligns the
            # shorter one inside the longer, and a value must never be swallowed whole.
            al = fuzz.partial_ratio_alignment(h, s + _FILLER * len(h))
            if al is None or al.score < HINT_MIN_SCORE:
                continue
            start, end = al.dest_start, min(al.dest_end, len(s))
            if end - start < HINT_MIN_LENGTH_SHARE * len(h):
                continue
            # The hint explaining most of the text wins (the longest good alignment).
            weight = al.score * (end - start)
            if best is None or weight > best[0]:
                best = (weight, start, end, h)
        if best is None:
            break
        _, start, end, h = best
        # Take a stray closing bracket (or its misreads) right after the hint along.
        while end < len(s) and s[end] in "）)〉】]":
            end += 1
        out = _cut_squashed(out, start, end)
        squashed.remove(h)
    return out.strip()


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
