"""How well the seal reader reads a seal's NAME (issue 17), per condition, on freshly drawn 公章.

Run from the repository root: ``.venv/bin/python -m bench.seal_names [--n 10] [--seed S] [--only round_code]``
(or ``python -m bench.marks --names 10``). Without ``--seed`` a random seed is drawn and printed;
``--seed`` repeats a run exactly.

Each condition draws N seals as real ones vary (``samples.spec.real_seal``: the name in one of
Debian's CJK faces along the upper arc, the 13-digit code, a subtitle or nothing on the lower arc,
round or oval), stamps each on the 公章 label of an opinion box printed as the form prints it (the
label, the date, opinion text beside it), scans the box and runs the current reader on it. The
units come from a simulated batch: 20-40 real-looking unit names from ``samples.corpus``, the
seal's own among them. Per condition it prints: seals found (precision / recall, a found seal
counting only where its box overlaps the true one), name exact, name within one character
(edit distance <= 1), code exact (of the seals that carry one), and how many readings the checks
would take for ANOTHER unit of the batch (must be 0; ``wrong_unit`` says how that is decided).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw
from rapidfuzz.distance import Levenshtein

import extract.marks as marks
import extract.marks.seal_text as seal_text
from checks.options import CheckOptions
from checks.rules import SEAL_TEXT_MIN_CHARS, RuleContext, seal_units
from checks.text import normalize, strip_punct
from extract.ocr import get_engine, line_reader
from extract.reading import FormReading, SealReading
from forms import FormTemplate, IndustryTable, load_industry_table, load_template
from ingest.records import OnlineRecord
from samples import corpus
from samples.draw import render_form_layout
from samples.fonts import load_font
from samples.scan import scan
from samples.seal import draw_seal, seal_bbox, seal_truth
from samples.spec import SEAL_BLEED_MM, SMALL_OVAL_SIZES_MM, OpinionSpec, SealSpec, make_spec, real_seal

OcrLine = Callable[[np.ndarray], tuple[str, float]]
RENDER_DPI = 300  # boxes are printed and stamped at this resolution, then scanned at the condition's
BATCH_UNITS = (20, 40)  # units named in one simulated batch's export (申报单位 and 推荐单位)
FOUND_MIN_IOU = 0.3  # a found seal is this seal when its box overlaps the true ring's box this much
FORMS = 4  # printed forms the boxes are cut from (printer styles and date styles vary between them)
PALE_INK = (0.5, 0.7)  # the pale seals: half to two thirds of a fresh pad
PATCHY_INK = (0.65, 0.9)  # a patchy impression from a pad neither fresh nor dry
SMALL_ROUND_MM = (30.0, 37.0)  # below GA 241's 38 mm: departments' and small companies' seals
LARGE_ROUND_MM = (46.0, 50.0)  # above it: some institutes' and authorities' seals
ROTATED_DEG = (40.0, 180.0)  # stamped well off upright, either way
LOW_DPI = 150  # the low-resolution scans and photos
INSIDE_MARGIN_MM = 1.0  # the impression is kept this far inside the box's ruled edges
# Half the boxes carry a typed opinion: up to two lines at 12 pt under the form's own printed line (the
# applicant's promise, about 12 mm), right of the label column.
OPINION_PT = 12.0
OPINION_TOP_MM = 13.0
OPINION_LEFT = 0.3
OPINION_LINES = 2
OPINIONS = ["经审核，该技术信息真实可靠，不涉密，同意推荐该技术参加“科创中国”先导技术榜单评选。",
            "该技术团队长期从事相关领域研究，成果已在多家企业应用，经济效益和社会效益显著，同意推荐。",
            "同意推荐。"]


@dataclass(frozen=True)
class Condition:
    """One row of the bench: how its seals differ from ``real_seal``'s and how the box is scanned."""

    name: str
    mode: str = "color"
    dpi: int = 300
    change: Callable[[SealSpec, random.Random], SealSpec] = lambda s, r: s
    lower: str | None = None  # real_seal's lower arc: None draws it
    oval: bool | None = False


def _pale(s: SealSpec, r: random.Random) -> SealSpec:
    return dataclasses.replace(s, ink=r.uniform(*PALE_INK))


