"""A name's look-alike the two engines read apart, decided by the glyph read alone (extract.lone_glyphs),
and what the checks make of it (checks.compare.compare_name): real OCR on names drawn here in each of
the Debian CJK body fonts at a scan's size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from checks import CheckOptions
from checks.compare import compare_field
from extract.lines import line_crops
from extract.lone_glyphs import cjk_glyph_boxes, disputed, note_glyph_doubts, settle_name_by_glyph
from extract.ocr import get_engine
from extract.reading import FieldReading
from forms import load_industry_table, load_template
from samples.fonts import available_fonts, load_font
from samples.scan import ScanSettings, scan_page

FONTS = available_fonts()
TEMPLATE = load_template("kczg-2020")
OPTIONS = CheckOptions()
# 12 pt at 300 dpi is 50 px of em; 10.5 pt at 200 dpi is 29 px: a name cell's sizes on the mail.
EMS = (50, 29)


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return get_engine("hybrid")


def name_cell(text: str, font: str, em: int) -> np.ndarray:
    """``text`` drawn in ``font`` at ``em`` px as a name's value cell crop, gray, its border along the top."""
    f = load_font(font, em)
    w = int(f.getlength(text)) + 4 * em
    img = Image.new("L", (w, 3 * em), 246)
    d = ImageDraw.Draw(img)
    d.line([(0, 0), (w, 0)], fill=20, width=2)
    d.text((em, em), text, font=f, fill=30)
    return np.asarray(img)


def reading(lead: str, other: str) -> FieldReading:
    """The name as the leading engine read it, with the second engine's reading where they differ."""
    return FieldReading(key="tech_name", value=lead, raw=lead, confidence=0.9, engine="hybrid",
                        reason=f"engines disagree: tesseract read {other!r}", other_reading=other)


def verdict(fr: FieldReading, online: str) -> bool:
    c = compare_field(TEMPLATE.field("tech_name"), fr.value, online, OPTIONS, load_industry_table(),
                      other_reading=fr.other_reading, glyphs_decided=fr.glyphs_decided)
    return c.equal


def test_glyphs_are_paired_with_characters_from_both_ends() -> None:
    # 化 is two columns of ink; the Latin run in the middle stops each end's run, not the other's.
    text = "高性能mRNA疫苗化学制备技术"
    boxes = cjk_glyph_boxes(text, name_cell(text, FONTS[0], 40))
    assert set(boxes) == {0, 1, 2, *range(7, len(text))}
    xs = [boxes[i][0] for i in sorted(boxes)]
    assert xs == sorted(xs)
    assert disputed("成形技木", "成形技术") == [3]
    assert disputed("成形技木", "成形技") == []  # a dropped glyph is no one-for-one reading
    assert disputed("朱磊勇", "朱舌勇") == []  # no look-alikes: a change to the checks whatever the ink says


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("em", EMS)
def test_a_planted_look_alike_the_engines_read_apart_is_a_mismatch(engine, font: str, em: int) -> None:  # type: ignore[no-untyped-def]
    # The paper says 技木 where the online record says 技术; one engine read the 术 the phrase wants
    # (rob seed 842594, hint_quotes-01). The lone glyph is 木 to both engines: a change, at its position.
    online = "基于化学气相沉积的石墨烯导热膜成形技术"
    paper = online[:-1] + "木"
    fr = reading(paper, online)
    found = settle_name_by_glyph(engine, fr, name_cell(paper, font, em))
    assert [g.decided for g in found] == ["木"]
    assert fr.glyphs_decided == [len(paper) - 1] and fr.value == paper
    assert not verdict(fr, online)
    # Without the lone glyph (the old path), the engines' disagreement passed the swap.
    assert verdict(reading(paper, online), online)


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("em", EMS)
def test_a_look_alike_misread_by_the_leading_engine_is_never_a_mismatch(engine, font: str, em: int) -> None:  # type: ignore[no-untyped-def]
    online = "高性能mRNA疫苗制备成套技术"
    fr = reading(online[:-1] + "木", online)  # the paper says 术; the leading engine read 木
    found = settle_name_by_glyph(engine, fr, name_cell(online, font, em))
    assert [g.rapid for g in found] == ["术"]
    # Set back to 术 where Tesseract read the lone glyph too (every face at 29 px; WenQuanYi Micro Hei's
    # 术 at 50 px is 森 to it, left open): equal either way.
    assert fr.glyphs_decided == ([len(online) - 1] if found[0].decided else [])
    assert fr.value == (online if found[0].decided else online[:-1] + "木")
    if em == EMS[1]:
        assert found[0].decided == "术"
    assert verdict(fr, online)


