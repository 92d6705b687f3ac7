"""Accuracy and CPU of reading the sample batch, per OCR engine.

    .venv/bin/python -m bench.accuracy [--engine tesseract rapidocr hybrid] [--docs F01 F02] [--truth samples/truth.json]

For every scanned form in ``samples/truth.json`` the form's pages are read
(``ingest.iter_pages``, ``extract.read_page``, ``extract.assemble``) and each
text field compared with the truth: character error rate = edit distance /
truth length, whitespace removed. Printed per engine: CER per field (mean over
forms), the mean over fields, pooled by characters, the worst field, split
into clean pages (colour 300 dpi) and degraded ones (gray, bilevel, 200 dpi);
exact-match rate of the short fields; CPU seconds per page (this process and
its Tesseract children) against plain full-page ``tesseract -l chi_sim`` on
the same pages (one run, so ratios, not precise timings).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from rapidfuzz.distance import Levenshtein

from extract import ExtractOptions, assemble, read_page
from extract.reading import PageReading
from forms.template import load_template
from ingest import Page, iter_pages

TEXT_KEYS = ["tech_name", "industry", "trl", "contact", "phone", "address", "email",
             "team_intro", "ip", "awards", "tech_level", "tech_benefit"]
SHORT_KEYS = ["tech_name", "contact", "phone", "email", "trl"]
ENGINES = ["tesseract", "rapidocr", "hybrid"]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def cpu_now() -> float:
    """CPU seconds of this process and its waited-for children (Tesseract runs as a child)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Result:
    cer: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    chars: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    exact: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    cpu: float = 0.0
    pages: int = 0
    misses: list[str] = field(default_factory=list)


def doc_pages(root: Path, doc: dict) -> list[Page]:
    src = doc["source"]
    if "files" in src:
        pages = [p for f in src["files"] for p in iter_pages(root / f)]
        for i, p in enumerate(pages, 1):
            p.number = i
        return pages
    wanted = set(src["pages"])
    return [p for p in iter_pages(root / src["file"]) if p.number in wanted]


def condition(doc: dict) -> str:
    scan = doc.get("scan") or {}
    return "clean" if scan.get("mode") == "color" and scan.get("dpi") == 300 else "degraded"


def run_engine(engine: str, docs: list[dict], root: Path, pages_by_doc: dict[str, list[Page]]) -> dict[str, Result]:
    template = load_template("kczg-2020")
    options = ExtractOptions(ocr_engine=engine)
    results: dict[str, Result] = defaultdict(Result)
    for doc in docs:
        res = results[condition(doc)]
        pages = pages_by_doc[doc["id"]]
        start = cpu_now()
        readings: list[PageReading] = [read_page(p, template, options) for p in pages]
        res.cpu += cpu_now() - start
        res.pages += len(pages)
        form = assemble(doc["id"], doc["source"]["file"], readings, template)
        for key in TEXT_KEYS:
            truth = squash(str(doc["fields"].get(key, "")))
            fr = form.fields[key]
            got = squash(str(fr.raw or ""))
            if key in SHORT_KEYS:
                res.exact[key].append(got == truth)
            if not truth:
                continue
            dist = Levenshtein.distance(got, truth)
            res.cer[key].append(dist / len(truth))
            res.errors[key] += dist
            res.chars[key] += len(truth)
            if got != truth and (key in SHORT_KEYS or dist / len(truth) > 0.05):
                res.misses.append(f"{doc['id']} {key}: {got[:40]!r} vs {truth[:40]!r}")
        print(f"  {engine} {doc['id']} ({condition(doc)}) done", flush=True)
    return results


def baseline_cpu(pages: list[Page]) -> float:
    """CPU seconds of plain ``tesseract IMAGE - -l chi_sim`` over the pages."""
    start = cpu_now()
    with tempfile.TemporaryDirectory() as tmp:
        for i, p in enumerate(pages):
            path = Path(tmp) / f"p{i}.png"
            cv2.imwrite(str(path), p.image)
            subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim"], capture_output=True, check=False)
    return cpu_now() - start


def report(engine: str, results: dict[str, Result]) -> None:
    print(f"\n== {engine}")
    for cond, res in sorted(results.items()):
        means = {k: sum(v) / len(v) for k, v in res.cer.items() if v}
        if not means:
            continue
        pooled = sum(res.errors.values()) / max(1, sum(res.chars.values()))
        worst = max(means, key=lambda k: means[k])
        print(f"-- {cond}: {len(next(iter(res.cer.values())))} forms, {res.pages} pages")
        print("   " + "  ".join(f"{k}={means[k]:.2%}" for k in TEXT_KEYS if k in means))
        print(f"   mean CER over fields {sum(means.values()) / len(means):.2%}, pooled by characters {pooled:.2%}, "
              f"worst {worst} {means[worst]:.2%}")
        print("   short fields exact: " + "  ".join(
            f"{k} {sum(v)}/{len(v)}" for k, v in res.exact.items()))
        print(f"   CPU {res.cpu / max(1, res.pages):.1f} s/page")
        for m in res.misses[:12]:
            print("   miss", m)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", nargs="+", choices=ENGINES, default=ENGINES)
    ap.add_argument("--docs", nargs="*", help="document ids of truth.json (default: every scanned form)")
    ap.add_argument("--truth", type=Path, default=Path("samples/truth.json"))
    ap.add_argument("--no-baseline", action="store_true", help="skip the plain-tesseract CPU baseline")
    args = ap.parse_args(argv)
    truth = json.loads(args.truth.read_text(encoding="utf-8"))
    root = args.truth.parent
    docs = [d for d in truth["documents"] if (d.get("scan") or {}).get("mode") in ("color", "gray", "bilevel")]
    if args.docs:
        docs = [d for d in docs if d["id"] in args.docs]
    pages_by_doc = {d["id"]: doc_pages(root, d) for d in docs}
    all_pages = [p for d in docs for p in pages_by_doc[d["id"]]]
    print(f"{len(docs)} forms, {len(all_pages)} pages")
    base = None
    if not args.no_baseline:
        base = baseline_cpu(all_pages) / max(1, len(all_pages))
        print(f"plain tesseract -l chi_sim: {base:.1f} CPU s/page")
    for engine in args.engine:
        results = run_engine(engine, docs, root, pages_by_doc)
        report(engine, results)
        total_cpu = sum(r.cpu for r in results.values())
        total_pages = sum(r.pages for r in results.values())
        per_page = total_cpu / max(1, total_pages)
        ratio = f" = {per_page / base:.1f}x plain tesseract" if base else ""
        print(f"   all pages: {per_page:.1f} CPU s/page{ratio}")


if __name__ == "__main__":
    main()
