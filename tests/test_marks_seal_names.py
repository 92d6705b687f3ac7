"""What a seal's ring says (issue 17): the ring fitted to the seal's outline, the name apart from
the lower arc's code or subtitle, each read upright; on boxes drawn and stamped by samples.seal."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein
from test_marks_seals import DPI, PPM, UNIT, sealed

from extract.marks import read_seal
from extract.marks.seal_outline import fit_ring_around
from extract.marks.seal_text import CODE_SQUEEZES, NAME_CUT_CHANGES, SealText, fill_seal_text, read_seal_lines
from extract.reading import SealReading
from samples.spec import SealSpec

CODE = "1101080012345"


def fitted_mm(style: SealSpec, mode: str = "color") -> tuple[float, float]:
    box = sealed(mode, style)
    r = read_seal(box, DPI, mode)
    assert r.present and r.bbox is not None, r.reason
    ring = fit_ring_around(box, r.bbox, DPI)
    return max(ring.a, ring.b) / PPM, min(ring.a, ring.b) / PPM


@pytest.mark.parametrize(("size", "mode"), [((30.0, 20.0), "color"), ((35.0, 25.0), "color"), ((30.0, 20.0), "gray")])
def test_a_small_ovals_ring_follows_its_outline(size: tuple[float, float], mode: str) -> None:
    # The ring filters know 40x30 and 45x30 ovals; the fit must shrink to the seal's own outline
    # (the ring line's middle lies ~0.65 mm inside the impression's edge).
    a, b = fitted_mm(SealSpec(unit=UNIT, oval=True, oval_mm=size, rotation_deg=12.0), mode)
    assert abs(a - (size[0] / 2 - 0.65)) < 1.0 and abs(b - (size[1] / 2 - 0.65)) < 1.0, (a, b)


@pytest.mark.parametrize("diameter", [30.0, 50.0])
def test_round_seals_from_30_to_50_mm_are_fitted_to_their_size(diameter: float) -> None:
    style = SealSpec(unit=UNIT, diameter_mm=diameter, rotation_deg=5.0)
    a, b = fitted_mm(style) if diameter < 45 else _fitted_higher(style)
    assert abs(a - (diameter / 2 - 0.65)) < 1.0 and abs(b - (diameter / 2 - 0.65)) < 1.0, (a, b)


def _fitted_higher(style: SealSpec) -> tuple[float, float]:
    """A 50 mm seal stamped 8 mm higher (on the label it would run out of the 62 mm box)."""
    box = sealed("color", style, offset_mm=(0.0, -8.0))
    r = read_seal(box, DPI, "color")
    assert r.present and r.bbox is not None, r.reason
    ring = fit_ring_around(box, r.bbox, DPI)
    return max(ring.a, ring.b) / PPM, min(ring.a, ring.b) / PPM


def test_the_name_and_the_lower_line_are_read_apart_and_upright() -> None:
    box = sealed("color", SealSpec(unit=UNIT, diameter_mm=42.0, rotation_deg=120.0, bottom_text=CODE))
    r = read_seal(box, DPI, "color")
    strips: list[np.ndarray] = []

    def name_only(img: np.ndarray) -> tuple[str, float]:
        strips.append(img)
        return "中国地质科学院", 0.9

    read_seal_lines(box, r.bbox, DPI, name_only)
    # the name is read first (at each of its cuts), the lower line last, once per squeeze
    names = len(strips) - len(CODE_SQUEEZES)
    assert names >= len(NAME_CUT_CHANGES)
    calls: list[int] = []

    def fake_ocr(img: np.ndarray) -> tuple[str, float]:
        calls.append(1)
        return ("中国地质科学院", 0.9) if len(calls) <= names else (CODE, 0.8)

    lines = read_seal_lines(box, r.bbox, DPI, fake_ocr)
    assert lines.name == UNIT and lines.code == CODE and lines.subtitle is None
    name_strip, code_strip = strips[0], strips[names]
    # Both are straight lines wider than tall; the name's glyphs are ~40 px tall, the code's
    # smaller glyphs scaled up to about the same.
    for strip in (name_strip, code_strip):
        assert strip.shape[1] > 3 * strip.shape[0]
        ink_rows = np.flatnonzero(strip.min(axis=(1, 2)) < 128)
        assert 25 <= ink_rows[-1] - ink_rows[0] <= 75, ink_rows[-1] - ink_rows[0]


def test_a_ring_without_glyphs_reads_nothing() -> None:
    box = sealed("color")
    r = read_seal(box, DPI, "color")
    assert read_seal_lines(box, r.bbox, DPI, lambda img: ("", 0.0)) == SealText()


def test_the_seal_reading_carries_name_code_and_subtitle_and_round_trips() -> None:
    seal = SealReading(True, 0.9)
    fill_seal_text(seal, SealText("中国地质科学院", 0.97, [["中国地质科学院", 0.97], ["国地质科学院", 0.95]],
                                  CODE, 0.8, None, 0.0))
    assert (seal.text, seal.code, seal.text_candidates[1][0]) == ("中国地质科学院", CODE, "国地质科学院")
    assert SealReading.from_dict(seal.to_dict()) == seal


def _read(style: SealSpec, mode: str = "color", dpi: int = DPI, offset_mm: tuple[float, float] = (0.0, 0.0),
          dense: bool = False) -> SealText:
    import test_marks_seals as T

    from extract.ocr import get_engine, line_reader

    old = T.DPI, T.PPM
    T.DPI, T.PPM = dpi, dpi / 25.4
    try:
        box = sealed(mode, style, offset_mm=offset_mm, dense=dense)
    finally:
        T.DPI, T.PPM = old
    r = read_seal(box, dpi, mode)
    assert r.present, r.reason
    return read_seal_lines(box, r.bbox, dpi, line_reader(get_engine("rapidocr")))


@pytest.mark.slow
def test_a_code_on_the_lower_arc_is_read_apart_from_the_name() -> None:
    # stamped 8 mm above the label, so that the code on its lower arc stays inside the box
    lines = _read(SealSpec(unit="北京清源环保科技有限公司", diameter_mm=42.0, rotation_deg=-20.0, bottom_text=CODE),
                  offset_mm=(0.0, -8.0))
    assert lines.name == "北京清源环保科技有限公司"  # not rotated by the code in the gap
    assert lines.code is not None and Levenshtein.distance(lines.code, CODE) <= 1, lines.code


@pytest.mark.slow
def test_a_bold_subtitle_on_the_lower_arc_is_not_taken_for_the_name() -> None:
    style = SealSpec(unit="中国金属学会", diameter_mm=40.0, rotation_deg=-75.0, font="noto-serif",
                     subtitle="科研专用章", subtitle_arc=True, code_font="noto-sans")
    lines = _read(style)
    assert lines.name == "中国金属学会", lines


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "dpi", "ink"), [("color", 100, 1.0), ("color", 200, 0.4), ("gray", 150, 0.6)])
def test_faint_and_low_resolution_seals_give_their_name(mode: str, dpi: int, ink: float) -> None:
    lines = _read(SealSpec(unit="哈尔滨工业大学", diameter_mm=42.0, rotation_deg=15.0, ink=ink), mode, dpi)
    assert lines.name is not None and Levenshtein.distance(lines.name, "哈尔滨工业大学") <= 1, lines


@pytest.mark.slow
def test_a_small_ovals_name_is_read() -> None:
    lines = _read(SealSpec(unit="华中科技大学", oval=True, oval_mm=(30.0, 20.0), rotation_deg=8.0))
    assert lines.name is not None and Levenshtein.distance(lines.name, "华中科技大学") <= 1, lines



def _bench_box(condition: str, seed: int, index: int) -> tuple[np.ndarray, str, int, str]:
    """The ``index``-th box of a bench.seal_names condition (drawn as the bench draws it): the box,
    its seal's unit, the dpi and the scan mode."""
    import random

    from bench import seal_names as sn

    cond = next(c for c in sn.CONDITIONS if c.name == condition)
    blanks = sn.blank_boxes(seed)
    rng = random.Random(f"{seed}|{cond.name}")
    units = sn.batch_units(rng)
    for i in range(index + 1):
        unit = rng.choice(units)
        box, _ = sn.draw_case(cond, blanks[i % len(blanks)], unit, rng, seed * 1000 + i)
    return box, unit, cond.dpi, cond.mode