@pytest.mark.parametrize("font", FONTS)
def test_a_glyph_the_lone_reading_cannot_settle_stays_open(engine, font: str) -> None:  # type: ignore[no-untyped-def]
    # 孪 read 李 by one engine and 挛 by the other (the kept runs' commonest misread): whatever the lone
    # glyph reads, the name on paper is the online one and must not become a MISMATCH.
    online = "基于数字孪生的重载AGV控制技术"
    fr = reading(online.replace("孪", "李"), online.replace("孪", "挛"))
    settle_name_by_glyph(engine, fr, name_cell(online, font, EMS[0]))
    assert verdict(fr, online)


# -- a glyph the recogniser itself was torn on (extract.lone_glyphs.note_glyph_doubts) ---------------------

STINK = "面向流域治理的城市黑臭水体智能识别技术"
STINK_AT = STINK.index("臭")
# The faces in which a 臭 whose 自 the 1-bit scan filled in reads 奥 (s8end bilevel-01 was WenQuanYi Micro Hei).
FILLED_IN_FACES = [f for f in ("wqy-microhei", "wqy-zenhei", "noto-sans") if f in FONTS]


def bilevel_name_cell(text: str, font: str, seed: int) -> np.ndarray:
    """``text`` printed at 11 pt, scanned 1-bit at 200 dpi with the toner spread a dot (the counters of a
    dense glyph fill in), and read back at 300 dpi as ingest renders such a PDF: the name's value cell, gray."""
    em = round(11 / 72 * 300)
    f = load_font(font, em)
    w = int(f.getlength(text)) + 4 * em
    img = Image.new("RGB", (w, 3 * em), (255, 255, 255))
    ImageDraw.Draw(img).text((em, em), text, font=f, fill=(20, 20, 20))
    scanned = scan_page(np.asarray(img)[:, :, ::-1].copy(),
                        ScanSettings(mode="bilevel", dpi=200, src_dpi=300, paper_tint=0.29, threshold="adaptive", seed=seed))
    gray = scanned if scanned.ndim == 2 else cv2.cvtColor(scanned, cv2.COLOR_BGR2GRAY)
    spread = cv2.erode(gray, np.ones((2, 2), np.uint8))
    return cv2.resize(spread, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)


def read_name(engine, cell: np.ndarray) -> FieldReading:  # type: ignore[no-untyped-def]
    """The name as the recogniser reads the cell's line (both engines agreeing: no second reading)."""
    (_, line), = line_crops(cell)
    text = engine.read_line(line).text
    return FieldReading(key="tech_name", value=text, raw=text, confidence=0.99, engine="hybrid")


@pytest.mark.parametrize("font", FILLED_IN_FACES)
@pytest.mark.parametrize("seed", [0, 1])
def test_a_filled_in_glyph_the_recogniser_doubted_is_named(engine, font: str, seed: int) -> None:  # type: ignore[no-untyped-def]
    # s8end bilevel-01 (seed 256370): 黑臭 read 黑奥 by both engines, not a look-alike of forms.lookalikes:
    # a MISMATCH. Read again, the recogniser puts 臭 at that place (0.015-0.34): the shape is in doubt, and
    # the comparison names the place (the rule makes it a warning); it stays a change, as a printed 赃 for
    # 脏 is doubted as much (test_a_printed_change_the_recogniser_doubts_stays_a_change).
    cell = bilevel_name_cell(STINK, font, seed)
    fr = read_name(engine, cell)
    assert fr.value == STINK.replace("臭", "奥")  # the case: the filled-in 臭 is read 奥
    assert not verdict(fr, STINK)  # ... a MISMATCH without the recogniser's doubt
    note_glyph_doubts(engine, fr, cell)
    assert [a for a, ch, _ in fr.glyph_doubts or [] if ch == "臭"] == [STINK_AT]
    c = compare_field(TEMPLATE.field("tech_name"), fr.value, STINK, OPTIONS, load_industry_table(),
                      glyph_doubts=fr.glyph_doubts)
    assert not c.equal and c.glyphs_in_doubt == [STINK_AT + 1]
    # The doubt is the recogniser's: another glyph there (黑臭 → 黑兔) is a change with no doubt named.
    other = compare_field(TEMPLATE.field("tech_name"), fr.value, STINK.replace("臭", "兔"), OPTIONS,
                          load_industry_table(), glyph_doubts=fr.glyph_doubts)
    assert not other.equal and other.glyphs_in_doubt == []


