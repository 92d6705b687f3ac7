"""End-to-end pages/min of paperdesk against OCRmyPDF and plain Tesseract, on the same pages, alternated, in one run.

    .venv/bin/python -m bench.throughput [--scans samples/scans] [--online samples/online.xlsx]
                                         [--fresh-seed N] [--fresh-forms K] [--rounds 2] [--jobs 2]

Two sets of pages: the committed samples (``--scans``; broken files, copies and DOCX left out,
as the other two cannot take them) and a fresh batch drawn like ``bench.robustness``'s
(``samples.variety``, seed printed; ``--fresh-forms 0`` leaves it out). On each set the
three tools run one after the other, ``--rounds`` times in a rotated order (A B C, B C A, ...),
so a machine that gets busier or quieter during the run weighs on all three alike:

- paperdesk: ``paperdesk run DIR --online EXPORT --jobs N -q`` into a fresh output folder
  (fresh store: nothing cached), the whole batch end to end (start-up, ingest, OCR, checks, reports);
- OCRmyPDF: ``ocrmypdf -l chi_sim --jobs N --force-ocr IN OUT.pdf`` for each file, one after the
  other. OCRmyPDF is installed with paperdesk (PyPI ``ocrmypdf``, its CLI in ``.venv/bin``; Debian's
  ``ocrmypdf`` package works as well), Ghostscript from Debian (``ghostscript``);
- Tesseract: ``tesseract PAGE.png - -l chi_sim`` for each page, one after the other
  (pages rendered to PNG at the same dpi beforehand, not timed).

Printed: wall seconds, pages/min and CPU seconds per page of each tool in each round, the ratios
paperdesk / OCRmyPDF and paperdesk / Tesseract (goal of issue 14: ≥ 3 × OCRmyPDF, at least 1.5),
and paperdesk's CPU seconds per page by stage, measured in this process on ``--profile-pages``
pages of the set (ingest, page preparation and the rest of reading, text detection, text
recognition, Tesseract's second opinion) beside the end-to-end CPU per page.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import cv2

from bench.common import (
    DEFAULT_EXPORT,
    DEFAULT_SCANS,
    adopting_orphans,
    check,
    children_cpu,
    measure,
    paperdesk_run,
    per_minute,
    results,
)
from forms.errors import BadInputError
from ingest.files import discover, file_sha256, sniff
from ingest.scans import iter_pages, page_count
from paperdesk.parallel import OMP_THREADS_PER_WORKER

DPI = 300  # paperdesk's default; Tesseract gets pages rendered at the same resolution
# Pages read in this process to split paperdesk's CPU by stage (a sample: the split, not the total).
PROFILE_PAGES = 6
# The goal and its floor for calling it resolved.
GOAL_RATIO, FLOOR_RATIO = 3.0, 1.5


def readable_scans(scans: Path) -> list[tuple[Path, str, int]]:
    """(file, kind, pages) for every scan all three tools can take (copies once: paperdesk skips them)."""
    found: list[tuple[Path, str, int]] = []
    seen: set[str] = set()
    for path in discover([scans]):
        digest = file_sha256(path)
        if digest in seen:
            print(f"  left out {path.name}: a copy")
            continue
        seen.add(digest)
        try:
            kind = sniff(path)
            if kind != "docx":
                found.append((path, kind, page_count(path)))
        except BadInputError as exc:
            print(f"  left out {path.name}: {exc}")
    return found


def run_paperdesk(batch: Path, export: Path, out: Path, jobs: int, engine: str, pages: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``paperdesk run`` on the batch (fresh output folder and store)."""
    shutil.rmtree(out, ignore_errors=True)
    m = measure(paperdesk_run([batch], export, out, "--jobs", str(jobs), "-q", "--ocr-engine", engine, "--dpi", str(DPI)))
    check(m, "paperdesk run")
    read = results(out)["batch"]["pages"]
    assert read == pages, f"paperdesk read {read} pages, expected {pages}"
    return m.seconds, m.cpu_seconds