@pytest.mark.slow
@pytest.mark.parametrize(("condition", "index"), [("gray", 1), ("gray", 6), ("bilevel", 1), ("bilevel", 8)])
def test_a_seal_over_black_print_in_a_gray_or_1_bit_scan_gives_its_whole_name(condition: str, index: int) -> None:
    # bench.seal_names seed 5151: the box's print (the label, the date line) under the seal is the
    # same ink as the seal's; it mirrored the name about the wrong star tip (浙江省科学技术协会 read
    # 省科学技术协会, 中国地球物理学会 国地球物理学会) or hid the star and ran on from the name's end
    from extract.ocr import get_engine, line_reader

    box, unit, dpi, mode = _bench_box(condition, 5151, index)
    r = read_seal(box, dpi, mode)
    assert r.present and r.bbox is not None, r.reason
    lines = read_seal_lines(box, r.bbox, dpi, line_reader(get_engine("rapidocr")))
    assert lines.name == unit, lines


def test_the_names_ends_are_where_its_columns_end_alike_on_both_sides_of_the_top() -> None:
    from extract.marks.seal_survey import NAME_GAP_GLYPHS, _mirrored_end, _reach

    glyph = 10
    on = np.zeros(400, bool)
    top = 200
    for k in range(-3, 4):  # seven glyphs, 11 columns each, 2 apart, centred on the top
        on[top + 13 * k - 5: top + 13 * k + 6] = True
    name_end = 13 * 3 + 5
    on[top + name_end + 8: top + name_end + 30] = True  # print run on from the last glyph, past a small gap
    gap = round(NAME_GAP_GLYPHS * glyph)
    assert _reach(on, top, 1, gap, 150) > name_end + 20  # the walk out from the top bridges the gap
    assert _mirrored_end(on, top, gap, 150, glyph) == name_end  # the ends that mirror are the name's
    # print on both sides at other distances does not mirror; a run the walk's limit cuts is no end
    on[top - name_end - 12: top - name_end - 2] = True
    assert _mirrored_end(on, top, gap, 150, glyph) == name_end
    assert _mirrored_end(on, top, gap, name_end - 2, glyph) == 13 * 2 + 5


