"""The seal drawer's issue 17 kinds: its truth (texts, glyph places, geometry) agrees with its pixels."""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
import pytest

from samples.seal import Glyph, seal_glyphs, seal_mask, seal_truth
from samples.spec import SealSpec, name_span_deg, real_seal, varied_seal

DPI = 300
CODE = "3706020012345"
LONG_NAME = "中国地质调查局水文地质环境地质调查中心北"  # 20 characters


def _ink_at(mask: np.ndarray, g: Glyph, frac: float = 0.35) -> float:
    """Mean ink in a square of ``frac`` of the glyph's height around its centre."""
    c = mask.shape[0] / 2
    r = max(2, int(g.height_px * frac))
    x, y = int(round(c + g.x)), int(round(c + g.y))
    return float(mask[y - r:y + r + 1, x - r:x + r + 1].mean())


def _coded(**kw: object) -> SealSpec:
    return SealSpec("烟台盈泰企业管理咨询有限公司", coverage=1.0, font="uming", code_font="noto-sans",
                    bottom_text=CODE, span_deg=230.0, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("rotation", [0.0, 90.0, -135.0])
def test_code_digits_lie_where_the_truth_says_below_the_centre_read_left_to_right(rotation: float) -> None:
    style = _coded(rotation_deg=rotation)
    glyphs = seal_glyphs(style, DPI)
    code = [g for g in glyphs if g.kind == "code"]
    assert "".join(g.char for g in code) == CODE
    r = math.radians(-rotation)  # undo the stamp's turn: the code must sit below the centre, left to right
    upright = [(g.x * math.cos(r) - g.y * math.sin(r), g.x * math.sin(r) + g.y * math.cos(r)) for g in code]
    assert all(y > 0.5 * 21 * DPI / 25.4 for _, y in upright)  # on the lower arc, well below the centre
    xs = [x for x, _ in upright]
    assert xs == sorted(xs)  # first digit at the left
    assert all(abs((g.angle_deg - rotation + 180) % 360 - 180) < 60 for g in code)  # upright, not upside down
    mask = seal_mask(style, DPI, seed=2)
    plain = seal_mask(dataclasses.replace(style, bottom_text=""), DPI, seed=2)
    on_code = np.mean([_ink_at(mask, g) for g in code])
    assert on_code > 0.15
    assert on_code > 3 * np.mean([_ink_at(plain, g) for g in code])  # the ink there is the code's


def test_name_glyphs_one_per_character_inked_and_symmetric_about_the_top() -> None:
    style = SealSpec("北京邮电大学", coverage=1.0, font="noto-serif", span_deg=130.0, rotation_deg=0.0)
    names = [g for g in seal_glyphs(style, DPI) if g.kind == "name"]
    assert "".join(g.char for g in names) == style.unit
    assert all(g.y < 0 for g in names)  # upper arc
    assert names[0].x < 0 < names[-1].x  # clockwise: left to right over the top
    assert abs(names[0].x + names[-1].x) < 2 and abs(names[0].y - names[-1].y) < 2  # symmetric about the top
    mask = seal_mask(style, DPI, seed=1)
    assert min(_ink_at(mask, g) for g in names) > 0.1


def test_long_names_go_three_quarters_round_with_narrowed_glyphs_that_do_not_touch() -> None:
    assert 160.0 <= name_span_deg(4, random.Random(1)) <= 195.0  # even short names take half the ring
    assert name_span_deg(20, random.Random(1)) == 270.0
    style = SealSpec(LONG_NAME, coverage=1.0, span_deg=270.0)
    truth = seal_truth(style, (0, 0), DPI)
    n = len(LONG_NAME)
    assert truth["name_span_deg"] == pytest.approx(270.0 * (n - 1) / n, abs=3)  # first to last glyph centre
    names = [g for g in seal_glyphs(style, DPI) if g.kind == "name"]
    assert len(names) == n
    gaps = [math.hypot(a.x - b.x, a.y - b.y) for a, b in zip(names, names[1:], strict=False)]
    assert min(gaps) > 0.8 * max(gaps)  # evenly spaced
    short = [g for g in seal_glyphs(SealSpec("复旦大学", span_deg=110.0), DPI) if g.kind == "name"]
    assert names[0].height_px >= 0.8 * short[0].height_px  # the height kept: the glyphs narrow instead


@pytest.mark.parametrize(("size", "dpi"), [((45.0, 30.0), 300), ((30.0, 20.0), 300), ((35.0, 25.0), 200)])
def test_oval_axes_match_the_spec_at_the_given_dpi(size: tuple[float, float], dpi: int) -> None:
    style = SealSpec("苏州康源生物技术有限公司", oval=True, oval_mm=size, coverage=1.0, span_deg=200.0,
                     subtitle="财务专用章", font="wqy-zenhei")
    mask = seal_mask(style, dpi, seed=4)
    ys, xs = np.nonzero(mask > 0.2)
    k = dpi / 25.4
    assert (xs.max() - xs.min()) / k == pytest.approx(size[0], abs=1.0)
    assert (ys.max() - ys.min()) / k == pytest.approx(size[1], abs=1.0)
    truth = seal_truth(style, (500, 400), dpi)
    assert truth["axes_px"] == pytest.approx([size[0] * k / 2, size[1] * k / 2], abs=0.1)
    bbox = truth["bbox"]
    assert (bbox[2] - bbox[0]) / k == pytest.approx(size[0], abs=0.3)


def test_straight_subtitle_sits_under_the_star_clear_of_a_long_name() -> None:
    style = SealSpec("中国科学院长春光学精密机械与物理研究所", coverage=1.0, span_deg=240.0, subtitle="合同专用章")
    glyphs = seal_glyphs(style, DPI)
    sub = [g for g in glyphs if g.kind == "subtitle"]
    assert "".join(g.char for g in sub) == "合同专用章"
    assert all(g.y > 0 and g.angle_deg == 0.0 for g in sub)
    assert [g.x for g in sub] == sorted(g.x for g in sub)
    for s in sub:
        for n in (g for g in glyphs if g.kind == "name"):
            assert math.hypot(s.x - n.x, s.y - n.y) > 0.6 * (s.height_px + n.height_px)
    truth = seal_truth(style, (0, 0), DPI)
    assert truth["subtitle"] == "合同专用章" and truth["code"] == ""


def test_subtitle_along_the_lower_arc_is_upright_at_the_bottom() -> None:
    style = SealSpec("北京邮电大学", coverage=1.0, span_deg=130.0, subtitle="科研专用章", subtitle_arc=True,
                     code_font="uming")
    sub = [g for g in seal_glyphs(style, DPI) if g.kind == "subtitle"]
    assert [g.x for g in sub] == sorted(g.x for g in sub)
    mid = sub[len(sub) // 2]
    assert mid.y > 0.6 * 21 * DPI / 25.4 and abs(mid.angle_deg) < 1


def test_pale_patchy_and_bled_ink_change_the_impression_as_named() -> None:
    base = SealSpec("中国地质科学院", coverage=1.0, span_deg=150.0)
    full = seal_mask(base, DPI, seed=7)
    pale = seal_mask(dataclasses.replace(base, ink=0.55), DPI, seed=7)
    assert pale.sum() == pytest.approx(0.55 * full.sum(), rel=0.1)
    patchy = seal_mask(dataclasses.replace(base, patches=2), DPI, seed=7)
    h, w = full.shape
    yy, xx = np.mgrid[0:h, 0:w]
    theta = np.degrees(np.arctan2(xx - w / 2, -(yy - h / 2)))
    ring = np.hypot(xx - w / 2, yy - h / 2) > 0.9 * 21 * DPI / 25.4
    sector_ratio = [patchy[ring & (np.abs(theta - a) < 10)].sum() / max(1e-6, full[ring & (np.abs(theta - a) < 10)].sum())
                    for a in range(-170, 180, 20)]
    assert min(sector_ratio) < 0.65 and max(sector_ratio) > 0.95  # some sectors lost much of their ink, others none
    bled = seal_mask(dataclasses.replace(base, bleed_mm=0.15), DPI, seed=7)
    assert (bled > 0.3).sum() > 1.15 * (full > 0.3).sum()


def test_new_kinds_stay_out_of_old_truth_and_old_draws() -> None:
    assert set(SealSpec("中国地质科学院").to_dict()) == {"unit", "diameter_mm", "oval", "ink", "coverage",
                                                    "rotation_deg", "offset_mm", "bottom_text"}
    a, b = random.Random(5), random.Random(5)
    seal = varied_seal(a, "清华大学")
    from samples.spec import SEAL_INK, _varied_ring

    ring = _varied_ring(b, "清华大学", SEAL_INK)
    assert a.getstate() == b.getstate()  # the caller's RNG drawn from exactly as before issue 17
    assert (seal.unit, seal.rotation_deg, seal.bottom_text, seal.ink) == (ring.unit, ring.rotation_deg,
                                                                           ring.bottom_text, ring.ink)
    assert seal.code_font and seal.span_deg > 0


def test_real_seal_lower_arc_kinds() -> None:
    r = random.Random(3)
    coded = real_seal(r, "中南大学", lower="code")
    assert coded.code.isdigit() and len(coded.code) == 13 and not coded.subtitle
    sub = real_seal(r, "中国地质调查局水文地质环境地质调查中心", lower="subtitle")
    assert sub.subtitle and not sub.code and not sub.subtitle_arc and sub.span_deg <= 240.0
    none = real_seal(r, "复旦大学", lower="")
    assert not none.bottom_text and not none.subtitle
    assert coded.font != coded.code_font


def test_a_form_stamped_with_a_real_seal_records_its_lower_arc_and_an_old_one_does_not() -> None:
    from samples.draw import render_form_layout
    from samples.spec import OpinionSpec, make_spec

    base = make_spec(8)
    coded = real_seal(random.Random(1), base.applicant, lower="code")
    spec = dataclasses.replace(base, applicant_opinion=OpinionSpec(coded, base.applicant_opinion.date, "printed"))
    _, layout = render_form_layout(spec, dpi=150)
    seal = layout.seals["applicant_opinion"]
    assert seal["code"] == coded.bottom_text and seal["subtitle"] == ""
    assert seal["shape"] == ("oval" if coded.oval else "round") and seal["rotation_deg"] == round(coded.rotation_deg, 2)
    assert set(layout.seals["recommender_opinion"]) == {"present", "unit", "page", "bbox"}  # as before issue 17


@pytest.mark.parametrize("lower", ["code", "subtitle_arc"])
def test_the_lower_arc_never_runs_into_a_name_that_goes_three_quarters_round(lower: str) -> None:
    style = SealSpec(LONG_NAME, coverage=1.0, span_deg=270.0, code_font="uming",
                     bottom_text=CODE if lower == "code" else "", subtitle="" if lower == "code" else "技术合同专用章",
                     subtitle_arc=lower != "code")
    glyphs = seal_glyphs(style, DPI)
    names = [g for g in glyphs if g.kind == "name"]
    low = [g for g in glyphs if g.kind != "name"]
    assert len(low) == (13 if lower == "code" else 7)
    def angle(g: Glyph) -> float:
        return math.degrees(math.atan2(g.x, -g.y))  # from the top, clockwise

    name_pitch = 270.0 / len(names)
    low_pitch = abs(angle(low[0]) - angle(low[1]))
    gap = min(abs((angle(g) - angle(n) + 180) % 360 - 180) for g in low for n in names)
    assert gap - name_pitch / 2 - low_pitch / 2 > 5.0  # clear paper between the name's ends and the lower text


def test_the_pad_colour_is_the_one_the_spec_names_and_defaults_to_stamp_pad_red() -> None:
    from samples.seal import SEAL_BGR, draw_seal

    white = np.full((500, 500, 3), 255, np.uint8)
    style = SealSpec("中国地质科学院", coverage=1.0)
    red = draw_seal(white, style=style, dpi=DPI, seed=1)
    same = draw_seal(white, style=dataclasses.replace(style, ink_bgr=tuple(SEAL_BGR)), dpi=DPI, seed=1)
    assert np.array_equal(red, same)
    dark = draw_seal(white, style=dataclasses.replace(style, ink_bgr=(55.0, 35.0, 160.0)), dpi=DPI, seed=1)
    ink = red.min(axis=2) < 200
    assert dark[ink][:, 2].mean() < red[ink][:, 2].mean() - 20  # less red where the ink is
    assert seal_truth(dataclasses.replace(style, ink_bgr=(55.0, 35.0, 160.0)), (0, 0), DPI)["ink_bgr"] == [55.0, 35.0, 160.0]
