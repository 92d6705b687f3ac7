"""A batch as varied as the mail: every condition the unseen batches showed, one at a time and together.

    python -m samples.variety --out /tmp/varied --seed 41 [--forms-per-condition 2] [--conditions skew,word]

Each condition draws its forms from one knob's whole range (the rest as a tidy scan), ``combined``
from all of them at once. About half the forms carry one planted problem (``PLANTS``), so the
findings have something to find. Writes ``scans/<condition>/<id>.pdf|.tif``, ``online.xlsx`` and
``online_gb18030.csv`` and ``truth.json`` (the committed batch's truth format, plus each
document's ``condition`` and ``knobs``). Deterministic per seed, LibreOffice's Word prints included.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forms import count_words
from samples import corpus
from samples.docx_form import write_print_docx
from samples.draw import Layout, render_form_layout
from samples.files import save_pdf, save_tiff
from samples.generate import Case, _doc_truth, _scan_truth, batch_findings, online_records, write_online
from samples.scan import DAMAGE, ScanSettings, scan_page
from samples.spec import (
    DATE_STYLES,
    FAINT_SEAL_INK,
    FormSpec,
    make_spec,
    one_char_change,
    one_digit_change,
    quote_hints,
    varied_printer,
    varied_seal,
)
from samples.word_print import docx_to_pdf, print_layout

CONDITIONS = ["base", "skew", "dpi_low", "dpi_high", "falloff", "gray", "bilevel", "jpeg", "faint_seals",
              "seal_shapes", "ticks", "word", "fonts", "hint_quotes", "split", "turned", "augraphy", "combined"]
SKEW_DEG = (2.5, 5.0)  # the whole forms lost at 2.6-3.9°; up to ±5° as feeders do it
LOW_DPI = [150, 200]
HIGH_DPI = [400, 600]
FALLOFF = (0.2, 0.3)  # light falling off by 20-30 % across the page
JPEG_QUALITY = (30, 95)
LOW_JPEG_QUALITY = (30, 50)
DRAWN_TICKS = ["check", "cross", "fill", "circle"]
PLANT_SHARE = 0.5  # forms with one planted problem; the rest must come out clean
SRC_DPI = 300  # drawn and printed pages are made at 300 dpi, or at 600 for scans above 300 dpi
OVER_LIMIT_EXTRA = 60  # 字 added past the 300 of 技术团队简介 for an OVER_LIMIT plant
PERSONAL_MAIL_SHARE = 0.5  # contacts who give a personal mailbox: pinyin + birth year, l and 1 side by side
PERSONAL_MAIL_HOSTS = ["163.com", "126.com", "qq.com", "sina.com", "yeah.net"]


@dataclass
class Variant:
    """One form of the varied batch: its spec, how it reached the scanner and what must be found."""

    id: str
    condition: str
    spec: FormSpec
    scan: ScanSettings
    route: str = "draw"  # draw | word (printed from Word through LibreOffice)
    container: str = "pdf"  # pdf | tiff
    rotate_pages: dict[int, int] = field(default_factory=dict)
    case: Case | None = None
    knobs: dict[str, Any] = field(default_factory=dict)


# -- planted problems: (spec, rng) -> (paper spec, online overrides, findings) ---------------------

Plant = Callable[[FormSpec, random.Random], tuple[FormSpec, dict[str, str], list[dict[str, Any]]]]


def _seal_missing(s: FormSpec, r: random.Random) -> tuple[FormSpec, dict[str, str], list[dict[str, Any]]]:
    key = r.choice(["applicant_opinion", "recommender_opinion"])
    spec = dataclasses.replace(s, **{key: dataclasses.replace(getattr(s, key), seal=None)})
    return spec, {}, [{"code": "SEAL_MISSING", "field": key}]


def _date_missing(s: FormSpec, r: random.Random) -> tuple[FormSpec, dict[str, str], list[dict[str, Any]]]:
    key = r.choice(["applicant_opinion", "recommender_opinion"])
    spec = dataclasses.replace(s, **{key: dataclasses.replace(getattr(s, key), date=None)})
    return spec, {}, [{"code": "DATE_MISSING", "field": key}]


def _name(s: FormSpec, r: random.Random) -> tuple[FormSpec, dict[str, str], list[dict[str, Any]]]:
    paper = one_char_change(r, s.tech_name)
    return (dataclasses.replace(s, tech_name=paper), {"tech_name": s.tech_name},
            [{"code": "MISMATCH", "field": "tech_name", "paper": paper, "online": s.tech_name}])


def _phone(s: FormSpec, r: random.Random) -> tuple[FormSpec, dict[str, str], list[dict[str, Any]]]:
    paper = one_digit_change(s.phone, -r.randint(1, 6))
    return (dataclasses.replace(s, phone=paper), {"phone": s.phone},
            [{"code": "MISMATCH", "field": "phone", "paper": paper, "online": s.phone}])


def _over_limit(s: FormSpec, r: random.Random) -> tuple[FormSpec, dict[str, str], list[dict[str, Any]]]:
    text = s.team_intro
    while count_words(text) <= 300 + OVER_LIMIT_EXTRA // 2:
        text += s.team_intro[: OVER_LIMIT_EXTRA]
    return (dataclasses.replace(s, team_intro=text), {"team_intro": text},
            [{"code": "OVER_LIMIT", "field": "team_intro", "chars": count_words(text), "limit": 300}])


PLANTS: dict[str, Plant] = {
    "seal_missing": _seal_missing,
    "date_missing": _date_missing,
    "name": _name,
    "phone": _phone,
    "over_limit": _over_limit,
    "email_empty": lambda s, r: (dataclasses.replace(s, email=""), {"email": s.email},
                                 [{"code": "FIELD_EMPTY", "field": "email"}]),
    "choice_none": lambda s, r: (dataclasses.replace(s, project_type_ticks=[]), {},
                                 [{"code": "CHOICE_INVALID", "field": "project_type"}]),
    "choice_two": lambda s, r: (dataclasses.replace(s, domain_ticks=sorted(
        [s.domain, r.choice([d for d in corpus.DOMAINS if d != s.domain])], key=list(corpus.DOMAINS).index)), {},
        [{"code": "CHOICE_INVALID", "field": "domain"}]),
    "trl_invalid": lambda s, r: (dataclasses.replace(s, trl="10"), {}, [{"code": "TRL_INVALID", "field": "trl"}]),
}


# -- conditions: (variant, rng) -> None, changing the variant in place -----------------------------


def _tidy(v: Variant, r: random.Random) -> None:
    """The neutral scan the one-knob conditions start from: colour 300 dpi, nearly straight, white paper."""
    v.scan = ScanSettings("color", 300, skew_deg=r.uniform(-0.3, 0.3), paper_tint=r.uniform(0.0, 0.3),
                          seed=v.spec.seed)


def _seals(v: Variant, r: random.Random, **kw: Any) -> None:
    for key in ("applicant_opinion", "recommender_opinion"):
        op = getattr(v.spec, key)
        if op.seal is not None:
            seal = varied_seal(r, op.seal.unit, **kw)
            v.spec = dataclasses.replace(v.spec, **{key: dataclasses.replace(op, seal=seal)})


def _printer(v: Variant, r: random.Random, fonts: list[str] | None = None) -> None:
    v.spec = dataclasses.replace(v.spec, printer=varied_printer(r, fonts))


def _turn(v: Variant, r: random.Random) -> None:
    v.rotate_pages = {r.randint(1, 3): r.choice([90, 180, 270])}


def _knob(v: Variant, **kw: Any) -> None:
    v.knobs.update(kw)


def _condition(v: Variant, r: random.Random) -> None:
    c, s = v.condition, v.scan
    if c == "skew":
        s.skew_deg = r.choice([-1, 1]) * r.uniform(*SKEW_DEG)
    elif c == "dpi_low":
        s.dpi = r.choice(LOW_DPI)
        v.container = r.choice(["pdf", "tiff"])
    elif c == "dpi_high":
        s.dpi = r.choice(HIGH_DPI)
        v.container = "tiff"  # a PDF would be rendered at paperdesk's --dpi; TIFF keeps the scan's own
    elif c == "falloff":
        s.uneven_illumination = r.uniform(*FALLOFF)
    elif c == "gray":
        s.mode = "gray"
        s.jpeg_quality = r.randint(60, 90) if r.random() < 0.5 else None
    elif c == "bilevel":
        s.mode, s.threshold = "bilevel", r.choice(["otsu", "adaptive"])
        s.dpi = r.choice([200, 300])
    elif c == "jpeg":
        s.mode = r.choice(["color", "gray"])
        s.jpeg_quality = r.randint(*LOW_JPEG_QUALITY)
    elif c == "faint_seals":
        _seals(v, r, ink=FAINT_SEAL_INK)
    elif c == "seal_shapes":
        _seals(v, r)
    elif c == "ticks":
        v.spec = dataclasses.replace(v.spec, tick_style=r.choice(DRAWN_TICKS))
    elif c == "word":
        v.route = "word"
        _printer(v, r)
    elif c == "fonts":
        _printer(v, r)
    elif c == "hint_quotes":
        v.spec = quote_hints(v.spec, r)
        v.spec = dataclasses.replace(v.spec, printer=dataclasses.replace(v.spec.printer,
                                                                         hint_in_label=r.random() < 0.5))
    elif c == "split":
        p = v.spec.printer
        v.spec = dataclasses.replace(v.spec, printer=dataclasses.replace(
            p, body_pt=r.choice([12.0, 14.0]), split_min_lines=1, repeat_label=r.random() < 0.5,
            line_spacing=r.uniform(1.3, 1.8)))
    elif c == "turned":
        _turn(v, r)
    elif c == "augraphy":
        s.damage = tuple(r.sample(DAMAGE, r.randint(1, 3)))
    elif c == "combined":
        _combined(v, r)
    elif c != "base":
        raise ValueError(f"unknown condition {c!r}; known: {', '.join(CONDITIONS)}")


def _combined(v: Variant, r: random.Random) -> None:
    """Every knob at once, each from its whole range."""
    s = v.scan
    s.mode = r.choice(["color", "color", "gray", "bilevel"])
    s.dpi = r.choice([150, 200, 200, 300, 300, 400, 600])
    s.skew_deg = r.uniform(-5.0, 5.0)
    s.uneven_illumination = r.uniform(0.0, 0.3)
    s.paper_tint = r.uniform(0.0, 1.0)
    s.jpeg_quality = r.randint(*JPEG_QUALITY) if s.mode != "bilevel" and r.random() < 0.6 else None
    s.threshold = r.choice(["otsu", "adaptive"])
    s.damage = tuple(r.sample(DAMAGE, r.randint(1, 2))) if r.random() < 0.3 else ()
    v.container = "tiff" if s.dpi > 300 or r.random() < 0.3 else "pdf"
    _printer(v, r)
    _seals(v, r)
    v.route = "word" if r.random() < 0.4 else "draw"
    v.spec = dataclasses.replace(v.spec, tick_style=r.choice(DRAWN_TICKS))
    if r.random() < 0.5:
        v.spec = quote_hints(v.spec, r)
    if r.random() < 0.15:
        _turn(v, r)


def draw_variant(condition: str, rng: random.Random, index: int, record_no: int) -> Variant:
    """One form of ``condition``: a realistic spec, the condition's knobs, maybe one planted problem."""
    spec = make_spec(rng.randrange(1, 10**9))
    for key in ("applicant_opinion", "recommender_opinion"):  # every date style under every condition
        spec = dataclasses.replace(spec, **{key: dataclasses.replace(getattr(spec, key),
                                                                     date_style=rng.choice(DATE_STYLES))})
    if rng.random() < PERSONAL_MAIL_SHARE:  # e.g. liangfan1984@163.com, read as 1iangfan1984 on a poor scan
        spec = dataclasses.replace(spec, email=f"{spec.email.split('@')[0].rstrip('0123456789')}"
                                               f"{rng.randint(1965, 1995)}@{rng.choice(PERSONAL_MAIL_HOSTS)}")
    spec = dataclasses.replace(spec, printer=dataclasses.replace(spec.printer, date_gap_fit=True))
    v = Variant(f"{condition}-{index + 1:02d}", condition, spec, ScanSettings())
    _tidy(v, rng)
    _condition(v, rng)
    plant = rng.choice(sorted(PLANTS)) if rng.random() < PLANT_SHARE else None
    paper, online, findings = PLANTS[plant](v.spec, rng) if plant else (v.spec, {}, [])
    v.spec = paper
    v.case = Case(v.id, paper, f"KC2020-{record_no:04d}", findings, online=online,
                  exercises=f"{condition}{'; planted ' + plant if plant else ''}")
    s = v.scan
    _knob(v, route=v.route, container=v.container, mode=s.mode, dpi=s.dpi, skew_deg=round(s.skew_deg, 2),
          falloff=round(s.uneven_illumination, 2), jpeg_quality=s.jpeg_quality, damage=list(s.damage),
          rotate_pages={str(k): d for k, d in v.rotate_pages.items()}, font=paper.printer.font,
          body_pt=paper.printer.body_pt, hint_in_label=paper.printer.hint_in_label, tick_style=paper.tick_style,
          tick_glyph=paper.printer.tick_glyph if v.route == "word" else None, plant=plant,
          seals=[dataclasses.asdict(op.seal) for op in (paper.applicant_opinion, paper.recommender_opinion)
                 if op.seal is not None],
          date_styles=[op.date_style for op in (paper.applicant_opinion, paper.recommender_opinion)])
    return v


