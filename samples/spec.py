"""What one paper form says: every field's true value plus how it was printed, ticked and sealed.

``make_spec(seed, **overrides)`` draws realistic content; the same seed gives
the same spec. Overrides name any ``FormSpec`` field (``trl="10"``,
``domain_ticks=[]``) and are applied last.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from forms import count_words, load_industry_table
from samples import corpus
from samples.fonts import available_fonts

TEXT_KEYS = [
    "tech_name", "domain", "industry", "project_type", "trl", "contact", "phone", "address",
    "email", "team_intro", "ip", "awards", "tech_level", "tech_benefit",
]
DOMAINS = list(corpus.DOMAINS)
PROJECT_TYPES = ["应用研究", "开发研究"]
TICK_STYLES = ["check", "cross", "fill", "overflow", "pencil", "circle"]  # make_spec draws from the first four
# Word copies: the chosen choice's box as a glyph of the font (the others stay □), as units type them.
WORD_TICKS = ["☑", "☒", "■", "✓", "√"]
DATE_STYLES = ["hand", "printed", "chinese"]  # "blank" leaves 年 月 日 empty (DATE_MISSING)
# Share of each limit the long texts aim at: near the limit, as units write them.
TARGET_FILL = (0.80, 0.97)
MAX_SENTENCES = 200  # ends compose() even for a target no template fits
FIRST_DATE = dt.date(2020, 11, 2)  # the form circulated from 2020-11-02 (seed notice)
LAST_DATE = dt.date(2020, 11, 18)  # leave room before the 11-20 deadline


@dataclass
class SealSpec:
    """One seal impression. ``unit`` is the text on its ring."""

    unit: str
    diameter_mm: float = 42.0
    oval: bool = False  # 45 x 30 mm oval seals exist for some companies
    ink: float = 1.0  # 1 full, 0.35 faint pink
    coverage: float = 1.0  # fraction of the ring that took ink (partly inked < 1)
    rotation_deg: float = 0.0
    offset_mm: tuple[float, float] = (0.0, 0.0)  # from the seal label's centre
    bottom_text: str = ""  # a line under the star (seal number)
    double_ring: bool = False  # a thin inner ring inside the thick one (some institutes' seals)
    oval_mm: tuple[float, float] = (45.0, 30.0)  # the oval's width x height (40 x 30 exists too)
    # Issue 17: seals as varied as real ones. The defaults draw what the committed batch was drawn with.
    font: str = "noto-sans"  # the name's font (samples.fonts; bold where the font has a bold face)
    code_font: str = ""  # the lower arc's font; set, it also lays the code out as GA 241 seals do
    subtitle: str = ""  # 合同专用章 / 财务专用章 ...: a line under the star (or along the lower arc)
    subtitle_arc: bool = False  # the subtitle runs along the lower arc, upright, instead of straight
    span_deg: float = 0.0  # arc the name covers, symmetric about the top; 0 = from its length (older seals)
    patches: int = 0  # sectors the stamp barely touched (uneven pressure): 0 none
    bleed_mm: float = 0.0  # over-inked pad: ink spreads this far beyond the engraving
    ink_bgr: tuple[float, float, float] | None = None  # the pad's colour as a scanner sees it; None: stamp-pad red

    def to_dict(self) -> dict[str, Any]:
        return _without_defaults(self, ("double_ring", "oval_mm", "font", "code_font", "subtitle", "subtitle_arc",
                                        "span_deg", "patches", "bleed_mm", "ink_bgr"))

    @property
    def code(self) -> str:
        """The 13-digit code on the lower arc ('' when the lower arc has none or carries a subtitle)."""
        return self.bottom_text if self.bottom_text.isdigit() else ""


@dataclass
class OpinionSpec:
    """An opinion box: its seal (or None) and its date (or None = left blank)."""

    seal: SealSpec | None
    date: dt.date | None
    date_style: str = "hand"  # hand | printed | chinese

    def to_dict(self) -> dict[str, Any]:
        return {
            "seal": self.seal.to_dict() if self.seal else None,
            "date": self.date.isoformat() if self.date else None,
            "date_style": self.date_style if self.date else "blank",
        }


@dataclass
class PrinterStyle:
    """How one unit's printer laid the form out; varies row heights, hint placement, fonts."""

    font: str = "noto-serif"
    body_pt: float = 10.5  # 五号
    hint_in_label: bool = False  # hints under the label instead of atop the value cell
    hint_gray: bool = True
    repeat_label: bool = False  # a continued section repeats its label on the next page
    row_pad_mm: float = 2.0
    margin_mm: float = 25.0
    line_spacing: float = 1.5
    ink: float = 0.9  # toner density, 1 = solid black
    split_min_lines: int = 2  # a section split across pages keeps at least this many lines on each page
    tick_glyph: str = "☑"  # Word copies: the glyph typed for the chosen box (WORD_TICKS)
    # The printed 年 月 日 gaps widen to fit the pen's numbers (二〇二〇 is 5 em at hand size; the committed
    # batch kept the fixed 3.2 / 2 em gaps, and its long Chinese years run into 年).
    date_gap_fit: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _without_defaults(self, ("split_min_lines", "tick_glyph", "date_gap_fit"))


