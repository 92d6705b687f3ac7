"""Seals in opinion boxes, on boxes drawn here and stamped with the samples' seal (samples.seal).

Each situation of issue 5: colour, gray and bilevel scans; faint, partly inked,
oval and spilling seals; unsealed boxes with red or blue pen notes, a red
underline and heading, dense printed text.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.marks import read_seal, read_seal_text, remove_red
from extract.marks.color import red_mask
from extract.reading import SealReading
from samples.fonts import HAND_FONT, load_font
from samples.scan import scan
from samples.seal import draw_seal
from samples.spec import SealSpec

DPI = 200
PPM = DPI / 25.4
BOX_MM = (150.0, 62.0)
COMMITMENT = "本单位承诺以上技术信息真实、可靠、不涉密，同意向“科创中国”先导技术榜单推荐。"
UNIT = "中国地质科学院"


def mm(v: float) -> int:
    return int(round(v * PPM))


def opinion_box(dense: bool = False) -> tuple[np.ndarray, tuple[int, int]]:
    """A clean opinion box (BGR) with its printed text, the 公章 label and 年 月 日; the label's centre."""
    w, h = mm(BOX_MM[0]), mm(BOX_MM[1])
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w - 1, h - 1), outline=(0, 0, 0), width=2)
    font = load_font("noto-serif", mm(3.7))
    lines = 7 if dense else 1
    for i in range(lines):
        d.text((mm(6), mm(4 + 5.2 * i)), (COMMITMENT * 3)[i * 34:(i + 1) * 34], fill=(0, 0, 0), font=font)
    label_xy = (w - mm(50), h - mm(17))
    d.text(label_xy, "申报单位公章", fill=(0, 0, 0), font=font)
    d.text((w - mm(52), h - mm(9)), "        年    月    日", fill=(0, 0, 0), font=font)
    centre = (label_xy[0] + mm(11), label_xy[1] + mm(2))
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), centre


def scanned(clean: np.ndarray, mode: str, seed: int = 1, tint: float = 0.0) -> np.ndarray:
    out = scan([clean], mode=mode, dpi=DPI, src_dpi=DPI, paper_tint=tint, seed=seed)[0]
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR) if out.ndim == 2 else out


def sealed(mode: str, style: SealSpec | None = None, offset_mm: tuple[float, float] = (0, 0), dense: bool = False,
           tint: float = 0.0) -> np.ndarray:
    box, (cx, cy) = opinion_box(dense)
    style = style or SealSpec(unit=UNIT, diameter_mm=42.0, rotation_deg=10.0)
    stamped = draw_seal(box, center=(cx + mm(offset_mm[0]), cy + mm(offset_mm[1])), dpi=DPI, style=style, seed=3)
    return scanned(stamped, mode, tint=tint)


def pen_notes(color_rgb: tuple[int, int, int], red_lines: bool = False) -> np.ndarray:
    box, _ = opinion_box()
    img = Image.fromarray(cv2.cvtColor(box, cv2.COLOR_BGR2RGB))
    d = ImageDraw.Draw(img)
    if red_lines:
        d.text((mm(40), mm(12)), "推荐意见（重要）", fill=color_rgb, font=load_font("noto-sans", mm(4), bold=True))
        d.line([(mm(40), mm(19)), (mm(140), mm(19.5))], fill=color_rgb, width=mm(0.5))
    else:
        d.text((mm(45), mm(14)), "同意推荐。", fill=color_rgb, font=load_font(HAND_FONT, mm(6)))
        pts = [(mm(60) + i * mm(2.2), mm(30) + (mm(3) if i % 2 else -mm(3))) for i in range(12)]
        d.line(pts, fill=color_rgb, width=mm(0.4), joint="curve")
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize("mode", ["color", "gray", "bilevel"])
def test_a_stamped_box_is_sealed_in_every_scan_mode(mode: str) -> None:
    r = read_seal(sealed(mode), DPI, mode)
    assert r.present, r.reason
    assert r.method == ("colour" if mode == "color" else "shape")
    assert r.bbox is not None
    # The seal's box is where it was stamped: its centre near the 公章 label.
    _, (cx, cy) = opinion_box()
    x0, y0, x1, y1 = r.bbox
    assert abs((x0 + x1) / 2 - cx) < mm(4) and abs((y0 + y1) / 2 - cy) < mm(4)
    assert mm(36) < x1 - x0 < mm(48)