def plan_variants(seed: int, conditions: list[str], per_condition: int) -> list[Variant]:
    rng = random.Random(seed)
    out: list[Variant] = []
    for c in conditions:
        if c not in CONDITIONS:
            raise ValueError(f"unknown condition {c!r}; known: {', '.join(CONDITIONS)}")
        for i in range(per_condition):
            out.append(draw_variant(c, random.Random(rng.randrange(2**62)), i, len(out) + 1))
    return out


def _clean_pages(variants: list[Variant], work: Path) -> dict[str, tuple[list[np.ndarray], Layout, int]]:
    """Each variant's clean pages (drawn, or printed from Word) at its source dpi, with their layout."""
    out: dict[str, tuple[list[np.ndarray], Layout, int]] = {}
    word = [v for v in variants if v.route == "word"]
    docx = []
    for v in word:
        path = work / f"{v.id}.docx"
        write_print_docx(v.spec, path)
        docx.append(path)
    pdfs = dict(zip([v.id for v in word], docx_to_pdf(docx, work / "printed"), strict=True))
    for v in variants:
        src = 600 if v.scan.dpi > SRC_DPI else SRC_DPI
        if v.route == "word":
            pages, layout = print_layout(pdfs[v.id], v.spec, src)
        else:
            pages, layout = render_form_layout(v.spec, src)
        out[v.id] = (pages, layout, src)
    return out


