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
# One stray character is allowed on either side of 年 and 月 (a seal's or a rule's mark read as one).
_STRAY = r"[^0-9〇○零Oo一二三四五六七八九十两年月日]?"
# 日 is required: a day cut short by a seal over it ("十一月十" for 十八) must not read as the 10th.
_DATE_CN = re.compile(rf"({_YEAR_NUM}{{2,4}}){_STRAY}年{_STRAY}({_NUM}{{1,3}}){_STRAY}月{_STRAY}({_NUM}{{1,3}}){_STRAY}日")
# Month and day alone (the year unreadable): 日 still required, and whatever stands before
# 月 is cut to its last two characters (二十一月 → 十一月: the year's last digit before it).
_MONTH_DAY = re.compile(rf"({_NUM}{{1,3}}){_STRAY}月{_STRAY}({_NUM}{{1,3}}){_STRAY}日")
_DATE_SEP = re.compile(r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})")
_DIGITLIKE = re.compile(rf"{_NUM}")
# 一 after 十 before 月/日, read as a dash or arrow (十→月): not a stray mark (November, not October).
_ONE_AS_DASH = re.compile(r"(?<=十)[→—–‐‑－\-ー_~～](?=[月日])")
# The form prints 年 月 日 once each, in that order: a second 月 after the month's, closing the day
# with no 日 after it, is the 日 misread (日 and 月 differ by one stroke, lost on a 1-bit scan:
# 2020年11月18月). Only after 年 and a month, so a month and day alone (11月18月) are never guessed.
_DAY_AS_MONTH = re.compile(rf"(年{_STRAY}{_NUM}{{1,3}}{_STRAY}月{_STRAY}{_NUM}{{1,3}}{_STRAY})月(?![^日]*日)")


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
    return _DAY_AS_MONTH.sub(r"\1日", t, count=1)


def parse_date(text: str) -> str | None:
    """The ISO date in an OCR'd date line, or None when it holds no valid date."""
    t = normalize_date_text(text)
    m = _DATE_CN.search(t)
    if m:
        y, mo, d = chinese_to_int(m.group(1), year=True), chinese_to_int(m.group(2)), chinese_to_int(m.group(3))
    else:
        m = _DATE_SEP.search(t)
        if not m:
            return None
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y is None or mo is None or d is None:
        return None
    if y < 100 and m.group(1).isdigit():  # "20年" for 2020: the century printed, the rest written
        y += 2000                         # (never 二二 for 二〇二〇 with both 〇 lost: 2022)
    if not YEAR_MIN <= y <= YEAR_MAX:
        return None
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def parse_month_day(text: str) -> str | None:
    """``--MM-DD`` for a date line whose month and day read but whose year does not."""
    m = _MONTH_DAY.search(normalize_date_text(text))
    if not m:
        return None
    head, day = m.group(1), chinese_to_int(m.group(2))
    # A month is at most two characters (十二, 12); a third before it is the year's last digit.
    month = chinese_to_int(head[-2:])
    if month is None or day is None or not 1 <= month <= 12:
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
    None: a year mixing Chinese numerals and digits, or one outside ``years`` (first, last)."""
    m = _DATE_CN.search(normalize_date_text(text))
    if m and _mixed_script(m.group(1)):
        return f"the year {m.group(1)} mixes Chinese numerals and digits"
    value = parse_date(text)
    if value is not None and years is not None and not years[0] <= int(value[:4]) <= years[1]:
        return f"the year {value[:4]} is outside {years[0]}-{years[1]}"
    return None


def _month_glyphs(text: str) -> int:
    """How many glyphs the month of a reading has (0 when no month reads)."""
    t = normalize_date_text(text)
    m = _DATE_CN.search(t)
    if m:
        return len(m.group(2))
    m = _MONTH_DAY.search(t)
    return len(m.group(1)[-2:]) if m else 0


def _day_glyphs(text: str) -> int:
    """How many glyphs the day of a reading has (0 when no day reads, or it mixes scripts)."""
    t = normalize_date_text(text)
    m = _DATE_CN.search(t) or _MONTH_DAY.search(t)
    if not m:
        return 0
    day = m.group(m.lastindex or 0)
    return 0 if _mixed_script(day) else len(day)


def _month_mixed(text: str) -> bool:
    """Whether a reading's month is in two scripts (2021年1〇月: a stroke of a thickened crop read
    as a glyph the pen never wrote); such a month adds no glyph in ``choose_reading``."""
    m = _DATE_CN.search(normalize_date_text(text))
    return m is not None and _mixed_script(m.group(2))


def needs_reread(text: str, value: str | None, years: tuple[int, int] | None = None) -> bool:
    """Whether a date line's reading is worth a second look: written but not read, its year not to
    be believed (``year_doubt``), or its month or day a lone glyph that a lost stroke makes of a
    two-glyph one (1月 of 11月, 八日 of 十八日)."""
    if value is None:
        return has_filling(text)
    if year_doubt(text, years) is not None:
        return True
    return ((int(value[5:7]) in AMBIGUOUS_MONTHS and _month_glyphs(text) == 1)
            or (int(value[8:10]) <= AMBIGUOUS_DAY_MAX and _day_glyphs(text) == 1))


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
