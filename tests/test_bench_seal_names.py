"""bench.seal_names: its scoring scores known cases right, and its drawn boxes agree with their truth."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from bench.seal_names import CONDITIONS, Blank, draw_case, flagged, iou, name_exact, name_within, wrong_unit

UNITS = ["中国地质科学院", "中国地质大学（武汉）", "中国环境科学研究院", "清华大学", "复旦大学", "中南大学",
         "北京科技大学", "西安电子科技大学", "电子科技大学", "中国科学院金属研究所"]


def test_exact_and_within_one_character() -> None:
    assert name_exact("中国地质科学院", "中国地质科学院")
    assert name_exact("中国地质科学院公章", "中国地质科学院")  # the checks drop a trailing 公章 too
    assert name_exact("中国地质大学(武汉)", "中国地质大学（武汉）")  # widths folded, brackets dropped
    assert not name_exact("中国地质科学", "中国地质科学院")
    assert name_within("中国地质科学", "中国地质科学院")
    assert name_within("中国地贡科学院", "中国地质科学院")
    assert not name_within("国地质科学", "中国地质科学院")
    assert not name_within(None, "中国地质科学院") and not name_exact("", "中国地质科学院")


def test_wrong_unit_names_the_unit_the_checks_would_accept() -> None:
    assert wrong_unit("中国地质科学院", "中国地质科学院", UNITS) is None
    assert wrong_unit("中国地质科学", "中国地质科学院", UNITS) is None  # a partial read of its own unit
    assert wrong_unit(None, "中国地质科学院", UNITS) is None
    # the seal is 中国地质科学院's but the ring read fits 中国地质大学（武汉） best: taken for it
    assert wrong_unit("中国地质大学武汉", "中国地质科学院", UNITS) == "中国地质大学（武汉）"
    # a read that fits two units equally (电子科技大学 is a stretch of 西安电子科技大学) is wrong for one of them
    assert wrong_unit("电子科技大学", "西安电子科技大学", UNITS) == "电子科技大学"
    assert wrong_unit("大学", "清华大学", UNITS) is None  # too short for any verdict


def test_flagged_runs_the_checks_seal_rule() -> None:
    assert not flagged("中国地质科学院", [], "中国地质科学院", UNITS)
    assert flagged("中国地质大学武汉", [], "中国地质科学院", UNITS)  # another unit of the batch fits far better
    assert flagged("哈尔滨工业大学", [], "中国环境科学研究院", UNITS)  # a unit outside the batch
    # 科技大学 fits the online 北京科技大学 and the batch's 电子科技大学 alike: not a MISMATCH, but a warning
    assert not flagged("科技大学", [], "北京科技大学", UNITS)
    assert flagged("科技大学", [], "北京科技大学", UNITS, warned=True)


def test_iou() -> None:
    assert iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    assert iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(1 / 3)
    assert iou([0, 0, 10, 10], [20, 20, 30, 30]) == 0.0


@pytest.mark.parametrize("name", ["round_code", "dpi150", "bilevel"])
def test_drawn_box_puts_the_seal_where_its_truth_says(name: str) -> None:
    cond = next(c for c in CONDITIONS if c.name == name)
    page = np.full((700, 1800, 3), 250, np.uint8)
    cv2.rectangle(page, (0, 0), (1799, 699), (0, 0, 0), 3)
    blank = Blank(page, (1450, 520))
    box, truth = draw_case(cond, blank, "中国环境科学研究院", random.Random(2), 11)
    assert box.shape[:2] == (700 * cond.dpi // 300, 1800 * cond.dpi // 300)
    x0, y0, x1, y1 = truth["bbox"]
    assert 0 <= x0 and 0 <= y0 and x1 <= box.shape[1] and y1 <= box.shape[0]  # kept inside the box
    gray = cv2.cvtColor(box, cv2.COLOR_BGR2GRAY)
    hsv = cv2.cvtColor(box, cv2.COLOR_BGR2HSV)
    ink = (hsv[..., 1] > 60) if cond.mode == "color" else (gray < 128)
    ink[:8, :] = ink[-8:, :] = False
    ink[:, :8] = ink[:, -8:] = False
    ys, xs = np.nonzero(ink)
    assert abs((xs.min() + xs.max()) / 2 - truth["center"][0]) < 0.03 * box.shape[1]
    assert abs((ys.min() + ys.max()) / 2 - truth["center"][1]) < 0.05 * box.shape[0]
    assert (xs.max() - xs.min()) == pytest.approx(x1 - x0, rel=0.08)
    assert truth["code"] and len(truth["code"]) == 13 or name != "round_code"
