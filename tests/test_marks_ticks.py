"""Tick boxes: printed □ found in reading order, ticked or not by the ink inside.

Cells are drawn here the way the printed form lays them out (□ then the choice's
name) and marked with the samples' pen styles (samples.draw.draw_tick).
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.marks import TickReading, read_ticks
from samples.draw import draw_tick
from samples.fonts import load_font
from samples.scan import scan

DPI = 200
PPM = DPI / 25.4
DOMAINS = ["电子信息", "生物医药", "装备制造", "先进材料", "资源环境"]
TYPES = ["应用研究", "开发研究"]


def mm(v: float) -> int:
    return int(round(v * PPM))


def choice_cell(choices: list[str], ticked: list[str], style: str = "check", per_row: int = 5,
                seed: int = 0) -> Image.Image:
    size = mm(3.7)
    img = Image.new("RGB", (mm(150), mm(8) + mm(8) * ((len(choices) - 1) // per_row + 1)), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, img.width - 1, img.height - 1), outline=(0, 0, 0), width=2)
    font = load_font("noto-serif", size)
    rng = random.Random(seed)
    for i, c in enumerate(choices):
        x, y = mm(4) + (i % per_row) * mm(28), mm(4) + (i // per_row) * mm(8)
        box = int(size * 0.82)
        d.rectangle((x, y, x + box, y + box), outline=(0, 0, 0), width=max(1, round(PPM * 0.18)))
        d.text((x + box + size * 0.2, y - size * 0.1), c, fill=(0, 0, 0), font=font)
        if c in ticked:
            draw_tick(d, [x, y, x + box, y + box], style, rng, DPI)
    return img


def scanned(img: Image.Image, mode: str = "color", seed: int = 1) -> np.ndarray:
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    out = scan([bgr], mode=mode, dpi=DPI, src_dpi=DPI, paper_tint=0.4, seed=seed)[0]
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR) if out.ndim == 2 else out


@pytest.mark.parametrize("style", ["check", "cross", "fill", "overflow", "pencil"])
@pytest.mark.parametrize("mode", ["color", "gray", "bilevel"])
def test_each_tick_style_reads_as_the_one_ticked_choice(style: str, mode: str) -> None:
    if style == "pencil" and mode == "bilevel":
        pytest.skip("this light pencil tick is thresholded away entirely (interior ink 0.003): nothing to read")
    r = read_ticks(scanned(choice_cell(DOMAINS, ["先进材料"], style), mode), DOMAINS, DPI)
    assert r.status == "read", r.reason
    assert r.chosen == ["先进材料"], r.scores
    assert r.confidence > 0.5


def test_nothing_ticked_reads_as_nothing_chosen_with_confidence() -> None:
    r = read_ticks(scanned(choice_cell(DOMAINS, [])), DOMAINS, DPI)
    assert r.status == "read" and r.chosen == [] and r.confidence > 0.8
    assert set(r.scores) == set(DOMAINS) and max(r.scores.values()) < 0.02


def test_two_ticked_reads_as_both_in_template_order() -> None:
    r = read_ticks(scanned(choice_cell(DOMAINS, ["资源环境", "电子信息"], "cross")), DOMAINS, DPI)
    assert r.chosen == ["电子信息", "资源环境"]


def test_boxes_wrapping_onto_a_second_row_map_in_reading_order() -> None:
    r = read_ticks(scanned(choice_cell(DOMAINS, ["装备制造"], per_row=3)), DOMAINS, DPI)
    assert r.chosen == ["装备制造"], r.scores
    assert r.boxes["先进材料"][1] > r.boxes["电子信息"][1] + mm(5)  # second row


def test_project_type_cell_with_two_boxes() -> None:
    r = read_ticks(scanned(choice_cell(TYPES, ["开发研究"]), "gray"), TYPES, DPI)
    assert r.chosen == ["开发研究"]
    x0, y0, x1, y1 = r.boxes["开发研究"]
    assert abs((x1 - x0) - mm(3.7) * 0.82) <= mm(0.6)


def test_a_box_count_that_differs_from_the_choices_is_unreadable_not_empty() -> None:
    r = read_ticks(scanned(choice_cell(DOMAINS[:4], [])), DOMAINS, DPI)
    assert r.status == "unreadable" and r.confidence == 0.0 and r.chosen == []
    assert "found 4 tick boxes, the template has 5 choices" in r.reason


def test_a_cell_without_boxes_is_unreadable() -> None:
    img = Image.new("RGB", (mm(150), mm(14)), (255, 255, 255))
    ImageDraw.Draw(img).text((mm(4), mm(4)), "应用研究/开发研究", fill=(0, 0, 0), font=load_font("noto-serif", mm(3.7)))
    r = read_ticks(scanned(img), TYPES, DPI)
    assert r.status == "unreadable" and "found 0 tick boxes" in r.reason


def test_an_empty_crop_is_unreadable_with_its_reason() -> None:
    r = read_ticks(np.zeros((0, 0, 3), np.uint8), TYPES, DPI)
    assert r.status == "unreadable" and "BGR uint8" in r.reason


def test_tick_reading_round_trips() -> None:
    r = read_ticks(scanned(choice_cell(TYPES, ["应用研究"])), TYPES, DPI)
    assert TickReading.from_dict(r.to_dict()) == r


def test_a_thick_printed_side_is_not_read_as_a_tick() -> None:
    # A 1-bit 200 dpi scan read at 300 dpi: the boxes' sides come out ~0.8 mm thick, twice a colour
    # scan's; with a fixed inset the empty box's own side counted as ink inside it (form07 in samples).
    cell = scanned(choice_cell(TYPES, ["应用研究"]), mode="bilevel")
    thick = cv2.erode(cell, np.ones((5, 5), np.uint8))  # ink is dark: erosion thickens every stroke
    big = cv2.resize(thick, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_NEAREST)
    reading = read_ticks(big, TYPES, 300)
    assert reading.chosen == ["应用研究"]
    assert reading.scores["开发研究"] < 0.01
