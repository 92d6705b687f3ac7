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


# --------------------------------------------------------------------------- the models' runtime


@pytest.mark.parametrize("height", [300, 512, 513, 1238, 1750, 1760, 3508])
def test_detection_strips_tile_the_page_once(height):
    from extract.ocr_models import DET_STRIDE, DET_STRIP_ROWS, strips

    size, plan = strips(height)
    assert size % DET_STRIDE == 0 and size <= max(DET_STRIP_ROWS, height + DET_STRIDE)
    kept = [(a, b) for _, a, b in plan]
    assert kept[0][0] == 0 and kept[-1][1] == height
    assert all(b0 == a1 for (_, b0), (a1, _) in zip(kept, kept[1:], strict=False))  # no gap, no row twice
    for start, a, b in plan:
        assert start <= a < b <= start + size  # each strip keeps rows it saw
        assert start + size <= max(height, size)  # no strip starts past the page


def test_text_boxes_come_from_the_probability_map():
    from extract.ocr_boxes import boxes_from_map

    pred = np.zeros((200, 400), np.float32)
    pred[20:40, 30:330] = 0.9  # a line's shrunk kernel
    pred[100:101, 50:60] = 0.9  # a speck one pixel high: too thin to be text
    pred[150:170, 30:200] = 0.35  # above the pixel threshold, below the box's mean score
    (box,) = boxes_from_map(pred)
    x0, y0 = box.min(axis=0)
    x1, y1 = box.max(axis=0)
    # grown back by area × 1.6 / perimeter ≈ 15 px on every side, as RapidOCR's unclip does
    assert 10 <= x0 <= 20 and 340 <= x1 <= 350 and 0 <= y0 <= 8 and 52 <= y1 <= 60