def _without_defaults(obj: Any, newer: tuple[str, ...]) -> dict[str, Any]:
    """``asdict(obj)`` without the ``newer`` keys while they hold their defaults.

    The committed batch's truth.json was written before those keys existed; it stays byte-identical.
    """
    out = dataclasses.asdict(obj)
    for f in dataclasses.fields(obj):
        if f.name in newer and getattr(obj, f.name) == f.default:
            del out[f.name]
    return out


@dataclass
class FormSpec:
    tech_name: str
    domain: str  # the true field (what the online record says)
    industry: str
    project_type: str
    trl: str  # as printed: "6", "10", "七级"
    contact: str
    phone: str
    address: str
    email: str
    team_intro: str
    ip: str
    awards: str
    tech_level: str
    tech_benefit: str
    applicant: str
    recommender: str
    applicant_opinion: OpinionSpec
    recommender_opinion: OpinionSpec
    domain_ticks: list[str] = field(default_factory=list)  # boxes ticked on paper
    project_type_ticks: list[str] = field(default_factory=list)
    tick_style: str = "check"
    printer: PrinterStyle = field(default_factory=PrinterStyle)
    attachments: dict[str, str] = field(default_factory=dict)  # tech_level_detail / tech_benefit_detail
    seed: int = 0

    def values(self) -> dict[str, str]:
        """The 14 text fields as printed (CONTRACT keys)."""
        return {k: str(getattr(self, k)) for k in TEXT_KEYS}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fields": self.values()}
        out["applicant"] = self.applicant
        out["recommender"] = self.recommender
        out["ticks"] = {"domain": list(self.domain_ticks), "project_type": list(self.project_type_ticks)}
        out["tick_style"] = self.tick_style
        out["opinions"] = {
            "applicant_opinion": self.applicant_opinion.to_dict(),
            "recommender_opinion": self.recommender_opinion.to_dict(),
        }
        out["printer"] = self.printer.to_dict()
        out["attachments"] = {k: {"chars": count_words(v)} for k, v in self.attachments.items()}
        out["seed"] = self.seed
        return out


def as_rng(rng_or_seed: int | random.Random | None) -> random.Random:
    if isinstance(rng_or_seed, random.Random):
        return rng_or_seed
    return random.Random(0 if rng_or_seed is None else rng_or_seed)


def person_name(rng: random.Random) -> tuple[str, str]:
    """A Chinese name and its pinyin (for the e-mail)."""
    sur = rng.choice(corpus.SURNAMES)
    given = [rng.choice(corpus.GIVEN) for _ in range(rng.choice([1, 2, 2]))]
    return sur[0] + "".join(g[0] for g in given), sur[1] + "".join(g[1] for g in given)


