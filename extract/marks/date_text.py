"""The text of a date line: Chinese numerals, Arabic and dotted dates parsed and checked as a
calendar date, whether a line is the 年 月 日 line and written on, and which of several
readings of one line to believe. ``dates`` finds the line and reads it; this is its text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Digit-like characters that make a date line filled in (see has_filling).
MIN_FILLING_DIGITS = 2
# A line whose date did not read, or whose month read as one glyph that is also the end of a
# two-glyph month (1月 for 十一月/11月 with the 十 or a 1 lost on a thin 1-bit stroke), is read
# again (dates.reread_variants).
AMBIGUOUS_MONTHS = (1, 2)
# Likewise a day read as one glyph (八 for 十八, 8 for 18: the 十 or the 1 lost the same way).
AMBIGUOUS_DAY_MAX = 9
# Years a nomination date can have (the notice is of 2020; forms get reused).
YEAR_MIN, YEAR_MAX = 2000, 2099
# A form is signed in the year of the notice's deadline, or the one before or after (a notice of
# November answered in January): a year further off is a misread (二〇二〇 read as 二〇三5).
NOTICE_YEAR_SLACK = 1
# Chinese numerals of a written number: a year (or month) holding these and an Arabic digit too
# was misread (people write a number in one script; OCR's O Q D C for 〇 belong to neither).
_CN_YEAR_DIGITS = frozenset("〇○零一二三四五六七八九两")

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "Q": 0, "D": 0, "C": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "两": 2}
# OCR misreadings seen for the printed labels and digits.
_LABEL_FIXES = {"午": "年", "牛": "年", "曰": "日", "目": "日", "l": "1", "I": "1", "|": "1", "B": "8",
                "S": "5", "Z": "2", "z": "2"}
_NUM = r"[0-9〇○零Oo一二三四五六七八九十两]"
# A handwritten 〇 in a year is also read as Q, D or C (only there: the year is digit by digit).
_YEAR_NUM = r"[0-9〇○零OoQDC一二三四五六七八九十两]"
# One stray character beside a label (a seal's or a rule's mark read as one): allowed before the
# year, between a whole four-glyph year and 年 and after 日 — outside every number. Inside a month
# or a day (between 年 and 月, between 月 and 日) a glyph that is no numeral may be one misread
# (±一 for 十一, 小2 for 13): ``_slot_value`` keeps such a number only where no numeral in its
# place makes another valid one.
_STRAY = r"[^0-9〇○零Oo一二三四五六七八九十两年月日]?"
NUMERALS = frozenset("0123456789〇○零Oo一二三四五六七八九十两")
# The two scripts a month or day is written in (十 and 0/〇 aside: ``_scripts_differ``).
_ARABIC = frozenset("123456789")
_CHINESE = frozenset("一二三四五六七八九两")
# A year is written in full (二〇二〇, 2020): with a stray glyph before 年 it is believed only whole.
YEAR_GLYPHS = 4
# What a stray glyph inside a month or day may stand for (either script, and 十).
_STAND_INS = "0123456789一二三四五六七八九十"
# 日 is required: a day cut short by a seal over it ("十一月十" for 十八) must not read as the 10th.
# The month and day are taken as read, strays and all (up to MAX_SLOT_GLYPHS), and judged by
# ``_slot_value``.
MAX_SLOT_GLYPHS = 4
_SLOT = rf"([^年月日]{{1,{MAX_SLOT_GLYPHS}}})"
_DATE_CN = re.compile(rf"({_YEAR_NUM}{{2,4}})({_STRAY})年{_SLOT}月{_SLOT}日")
# Month and day alone (the year unreadable): 日 still required, and whatever stands before
# 月 is cut to its last two characters (二十一月 → 十一月: the year's last digit before it).
_MONTH_DAY = re.compile(rf"([^年月日]+)月{_SLOT}日")
MONTH_MAX_GLYPHS = 2
# The form prints 年 月 日 once each: a label after the date's 日 means the labels themselves were
# misread (bilevel-02 of rob seed 220061: 十一日 read '1日月', a sure 11-01 for 11-11), so the numbers
# between them cannot be trusted either.
_LABELS = re.compile("[年月日]")
_YEAR_TAIL = re.compile(rf"{_YEAR_NUM}*$")
_NOT_NUM_TAIL = re.compile(r"[^0-9〇○零Oo一二三四五六七八九十两]+$")
_DATE_SEP = re.compile(r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})")
_DIGITLIKE = re.compile(rf"{_NUM}")
# 一 after 十 before 月/日, read as a dash or arrow (十→月): not a stray mark (November, not October).
_ONE_AS_DASH = re.compile(r"(?<=十)[→—–‐‑－\-ー_~～](?=[月日])")
# The form prints 年 月 日 once each, in that order: a second 月 after the month's, closing the day
# with no 日 after it, is the 日 misread (日 and 月 differ by one stroke, lost on a 1-bit scan:
# 2020年11月18月). Only after 年 and a month, so a month and day alone (11月18月) are never guessed.
_DAY_AS_MONTH = re.compile(rf"(年{_STRAY}{_NUM}{{1,3}}{_STRAY}月{_STRAY}{_NUM}{{1,3}}{_STRAY})月(?![^日]*日)")
# 白 closing the day of a line that has no 日 is the 日 with a speck on its top (bilevel-02 of rob seed
# 842594: '：〇2020年11月12白1', a seal's star tip over the 2 beside it). Only after a month and a day
# of two glyphs or more: a one-glyph day (十白) may be what a seal over 十八日 left, never the 10th.
_DAY_AS_WHITE = re.compile(rf"(月{_STRAY}{_NUM}{{2,3}})白")
# A line that ends in a day no glyph can follow (11-19, 21-29, 31; 十一-十九, X十Y), then at most one
# stray glyph and no 日, had its 日 under a seal's glyph or ring (bilevel-02 of rob seed 777738:
# '2020年11月13】'). Never a day that may go on (1, 2, 3, 十, 二十: 十八 cut short is not the 10th), nor
# one ending in 0 (a 日 that lost its middle stroke is a 口, read 0 or 〇: 1日 must not become 10).
_DAY_UNCLOSED = re.compile(
    rf"(年{_STRAY}{_NUM}{{1,3}}{_STRAY}月{_STRAY})(1[1-9]|2[1-9]|31|[二三]?十[一二三四五六七八九])"
    r"[^0-9〇○零Oo一二三四五六七八九十两年月日]?$")


def _digit(ch: str) -> int | None:
    """One Chinese numeral or Arabic digit (十1 is 十一 with its 一 read as 1)."""
    return int(ch) if ch.isdigit() else _CN_DIGITS.get(ch)


def chinese_to_int(s: str, year: bool = False) -> int | None:
    """``2020``/``二〇二〇`` (year: digit by digit), ``十一``/``二十三``/``11`` (month, day)."""
    if s.isdigit():
        return int(s)
    if year or "十" not in s:
        digits = [_digit(ch) for ch in s]
        if any(d is None for d in digits):
            return None
        return int("".join(str(d) for d in digits))
    tens_s, _, ones_s = s.partition("十")
    tens = 1 if tens_s == "" else _digit(tens_s) if len(tens_s) == 1 else None
    ones = 0 if ones_s == "" else _digit(ones_s) if len(ones_s) == 1 else None
    if tens is None or ones is None:
        return None
    return tens * 10 + ones


def normalize_date_text(text: str) -> str:
    """Full-width to ASCII, whitespace out, known misreadings of 年 月 日 and digits fixed."""
    t = unicodedata.normalize("NFKC", text)
    t = "".join(ch for ch in t if not ch.isspace())
    t = _ONE_AS_DASH.sub("一", "".join(_LABEL_FIXES.get(ch, ch) for ch in t))
    if "日" not in t:
        t = _DAY_AS_WHITE.sub(r"\1日", t, count=1)
        t = _DAY_UNCLOSED.sub(r"\1\2日", t, count=1)
    return _DAY_AS_MONTH.sub(r"\1日", t, count=1)


def _slot_value(slot: str, top: int) -> int | None:
    """The month (``top`` 12) or day (31) a slot between two labels says, or None.

    A glyph that is no numeral inside it (at most one) may be a numeral misread: the slot is
    read without it only where no numeral (either script, or 十) in its place makes another valid
    number (年(11月 is November: neither X11 nor 十11 is a month; 年±一月 is not: 十一 is)."""
    strays = [i for i, ch in enumerate(slot) if ch not in NUMERALS]
    if len(strays) > 1 or len(slot) == len(strays):
        return None
    value = chinese_to_int(numerals(slot))
    if value is None or not 1 <= value <= top:
        return None
    for i in strays:
        for ch in _STAND_INS:
            other = chinese_to_int(slot[:i] + ch + slot[i + 1:])
            if other is not None and 1 <= other <= top and other != value:
                return None
    return value


def numerals(slot: str) -> str:
    """The numerals of a reading (as ``NUMERALS``), in order: labels and strays left out."""
    return "".join(ch for ch in slot if ch in NUMERALS)


def _scripts_differ(month: str, day: str) -> bool:
    """Whether a month and a day are written in two scripts (11月七日): people write a date in one, so one
    of them is something else read as a numeral (an oval seal's name glyph over 13 read 七; drawn
    1-bit scenes). 十 and 0 belong to both (十1 is 十一 with its 一 read as a digit, 〇 is read 0)."""
    scripts = [{"A" for ch in part if ch in _ARABIC} | {"C" for ch in part if ch in _CHINESE} for part in (month, day)]
    return len(scripts[0]) == 1 and len(scripts[1]) == 1 and scripts[0] != scripts[1]


def _date_parts(t: str) -> tuple[str, str, str] | None:
    """Year, month and day numerals of a normalised 年 月 日 reading whose three parts all read
    (``_slot_value``; a stray glyph before 年 only after a whole year), or None."""
    m = _DATE_CN.search(t)
    if not m or (m.group(2) and len(m.group(1)) != YEAR_GLYPHS) or _LABELS.search(t, m.end()):
        return None
    if _slot_value(m.group(3), 12) is None or _slot_value(m.group(4), 31) is None:
        return None
    month, day = numerals(m.group(3)), numerals(m.group(4))
    return None if _scripts_differ(month, day) else (m.group(1), month, day)


def _month_day_parts(t: str) -> tuple[str, str] | None:
    """Month and day numerals of a normalised reading whose month and day read, the year aside
    (the month cut to its last MONTH_MAX_GLYPHS glyphs: a third before it is the year's last digit)."""
    m = _MONTH_DAY.search(t)
    if not m or _LABELS.search(t, m.end()):
        return None
    head = m.group(1)[-MONTH_MAX_GLYPHS:]
    if _slot_value(head, 12) is None or _slot_value(m.group(2), 31) is None:
        return None
    month, day = numerals(head), numerals(m.group(2))
    return None if _scripts_differ(month, day) else (month, day)


def parse_date(text: str) -> str | None:
    """The ISO date in an OCR'd date line, or None when it holds no valid date (a glyph that is
    no numeral inside the month or the day, where a numeral would change it, leaves it unread)."""
    t = normalize_date_text(text)
    parts = _date_parts(t)
    if parts is not None:
        year, y, mo, d = parts[0], chinese_to_int(parts[0], year=True), chinese_to_int(parts[1]), chinese_to_int(parts[2])
    else:
        m = _DATE_SEP.search(t)
        if not m:
            return None
        year, y, mo, d = m.group(1), int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y is None or mo is None or d is None:
        return None
    if y < 100 and year.isdigit():  # "20年" for 2020: the century printed, the rest written
        y += 2000                   # (never 二二 for 二〇二〇 with both 〇 lost: 2022)
    if not YEAR_MIN <= y <= YEAR_MAX:
        return None
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def parse_month_day(text: str) -> str | None:
    """``--MM-DD`` for a date line whose month and day read but whose year does not."""
    parts = _month_day_parts(normalize_date_text(text))
    if parts is None:
        return None
    month, day = chinese_to_int(parts[0]), chinese_to_int(parts[1])
    if month is None or day is None:
        return None
    try:
        dt.date(2000, month, day)  # a leap year: 02-29 is a day
    except ValueError:
        return None
    return f"--{month:02d}-{day:02d}"


def is_date_line(text: str) -> bool:
    """Whether OCR text is the 年 月 日 line (at least two of the three labels, or a dotted date)."""
    t = normalize_date_text(text)
    return sum(ch in t for ch in "年月日") >= 2 or bool(_DATE_SEP.search(t))


def has_filling(text: str) -> bool:
    """Whether the date line holds anything written besides the printed 年 月 日.

    Two digit-like characters at least: a seal's ring crossing a blank line reads as one
    stray 〇 or 1; the shortest written date (2020年1月1日) has six."""
    return len(_DIGITLIKE.findall(normalize_date_text(text))) >= MIN_FILLING_DIGITS


def notice_years(deadline_year: int) -> tuple[int, int]:
    """The years a date on a form answering a notice with this deadline year can have."""
    return deadline_year - NOTICE_YEAR_SLACK, deadline_year + NOTICE_YEAR_SLACK


def _mixed_script(number: str) -> bool:
    """Whether a written number holds both Arabic digits and Chinese numerals (十 aside: 十1 is 十一
    with its 一 read as a digit; 0 aside: OCR reads a 〇 as 0 as often as as O)."""
    return any(ch.isdigit() and ch != "0" for ch in number) and any(ch in _CN_YEAR_DIGITS for ch in number)


def year_doubt(text: str, years: tuple[int, int] | None = None) -> str | None:
    """Why the year of a date line's reading is not to be believed (English, for the reason), or
    None: a year mixing Chinese numerals and digits, a year with a digit glued before it beside a
    one-glyph month, or one outside ``years`` (first, last)."""
    t = normalize_date_text(text)
    parts = _date_parts(t)
    if parts and _mixed_script(parts[0]):
        return f"the year {parts[0]} mixes Chinese numerals and digits"
    m = _DATE_CN.search(t)
    if (m and parts and len(parts[1]) == 1 and m.start() > 0 and t[m.start() - 1].isdigit()
            and m.group(1)[:1].isdigit()):
        # '12020年1月7日' (bilevel-02 of rob seed 729666, truth 2020-11-07): a digit glued before the
        # year beside a one-glyph month may be the month's glyph the reading moved (the 1 of 11)
        return f"a digit {t[m.start() - 1]!r} stands before the year {m.group(1)} and the month is one glyph"
    value = parse_date(text)
    if value is not None and years is not None and not years[0] <= int(value[:4]) <= years[1]:
        return f"the year {value[:4]} is outside {years[0]}-{years[1]}"
    return None


def _month_glyphs(text: str) -> int:
    """How many glyphs the month of a reading has (0 when no month reads)."""
    t = normalize_date_text(text)
    parts = _date_parts(t) or _month_day_parts(t)
    return len(parts[-2]) if parts else 0


def _day_glyphs(text: str) -> int:
    """How many glyphs the day of a reading has (0 when no day reads, or it mixes scripts)."""
    t = normalize_date_text(text)
    parts = _date_parts(t) or _month_day_parts(t)
    return 0 if parts is None or _mixed_script(parts[-1]) else len(parts[-1])


def _month_mixed(text: str) -> bool:
    """Whether a reading's month is in two scripts (2021年1〇月: a stroke of a thickened crop read
    as a glyph the pen never wrote); such a month adds no glyph in ``choose_reading``."""
    parts = _date_parts(normalize_date_text(text))
    return parts is not None and _mixed_script(parts[1])


def needs_reread(text: str, value: str | None, years: tuple[int, int] | None = None) -> bool:
    """Whether a date line's reading is worth a second look: written but not read, its year not to
    be believed (``year_doubt``), or its month or day a lone glyph that a lost stroke makes of a
    two-glyph one (1月 of 11月, 八日 of 十八日)."""
    if value is None:
        return has_filling(text)
    if year_doubt(text, years) is not None:
        return True
    return lone_month(text, value) or lone_day(text, value)


def lone_day(text: str, value: str) -> bool:
    """Whether a reading's day is a lone glyph that a lost stroke makes of a two-glyph one (八日 of
    十八日, 1日 of 11日)."""
    return int(value[8:10]) <= AMBIGUOUS_DAY_MAX and _day_glyphs(text) == 1


def lone_month(text: str, value: str) -> bool:
    """Whether a reading's month (``value`` its ISO date) is a lone glyph that a lost stroke makes
    of a two-glyph one (1月 of 11月, 2月 of 12月)."""
    return int(value[5:7]) in AMBIGUOUS_MONTHS and _month_glyphs(text) == 1


def month_day_of(text: str) -> str | None:
    """``--MM-DD`` of a reading, with or without its year."""
    value = parse_date(text)
    return f"--{value[5:]}" if value else parse_month_day(text)


def choose_reading(texts: list[str], years: tuple[int, int] | None = None) -> str:
    """The best of the readings the OCR offered for one line: a whole date with a believable year
    (``year_doubt``) over any date or month and day alone over nothing, then the one with more
    glyphs in its month, then in its day (a lost stroke drops a glyph, it never adds one; a month or
    day in two scripts counts none); the first on a tie.
    Never a date none of them says."""
    def rank(t: str) -> tuple[bool, bool, bool, int, int]:
        whole = parse_date(t) is not None
        return (whole and year_doubt(t, years) is None, whole, parse_month_day(t) is not None,
                0 if _month_mixed(t) else _month_glyphs(t), _day_glyphs(t))

    return max(texts, key=rank) if texts else ""


# ---- whether a second reading may replace the first ---------------------------------------------


def _could_be(slot: str, top: int) -> set[int]:
    """Every month (``top`` 12) or day (31) a slot as read could say: its numerals, and each of its
    (at most one) stray glyphs read as a numeral; empty when it says nothing that could be one
    (a seal's code digits over the line: 116月, 94756日)."""
    strays = [i for i, ch in enumerate(slot) if ch not in NUMERALS]
    if len(strays) > 1 or len(slot) > MAX_SLOT_GLYPHS or _LABELS.search(slot):
        return set()  # a label read where a number stands (十六 read 年二 under a ring) says none
    tries = [slot] if not strays else [numerals(slot)] + [slot[:strays[0]] + ch + slot[strays[0] + 1:] for ch in _STAND_INS]
    values = {chinese_to_int(t) for t in tries if t}
    return {v for v in values if v is not None and 1 <= v <= top}


def _tokens(number: str) -> str:
    """A number's glyphs in one script (十 as T), to compare readings in different scripts."""
    return "".join("T" if ch == "十" else str(_digit(ch)) if _digit(ch) is not None else "?" for ch in number)


def _loose_slots(text: str) -> tuple[str | None, str | None, str | None]:
    """Year, month and day as a reading has them between its labels, stray glyphs kept (None where
    a label is not there to bound it): what a first reading said, even where it did not read."""
    t = normalize_date_text(text)
    iy = t.find("年")
    im = t.find("月", iy + 1)
    year = _YEAR_TAIL.findall(t[:iy])[0] if iy >= 0 else None
    if im < 0:
        return year, None, None
    month = t[iy + 1:im] if iy >= 0 else t[:im][-MONTH_MAX_GLYPHS:]
    iday = t.find("日", im + 1)
    # no 日: whatever closes the day is its label misread (五的 for 五日)
    day = t[im + 1:iday] if iday >= 0 else _NOT_NUM_TAIL.sub("", t[im + 1:])
    return year, month, day


def _slot_agrees(first: str | None, again: str, top: int) -> bool:
    """Whether a second reading's month or day (``again``, numerals that read) may stand for the
    first reading's slot: the first said nothing a number could be, or the second says one of the
    values it could be with at least as many glyphs (a re-read never adds a glyph the pen did not
    write, and a glyph dropped is how 十一 became 一), or the first's numerals are the second's with
    glyphs lost (1 of 11, 八 of 十八)."""
    could = _could_be(first or "", top)
    if not could:
        # the first said no number here, but a second that is its glyphs with the leading ones lost (14 -> 4:
        # the ring painted out with the 1 of 11 under it, gray-02 of rob seed 828415, a sure 04-05 for 11-05)
        # is how 十一 becomes 一, never a better reading
        said = _tokens(numerals(first or ""))
        return not (len(again) < len(said) and said.endswith(_tokens(again)))
    value = chinese_to_int(again)
    if value in could and len(again) >= len(first or ""):
        return True
    lost, have = _tokens(numerals(first or "")), iter(_tokens(again))
    return len(lost) < len(again) and all(ch in have for ch in lost)


def readings_agree(first: str, again: str, years: tuple[int, int] | None = None) -> bool:
    """Whether ``again`` (a re-read of the same line that reads as a date) may replace ``first``:
    every number the first reading said, it says too or fuller (``_slot_agrees``). A year the first
    reading had whole, in one script and within ``years`` must be the same; any other may change.
    A re-read that turns 五 into 2 is another date, not a better reading of this one."""
    t = normalize_date_text(again)
    parts = _date_parts(t)
    md = (parts[1], parts[2]) if parts else _month_day_parts(t)
    if md is None:
        return False
    year, month, day = _loose_slots(first)
    if not (_slot_agrees(month, md[0], 12) and _slot_agrees(day, md[1], 31)):
        return False
    said = chinese_to_int(year, year=True) if year and len(year) == YEAR_GLYPHS and not _mixed_script(year) else None
    first_year, last_year = years or (YEAR_MIN, YEAR_MAX)
    if parts is None or said is None or not first_year <= said <= last_year:
        return True  # the first reading said no year to be believed (6946年: a seal's code digits)
    return said == chinese_to_int(parts[0], year=True)