def _text_line(text: str, size: int = 40) -> np.ndarray:
    from PIL import Image, ImageDraw

    from samples.fonts import available_fonts, load_font

    font = load_font(available_fonts()[0], size)
    w = int(font.getlength(text)) + 2 * size
    img = Image.new("L", (w, size * 2), 255)
    ImageDraw.Draw(img).text((size, size // 2), text, font=font, fill=0)
    return np.asarray(img)


@pytest.mark.slow
def test_batched_recognition_reads_as_one_line_at_a_time():
    from extract.ocr_rapid import RapidOcrEngine

    lines = [_text_line(t) for t in ("联系人", "技术团队由12人组成，其中教授3人", "7", "地质科学院")]
    eng = RapidOcrEngine()
    together = eng.recognize(lines)
    alone = [eng.recognize([im])[0] for im in lines]
    assert [t for t, _ in together] == [t for t, _ in alone]
    assert together[0][0] == "联系人" and together[3][0] == "地质科学院"


@pytest.mark.slow
def test_both_runtimes_read_the_same_text():
    pytest.importorskip("openvino", reason="OpenVINO is the optional runtime: pip install paperdesk[openvino]")
    from extract.ocr_models import models

    lines = [_text_line("技术就绪水平量值"), _text_line("中国地质科学院矿产资源研究所")]
    ov = models("openvino").recognize(lines)
    ort = models("onnxruntime").recognize(lines)
    assert [t for t, _ in ov] == [t for t, _ in ort]
    assert [t.strip() for t, _ in ov] == ["技术就绪水平量值", "中国地质科学院矿产资源研究所"]
    assert all(abs(a[1] - b[1]) < 0.01 for a, b in zip(ov, ort, strict=True))


@pytest.mark.slow
def test_both_runtimes_detect_the_same_boxes(sample_form):
    """Detection runs on OpenVINO where it is installed (half ONNX Runtime's CPU): the boxes must be
    ONNX Runtime's, bit for bit, or every reading downstream could move."""
    pytest.importorskip("openvino", reason="OpenVINO is the optional runtime: pip install paperdesk[openvino]")
    import cv2

    from extract.ocr_models import DET_BACKENDS, models

    assert DET_BACKENDS[0] == "openvino"
    gray = cv2.cvtColor(sample_form[1][0], cv2.COLOR_BGR2GRAY)
    scale = 1240 / max(gray.shape)
    ov = models("openvino").detect(gray, scale)
    ort = models("onnxruntime").detect(gray, scale)
    assert len(ov) > 20, "too few lines found for the comparison to mean anything"
    assert len(ov) == len(ort)
    assert all(np.array_equal(a, b) for a, b in zip(ov, ort, strict=True))


@pytest.mark.slow
def test_lines_on_the_seams_between_detection_strips_are_found_once():
    from extract.ocr_models import DET_STRIP_OVERLAP, models, strips

    page = np.full((1750, 1240), 255, np.uint8)
    _, plan = strips(page.shape[0])
    seams = [a for _, a, _ in plan[1:]]
    rows = sorted({*seams, *(s - DET_STRIP_OVERLAP // 2 for s in seams), 100, 1650})
    line = _text_line("技术水平介绍与国外主流技术相比", 24)
    for y in rows:  # a line centred on each seam, and some away from them
        top = y - line.shape[0] // 2
        page[top : top + line.shape[0], 100 : 100 + line.shape[1]] = line
    boxes = models().detect(page, 1.0)
    centres = sorted(float(b[:, 1].mean()) for b in boxes)
    assert len(centres) == len(rows), centres
    assert all(abs(c - y) < 12 for c, y in zip(centres, rows, strict=True))


def test_only_boxes_in_the_table_or_its_title_band_are_worth_recognising():
    from extract.cells import usable_box
    from extract.grid import find_grid
    from extract.preprocess import to_gray
    from tests.test_grid import ROWS, X0, X1, draw_table

    grid = find_grid(to_gray(draw_table()))
    assert grid.found
    wanted = usable_box(grid)
    assert wanted((400, 100, 800, 140))  # the title above the table
    assert wanted((X0 + 100, ROWS[0] + 20, X0 + 300, ROWS[0] + 50))  # in a cell
    assert wanted((X1 - 40, ROWS[1] + 10, X1 + 60, ROWS[1] + 40))  # a cell's line running over the table's edge
    assert not wanted((500, ROWS[-1] + 200, 700, ROWS[-1] + 230))  # the page footer 第 1 页 共 3 页
    assert not wanted((X1 + 20, ROWS[2], X1 + 120, ROWS[2] + 30))  # a note in the margin beside the table


@pytest.mark.slow
def test_a_page_read_with_a_box_filter_recognises_only_the_wanted_lines(monkeypatch):
    import extract.ocr_models as ocr_models
    from extract.ocr_rapid import RapidOcrEngine

    page = np.full((1200, 1000), 255, np.uint8)
    title, footer = _text_line("科创中国榜单推荐表"), _text_line("第1页共3页")
    page[100 : 100 + title.shape[0], 100 : 100 + title.shape[1]] = title
    page[1000 : 1000 + footer.shape[0], 100 : 100 + footer.shape[1]] = footer
    sent: list[int] = []
    recognize = ocr_models.Models.recognize

    def counted(self: ocr_models.Models, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        sent.append(len(lines))
        return recognize(self, lines)

    monkeypatch.setattr(ocr_models.Models, "recognize", counted)
    eng = RapidOcrEngine()
    everything = eng.read_page(page)
    assert {b.text for b in everything} == {"第1页共3页", "科创中国榜单推荐表"} and sent == [2]
    top = eng.read_page(page, wanted=lambda b: b[3] < 500)
    assert [b.text for b in top] == ["科创中国榜单推荐表"]
    assert sent == [2, 1]  # the footer was detected but never recognised


@pytest.mark.slow
def test_a_long_detected_line_is_read_narrowed_and_a_short_one_as_it_stands(monkeypatch):
    import extract.ocr_models as ocr_models
    from extract.ocr_rapid import REC_SQUEEZE, SQUEEZE_MIN_RATIO, RapidOcrEngine

    prose, short = "技术团队由12人组成，其中教授3人，副教授5人，工程师4人", "联系人"
    page = np.full((600, 1900), 255, np.uint8)
    for y, text in ((100, prose), (400, short)):
        line = _text_line(text, 32)
        page[y : y + line.shape[0], 60 : 60 + line.shape[1]] = line
    sent: list[tuple[int, int]] = []
    recognize = ocr_models.Models.recognize

    def seen(self: ocr_models.Models, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        sent.extend(im.shape[:2] for im in lines)
        return recognize(self, lines)

    monkeypatch.setattr(ocr_models.Models, "recognize", seen)
    eng = RapidOcrEngine()
    dets = eng.detect_lines(page)
    assert len(dets) == 2
    read = eng.read_lines(page, [q for q, _ in dets])
    assert sorted(t for t, _ in read) == sorted([prose, short])
    crops = {round(b[2] - b[0]): b[3] - b[1] for _, b in dets}  # each detected line's width and height
    long_w = max(crops)
    assert long_w >= SQUEEZE_MIN_RATIO * crops[long_w]
    widths = sorted(w for _, w in sent)
    assert abs(widths[1] - REC_SQUEEZE * long_w) <= 3  # the prose line narrowed
    assert abs(widths[0] - min(crops)) <= 3  # the short one as it stands
