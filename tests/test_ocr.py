"""The OCR wrapper: normalisation, errors, and both real engines end to end on one sample form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from extract.ocr import FakeOcrEngine, boxes_to_text, get_engine, join_lines, normalize_text, probe_tesseract
from forms.errors import ConfigError

TEXT_KEYS = ("tech_name", "trl", "contact", "phone", "email", "address", "industry")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("技 术 名 称", "技术名称"),  # no space between CJK characters
        ("包括(GaN)材料", "包括（GaN）材料"),  # brackets full-width
        ("国内 , 国外", "国内，国外"),  # half-width comma beside CJK
        ("1,200 units", "1,200 units"),  # latin keeps its comma and its spaces
        ("可行性丶先进性", "可行性、先进性"),  # 丶 is the form's 、
        ("ＡＢＣ１２３＠ｘ．ｃｎ", "ABC123@x.cn"),  # full-width letters and digits
        ("hello   world", "hello world"),
        ("〈排名第4〉", "（排名第4）"),
        ("  ", ""),
    ],
)
def test_normalize_text(raw, clean):
    assert normalize_text(raw) == clean


def test_lines_join_without_spaces_unless_two_words_meet():
    assert join_lines(["技术团队由", "12人组成"]) == "技术团队由12人组成"
    assert join_lines(["ZL2018151446", "02.0"]) == "ZL201815144602.0"
    assert join_lines(["deep", "learning"]) == "deep learning"


def test_boxes_are_read_in_lines_top_to_bottom_left_to_right():
    from extract.ocr import OcrBox

    boxes = [OcrBox("第二行", (10, 60, 100, 90), 0.8), OcrBox("右", (200, 10, 240, 40), 0.9), OcrBox("左", (10, 12, 50, 42), 1.0)]
    t = boxes_to_text(boxes)
    assert t.text == "左右第二行"
    assert 0.8 < t.confidence < 1.0


def test_unknown_engine_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown OCR engine 'easyocr'"):
        get_engine("easyocr")


def test_fake_engine_returns_its_regions():
    fake = FakeOcrEngine({(10, 10, 50, 30): "甲 乙"})
    boxes = fake.read_page(np.full((100, 100, 3), 255, np.uint8))
    assert [b.text for b in boxes] == ["甲乙"]


def test_probe_tesseract_reports_its_version():
    assert probe_tesseract().split(".")[0] >= "4"


def test_missing_tesseract_is_one_line(monkeypatch):
    import pytesseract

    from forms.errors import MissingDependencyError

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(MissingDependencyError, match=r"^Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim$"):
        probe_tesseract()


@pytest.mark.slow
def test_tesseract_failure_becomes_ocr_error(monkeypatch):
    import pytesseract

    from extract.ocr import TesseractEngine
    from forms.errors import OcrError

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/bin/false")
    img = np.full((60, 200), 255, np.uint8)
    img[20:40, 20:180] = 0
    with pytest.raises(OcrError, match="Tesseract failed"):
        TesseractEngine().read_block(img)


@pytest.fixture(scope="module")
def sample_form():
    samples = pytest.importorskip("samples")
    spec = samples.make_spec(3)
    pages, _layout = samples.render_form_layout(spec, dpi=300)
    return spec, pages


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_both_engines_read_the_first_page_of_a_sample(sample_form, engine):
    from extract.page import ExtractOptions, read_page
    from forms.template import load_template
    from ingest.page import Page

    spec, pages = sample_form
    page = Page(image=pages[0], dpi=300, source=Path("sample.png"), number=1)
    r = read_page(page, load_template("kczg-2020"), ExtractOptions(ocr_engine=engine, second_opinion=False))
    assert r.kind == "first"
    truth = spec.values()
    for key in TEXT_KEYS:
        got = r.fields[key].value
        want = int(truth[key]) if key == "trl" else truth[key]
        assert got == want, f"{engine} {key}: {got!r} != {want!r}"
        assert r.fields[key].confidence > 0.5
    assert r.fields["domain"].chosen == spec.domain_ticks
