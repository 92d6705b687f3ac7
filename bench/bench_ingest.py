"""How fast ingest reads pages: decode/render, orientation, layout kind, per page.

    .venv/bin/python bench/bench_ingest.py [samples/scans] [--dpi 300]

Prints one line per input and the totals. Numbers go in issue reports, never into tests.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from forms.errors import BadInputError
from ingest import classify_layout, detect_rotation, discover, find_duplicates, iter_pages, read_docx, sniff


def main() -> None:
    parser = argparse.ArgumentParser(description="How fast ingest reads pages.")
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("samples/scans")])
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args()
    files = discover(args.paths)
    duplicates = find_duplicates(files)
    pages = 0
    read_s = orient_s = layout_s = 0.0
    started = time.perf_counter()
    for path in files:
        if path in duplicates:
            print(f"{path}: duplicate of {duplicates[path]}")
            continue
        try:
            if sniff(path) == "docx":
                t = time.perf_counter()
                table = read_docx(path)
                print(f"{path}: docx, {len(table.rows)} rows in {time.perf_counter() - t:.2f}s")
                continue
            t = time.perf_counter()
            for page in iter_pages(path, dpi=args.dpi):
                now = time.perf_counter()
                read_s += now - t
                detect_rotation(page.image)  # timed again alone: iter_pages already applied it
                orient_s += time.perf_counter() - now
                now = time.perf_counter()
                kind = classify_layout(page)
                layout_s += time.perf_counter() - now
                pages += 1
                print(f"{path} p{page.number}: {page.color_mode} {page.size[0]}x{page.size[1]} "
                      f"turned {page.rotation} -> {kind}")
                t = time.perf_counter()
        except BadInputError as exc:
            print(f"{path}: failed: {exc}")
    total = time.perf_counter() - started
    if pages:
        print(f"{pages} pages in {total:.1f}s: read+upright {read_s / pages * 1000:.0f} ms/page "
              f"(of which orientation ~{orient_s / pages * 1000:.0f} ms), layout kind {layout_s / pages * 1000:.0f} ms/page")


if __name__ == "__main__":
    main()
