"""Short fields decoded by their syntax: a phone number, an e-mail address, a one-digit integer.

Each decoder takes the candidate readings of one field (the leading engine's first, then the
second opinion's) and returns the reading that fits the field's syntax, with what had to be
repaired to make it fit. A candidate that fits as read wins over any repair; repairs are made
only where the syntax demands them, with the one look-alike table (``forms.lookalikes``):

- phone: digits, one hyphen after a landline's area code; marks a scan adds between digits
  (``19.179714768``) are dropped and a letter among digits becomes its digit look-alike;
- e-mail: ``local@domain.tld`` from its own alphabet; a lost ``@`` is put back where a space or
  a look-alike of it stands, or before a known mail domain (``163.com``); a top-level label
  read with digits (``c0m``) or ``rn`` for ``m`` is the known label it looks like; where two
  engines differ only in look-alikes the character that fits its neighbours is kept, what both
  agree on is never changed;
- integer: a digit or a written numeral (``7``, ``七``, ``七级``); a lone ``I``/``l``/``|`` is 1
  only when no candidate reads as a number.

Nothing here knows the online record: a reading is never repaired toward it, so a real
one-digit difference stays a difference.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from forms.lookalikes import LATIN_LOOKALIKES, lookalike_sets

# Marks a poor scan or a recogniser puts between a phone number's digits (dust read as a dot,
# a colon from two specks); a phone is written without them.
PHONE_NOISE = ".:：,，。·'`\"、;；_ "
# Dashes a phone's hyphen is printed or read as.
PHONE_DASHES = "—–－‐~〜-"
# A phone on the form: a mobile (11 digits) or a landline with area code, a hyphen allowed after it.
PHONE_RE = re.compile(r"(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})")
EMAIL_RE = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")
# The e-mail alphabet: anything else in a reading is noise or a misread @.
EMAIL_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._%+-@")
# Glyphs an ``@`` is read as when its ring breaks up (a lone one where no ``@`` was read).
AT_LOOKALIKES = "©®＠&(（"
# Marks an address never starts or ends with (a user name may: - and _ are left), read from dust or
# the cell's edge beside it (bilevel-01 of rob seed 609848: 'xiaofang@cisri.com.cn,').
EMAIL_EDGE_NOISE = ".,:;，。：；·'`\"、—~|/\\"
# Separators read for the dot of a domain.
DOT_LOOKALIKES = "。，,·"
# Mail domains common on Chinese forms: a reading ending in one with no ``@`` lost it just before.
MAIL_DOMAINS = ("vip.163.com", "vip.qq.com", "163.com", "126.com", "qq.com", "foxmail.com", "sina.com", "sina.cn",
                "sohu.com", "yeah.net", "139.com", "189.cn", "21cn.com", "aliyun.com", "gmail.com", "hotmail.com",
                "outlook.com", "yahoo.com", "263.net")
# Domain labels an e-mail ends with; a label read with look-alikes (c0m, corn) is taken as one of them.
KNOWN_LABELS = ("com", "cn", "net", "org", "edu", "gov", "ac", "mil", "info")
# Written forms of a one-digit answer that are no part of the number (第7级, TRL 7).
INTEGER_FRAME = re.compile(r"^(trl|第)?(.+?)(级)?$", re.IGNORECASE)
# The look-alikes a local part is repaired in by its neighbours (1/l, 0/o): others (2/z, 5/s)
# are as likely either way in a user name.
LOCAL_DIGIT_SWAPS = "10"
LOCAL_LETTER_SWAPS = "loIO"
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_GROUPS = lookalike_sets()
# Each letter (or 〇, |) of a look-alike group with a digit: that digit.
_TO_DIGIT = {ch: next(c for c in g if c.isdigit()) for g in LATIN_LOOKALIKES if any(c.isdigit() for c in g)
             for ch in g if not ch.isdigit()}
# Each digit of a look-alike group with a lower-case letter: that letter (0 → o, 1 → l, 5 → s …).
_TO_LETTER = {d: next((c for c in g if c.islower() and c.isascii()), "") for g in LATIN_LOOKALIKES for d in g if d.isdigit()}


@dataclass
class Decoded:
    """A reading that fits its field's syntax: the text, what was repaired ([] when it fit as
    read) and which candidate it came from (0: the leading engine)."""

    text: str
    repairs: list[str] = field(default_factory=list)
    source: int = 0

    @property
    def repaired(self) -> bool:
        return bool(self.repairs)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _fits_at(text: str, i: int, ch: str) -> int:
    """How many of position ``i``'s neighbours are of ``ch``'s class (digit or letter)."""
    return sum(1 for j in (i - 1, i + 1) if 0 <= j < len(text) and text[j].isalnum() and text[j].isdigit() == ch.isdigit())


def merge_lookalikes(a: str, b: str) -> tuple[str, list[str]] | None:
    """Two readings of the same length that differ only in look-alikes, merged: where they agree
    the character stays, where they differ the one that fits its neighbours (digits among
    digits, letters among letters) is kept, ``a``'s on a tie. None when they differ otherwise."""
    if len(a) != len(b):
        return None
    out, repairs = [], []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            out.append(x)
            continue
        if not any(x in g and y in g for g in _GROUPS):
            return None
        if _fits_at(b, i, y) > _fits_at(a, i, x):
            out.append(y)
            repairs.append(f"{x!r}→{y!r} at {i + 1} (the other engine's, fits its neighbours)")
        else:
            out.append(x)
    return "".join(out), repairs