def write_varied_batch(out: Path, seed: int, conditions: list[str] | None = None,
                       per_condition: int = 2) -> dict[str, Any]:
    """Draw, print, scan and save the varied batch into ``out``; returns (and writes) its truth."""
    variants = plan_variants(seed, conditions or CONDITIONS, per_condition)
    (out / "scans").mkdir(parents=True, exist_ok=True)
    documents: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="paperdesk-variety-") as tmp:
        clean = _clean_pages(variants, Path(tmp))
        for v in variants:
            pages, layout, src = clean[v.id]
            settings = [dataclasses.replace(v.scan, src_dpi=src, rotate=v.rotate_pages.get(i + 1, 0),
                                            seed=v.spec.seed + i) for i in range(len(pages))]
            scanned = [scan_page(p, st) for p, st in zip(pages, settings, strict=True)]
            name = f"scans/{v.condition}/{v.id}.{'tif' if v.container == 'tiff' else 'pdf'}"
            (save_tiff if v.container == "tiff" else save_pdf)(out / name, scanned, v.scan.dpi)
            assert v.case is not None
            doc = _doc_truth(v.case, v.spec)
            doc["source"] = {"file": name, "pages": list(range(1, len(pages) + 1))}
            doc["condition"] = v.condition
            doc["knobs"] = v.knobs
            doc["layout"] = _scan_truth(layout, settings, pages[0].shape)
            doc["scan"] = {"mode": v.scan.mode, "dpi": v.scan.dpi, "skew_deg": v.scan.skew_deg,
                           "rotation": [st.rotate for st in settings], "font": v.spec.printer.font,
                           "paper_tint": v.scan.paper_tint, "uneven_illumination": v.scan.uneven_illumination,
                           "threshold": v.scan.threshold if v.scan.mode == "bilevel" else None,
                           "route": v.route, "damage": list(v.scan.damage), "jpeg_quality": v.scan.jpeg_quality}
            documents.append(doc)
    cases = [v.case for v in variants if v.case is not None]
    records = online_records(cases, [], seed)
    write_online(out, records)
    findings, unmatched = batch_findings(records, cases)
    truth = {
        "form": "kczg-2020",
        "generated_by": f"python -m samples.variety --out {out} --seed {seed} --forms-per-condition {per_condition}"
                        f" --conditions {','.join(conditions or CONDITIONS)}",
        "seed": seed,
        "coordinates": "bbox = [x0, y0, x1, y1] in pixels of the page image as stored in the file "
                       "(after resampling, skew and rotation); page is 1-based within source.file",
        "online": {"xlsx": "online.xlsx", "csv": "online_gb18030.csv", "records": len(records)},
        "conditions": conditions or CONDITIONS,
        "inputs": [{"file": d["source"]["file"], "status": "read", "pages": len(d["source"]["pages"]),
                    "documents": [d["id"]]} for d in documents],
        "documents": documents,
        "unmatched_records": unmatched,
        "findings": findings,
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samples.variety", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=41)
    ap.add_argument("--forms-per-condition", type=int, default=2)
    ap.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated; default all")
    args = ap.parse_args(argv)
    truth = write_varied_batch(args.out, args.seed, [c for c in args.conditions.split(",") if c],
                               args.forms_per_condition)
    print(f"{len(truth['documents'])} forms -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
