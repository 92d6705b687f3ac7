"""The notice's rules, one small function each, registered per template.

A rule is ``(ctx: RuleContext) -> Iterable[Finding]``. ``@rule()`` registers
it for every template, ``@rule("kczg-2020")`` for one; adding a rule is adding
a function. Rules read the template's field kinds, so the same function checks
any form that has, say, a choice field or an opinion box.

A rule whose input could not be read yields UNREADABLE (``ctx.unreadable``),
never a pass; ``reconcile`` keeps one finding per (code, field).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from checks.compare import Comparison, compare_field, compare_long, compare_unit, parse_int
from checks.finding import Finding, Severity
from checks.industry import resolve_industry
from checks.options import CheckOptions
from checks.text import edit_cost, normalize, strip_punct
from extract.reading import FieldReading, FormReading
from forms import FieldSpec, FormTemplate, IndustryTable, count_chars, count_words
from ingest.records import OnlineRecord

Rule = Callable[["RuleContext"], Iterable[Finding]]
ANY_TEMPLATE = "*"
_REGISTRY: dict[str, list[Rule]] = {}

_RULE_NAMES = {"word": "Word字数", "chars": "字符数"}
_SHOW = 60  # characters of a value quoted in a message; the full value is in paper/online
# A rival that fits a rough reading clearly better than the online unit makes it "not sure" from this
# similarity on (中有华学会: 中华医学会 0.6, the online 中国地质学会 0.5; 北京邮电大学, outside the batch,
# fits 北京市科学技术协会 through 北京 alone, 0.5).
SEAL_RIVAL_BETTER_MIN = 0.55
SEAL_TEXT_MIN_CHARS = 3  # fewer characters of a ring name (e.g. 大学) fit many units: no verdict
_UNIT_LABELS = {"applicant": "申报单位", "recommender": "推荐单位"}
_STATUS_REASONS = {"not_found": "未找到该栏", "unreadable": "无法识别", "read": "无法识别"}


def rule(*templates: str) -> Callable[[Rule], Rule]:
    """Register a rule for the named templates (none named: every template)."""

    def register(fn: Rule) -> Rule:
        for name in templates or (ANY_TEMPLATE,):
            _REGISTRY.setdefault(name, []).append(fn)
        return fn

    return register


def rules_for(template_name: str) -> list[Rule]:
    """The rules that apply to a template, generic ones first, in registration order."""
    return [*_REGISTRY.get(ANY_TEMPLATE, []), *_REGISTRY.get(template_name, [])]


def quote(text: Any) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= _SHOW else s[:_SHOW] + "…"


# A reason worth showing a clerk is one written in Chinese: CJK and no English word in it.
_CJK_TEXT = re.compile(r"[\u4e00-\u9fff]")
_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass
class RuleContext:
    """One paper form, its online record (None when unmatched) and what the rules share."""

    reading: FormReading
    record: OnlineRecord | None
    template: FormTemplate
    options: CheckOptions
    industry: IndustryTable
    units: list[str] = field(default_factory=list)  # every 申报单位/推荐单位 of the export (seal check)
    _comparisons: dict[str, Comparison | None] = field(default_factory=dict)

    # -- reading the form -------------------------------------------------
    def field(self, key: str) -> FieldReading | None:
        return self.reading.fields.get(key)

    def readable(self, key: str) -> bool:
        f = self.field(key)
        return f is not None and f.status in ("read", "empty")

    def text(self, key: str) -> str:
        """The field's value as text ("" when blank)."""
        f = self.field(key)
        if f is None or f.value is None:
            return (f.raw if f else "") or ""
        return str(f.value)

    def blank(self, key: str) -> bool:
        f = self.field(key)
        return f is not None and (f.status == "empty" or _blank(self.text(key)))

    # -- findings ---------------------------------------------------------
    def finding(self, code: str, key: str | None, message: str, severity: Severity = "error",
                **kw: Any) -> Finding:
        """A document finding with the field's page, box and confidence filled in."""
        f = self.field(key) if key else None
        kw.setdefault("page", f.page if f else None)
        kw.setdefault("bbox", f.bbox if f else None)
        kw.setdefault("confidence", f.confidence if f and f.status == "read" else None)
        return Finding(code=code, severity=severity, message=message, field=key,
                       document_id=self.reading.document_id,
                       record_id=self.record.record_id if self.record else None, **kw)

    def unreadable(self, key: str, label: str, reason: str = "", what: str | None = None, **kw: Any) -> Finding:
        """UNREADABLE for one field: what happened, in Chinese; the reader's own reason (a developer's
        English line) goes to the evidence, and into the message only when it is Chinese itself."""
        f = self.field(key)
        status = f.status if f else "not_found"
        why = reason or (f.reason if f else "")
        what = what or _STATUS_REASONS.get(status, "无法识别")
        detail = f"（{why}）" if _CJK_TEXT.search(why) and not _ENGLISH_WORD.search(why) else ""
        return self.finding("UNREADABLE", key, f"{label}{what}{detail}，请人工核对原件",
                            evidence={"status": status if f else "missing", "reason": why}, **kw)

    # -- comparing with the online record ---------------------------------
    def compare(self, key: str) -> Comparison | None:
        """Paper against online for a field (cached); None without a record or a readable value."""
        if key not in self._comparisons:
            self._comparisons[key] = None
            spec = self.template.field(key)
            filled = spec.kind == "choice" or not self.blank(key)  # a choice's value is its ticks
            if self.record is not None and self.readable(key) and filled:
                f = self.field(key)
                self._comparisons[key] = compare_field(spec, self.paper_value(spec), self.record.get(key),
                                                       self.options, self.industry,
                                                       other_reading=f.other_reading if f else None,
                                                       glyphs_decided=f.glyphs_decided if f else None,
                                                       glyph_doubts=f.glyph_doubts if f else None)
        return self._comparisons[key]

    def paper_value(self, spec: FieldSpec) -> str | int | None:
        f = self.field(spec.key)
        if f is None:
            return None
        if spec.kind == "choice":
            chosen = choices_of(f)
            return chosen[0] if len(chosen) == 1 else None
        return f.value if f.value is not None else f.raw


