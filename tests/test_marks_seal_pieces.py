"""A faint seal on a 1-bit scan whose name the threshold broke into pieces (issue 13, kind 6): combined-01 of
rob seed 256370, a 45 x 30 mm oval at 51 % ink stamped over the 推荐单位公章 label and spilling out of the
box, only 江苏省 and 协会 of its name left, its star hollowed: judged an empty printed circle, a false
SEAL_MISSING. Drawn here with the sample generator's seal and scanner (adaptive threshold, letterpress)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.marks import read_seal
from samples.fonts import load_font
from samples.scan import ScanSettings, scan_page
from samples.seal import draw_seal
from samples.spec import SealSpec

DPI = 400
PPM = DPI / 25.4
OVAL = SealSpec(unit="江苏省科学技术协会", oval=True, ink=0.51, coverage=0.81, rotation_deg=28.0, patches=1, font="ukai",
                code_font="uming", bottom_text="8405700859676", span_deg=218.0, bleed_mm=0.09)


def mm(v: float) -> int:
    return int(round(v * PPM))


def box(seal: SealSpec | None, seed: int, offset_mm: tuple[float, float]) -> np.ndarray:
    """A 168 x 56 mm recommender's opinion box, the seal stamped ``offset_mm`` right of and above the 公章
    label's centre (None: no seal), scanned 1-bit as the robustness bench's combined condition does."""
    w, h = mm(168), mm(56)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w - 1, h - 1), outline=(0, 0, 0), width=3)
    font = load_font("noto-serif", mm(4.2))
    d.text((w // 2 - mm(20), mm(5)), "（推荐单位意见）", fill=(0, 0, 0), font=font)
    lx, ly = w - mm(42), h - mm(20)
    d.text((lx, ly), "推荐单位公章", fill=(0, 0, 0), font=font)
    d.text((w - mm(50), h - mm(10)), "2020 年 11 月 11 日", fill=(0, 0, 0), font=font)
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    if seal is not None:
        centre = (lx + mm(12.5) + mm(offset_mm[0]), ly + mm(2.0) - mm(offset_mm[1]))
        bgr = draw_seal(bgr, center=centre, dpi=DPI, style=seal, seed=seed)
    scanned = scan_page(bgr, ScanSettings("bilevel", DPI, DPI, threshold="adaptive", paper_tint=0.43, seed=seed,
                                          damage=("letterpress",)))
    return cv2.cvtColor(scanned, cv2.COLOR_GRAY2BGR)


@pytest.mark.parametrize(("seed", "offset"), [(17, (5.8, -4.0)), (17, (7.0, -5.0)), (21, (8.0, -3.0))])
def test_a_faint_seal_whose_name_the_threshold_broke_is_found(seed: int, offset: tuple[float, float]) -> None:
    # each read 'an empty ring, not a seal' before: its name's longest run 8-11 % of the ring, in pieces 19-22 %
    r = read_seal(box(OVAL, seed, offset), DPI, "bilevel")
    assert r.present and r.bbox is not None, r.reason
    assert "in pieces" in r.reason


@pytest.mark.parametrize(("seed", "offset"), [(17, (5.8, -4.0)), (21, (8.0, -3.0))])
def test_the_same_box_without_its_seal_is_no_seal(seed: int, offset: tuple[float, float]) -> None:
    r = read_seal(box(None, seed, offset), DPI, "bilevel")
    assert not r.present, r.reason