def _patchy(s: SealSpec, r: random.Random) -> SealSpec:
    # uneven pressure, every glyph still legible to a clerk (a side that took no ink at all is bench.marks')
    return dataclasses.replace(s, patches=r.randint(1, 3), ink=r.uniform(*PATCHY_INK))


def _bled(s: SealSpec, r: random.Random) -> SealSpec:
    return dataclasses.replace(s, bleed_mm=r.uniform(*SEAL_BLEED_MM))


def _oval(sizes: list[tuple[float, float]]) -> Callable[[SealSpec, random.Random], SealSpec]:
    return lambda s, r: dataclasses.replace(s, oval=True, oval_mm=r.choice(sizes))


def _round(lo_hi: tuple[float, float]) -> Callable[[SealSpec, random.Random], SealSpec]:
    return lambda s, r: dataclasses.replace(s, oval=False, diameter_mm=r.uniform(*lo_hi))


def _rotated(s: SealSpec, r: random.Random) -> SealSpec:
    return dataclasses.replace(s, rotation_deg=r.choice([-1, 1]) * r.uniform(*ROTATED_DEG))


CONDITIONS: list[Condition] = [
    Condition("round_plain", lower=""),
    Condition("round_code", lower="code"),
    Condition("round_subtitle", lower="subtitle_any"),
    Condition("oval", change=_oval(SMALL_OVAL_SIZES_MM[:2]), oval=True),
    Condition("small_oval", change=_oval(SMALL_OVAL_SIZES_MM[2:]), oval=True),
    Condition("small_round", change=_round(SMALL_ROUND_MM)),
    Condition("large_round", change=_round(LARGE_ROUND_MM)),
    Condition("pale", change=_pale, oval=None),
    Condition("patchy", change=_patchy, oval=None),
    Condition("bled", change=_bled, oval=None),
    Condition("gray", mode="gray", oval=None),
    Condition("bilevel", mode="bilevel", oval=None),
    Condition("dpi150", dpi=LOW_DPI, oval=None),
    Condition("rotated", change=_rotated, oval=None),
]


@dataclass
class Reading:
    """What the reader said about one seal: its name, and the lower arc's code where it reads one."""

    found: bool
    bbox: list[int] | None
    name: str | None
    code: str | None = None
    subtitle: str | None = None
    candidates: list[list[str | float]] = field(default_factory=list)  # other readings, with their scores


@dataclass
class Score:
    n: int = 0
    found: int = 0  # the reader said a seal is there
    found_right: int = 0  # ...and its box is this seal's
    exact: int = 0
    within1: int = 0
    coded: int = 0
    code_exact: int = 0
    titled: int = 0  # seals with a subtitle (合同专用章...)
    subtitle_exact: int = 0
    wrong_unit: int = 0
    false_mismatch: int = 0  # the seal's own unit in the record, and the checks still flag MISMATCH
    unsure: int = 0  # ...and the checks warn they cannot tell whose seal it is (UNREADABLE, no MISMATCH)
    read_s: float = 0.0
    misses: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        p = self.found_right / self.found if self.found else 1.0
        r = self.found_right / self.n if self.n else 0.0
        code = f"{self.code_exact}/{self.coded}" if self.coded else "-"
        sub = f"{self.subtitle_exact}/{self.titled}" if self.titled else "-"
        return (f"  {name:15s} {self.n:3d}  P {p:.2f} R {r:.2f}  exact {self.exact:3d} ({self.exact / max(1, self.n):.0%})"
                f"  within-1 {self.within1:3d} ({self.within1 / max(1, self.n):.0%})  code {code:>6s}  subtitle {sub:>5s}"
                f"  wrong unit {self.wrong_unit}  false MISMATCH {self.false_mismatch}  not sure {self.unsure}"
                f"  {self.read_s / max(1, self.n):.1f} s/seal")

    def add(self, other: Score) -> None:
        for f in dataclasses.fields(self):
            if f.name != "misses":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


# -- scoring (tests/test_bench_seal_names.py pins these) ---------------------------------------------------


def clean_name(text: str | None) -> str:
    """A name as the checks compare it: width and punctuation folded, a trailing 公章 dropped."""
    return strip_punct(normalize(text or "")).removesuffix("公章")


def name_exact(read: str | None, truth: str) -> bool:
    return bool(read) and clean_name(read) == clean_name(truth)