@lru_cache(maxsize=1024)
def _blank(text: str) -> bool:
    return not strip_punct(normalize(text))


def choices_of(f: FieldReading) -> list[str]:
    """Every option read as ticked (``chosen``, else the single ``value``)."""
    if f.chosen is not None:
        return list(f.chosen)
    return [str(f.value)] if f.value not in (None, "") else []


@lru_cache(maxsize=512)
def _counts(text: str) -> tuple[int, int]:
    return count_words(text), count_chars(text)


def counts(text: str) -> dict[str, int]:
    """字 of ``text`` under both rules (cached: a section is counted by several rules and the report)."""
    word, chars = _counts(text)
    return {"word": word, "chars": chars}


# -- the rules --------------------------------------------------------------


@rule()
def required_fields(ctx: RuleContext) -> Iterator[Finding]:
    """FIELD_EMPTY for a blank required field; UNREADABLE when it could not be read or found.

    Choice fields are CHOICE_INVALID's (nothing ticked); a blank TRL is
    FIELD_EMPTY, not TRL_INVALID (one finding per cause).
    """
    for spec in ctx.template.fields:
        if spec.kind in ("opinion", "choice") or not spec.required:
            continue
        if not ctx.readable(spec.key):
            yield ctx.unreadable(spec.key, spec.label)
        elif ctx.blank(spec.key):
            yield ctx.finding("FIELD_EMPTY", spec.key, f"{spec.label}未填写，请补填",
                              online=ctx.record.get(spec.key) if ctx.record else None)