def ocrmypdf_cli() -> str:
    """OCRmyPDF's command: the venv's (PyPI) beside this Python, else the one on PATH (Debian)."""
    beside = Path(sys.executable).parent / "ocrmypdf"
    found = str(beside) if beside.exists() else shutil.which("ocrmypdf")
    if found is None:
        raise SystemExit("ocrmypdf is not installed: pip install ocrmypdf (or apt-get install ocrmypdf)")
    return found


def run_ocrmypdf(files: list[tuple[Path, str, int]], jobs: int, work: Path) -> tuple[float, float]:
    t0, c0 = time.monotonic(), children_cpu()
    with adopting_orphans():  # its workers counted as paperdesk's are, whoever waits for them
        for i, (path, kind, _) in enumerate(files):
            argv = [ocrmypdf_cli(), "-l", "chi_sim", "--jobs", str(jobs), "--force-ocr", "-q"]
            if kind == "image":
                argv += ["--image-dpi", str(DPI)]
            subprocess.run([*argv, str(path), str(work / f"ocrmypdf-{i}.pdf")], check=True)
        seconds = time.monotonic() - t0
    return seconds, children_cpu() - c0


def render_pngs(files: list[tuple[Path, str, int]], work: Path) -> list[Path]:
    pngs = []
    for i, (path, _, _) in enumerate(files):
        for page in iter_pages(path, dpi=DPI):
            png = work / f"page-{i}-{page.number}.png"
            cv2.imwrite(str(png), page.image)
            pngs.append(png)
    return pngs


def run_tesseract(pngs: list[Path]) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}  # Tesseract as installed
    t0, c0 = time.monotonic(), children_cpu()
    for png in pngs:
        subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim"], check=True, capture_output=True, env=env)
    return time.monotonic() - t0, children_cpu() - c0


# Keys of the stage profile's recognition split by the step that asked for it.
RECOGNITION_BY, CALLS_BY, LINES_BY = "recognition by ", "recognition calls by ", "recognition lines by "
# The steps of read_page (extract.page's names for them) whose CPU the profile splits out of "the rest",
# each including whatever detection or recognition it asks for (issue 14: which step to make cheaper).
PAGE_STEPS = {
    "prepare": "  prepare (deskew, red ink, flatten)",
    "find_grid": "  grid",
    "read_opinion": "  opinion boxes (seal, ring text, date)",
    "read_choice": "  choices (ticks)",
    "crop_png": "  crops (PNG)",
}