def name_within(read: str | None, truth: str, edits: int = 1) -> bool:
    return bool(read) and Levenshtein.distance(clean_name(read), clean_name(truth)) <= edits


def flagged(read: str, candidates: list[list[str | float]], online: str, units: list[str],
            warned: bool = False) -> bool:
    """Would the checks flag MISMATCH for a seal read as ``read`` in a form whose record names ``online``?
    With ``warned``, the "not sure whose seal" warning counts too (UNREADABLE on the unit: the
    ring read in part fits ``online`` and another unit alike, and the clerk is asked to look).

    Runs ``checks.rules.seal_units`` itself on a one-seal form (the batch's ``units`` known), so the
    bench follows the rule as it is: too short a reading gives no verdict (not flagged), a reading
    another unit fits clearly better is flagged."""
    kw: dict[str, Any] = {}
    if candidates and any(f.name == "text_candidates" for f in dataclasses.fields(SealReading)):
        kw["text_candidates"] = candidates  # the reader's other readings, where the rule weighs them
    seal = SealReading(present=True, confidence=1.0, page=1, text=read, **kw)
    reading = FormReading("d", "bench", [1], "ocr", seals={"applicant_opinion": seal})
    record = OnlineRecord("R1", {}, applicant=online, recommender=online)
    ctx = RuleContext(reading, record, _template(), CheckOptions(), _industry(), units=units)
    return any((f.code == "MISMATCH" and f.field == "applicant")
               or (warned and f.code == "UNREADABLE" and f.field == "applicant") for f in seal_units(ctx))


def wrong_unit(read: str | None, truth: str, units: list[str],
               candidates: list[list[str | float]] | None = None) -> str | None:
    """Another unit of the batch this reading of ``truth``'s seal would pass for, if any: a form whose
    seal is ``truth``'s but whose record names that unit would go unflagged and unwarned (the issue:
    never). A reading too short for the rule to judge (``SEAL_TEXT_MIN_CHARS``) passes for none: no verdict."""
    if not read or len(strip_punct(normalize(read))) < SEAL_TEXT_MIN_CHARS:
        return None
    for unit in units:
        if unit != truth and not flagged(read, candidates or [], unit, units, warned=True):
            return unit
    return None


@lru_cache(maxsize=1)
def _template() -> FormTemplate:
    return load_template("kczg-2020")


@lru_cache(maxsize=1)
def _industry() -> IndustryTable:
    return load_industry_table()


# -- the reader, as the pipeline calls it ------------------------------------------------------------------


def read_box(box: np.ndarray, dpi: int, mode: str, ocr_line: OcrLine, units: list[str]) -> Reading:
    """The current reader on one opinion box: ``read_seal``, then the ring's text.

    Where ``extract.marks(.seal_text)`` offers ``read_seal_lines`` (name and lower arc apart) it is used, with the
    batch's units where it takes them; else ``read_seal_text`` is scored as the name."""
    seal = marks.read_seal(box, dpi, mode)
    if not seal.present or seal.bbox is None:
        return Reading(False, None, None)
    lines = getattr(marks, "read_seal_lines", None) or getattr(seal_text, "read_seal_lines", None)
    if lines is not None:
        kw: dict[str, Any] = {"units": units} if "units" in inspect.signature(lines).parameters else {}
        r = lines(box, seal.bbox, dpi, ocr_line, **kw)
        return Reading(True, list(seal.bbox), getattr(r, "name", None), getattr(r, "code", None),
                       getattr(r, "subtitle", None), list(getattr(r, "name_candidates", [])))
    text, _ = marks.read_seal_text(box, seal.bbox, dpi, ocr_line)
    return Reading(True, list(seal.bbox), text)


def _has_lines() -> bool:
    return hasattr(marks, "read_seal_lines") or hasattr(seal_text, "read_seal_lines")


# -- drawing -----------------------------------------------------------------------------------------------


@dataclass
class Blank:
    """An opinion box as printed (label, date, text), unstamped, and where its 公章 label's centre is."""

    image: np.ndarray
    label_center: tuple[int, int]