@rule()
def single_choice(ctx: RuleContext) -> Iterator[Finding]:
    """CHOICE_INVALID when no box or more than one box is ticked."""
    for spec in ctx.template.choice_fields:
        f = ctx.field(spec.key)
        if f is None or not ctx.readable(spec.key):
            yield ctx.unreadable(spec.key, spec.label)
            continue
        chosen = choices_of(f)
        evidence = {"chosen": chosen, "choices": list(spec.choices), "option_scores": f.option_scores}
        options = "、".join(spec.choices)
        if not chosen:
            yield ctx.finding("CHOICE_INVALID", spec.key, f"{spec.label}未勾选，请在{options}中勾选一项",
                              paper=chosen, evidence=evidence)
        elif len(chosen) > 1:
            yield ctx.finding("CHOICE_INVALID", spec.key,
                              f"{spec.label}勾选了{len(chosen)}项（{'、'.join(chosen)}），只能勾选一项",
                              paper=chosen, evidence=evidence)


@rule()
def integer_range(ctx: RuleContext) -> Iterator[Finding]:
    """The field's ``invalid_code`` (kczg-2020's TRL: TRL_INVALID; default VALUE_INVALID) when the
    value is not an integer within the template's range (``min``-``max``)."""
    for spec in ctx.template.fields:
        if spec.kind != "integer":
            continue
        if not ctx.readable(spec.key):
            yield ctx.unreadable(spec.key, spec.label)
            continue
        if ctx.blank(spec.key):
            continue  # FIELD_EMPTY (required_fields)
        f = ctx.field(spec.key)
        assert f is not None and spec.min is not None and spec.max is not None  # FieldSpec validates integer fields
        raw, value = integer_of(f)
        if value is None or not spec.min <= value <= spec.max:
            yield ctx.finding(spec.value_code, spec.key,
                              f"{spec.label}「{quote(raw)}」无效，应填写{spec.min}-{spec.max}的整数（阿拉伯数字）",
                              paper=raw, evidence={"parsed": value, "min": spec.min, "max": spec.max})


@rule()
def industry_class(ctx: RuleContext) -> Iterator[Finding]:
    """INDUSTRY_INVALID unless the text names a GB/T 4754-2017 中类 or 小类 (by code or name)."""
    for spec in ctx.template.fields:
        if spec.kind != "industry":
            continue
        if not ctx.readable(spec.key):
            yield ctx.unreadable(spec.key, spec.label)
            continue
        if ctx.blank(spec.key):
            continue
        text = ctx.text(spec.key)
        m = resolve_industry(text, ctx.options.industry_name_min_similarity, ctx.industry)
        evidence = {**m.to_dict(), "cutoff": ctx.options.industry_name_min_similarity}
        if m.status == "coarse" and m.cls is not None:
            yield ctx.finding("INDUSTRY_INVALID", spec.key,
                              f"{spec.label}「{quote(text)}」是GB/T 4754-2017的{m.cls.level}（{m.cls.full_code}），"
                              f"请填写其下的中类或小类（名称或代码）", paper=text, evidence=evidence)
        elif m.status == "unknown":
            yield ctx.finding("INDUSTRY_INVALID", spec.key,
                              f"{spec.label}「{quote(text)}」不是GB/T 4754-2017的行业类别，请按中类或小类填写名称或代码",
                              paper=text, evidence=evidence)


def section_count(ctx: RuleContext, key: str) -> dict[str, Any] | None:
    """The one 字-count decision, for OVER_LIMIT and results.json alike, of a limited section or an
    attachment: the online text is counted where the paper matches it (OCR noise never changes a
    count), else the paper's; both rules' counts, the configured one as ``chars``, the limit, and
    the paper's own counts. None when there is nothing to count (unreadable, blank, no attachment).
    """
    att = next((a for a in ctx.template.attachments if a.key == key), None)
    if att is not None:
        reading = ctx.reading.attachments.get(key)
        if reading is None or not reading.text.strip():
            return None  # detailed material is optional
        paper, limit = reading.text, att.limit
        online = ctx.record.get(key) if ctx.record else ""
        same = bool(online) and compare_long(key, paper, online, ctx.options.sentence_max_cost,
                                             ctx.options.sentence_cost_per_char).equal
    else:
        spec = ctx.template.field(key)
        if spec.limit is None or not ctx.readable(key) or ctx.blank(key):
            return None
        paper, limit = ctx.text(key), spec.limit
        comparison = ctx.compare(key)
        same = comparison is not None and comparison.equal and ctx.record is not None
        online = ctx.record.get(key) if same and ctx.record else ""
    n = counts(online if same else paper)
    return {"chars": n[ctx.options.count_rule], "limit": limit, "counts": n, "counted": "online" if same else "paper",
            "paper_counts": counts(paper)}


