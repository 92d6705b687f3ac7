"""The 字 counter against Word's own counts, and its properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms import COUNT_RULES, count_chars, count_words

CASES_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "word_count_cases_msword.json"
LOCAL_CASES = Path(__file__).resolve().parent / "data" / "word_count_cases_msword.json"


def _cases() -> list[dict[str, object]]:
    path = LOCAL_CASES if LOCAL_CASES.exists() else CASES_FILE
    return list(json.loads(path.read_text(encoding="utf-8"))["cases"])


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['id']}-{c['note']}")
def test_word_count_matches_microsoft_word(case: dict[str, object]) -> None:
    text = str(case["text"])
    assert count_words(text) == case["word_count"]
    assert count_chars(text) == case["chars_no_space"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GaN", 1),
        ("2024", 1),
        ("30%", 1),
        ("5G", 1),
        ("①②③", 1),
        ("基于5G的", 4),
        ("（不超过300字。）", 8),
        ("  \n\t ", 0),
        ("氮化镓GaN功率器件", 8),
        ("ＡＢ", 2),
    ],
)
def test_contract_examples(text: str, expected: int) -> None:
    assert count_words(text) == expected


text_strategy = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
        st.sampled_from(list("abcXYZ0123%-.,()①②，。（）：；！？ＡＢ１２　 \n\t")),
    ),
    max_size=80,
)


@given(st.lists(text_strategy, max_size=6))
def test_additive_over_whitespace_separated_parts(parts: list[str]) -> None:
    joined = " ".join(parts)
    assert count_words(joined) == sum(count_words(p) for p in parts)


@given(text_strategy)
def test_never_more_than_the_chars_count(text: str) -> None:
    assert count_words(text) <= count_chars(text)


@given(text_strategy)
def test_whitespace_counts_nothing(text: str) -> None:
    assert count_words(text + "   \n") == count_words(text)
    assert count_chars(" " + text) == count_chars(text)


def test_rules_are_named() -> None:
    assert set(COUNT_RULES) == {"word", "chars"}
    assert COUNT_RULES["word"]("中文 ab") == 3