# ---- phone ---------------------------------------------------------------------------------


def phone_fits(text: str) -> bool:
    return PHONE_RE.fullmatch(text) is not None


def _phone_clean(text: str) -> str:
    """A phone as written: no spaces, dashes as ``-`` (what ``typed_value`` does)."""
    s = re.sub(r"\s+", "", _nfkc(text))
    return "".join("-" if ch in PHONE_DASHES else ch for ch in s)


def repair_phone(text: str) -> Decoded | None:
    """``text`` made a phone number by dropping scan marks between digits and turning letters
    into their digit look-alikes; None when it still is not one."""
    s = _phone_clean(text)
    repairs: list[str] = []
    noise = sorted({ch for ch in s if ch in PHONE_NOISE})
    if noise:
        s = "".join(ch for ch in s if ch not in PHONE_NOISE)
        repairs.append("dropped " + " ".join(repr(ch) for ch in noise))
    letters = sorted({ch for ch in s if ch in _TO_DIGIT})
    if letters:
        s = "".join(_TO_DIGIT.get(ch, ch) for ch in s)
        repairs.extend(f"{ch!r}→{_TO_DIGIT[ch]!r}" for ch in letters)
    if s.count("-") > 1 and not phone_fits(s):
        s = s.replace("-", "")
        repairs.append("dropped extra hyphens")
    return Decoded(s, repairs) if repairs and phone_fits(s) else None


def decode_phone(candidates: Sequence[str]) -> Decoded | None:
    """The first candidate that is a phone number as read, else the first one repaired into one."""
    cands = [_phone_clean(c) for c in candidates]
    for i, c in enumerate(cands):
        if c and phone_fits(c):
            return Decoded(c, [], i)
    for i, c in enumerate(cands):
        if c and (d := repair_phone(c)) is not None:
            d.source = i
            return d
    return None


# ---- e-mail --------------------------------------------------------------------------------


def email_fits(text: str) -> bool:
    return EMAIL_RE.fullmatch(text) is not None


def _email_clean(text: str) -> str:
    """An e-mail as written: no spaces, lower case, full-width ``＠`` as ``@``."""
    return re.sub(r"\s+", "", _nfkc(text)).replace("＠", "@").lower()


def _fix_labels(domain: str, repairs: list[str]) -> str:
    """The domain's last two labels read with look-alikes (``c0m``, ``corn``, ``cm``) as the
    known label they look like; other labels (``163``, a unit's name) are left alone."""
    labels = domain.split(".")
    for k in range(max(0, len(labels) - 2), len(labels)):
        lab = labels[k]
        if lab in KNOWN_LABELS or not lab:
            continue
        cands = {"".join(_TO_LETTER.get(ch, "") or ch for ch in lab), lab.replace("rn", "m")}
        cands |= {"".join(_TO_LETTER.get(ch, "") or ch for ch in c) for c in list(cands)}
        hits = [c for c in cands if c in KNOWN_LABELS]
        if len(hits) == 1:
            repairs.append(f"{lab!r}→{hits[0]!r} in the domain")
            labels[k] = hits[0]
    return ".".join(labels)


def _put_at(s: str, raw: str, repairs: list[str]) -> str:
    """A lost ``@`` put back: where a look-alike of it stands, where a space split the address,
    or before a known mail domain the reading ends with."""
    lone = [i for i, ch in enumerate(s) if ch in AT_LOOKALIKES]
    if len(lone) == 1:
        i = lone[0]
        repairs.append(f"{s[i]!r}→'@'")
        return s[:i] + "@" + s[i + 1:]
    parts = _nfkc(raw).strip().split()
    if len(parts) == 2 and "." in parts[1] and "." not in parts[0][-1:]:
        repairs.append("'@' where a space was read")
        return _email_clean(parts[0]) + "@" + _email_clean(parts[1])
    for dom in MAIL_DOMAINS:  # longest first: vip.163.com before 163.com
        local = s[: -len(dom)] if s.endswith(dom) else ""
        if local.endswith("."):  # xxx.163.com: the dot is the @ misread
            local = local[:-1]
        if local:
            repairs.append(f"'@' put back before {dom}")
            return local + "@" + dom
    return s