def section_counts(ctx: RuleContext) -> dict[str, dict[str, Any]]:
    """What results.json says of every limited section and attachment the reading has (``chars``,
    ``limit``, ``counts``, ``counted``), decided here once: as ``section_count`` counted it where there
    is something to judge (the count OVER_LIMIT judged); else (blank, unreadable, a document that could
    not be read at all) the paper as read, by the same counter, never judged."""
    out: dict[str, dict[str, Any]] = {}
    for spec in ctx.template.limited_fields:
        f = ctx.field(spec.key)
        if f is not None:
            out[spec.key] = _reported(section_count(ctx, spec.key), f.value if isinstance(f.value, str) else "",
                                      spec.limit, ctx.options.count_rule)
    attachment_limits = {a.key: a.limit for a in ctx.template.attachments}
    for key, att in ctx.reading.attachments.items():
        judged = section_count(ctx, key) if key in attachment_limits else None
        out[key] = _reported(judged, att.text, attachment_limits.get(key), ctx.options.count_rule)
    return out


def _reported(judged: dict[str, Any] | None, as_read: str, limit: int | None, rule: str) -> dict[str, Any]:
    if judged is not None:
        return {k: judged[k] for k in ("chars", "limit", "counts", "counted")}
    n = counts(as_read)
    return {"chars": n[rule], "limit": limit, "counts": n, "counted": "paper"}


def _limit_finding(ctx: RuleContext, key: str, label: str, extra: dict[str, Any]) -> Finding | None:
    c = section_count(ctx, key)
    if c is None or c["chars"] <= c["limit"]:
        return None
    used, limit = c["chars"], c["limit"]
    rule_name = _RULE_NAMES.get(ctx.options.count_rule, ctx.options.count_rule)
    return ctx.finding("OVER_LIMIT", key, f"{label} {used}字，超过{limit}字限制（按{rule_name}规则计），请删减至{limit}字以内",
                       evidence={"count": used, "counts": c["counts"], "limit": limit, "rule": ctx.options.count_rule,
                                 "counted": c["counted"], **extra, "paper_counts": c["paper_counts"]})


@rule()
def text_limits(ctx: RuleContext) -> Iterator[Finding]:
    """OVER_LIMIT: sections over their 字 limit, counted as ``section_count`` decides."""
    for spec in ctx.template.limited_fields:
        if not ctx.readable(spec.key):
            yield ctx.unreadable(spec.key, spec.label)
            continue
        found = _limit_finding(ctx, spec.key, spec.label, {})
        if found:
            yield found
    for att in ctx.template.attachments:
        reading = ctx.reading.attachments.get(att.key)
        if reading is None:
            continue
        found = _limit_finding(ctx, att.key, att.label, {"pages": list(reading.pages)})
        if found:
            found.page = reading.pages[0] if reading.pages else None
            found.confidence = reading.confidence
            yield found


@rule()
def seals_present(ctx: RuleContext) -> Iterator[Finding]:
    """SEAL_MISSING for an opinion box that needs a seal and has none."""
    for spec in ctx.template.opinion_fields:
        if not spec.seal_required:
            continue
        seal = ctx.reading.seals.get(spec.key)
        if seal is None or seal.status in ("unreadable", "not_found"):
            reason = (seal.reason if seal else "") or "未找到意见栏"
            yield ctx.unreadable(spec.key, spec.label, reason, what="栏无法判断是否盖章", page=seal.page if seal else None,
                                 bbox=seal.box_bbox if seal else None)
        elif not seal.present:
            yield ctx.finding("SEAL_MISSING", spec.key, f"{spec.label}栏未检测到公章，请补盖{spec.seal_label}",
                              page=seal.page, bbox=seal.box_bbox, confidence=seal.confidence,
                              evidence={"method": seal.method, "confidence": seal.confidence})


