"""Every process's peak memory on real pages, and peak memory of a small and a large batch.

    .venv/bin/python -m bench.memory [--source samples/scans/form01.pdf] [--online samples/online.xlsx]
                                     [--worker-pages 5] [--hires-pages 2] [--small 10] [--large 200] [--jobs 2]
                                     [--fresh-seed N] [--input LABEL=FILE ...] [--before DIR] [--table-only]

First one table (issue 14's goal: every process of a run at most 400 MiB): for each input,
``paperdesk run --jobs 1`` and ``paperdesk run --jobs 2``, and per run the peak resident memory
(VmHWM, sampled from ``/proc`` while each process lives) of the parent (the process a clerk
starts) and of the largest child (a page worker), the largest single process as the kernel
says it (``/usr/bin/time``'s maximum resident set size, exact), wall and CPU seconds (the
parent and every process it started). The inputs: ``--worker-pages`` pages of ``--source``,
one page of it scanned at 600 dpi, and with ``--fresh-seed`` a fresh batch drawn by
``samples.variety`` (five of its pages stacked into one PDF, and its 3-frame 600-dpi colour
TIFF); ``--input`` adds files of one's own. With ``--before DIR`` (a source tree of the code
before, e.g. ``git archive main | tar -x -C DIR``) each run is made with both trees, before and
after alternately, and the table shows both. ``--table-only`` stops after the table.

Then where a worker's memory goes: ``bench.memory_stages`` in a child process does what one pool
worker does on the same pages (imports, models, each page rendered and read) and prints, per stage,
the peak resident memory during it and the resident memory after it (the kernel's VmHWM, reset
around each stage, so numpy's and ONNX Runtime's buffers count), for the 300-dpi and the 600-dpi
pages side by side.

Then two stacked PDFs from the same pages (PDFium copies pages without re-encoding them),
``paperdesk run --jobs N`` on each into a fresh folder, sampling the resident memory of
paperdesk, of the largest single process (paperdesk or one worker), and of paperdesk plus its
workers. Goal (issue 8): the large batch's peaks within 10 % of the small one's.
``--large 0`` leaves the batches out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
import pypdfium2
from PIL import Image

from bench.common import (
    DEFAULT_EXPORT,
    DEFAULT_SCANS,
    ROOT,
    _hwm,
    adopting_orphans,
    check,
    children_cpu,
    measure,
    mib,
    paperdesk_run,
    results,
)
from bench.memory_stages import STAGES

# Allowed growth from the small batch to the large one (issue 8).
GOAL_GROWTH = 0.10
# A worker's peak resident memory (issue 14): eight workers on an 8 GB office PC, with room to spare.
GOAL_WORKER_MIB = 400


def stack(source: Path, pages: int, target: Path) -> Path:
    src = pypdfium2.PdfDocument(source)
    out = pypdfium2.PdfDocument.new()
    n = len(src)
    while len(out) < pages:
        take = min(n, pages - len(out))
        out.import_pages(src, list(range(take)))
    out.save(target)
    out.close()
    src.close()
    return target


# The resolution of the fine scan: the finest a clerk's scanner offers for paper forms.
HIRES_DPI = 600


def hires_scan(source: Path, pages: int, target: Path) -> Path:
    """The first ``pages`` pages of ``source`` rendered at ``HIRES_DPI`` into a multi-page TIFF
    that says its dpi (gray where the page has no colour), as a scanner set to 600 dpi writes it."""
    src = pypdfium2.PdfDocument(source)
    frames = []
    for i in range(min(pages, len(src))):
        bitmap = src[i].render(scale=HIRES_DPI / 72, grayscale=False, rev_byteorder=True)
        rgb = np.array(bitmap.to_numpy()[:, :, :3])
        bitmap.close()
        gray = bool((rgb[::8, ::8].max(axis=2) - rgb[::8, ::8].min(axis=2) <= 16).all())
        frames.append(Image.fromarray(rgb[:, :, 0] if gray else rgb))
    src.close()
    frames[0].save(target, save_all=True, append_images=frames[1:], dpi=(HIRES_DPI, HIRES_DPI), compression="tiff_deflate")
    return target


# How often each process's VmHWM is read: the kernel keeps the high-water mark, so a sample only has
# to come before the process ends (a worker lives until the batch's pages are read).
PEAK_SAMPLE_S = 0.05


@dataclass
class RunPeaks:
    """One ``paperdesk run``: the peak resident memory of the parent and of each child process."""

    parent_kib: int
    children_kib: list[int] = field(default_factory=list)  # the page workers (Python), largest first
    tools_kib: dict[str, int] = field(default_factory=dict)  # other children by name (tesseract), their largest
    largest_kib: int = 0  # the largest single process: /usr/bin/time's maximum RSS (the waited ones) or a sample
    seconds: float = 0.0
    cpu_seconds: float = 0.0


@dataclass
class _Seen:
    """What the samples saw of one process: its name, parent, peak."""

    name: str
    ppid: int
    samples: int = 0
    hwm_kib: int = 0


# A page worker lives as long as the batch reads (tens of seconds); a Python process seen for less than a
# second is a fork on its way to exec (Tesseract, ctypes' ldconfig), which shows its parent's memory for a
# moment (slow to exec on a loaded machine).
WORKER_MIN_SAMPLES = 20


def _sample(pid: int, seen: dict[int, _Seen]) -> None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        hwm = _hwm(pid) // 1024
    except OSError:
        return
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()  # from field 3 (state) on
    ppid = int(fields[1])
    s = seen.setdefault(pid, _Seen(name, ppid))
    if s.name != name:  # it exec'd (a fork on its way to Tesseract): a new program, a new peak
        s.name, s.samples, s.hwm_kib = name, 0, 0
    s.samples += 1
    s.hwm_kib = max(s.hwm_kib, hwm)


def run_peaks(argv: list[str], cwd: Path) -> RunPeaks:
    """Run ``argv`` under ``/usr/bin/time`` in ``cwd``; every process's VmHWM, sampled while it lives.

    CPU: every process of the run, the ones paperdesk never waits for too (multiprocessing's fork
    server and its workers: adopted and reaped here, ``bench.common.adopting_orphans``)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        timed = ["/usr/bin/time", "-o", timing.name, "-f", "%M %U %S", *argv]
        t0, cpu0 = time.monotonic(), children_cpu()
        with adopting_orphans():
            proc = psutil.Popen(timed, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            seen: dict[int, _Seen] = {}
            while proc.poll() is None:
                try:
                    tree = proc.children(recursive=True)
                except psutil.NoSuchProcess:
                    break
                for child in tree:
                    _sample(child.pid, seen)
                time.sleep(PEAK_SAMPLE_S)
            _, stderr = proc.communicate()
            seconds = time.monotonic() - t0
        cpu = children_cpu() - cpu0
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{stderr[-2000:]}")
        largest = timing.read().split()[-3]
    parent = next((pid for pid, s in seen.items() if s.ppid == proc.pid), -1)  # /usr/bin/time's one child
    python = {pid for pid, s in seen.items() if s.name.startswith("python")}
    lived = {pid for pid in python - {parent} if seen[pid].samples >= WORKER_MIN_SAMPLES}  # workers, fork server
    workers = sorted((seen[pid].hwm_kib for pid in lived), reverse=True)
    tools: dict[str, int] = {}
    for s in seen.values():
        if not s.name.startswith("python"):
            tools[s.name] = max(tools.get(s.name, 0), s.hwm_kib)
    top = max([int(largest), *(s.hwm_kib for s in seen.values() if s.samples >= WORKER_MIN_SAMPLES)])
    return RunPeaks(seen[parent].hwm_kib if parent in seen else 0, workers, tools, top, seconds, cpu)


def process_table(inputs: dict[str, tuple[Path, int]], export: Path, work: Path, trees: dict[str, Path],
                  engine: str) -> None:
    """Per input (label -> file, pages) and per ``--jobs`` 1 and 2, each code tree's runs made alternately:
    the parent's peak, the largest child's, the largest process (exact), wall and CPU s/page."""
    print(f"\nevery process's peak resident memory, MiB (goal ≤ {GOAL_WORKER_MIB} each; load {os.getloadavg()[0]:.1f}):")
    print("(parent: the process a clerk starts; worker: the largest page worker it started; largest: the largest single"
          " process, from /usr/bin/time (exact, the processes it waited for) or a sample; tools: other children)")
    print(f"{'input':34s} {'jobs':>4s} {'code':>7s} {'parent':>8s} {'worker':>8s} {'largest':>8s} {'wall s':>7s} {'CPU s/pg':>8s}"
          "  tools")
    for label, (scan, pages) in inputs.items():
        for jobs in (1, 2):
            for name, tree in trees.items():
                out = work / f"out-{len(list(work.iterdir()))}"
                argv = paperdesk_run([scan], export, out, "--jobs", str(jobs), "-q", "--ocr-engine", engine,
                                     "--db", f"sqlite:///{out}.db")
                m = run_peaks(argv, tree)
                child = f"{m.children_kib[0] / 1024:8.1f}" if m.children_kib else f"{'-':>8s}"
                top = max(m.largest_kib, m.parent_kib, *m.children_kib)
                flag = "" if top / 1024 <= GOAL_WORKER_MIB else "  over"
                print(f"{label:34s} {jobs:4d} {name:>7s} {m.parent_kib / 1024:8.1f} {child} {m.largest_kib / 1024:8.1f} "
                      f"{m.seconds:7.1f} {m.cpu_seconds / pages:8.2f}  "
                      + " ".join(f"{name} {kib / 1024:.0f}" for name, kib in sorted(m.tools_kib.items())) + flag, flush=True)


def pages_of(path: Path) -> int:
    """Pages of a PDF, frames of an image file."""
    if path.suffix.lower() == ".pdf":
        pdf = pypdfium2.PdfDocument(path)
        n = len(pdf)
        pdf.close()
        return n
    with Image.open(path) as im:
        return int(getattr(im, "n_frames", 1))


def fresh_inputs(work: Path, seed: int) -> dict[str, tuple[Path, int]]:
    """A fresh batch (``samples.variety``, seed ``seed``): five of its pages of 300-dpi conditions stacked
    into one PDF, and its 3-frame 600-dpi colour TIFF."""
    from samples.variety import write_varied_batch

    out = work / "fresh"
    write_varied_batch(out, seed, ["base", "gray", "falloff", "dpi_high"], 1)
    merged = pypdfium2.PdfDocument.new()
    for pdf in sorted((out / "scans").glob("*/*.pdf")):
        src = pypdfium2.PdfDocument(pdf)
        merged.import_pages(src, list(range(min(len(src), 5 - len(merged)))))
        src.close()
        if len(merged) >= 5:
            break
    pages = len(merged)
    merged.save(work / "fresh.pdf")
    merged.close()
    (tiff,) = (out / "scans" / "dpi_high").glob("*.tif")
    frames = pages_of(tiff)
    return {f"{pages} fresh pages (seed {seed})": (work / "fresh.pdf", pages),
            f"{frames}-frame 600-dpi colour TIFF (seed {seed})": (tiff, frames)}


def stage_table(scans: dict[str, tuple[Path, int]], engine: str) -> None:
    """Per stage, peak and after (MiB) of a worker on each of ``scans`` (label -> file, pages)."""
    columns = {}
    for label, (scan, pages) in scans.items():
        argv = [sys.executable, "-m", "bench.memory_stages", str(scan), "--pages", str(pages), "--ocr-engine", engine]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"bench.memory_stages failed on {scan}:\n{done.stderr[-2000:]}")
        columns[label] = json.loads(done.stdout)
    print("\na worker's resident memory by stage, MiB (peak during the stage, the largest over the pages / after it):")
    print(f"{'stage':16s}" + "".join(f"{label:>24s}" for label in columns))
    for stage in STAGES:
        cells = []
        for data in columns.values():
            peak, after = data["peak"].get(stage), data["after"].get(stage)
            cells.append(f"{peak / 1024:10.1f} / {after / 1024:7.1f}    " if peak is not None else f"{'-':>24s}")
        print(f"{stage:16s}" + "".join(f"{c:>24s}" for c in cells))
    for label, data in columns.items():
        top = max(data["peak"].values())
        heavy = ", ".join(data["heavy_modules"]) or "none"
        print(f"{label}: worker peak {top / 1024:.1f} MiB over {data['pages']} pages; heavy modules imported: {heavy}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=DEFAULT_SCANS / "form01.pdf")
    parser.add_argument("--online", type=Path, default=DEFAULT_EXPORT)
    parser.add_argument("--worker-pages", type=int, default=5)
    parser.add_argument("--hires-pages", type=int, default=1, help=f"pages scanned at {HIRES_DPI} dpi (0: none)")
    parser.add_argument("--no-stages", action="store_true", help="leave the per-stage table out")
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--ocr-engine", default="hybrid")
    parser.add_argument("--fresh-seed", type=int, default=None, help="add a fresh samples.variety batch drawn with this seed")
    parser.add_argument("--input", action="append", default=[], metavar="LABEL=FILE", help="another input for the table")
    parser.add_argument("--before", type=Path, default=None, help="a source tree of the code before, run alternately")
    parser.add_argument("--table-only", action="store_true", help="only the table of every process's peak")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="paperdesk-mem-") as tmp:
        work = Path(tmp)
        export = work / f"online{args.online.suffix}"
        shutil.copy(args.online, export)
        inputs: dict[str, tuple[Path, int]] = {}
        for item in args.input:  # first: what one asked for by name
            label, _, path = item.partition("=")
            inputs[label] = (Path(path).resolve(), pages_of(Path(path)))
        pdf = stack(args.source, max(1, args.worker_pages), work / "worker.pdf")
        if args.worker_pages > 0:
            inputs[f"{args.worker_pages} pages of {args.source.name}"] = (pdf, args.worker_pages)
        scans = {f"{args.worker_pages} pages, {args.source.name}": (args.source, args.worker_pages)}
        if args.hires_pages > 0:
            tiff = hires_scan(args.source, args.hires_pages, work / "hires.tif")
            inputs[f"{args.hires_pages} page(s) at {HIRES_DPI} dpi"] = (tiff, args.hires_pages)
            scans[f"{args.hires_pages} page(s) at {HIRES_DPI} dpi"] = (tiff, args.hires_pages)
        if args.fresh_seed is not None:
            inputs.update(fresh_inputs(work, args.fresh_seed))
        runs = work / "runs"
        runs.mkdir()
        trees = {"before": args.before.resolve(), "after": ROOT} if args.before else {"now": ROOT}
        process_table(inputs, export, runs, trees, args.ocr_engine)
        if args.table_only:
            return
        if not args.no_stages:
            stage_table(scans, args.ocr_engine)
        if args.large <= 0:
            return
        peaks = {}
        for pages in (args.small, args.large):
            pdf = stack(args.source, pages, work / f"stack{pages}.pdf")
            out = work / f"out{pages}"
            m = measure(paperdesk_run([pdf], export, out, "--jobs", str(args.jobs), "-q", "--ocr-engine", args.ocr_engine))
            check(m, f"paperdesk run ({pages} pages)")
            assert results(out)["batch"]["pages"] == pages
            peaks[pages] = m
            print(
                f"{pages:4d} pages: {m.seconds:7.1f} s, peak RSS paperdesk {mib(m.peak_main_rss):7.1f} MiB, "
                f"largest process {mib(m.peak_worker_rss):7.1f} MiB, with workers {mib(m.peak_tree_rss):7.1f} MiB"
            )
        small, large = peaks[args.small], peaks[args.large]
        main_growth = large.peak_main_rss / small.peak_main_rss - 1
        tree_growth = large.peak_tree_rss / small.peak_tree_rss - 1
        print(f"growth {args.small} → {args.large} pages: paperdesk {main_growth:+.1%}, with workers {tree_growth:+.1%}"
              f" (goal within ±{GOAL_GROWTH:.0%})")


if __name__ == "__main__":
    main()