def repair_email(text: str) -> Decoded | None:
    """``text`` made an e-mail address (``@`` put back, the domain's dots and known labels
    repaired, characters outside the alphabet dropped); None when it still is not one."""
    s = _email_clean(text)
    repairs: list[str] = []
    trimmed = s.strip(EMAIL_EDGE_NOISE)
    if trimmed != s and trimmed:
        ends = s[: len(s) - len(s.lstrip(EMAIL_EDGE_NOISE))] + s[len(s.rstrip(EMAIL_EDGE_NOISE)):]
        repairs.append("dropped " + " ".join(repr(ch) for ch in ends) + " at the ends")
        s = trimmed
    dots = sorted({ch for ch in s if ch in DOT_LOOKALIKES})
    if dots:
        s = "".join("." if ch in DOT_LOOKALIKES else ch for ch in s)
        repairs.append(" ".join(repr(ch) for ch in dots) + "→'.'")
    if "@" not in s:
        s = _put_at(_fix_labels(s, repairs), text, repairs)
    if s.count("@") != 1:
        return None
    local, domain = s.split("@")
    domain = _fix_labels(domain, repairs)
    stray = sorted({ch for ch in local + domain if ch not in EMAIL_CHARS})
    if stray:
        local = "".join(ch for ch in local if ch in EMAIL_CHARS)
        domain = "".join(ch for ch in domain if ch in EMAIL_CHARS)
        repairs.append("dropped " + " ".join(repr(ch) for ch in stray))
    s = f"{local}@{domain}"
    return Decoded(s, repairs) if repairs and email_fits(s) else None


def decode_email(candidates: Sequence[str], glyphs: int | None = None) -> Decoded | None:
    """The e-mail the candidates make: each fitted as read or repaired (in that order of
    preference, the leading engine first); where two fitting readings differ only in look-alikes
    they are merged character by character (what both agree on stays). ``glyphs`` is how many
    glyphs the scanned line has: when no reading has an ``@`` and they are as long as the line,
    no glyph was lost, so the ``@`` is the one glyph the engines read differently."""
    cands = [_email_clean(c) for c in candidates]
    fitted: list[Decoded] = []
    whole = glyphs is not None and all("@" not in c and len(c) == glyphs for c in cands if c)
    if whole and (at := _at_where_engines_differ(cands)) is not None:
        fitted.append(at)  # the @ read as a letter: no repair of one reading alone competes
    elif (borrowed := _at_from_other(cands)) is not None:
        fitted.append(borrowed)  # the leading reading but for its lost @: the other's letters do not compete
    settled = bool(fitted)
    for i, c in enumerate(cands):
        if not c or settled:
            continue
        d = Decoded(c, [], i) if email_fits(c) else repair_email(candidates[i])
        if d is not None:
            d.source = i
            fitted.append(d)
    if not fitted and (at := _at_where_engines_differ(cands)) is not None:
        fitted.append(at)
    if not fitted:
        return None
    fitted.sort(key=lambda d: (d.repaired, d.source))
    best = fitted[0]
    for other in fitted[1:]:
        merged = merge_lookalikes(best.text, other.text)
        if merged is not None and merged[1]:
            if merged[0] in cands:  # one engine's reading as read: no repair needed
                best = Decoded(merged[0], [], cands.index(merged[0]))
            else:
                best = Decoded(merged[0], best.repairs + merged[1], best.source)
            break
    local, domain = best.text.split("@")
    repairs: list[str] = []
    domain = _fix_labels(domain, repairs)
    agreed = [c for i, c in enumerate(cands) if i != best.source and len(c) == len(best.text)]
    local = _local_by_context(local, agreed, repairs)
    labels = domain.split(".")
    others = [o.split("@")[-1] for o in agreed if o.count("@") == 1 and len(o.split("@")[-1]) == len(domain)]
    for k, lab in enumerate(labels[:-1]):  # the unit's labels (h1zx → hlzx); the TLD was fixed above
        start = sum(len(x) + 1 for x in labels[:k])
        labels[k] = _local_by_context(lab, [o[start : start + len(lab)] for o in others], repairs)
    domain = ".".join(labels)
    if repairs:
        best = Decoded(f"{local}@{domain}", best.repairs + repairs, best.source)
    return best