@rule()
def seal_units(ctx: RuleContext) -> Iterator[Finding]:
    """MISMATCH on applicant/recommender when the seal's ring names another unit than the online record.

    The ring is judged on every reading of it that is as long as the reader's choice (less one
    glyph): a reading cut a glyph off at one end and another with a stray glyph are the same
    ring. Another unit is named only when it fits clearly better than the online one and than
    every other unit of the batch; two near-equal fits are "not sure" and no unit is named.
    "Not sure" with the online unit among those that fit alike is no discrepancy the paper
    shows (the ring was read in part): an UNREADABLE warning on the unit asks the clerk
    to look; other units that fit alike, the online one not among them, stay a MISMATCH."""
    if ctx.record is None:
        return
    for spec in ctx.template.opinion_fields:
        seal = ctx.reading.seals.get(spec.key)
        if spec.seal_unit is None or seal is None or not seal.present or not seal.text:
            continue  # ring text is read where it can be; presence is seals_present's
        online = ctx.record.get(spec.seal_unit)
        if not online or len(strip_punct(normalize(seal.text))) < SEAL_TEXT_MIN_CHARS:
            continue  # too little of the ring read to say whose seal it is
        texts = _ring_readings(seal.text, seal.text_candidates)
        c, text = max(((compare_unit(t, online, ctx.options.seal_unit_min_similarity), t) for t in texts),
                      key=lambda ct: ct[0].score)
        closer = _closer_unit(ctx, texts, online, c.score, seal.text)
        if closer is not None:
            c.equal = False
        if c.equal:
            continue
        unit = _UNIT_LABELS.get(spec.seal_unit, spec.seal_unit)
        evidence = {**c.to_dict(), "opinion": spec.key, "closer_unit": closer, "reading": text, "readings": texts}
        if closer is not None and closer["unit"] is None and online in closer.get("near_units", []):
            # read in part, and the online unit fits it as well as another: the paper shows no
            # discrepancy, only a ring not read well enough to say whose it is; the clerk looks
            names = "「" + "」「".join(quote(u) for u in closer["near_units"]) + "」"
            # on the unit's key, as the MISMATCH would be (the box's own key carries its date's UNREADABLE)
            yield ctx.finding("UNREADABLE", spec.seal_unit,
                              f"{spec.label}栏公章印文只识别出「{quote(seal.text)}」，与本批{names}都相近，"
                              f"无法确定是否为线上{unit}的公章，请人工核对",
                              severity="warning", paper=seal.text, online=online, page=seal.page, bbox=seal.bbox,
                              confidence=seal.text_confidence, evidence={**evidence, "status": "partial",
                                                                         "reason": "seal ring read in part"})
            continue
        unsure = ""
        if closer is not None and closer["unit"] is None:
            names = "「" + "」「".join(quote(u) for u in closer["near_units"]) + "」"
            unsure = f"（印文与本批{names}都相近，无法确定是哪个单位）"
        yield ctx.finding("MISMATCH", spec.seal_unit,
                          f"{spec.label}栏公章印文「{quote(seal.text)}」与线上{unit}「{quote(online)}」不一致{unsure}，请核实盖章单位",
                          paper=seal.text, online=online, page=seal.page, bbox=seal.bbox,
                          confidence=seal.text_confidence, evidence=evidence)


def _ring_readings(text: str, candidates: list[list[str | float]]) -> list[str]:
    """The reader's choice and the other readings of the ring at most one glyph shorter, none under
    ``SEAL_TEXT_MIN_CHARS`` (a two-glyph reading fits some stretch of most units: 碱化, read beside
    碱化利 off a 150 dpi oval of 中国农业机械化科学研究院, passed for 中国自动化学会 through 动化)."""
    out = [text]
    for cand in candidates:
        t = str(cand[0])
        n = len(strip_punct(normalize(t)))
        if t not in out and n >= max(SEAL_TEXT_MIN_CHARS, len(strip_punct(normalize(text))) - 1):
            out.append(t)
    return out