@pytest.mark.parametrize("mode", ["color", "gray", "bilevel"])
def test_a_blank_box_is_unsealed_in_every_scan_mode(mode: str) -> None:
    box, _ = opinion_box()
    r = read_seal(scanned(box, mode), DPI, mode)
    assert not r.present, r.reason
    assert r.bbox is None and r.confidence > 0.5


def test_a_faint_pink_seal_on_yellowish_paper_is_found() -> None:
    r = read_seal(sealed("color", SealSpec(unit=UNIT, ink=0.35), tint=0.9), DPI, "color")
    assert r.present, r.reason


def test_a_partly_inked_seal_is_found() -> None:
    r = read_seal(sealed("gray", SealSpec(unit=UNIT, coverage=0.6)), DPI, "gray")
    assert r.present, r.reason


def test_an_oval_seal_is_found() -> None:
    r = read_seal(sealed("color", SealSpec(unit="天津中科博医疗器械有限公司", oval=True, rotation_deg=15)), DPI, "color")
    assert r.present, r.reason
    x0, y0, x1, y1 = r.bbox or [0, 0, 0, 0]
    assert x1 - x0 > y1 - y0  # wider than tall, as stamped (45 x 30 mm turned 15°)


def test_a_seal_spilling_over_the_box_edge_counts_for_its_own_box_only() -> None:
    box = sealed("color", offset_mm=(4, 8))  # the ring runs well past the lower edge
    r = read_seal(box, DPI, "color")
    assert r.present, r.reason
    # The next box sees only the spilled arc (the crop below the edge): not its seal.
    h = box.shape[0]
    big = np.full((h * 2, box.shape[1], 3), 255, np.uint8)
    big[:h] = box
    stamped, (cx, cy) = opinion_box()
    full = draw_seal(np.vstack([stamped, np.full_like(stamped, 255)]), center=(cx + mm(4), cy + mm(8)), dpi=DPI,
                     style=SealSpec(unit=UNIT, diameter_mm=42.0, rotation_deg=10.0), seed=3)
    below = scanned(full[h:], "color")
    r2 = read_seal(below, DPI, "color")
    assert red_mask(below, DPI).sum() > 0  # the arc is there
    assert not r2.present, r2.reason


@pytest.mark.parametrize("mode", ["color", "gray"])
def test_dense_printed_text_is_not_a_ring(mode: str) -> None:
    box, _ = opinion_box(dense=True)
    r = read_seal(scanned(box, mode), DPI, mode)
    assert not r.present, r.reason


def test_dense_text_under_a_seal_keeps_the_seal_in_gray() -> None:
    r = read_seal(sealed("gray", dense=True), DPI, "gray")
    assert r.present, r.reason


@pytest.mark.parametrize(("colour", "red_lines"), [((200, 30, 35), False), ((30, 50, 160), False),
                                                   ((200, 30, 35), True)])
@pytest.mark.parametrize("mode", ["color", "bilevel"])
def test_pen_notes_underlines_and_red_headings_are_not_seals(colour: tuple[int, int, int], red_lines: bool,
                                                              mode: str) -> None:
    r = read_seal(scanned(pen_notes(colour, red_lines), mode), DPI, mode)
    assert not r.present, r.reason


def test_a_colour_scan_of_a_gray_box_is_judged_by_shape() -> None:
    r = read_seal(sealed("gray"), DPI, "color")
    assert r.present and r.method == "shape", r.reason


def test_a_box_too_small_is_unreadable_not_absent() -> None:
    r = read_seal(np.full((20, 400, 3), 255, np.uint8), DPI, "color")
    assert r.status == "unreadable" and "smaller than" in r.reason