def phone_number(rng: random.Random) -> str:
    if rng.random() < 0.55:
        return rng.choice(["13", "15", "18", "17"]) + str(rng.randint(0, 9)) + "".join(
            str(rng.randint(0, 9)) for _ in range(8)
        )
    area = rng.choice(["010", "021", "027", "028", "0571", "024", "022", "025"])
    digits = "".join(str(rng.randint(0, 9)) for _ in range(8 if len(area) == 3 else 7))
    return f"{area}-{rng.randint(5, 8)}{digits[1:]}"


def industry_text(rng: random.Random, domain: str) -> str:
    """A real 中类 or 小类, written as units write it (name, code or both)."""
    table = load_industry_table()
    cls = table.code(rng.choice(corpus.DOMAINS[domain]["industry"]))
    assert cls is not None, "corpus industry codes are checked by tests"
    if rng.random() < 0.3:
        parent = table.code(cls.parent)
        cls = parent if parent is not None and parent.valid_answer else cls
    style = rng.randrange(5)
    if style == 0:
        return cls.name
    if style == 1:
        return f"{cls.full_code} {cls.name}"
    if style == 2:
        return f"{cls.name}（{cls.code}）"
    if style == 3:
        return f"{cls.code}{cls.name}"
    return f"{cls.name}（{cls.full_code}）"


def _slots(rng: random.Random, domain: str, ctx: dict[str, str]) -> dict[str, str]:
    voc = corpus.DOMAINS[domain]
    pct = lambda lo, hi: f"{rng.uniform(lo, hi):.1f}%" if rng.random() < 0.6 else f"{rng.randint(lo, hi)}%"  # noqa: E731
    scenes = rng.sample(voc["scene"], 2)
    metrics = rng.sample(voc["metric"], 2)
    return {
        "method": rng.choice(voc["method"]),
        "object": rng.choice(voc["object"]),
        "task": rng.choice(voc["task"]),
        "acr": rng.choice(voc["acr"]),
        "scene": scenes[0],
        "scene2": scenes[1],
        "metric": metrics[0],
        "metric2": metrics[1],
        "n": str(rng.randint(12, 95)),
        "n2": str(rng.randint(3, 12)),
        "n3": str(rng.randint(1, 5)),
        "pct": pct(85, 99),
        "pct2": pct(12, 45),
        "pct3": pct(2, 15),
        "money": str(rng.randint(120, 9800)),
        "money2": str(rng.randint(30, 900)),
        "year": str(rng.randint(2014, 2020)),
        "year2": rng.choice(corpus.PLANS),
        "digits7": "".join(str(rng.randint(0, 9)) for _ in range(7)),
        "d1": str(rng.randint(0, 9)),
        "prov": rng.choice(corpus.PROVINCES),
        "soc": rng.choice(corpus.SOCIETIES),
        "lab": rng.choice(corpus.LABS),
        **ctx,
    }


def compose(
    rng: random.Random,
    templates: list[str],
    domain: str,
    ctx: dict[str, str],
    target: int,
    at_least: int = 0,
) -> str:
    """Sentences from ``templates`` until the next one would pass ``target`` 字.

    With ``at_least`` the text keeps growing past ``target`` until it has that
    many 字 (an over-limit section).
    """
    order = list(templates)
    rng.shuffle(order)
    out = ""
    misses = 0
    for i in range(MAX_SENTENCES):
        sentence = order[i % len(order)].format(**_slots(rng, domain, ctx))
        if at_least:
            if count_words(out) >= at_least:
                return out
            out += sentence
            continue
        if count_words(out + sentence) > target:
            misses += 1  # try a shorter sentence before giving up
            if misses > len(order):
                break
            continue
        out += sentence
    return out or sentence


def long_text(rng: random.Random, templates: list[str], domain: str, ctx: dict[str, str], limit: int) -> str:
    target = int(limit * rng.uniform(*TARGET_FILL))
    return compose(rng, templates, domain, ctx, target)


def tech_name(rng: random.Random, domain: str) -> str:
    tpl = rng.choice(corpus.NAME_TEMPLATES)
    return tpl.format(**_slots(rng, domain, {}))


