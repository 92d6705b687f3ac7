"""Accuracy of the marks readers (ticks, seals, seal text, dates) on generated opinion boxes and tick cells.

Run from the repository root: ``.venv/bin/python -m bench.marks [--forms 33] [--engine rapidocr]``;
``--names 10`` runs ``bench.seal_names`` instead (seal names per condition, issue 17).

Each generated form gives two opinion boxes and two tick cells, scanned in colour,
gray or bilevel in turn. The boxes cycle through the situations the issue lists:
plain, faint, partly inked, oval and spilling seals (over the date and the 公章
label, as printed), unsealed boxes (blank, with red or blue pen notes, with a red
underline and heading), and dense text with and without a seal; dates blank,
handwritten, printed or in Chinese numerals; ticks as ✓ × fill, across the edge,
in pencil, none or two. With 33 forms every situation meets every scan mode twice.
Prints seal precision/recall per mode, tick accuracy, date presence and value
accuracy, and the share of seal texts read within 2 characters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw
from rapidfuzz.distance import Levenshtein

from extract.marks import read_date, read_seal, read_seal_text, read_ticks
from extract.ocr import get_engine, line_reader
from forms import load_template
from samples.draw import render_form_layout
from samples.fonts import HAND_FONT, load_font
from samples.scan import scan
from samples.spec import OpinionSpec, SealSpec, make_spec

MODES = ("color", "gray", "bilevel")
# What each opinion box shows; cycled so that every kind meets every mode.
BOX_KINDS = ("plain", "faint", "partial", "oval", "spill", "none", "none_red_pen", "none_blue_pen",
             "none_red_lines", "dense_sealed", "dense_none")
TICK_STYLES = ("check", "cross", "fill", "overflow", "pencil")
DATE_STYLES = ("hand", "printed", "chinese", "blank")
RED_PEN_RGB = (200, 30, 35)
BLUE_PEN_RGB = (30, 50, 160)
DENSE_TEXT = ("经研究，同意推荐该技术参加“科创中国”先导技术榜单评选。该技术团队长期从事相关领域研究，"
              "成果已在多家企业应用，经济效益和社会效益显著，具有良好的推广前景。") * 3
SEAL_TEXT_MAX_EDITS = 2  # the bar: the unit's name read within 2 characters
DEFAULT_SEED = 500  # the forms every earlier figure of this bench was measured on


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, truth: bool, said: bool, what: str) -> None:
        if truth and said:
            self.tp += 1
        elif truth:
            self.fn += 1
            self.misses.append(f"missed {what}")
        elif said:
            self.fp += 1
            self.misses.append(f"false seal {what}")
        else:
            self.tn += 1

    def line(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        n = self.tp + self.fp + self.fn + self.tn
        return f"  {name:8s} boxes {n:3d} (sealed {self.tp + self.fn:3d})  precision {p:.3f}  recall {r:.3f}"


def box_spec(kind: str, unit: str, rng: random.Random, date_style: str) -> OpinionSpec:
    """The seal and date of one opinion box of ``kind``."""
    date = None if date_style == "blank" else dt.date(2020, 11, rng.randint(2, 18))
    style = "hand" if date_style == "blank" else date_style
    if kind.startswith("none") or kind == "dense_none":
        return OpinionSpec(None, date, style)
    seal = SealSpec(unit=unit, diameter_mm=rng.uniform(38.0, 45.0), ink=rng.uniform(0.75, 1.0),
                    coverage=rng.uniform(0.92, 1.0), rotation_deg=rng.uniform(-30, 30),
                    offset_mm=(rng.uniform(-6, 4), rng.uniform(-4, 3)))
    if kind == "faint":
        seal = replace(seal, ink=rng.uniform(0.3, 0.4))
    elif kind == "partial":
        # samples.seal: coverage c leaves the stamp un-inked where its tilt exceeds 4c - 3, so
        # 0.72-0.8 loses 40-55 % of the impression (below 0.7 most of the ring is gone)
        seal = replace(seal, coverage=rng.uniform(0.72, 0.8), ink=rng.uniform(0.6, 0.9))
    elif kind == "oval":
        seal = replace(seal, oval=True)
    elif kind == "spill":
        # centre still in its box, the ring well over the box's lower edge into the next box
        seal = replace(seal, offset_mm=(rng.uniform(6, 12), rng.uniform(3, 6)))
    return OpinionSpec(seal, date, style)


def draw_extras(page: np.ndarray, bbox: list[int], kind: str, dpi: int, rng: random.Random) -> np.ndarray:
    """Pen notes, red lines or dense text drawn into an opinion box of the clean page."""
    if kind not in ("none_red_pen", "none_blue_pen", "none_red_lines", "dense_sealed", "dense_none"):
        return page
    x0, y0, x1, y1 = bbox
    ppm = dpi / 25.4
    img = Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(img)
    left = x0 + int(0.35 * (x1 - x0))
    if kind in ("none_red_pen", "none_blue_pen"):
        ink = RED_PEN_RGB if kind == "none_red_pen" else BLUE_PEN_RGB
        font = load_font(HAND_FONT, int(6 * ppm))
        draw.text((left, y0 + int(14 * ppm)), "同意推荐。", fill=ink, font=font)
        sx, sy = left + int(40 * ppm), y0 + int(28 * ppm)
        pts = [(sx + i * ppm * 2.2, sy + (ppm * 3 if i % 2 else -ppm * 3) * rng.uniform(0.5, 1)) for i in range(12)]
        draw.line(pts, fill=ink, width=max(2, int(0.4 * ppm)), joint="curve")  # a signature scribble
    elif kind == "none_red_lines":
        font = load_font("noto-sans", int(4 * ppm), bold=True)
        draw.text((left, y0 + int(12 * ppm)), "推荐意见（重要）", fill=RED_PEN_RGB, font=font)
        draw.line([(left, y0 + int(19 * ppm)), (x1 - int(10 * ppm), y0 + int(19.5 * ppm))], fill=RED_PEN_RGB,
                  width=max(2, int(0.5 * ppm)))
    else:
        font = load_font("noto-serif", int(3.7 * ppm))
        per_line = int((x1 - left - 6 * ppm) / (3.7 * ppm))
        for i in range(7):
            text = DENSE_TEXT[i * per_line:(i + 1) * per_line]
            draw.text((left, y0 + int((3 + i * 5.2) * ppm)), text, fill=(20, 20, 20), font=font)
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def crop(pages: list[np.ndarray], entry: dict, dpi_scale: float = 1.0) -> np.ndarray:
    x0, y0, x1, y1 = entry["bbox"]
    img = pages[entry["page"] - 1]
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return img[y0:y1, x0:x1]


def committed_samples(ocr_line: Callable[[np.ndarray], tuple[str, float]], choices: dict[str, list[str]]) -> None:
    """The same measures on the committed batch (samples/truth.json, its field boxes on the scans)."""
    from ingest.scans import iter_pages

    root = Path(__file__).resolve().parent.parent / "samples"
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    seals: dict[str, Tally] = defaultdict(Tally)
    ticks_ok = ticks_n = dates_ok = dates_n = text_ok = text_n = 0
    for doc in truth["documents"]:
        boxes = doc.get("layout", {}).get("field_boxes")
        src = doc["source"]
        if not boxes or "files" in src:  # DOCX, or one image per page: not cropped here
            continue
        mode = doc["scan"]["mode"]
        wanted = set(src["pages"])
        # PDFs rendered at the resolution the scan was stored at: truth boxes are in those pixels
        pages = {p.number: p for p in iter_pages(root / src["file"], dpi=doc["scan"]["dpi"]) if p.number in wanted}
        for key in ("applicant_opinion", "recommender_opinion", "domain", "project_type"):
            entry = boxes[key]
            page = pages[src["pages"][entry["page"] - 1]]
            x0, y0, x1, y1 = entry["bbox"]
            box = page.image[max(0, y0):y1, max(0, x0):x1]
            if box.size == 0:
                print(f"  {doc['id']} {key}: box {entry['bbox']} is outside page {page.number} {page.size}, skipped")
                continue
            if key in choices:
                r = read_ticks(box, choices[key], page.dpi)
                ticks_n += 1
                ticks_ok += r.status == "read" and sorted(r.chosen) == sorted(doc["ticks"][key])
                continue
            seal = read_seal(box, page.dpi, mode)
            truth_seal = doc["seals"][key]["present"]
            seals[mode].add(truth_seal, seal.present, f"{doc['id']} {key} ({seal.reason})")
            if truth_seal and seal.present:
                text, _ = read_seal_text(box, seal.bbox, page.dpi, ocr_line)
                text_n += 1
                text_ok += text is not None and Levenshtein.distance(text, doc["seals"][key]["unit"]) <= 2
            date = read_date(box, page.dpi, ocr_line, seal_bbox=seal.bbox)  # as extract.page reads it
            dates_n += 1
            dates_ok += date.value == doc["dates"][key]
    print(f"committed samples ({root / 'truth.json'}):")
    for mode in MODES:
        print(seals[mode].line(mode))
    print(f"  ticks {ticks_ok}/{ticks_n}, dates (presence and value) {dates_ok}/{dates_n}, "
          f"seal text within 2 chars {text_ok}/{text_n}")
    for t in seals.values():
        for m in t.misses:
            print("  " + m)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=33, help="generated forms (2 boxes, 2 tick cells each)")
    ap.add_argument("--engine", default="rapidocr", help="OCR engine for dates and seal text")
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--seed", type=int, default=None, help="first form's seed (500); with --names, that bench's")
    ap.add_argument("--names", type=int, default=0, metavar="N",
                    help="instead: seal NAMES read per condition, N fresh seals each (bench.seal_names)")
    ap.add_argument("--start", type=int, default=0, help="first form index (to rerun one case)")
    ap.add_argument("--dump", type=Path, default=None, help="write the crops of seal misses here (PNG)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    ap.add_argument("--seals-only", action="store_true", help="seal presence alone (no OCR): quick tuning runs")
    ap.add_argument("--no-samples", action="store_true", help="skip the committed batch (samples/truth.json)")
    args = ap.parse_args()
    if args.names:
        from bench import seal_names

        seal_names.main(["--n", str(args.names), "--engine", args.engine]
                        + (["--seed", str(args.seed)] if args.seed is not None else []) + (["-v"] if args.verbose else []))
        return
    if args.seed is None:
        args.seed = DEFAULT_SEED
    engine = get_engine(args.engine)

    ocr_line = line_reader(engine)
    template = load_template("kczg-2020")
    choices = {k: list(template.field(k).choices or []) for k in ("domain", "project_type")}
    if not args.no_samples and not args.seals_only:
        committed_samples(ocr_line, choices)
    seals: dict[str, Tally] = defaultdict(Tally)
    ticks_ok = ticks_n = 0
    date_presence_ok = date_n = date_value_ok = date_value_n = date_month_day_ok = 0
    text_ok = text_n = 0
    misses: list[str] = []
    t_start = time.monotonic()
    timings: dict[str, float] = defaultdict(float)
    for f in range(args.start, args.start + args.forms):
        seed = args.seed + f
        rng = random.Random(seed)
        mode = MODES[f % len(MODES)]
        kinds = (BOX_KINDS[(2 * f) % len(BOX_KINDS)], BOX_KINDS[(2 * f + 1) % len(BOX_KINDS)])
        base = make_spec(seed)
        dom_choices = choices["domain"]
        tick_case = f % 7
        domain_ticks = [] if tick_case == 5 else rng.sample(dom_choices, 2) if tick_case == 6 else [base.domain]
        spec = replace(
            base,
            applicant_opinion=box_spec(kinds[0], base.applicant, rng, DATE_STYLES[f % 4]),
            recommender_opinion=box_spec(kinds[1], base.recommender, rng, DATE_STYLES[(f + 1) % 4]),
            tick_style=TICK_STYLES[f % len(TICK_STYLES)],
            domain_ticks=domain_ticks,
        )
        clean, layout = render_form_layout(spec, dpi=args.dpi)
        for key, kind in zip(("applicant_opinion", "recommender_opinion"), kinds, strict=True):
            entry = layout.fields[key]
            clean[entry["page"] - 1] = draw_extras(clean[entry["page"] - 1], entry["bbox"], kind, args.dpi, rng)
        scanned = scan(clean, mode=mode, dpi=args.dpi, src_dpi=args.dpi, paper_tint=rng.uniform(0, 0.8),
                       noise=rng.uniform(2, 5), jpeg_quality=rng.choice([None, 75, 90]),
                       uneven_illumination=rng.uniform(0, 0.2), seed=seed)
        for key, kind in zip(("applicant_opinion", "recommender_opinion"), kinds, strict=True):
            box = crop(scanned, layout.fields[key])
            where = f"form {f} {mode} {key} {kind}"
            t = time.monotonic()
            seal = read_seal(box, args.dpi, mode)
            timings["seal"] += time.monotonic() - t
            truth_seal = layout.seals[key]["present"]
            seals[mode].add(truth_seal, seal.present, f"{where} ({seal.reason})")
            if args.dump and truth_seal != seal.present:
                args.dump.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(args.dump / f"seal_{f}_{mode}_{key}_{kind}.png"), box)
            if args.seals_only:
                continue
            if truth_seal and seal.present:
                t = time.monotonic()
                text, _ = read_seal_text(box, seal.bbox, args.dpi, ocr_line)
                timings["seal_text"] += time.monotonic() - t
                unit = layout.seals[key]["unit"]
                text_n += 1
                if text is not None and Levenshtein.distance(text, unit) <= SEAL_TEXT_MAX_EDITS:
                    text_ok += 1
                else:
                    misses.append(f"seal text {where}: {text!r} for {unit!r}")
            t = time.monotonic()
            date = read_date(box, args.dpi, ocr_line, seal_bbox=seal.bbox)  # as extract.page reads it
            timings["date"] += time.monotonic() - t
            truth_date = layout.dates[key]["value"]
            date_n += 1
            if date.present == (truth_date is not None):
                date_presence_ok += 1
            else:
                misses.append(f"date presence {where}: said {date.present} raw {date.raw!r} ({date.reason})")
            if truth_date is not None:
                date_value_n += 1
                if date.value == truth_date:
                    date_value_ok += 1
                elif date.value is None and date.month_day == "-" + truth_date[4:]:  # --MM-DD
                    date_month_day_ok += 1  # the year unread; the checks judge it in the deadline's year
                    misses.append(f"date year {where}: month and day {date.month_day} only, raw {date.raw!r}")
                else:
                    misses.append(f"date value {where}: {date.value} raw {date.raw!r} for {truth_date}")
        for key in () if args.seals_only else ("domain", "project_type"):
            cell = crop(scanned, layout.fields[key])
            t = time.monotonic()
            reading = read_ticks(cell, choices[key], args.dpi)
            timings["ticks"] += time.monotonic() - t
            truth = spec.domain_ticks if key == "domain" else spec.project_type_ticks
            ticks_n += 1
            if reading.status == "read" and sorted(reading.chosen) == sorted(truth):
                ticks_ok += 1
            else:
                misses.append(f"ticks form {f} {mode} {key} {spec.tick_style}: {reading.chosen} for {truth} "
                              f"{reading.reason} {reading.scores}")
    total = time.monotonic() - t_start
    boxes = 2 * args.forms
    print(f"marks bench: {args.forms} forms, {boxes} opinion boxes, {2 * args.forms} tick cells, "
          f"dpi {args.dpi}, OCR {args.engine}, {total:.0f} s")
    print("seal presence:")
    for mode in MODES:
        print(seals[mode].line(mode))
    print(f"tick accuracy: {ticks_ok}/{ticks_n} = {ticks_ok / max(1, ticks_n):.3f}")
    print(f"date presence: {date_presence_ok}/{date_n} = {date_presence_ok / max(1, date_n):.3f}")
    print(f"date value:    {date_value_ok}/{date_value_n} = {date_value_ok / max(1, date_value_n):.3f}"
          f" (and {date_month_day_ok} with month and day right, the year unread)")
    print(f"seal text within {SEAL_TEXT_MAX_EDITS} chars: {text_ok}/{text_n} = {text_ok / max(1, text_n):.3f}")
    print("time per box: " + ", ".join(f"{k} {v / boxes:.2f} s" for k, v in timings.items()))
    all_misses = [m for t in seals.values() for m in t.misses] + misses
    if all_misses:
        print(f"misses ({len(all_misses)}):")
        for m in all_misses if args.verbose else all_misses[:15]:
            print("  " + m)


if __name__ == "__main__":
    main()