def test_seal_reading_round_trips() -> None:
    r = read_seal(sealed("color"), DPI, "color")
    assert SealReading.from_dict(r.to_dict()) == r


def test_remove_red_drops_the_seal_and_keeps_the_black_text_under_it() -> None:
    box = sealed("color")
    clean = remove_red(box, DPI)
    assert red_mask(box, DPI).mean() > 0.01
    assert red_mask(clean, DPI).mean() < 0.0005
    # The black 公章 label under the seal is still black.
    label = cv2.cvtColor(clean, cv2.COLOR_BGR2GRAY)[-mm(18):-mm(12), -mm(51):-mm(28)]
    assert (label < 90).mean() > 0.03


def test_seal_text_is_read_from_the_unrolled_ring_with_the_callers_ocr() -> None:
    box = sealed("color")
    r = read_seal(box, DPI, "color")
    seen: list[np.ndarray] = []

    def fake_ocr(img: np.ndarray) -> tuple[str, float]:
        seen.append(img)
        return "中国地质科学院 ", 0.9

    text, conf = read_seal_text(box, r.bbox, DPI, fake_ocr)
    assert (text, conf) == (UNIT, 0.9)
    strip = seen[0]
    # A straight line of red ink shown dark on white: wider than tall, with ink in it.
    assert strip.shape[1] > 3 * strip.shape[0]
    assert 0.05 < (cv2.cvtColor(strip, cv2.COLOR_BGR2GRAY) < 128).mean() < 0.6


def test_no_seal_no_seal_text() -> None:
    box, _ = opinion_box()
    assert read_seal_text(box, None, DPI, lambda img: ("x", 1.0)) == (None, 0.0)


@pytest.mark.slow
def test_seal_text_with_real_ocr() -> None:
    from rapidfuzz.distance import Levenshtein

    from extract.ocr import get_engine, line_reader

    ocr_line = line_reader(get_engine("rapidocr"))
    box = sealed("color")
    r = read_seal(box, DPI, "color")
    text, _ = read_seal_text(box, r.bbox, DPI, ocr_line)
    assert text is not None and Levenshtein.distance(text, UNIT) <= 2, text


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("（中国地质学会", "中国地质学会"),  # a ring stroke read as an opening bracket
        ("中国科学院（地质所）", "中国科学院（地质所）"),  # a real bracketed part stays
        ("中国) 地质 学会(", "中国地质学会"),
        ("★中国金属学会 1101080012345", "中国金属学会"),
    ],
)
def test_ring_text_keeps_the_name_and_only_paired_brackets(read: str, name: str) -> None:
    from extract.marks.seal_text import clean_unit_name

    assert clean_unit_name(read) == name


def test_a_names_middle_is_where_its_columns_mirror_best_even_across_the_strips_ends() -> None:
    from extract.marks.seal_survey import mirror_scores

    on = np.zeros(100, bool)
    for start in (88, 94, 0, 6):  # four glyphs round column 98.5, across the strip's ends
        on[start:start + 4] = True
    on[45:49] = True  # one glyph of a lower line: nothing mirrors it
    scores = mirror_scores(on, 37)
    assert int(np.argmax(scores)) in (98, 99)
    assert scores[47] < 0.5 * scores.max()


def test_the_names_columns_are_those_as_tall_as_its_tallest_glyphs() -> None:
    from extract.marks.seal_survey import name_columns

    glyph = 20
    ink = np.zeros((40, 400), np.uint8)
    for x in range(0, 200, 25):  # the name: eight glyphs a glyph tall, by the ring
        ink[2:2 + glyph, x + 2:x + 18] = 1
    for x in range(230, 330, 12):  # a code: digits under half a glyph tall, by the ring
        ink[2:10, x:x + 6] = 1
    for x in range(345, 385, 14):  # a straight subtitle cut by the band's inner edge
        ink[28:40, x:x + 12] = 1
    on = name_columns(ink, glyph)
    assert on[5:195].mean() > 0.9
    assert not on[225:390].any()  # (the last few columns are within half a glyph of the first glyph, round the ring)