def random_date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def random_seal(rng: random.Random, unit: str) -> SealSpec:
    oval = unit.endswith("公司") and rng.random() < 0.4
    return SealSpec(
        unit=unit,
        diameter_mm=rng.uniform(40.0, 42.0),
        oval=oval,
        ink=rng.uniform(0.7, 1.0),
        coverage=rng.uniform(0.9, 1.0),
        rotation_deg=rng.uniform(-25.0, 25.0),
        offset_mm=(rng.uniform(-8.0, 6.0), rng.uniform(-6.0, 4.0)),
        bottom_text="".join(str(rng.randint(0, 9)) for _ in range(13)) if rng.random() < 0.35 else "",
    )


def random_printer(rng: random.Random) -> PrinterStyle:
    return PrinterStyle(
        font=rng.choice(available_fonts()),
        body_pt=rng.choice([10.5, 10.5, 11.0, 12.0]),
        hint_in_label=rng.random() < 0.35,
        hint_gray=rng.random() < 0.6,
        repeat_label=rng.random() < 0.5,
        row_pad_mm=rng.uniform(1.5, 3.0),
        margin_mm=rng.uniform(20.0, 28.0),
        line_spacing=rng.uniform(1.3, 1.7),
        ink=rng.uniform(0.82, 1.0),
    )


def make_spec(rng_or_seed: int | random.Random | None = 0, **overrides: Any) -> FormSpec:
    """A realistic, correct form (no deliberate problems); ``overrides`` set any field."""
    seed = rng_or_seed if isinstance(rng_or_seed, int) else 0
    rng = as_rng(rng_or_seed)
    domain = overrides.get("domain") or rng.choice(DOMAINS)
    unit_name, mail_domain, address, postcode = rng.choice(corpus.UNITS[domain])
    applicant = overrides.get("applicant") or unit_name
    recommender = overrides.get("recommender") or rng.choice(corpus.RECOMMENDERS[domain])
    contact, pinyin = person_name(rng)
    leader, _ = person_name(rng)
    ctx = {"unit": applicant, "person": leader}
    project_type = rng.choice(PROJECT_TYPES)
    trl = str(rng.randint(5, 9) if project_type == "开发研究" else rng.randint(3, 7))
    applicant_date = random_date(rng, FIRST_DATE, LAST_DATE - dt.timedelta(days=2))
    recommender_date = random_date(rng, applicant_date, LAST_DATE)
    spec = FormSpec(
        tech_name=tech_name(rng, domain),
        domain=domain,
        industry=industry_text(rng, domain),
        project_type=project_type,
        trl=trl,
        contact=contact,
        phone=phone_number(rng),
        address=address + (f"，邮编{postcode}" if rng.random() < 0.3 else ""),
        email=f"{pinyin}{rng.randint(1, 99) if rng.random() < 0.4 else ''}@{mail_domain}",
        team_intro=long_text(rng, corpus.TEAM_SENTENCES, domain, ctx, 300),
        ip=compose(rng, corpus.IP_SENTENCES, domain, ctx, rng.randint(80, 200)),
        awards=compose(rng, corpus.AWARD_SENTENCES, domain, ctx, rng.randint(40, 140)),
        tech_level=long_text(rng, corpus.LEVEL_SENTENCES, domain, {**ctx, "trl": trl}, 500),
        tech_benefit=long_text(rng, corpus.BENEFIT_SENTENCES, domain, ctx, 500),
        applicant=applicant,
        recommender=recommender,
        applicant_opinion=OpinionSpec(random_seal(rng, applicant), applicant_date, rng.choice(DATE_STYLES)),
        recommender_opinion=OpinionSpec(random_seal(rng, recommender), recommender_date, rng.choice(DATE_STYLES)),
        domain_ticks=[domain],
        project_type_ticks=[project_type],
        tick_style=rng.choice(TICK_STYLES[:4]),
        printer=random_printer(rng),
        seed=seed,
    )
    if "domain" in overrides and "domain_ticks" not in overrides:
        overrides = {**overrides, "domain_ticks": [overrides["domain"]]}
    return dataclasses.replace(spec, **overrides)


