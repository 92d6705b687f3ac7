"""Findings precision and recall per code, and the calibration table of the checks' cut-offs.

    .venv/bin/python -m bench.findings [--forms 240] [--seed 7] [--glyph-names]
    .venv/bin/python -m bench.findings --results out/results.json [--truth samples/truth.json]

Readings are simulated: every form of the sample batch (``samples.generate.plan``,
the cases ``truth.json`` is written from) and ``--forms`` extra forms from
``samples.spec.make_spec``, each with at most one planted problem, go through an
OCR noise model and become ``FormReading``s; the online records are the true
values. ``checks.reconcile`` runs on them in batches and its findings are scored
against the planted truth as (document, code, field) and, for batch findings,
(code, record id(s)).

The OCR noise model (what ``checks.options`` is calibrated on):

- *format* noise on every field: full/half-width swaps of punctuation and Latin,
  a space between characters (2 %), ``O``/``l``/``S``/``B`` for ``0``/``1``/``5``/``8`` (3 %);
- *glyph* noise at a rate drawn per form from 0.5-2 % of CJK characters: a
  look-alike from ``CONFUSABLE_GROUPS`` (80 %), an unrelated character (10 %), a
  dropped character (10 %); on addresses, long texts, industries and seal rings
  (3x the rate: rings are read along a curve); on names only with ``--glyph-names``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checks import CheckOptions, Reconciliation, reconcile
from checks.compare import compare_address, compare_long, compare_name, compare_unit
from checks.industry import resolve_industry
from checks.matching import pair_score, paper_values
from checks.text import CONFUSABLE_GROUPS
from extract.reading import AttachmentReading, DateReading, FieldReading, FormReading, SealReading
from forms import load_template
from ingest.records import OnlineRecord
from samples import corpus
from samples.generate import batch_findings, online_records, plan
from samples.spec import FormSpec, OpinionSpec, make_spec, one_char_change, one_digit_change

TEMPLATE = load_template("kczg-2020")
GLYPH_RATE = (0.005, 0.02)  # per form, of CJK characters (the brief's 0.5-2 %)
SEAL_RING_FACTOR = 3.0  # ring text is read along a curve: three times the glyph errors of print
SPACE_RATE = 0.02
LATIN_RATE = 0.03
BATCH = 40  # forms reconciled together (matching is over a whole batch)
_COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"  # noqa: E501
_CONFUSE = {ch: group.replace(ch, "") for group in CONFUSABLE_GROUPS for ch in group}
_FORMAT_SWAP = {"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")", ",": "，", "(": "（", ")": "）"}
_LATIN_LOOKALIKE = {"0": "O", "1": "l", "5": "S", "8": "B"}

Truth = set[tuple[str, str, str | None]]  # (document id, code, field)
UNREADABLE_FIELDS: dict[str, str] = {}  # generated document id -> the field the reader could not read


# -- the noise model ---------------------------------------------------------------


def format_noise(text: str, rng: random.Random) -> str:
    out = []
    for ch in text:
        if ch in _FORMAT_SWAP and rng.random() < 0.5:
            ch = _FORMAT_SWAP[ch]
        elif ch in _LATIN_LOOKALIKE and rng.random() < LATIN_RATE:
            ch = _LATIN_LOOKALIKE[ch]
        out.append(ch)
        if rng.random() < SPACE_RATE:
            out.append(" ")
    return "".join(out)


def glyph_noise(text: str, rng: random.Random, rate: float) -> str:
    out = []
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff" and rng.random() < rate:
            r = rng.random()
            if r < 0.8 and ch in _CONFUSE:
                out.append(rng.choice(_CONFUSE[ch]))
            elif r < 0.9:
                out.append(rng.choice(_COMMON))
            # else: dropped
            continue
        out.append(ch)
    return "".join(out)


def ring_arc(unit: str) -> str:
    """What the seal reader returns: the middle two thirds of the ring's arc (extract/marks/seals.py)."""
    n = len(unit)
    return unit[n // 6: n - n // 6] if n >= 6 else unit


def ocr(text: str, rng: random.Random, rate: float, glyphs: bool = True) -> str:
    return format_noise(glyph_noise(text, rng, rate) if glyphs else text, rng)


# -- forms as read, records as exported ------------------------------------------


def as_reading(doc_id: str, spec: FormSpec, rng: random.Random, glyph_names: bool) -> FormReading:
    rate = rng.uniform(*GLYPH_RATE)
    fields: dict[str, FieldReading] = {}
    for key, value in spec.values().items():
        if key in ("domain", "project_type"):
            ticks = spec.domain_ticks if key == "domain" else spec.project_type_ticks
            fields[key] = FieldReading(key, ticks[0] if len(ticks) == 1 else None, confidence=0.97, page=1,
                                       engine="ticks", chosen=list(ticks))
            continue
        if not value:
            fields[key] = FieldReading(key, None, status="empty", page=1)
            continue
        if key == "trl":
            fields[key] = FieldReading(key, int(value) if value.isdigit() else None, raw=value, confidence=0.95, page=1)
            continue
        glyphs = TEMPLATE.field(key).long or key in ("address", "industry") or glyph_names
        if key in ("phone", "email"):
            glyphs = False
        fields[key] = FieldReading(key, ocr(value, rng, rate, glyphs), confidence=0.9, page=1, bbox=[0, 0, 10, 10])
    seals, dates = {}, {}
    for key in ("applicant_opinion", "recommender_opinion"):
        op: OpinionSpec = getattr(spec, key)
        text = glyph_noise(ring_arc(op.seal.unit), rng, rate * SEAL_RING_FACTOR) if op.seal else None
        seals[key] = SealReading(op.seal is not None, 0.95, page=3, text=text, text_confidence=0.7)
        dates[key] = DateReading(op.date is not None, op.date.isoformat() if op.date else None,
                                 f"{op.date:%Y年%m月%d日}" if op.date else "年 月 日", 0.9, page=3)
    attachments = {k: AttachmentReading(k, ocr(v, rng, rate), pages=[4], confidence=0.85)
                   for k, v in spec.attachments.items()}
    if doc_id in UNREADABLE_FIELDS:  # the reader could not read this cell at all
        key = UNREADABLE_FIELDS[doc_id]
        fields[key] = FieldReading(key, None, status="unreadable", reason="单元格无法识别", page=1)
    return FormReading(doc_id, f"{doc_id}.pdf", [1, 2, 3], "ocr", fields=fields, seals=seals, dates=dates,
                       attachments=attachments)


def as_record(d: dict[str, Any]) -> OnlineRecord:
    keys = [f.key for f in TEMPLATE.fields if f.kind != "opinion"]
    return OnlineRecord(d["record_id"], {k: str(d.get(k, "")) for k in keys}, d.get("applicant", ""),
                        d.get("recommender", ""), d.get("submitted_at"))


# -- cases ---------------------------------------------------------------------------


@dataclasses.dataclass
class Batch:
    specs: list[tuple[str, FormSpec]]  # paper forms
    records: list[dict[str, Any]]
    truth: Truth
    batch_truth: set[tuple[str, str]]


def sample_batch(seed: int) -> Batch:
    """The committed sample batch's plan, with its truth."""
    cases, extra = plan(seed)
    records = online_records(cases, extra, seed)
    truth: Truth = set()
    for c in cases:
        for f in c.findings + c.warnings:
            truth.add((c.id, f["code"], f.get("field")))
    found, _ = batch_findings(records, cases)
    return Batch([(c.id, c.spec) for c in cases], records, truth, _batch_keys(found))


def _batch_keys(found: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["code"], f.get("record_id") or ",".join(sorted(f.get("record_ids") or []))) for f in found}