def _whole(texts: list[str], unit: str) -> float:
    """How well the ring's best reading fits ``unit``'s whole name (no credit for a stretch of it)."""
    o = strip_punct(normalize(unit))
    best = 0.0
    for t in texts:
        p = strip_punct(normalize(t)).removesuffix("公章")
        best = max(best, 1 - edit_cost(p, o).cost / max(len(p), len(o), 1))
    return best


def _closer_unit(ctx: RuleContext, texts: list[str], online: str, score: float, text: str) -> dict[str, Any] | None:
    """Another unit of the export the ring fits clearly better than the expected one, if any:
    ``{"unit", "similarity", "online_similarity", "runner_up", "runner_up_similarity"}``.

    A unit fits better when its whole name does (``seal_whole_min_similarity``, by the margin),
    or, for a ring read long enough to tell units apart (a few glyphs, 科技大学, fit many in
    part), when a stretch of it does; a short reading only when it is exactly a stretch of the
    other unit (南大学 of 中南大学, not taken for 清华大学). ``unit`` is None ("not sure", ``near_units``) when a second
    unit, or the online one read in part, fits within ``seal_unit_tie_margin``: a partial read of
    西安电子科技大学 may be 电子科技大学 whole."""
    margin = ctx.options.seal_other_unit_margin
    long_enough = len(strip_punct(normalize(text)).removesuffix("公章")) >= ctx.options.seal_closer_min_chars
    online_whole = _whole(texts, online)
    fits: list[tuple[float, str]] = []
    for unit in ctx.units:
        if unit == online:
            continue
        whole = _whole(texts, unit)
        part = max(compare_unit(t, unit, 0.0).score for t in texts)
        if whole >= ctx.options.seal_whole_min_similarity and whole >= online_whole + margin:
            fits.append((max(whole, part), unit))
        elif (long_enough or part >= ctx.options.seal_short_part_min_similarity) and part >= score + margin:
            fits.append((part, unit))
    fits = [f for f in fits if f[0] >= ctx.options.seal_rival_min_similarity]
    if not fits:
        return _rival_unit(ctx, texts, online, score)
    fits.sort(reverse=True)
    best, unit = fits[0]
    second, runner_up = fits[1] if len(fits) > 1 else (0.0, None)
    found: dict[str, Any] = {"unit": unit, "similarity": round(best, 4), "online_similarity": round(score, 4),
                             "online_whole_similarity": round(online_whole, 4),
                             "runner_up": runner_up, "runner_up_similarity": round(second, 4)}
    tie = ctx.options.seal_unit_tie_margin
    if runner_up is not None and second >= best - tie:
        found.update(unit=None, near_units=[unit, runner_up])
    elif score >= best - tie:
        found.update(unit=None, near_units=[unit, online])
    return found