def test_a_reading_that_lost_a_glyph_or_took_in_a_stray_one_ranks_below_the_whole_name() -> None:
    from extract.marks.seal_text import reading_score

    whole = reading_score("中国地质科学院", 0.97)
    assert whole > reading_score("国地质科学院", 0.99)  # the first glyph lost, the rest read surely
    assert whole > reading_score("司中国地质科学院", 0.93)  # a stray glyph from the lower line
    assert whole > reading_score("科学院", 1.0)


@pytest.mark.parametrize("rotation", [0.0, 90.0, 180.0, 250.0])
def test_the_name_is_cut_whole_from_the_ring_however_the_seal_was_turned(rotation: float) -> None:
    from extract.marks.seal_outline import around, fit_ring_around
    from extract.marks.seal_star import star_tips
    from extract.marks.seal_strip import SURVEY_PX_PER_MM, Band, ink_of
    from extract.marks.seal_survey import survey
    from extract.marks.seal_text import FittedRing, seal_gray

    box = sealed("color", SealSpec(unit=UNIT, diameter_mm=42.0, rotation_deg=rotation))
    r = read_seal(box, DPI, "color")
    assert r.present and r.bbox is not None
    ring = fit_ring_around(box, r.bbox, DPI)
    region, x0, y0 = around(box, r.bbox, DPI)
    band = Band.of(FittedRing(ring.cx - x0, ring.cy - y0, ring.a, ring.b, ring.angle, ring.red), PPM)
    gray = seal_gray(region, DPI, ring.red)
    layouts = survey(gray, band, star_tips(gray, band))
    assert layouts, "no glyphs found on the ring"
    layout = layouts[0]
    assert layout.name is not None and layout.top is not None
    strip = band.unroll(gray, 0.0, band.length_mm, SURVEY_PX_PER_MM, upper=True)
    cols = ink_of(strip, band.glyph_mm * SURVEY_PX_PER_MM).sum(axis=0)
    n = len(cols)
    s0, s1 = (round(v * SURVEY_PX_PER_MM) for v in layout.name)
    inside = np.roll(cols, -s0)[: s1 - s0].sum()
    # All of the name's seven glyphs (nearly all of the ring's ink), in one piece, no more than
    # the name's ~140° of the ring...
    assert inside > 0.9 * cols.sum()
    assert s1 - s0 < 0.45 * n
    # ...and its middle is the seal's top, however the seal was turned (the strip starts at the
    # ellipse's t = 0, straight right of the centre for a round seal, and runs clockwise).
    top_deg = (layout.top / band.length_mm * 360.0 + ring.angle) % 360.0
    assert abs((top_deg - (270.0 + rotation)) % 360.0 - 180.0) > 180.0 - 8.0, top_deg


@pytest.mark.slow
def test_an_upside_down_seal_is_read_with_real_ocr() -> None:
    from rapidfuzz.distance import Levenshtein

    from extract.ocr import get_engine, line_reader

    ocr_line = line_reader(get_engine("rapidocr"))
    box = sealed("color", SealSpec(unit=UNIT, diameter_mm=42.0, rotation_deg=175.0))
    r = read_seal(box, DPI, "color")
    text, _ = read_seal_text(box, r.bbox, DPI, ocr_line)
    assert text is not None and Levenshtein.distance(text, UNIT) <= 2, text  # the bar of bench.marks


def printed_circle(mode: str, dense: bool = False) -> np.ndarray:
    """An opinion box with an empty printed circle (a 盖章处 mark) round its 公章 label, no seal."""
    box, (cx, cy) = opinion_box(dense)
    cv2.circle(box, (cx, cy), mm(21.0), (25, 25, 25), mm(1.3))
    return scanned(box, mode)


@pytest.mark.parametrize("mode", ["color", "gray", "bilevel"])
def test_an_empty_printed_circle_is_not_a_seal(mode: str) -> None:
    r = read_seal(printed_circle(mode), DPI, mode)
    assert not r.present, r.reason
    assert "empty ring" in r.reason and r.bbox is None