@pytest.mark.slow
def test_a_long_name_on_a_small_oval_is_not_given_up_for_a_fragment_read_about_another_star_tip() -> None:
    # bench.seal_names seed 27182 small_oval #2: 12 glyphs of 3.6 mm on a 30x20 mm oval read at ~0.8
    # about the star's top tip; another tip gave 各有限公司 at 0.96, more surely but far shorter
    from extract.ocr import get_engine, line_reader

    box, unit, dpi, mode = _bench_box("small_oval", 27182, 2)
    r = read_seal(box, dpi, mode)
    assert r.present and r.bbox is not None, r.reason
    lines = read_seal_lines(box, r.bbox, dpi, line_reader(get_engine("rapidocr")))
    assert lines.name is not None and Levenshtein.distance(lines.name, unit) <= 1, lines


def test_a_subtitle_is_the_surest_of_its_line_readings() -> None:
    # bench.seal_names seed 48611 round_subtitle #2: the lower line unsqueezed read 业务专用款 (0.82),
    # squeezed to 0.7 业务专用章 (0.84); the first reading was kept whatever the others said
    box = sealed("color", SealSpec(unit=UNIT, diameter_mm=42.0, rotation_deg=10.0, subtitle="业务专用章",
                                   subtitle_arc=True, code_font="noto-sans"))
    r = read_seal(box, DPI, "color")
    calls: list[int] = []
    read_seal_lines(box, r.bbox, DPI, lambda img: (calls.append(1), ("中国地质科学院", 0.99))[1])
    names = len(calls) - len(CODE_SQUEEZES)
    lower = iter([("业务专用款", 0.82), ("业务专用章", 0.84), ("业务专用", 0.7)])
    seen: list[int] = []

    def fake_ocr(img: np.ndarray) -> tuple[str, float]:
        seen.append(1)
        return ("中国地质科学院", 0.99) if len(seen) <= names else next(lower)

    lines = read_seal_lines(box, r.bbox, DPI, fake_ocr)
    assert (lines.name, lines.subtitle, lines.subtitle_confidence) == (UNIT, "业务专用章", 0.84)


@pytest.mark.slow
@pytest.mark.parametrize(("condition", "index", "edits"), [("dpi150", 3, 2), ("patchy", 4, 0),
                                                               ("round_subtitle", 6, 0)])
