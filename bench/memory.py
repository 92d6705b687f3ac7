"""A worker's peak memory on real pages, and peak memory of a small and a large batch.

    .venv/bin/python -m bench.memory [--source samples/scans/form01.pdf] [--online samples/online.xlsx]
                                     [--worker-pages 5] [--hires-pages 2] [--small 10] [--large 200] [--jobs 2]

First ``paperdesk run --jobs 1`` on ``--worker-pages`` real scanned pages (the pages of
``--source``, repeated): the whole process a clerk runs, which reads every page in line beside the
runner's own imports (the store, the export's reader, the CLI), and its peak resident memory (the
kernel's high-water mark, VmHWM, what ``/usr/bin/time -v`` reports) is printed against issue 14's
goal, at most 400 MiB per process. The same for ``--hires-pages`` pages scanned at 600 dpi (the
source's first pages rendered at 600 dpi into one multi-page TIFF that says so, as a clerk's
scanner set to 600 dpi writes it), and for ``paperdesk run --jobs 2`` on the ``--worker-pages``:
the parent's peak and the largest worker's (workers are forked from the parent, so its imports
count in theirs).

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
from pathlib import Path

import numpy as np
import pypdfium2
from PIL import Image

from bench.common import DEFAULT_EXPORT, DEFAULT_SCANS, ROOT, check, measure, mib, paperdesk_run, results
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
    parser.add_argument("--hires-pages", type=int, default=2, help=f"pages scanned at {HIRES_DPI} dpi (0: none)")
    parser.add_argument("--no-stages", action="store_true", help="leave the per-stage table out")
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--ocr-engine", default="hybrid")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="paperdesk-mem-") as tmp:
        work = Path(tmp)
        export = work / f"online{args.online.suffix}"
        shutil.copy(args.online, export)
        pdf = stack(args.source, args.worker_pages, work / "worker.pdf")
        m = measure(paperdesk_run([pdf], export, work / "out-worker", "--jobs", "1", "-q", "--ocr-engine", args.ocr_engine))
        check(m, f"paperdesk run --jobs 1 ({args.worker_pages} pages)")
        print(f"paperdesk run --jobs 1, {args.worker_pages} pages of {args.source.name}: {m.seconds:7.1f} s, "
              f"{m.cpu_seconds / args.worker_pages:5.1f} CPU s/page, whole process peak RSS {mib(m.peak_worker_rss):7.1f} MiB "
              f"(goal ≤ {GOAL_WORKER_MIB} MiB)", flush=True)
        scans = {f"{args.worker_pages} pages, {args.source.name}": (args.source, args.worker_pages)}
        if args.hires_pages > 0:
            tiff = hires_scan(args.source, args.hires_pages, work / "hires.tif")
            m = measure(paperdesk_run([tiff], export, work / "out-hires", "--jobs", "1", "-q", "--ocr-engine", args.ocr_engine))
            check(m, f"paperdesk run --jobs 1 ({args.hires_pages} pages at {HIRES_DPI} dpi)")
            print(f"paperdesk run --jobs 1, {args.hires_pages} page(s) at {HIRES_DPI} dpi: {m.seconds:7.1f} s, "
                  f"whole process peak RSS {mib(m.peak_worker_rss):7.1f} MiB (goal ≤ {GOAL_WORKER_MIB} MiB)", flush=True)
            scans[f"{args.hires_pages} page(s) at {HIRES_DPI} dpi"] = (tiff, args.hires_pages)
        if args.jobs > 1:
            m = measure(paperdesk_run([pdf], export, work / "out-jobs", "--jobs", str(args.jobs), "-q",
                                      "--ocr-engine", args.ocr_engine))
            check(m, f"paperdesk run --jobs {args.jobs} ({args.worker_pages} pages)")
            print(f"paperdesk run --jobs {args.jobs}, {args.worker_pages} pages: {m.seconds:7.1f} s, peak RSS of the "
                  f"parent {mib(m.peak_main_rss):7.1f} MiB, of the largest process {mib(m.peak_worker_rss):7.1f} MiB "
                  f"(goal ≤ {GOAL_WORKER_MIB} MiB each)", flush=True)
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