def detail_text(rng: random.Random, domain: str, words: int) -> str:
    """Running text for a 详细材料 attachment, about ``words`` 字, in paragraphs."""
    paras = []
    total = 0
    while total < words:
        para = compose(rng, corpus.DETAIL_SENTENCES, domain, {"unit": "本单位", "person": "项目负责人", "trl": "6"},
                       rng.randint(150, 320))
        paras.append(para)
        total += count_words(para)
    return "\n".join(paras)


def one_char_change(rng: random.Random, text: str) -> str:
    """``text`` with one CJK character replaced by a look-alike or a near word."""
    swaps = {"技": "枝", "术": "木", "测": "侧", "制": "製", "器": "具", "统": "通", "法": "方", "能": "态",
             "型": "形", "智": "知", "识": "试", "料": "科", "属": "区", "深": "探", "高": "髙", "的": "之"}
    spots = [i for i, ch in enumerate(text) if ch in swaps]
    if not spots:
        spots = [i for i, ch in enumerate(text) if re.match(r"[\u4e00-\u9fff]", ch)]
        i = rng.choice(spots)
        return text[:i] + "新" + text[i + 1:]
    i = rng.choice(spots)
    return text[:i] + swaps[text[i]] + text[i + 1:]


def one_digit_change(text: str, position: int = -3) -> str:
    """``text`` with one digit changed (a mistyped phone number)."""
    idx = [i for i, ch in enumerate(text) if ch.isdigit()]
    i = idx[position]
    return text[:i] + str((int(text[i]) + 3) % 10) + text[i + 1:]


# -- the unseen mail's variety (issue 13): drawn by the caller's RNG, never by make_spec ------------------
# (make_spec's draws are what the committed batch is made of; these knobs come after it.)

SEAL_DIAMETER_MM = (38.0, 45.0)  # round 公章 of GA 241: 38-45 mm
OVAL_SIZES_MM = [(40.0, 30.0), (45.0, 30.0)]  # company oval seals
SEAL_INK = (0.5, 1.0)  # a tired stamp pad prints half as dark as a fresh one
FAINT_SEAL_INK = (0.55, 0.7)  # the faint colour seals seen on the unseen batches
BODY_PT = [10.5, 11.0, 12.0, 14.0]  # 五号, 11 pt, 小四, 四号: what Word copies use for the body
SEAL_CODE_DIGITS = 13  # the unified social credit code's 13-digit seal number on the lower arc
# Hints quoted in the values, as units copy the form's own words into their answers.
HINT_QUOTES: dict[str, list[str]] = {
    "tech_level": ["按照GB/T 22900-2009测算，该技术目前的技术就绪水平为{trl}级。",
                   "对技术成果的可行性、先进性、原创性、不可替代性、技术成熟度等阐述如下。",
                   "包括国内外对比等，详细材料另附。"],
    "tech_benefit": ["对技术市场前景、应用范围、预期经济效益阐述如下。",
                     "技术对行业的影响力、社会效益等详见附件，详细材料可另附。"],
    "team_intro": ["对技术团队的基本情况介绍如下：", "技术团队的基本情况如下。"],
    "ip": ["拟申报技术已经获得的知识产权名称、数量如下：", "包括已经获得的知识产权名称、数量等。"],
    "awards": ["拟申报技术已经获得的奖项名称、数量等如下：", "包括已经获得的奖项名称、数量等。"],
}