def test_a_150_dpi_or_patchy_seals_name_is_read_to_its_ends(condition: str, index: int, edits: int) -> None:
    # bench.seal_names seed 48611: at 150 dpi JPEG keeps a stroke's colour at half the resolution of its
    # brightness, and the saturation alone left 中国农业机械化科学研究院's glyphs too pale for the survey
    # (read 碱化利, three glyphs about its top; now 11-12 of its 13, two misread at most); a patchy
    # 中南大学 lost its pale 中 from every cut (南大学); a thin-stroked 中南大学 over a bold 业务专用章 must
    # not be read with the subtitle run on (中南大学戛田争琴亦, about the tip the two mirror about)
    from extract.ocr import get_engine, line_reader

    box, unit, dpi, mode = _bench_box(condition, 48611, index)
    r = read_seal(box, dpi, mode)
    assert r.present and r.bbox is not None, r.reason
    lines = read_seal_lines(box, r.bbox, dpi, line_reader(get_engine("rapidocr")))
    assert lines.name is not None and Levenshtein.distance(lines.name, unit) <= edits, lines


def test_print_darker_than_a_gray_seals_ring_is_taken_out_and_a_seal_as_dark_as_print_kept() -> None:
    from extract.marks.seal_outline import FittedRing
    from extract.marks.seal_text import without_print

    img = np.full((200, 200), 250, np.uint8)
    ring = FittedRing(100.0, 100.0, 80.0, 80.0, 0.0, False)
    cv2.circle(img, (100, 100), 80, 170, 10)  # a red seal's ring in a gray scan
    cv2.putText(img, "X", (60, 60), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 170, 6)  # a glyph of the seal
    cv2.line(img, (0, 30), (200, 30), 40, 4)  # black print across it
    out = without_print(img, ring, 12.0)
    assert (out[28:33, :] == 255).all()  # the print is paper now
    away = np.abs(np.arange(200) - 30)[:, None].repeat(200, axis=1) > 6  # clear of the print's rim
    assert (out[(img == 170) & away] == 170).all() and (out[img == 250] >= 250).all()  # the seal's ink and the paper kept
    dark = img.copy()
    dark[dark == 170] = 60  # a seal as dark as the print (a black stamp): nothing taken out
    assert (without_print(dark, ring, 12.0) == dark).all()


def test_the_blurred_rim_of_print_goes_with_it() -> None:
    # a scan blurs print's edges to the seal's own tone; left, they outline every printed glyph at the
    # seal's tone (rob seed 828415 gray-01: the outlined label and date line mirrored better than the
    # name, which was cut to 「学技术协会」)
    from extract.marks.seal_outline import FittedRing
    from extract.marks.seal_text import without_print

    img = np.full((200, 200), 250, np.uint8)
    cv2.circle(img, (100, 100), 80, 170, 10)
    cv2.line(img, (0, 120), (200, 120), 40, 4)
    img = cv2.GaussianBlur(img, (5, 5), 1.2)  # the scan's blur: the line's edges pass through 170
    rim = (img[110:131] > 60) & (img[110:131] < 240)
    assert rim.any()
    out = without_print(img, FittedRing(100.0, 100.0, 80.0, 80.0, 0.0, False), 12.0)
    assert (out[110:131][rim & (np.abs(np.arange(110, 131) - 120)[:, None] <= 4)] == 255).all()
    assert (out[60:100, 15:30] < 200).any()  # the ring's own ink away from the print is kept


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "index"), [(612345, 0), (612345, 4), (612345, 6), (246813, 3), (246813, 5)])
def test_a_gray_seal_read_through_the_print_across_its_names_first_glyph(seed: int, index: int) -> None:
    # bench.seal_names seed 612345 gray #0/#4/#6: the box's print crossed 中 and 京 (read 国…, 北要…);
    # seed 246813 gray #3/#5: the print's blurred rim stayed at the seal's tone (中 for 中南大学, and
    # 钢铁研究总 for 钢铁研究总院 with its star cut apart by the print taken out)
    from extract.ocr import get_engine, line_reader

    box, unit, dpi, mode = _bench_box("gray", seed, index)
    r = read_seal(box, dpi, mode)
    assert r.present and r.bbox is not None, r.reason
    assert read_seal_lines(box, r.bbox, dpi, line_reader(get_engine("rapidocr"))).name == unit