def _rival_unit(ctx: RuleContext, texts: list[str], online: str, score: float) -> dict[str, Any] | None:
    """"Not sure" when the online unit fits the ring less than surely (``seal_sure_similarity``) and
    another unit of the batch fits it about as well (within ``seal_unit_tie_margin``): 中月地质学院
    is 中国地质科学院 or 中国地质学会 alike; the online one is not picked. A reading that fits the
    online unit surely but only in part (技大学 of 电子科技大学) is judged the same way: the batch's
    华中科技大学 holds it as surely, and the ring may be that unit's."""
    online_whole = _whole(texts, online)
    if score >= ctx.options.seal_sure_similarity and online_whole >= ctx.options.seal_whole_min_similarity:
        # the online unit fits surely; still "not sure" when another unit fits the ring as well, whole
        # and in part (江省科学技术协会 of 江苏省科学技术协会's seal, the record 浙江省科学技术协会)
        equal = sorted((w, u) for u in ctx.units if u != online
                       if (w := _whole(texts, u)) >= online_whole
                       and max(compare_unit(t, u, 0.0).score for t in texts) >= score)
        if not equal:
            return None
        w, unit = equal[-1]
        return {"unit": None, "near_units": [unit, online], "similarity": round(score, 4),
                "online_similarity": round(score, 4), "online_whole_similarity": round(online_whole, 4),
                "runner_up": unit, "runner_up_similarity": round(w, 4)}
    rivals = sorted(((max(_whole(texts, u), max(compare_unit(t, u, 0.0).score for t in texts)), u)
                     for u in ctx.units if u != online), reverse=True)
    # a rival fits about as well and two thirds of the reading, or clearly better than the online unit
    o = ctx.options
    if not rivals:
        return None
    # (where the online unit would pass on a fit under SEAL_RIVAL_MIN_SIMILARITY, a rival that fits as
    # well is near too: 具星大学, a 30x20 oval of 复旦大学 misread, fits 复旦大学 and 西安电子科技大学's
    # 科技大学 at 0.5 alike)
    rival_min = o.seal_rival_min_similarity
    if score >= o.seal_unit_min_similarity:
        rival_min = min(rival_min, score)
    near = rivals[0][0] >= max(score - o.seal_unit_tie_margin, rival_min)
    better = rivals[0][0] >= max(score + o.seal_other_unit_margin, SEAL_RIVAL_BETTER_MIN)
    if not (near or better):
        return None
    best, unit = rivals[0]
    return {"unit": None, "near_units": [unit, online], "similarity": round(best, 4), "online_similarity": round(score, 4),
            "online_whole_similarity": round(_whole(texts, online), 4), "runner_up": unit,
            "runner_up_similarity": round(best, 4)}


@rule()
def dates_present(ctx: RuleContext) -> Iterator[Finding]:
    """DATE_MISSING for an opinion box that needs a date and has none."""
    for spec in ctx.template.opinion_fields:
        if not spec.date_required:
            continue
        date = ctx.reading.dates.get(spec.key)
        if date is not None and date.present:
            continue  # written (read or not): dates_in_time says whether it can be read and is in time
        if date is None or date.status in ("unreadable", "not_found"):
            reason = (date.reason if date else "") or "未找到意见栏"
            yield ctx.unreadable(spec.key, spec.label, reason, what="栏无法判断是否填写日期", page=date.page if date else None,
                                 bbox=date.bbox if date else None)
        elif not date.present:
            yield ctx.finding("DATE_MISSING", spec.key, f"{spec.label}栏未填写日期（年 月 日），请补填",
                              page=date.page, bbox=date.bbox, confidence=date.confidence,
                              evidence={"raw": date.raw})


@rule()
def dates_in_time(ctx: RuleContext) -> Iterator[Finding]:
    """DATE_LATE (warning) for an opinion date after the template's deadline."""
    deadline = ctx.template.deadline
    for spec in ctx.template.opinion_fields:
        date = ctx.reading.dates.get(spec.key)
        if date is None or not date.present:
            continue  # a missing date, or a box where none could be looked for, is dates_present's
        when_assumed = _with_deadline_year(date.month_day, deadline, ctx.options.year_hidden_window_days)
        if (date.status != "read" or not date.value) and when_assumed is not None:
            if when_assumed > deadline:  # month and day read, the year hidden: judged as this notice's year
                yield ctx.finding("DATE_LATE", spec.key,
                                  f"{spec.label}栏日期{when_assumed.month}月{when_assumed.day}日（年份被遮挡，按{deadline.year}年计）"
                                  f"晚于截止日期{deadline.isoformat()}，请核实",
                                  severity="warning", paper=date.month_day, page=date.page, bbox=date.bbox,
                                  confidence=date.confidence,
                                  evidence={"raw": date.raw, "month_day": date.month_day,
                                            "year_assumed": deadline.year, "deadline": deadline.isoformat()})
            continue
        if date.status != "read" or not date.value:  # written, but it does not read as a date
            yield ctx.finding("UNREADABLE", spec.key,
                              f"{spec.label}栏日期「{quote(date.raw)}」无法识别，请人工核对是否晚于截止日期{deadline.isoformat()}",
                              severity="warning", page=date.page, bbox=date.bbox, confidence=date.confidence,
                              evidence={"raw": date.raw, "deadline": deadline.isoformat()})
            continue
        try:
            when = dt.date.fromisoformat(date.value[:10])
        except ValueError:
            yield ctx.finding("UNREADABLE", spec.key,
                              f"{spec.label}栏日期「{quote(date.value)}」不是有效日期，请人工核对",
                              severity="warning", page=date.page, bbox=date.bbox, evidence={"raw": date.raw})
            continue
        if when > deadline:
            yield ctx.finding("DATE_LATE", spec.key,
                              f"{spec.label}栏日期{when.isoformat()}晚于截止日期{deadline.isoformat()}，请核实",
                              severity="warning", paper=when.isoformat(), page=date.page, bbox=date.bbox,
                              confidence=date.confidence,
                              evidence={"date": when.isoformat(), "deadline": deadline.isoformat()})