# Issue 17: what real 公章 look like beyond the ring (GA 241 and common practice).
SEAL_NAME_FONTS = ["noto-serif", "noto-sans", "uming", "ukai", "wqy-zenhei", "wqy-microhei"]  # 宋 黑 明 楷
SEAL_SUBTITLES = ["合同专用章", "财务专用章", "科研专用章", "业务专用章", "技术合同专用章", "发票专用章"]
SMALL_OVAL_SIZES_MM = [(40.0, 30.0), (45.0, 30.0), (38.0, 26.0), (35.0, 25.0), (30.0, 20.0)]  # down to 30x20
SEAL_NAME_SPAN_DEG = (130.0, 270.0)  # engravers spread even a 4-character name over about half the ring;
# from 14-15 characters on the name goes three quarters round and the glyphs narrow instead
SEAL_SPAN_PER_CHAR_DEG = 9.0
SEAL_SPAN_BASE_DEG = 140.0
SEAL_SPAN_JITTER_DEG = 15.0  # one engraver spaces wider than the next
SEAL_SPAN_STRAIGHT_SUBTITLE_DEG = 240.0  # a straight subtitle under the star leaves the lowest quarter free
SEAL_BLEED_MM = (0.08, 0.18)  # an over-inked pad: strokes thicken by about this much
# Pads in use (BGR as a scanner sees them): stamp-pad red, vermilion 朱红, dark red, a worn pinkish pad.
SEAL_INK_COLOURS_BGR: list[tuple[float, float, float]] = [(48.0, 38.0, 205.0), (35.0, 60.0, 228.0),
                                                          (55.0, 35.0, 160.0), (105.0, 85.0, 228.0)]


def name_span_deg(n_chars: int, rng: random.Random) -> float:
    """How far round the ring a name of ``n_chars`` runs (degrees, symmetric about the top)."""
    span = SEAL_SPAN_PER_CHAR_DEG * n_chars + SEAL_SPAN_BASE_DEG + rng.uniform(-SEAL_SPAN_JITTER_DEG, SEAL_SPAN_JITTER_DEG)
    return float(min(SEAL_NAME_SPAN_DEG[1], max(SEAL_NAME_SPAN_DEG[0], span)))


def real_seal(rng: random.Random, unit: str, *, lower: str | None = None, oval: bool | None = None) -> SealSpec:
    """A 公章 drawn like a real one: name in one of Debian's CJK faces along the upper arc, the lower arc
    carrying the 13-digit code (``lower="code"``), a subtitle straight under the star or along the arc
    (``"subtitle"``, ``"subtitle_arc"``) or nothing (``""``); round 38-45 mm or an oval 45x30 down to
    30x20 mm; full, even ink at a random angle (callers make it pale, patchy or bled)."""
    oval = rng.random() < 0.25 if oval is None else oval
    lower = rng.choice(["code", "code", "subtitle", "subtitle_arc", ""]) if lower is None else lower
    font = rng.choice([f for f in SEAL_NAME_FONTS if f in available_fonts(with_kai=True)])
    code_font = rng.choice([f for f in SEAL_NAME_FONTS if f != font and f in available_fonts(with_kai=True)])
    span = name_span_deg(len(unit), rng)
    if lower == "subtitle":
        span = min(span, SEAL_SPAN_STRAIGHT_SUBTITLE_DEG)
    return SealSpec(
        unit=unit,
        diameter_mm=rng.uniform(*SEAL_DIAMETER_MM),
        oval=oval,
        ink=rng.uniform(0.85, 1.0),
        coverage=1.0,
        rotation_deg=rng.uniform(-30.0, 30.0),
        offset_mm=(rng.uniform(-8.0, 6.0), rng.uniform(-6.0, 4.0)),
        bottom_text="".join(str(rng.randint(0, 9)) for _ in range(SEAL_CODE_DIGITS)) if lower == "code" else "",
        double_ring=rng.random() < 0.3,
        oval_mm=rng.choice(SMALL_OVAL_SIZES_MM),
        font=font,
        code_font=code_font,
        subtitle=rng.choice(SEAL_SUBTITLES) if lower.startswith("subtitle") else "",
        subtitle_arc=lower == "subtitle_arc",
        span_deg=span,
        ink_bgr=rng.choice(SEAL_INK_COLOURS_BGR),
    )