@pytest.mark.parametrize("font", [f for f in ("wqy-zenhei", "wqy-microhei") if f in FONTS])
def test_a_printed_change_the_recogniser_doubts_stays_a_change(engine, font: str) -> None:  # type: ignore[no-untyped-def]
    # The paper really says 赃 where the online record says 脏, printed clean: the recogniser gives 脏 there
    # 0.007-0.016 in these faces, as much as a filled-in 臭 read 奥 gives 臭, so the doubt excuses nothing.
    online = "基于高通量筛选的人工心脏瓣膜评价技术"
    paper = online.replace("脏", "赃")
    cell = name_cell(paper, font, 50)
    fr = read_name(engine, cell)
    assert fr.value == paper
    note_glyph_doubts(engine, fr, cell)
    c = compare_field(TEMPLATE.field("tech_name"), fr.value, online, OPTIONS, load_industry_table(),
                      glyph_doubts=fr.glyph_doubts)
    assert c.glyphs_in_doubt == [paper.index("赃") + 1]  # the case: the recogniser doubts the printed 赃
    assert not c.equal


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("scan", ["bilevel", "clean"])
def test_a_printed_one_glyph_change_stays_a_mismatch(engine, font: str, scan: str) -> None:  # type: ignore[no-untyped-def]
    # The paper really says 黑奥 where the online record says 黑臭: the recogniser gives 臭 there under
    # 0.0005 on the same 1-bit scans and on clean print, so the change stands.
    paper = STINK.replace("臭", "奥")
    cell = bilevel_name_cell(paper, font, 0) if scan == "bilevel" else name_cell(paper, font, 50)
    fr = read_name(engine, cell)
    note_glyph_doubts(engine, fr, cell)
    assert fr.glyph_doubts is not None
    assert fr.value == paper
    assert not verdict(fr, STINK)
    assert not compare_field(TEMPLATE.field("tech_name"), fr.value, STINK, OPTIONS, load_industry_table(),
                             glyph_doubts=fr.glyph_doubts).equal


# -- a glyph the leading engine lost and the second read (checks.compare._engines_explain) -----------------

VALVE = "人工心脏瓣膜检测关键技术"


def test_a_glyph_only_the_second_engine_read_is_the_leading_engines_loss() -> None:
    # dpi_low-01 of rob seed 140554 (WenQuanYi Zen Hei 10.5 pt at 150 dpi): 瓣 a blot, RapidOCR read
    # 人工心脏膜… without it, Tesseract 人工心脏凌膜…: a false MISMATCH on the lost glyph.
    fr = reading("人工心脏膜检测关键技术", "人工心脏凌膜检测关键技术")
    assert verdict(fr, VALVE)
    # The second engine read no glyph there (it lost another, or read one more elsewhere): a change.
    assert not verdict(reading("人工心脏膜检测关键技术", "人工心脏膜检测关键技"), VALVE)
    assert not verdict(reading("人工心脏膜检测关键技术", "人工心脏膜检测关键技术术"), VALVE)
    # Two glyphs lost where the second engine read one: a change.
    assert not verdict(reading("人工心脏检测关键技术", "人工心脏凌检测关键技术"), VALVE)


@pytest.mark.parametrize("font", FONTS)
def test_a_glyph_missing_from_the_paper_stays_a_mismatch(engine, font: str) -> None:  # type: ignore[no-untyped-def]
    # The paper really lacks 瓣 (scanned at 150 dpi as dpi_low-01 was): neither engine reads a glyph there.
    paper = VALVE.replace("瓣", "")
    em = round(10.5 / 72 * 300)
    f = load_font(font, em)
    img = Image.new("RGB", (int(f.getlength(paper)) + 4 * em, 3 * em), (255, 255, 255))
    ImageDraw.Draw(img).text((em, em), paper, font=f, fill=(20, 20, 20))
    scanned = scan_page(np.asarray(img)[:, :, ::-1].copy(), ScanSettings(mode="color", dpi=150, src_dpi=300, seed=1))
    cell = cv2.cvtColor(scanned, cv2.COLOR_BGR2GRAY)
    lead = read_name(engine, cell).value
    other = engine.second_opinion([cell], "chi_sim", False)[0].text
    assert lead == paper
    assert not verdict(reading(str(lead), other), VALVE)


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize("scan", ["bilevel", "clean"])
def test_a_look_alike_the_context_pulls_toward_is_no_doubt(engine, font: str, scan: str) -> None:  # type: ignore[no-untyped-def]
    # A printed 木 of 「技木」 (the samples' planted change) gives 术 up to 0.009 in line, the phrase pulling:
    # a pair of forms.lookalikes is no doubt, so the change stays a MISMATCH with both engines reading 木.
    online = "基于深度学习的智能视频分析调度技术"
    paper = online[:-1] + "木"
    cell = bilevel_name_cell(paper, font, 0) if scan == "bilevel" else name_cell(paper, font, 50)
    fr = read_name(engine, cell)
    note_glyph_doubts(engine, fr, cell)
    assert fr.value == paper and not any(ch == "术" for _, ch, _ in fr.glyph_doubts or [])
    assert not compare_field(TEMPLATE.field("tech_name"), fr.value, online, OPTIONS, load_industry_table(),
                             glyph_doubts=fr.glyph_doubts).equal