@pytest.mark.slow
def test_a_small_ovals_ring_is_fitted_where_the_ring_filters_placed_a_larger_one_off_it() -> None:
    # bench.seal_names seed 612345 small_oval #9: a 30x20 mm oval at the box's foot; the 40x30 kernel sat
    # over its arc, and every start of the fit lay off the seal (its name was not read at all)
    box, unit, dpi, mode = _bench_box("small_oval", 612345, 9)
    r = read_seal(box, dpi, mode)
    assert r.present and r.bbox is not None, r.reason
    ring = fit_ring_around(box, r.bbox, dpi)
    size = sorted((2 * ring.a / (dpi / 25.4), 2 * ring.b / (dpi / 25.4)))
    assert abs(size[0] - 20.0) < 2.0 and abs(size[1] - 30.0) < 2.0, size


def test_a_top_reading_part_of_the_best_mirroring_tops_sure_reading_gives_way_to_it() -> None:
    from extract.marks.seal_text import chosen_top

    # rob seed 256370 combined-02: the pale 湖北省 lost about another star tip, read (白 for 省) about the
    # best-mirroring one: the fuller sure reading is the name
    assert chosen_top([[["湖北白科学技术协会", 0.906]], [["科学技术协会", 0.995]]]) == 0
    # the best-mirroring top's cut ran on into a bold lower line, its more glyphs unsure: not taken
    assert chosen_top([[["中南大学戛田争琴亦", 0.77]], [["中南大学", 1.0]]]) == 1
    # a fragment no part of the best-mirroring top's reading gives way to it; a reading as long stands
    assert chosen_top([[["沈阳新松精工装备有限公司", 0.8]], [["各有限公司", 0.99]]]) == 0
    assert chosen_top([[["中国药学会", 0.86]], [["中国药学会", 0.99]]]) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("unit", "inside_mm"), [("哈尔滨工业大学", 12.0), ("中国机械工程学会", 10.0)])
def test_a_seal_running_out_of_its_box_is_read_whole_from_the_page(unit: str, inside_mm: float) -> None:
    # rob seed 140554 (word, combined): seals stamped at the table's right edge ran out of the box, and
    # the box alone gave 哈尔滨工业 and 中国机械工程; the page beyond the box holds the name's end
    from extract.marks.seal_text import read_seal_lines_spilled, spilled_bbox
    from extract.ocr import get_engine, line_reader
    from samples.seal import draw_seal

    k = 300 / 25.4
    page = np.full((round(120 * k), round(200 * k), 3), 250, np.uint8)
    box = [round(10 * k), round(20 * k), round(150 * k), round(90 * k)]
    cv2.rectangle(page, (box[0], box[1]), (box[2], box[3]), (30, 30, 30), 3)
    # a second seal beyond the box's edge, lower down: the ring followed out of the box is this seal's
    page = draw_seal(page, center=(box[2] + round(24 * k), round(100 * k)), dpi=300,
                     style=SealSpec(unit="中国药学会", diameter_mm=40.0), seed=2)
    page = draw_seal(page, center=(box[2] - round(inside_mm * k), round(58 * k)), dpi=300,
                     style=SealSpec(unit=unit, diameter_mm=42.0, rotation_deg=4.0), seed=5)
    cell = page[box[1]:box[3], box[0]:box[2]]
    found = read_seal(cell, 300, "color")
    assert found.present and found.bbox is not None, found.reason
    ocr = line_reader(get_engine("rapidocr"))
    assert read_seal_lines(cell, found.bbox, 300, ocr).name != unit  # the box alone cuts the name's end off
    assert spilled_bbox(found.bbox, cell.shape, 300) is not None
    assert read_seal_lines_spilled(page, box, found.bbox, 300, ocr).name == unit


def test_a_seal_clear_of_its_boxs_edges_is_not_looked_for_past_them() -> None:
    from extract.marks.seal_text import spilled_bbox

    assert spilled_bbox([100, 100, 400, 400], (600, 800, 3), 300) is None
    assert spilled_bbox([100, 100, 800, 400], (600, 800, 3), 300) == [100, 100, 800 + round(25 * 300 / 25.4), 400]