def blank_boxes(seed: int) -> list[Blank]:
    """Opinion boxes cut from ``FORMS`` printed forms: each form's two boxes, stamped with no ink, so
    the layout says where the seal would go (the 公章 label's centre) and the pixels hold none."""
    out: list[Blank] = []
    for f in range(FORMS):
        base = make_spec(seed + f)
        inkless = {key: OpinionSpec(SealSpec(unit="-", ink=0.0), getattr(base, key).date, getattr(base, key).date_style)
                   for key in ("applicant_opinion", "recommender_opinion")}
        spec = dataclasses.replace(base, applicant_opinion=inkless["applicant_opinion"],
                                   recommender_opinion=inkless["recommender_opinion"])
        pages, layout = render_form_layout(spec, dpi=RENDER_DPI)
        for key in ("applicant_opinion", "recommender_opinion"):
            entry = layout.fields[key]
            x0, y0, x1, y1 = entry["bbox"]
            sx0, sy0, sx1, sy1 = layout.seals[key]["bbox"]
            img = pages[entry["page"] - 1][y0:y1, x0:x1].copy()
            if f % 2:
                img = _opinion_text(img, random.Random(seed + f))
            out.append(Blank(img, ((sx0 + sx1) // 2 - x0, (sy0 + sy1) // 2 - y0)))
    return out


def _opinion_text(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """The unit's opinion typed in the box's upper part, beside and above where the seal goes (its last
    line may meet the seal's top, as on paper)."""
    h, w = img.shape[:2]
    k = RENDER_DPI / 25.4
    size = int(OPINION_PT * RENDER_DPI / 72)
    font = load_font(rng.choice(["noto-serif", "uming", "noto-sans"]), size)
    left = int(OPINION_LEFT * w)
    per_line = max(1, int((w - left - 8 * k) / size))
    text = rng.choice(OPINIONS)
    pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(pil)
    for i in range(0, min(len(text), OPINION_LINES * per_line), per_line):
        draw.text((left, int(OPINION_TOP_MM * k) + (i // per_line) * int(size * 1.6)), text[i:i + per_line],
                  fill=(25, 25, 25), font=font)
    return cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)


def batch_units(rng: random.Random) -> list[str]:
    pool = sorted({u[0] for units in corpus.UNITS.values() for u in units}
                  | {u for units in corpus.RECOMMENDERS.values() for u in units})
    return rng.sample(pool, min(len(pool), rng.randint(*BATCH_UNITS)))


def draw_case(cond: Condition, blank: Blank, unit: str, rng: random.Random,
              seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """One stamped, scanned box of ``cond`` and its seal's truth (page px of the scanned box)."""
    lower = cond.lower
    if lower == "subtitle_any":
        lower = rng.choice(["subtitle", "subtitle_arc"])
    seal = cond.change(real_seal(rng, unit, lower=lower, oval=cond.oval), rng)
    k = RENDER_DPI / 25.4
    center = (int(blank.label_center[0] + seal.offset_mm[0] * k), int(blank.label_center[1] + seal.offset_mm[1] * k))
    center = _inside(center, seal, blank.image.shape)
    stamped = draw_seal(blank.image, center=center, dpi=RENDER_DPI, style=seal, seed=seed)
    scanned = scan([stamped], mode=cond.mode, dpi=cond.dpi, src_dpi=RENDER_DPI, paper_tint=rng.uniform(0, 0.6),
                   noise=rng.uniform(2, 4), jpeg_quality=rng.choice([None, 80, 90]),
                   uneven_illumination=rng.uniform(0, 0.15), seed=seed)[0]
    if scanned.ndim == 2:
        scanned = cv2.cvtColor(scanned, cv2.COLOR_GRAY2BGR)
    f = cond.dpi / RENDER_DPI
    truth = seal_truth(seal, (center[0] * f, center[1] * f), cond.dpi)
    return scanned, truth


def _inside(center: tuple[int, int], seal: SealSpec, shape: tuple[int, ...]) -> tuple[int, int]:
    """``center`` moved (up, mostly) so the whole impression lies in the box: the name bench scores
    reading, not spilling (bench.marks has the seals that spill into the next box)."""
    x0, y0, x1, y1 = seal_bbox(seal, center, RENDER_DPI)
    margin = int(INSIDE_MARGIN_MM * RENDER_DPI / 25.4)
    dx = min(0, shape[1] - margin - x1) + max(0, margin - x0)
    dy = min(0, shape[0] - margin - y1) + max(0, margin - y0)
    return center[0] + dx, center[1] + dy


def iou(a: list[int], b: list[int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def run_condition(cond: Condition, n: int, seed: int, blanks: list[Blank], ocr_line: OcrLine,
                  dump: Path | None = None) -> Score:
    rng = random.Random(f"{seed}|{cond.name}")
    units = batch_units(rng)
    score = Score()
    for i in range(n):
        unit = rng.choice(units)
        box, truth = draw_case(cond, blanks[i % len(blanks)], unit, rng, seed * 1000 + i)
        t = time.monotonic()
        r = read_box(box, cond.dpi, cond.mode, ocr_line, units)
        score.read_s += time.monotonic() - t
        score.n += 1
        score.found += r.found
        right = r.found and r.bbox is not None and iou(r.bbox, truth["bbox"]) >= FOUND_MIN_IOU
        score.found_right += right
        score.exact += name_exact(r.name, unit)
        score.within1 += name_within(r.name, unit)
        if truth["code"]:
            score.coded += 1
            score.code_exact += r.code == truth["code"]
        if truth["subtitle"]:
            score.titled += 1
            score.subtitle_exact += clean_name(r.subtitle) == clean_name(truth["subtitle"])
        other = wrong_unit(r.name, unit, units, r.candidates)
        score.wrong_unit += other is not None
        own_flagged = bool(r.name) and flagged(r.name or "", r.candidates, unit, units)
        score.false_mismatch += own_flagged
        score.unsure += bool(r.name) and not own_flagged and flagged(r.name or "", r.candidates, unit, units, warned=True)
        if not name_exact(r.name, unit) or other or own_flagged:
            if dump is not None:
                dump.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(dump / f"{cond.name}_{i}.png"), box)
            lower = truth["code"] or truth["subtitle"] or "-"
            score.misses.append(f"{cond.name} #{i}: read {r.name!r} for {unit!r} ({truth['shape']} "
                                f"{truth['size_mm'][0]:.0f}x{truth['size_mm'][1]:.0f} mm, {truth['font']}, lower {lower}, "
                                f"rot {truth['rotation_deg']:.0f}, ink {truth['ink']:.2f}"
                                + (f", found={r.found}" if not right else "")
                                + (f"; TAKEN FOR {other!r}" if other else "")
                                + ("; flagged against its own unit" if own_flagged else "") + ")")
    return score


def run(n: int, seed: int, only: list[str] | None, engine: str, verbose: bool,
        dump: Path | None = None) -> dict[str, Score]:
    ocr_line = line_reader(get_engine(engine))
    t0 = time.monotonic()
    blanks = blank_boxes(seed)
    conds = [c for c in CONDITIONS if not only or c.name in only]
    scores: dict[str, Score] = {}
    print(f"seal names bench: seed {seed}, {n} seals per condition, OCR {engine}, reader "
          f"{'read_seal_lines' if _has_lines() else 'read_seal_text (as the name)'}")
    for cond in conds:
        scores[cond.name] = run_condition(cond, n, seed, blanks, ocr_line, dump)
        print(scores[cond.name].line(cond.name), flush=True)
    total = Score()
    for s in scores.values():
        total.add(s)
    print(total.line("all"))
    print(f"  ({time.monotonic() - t0:.0f} s; repeat with --seed {seed})")
    misses = [m for s in scores.values() for m in s.misses]
    for m in misses if verbose else misses[:20]:
        print("  " + m)
    if not verbose and len(misses) > 20:
        print(f"  ... {len(misses) - 20} more (-v)")
    return scores


def _conditions(text: str) -> Iterator[str]:
    known = {c.name for c in CONDITIONS}
    for name in text.split(","):
        if name not in known:
            raise argparse.ArgumentTypeError(f"unknown condition {name!r}; known: {', '.join(sorted(known))}")
        yield name


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10, help="seals per condition")
    ap.add_argument("--seed", type=int, default=None, help="repeat a run (default: a fresh random seed)")
    ap.add_argument("--only", type=lambda s: list(_conditions(s)), default=None,
                    help="comma-separated conditions: " + ", ".join(c.name for c in CONDITIONS))
    ap.add_argument("--engine", default="rapidocr", help="OCR engine for the ring's text")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    ap.add_argument("--dump", type=Path, default=None, help="write the scanned boxes of misses here (PNG)")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    run(args.n, seed, args.only, args.engine, args.verbose, args.dump)


if __name__ == "__main__":
    main()