Planter = Callable[[FormSpec, random.Random], tuple[FormSpec, dict[str, str], list[tuple[str, str | None]]]]


def _plant_long_change(s: FormSpec, rng: random.Random) -> tuple[FormSpec, dict[str, str], list[tuple[str, str | None]]]:
    online = s.tech_benefit
    digits = [i for i, ch in enumerate(online) if ch.isdigit()]
    i = rng.choice(digits)
    paper = online[:i] + str((int(online[i]) + 1) % 10) + online[i + 1:]
    return dataclasses.replace(s, tech_benefit=paper), {"tech_benefit": online}, [("MISMATCH", "tech_benefit")]


def _plant_industry(s: FormSpec, rng: random.Random) -> tuple[FormSpec, dict[str, str], list[tuple[str, str | None]]]:
    """An industry that is no 中类/小类, submitted the same way online (as the sample batch's F10)."""
    bad = rng.choice(["新材料产业", "人工智能", "软件和信息技术服务业", "专业技术服务业", "高端装备制造", "制造业"])
    return dataclasses.replace(s, industry=bad), {"industry": bad}, [("INDUSTRY_INVALID", "industry")]


def _plant_seal_unit(s: FormSpec, rng: random.Random) -> tuple[FormSpec, dict[str, str], list[tuple[str, str | None]]]:
    """The applicant's box stamped with another unit's seal (as the sample batch's F11)."""
    op = s.applicant_opinion
    assert op.seal is not None
    other = _other([u[0] for units in corpus.UNITS.values() for u in units], s.applicant, rng)
    seal = dataclasses.replace(op.seal, unit=other)
    return dataclasses.replace(s, applicant_opinion=dataclasses.replace(op, seal=seal)), {}, [("MISMATCH", "applicant")]


