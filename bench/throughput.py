"""End-to-end pages/min of paperdesk against OCRmyPDF and plain Tesseract, on the same pages, in one run.

    .venv/bin/python -m bench.throughput [--scans samples/scans] [--online samples/online.xlsx] [--jobs 2]

The readable scans (PDF, TIFF, PNG, JPEG; broken files, copies and DOCX left out, as
the other two cannot take them) are copied into one folder, then:

- paperdesk: ``paperdesk run DIR --online EXPORT --jobs N -q`` into a fresh
  output folder (fresh store: nothing cached), the whole batch end to end
  (ingest, OCR, checks, reports);
- OCRmyPDF: ``ocrmypdf -l chi_sim --jobs N IN OUT.pdf`` for each file, one after the other;
- Tesseract: ``tesseract PAGE.png - -l chi_sim`` for each page, one after the other
  (pages rendered to PNG at the same dpi beforehand, not timed).

Goal (issue 8): paperdesk ≥ 1.5 × OCRmyPDF's pages/min.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import cv2

from bench.common import DEFAULT_EXPORT, DEFAULT_SCANS, check, measure, paperdesk_run, per_minute, results
from forms.errors import BadInputError
from ingest.files import discover, file_sha256, sniff
from ingest.scans import iter_pages, page_count

DPI = 300  # paperdesk's default; Tesseract gets pages rendered at the same resolution


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


def time_ocrmypdf(files: list[tuple[Path, str, int]], jobs: int, work: Path) -> float:
    t0 = time.monotonic()
    for i, (path, kind, _) in enumerate(files):
        argv = ["ocrmypdf", "-l", "chi_sim", "--jobs", str(jobs), "-q"]
        if kind == "image":
            argv += ["--image-dpi", str(DPI)]
        subprocess.run([*argv, str(path), str(work / f"ocrmypdf-{i}.pdf")], check=True)
    return time.monotonic() - t0


def time_tesseract(files: list[tuple[Path, str, int]], work: Path, dpi: int) -> float:
    pngs = []
    for i, (path, _, _) in enumerate(files):
        for page in iter_pages(path, dpi=dpi):
            png = work / f"page-{i}-{page.number}.png"
            cv2.imwrite(str(png), page.image)
            pngs.append(png)
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}  # Tesseract as installed
    t0 = time.monotonic()
    for png in pngs:
        subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim"], check=True, capture_output=True, env=env)
    return time.monotonic() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=Path, default=DEFAULT_SCANS)
    parser.add_argument("--online", type=Path, default=DEFAULT_EXPORT)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--ocr-engine", default="hybrid")
    parser.add_argument("--dpi", type=int, default=DPI, help="what paperdesk renders PDF pages at (and Tesseract gets)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="paperdesk-bench-") as tmp:
        work = Path(tmp)
        files = readable_scans(args.scans)
        pages = sum(n for _, _, n in files)
        batch = work / "scans"
        batch.mkdir()
        for path, _, _ in files:
            link = batch / path.relative_to(args.scans)  # sub-folders kept: a folder of page files is one stack
            link.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, link)  # a copy: the samples may be regenerated while this runs
        export = work / f"online{args.online.suffix}"
        shutil.copy(args.online, export)
        print(f"{len(files)} files, {pages} pages, --jobs {args.jobs}, {os.cpu_count()} cores")

        m = measure(paperdesk_run([batch], export, work / "out", "--jobs", str(args.jobs), "-q",
                                  "--ocr-engine", args.ocr_engine, "--dpi", str(args.dpi)))
        check(m, "paperdesk run")
        read = results(work / "out")["batch"]["pages"]
        assert read == pages, f"paperdesk read {read} pages, expected {pages}"
        ours = per_minute(pages, m.seconds)
        print(f"paperdesk ({args.ocr_engine}, {args.dpi} dpi) {m.seconds:7.1f} s  {ours:6.1f} pages/min")

        t_ocrmypdf = time_ocrmypdf(files, args.jobs, work)
        theirs = per_minute(pages, t_ocrmypdf)
        print(f"ocrmypdf            {t_ocrmypdf:7.1f} s  {theirs:6.1f} pages/min")

        t_tess = time_tesseract(files, work, args.dpi)
        tess = per_minute(pages, t_tess)
        print(f"tesseract per page  {t_tess:7.1f} s  {tess:6.1f} pages/min")

        print(f"paperdesk / ocrmypdf  = {ours / theirs:.2f}  (goal ≥ 1.5)")
        print(f"paperdesk / tesseract = {ours / tess:.2f}")


if __name__ == "__main__":
    main()
