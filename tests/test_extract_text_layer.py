"""Born-digital pages: labelled and read from the text layer's words, never OCR'd."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from extract.assemble import assemble
from extract.ocr import FakeOcrEngine
from extract.page import ExtractOptions, read_page
from forms.template import load_template
from ingest.page import Page, Word
from tests.test_grid import ROWS, X1, XG, XL, XP0, XP1, draw_table

T = load_template("kczg-2020")


def _word(text: str, x: int, y0: int, y1: int) -> Word:
    cy = (y0 + y1) / 2
    return Word(text, (x + 10, cy - 10, x + 10 + 20 * len(text), cy + 10))


def test_born_digital_page_reads_words_in_cells_without_ocr():
    y = ROWS
    words = [
        Word("“科创中国”榜单推荐表", (400, 100, 800, 140)),
        _word("技术名称", XG, y[0], y[1]),
        _word("一种", XL, y[0], y[1]),
        Word("遥感方法", (XL + 60, (y[0] + y[1]) / 2 - 10, XL + 140, (y[0] + y[1]) / 2 + 10)),
        _word("技术就绪水平量值", XG, y[1], y[2]),
        _word("8", XL, y[1], y[2]),
        _word("联系人", XG, y[3], y[4]),
        _word("丁霞瑞", XL, y[3], y[4]),
        _word("联系电话", XP0, y[3], y[4]),
        _word("13812345678", XP1, y[3], y[4]),
    ]
    fake = FakeOcrEngine({(0, 0, 10, 10): "不应被读取"})
    page = Page(image=draw_table(), dpi=150, source=Path("digital.pdf"), number=1, words=words)
    r = read_page(page, T, ExtractOptions(), engine=fake)
    assert fake.calls == []  # no OCR at all
    assert r.path == "text-layer" and r.engine == "text-layer" and r.kind == "first"
    assert r.fields["tech_name"].value == "一种遥感方法"
    assert r.fields["tech_name"].confidence == 1.0
    assert r.fields["trl"].value == 8
    assert r.fields["contact"].value == "丁霞瑞"
    assert r.fields["phone"].value == "13812345678"
    assert r.fields["phone"].bbox is not None and abs(r.fields["phone"].bbox[2] - X1) <= 2
    form = assemble("d0009", "digital.pdf", [r], T)
    assert form.path_taken == "text-layer"
    assert form.fields["email"].status == "not_found"


def test_attachment_pages_are_keyed_by_their_heading():
    img = np.full((1754, 1240, 3), 255, np.uint8)
    img[200:210, 200:900] = 0  # some ink so the page is not blank
    words1 = [Word("详细材料（技术水平）", (400, 100, 800, 140)), Word("第一页正文。", (150, 200, 900, 230))]
    words2 = [Word("第二页正文。", (150, 200, 900, 230))]
    r1 = read_page(Page(image=img, dpi=150, source=Path("a.pdf"), number=4, words=words1), T, ExtractOptions())
    r2 = read_page(Page(image=img, dpi=150, source=Path("a.pdf"), number=5, words=words2), T, ExtractOptions())
    assert r1.kind == "attachment" and r2.kind == "attachment"
    form = assemble("d0001", "a.pdf", [r1, r2], T)
    att = form.attachments["tech_level_detail"]
    assert att.pages == [4, 5]
    assert att.text.endswith("第一页正文。第二页正文。")
    assert form.attachment_pages == [4, 5]
    assert form.unreadable is not None  # no form page among them: said, not hidden
