"""Tick boxes: printed □ found in reading order, ticked or not by the ink inside.

Cells are drawn here the way the printed form lays them out (□ then the choice's
name) and marked with the samples' pen styles (samples.draw.draw_tick).
"""

from __future__ import annotations

import random
import subprocess

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extract.marks import TickReading, read_ticks
from extract.marks.tick_words import locate_words
from extract.ocr import OcrBox
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


# ---- boxes found from their option words (issue 13, kind 3) ------------------------------------
# Cells the count of printed squares cannot read: a box filled past its edge, a cross running
# out of it, a ring round the option (box empty), a 1-bit scan breaking the outlines, a word
# processor's □ glyph. The fake OCR gives each row as RapidOCR does: one line box, some boxes
# read as 口, others not read at all.


def _row_box(d: ImageDraw.ImageDraw, texts: list[tuple[int, str]], y: int, size: int) -> OcrBox:
    """The line box a detector draws round one row of options (from the first box's left edge)."""
    x0 = texts[0][0]
    last_x, last = texts[-1]
    x1 = last_x + int(d.textlength(last, font=load_font("noto-serif", size)))
    return OcrBox("".join(t for _, t in texts), (x0 - 3, y - mm(0.6), x1 + 3, y + size + mm(0.6)), 0.9)