def varied_seal(rng: random.Random, unit: str, *, ink: tuple[float, float] = SEAL_INK) -> SealSpec:
    """A seal from the whole range the mail shows: round 38-45 mm or oval 45x30 down to 30x20 mm, single
    or double ring, with the 13-digit code, a subtitle or neither on the lower arc, the name in any of
    Debian's CJK faces, ink 50-100 % (patchy or bled), any angle.

    The issue 17 kinds come from a second RNG seeded by what ``rng`` drew, so ``rng`` is drawn from
    exactly as before and the conditions after this one see the same numbers."""
    seal = _varied_ring(rng, unit, ink)
    sub = random.Random(f"{unit}|{seal.rotation_deg!r}|{seal.ink!r}")
    kinds = real_seal(sub, unit, lower="code" if seal.bottom_text else sub.choice(["subtitle", "subtitle_arc", ""]))
    return dataclasses.replace(
        seal, font=kinds.font, code_font=kinds.code_font, subtitle=kinds.subtitle, subtitle_arc=kinds.subtitle_arc,
        span_deg=kinds.span_deg, oval_mm=kinds.oval_mm if sub.random() < 0.5 else seal.oval_mm,
        patches=sub.choice([0, 0, 1, 2]), bleed_mm=sub.uniform(*SEAL_BLEED_MM) if sub.random() < 0.15 else 0.0,
        ink_bgr=kinds.ink_bgr)


def _varied_ring(rng: random.Random, unit: str, ink: tuple[float, float]) -> SealSpec:
    oval = rng.random() < 0.3
    return SealSpec(
        unit=unit,
        diameter_mm=rng.uniform(*SEAL_DIAMETER_MM),
        oval=oval,
        ink=rng.uniform(*ink),
        coverage=rng.uniform(0.8, 1.0),
        rotation_deg=rng.uniform(-40.0, 40.0),
        offset_mm=(rng.uniform(-8.0, 6.0), rng.uniform(-6.0, 4.0)),
        bottom_text="".join(str(rng.randint(0, 9)) for _ in range(SEAL_CODE_DIGITS)) if rng.random() < 0.5 else "",
        double_ring=rng.random() < 0.4,
        oval_mm=rng.choice(OVAL_SIZES_MM),
    )


def varied_printer(rng: random.Random, fonts: list[str] | None = None) -> PrinterStyle:
    """Any CJK font Debian ships, body 10.5-14 pt, hints in the label or atop the value, any split line."""
    return PrinterStyle(
        font=rng.choice(fonts or available_fonts(with_kai=True)),
        body_pt=rng.choice(BODY_PT),
        hint_in_label=rng.random() < 0.5,
        hint_gray=rng.random() < 0.5,
        repeat_label=rng.random() < 0.5,
        row_pad_mm=rng.uniform(1.2, 3.5),
        margin_mm=rng.uniform(15.0, 28.0),
        line_spacing=rng.uniform(1.2, 1.8),
        ink=rng.uniform(0.75, 1.0),
        split_min_lines=rng.choice([1, 2]),
        tick_glyph=rng.choice(WORD_TICKS),
        date_gap_fit=True,
    )


def _trim_to(text: str, limit: int) -> str:
    """``text`` without its last sentences until it counts at most ``limit`` 字."""
    while limit and count_words(text) > limit and "。" in text.rstrip("。"):
        text = text[: text.rstrip("。").rfind("。") + 1]
    return text


def quote_hints(spec: FormSpec, rng: random.Random, share: float = 0.7) -> FormSpec:
    """``spec`` whose long sections quote the form's hints (at the start or after a sentence), still
    within their limits: the value must be read whole, hint words and all."""
    limits = {"team_intro": 300, "tech_level": 500, "tech_benefit": 500}
    changes: dict[str, Any] = {}
    for key, quotes in HINT_QUOTES.items():
        if rng.random() > share:
            continue
        text = str(getattr(spec, key))
        quote = rng.choice(quotes).format(trl=spec.trl)
        cut = text.find("。") + 1 if rng.random() < 0.5 else 0
        changes[key] = _trim_to(text[:cut] + quote + text[cut:], limits.get(key, 0))
    return dataclasses.replace(spec, **changes)