def _at_from_other(cands: Sequence[str]) -> Decoded | None:
    """The leading reading (no ``@``) with the ``@`` where a second one of its length has its one ``@``
    (``zhoujingohit.edu.cn`` / ``zhowiing@hit.edu.cn``), if that fits: the leading engine's letters."""
    lead = cands[0] if cands and "@" not in cands[0] else ""
    for k in [o.index("@") for o in cands[1:] if lead and len(o) == len(lead) and o.count("@") == 1]:
        if email_fits(text := lead[:k] + "@" + lead[k + 1:]):
            return Decoded(text, [f"{lead[k]!r}→'@' at {k + 1}, where the other engine read it"], 0)
    return None


def _at_where_engines_differ(cands: Sequence[str]) -> Decoded | None:
    """Two readings without an ``@``, of one length, that differ in one character that is no
    look-alike pair (``hehongyuch1zx.com`` / ``hehongyueh1zx.com``, ``1iuping1972osina.com`` /
    ``liuping!972esina.com``): the broken ``@`` the two engines each read as something else stood
    there; look-alikes they differ in elsewhere are settled by their neighbours."""
    plain = [c for c in cands if c and "@" not in c]
    for a in plain:
        for b in plain:
            if a >= b or len(a) != len(b):
                continue
            diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True))
                    if x != y and not any(x in g and y in g for g in _GROUPS)]
            if len(diff) != 1:
                continue
            i = diff[0]
            repairs: list[str] = []
            merged = merge_lookalikes(a[:i] + b[i] + a[i + 1 :], b)  # the look-alikes elsewhere, by their neighbours
            base = merged[0] if merged is not None else a
            text = base[:i] + "@" + base[i + 1 :]
            if merged is not None:
                repairs.extend(merged[1])
            local, domain = text.split("@")
            text = f"{local}@{_fix_labels(domain, repairs)}"
            if email_fits(text):
                return Decoded(text, [f"'@' where the engines read {a[i]!r} and {b[i]!r}", *repairs], cands.index(a))
    return None


def _local_by_context(local: str, others: Sequence[str], repairs: list[str]) -> str:
    """A digit between two letters (or first, before a letter) of a local part as its letter
    look-alike (``xie1ei``, ``1iangfan``), a letter between two digits as its digit (``2o19``),
    unless another engine read the same character there (both agree: it stays)."""
    out = list(local)
    for i, ch in enumerate(local):
        left = local[i - 1] if i > 0 else ""
        right = local[i + 1] if i + 1 < len(local) else ""
        if any(o[i] == ch for o in others):
            continue
        after = local[i + 1 : i + 3]
        if ch in LOCAL_DIGIT_SWAPS and right.isalpha() and (left.isalpha() or (i == 0 and after.isalpha() and len(after) == 2)):
            out[i] = _TO_LETTER[ch]
        elif ch in LOCAL_LETTER_SWAPS and left.isdigit() and right.isdigit():
            out[i] = _TO_DIGIT[ch]
        else:
            continue
        repairs.append(f"{ch!r}→{out[i]!r} at {i + 1} of {local!r} (by its neighbours)")
    return "".join(out)


# ---- integer -------------------------------------------------------------------------------


def integer_as_read(text: str) -> int | None:
    """The number a reading says as read: its first digits, else its first written numeral."""
    m = re.search(r"\d+", text)
    if m:
        return int(m.group())
    for ch in text:
        if ch in CN_DIGITS:
            return CN_DIGITS[ch]
    return None


def repair_integer(text: str) -> Decoded | None:
    """A one-character reading (framed or not: ``第I级``) that is a digit's look-alike, as that digit."""
    s = "".join(_nfkc(text).split())
    m = INTEGER_FRAME.match(s)
    core = m.group(2) if m else s
    if len(core) == 1 and core in _TO_DIGIT:
        return Decoded(_TO_DIGIT[core], [f"{core!r}→{_TO_DIGIT[core]!r}"])
    return None


def decode_integer(candidates: Sequence[str]) -> Decoded | None:
    """The first candidate that reads as a number (``7``, ``七级``), else the first whose lone
    character is a digit's look-alike (``I`` → 1): the look-alike only when nothing else fits."""
    for i, c in enumerate(candidates):
        if c and integer_as_read(c) is not None:
            return Decoded(c, [], i)
    for i, c in enumerate(candidates):
        if c and (d := repair_integer(c)) is not None:
            d.source = i
            return d
    return None


def decode(kind: str, candidates: Sequence[str], glyphs: int | None = None) -> Decoded | None:
    """The reading of a ``phone``, ``email`` or ``integer`` field that fits its syntax (None for
    other kinds, or when no candidate fits even repaired); ``glyphs``: the scanned line's glyph
    count where known."""
    cands = [c for c in candidates if c is not None]
    if kind == "phone":
        return decode_phone(cands)
    if kind == "email":
        return decode_email(cands, glyphs)
    if kind == "integer":
        return decode_integer(cands)
    return None
