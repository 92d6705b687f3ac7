"""Field comparison: OCR noise passes, a real change never does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_checks_support import LEVEL, TEMPLATE, VALUES

from checks import CheckOptions
from checks.compare import compare_field, compare_long, compare_name, compare_unit
from checks.text import confusable, edit_cost, normalize, normalize_email, normalize_phone, sentences
from forms import load_industry_table

OPTIONS = CheckOptions()
TABLE = load_industry_table()


def compare(key: str, paper: str | int, online: str) -> bool:
    return compare_field(TEMPLATE.field(key), paper, online, OPTIONS, TABLE).equal


def test_normalize_folds_width_punctuation_and_spaces() -> None:
    assert normalize("基于 ＧａＮ 的（功率）器件, 准确率98.5%. ") == normalize("基于GaN的(功率)器件，准确率98.5%。")


@pytest.mark.parametrize(("paper", "online"), [("010-68999605", "01068999605"), ("O1O 6899 96O5", "010-68999605"),
                                                ("+86 13800001111", "13800001111"), ("１３８００００１１１１", "13800001111")])
def test_phone_equal_after_normalisation(paper: str, online: str) -> None:
    assert compare("phone", paper, online)


def test_one_digit_changed_in_a_phone_is_a_change() -> None:
    assert not compare("phone", "010-68999608", "010-68999605")
    assert normalize_phone("010-68999608") != normalize_phone("010-68999605")


def test_email_tolerates_latin_look_alikes_but_not_a_changed_letter() -> None:
    assert compare("email", "wangjianguo@cags。ac.cn", "wangjianguo@cags.ac.cn")
    assert compare("email", "Wang1@cags.ac.cn", "wangl@cags.ac.cn")
    assert normalize_email("zhangrn@x.cn") == normalize_email("zhangm@x.cn")
    assert not compare("email", "wangjianguo@cags.ac.cn", "wangjiangou@cags.ac.cn")


def test_one_look_alike_glyph_in_a_name_is_a_change() -> None:
    # 术→木 is what the sample generator plants as a changed name: names are strict.
    c = compare_name("tech_name", "岩心图像智能识别技木", "岩心图像智能识别技术", OPTIONS.name_max_cost)
    assert not c.equal and c.lookalike_only


def test_name_with_only_format_noise_is_equal() -> None:
    assert compare("tech_name", "基于深度学习的 岩心图像智能识别技术", VALUES["tech_name"])
    assert compare("contact", "王 建 国", "王建国")


def test_address_tolerates_misread_glyphs_but_not_a_changed_number_or_street() -> None:
    assert compare("address", "北京市西城区百万庄太街26号", VALUES["address"])  # 大/太: a known misread
    assert compare("address", "北京市西城区百万庄大街26亏", VALUES["address"])  # one glyph in 15 (similarity 0.93)
    assert not compare("address", "北京市西城区百万庄大街28号", VALUES["address"])  # house number
    assert not compare("address", "北京市朝阳区北土城西路3号", VALUES["address"])


def test_long_text_with_ocr_noise_is_equal() -> None:
    noisy = LEVEL.replace("。", ". ").replace("识别", "识 别").replace("已", "己")
    assert compare_long("tech_level", noisy, LEVEL, OPTIONS.sentence_max_cost, OPTIONS.sentence_cost_per_char).equal


def test_long_text_changed_number_is_found_in_its_sentence() -> None:
    changed = LEVEL.replace("96.3%", "99.3%")
    c = compare_long("tech_level", changed, LEVEL, OPTIONS.sentence_max_cost, OPTIONS.sentence_cost_per_char)
    assert not c.equal
    assert len(c.sentences) == 1 and c.sentences[0].online.startswith("本技术采用深度学习方法")
    assert "99.3%" in c.sentences[0].paper and c.sentences[0].digits_changed


def test_long_text_added_sentence_is_found() -> None:
    extra = LEVEL.replace("成本降低了12%。", "成本降低了12%。该技术填补了国内空白。")
    c = compare_long("tech_level", extra, LEVEL, OPTIONS.sentence_max_cost, OPTIONS.sentence_cost_per_char)
    assert not c.equal and "填补了国内空白" in c.sentences[0].paper
    assert c.to_dict()["differing_count"] == 1


def test_sentences_do_not_split_decimals() -> None:
    assert [s.text for s in sentences("识别准确率达到96.3%。处理效率提高35%！")] == ["识别准确率达到96.3%。", "处理效率提高35%！"]


def test_edit_cost_weighs_look_alikes_lower() -> None:
    assert confusable("己", "已") and not confusable("技", "枝")
    assert edit_cost("己经", "已经").cost == OPTIONS.name_max_cost + 0.25
    assert edit_cost("枝术", "技术").hard == 1


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="技术地质岩心图像识别方法系统平台数据模型", min_size=2, max_size=20), st.data())
def test_any_one_character_change_in_a_name_is_a_mismatch(name: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(name) - 1))
    other = data.draw(st.sampled_from("新高低大小中上下左右").filter(lambda ch: ch != name[i]))
    changed = name[:i] + other + name[i + 1:]
    assert not compare_name("tech_name", changed, name, OPTIONS.name_max_cost).equal
    assert compare_name("tech_name", " ".join(name), name, OPTIONS.name_max_cost).equal


def test_a_stray_digit_between_characters_is_noise_but_a_digit_in_a_number_is_not() -> None:
    assert not edit_cost("示范和引1领作用", "示范和引领作用").digits_changed
    assert edit_cost("准确率达到965%", "准确率达到96%").digits_changed
    assert edit_cost("获批3个", "获批2个").digits_changed


@pytest.mark.parametrize(("ring", "unit", "similarity"), [
    ("子科技大", "电子科技大学", 1.0),  # the middle of the ring: its best stretch, whatever its length
    ("中国地质科学", "中国地质科学院", 1.0),  # the last glyph not read
    ("北京邮电大学", "杭州海芯微电子科技有限公司", 0.0),
])
def test_a_partial_ring_is_compared_with_the_best_stretch_of_the_unit(ring: str, unit: str, similarity: float) -> None:
    assert compare_unit(ring, unit, 0.45).score == pytest.approx(similarity, abs=0.2 if similarity == 0.0 else 1e-9)


def test_a_look_alike_the_engines_read_differently_is_no_change_in_a_name() -> None:
    # gray scan: PP-OCR read 孪 as 李, Tesseract as 挛; the paper's glyph is in doubt there.
    online = "基于数字孪生的重载AGV控制技术"
    c = compare_field(TEMPLATE.field("tech_name"), "基于数字李生的重载AGV控制技术", online, OPTIONS, TABLE,
                      other_reading="基于数字挛生的重载AGV控制技术")
    assert c.equal and c.lookalike_only and c.to_dict()["engines_disagree"]
    # Tesseract dropped other glyphs too: still in doubt at 孪.
    assert compare_name("tech_name", "数字李生驱动的盾构机主轴承控制方法及系统", "数字孪生驱动的盾构机主轴承控制方法及系统",
                        OPTIONS.name_max_cost, other_reading="数字闻生豫动的盾构机主轴承控制方法及系统").equal


def test_a_look_alike_both_engines_read_is_a_change_in_a_name() -> None:
    online = "岩心图像智能识别技术"
    # No second reading, or the second engine read the same 木 (the glyph on paper is 木), or it
    # disagreed elsewhere only: the swap stands.
    assert not compare_name("tech_name", "岩心图像智能识别技木", online, OPTIONS.name_max_cost).equal
    assert not compare_name("tech_name", "岩心图像智能识别技木", online, OPTIONS.name_max_cost,
                            other_reading="岩心图像智能识别技木").equal
    assert not compare_name("tech_name", "岩心图像智能识别技木", online, OPTIONS.name_max_cost,
                            other_reading="岩心图象智能识别技木").equal
    # A different word is a change whatever the engines read.
    assert not compare_name("tech_name", "基于数字双生的重载AGV控制技术", "基于数字孪生的重载AGV控制技术",
                            OPTIONS.name_max_cost, other_reading="基于数字挛生的重载AGV控制技术").equal


def test_specks_read_into_a_sentence_are_noise_but_a_changed_number_is_not() -> None:
    online = "与国外主流技术相比，本技术在加工效率方面处于国际先进水平。据测算，国内相关市场规模超过576亿元，年均增长率约24%。"
    noisy = "与国外主流技术相比，本技术在0字。加工效率方面处于国际先进水平。据测算，国内相关0丨市场规模超过576亿元，年均增长率约24%。"
    assert compare_long("tech_level", noisy, online, OPTIONS.sentence_max_cost, OPTIONS.sentence_cost_per_char).equal
    for paper in (online.replace("576", "5706"),  # a digit inserted into a number
                  online.replace("576", "578"),  # a digit changed
                  online.replace("约24%", "约240%"),  # a digit added after a number
                  online.replace("相关市场", "相关0丨10市场")):  # more than specks: a number inserted
        assert not compare_long("tech_level", paper, online, OPTIONS.sentence_max_cost,
                                OPTIONS.sentence_cost_per_char).equal, paper
    assert not compare_long("tech_level", "精度波动小于12.2%。", "精度波动小于10.2%。", OPTIONS.sentence_max_cost).equal


def test_a_glyph_the_reading_left_unknown_is_no_different_sentence_but_a_changed_one_is() -> None:
    # word-01 of rob seed 464378: Word's long text on a poor scan, the 7 read as ？
    online = "团队与车联网领域7家骨干企业建立了长期合作关系，共建联合实验室3个。团队现有成员27人。"
    for unread in ("？", "?", "□"):
        c = compare_long("team_intro", online.replace("7家", unread + "家"), online, OPTIONS.sentence_max_cost,
                         OPTIONS.sentence_cost_per_char)
        assert c.equal, unread
    assert edit_cost("领域？家", "领域7家").to_dict()["unread_glyphs"] == 1
    for paper in (online.replace("7家", "8家"),  # a real digit changed
                  online.replace("7家", "？？？家"),  # more than one glyph's place: no single unknown
                  online.replace("7家", "？家").replace("实验室3个", "实验室4个")):  # an unknown and a real change
        c = compare_long("team_intro", paper, online, OPTIONS.sentence_max_cost, OPTIONS.sentence_cost_per_char)
        assert not c.equal, paper
    # an unknown glyph is never the online text's own question mark or another punctuation's place
    assert edit_cost("是什么？", "是什么。").unread == 0