def pen_cell(choices: list[str], marks: dict[str, str], per_row: int = 5, broken: bool = False,
             seed: int = 0) -> tuple[Image.Image, list[OcrBox]]:
    """Drawn boxes (or broken ones) with pen marks by choice; the OCR lines read every other box as 口."""
    size = mm(3.7)
    img = Image.new("RGB", (mm(150), mm(8) + mm(8) * ((len(choices) - 1) // per_row + 1)), (255, 255, 255))
    d = ImageDraw.Draw(img)
    font = load_font("noto-serif", size)
    rng = random.Random(seed)
    rows: dict[int, list[tuple[int, str]]] = {}
    for i, c in enumerate(choices):
        x, y = mm(4) + (i % per_row) * mm(28), mm(4) + (i // per_row) * mm(8)
        box = int(size * 0.82)
        lw = max(1, round(PPM * 0.18))
        if broken:  # an outline with gaps in every side, as a 1-bit threshold leaves a faint print
            for a, b in ((0.0, 0.3), (0.55, 0.8)):
                d.line((x + a * box, y, x + b * box, y), fill=(0, 0, 0), width=lw)
                d.line((x + (1 - b) * box, y + box, x + (1 - a) * box, y + box), fill=(0, 0, 0), width=lw)
                d.line((x, y + (1 - b) * box, x, y + (1 - a) * box), fill=(0, 0, 0), width=lw)
                d.line((x + box, y + a * box, x + box, y + b * box), fill=(0, 0, 0), width=lw)
        else:
            d.rectangle((x, y, x + box, y + box), outline=(0, 0, 0), width=lw)
        tx = x + box + int(size * 0.2)
        d.text((tx, y - size * 0.1), c, fill=(0, 0, 0), font=font)
        if c in marks:
            style = marks[c]
            if style == "fill_over":  # filled past the printed edge
                d.rectangle((x - mm(0.6), y - mm(0.6), x + box + mm(0.5), y + box + mm(0.6)), fill=(32, 38, 92))
            elif style == "long_cross":  # a cross whose strokes run well out of the box
                for (ax, ay), (bx, by) in (((x - mm(1), y - mm(1)), (x + box + mm(1), y + box + mm(1))),
                                           ((x + box + mm(1), y - mm(1)), (x - mm(1), y + box + mm(1)))):
                    d.line((ax, ay, bx, by), fill=(32, 38, 92), width=max(2, round(PPM * 0.35)))
            else:
                draw_tick(d, [x, y, x + box, y + box], style, rng, DPI)
        rows.setdefault(i // per_row, []).append((x if i % 2 == 0 else tx, ("口" if i % 2 == 0 else "") + c))
    boxes = [_row_box(d, texts, mm(4) + r * mm(8), size) for r, texts in rows.items()]
    return img, boxes


def word_cell(choices: list[str], ticked: str, font: str = "noto-sans") -> tuple[Image.Image, list[OcrBox]]:
    """A cell as Word prints it: one line of text, each box a □ glyph of the font, the ticked
    one ☑ (a Word checkbox) or a □ with a pen tick over it; OCR reads the □ as 口 or not at all."""
    size = mm(3.7)
    img = Image.new("RGB", (mm(150), mm(12)), (255, 255, 255))
    d = ImageDraw.Draw(img)
    f = load_font(font, size)
    x, y = mm(2), mm(4)
    text = ""
    for i, c in enumerate(choices):
        glyph = "☑" if c == ticked and font != "uming" else "□"
        gx = x
        d.text((x, y), glyph, fill=(0, 0, 0), font=f)
        x += int(d.textlength(glyph, font=f))
        d.text((x, y), c + " ", fill=(0, 0, 0), font=f)
        if c == ticked and glyph == "□":
            draw_tick(d, [gx + mm(0.4), y + mm(0.6), gx + size - mm(0.6), y + size], "check", random.Random(i), DPI)
        x += int(d.textlength(c + " ", font=f))
        text += ("口" if i % 2 else "") + c
    return img, [OcrBox(text, (mm(2) - 2, y - mm(0.4), x, y + size + mm(0.7)), 0.9)]


def _count_fails(img: np.ndarray, choices: list[str]) -> None:
    r = read_ticks(img, choices, DPI)  # without the words: the old count, which these cells defeat
    assert r.status == "unreadable" and "tick boxes" in r.reason, (r.chosen, r.scores)


@pytest.mark.parametrize("style", ["fill_over", "long_cross", "circle"])
@pytest.mark.parametrize("mode", ["color", "bilevel"])
def test_a_box_the_count_misses_is_found_from_its_word(style: str, mode: str) -> None:
    img, words = pen_cell(DOMAINS, {"先进材料": style})
    cell = scanned(img, mode)
    _count_fails(cell, DOMAINS)
    r = read_ticks(cell, DOMAINS, DPI, words)
    assert r.status == "read", r.reason
    assert r.placed == "words"
    assert r.chosen == ["先进材料"], (r.scores, r.rings)
    assert 0.45 < r.confidence < 1.0  # placed from words: never as sure as a counted cell
    # each box where it was drawn: the fourth option's box starts 3 × 28 mm right of the first
    assert abs(r.boxes["先进材料"][0] - r.boxes["电子信息"][0] - 3 * mm(28)) <= mm(1.0)


def test_a_ring_round_an_option_ticks_it_and_an_empty_box_beside_it_does_not() -> None:
    img, words = pen_cell(TYPES, {"开发研究": "circle"})
    r = read_ticks(scanned(img, "gray"), TYPES, DPI, words)
    assert r.chosen == ["开发研究"], (r.scores, r.rings)
    assert r.rings["开发研究"] >= 0.5 and r.rings["应用研究"] == 0.0
    assert r.scores["开发研究"] < 0.025  # the box itself is empty: the ring decides


@pytest.mark.parametrize("style", ["check", "cross", "fill"])
def test_broken_outlines_of_a_1bit_scan_are_placed_from_their_words(style: str) -> None:
    img, words = pen_cell(DOMAINS, {"装备制造": style}, broken=True)
    cell = scanned(img, "bilevel")
    _count_fails(cell, DOMAINS)
    r = read_ticks(cell, DOMAINS, DPI, words)
    assert r.status == "read", r.reason
    assert r.chosen == ["装备制造"], r.scores
    assert max(v for c, v in r.scores.items() if c != "装备制造") < 0.025  # empty broken boxes stay empty


def test_options_wrapping_onto_a_second_row_are_found_from_their_words() -> None:
    img, words = pen_cell(DOMAINS, {"资源环境": "fill_over"}, per_row=3)
    r = read_ticks(scanned(img), DOMAINS, DPI, words)
    assert r.chosen == ["资源环境"], r.scores
    assert r.boxes["资源环境"][1] > r.boxes["电子信息"][1] + mm(5)


@pytest.mark.parametrize("font", ["noto-sans", "noto-serif", "wqy-zenhei", "uming"])
@pytest.mark.parametrize("mode", ["gray", "bilevel"])
def test_a_word_processors_box_glyphs_are_read_by_their_words(font: str, mode: str) -> None:
    img, words = word_cell(DOMAINS, "生物医药", font)
    cell = scanned(img, mode)
    counted = read_ticks(cell, DOMAINS, DPI)
    r = read_ticks(cell, DOMAINS, DPI, words)
    assert r.status == "read", r.reason
    assert r.chosen == ["生物医药"], (r.placed, r.scores)
    # the words are asked only where the glyphs cannot be counted (wqy-zenhei's thin □ at 200 dpi)
    assert r.placed == ("squares" if counted.status == "read" else "words")
    if font == "wqy-zenhei":
        assert r.placed == "words"


def test_a_word_not_found_keeps_the_cell_unreadable_with_its_reason() -> None:
    img, words = pen_cell(DOMAINS, {"先进材料": "fill_over"})
    words = [OcrBox(w.text.replace("装备制造", "").replace("口", ""), w.bbox, w.confidence) for w in words]
    r = read_ticks(scanned(img), DOMAINS, DPI, words)
    assert r.status == "unreadable" and r.confidence == 0.0 and r.chosen == []
    assert "option words not found: 装备制造" in r.reason


def test_the_located_word_starts_where_its_characters_are() -> None:
    words = [OcrBox("口电子信息口生物医药", (100, 10, 1100, 60), 0.9)]
    found = locate_words(words, ["电子信息", "生物医药"])
    assert found["电子信息"].x0 == pytest.approx(200) and found["电子信息"].box_x == pytest.approx(150)
    assert found["生物医药"].x0 == pytest.approx(700) and found["生物医药"].box_x == pytest.approx(650)
    assert "装备制造" not in locate_words(words, ["装备制造"])
    # Word wrapped the last option after its third character: the word is where the three are.
    wrapped = [OcrBox("口电子信息口生物医药口装备制造先进材料口资源环", (0, 0, 1150, 50), 0.9), OcrBox("境", (0, 60, 50, 110), 0.9)]
    assert locate_words(wrapped, DOMAINS)["资源环境"].line == 0
    # ... or after its first: its box is on the first line, before 资, not before 源 on the next.
    split = [OcrBox("源环境", (0, 60, 150, 110), 0.9), OcrBox("电子信息√生物医药装备制造先进材料资", (20, 0, 1200, 50), 0.9)]
    w = locate_words(split, DOMAINS)["资源环境"]
    assert w.line == 1 and w.start == 17 and w.x0 > 1100


# ---- a Word copy's ticked box typed as a symbol (issue 13, kind 3) -----------------------------
# LibreOffice prints the □ of each option in the CJK face, but ☑ ☒ ■ (which the CJK faces lack)
# in the symbol font fontconfig falls back to: a smaller square than its neighbours' □.

WORD_DPI = 300


def _fallback_font(size: int) -> ImageFont.FreeTypeFont:
    """The font fontconfig gives for ☑ ☒ ■, as LibreOffice falls back to it."""
    path = subprocess.run(["fc-match", "-f", "%{file}", "sans:charset=2611 2612 25a0"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert path, "fontconfig has no font with ☑"
    return ImageFont.truetype(path, size)


def typed_cell(choices: list[str], ticked: str, glyph: str, font: str, pt: float) -> tuple[np.ndarray, list[OcrBox]]:
    """One line of options typed in ``font`` at ``pt`` and printed at 300 dpi: □ in the face, the
    ticked option's box the ``glyph`` in the fallback symbol font."""
    size = round(pt / 72 * WORD_DPI)
    face, symbol = load_font(font, size), _fallback_font(size)
    img = Image.new("RGB", (round(size * 6 * len(choices)), size * 2), (255, 255, 255))
    d = ImageDraw.Draw(img)
    x, y = size // 3, size // 2
    for c in choices:
        f = symbol if c == ticked else face
        g = glyph if c == ticked else "□"
        d.text((x, y), g, fill=(0, 0, 0), font=f)
        x += int(d.textlength(g, font=f))
        d.text((x, y), c, fill=(0, 0, 0), font=face)
        x += int(d.textlength(c + "  ", font=face))
    text = "".join(("口" if c != ticked else "") + c for c in choices)
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    out = scan([bgr], mode="color", dpi=WORD_DPI, src_dpi=WORD_DPI, paper_tint=0.3, seed=3)[0]
    return out, [OcrBox(text, (size // 4, y - size // 8, x, y + size + size // 8), 0.9)]


@pytest.mark.parametrize("font", ["wqy-zenhei", "noto-sans", "uming"])
@pytest.mark.parametrize("glyph", ["☑", "☒"])
@pytest.mark.parametrize(("choices", "ticked"), [(TYPES, "开发研究"), (DOMAINS, "电子信息")])
def test_a_typed_tick_glyph_smaller_than_the_faces_boxes_is_the_one_ticked(font: str, glyph: str, choices: list[str],
                                                                            ticked: str) -> None:
    cell, words = typed_cell(choices, ticked, glyph, font, 14.0)
    r = read_ticks(cell, choices, WORD_DPI, words)
    assert r.status == "read", r.reason
    assert r.chosen == [ticked], (r.placed, r.scores)


# ---- a Word copy in every Debian CJK face, read with the real OCR's words (issue 13, kind 3) -----
# ``samples.word_ticks`` draws the line as Word prints it: the face's □ (WenQuanYi Micro Hei's is
# 0.43 em, 1.7 mm at 10.5 pt, below any printed box), the chosen option's box typed as a glyph (in the
# fallback font where the face lacks it) or replaced by a ✓ / √. The OCR engine reads the cell's words.

ALL_FACES = ["noto-serif", "noto-sans", "uming", "ukai", "wqy-zenhei", "wqy-microhei"]


def _word_copy(choices: list[str], ticked: str, glyph: str, face: str, pt: float, dpi: int, mode: str,
               seed: int = 7) -> tuple[np.ndarray, list[OcrBox]]:
    from extract.ocr import get_engine
    from samples.word_ticks import as_bgr, typed_choice_line

    img, _ = typed_choice_line(choices, [ticked], glyph, face, pt, dpi, seed=seed)
    out = scan([as_bgr(img)], mode=mode, dpi=dpi, src_dpi=dpi, paper_tint=0.3, seed=seed)[0]
    cell = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR) if out.ndim == 2 else out
    return cell, get_engine("rapidocr").read_page(cv2.cvtColor(cell, cv2.COLOR_BGR2GRAY))


@pytest.mark.slow
@pytest.mark.parametrize("glyph", ["☑", "■", "pen"])
@pytest.mark.parametrize(("pt", "dpi", "mode"), [(10.5, 200, "gray"), (10.5, 300, "bilevel"), (14.0, 150, "color")])
def test_a_faces_small_box_glyph_is_judged_by_its_words_glyph_height(glyph: str, pt: float, dpi: int,
                                                                       mode: str) -> None:
    # WenQuanYi Micro Hei's □ is 1.7-2.3 mm: judged at the printed form's least box (2.4 mm) every
    # option read ticked, the □'s own outline falling inside the box placed; its size is now taken
    # relative to its option word's glyphs.
    cell, words = _word_copy(DOMAINS, "装备制造", glyph, "wqy-microhei", pt, dpi, mode)
    r = read_ticks(cell, DOMAINS, dpi, words)
    assert r.status == "read", r.reason
    assert r.chosen == ["装备制造"], (r.placed, r.scores, [w.text for w in words])
    side = r.boxes["电子信息"][2] - r.boxes["电子信息"][0]
    assert side < 2.4 * dpi / 25.4  # the face's own □, not a printed box's size


@pytest.mark.slow
@pytest.mark.parametrize("face", ALL_FACES)
@pytest.mark.parametrize("glyph", ["✓", "√"])
def test_a_tick_typed_in_place_of_the_box_marks_the_word_after_it(face: str, glyph: str) -> None:
    # 10.5 pt printed at 200 dpi, scanned 1-bit: the mark and the □s after it are paired with the
    # word each begins, on the text row the OCR may have cut in two.
    for ticked, choices in (("资源环境", DOMAINS), ("生物医药", DOMAINS), ("应用研究", TYPES)):
        cell, words = _word_copy(choices, ticked, glyph, face, 10.5, 200, "bilevel")
        r = read_ticks(cell, choices, 200, words)
        assert r.status == "read", r.reason
        assert r.chosen == [ticked], (ticked, r.placed, r.scores, [w.text for w in words])


# ---- a printed box the word placement misses (combined-01 of rob seed 594587) ----------------------


def test_an_empty_box_the_placement_missed_by_a_few_pixels_is_not_ticked() -> None:
    # Word's □ printed 37 px wide at 150 dpi on a skewed page; placed from its word as 33 px and
    # 3 px high, its right side outside the place, no square is found there (score 0). Its three
    # sides inside the place are no mark: only a ✓ or ■ crosses the middle.
    from extract.marks.squares import Square
    from extract.marks.ticks import _judge

    ink = np.zeros((70, 400), np.float32)
    placed: dict[str, Square] = {}
    for i, c in enumerate(["电子信息", "生物医药", "装备制造"]):
        x = 20 + 120 * i
        ink[13:50, x:x + 37] = 1.0
        ink[17:46, x + 4:x + 33] = 0.0  # the box's 4-px outline
        placed[c] = Square(cx=x + 18, cy=31, side=37, score=1.0)
    placed["装备制造"] = Square(cx=260 + 15, cy=32, side=33, score=0.0)  # the one the placement missed
    r = _judge(ink, list(placed), placed, "words")
    assert r.chosen == []
    ink[22:42, 266:286] = 1.0  # a ■ typed in its place
    assert _judge(ink, list(placed), placed, "words").chosen == ["装备制造"]


# ---- a typed ✓ under a hint printed close above (word-02 of rob seed 729666) ---------------------------


@pytest.mark.slow
@pytest.mark.parametrize("face", ["uming", "ukai", "noto-sans", "noto-serif", "wqy-zenhei", "wqy-microhei"])
def test_a_typed_tick_under_a_hint_printed_close_above_is_the_one_ticked(face: str) -> None:
    # The Word copy's hint line sits 2-4 px above the options, so the option line's glyph rows run on
    # into the hint's and their middle came out 10 px high: the ✓ typed in place of 开发研究's □ was
    # measured above itself, and nothing read ticked (a false CHOICE_INVALID). The glyph rows now end
    # halfway to the hint's line, and a row's middle is where its printed □ was found (Noto Sans and
    # Serif fail on the old code; WenQuanYi Micro Hei's small □ read both options ticked, the hint's
    # rows making the glyphs 1.5 times their height).
    from samples.word_ticks import as_bgr, typed_choice_line

    dpi, pt = 300, 11.0
    line, marks = typed_choice_line(TYPES, ["开发研究"], "✓", face, pt, dpi, seed=5)
    size = round(pt / 72 * dpi)
    hint = Image.new("RGB", (line.width, size + size // 4), (255, 255, 255))
    ImageDraw.Draw(hint).text((size // 2, size + size // 8), "（二选一，参照GB/T 22900-2009）", fill=(0, 0, 0),
                              font=load_font(face, size), anchor="ls")
    ink_rows = np.flatnonzero((np.asarray(line.convert("L")) < 128).any(axis=1))
    hint_rows = np.flatnonzero((np.asarray(hint.convert("L")) < 128).any(axis=1))
    top = int(ink_rows[0]) - 2  # 2 px of paper between the hint's lowest ink and the options' highest
    page = Image.new("RGB", (line.width, int(hint_rows[-1]) + 1 + line.height - top), (255, 255, 255))
    page.paste(hint, (0, 0))
    page.paste(line.crop((0, top, line.width, line.height)), (0, int(hint_rows[-1]) + 1))
    # The cell's bottom rule runs just under the options (Word's thin row padding): the crop inside the
    # rules ends 2 px under the □ and cuts the glyphs' lowest pixels off.
    bottom = int(hint_rows[-1]) + 1 + marks["应用研究"][3] - top + 2
    cell = scan([as_bgr(page.crop((0, 0, page.width, bottom)))], mode="color", dpi=dpi, src_dpi=dpi,
                paper_tint=0.3, seed=5)[0]
    # The detector's box round the options as word-02's: from 0.2 em above their glyphs to past the crop.
    gt = int(hint_rows[-1]) + 1 + int(ink_rows[0]) - top
    words = [OcrBox("（二选一，参照GB/T22900-2009）", (size // 2, 0, line.width - size, gt - 4), 0.9),
             OcrBox("应用研究√开发研究", (marks["应用研究"][2] + 2, gt - round(0.2 * size), line.width - size // 2,
                                     bottom + round(0.2 * size)), 0.9)]
    r = read_ticks(cell, TYPES, dpi, words)
    assert r.status == "read", r.reason
    assert r.chosen == ["开发研究"], (r.placed, r.scores, r.boxes)


# ---- a glyph's part closed into a square beside a box (combined-01 of rob seed 301705) -----------------


@pytest.mark.slow
@pytest.mark.parametrize("face", ["noto-sans", "uming", "wqy-zenhei"])
def test_a_glyphs_square_beside_a_box_does_not_make_up_the_count(face: str) -> None:
    # Ink bleed closed 资's 贝 into a square 1.45 box sides after the 资源环境 □, and with the ✓ typed in
    # place of 电子信息's box the squares counted five, the template's five: matched in reading order,
    # the glyph's square made 资源环境 ticked (a false MISMATCH on 所属领域). Two boxes of a row stand an
    # option word apart: the count is not trusted and each box is found from its word.
    from extract.marks.color import ink_map
    from extract.marks.squares import consistent, find_squares, reading_order
    from extract.ocr import get_engine
    from samples.word_ticks import as_bgr, typed_choice_line

    img, _ = typed_choice_line(DOMAINS, ["电子信息"], "✓", face, 10.5, 300, seed=3)
    clean = scan([as_bgr(img)], mode="color", dpi=300, src_dpi=300, paper_tint=0.3, seed=3)[0]
    last = reading_order(consistent(find_squares(ink_map(clean, 300), 300)))[-1]
    cx, half = last.cx + 1.45 * last.side, last.side / 2
    ImageDraw.Draw(img).rectangle([cx - half, last.cy - half, cx + half, last.cy + half], outline=(0, 0, 0), width=3)
    cell = scan([as_bgr(img)], mode="color", dpi=300, src_dpi=300, paper_tint=0.3, seed=3)[0]
    assert len(reading_order(consistent(find_squares(ink_map(cell, 300), 300)))) == len(DOMAINS)
    r = read_ticks(cell, DOMAINS, 300, get_engine("rapidocr").read_page(cv2.cvtColor(cell, cv2.COLOR_BGR2GRAY)))
    assert r.status == "read", r.reason
    assert r.chosen == ["电子信息"], (r.placed, r.scores)


# ---- a box Word wrapped away from its word (word-01 of rob seed 866851) -------------------------------


def _wrapped_word_copy(face: str, ticked: str, pt: float = 14.0, dpi: int = 300) -> tuple[np.ndarray, list[OcrBox]]:
    """所属领域 typed in ``face`` on two lines as Word wrapped it: 「□电子信息  □生物医药  □装备制造  □」 and
    「先进材料  □资源环境」, the ticked option's □ replaced by a √; the words read by the real OCR."""
    from extract.ocr import get_engine
    from samples.word_ticks import OPTION_SEP, UNTICKED, as_bgr, glyph_font

    size = round(pt / 72 * dpi)
    body = load_font(face, size)
    lines = [[(UNTICKED, "电子信息"), (UNTICKED, "生物医药"), (UNTICKED, "装备制造"), (UNTICKED, "")],
             [("", "先进材料"), (UNTICKED, "资源环境")]]
    img = Image.new("RGB", (round(size * 22), round(size * 3.6)), (255, 255, 255))
    d = ImageDraw.Draw(img)
    for row, options in enumerate(lines):
        x, base = size * 0.6, size * (1.9 + 1.5 * row)
        for box, word in options:
            mark = "√" if word == ticked else box
            if mark:
                d.text((x, base), mark, fill=(0, 0, 0), font=glyph_font(face, mark, size), anchor="ls")
                x += d.textlength(mark, font=glyph_font(face, mark, size))
            d.text((x, base), word + OPTION_SEP, fill=(0, 0, 0), font=body, anchor="ls")
            x += d.textlength(word + OPTION_SEP, font=body)
    cell = scan([as_bgr(img)], mode="color", dpi=dpi, src_dpi=dpi, paper_tint=0.3, seed=5)[0]
    return cell, get_engine("rapidocr").read_page(cv2.cvtColor(cell, cv2.COLOR_BGR2GRAY))


@pytest.mark.parametrize("face", ["ukai", "noto-sans", "uming"])
def test_a_box_wrapped_to_the_end_of_the_row_above_is_its_words(face: str) -> None:
    # The wrapped option's box was settled on the strokes of its word's first glyph (先) and read ticked:
    # 生物医药 and 先进材料 both chosen, a false CHOICE_INVALID.
    cell, words = _wrapped_word_copy(face, "生物医药")
    r = read_ticks(cell, DOMAINS, 300, words)
    assert r.status == "read", r.reason
    assert r.chosen == ["生物医药"], (r.placed, r.scores, [w.text for w in words])
    assert r.boxes["先进材料"][0] > r.boxes["装备制造"][2]  # the box at the row's end, right of 装备制造's


@pytest.mark.parametrize("pt", [14.0, 12.0, 10.5])
@pytest.mark.parametrize(("choices", "ticked"), [(TYPES, "应用研究"), (TYPES, "开发研究"), (DOMAINS, "生物医药")])
def test_a_glyph_counted_for_a_box_too_small_to_count_is_not_its_box(pt: float, choices: list[str], ticked: str) -> None:
    # s8base word-01 (rob seed 828415): Micro Hei's □ (0.43 em) is below the squares counted, 用 of 应用研究
    # was counted in its place, the count matched the two choices and 开发研究 was read ticked by 用's ink.
    cell, words = _word_copy(choices, ticked, "☑", "wqy-microhei", pt, 300, "color")
    r = read_ticks(cell, choices, 300, words)
    assert r.status == "read", r.reason
    assert r.chosen == [ticked], (r.placed, r.scores, r.boxes, [w.text for w in words])
