"""The OCR look-alike tables: characters recognisers read for one another in print.

One table for the reader (``extract.syntax``: which of two engines' e-mail or phone reading to
keep where they differ only in look-alikes) and the checks (``checks.text``: a look-alike swap
costs a quarter of an edit when paper and online are compared, and a name that differs from the
online one only in look-alikes where the two engines read the paper differently is not a change).
Each string is one group; any two characters of a group are look-alikes.
"""

from __future__ import annotations

LATIN_LOOKALIKES: tuple[str, ...] = ("0OoD〇", "1lI|i!", "5Ss", "2Zz", "8B", "6b", "9g")
"""Digits and the letters (and 〇, |, !) Tesseract chi_sim and PP-OCR read for them in 300 dpi print."""

CJK_LOOKALIKES: tuple[str, ...] = (
    "己已巳", "未末", "土士", "日曰", "人入八", "大太犬", "天夭夫", "王玉主", "白自", "目且",
    "刀力", "干千于", "开升", "木本术", "戊戌戍", "申由甲田", "贝见", "今令", "设没", "折拆析",
    "治冶", "辨辩辫", "杨扬", "候侯", "微徽", "免兔", "准淮", "径经", "壁璧", "晴睛", "历厉",
    "象像", "员贝", "问间", "侯猴", "拨拔", "体休", "坝坎", "仑仓", "汩汨", "孑子", "衷哀",
    "口囗", "二三", "工土", "己巳", "礻衤", "厂广", "几凡", "万方", "仁化", "免勉",
    "孪李", "孪挛",  # 亦 over 子 read as 木 over 子 (PP-OCR) or 亦 over 手 (Tesseract) on gray 200-300 dpi scans
)
"""CJK glyphs Tesseract chi_sim and PP-OCR read for one another in printed Song/Hei text."""


def lookalike_sets() -> list[frozenset[str]]:
    """``LATIN_LOOKALIKES`` as sets, for membership tests."""
    return [frozenset(g) for g in LATIN_LOOKALIKES]