@pytest.mark.parametrize("mode", ["gray", "bilevel"])
def test_a_seal_with_its_name_inside_the_ring_is_no_empty_circle(mode: str) -> None:
    # Same ring size and place as the printed circle above, stamped instead: the name confirms it.
    r = read_seal(sealed(mode, SealSpec(unit=UNIT, diameter_mm=42.0, ink=0.6, rotation_deg=-20.0)), DPI, mode)
    assert r.present, r.reason


def wiped_ring(keep_deg: float) -> np.ndarray:
    """A seal on the box whose ring and name a 1-bit threshold wiped (patchy ink) except ``keep_deg`` of
    the left arc: its star and that arc are all that is left (the clean page is whited out there)."""
    box, (cx, cy) = opinion_box()
    stamped = draw_seal(box, center=(cx, cy), dpi=DPI, style=SealSpec(unit=UNIT, diameter_mm=42.0, ink=0.9), seed=3)
    keep = np.zeros(box.shape[:2], np.uint8)
    cv2.circle(keep, (cx, cy), mm(9.0), 255, -1)  # the star
    cv2.ellipse(keep, (cx, cy), (mm(22.0), mm(22.0)), 0, 180 - keep_deg / 2, 180 + keep_deg / 2, 255, mm(2.0))
    out = np.where(keep[:, :, None] > 0, stamped, box)
    return scanned(out, "bilevel")


def test_a_faint_seal_whose_ring_the_threshold_wiped_is_found_by_its_star() -> None:
    r = read_seal(wiped_ring(70.0), DPI, "bilevel")
    assert r.present, r.reason
    assert "star" in r.reason and r.bbox is not None


def test_a_star_without_any_ring_is_no_seal() -> None:
    r = read_seal(wiped_ring(0.0), DPI, "bilevel")
    assert not r.present, r.reason



def test_a_star_core_is_far_larger_than_closed_up_handwriting() -> None:
    # Working-scale ink maps (ring_sampler.WORK_PX_PER_MM): a seal's star (outer radius 8 mm) against a
    # blob like big handwriting over dense print closed up (a 4.5 mm disc: a ~3 mm² core).
    from extract.marks.ring_sampler import WORK_PX_PER_MM
    from extract.marks.rings import star_centres

    s = WORK_PX_PER_MM
    ink = np.zeros((int(60 * s), int(150 * s)), np.float32)
    angles = np.deg2rad(np.arange(10) * 36.0 - 90.0)
    radii = np.where(np.arange(10) % 2 == 0, 8.0, 8.0 * 0.382) * s
    star = np.stack([100 * s + radii * np.cos(angles), 30 * s + radii * np.sin(angles)], axis=1)
    cv2.fillPoly(ink, [np.round(star).astype(np.int32)], 1.0)
    cv2.circle(ink, (int(40 * s), int(30 * s)), int(2.25 * s), 1.0, -1)
    found = star_centres(ink)
    assert len(found) == 1
    assert abs(found[0][0] - 100 * s) < 2 * s and abs(found[0][1] - 30 * s) < 2 * s


@pytest.mark.parametrize("style", [SealSpec(unit="中国地球物理学会", diameter_mm=41.5, rotation_deg=-20.0),
                                   SealSpec(unit="天津中科博医疗器械有限公司", oval=True, oval_mm=(45.0, 30.0), rotation_deg=-25.0)])
def test_a_seal_stamped_over_the_boxs_lower_right_corner_is_found(style: SealSpec) -> None:
    # Word copies of rob seed 220061 (word-01, word-03): the seal on the 公章 label at the table's
    # corner, its centre 7-13 mm in from the right and lower edges, a third to a half of its ring in the cell
    box, _ = opinion_box()
    h, w = box.shape[:2]
    stamped = draw_seal(box, center=(w - mm(7), h - mm(7)), dpi=DPI, style=style, seed=3)
    r = read_seal(scanned(stamped, "color"), DPI, "color")
    assert r.present, r.reason
