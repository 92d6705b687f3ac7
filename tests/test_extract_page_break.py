"""The page after a section broke: a group label's leftover characters are neither a value nor in the way.

When 技术团队简介 breaks across pages, the next page's table starts with the section's rest beside its
group column, and a group label too long for that short row can leave characters over the rules: a few
in the group cell (「完成团队基本」), one or two at the top of the label cell below (「情况」 over
技术知识产权情况). Seen on split-02 of robustness seed 842594: 技术知识产权情况 was not found on any page
(the label cell's text starts 「情况」), and 「完成团队基本」 was joined into the team's text as if the
section went on in the group column.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extract.page import ExtractOptions
from forms.template import load_template
from ingest.page import Page
from paperdesk.stages import page_reading
from samples.fonts import available_fonts, load_font

T = load_template("kczg-2020")
DPI = 200
OPTIONS = ExtractOptions(ocr_engine="rapidocr", second_opinion=False)
X_GROUP, X_LABEL, X_VALUE, X_END = 150, 330, 700, 1500
ROWS = (300, 520, 900, 1150, 1400)
TEAM_REST = "点实验室，现有成员34人。"
IP = "登记软件著作权11项，主持制定国家标准3项。"


def _ruled_page(rule_px: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A page with the table's row rules and its outer and label | value column rules."""
    img = Image.new("RGB", (1654, 2339), "white")
    d = ImageDraw.Draw(img)
    for y in ROWS:
        d.line((X_GROUP, y, X_END, y), fill="black", width=rule_px)
    for x in (X_GROUP, X_VALUE, X_END):
        d.line((x, ROWS[0], x, ROWS[-1]), fill="black", width=rule_px)
    return img, d


def _labelled_row(d: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont, y: int, label: str, value: str) -> None:
    """A row's label in the label column and its value at the value cell's left, both on line ``y``."""
    d.text((X_GROUP + 160, y), label, font=font, fill="black")
    d.text((X_VALUE + 30, y), value, font=font, fill="black")


def _page_after_the_break(stray_over_ip: str) -> np.ndarray:
    img, d = _ruled_page(3)
    font = load_font(available_fonts()[0], 40)
    d.line((X_LABEL, ROWS[0], X_LABEL, ROWS[1]), fill="black", width=3)  # the group column: first row only
    for i, chunk in enumerate(("完成", "团队", "基本")):  # the group label's middle, cut by the page break
        d.text((X_GROUP + 45, ROWS[0] + 30 + 55 * i), chunk, font=font, fill="black")
    d.text((X_LABEL + 30, ROWS[0] + 80), "技术团队简介", font=font, fill="black")
    d.text((X_VALUE + 30, ROWS[0] + 80), TEAM_REST, font=font, fill="black")
    if stray_over_ip:
        d.text((X_GROUP + 45, ROWS[1] + 15), stray_over_ip, font=font, fill="black")
    d.text((X_GROUP + 120, ROWS[1] + 160), "技术知识产权情况", font=font, fill="black")
    d.text((X_VALUE + 30, ROWS[1] + 160), IP, font=font, fill="black")
    _labelled_row(d, font, ROWS[2] + 100, "技术获奖情况", "2017年获省科学技术进步奖一等奖。")
    _labelled_row(d, font, ROWS[3] + 100, "技术水平介绍", "技术原创性体现在首次将微生物修复引入。")
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


@pytest.mark.slow
@pytest.mark.parametrize("stray", ["情况", ""])
def test_a_label_under_a_group_labels_leftover_is_found(stray):
    page = Page(image=_page_after_the_break(stray), dpi=DPI, source=Path("split.png"), number=2)
    r = page_reading(page, T, OPTIONS)
    assert r.fields["ip"].value == IP, (r.problems, [c for c in r.cells if c["role"] == "label"])
    assert r.fields["team_intro"].value == TEAM_REST
    assert {"awards", "tech_level"} <= set(r.fields)


@pytest.mark.slow
def test_a_group_labels_leftover_is_no_continued_text():
    page = Page(image=_page_after_the_break("情况"), dpi=DPI, source=Path("split.png"), number=2)
    r = page_reading(page, T, OPTIONS)
    assert r.continued is None, r.continued
    assert not any(c["role"] == "continued" for c in r.cells)


def _hint_touching_the_value() -> np.ndarray:
    """A label cell whose small hint runs up to the rule, the value's line going on right after it."""
    img, d = _ruled_page(2)
    font, small = load_font(available_fonts()[0], 40), load_font(available_fonts()[0], 26)
    d.text((X_GROUP + 160, ROWS[0] + 40), "技术水平介绍", font=font, fill="black")
    hint = "料可另附，不超过10000字。）"
    d.text((X_VALUE - 2 - d.textlength(hint, font=small), ROWS[0] + 112), hint, font=small, fill="black")
    d.text((X_VALUE + 6, ROWS[0] + 40), "提供了可靠支", font=font, fill="black")
    d.text((X_VALUE + 6, ROWS[0] + 100), "撑。系统采用模块化架构。", font=font, fill="black")
    _labelled_row(d, font, ROWS[1] + 100, "技术效益介绍", "预计未来五年可实现销售收入。")
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


@pytest.mark.slow
def test_a_hint_touching_the_rule_stays_out_of_the_value():
    page = Page(image=_hint_touching_the_value(), dpi=DPI, source=Path("hint.png"), number=2)
    r = page_reading(page, T, OPTIONS)
    assert r.fields["tech_level"].value == "提供了可靠支撑。系统采用模块化架构。"


def test_a_detected_line_over_a_rule_is_cut_there_before_it_is_read():
    from extract.cells import split_detections
    from extract.grid import Cell

    cells = [Cell(0, 0, 1, 1, (100, 0, 500, 200)), Cell(0, 1, 1, 1, (500, 0, 1500, 200))]
    over = (np.array([[300, 50], [900, 50], [900, 90], [300, 90]], np.float32), (300, 50, 900, 90))
    inside = (np.array([[600, 120], [900, 120], [900, 160], [600, 160]], np.float32), (600, 120, 900, 160))
    out = split_detections([over, inside], cells)
    assert [b for _, b in out] == [(300, 50, 496, 90), (504, 50, 900, 90), (600, 120, 900, 160)]
    assert out[2][0] is inside[0]
