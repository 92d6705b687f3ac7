"""checks.text.sentences splits a text without whitespace itself, exactly as spaCy's pipeline does."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.text import SENTENCE_ENDS, Span, _nlp, normalize, sentences

# Characters a normalized long field is made of, punctuation of every kind weighted in (the splitting's cases).
_PUNCTUATION = "".join(chr(c) for c in range(0x20, 0x3100) if unicodedata.category(chr(c))[0] in "PS")
_TEXT_CHARS = st.sampled_from(list("".join(SENTENCE_ENDS) + "，、：（）\"《》—.%技术成果推广单位名称0123456789ab") + list(_PUNCTUATION))


def _by_spacy(text: str) -> list[Span]:
    doc = _nlp()(text)
    return [Span(s.start_char, s.end_char, s.text) for s in doc.sents if s.text.strip()]


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXT_CHARS, min_size=1, max_size=40).map("".join))
def test_sentences_without_whitespace_are_spacys(text: str) -> None:
    assert sentences(text) == _by_spacy(text)


def test_normalized_long_texts_are_split_as_spacy_splits_them() -> None:
    texts = [
        "本技术采用深度学习方法，识别准确率达到96.3%。处理效率提高35%！是否推广？可以……已在3省应用；",
        "“填补了国内空白。”经鉴定，达到国际先进水平!!其他（见附件）。。",
        "第一句。）第二句？」第三句",
    ]
    for raw in texts:
        text = normalize(raw)
        assert sentences(text) == _by_spacy(text)
        assert len(sentences(text)) >= 2


def test_a_text_without_whitespace_does_not_load_spacy() -> None:
    _nlp.cache_clear()
    loaded = "spacy" in sys.modules
    sentences(normalize("识别准确率达到96.3%。处理效率提高35%！"))
    assert _nlp.cache_info().currsize == 0
    assert ("spacy" in sys.modules) == loaded


def test_a_text_with_whitespace_is_split_by_spacy() -> None:
    text = "First sentence. 第二句。 third one"
    assert sentences(text) == _by_spacy(text)
    assert _nlp.cache_info().currsize == 1