def _with_deadline_year(month_day: str | None, deadline: dt.date, window_days: int) -> dt.date | None:
    """``--MM-DD`` put in the deadline's year, when that lands within ``window_days`` of it."""
    if not month_day:
        return None
    try:
        when = dt.date(deadline.year, int(month_day[2:4]), int(month_day[5:7]))
    except ValueError:
        return None
    return when if abs((when - deadline).days) <= window_days else None


_PARENTHESISED = re.compile(r"（[^（）]*）")


def integer_of(f: FieldReading) -> tuple[str, int | None]:
    """The text as written (printed hints in parentheses removed) and the integer extract decided it
    says, if it is one.

    What extract took as the answer is judged (``answer``: the 8 of 「8电装」, stray glyphs read
    past), else the raw text, not the reader's typed value: the reader turns 七级 into 7, the notice
    asks for the number itself.
    """
    raw = _PARENTHESISED.sub("", normalize(f.raw)) if f.raw else ""
    if not raw:
        return ("" if f.value is None else str(f.value)), parse_int(f.value)
    return raw, parse_int(f.answer if f.answer else raw)


def _skip_mismatch(ctx: RuleContext, spec: FieldSpec) -> bool:
    """Fields whose paper value another rule already rejects are not compared too."""
    f = ctx.field(spec.key)
    if f is None:
        return True
    if spec.kind == "choice":
        return len(choices_of(f)) != 1
    if spec.kind == "integer":
        value = integer_of(f)[1]
        return value is None or not (spec.min or 0) <= value <= (spec.max or value)
    return False


@rule()
def paper_matches_online(ctx: RuleContext) -> Iterator[Finding]:
    """MISMATCH for every field whose paper value differs from the online record beyond OCR noise."""
    if ctx.record is None:
        return
    for spec in ctx.template.fields:
        if spec.kind == "opinion" or _skip_mismatch(ctx, spec):
            continue
        c = ctx.compare(spec.key)
        if c is None or c.equal:
            continue
        paper, online = ctx.paper_value(spec), ctx.record.get(spec.key)
        f = ctx.field(spec.key)
        severity: Severity = "error"
        if c.method == "sentences":
            first = c.sentences[0] if c.sentences else None
            example = f"，如纸质「{quote(first.paper)}」，线上「{quote(first.online)}」" if first else ""
            message = f"{spec.label}纸质与线上不一致：{len(c.sentences)}处句子不同{example}"
        else:
            message = f"{spec.label}纸质与线上不一致：纸质「{quote(paper)}」，线上「{quote(online)}」"
            if c.glyphs_told:
                message += f"（第{'、'.join(map(str, c.glyphs_told))}位字符在扫描件上字形可辨，与线上不同）"
            elif c.glyphs_in_doubt:
                # The recogniser itself gave the online glyph there: an OCR doubt as likely as a change.
                message += f"（第{'、'.join(map(str, c.glyphs_in_doubt))}位字符识别存疑，也可能是线上的字，请核对原件）"
                severity = "warning"
            elif c.lookalike_only:
                message += "（差异为形近字，可能是识别误差，请核对原件）"
                if f is not None and f.confidence < ctx.options.name_noisy_confidence:
                    severity = "warning"
        yield ctx.finding("MISMATCH", spec.key, message, severity=severity, paper=paper, online=online,
                          evidence=c.to_dict())