def _other(options: list[str], current: str, rng: random.Random) -> str:
    return rng.choice([o for o in options if o != current])


PLANTS: dict[str, Planter] = {
    "clean": lambda s, r: (s, {}, []),
    "name": lambda s, r: (dataclasses.replace(s, tech_name=one_char_change(r, s.tech_name)), {"tech_name": s.tech_name},
                          [("MISMATCH", "tech_name")]),
    "contact": lambda s, r: (dataclasses.replace(s, contact=s.contact[0] + _other(
        [g for g, _ in corpus.GIVEN], s.contact[1], r) + s.contact[2:]), {"contact": s.contact},
        [("MISMATCH", "contact")]),
    "phone": lambda s, r: (dataclasses.replace(s, phone=one_digit_change(s.phone, -r.randint(1, 6))),
                           {"phone": s.phone}, [("MISMATCH", "phone")]),
    "email": lambda s, r: (dataclasses.replace(s, email="x" + s.email), {"email": s.email}, [("MISMATCH", "email")]),
    "domain": lambda s, r: (dataclasses.replace(s, domain_ticks=[_other(list(corpus.DOMAINS), s.domain, r)]), {},
                            [("MISMATCH", "domain")]),
    "trl": lambda s, r: (dataclasses.replace(s, trl=str(int(s.trl) % 9 + 1)), {"trl": s.trl}, [("MISMATCH", "trl")]),
    "long": _plant_long_change,
    "seal_missing": lambda s, r: (dataclasses.replace(s, recommender_opinion=dataclasses.replace(
        s.recommender_opinion, seal=None)), {}, [("SEAL_MISSING", "recommender_opinion")]),
    "seal_unit": _plant_seal_unit,
    "date_missing": lambda s, r: (dataclasses.replace(s, applicant_opinion=dataclasses.replace(
        s.applicant_opinion, date=None)), {}, [("DATE_MISSING", "applicant_opinion")]),
    "date_late": lambda s, r: (dataclasses.replace(s, recommender_opinion=dataclasses.replace(
        s.recommender_opinion, date=dt.date(2020, 11, r.randint(21, 30)))), {},
        [("DATE_LATE", "recommender_opinion")]),
    "over_limit": lambda s, r: (dataclasses.replace(s, team_intro=s.team_intro + s.team_intro[:120]),
                                {"team_intro": s.team_intro + s.team_intro[:120]}, [("OVER_LIMIT", "team_intro")]),
    "empty": lambda s, r: (dataclasses.replace(s, address=""), {}, [("FIELD_EMPTY", "address")]),
    "choice_none": lambda s, r: (dataclasses.replace(s, project_type_ticks=[]), {}, [("CHOICE_INVALID", "project_type")]),
    "choice_two": lambda s, r: (dataclasses.replace(s, domain_ticks=[s.domain, _other(list(corpus.DOMAINS), s.domain, r)]),
                                {}, [("CHOICE_INVALID", "domain")]),
    "trl_invalid": lambda s, r: (dataclasses.replace(s, trl=r.choice(["10", "七级", "0", "12"])), {},
                                 [("TRL_INVALID", "trl")]),
    "industry": _plant_industry,
    "unreadable": lambda s, r: (s, {}, [("UNREADABLE", r.choice(["domain", "trl", "tech_level"]))]),
}


