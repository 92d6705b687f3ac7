"""Counting 字 the way reviewers do (shared/CONTRACT.md, "Counting 字").

Microsoft Word's 字数 is 中文字符 + 非中文单词: every CJK ideograph, kana,
hangul, CJK punctuation mark (U+3000–U+303F) and full-width form
(U+FF00–U+FFEF) counts 1; every maximal run of other non-whitespace
characters counts 1; whitespace counts 0. ``count_chars`` is the plainer
alternative (every non-whitespace character counts 1).
"""

from __future__ import annotations

from collections.abc import Callable

# Ranges whose characters each count as one 字 on their own (Word's "Asian" class).
_ASIAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x2FF0, 0x2FFF),  # ideographic description characters
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。「」〔〕
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x3190, 0x31FF),  # kanbun, bopomofo ext, CJK strokes, katakana ext
    (0x3200, 0x32FF),  # enclosed CJK letters and months
    (0x3300, 0x33FF),  # CJK compatibility
    (0x3400, 0x4DBF),  # CJK ext A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo ext A
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo ext B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms (vertical punctuation)
    (0xFF00, 0xFFEF),  # half-width and full-width forms: ，。（）：；！？ Ａ１
    (0x20000, 0x3FFFF),  # CJK ext B and beyond (planes 2 and 3)
)


def is_asian(ch: str) -> bool:
    """True for a character that Word counts as one 字 by itself."""
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _ASIAN_RANGES)


def count_words(text: str) -> int:
    """Word's 字数: Asian characters one each, other non-space runs one each."""
    count = 0
    in_run = False
    for ch in text:
        if ch.isspace():
            in_run = False
        elif is_asian(ch):
            count += 1
            in_run = False
        elif not in_run:
            count += 1
            in_run = True
    return count


def count_chars(text: str) -> int:
    """Every non-whitespace character counts 1 (``--count-rule chars``)."""
    return sum(1 for ch in text if not ch.isspace())


COUNT_RULES: dict[str, Callable[[str], int]] = {
    "word": count_words,
    "chars": count_chars,
}
