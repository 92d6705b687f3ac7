"""A worker's peak memory on real pages, and peak memory of a small and a large batch.

    .venv/bin/python -m bench.memory [--source samples/scans/form01.pdf] [--online samples/online.xlsx]
                                     [--worker-pages 5] [--small 10] [--large 200] [--jobs 2]

First ``paperdesk run --jobs 1`` on ``--worker-pages`` real scanned pages (the pages of
``--source``, repeated): one process reads every page, as one worker of ``--jobs N`` does, and
its peak resident memory (the kernel's high-water mark, VmHWM, what ``/usr/bin/time -v``
reports) is printed against issue 14's goal, at most 400 MiB per worker.

Then two stacked PDFs from the same pages (PDFium copies pages without re-encoding them),
``paperdesk run --jobs N`` on each into a fresh folder, sampling the resident memory of
paperdesk, of the largest single process (paperdesk or one worker), and of paperdesk plus its
workers. Goal (issue 8): the large batch's peaks within 10 % of the small one's.
``--large 0`` leaves the batches out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import pypdfium2

from bench.common import DEFAULT_EXPORT, DEFAULT_SCANS, check, measure, mib, paperdesk_run, results

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=DEFAULT_SCANS / "form01.pdf")
    parser.add_argument("--online", type=Path, default=DEFAULT_EXPORT)
    parser.add_argument("--worker-pages", type=int, default=5)
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
        print(f"one worker, {args.worker_pages} pages of {args.source.name}: {m.seconds:7.1f} s, "
              f"{m.cpu_seconds / args.worker_pages:5.1f} CPU s/page, peak RSS {mib(m.peak_worker_rss):7.1f} MiB "
              f"(goal ≤ {GOAL_WORKER_MIB} MiB)", flush=True)
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