def generated_batches(n: int, seed: int) -> list[Batch]:
    """``n`` extra forms in batches of BATCH; besides the planted problems, some forms have no
    record, some a second copy, some records no form."""
    rng = random.Random(seed)
    kinds = list(PLANTS)
    batches = []
    for b in range(0, n, BATCH):
        specs: list[tuple[str, FormSpec]] = []
        records: list[dict[str, Any]] = []
        truth: Truth = set()
        for i in range(b, min(n, b + BATCH)):
            spec = make_spec(seed * 100000 + i)
            doc, rid = f"G{i:04d}", f"KC-G{i:04d}"
            role = rng.random()
            kind = kinds[i % len(kinds)]
            paper, online, found = PLANTS[kind](spec, rng)
            if kind == "unreadable":
                UNREADABLE_FIELDS[doc] = found[0][1] or ""
            rec = {"record_id": rid, **spec.values(), "applicant": spec.applicant, "recommender": spec.recommender,
                   **online}
            if role < 0.06:  # a form nobody submitted online
                specs.append((doc, paper))
                truth.add((doc, "NO_ONLINE_RECORD", None))
                truth.update((doc, c, f) for c, f in found if c not in ("MISMATCH",))
                continue
            records.append(rec)
            if role < 0.12:  # submitted online, never mailed
                continue
            specs.append((doc, paper))
            truth.update((doc, c, f) for c, f in found)
            if role > 0.95:  # mailed twice
                specs.append((doc + "b", paper))
                if doc in UNREADABLE_FIELDS:
                    UNREADABLE_FIELDS[doc + "b"] = UNREADABLE_FIELDS[doc]
                truth.add((doc + "b", "DUPLICATE_PAPER", None))
                truth.update((doc + "b", c, f) for c, f in found)
        mailed = {d for d, _ in specs}
        batch_truth = {("NO_PAPER", r["record_id"]) for r in records if r["record_id"].replace("KC-", "") not in mailed}
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in records:
            groups[r["recommender"], r["domain"]].append(r["record_id"])
        batch_truth |= {("QUOTA_EXCEEDED", ",".join(sorted(ids))) for ids in groups.values()
                        if len(ids) > TEMPLATE.quota_per_unit_per_domain}
        batches.append(Batch(specs, records, truth, batch_truth))
    return batches


# -- scoring ---------------------------------------------------------------------------


def predicted(result: Reconciliation) -> tuple[Truth, set[tuple[str, str]]]:
    docs = {(d.document_id, f.code, f.field) for d in result.documents.values() for f in d.findings}
    return docs, _batch_keys([f.to_dict() for f in result.findings])


def score(batches: list[Batch], options: CheckOptions, glyph_names: bool, seed: int) -> dict[str, Counter[str]]:
    rng = random.Random(seed)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for batch in batches:
        readings = [as_reading(doc, spec, rng, glyph_names) for doc, spec in batch.specs]
        result = reconcile(readings, [as_record(r) for r in batch.records], TEMPLATE, options)
        docs, batch_found = predicted(result)
        for got, want in ((docs, batch.truth), (batch_found, batch.batch_truth)):
            for item in got | want:
                code = str(item[1] if len(item) == 3 else item[0])
                verdict = "tp" if item in got and item in want else "fp" if item in got else "fn"
                tally[code][verdict] += 1
                if code == "MISMATCH" and verdict != "tp":
                    tally[f"  MISMATCH {item[2]}"][verdict] += 1  # which fields the errors are on
    return tally


def print_scores(title: str, tally: dict[str, Counter[str]]) -> None:
    print(f"\n{title}")
    print(f"{'code':18} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8}")
    for code in sorted(tally):
        t = tally[code]
        p = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else float("nan")
        r = t["tp"] / (t["tp"] + t["fn"]) if t["tp"] + t["fn"] else float("nan")
        print(f"{code:18} {t['tp']:5} {t['fp']:5} {t['fn']:5} {p:10.3f} {r:8.3f}")


# -- calibration ---------------------------------------------------------------------------


