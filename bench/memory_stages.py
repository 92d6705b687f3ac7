"""Where a worker's memory goes, stage by stage: run as a child by ``bench.memory --stages``.

    python -m bench.memory_stages SCAN [--pages 5] [--ocr-engine hybrid] [--dpi 300]

Does what one pool worker does (imports the worker side, ``paperdesk.stages``; loads the OCR
models; reads pages with ``read_page_task``), and around each stage reads the kernel's peak
resident memory (VmHWM) and resets it (``/proc/self/clear_refs``, "5"), so each stage's
peak is its own, numpy, ONNX Runtime and Tesseract's buffers included (tracemalloc sees only
Python's). The stages inside ``read_page`` are timed by wrapping the functions
``extract.page`` calls: prepared (``prepare``), grid (``find_grid``), OCR (cell and page
text, missed lines, text values, second opinion), marks (ticks, seals, dates), crops (value
crops and the page preview); whatever peaks between them is "other". Prints one JSON object
on stdout (the parent formats it): per stage, the resident memory after it and its peak (the
largest over the pages), in KiB, and the heavy modules the worker imported.

Stdlib only at the top, so "import" measures the worker's own imports.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The stages in the order a page goes through them, and which functions of extract.page belong to each.
PAGE_STAGES: dict[str, tuple[str, ...]] = {
    "prepared": ("prepare",),
    "grid": ("find_grid",),
    "OCR": ("cell_texts", "running_text", "recover_lines", "read_text_value", "second_opinion"),
    "marks": ("read_choice", "read_opinion"),
    "crops": ("crop_png", "add_preview"),
}
STAGES = ("import", "models loaded", "page rendered", *PAGE_STAGES, "other")
# Modules a page-reading worker should not need: the store, the checks' solver, the reports' writers.
HEAVY_MODULES = ("scipy", "pandas", "openpyxl", "sqlalchemy", "docx", "jinja2", "spacy", "fastapi", "distributed")


def vm_kib() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process, KiB."""
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                fields[line.split(":")[0]] = int(line.split()[1])
    return fields["VmRSS"], fields["VmHWM"]


def reset_peak() -> None:
    """The kernel's high-water mark set back to the current resident size."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


class Ledger:
    """Per stage: the largest peak seen and the resident memory after its last run."""

    def __init__(self) -> None:
        self.peak: dict[str, int] = {}
        self.after: dict[str, int] = {}
        self.depth = 0
        self.events: list[tuple[str, int, int]] = []  # every close, in order: stage, resident, peak

    def close(self, stage: str) -> None:
        """What peaked since the last reset belongs to ``stage``; start counting afresh."""
        rss, hwm = vm_kib()
        self.peak[stage] = max(self.peak.get(stage, 0), hwm)
        self.after[stage] = rss
        self.events.append((stage, rss, hwm))
        reset_peak()

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def traced(*args: Any, **kwargs: Any) -> Any:
            if self.depth:  # called from inside another traced stage: it counts there
                return fn(*args, **kwargs)
            self.close("other")
            self.depth += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                self.close(stage)

        return traced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scan", type=Path)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--ocr-engine", default="hybrid")
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args()
    ledger = Ledger()
    start = vm_kib()[0]
    reset_peak()

    stages = importlib.import_module("paperdesk.stages")  # what a worker imports to unpickle read_page_task
    heavy = sorted(m for m in HEAVY_MODULES if m in sys.modules)
    ledger.close("import")

    from extract.ocr import get_engine
    from forms import load_template
    from ingest import iter_pages

    engine = get_engine(args.ocr_engine)
    if args.ocr_engine in ("rapidocr", "hybrid"):
        from extract.ocr_models import models

        models()  # the sessions are loaded on first use; a worker loads them with its first page
    template = load_template("kczg-2020")
    options = stages._extract_options(engine.name, None)  # as the runner reads a batch's pages
    ledger.close("models loaded")

    page_module = importlib.import_module("extract.page")
    for stage, names in PAGE_STAGES.items():
        for name in names:
            setattr(page_module, name, ledger.wrap(stage, getattr(page_module, name)))

    done = 0
    while done < args.pages:
        for page in iter_pages(args.scan, dpi=args.dpi):  # the peak was reset before it rendered
            ledger.close("page rendered")
            stages.read_page_task(page, template, options)
            del page
            gc.collect()
            ledger.close("other")
            done += 1
            if done >= args.pages:
                break
    json.dump({"start": start, "peak": ledger.peak, "after": ledger.after, "heavy_modules": heavy, "pages": done,
               "events": ledger.events}, sys.stdout)


if __name__ == "__main__":
    main()