def caller() -> str:
    """The reading step that called the OCR engine: the innermost ``extract`` function outside the
    engine's own modules (``extract/ocr*.py``), as ``module.function``."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.parent.name in ("extract", "marks") and not path.name.startswith("ocr"):
            return f"{path.stem}.{frame.f_code.co_name}"
        frame = frame.f_back
    return "other"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


@contextlib.contextmanager
def as_a_worker() -> Iterator[None]:
    """This process set up as a page worker is (``paperdesk.parallel.limit_worker_threads``): Tesseract
    single-threaded. Without it the profile's Tesseract ran on every core and its second opinion cost
    0.58 CPU s/page where a worker spends ~0.15-0.2 (0.54 against 0.29 CPU s for one crop)."""
    before = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = OMP_THREADS_PER_WORKER
    try:
        yield
    finally:
        if before is None:
            del os.environ["OMP_THREAD_LIMIT"]
        else:
            os.environ["OMP_THREAD_LIMIT"] = before


def stage_profile(files: list[tuple[Path, str, int]], engine: str, limit: int) -> tuple[int, dict[str, float]]:
    """CPU seconds by stage of reading up to ``limit`` pages in this process (models loaded first), each
    page as a worker reads it: ``stages.read_page_task`` with the batch's options (a page read with no
    label is read again turned; the buffers released after it), Tesseract single-threaded."""
    import extract.ocr_models as models_mod
    import extract.page as page_mod
    from forms.template import load_template
    from paperdesk.stages import default_stages, read_page_task

    spent: dict[str, float] = defaultdict(float)

    def timed(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            c0 = _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[stage] += _cpu() - c0
        return wrapper

    template = load_template("kczg-2020")
    options = default_stages().extract_options(engine, None)
    c0 = _cpu()
    models_mod.models()  # loaded once per worker: start-up, not per page
    spent["model load (once)"] = _cpu() - c0
    originals = models_mod.Models.detect, models_mod.Models.recognize
    recognize = timed("text recognition", originals[1])

    def measured(self: models_mod.Models, lines: Any) -> Any:
        # What recognition was given, in line heights (each line padded to the model's least width):
        # its cost without the machine's noise (issue 14: read only what is unknown).
        heights = sum(max(models_mod.REC_MIN_RATIO, im.shape[1] / max(1, im.shape[0])) for im in lines if im.size)
        spent["recognition input (line heights)"] += heights
        # Which step asked, so a re-read path's cost and how often it fires show (issue 14).
        c0 = _cpu()
        try:
            return recognize(self, lines)
        finally:
            site = caller()
            spent[f"{RECOGNITION_BY}{site}"] += _cpu() - c0
            spent[f"{CALLS_BY}{site}"] += 1
            spent[f"{LINES_BY}{site}"] += len(lines)

    models_mod.Models.detect = timed("text detection", originals[0])  # type: ignore[method-assign]
    models_mod.Models.recognize = measured  # type: ignore[method-assign]
    steps = {name: getattr(page_mod, name) for name in PAGE_STEPS}
    for name, fn in steps.items():
        setattr(page_mod, name, timed(PAGE_STEPS[name], fn))
    done = 0
    try:
        with as_a_worker():
            for path, _, _ in files:
                pages = iter_pages(path, dpi=DPI)
                while done < limit:
                    c0 = _cpu()
                    page = next(pages, None)
                    spent["ingest (render, upright)"] += _cpu() - c0
                    if page is None:
                        break
                    c0, k0 = _cpu(), children_cpu()
                    read_page_task(page, template, options)
                    spent["read_page total"] += _cpu() - c0
                    spent["tesseract (second opinion)"] += children_cpu() - k0
                    done += 1
                if done >= limit:
                    break
    finally:
        models_mod.Models.detect, models_mod.Models.recognize = originals  # type: ignore[method-assign]
        for name, fn in steps.items():
            setattr(page_mod, name, fn)
    return done, dict(spent)


def compare(name: str, root: Path, export: Path, work: Path, args: argparse.Namespace) -> None:
    files = readable_scans(root)
    pages = sum(n for _, _, n in files)
    batch = work / f"{name}-scans"
    for path, _, _ in files:
        copy = batch / path.relative_to(root)  # sub-folders kept: a folder of page files is one stack
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)  # a copy: the samples may be regenerated while this runs
    pngs = render_pngs(files, work)
    print(f"\n== {name}: {len(files)} files, {pages} pages, --jobs {args.jobs}, {os.cpu_count()} cores", flush=True)
    tools: dict[str, Callable[[], tuple[float, float]]] = {
        "paperdesk": lambda: run_paperdesk(batch, export, work / f"{name}-out", args.jobs, args.ocr_engine, pages),
        "ocrmypdf": lambda: run_ocrmypdf(files, args.jobs, work),
        "tesseract": lambda: run_tesseract(pngs),
    }
    names = list(tools)
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for tool in order:
            seconds, cpu_s = tools[tool]()
            wall[tool].append(seconds)
            cpu[tool].append(cpu_s)
            print(f"  round {r + 1} {tool:10s} {seconds:7.1f} s  {per_minute(pages, seconds):6.1f} pages/min"
                  f"  {cpu_s / pages:5.1f} CPU s/page", flush=True)
        ours = per_minute(pages, wall["paperdesk"][-1])
        print(f"  round {r + 1} paperdesk / ocrmypdf = {ours / per_minute(pages, wall['ocrmypdf'][-1]):.2f}"
              f"  paperdesk / tesseract = {ours / per_minute(pages, wall['tesseract'][-1]):.2f}", flush=True)
    rate = {t: per_minute(pages * len(wall[t]), sum(wall[t])) for t in names}
    print(f"-- {name}, {args.rounds} rounds: " + "  ".join(
        f"{t} {rate[t]:.1f} pages/min ({sum(cpu[t]) / (pages * len(cpu[t])):.1f} CPU s/page)" for t in names))
    ratio = rate["paperdesk"] / rate["ocrmypdf"]
    print(f"   paperdesk / ocrmypdf = {ratio:.2f} (goal ≥ {GOAL_RATIO}, resolved ≥ {FLOOR_RATIO})"
          f"   paperdesk / tesseract = {rate['paperdesk'] / rate['tesseract']:.2f}")
    done, spent = stage_profile(files, args.ocr_engine, args.profile_pages)
    print(f"   paperdesk CPU s/page by stage ({done} pages read in this process; end to end "
          f"{sum(cpu['paperdesk']) / (pages * len(cpu['paperdesk'])):.2f} with start-up, checks and reports):")
    other = spent.get("read_page total", 0.0) - spent.get("text detection", 0.0) - spent.get("text recognition", 0.0)
    rows = {**spent, "read_page rest (prepare, grid, marks)": other}
    for stage in ("ingest (render, upright)", "text detection", "text recognition", "read_page rest (prepare, grid, marks)",
                  *PAGE_STEPS.values(), "tesseract (second opinion)", "read_page total"):
        print(f"     {stage:40s} {rows.get(stage, 0.0) / max(1, done):6.2f}")
    print("     (the indented steps are parts of read_page, each with the detection and recognition it asks for)")
    print(f"     {'model load (once per worker)':40s} {spent.get('model load (once)', 0.0):6.2f} s")
    print(f"     {'recognition input, line heights/page':40s} {spent.get('recognition input (line heights)', 0.0) / max(1, done):6.0f}")
    print("     text recognition by the step that asked: CPU s/page, calls/page, lines/page")
    for key in sorted((k for k in spent if k.startswith(RECOGNITION_BY)), key=lambda k: -spent[k]):
        site = key[len(RECOGNITION_BY):]
        print(f"       {site:38s} {spent[key] / max(1, done):6.2f} {spent[CALLS_BY + site] / max(1, done):6.1f}"
              f" {spent[LINES_BY + site] / max(1, done):6.1f}")


def fresh_batch(work: Path, seed: int, forms: int) -> tuple[Path, Path]:
    """A varied batch like bench.robustness draws (``forms`` forms of the ``combined`` condition):
    its scans folder and its online export."""
    from samples.variety import write_varied_batch

    out = work / "fresh"
    write_varied_batch(out, seed, ["combined"], forms)
    return out / "scans", out / "online.xlsx"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=Path, default=DEFAULT_SCANS)
    parser.add_argument("--online", type=Path, default=DEFAULT_EXPORT)
    parser.add_argument("--fresh-seed", type=int, default=None, help="seed of the fresh batch (default: random, printed)")
    parser.add_argument("--fresh-forms", type=int, default=4, help="forms in the fresh batch; 0 leaves it out")
    parser.add_argument("--rounds", type=int, default=2, help="times each tool runs on each set, order rotated")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--ocr-engine", default="hybrid")
    parser.add_argument("--profile-pages", type=int, default=PROFILE_PAGES)
    args = parser.parse_args(argv)
    ocrmypdf_cli()

    with tempfile.TemporaryDirectory(prefix="paperdesk-bench-") as tmp:
        work = Path(tmp)
        export = work / f"online{args.online.suffix}"
        shutil.copy(args.online, export)
        (work / "samples").mkdir()
        compare("samples", args.scans, export, work / "samples", args)
        if args.fresh_forms > 0:
            seed = args.fresh_seed if args.fresh_seed is not None else random.SystemRandom().randrange(1, 10**6)
            print(f"\nfresh batch: seed {seed}, {args.fresh_forms} forms", flush=True)
            scans, fresh_export = fresh_batch(work, seed, args.fresh_forms)
            (work / "fresh-run").mkdir()
            compare("fresh", scans, fresh_export, work / "fresh-run", args)


if __name__ == "__main__":
    main()