def _row(name: str, noise: list[float], change: list[float], cutoff: float, higher_is_change: bool) -> None:
    def q(xs: list[float]) -> str:
        xs = sorted(xs)
        return f"min {xs[0]:.2f} median {statistics.median(xs):.2f} max {xs[-1]:.2f}"

    wrong_noise = sum(1 for x in noise if (x > cutoff if higher_is_change else x < cutoff))
    wrong_change = sum(1 for x in change if (x <= cutoff if higher_is_change else x >= cutoff))
    print(f"{name:22} noise [{q(noise)}]  change [{q(change)}]  cut-off {cutoff:.2f}  "
          f"noise flagged {wrong_noise}/{len(noise)}  changes missed {wrong_change}/{len(change)}")


def calibrate(n: int, seed: int, options: CheckOptions) -> None:
    rng = random.Random(seed)
    specs = [make_spec(seed * 1000 + i) for i in range(n)]
    print("\nCalibration: cost (unexplained edits) or similarity, OCR-noise-only pairs against one-change pairs")
    names_noise, names_glyph, names_change = [], [], []
    for s in specs:
        for key, text in (("tech_name", s.tech_name), ("contact", s.contact)):
            rate = rng.uniform(*GLYPH_RATE)
            names_noise.append(compare_name(key, ocr(text, rng, rate, glyphs=False), text, 0).cost.cost)  # type: ignore[union-attr]
            names_glyph.append(compare_name(key, ocr(text, rng, rate), text, 0).cost.cost)  # type: ignore[union-attr]
            changed = one_char_change(rng, text) if key == "tech_name" else text[0] + (
                "新" if text[1:2] != "新" else "明") + text[2:]
            names_change.append(compare_name(key, ocr(changed, rng, rate, glyphs=False), text, 0).cost.cost)  # type: ignore[union-attr]
    _row("name (format noise)", names_noise, names_change, options.name_max_cost, True)
    _row("name (+glyph noise)", names_glyph, names_change, options.name_max_cost, True)
    addr_noise, addr_change = [], []
    addresses = [u[2] for us in corpus.UNITS.values() for u in us]
    for s in specs:
        rate = rng.uniform(*GLYPH_RATE)
        addr_noise.append(compare_address("address", ocr(s.address, rng, rate), s.address, 0).score)
        other = _other(addresses, s.address, rng)
        addr_change.append(compare_address("address", ocr(other, rng, rate, glyphs=False), s.address, 0).score)
    _row("address (similarity)", addr_noise, addr_change, options.address_min_similarity, False)
    sent_noise: list[float] = []
    sent_change: list[float] = []
    per_char = options.sentence_cost_per_char
    for s in specs[: max(20, n // 4)]:
        for text in (s.tech_level, s.tech_benefit, s.team_intro):
            rate = rng.uniform(*GLYPH_RATE)
            noisy = compare_long("x", ocr(text, rng, rate), text, -1e9)  # every sentence listed with its cost
            sent_noise.extend(d.cost - per_char * len(d.online) for d in noisy.sentences)
            changed = text.replace("。", "，该技术填补了国内空白。", 1)
            ch = compare_long("x", ocr(changed, rng, rate), text, -1e9)
            sent_change.append(max(d.cost - per_char * len(d.online) for d in ch.sentences))
    _row("sentence (cost-allowance)", sent_noise, sent_change, options.sentence_max_cost, True)
    seal_noise, seal_change = [], []
    units = [u[0] for us in corpus.UNITS.values() for u in us] + [u for us in corpus.RECOMMENDERS.values() for u in us]
    for s in specs:
        for unit in (s.applicant, s.recommender):
            rate = rng.uniform(*GLYPH_RATE) * SEAL_RING_FACTOR
            seal_noise.append(compare_unit(glyph_noise(ring_arc(unit), rng, rate), unit, 0).score)
            seal_change.append(compare_unit(glyph_noise(ring_arc(_other(units, unit, rng)), rng, rate), unit, 0).score)
    _row("seal ring (similarity)", seal_noise, seal_change, options.seal_unit_min_similarity, False)
    print(f"{'':22} (plus: another unit of the export fitting the ring {options.seal_other_unit_margin:+.2f} better)")
    ind_noise = []
    for s in specs:
        m = resolve_industry(glyph_noise(s.industry, rng, rng.uniform(*GLYPH_RATE) * 4), 0.0)
        ind_noise.append(m.score if m.by == "fuzzy-name" else 1.0)
    bad = [resolve_industry(t, 0.0).score for t in ["新材料产业", "人工智能", "高端装备制造", "新一代信息技术", "生物医药产业",
                                                    "节能环保产业", "智能制造", "集成电路产业", "数字经济"]]
    _row("industry name (sim.)", ind_noise, bad, options.industry_name_min_similarity, False)
    forms = [as_reading(f"d{i}", s, rng, True) for i, s in enumerate(specs)]
    weights = options.weights(TEMPLATE)
    keys = list(weights)
    papers = [paper_values(f, TEMPLATE, keys) for f in forms]
    onlines = [paper_values(as_reading(f"r{i}", s, random.Random(0), False), TEMPLATE, keys) for i, s in enumerate(specs)]
    true_pairs, others = [], []
    for i, p in enumerate(papers):
        scores = [pair_score(p, o, weights)[0] for o in onlines]
        true_pairs.append(scores[i])
        others.append(max(x for j, x in enumerate(scores) if j != i))
    _row("match score", true_pairs, others, options.match_min_score, False)


def score_results(results_path: Path, truth_path: Path) -> dict[str, Counter[str]]:
    """Score a real run's results.json (``paperdesk run``) against the sample batch's truth.json.

    Documents are paired by (file, first page); batch findings by code and record id(s) or file.
    """
    results = json.loads(results_path.read_text(encoding="utf-8"))
    truth = json.loads(truth_path.read_text(encoding="utf-8"))

    def where(doc: dict[str, Any]) -> tuple[str, int]:
        src = doc.get("source") or {}
        files = src.get("files") or [src.get("file", "")]
        return Path(files[0]).name, (src.get("pages") or [1])[0]

    truth_docs = {where(d): d for d in truth["documents"]}
    want: set[tuple[str, str, str | None]] = set()
    for d in truth["documents"]:
        for f in d.get("findings", []) + d.get("warnings", []):
            want.add((d["id"], f["code"], f.get("field")))
    by_record = {d["record_id"]: d for d in truth["documents"] if d.get("record_id")}
    got: set[tuple[str, str, str | None]] = set()
    for d in results["documents"]:
        t = truth_docs.get(where(d)) or by_record.get(d.get("record_id"))  # page folders: pair by record
        name = t["id"] if t else f"unpaired:{d['id']}"
        got |= {(name, f["code"], f.get("field")) for f in d.get("findings", [])}

    def batch_keys(found: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(f["code"], f.get("record_id") or ",".join(sorted(f.get("record_ids") or []))
                 or Path(f.get("file") or (f.get("evidence") or {}).get("file") or "").name) for f in found}

    got_batch = batch_keys(results.get("findings", []))
    got_batch |= {("UNREADABLE", Path(f["file"]).name) for f in results.get("failures", [])}
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for g, w in ((got, want), (got_batch, batch_keys(truth.get("findings", [])))):
        for item in g | w:
            code = str(item[1] if len(item) == 3 else item[0])
            tally[code]["tp" if item in g and item in w else "fp" if item in g else "fn"] += 1
    return tally


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=240, help="extra generated forms (default 240)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--calibration-forms", type=int, default=300)
    ap.add_argument("--glyph-names", action="store_true", help="glyph noise on names too (they are strict)")
    ap.add_argument("--results", type=Path, help="score a paperdesk run's results.json instead of simulating")
    ap.add_argument("--truth", type=Path, default=Path("samples/truth.json"))
    args = ap.parse_args(argv)
    if args.results:
        print_scores(f"{args.results} against {args.truth}", score_results(args.results, args.truth))
        return 0
    options = CheckOptions()
    t0 = time.perf_counter()
    sample = sample_batch(2020)
    print_scores("Sample batch plan (samples.generate.plan(2020)), simulated readings",
                 score([sample], options, args.glyph_names, args.seed))
    extra = generated_batches(args.forms, args.seed)
    tally = score(extra, options, args.glyph_names, args.seed)
    print_scores(f"{args.forms} generated forms in batches of {BATCH}"
                 f"{' (glyph noise on names too)' if args.glyph_names else ''}", tally)
    t1 = time.perf_counter()
    calibrate(args.calibration_forms, args.seed, options)
    t2 = time.perf_counter()
    print(f"\nreconcile: {t1 - t0:.1f} s for {len(sample.specs) + args.forms} forms; calibration {t2 - t1:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
