"""A fake pipeline for the runner's tests: real runner, store, pools and results; fake pages.

A fake scan is a text file (suffix ``.fake``)::

    FAKESCAN
    first 技术甲
    continuation
    attachment
    first 技术乙

one line per page: the page's kind and, for a first page, the technology name
the fake reader "reads" from it. A file that does not start with ``FAKESCAN``
is a bad input; a line ``broken`` makes ``read_page`` raise ``OcrError`` for that
page, a line ``cut`` makes ``iter_pages`` stop there with ``BadInputError``. Each page's image is 1×1 pixels carrying the line's index, so the reader
(in a worker process, or on a Dask worker) knows what to return without the file.
A form page (first, continuation) says it is an A4 page at 300 dpi and carries a real
JPEG preview of one (``FAKE_PREVIEW``), as ``extract.read_page`` does; a first page carries
the crop of its tech_name (``PNG_1X1``), which assemble takes from it, as the real one does.

The export is a JSON list of ``{"record_id", "tech_name", "recommender"}``.
``main(argv)`` runs a batch in a subprocess (the resume test kills it).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast, get_args

import numpy as np

from checks.finding import Finding
from extract.images import preview_jpeg
from extract.reading import FieldReading, FormReading, PageReading
from forms import load_template
from forms.errors import BadInputError, ExportError, OcrError
from forms.template import FormTemplate
from ingest.page import DocxTable, Page
from ingest.records import OnlineExport, OnlineRecord
from ingest.stacks import PageKind
from paperdesk.options import RunOptions
from paperdesk.runner import run_batch
from paperdesk.stages import BLANK_FLAG, NOT_THIS_FORM_FLAG, DocumentMatch, Matches, PageGroupSpan, Stages

MAGIC = "FAKESCAN"
# A tiny valid PNG (1×1 white), the fake crop of every tech_name.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8ffff3f0005fe02fea7d6a4bb0000000049454e44ae426082"
)

# A form page of the fake: A4 at 300 dpi (the pixels its boxes are in), previewed as extract does.
PAGE_SIZE = (2480, 3508)
PAGE_DPI = 300
FAKE_PREVIEW = preview_jpeg(np.full((PAGE_SIZE[1], PAGE_SIZE[0], 3), 255, np.uint8), PAGE_DPI, "gray")
# Where a first page's tech_name is, in its page's pixels.
NAME_BOX = (400, 600, 2000, 700)


def write_scan(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("\n".join([MAGIC, *lines]) + "\n", encoding="utf-8")
    return path


def write_export(path: Path, records: Sequence[dict[str, str]]) -> Path:
    path.write_text(json.dumps(list(records), ensure_ascii=False), encoding="utf-8")
    return path


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8").splitlines()
    if not text or text[0] != MAGIC:
        raise BadInputError("not a fake scan (no FAKESCAN header)")
    return text[1:]


def _read_export(path: Path, template: FormTemplate) -> OnlineExport:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot read the export {path}: {exc}") from exc
    records = [
        OnlineRecord(record_id=r["record_id"], fields={"tech_name": r["tech_name"]}, recommender=r.get("recommender", ""))
        for r in rows
    ]
    return OnlineExport(path=str(path), records=records)


def _discover(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for p in paths:
        found.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    return found


def _sniff(path: Path) -> str:
    """A ``.pagefile`` plays a one-page image file (a scanner writing a file per page); the rest PDFs."""
    _lines(path)
    return "image" if path.suffix == ".pagefile" else "pdf"


def _iter_pages(path: Path, dpi: int) -> Iterator[Page]:
    for index, line in enumerate(_lines(path)):
        if line == "cut":
            raise BadInputError(f"page {index + 1} is damaged; the pages after it cannot be read (fake)")
        image = np.full((1, 1, 3), index, dtype=np.uint8)
        yield Page(image=image, dpi=dpi, source=path, number=index + 1)


def read_page(page: Page, template: FormTemplate, options: Any) -> PageReading:
    """The fake worker: the page's line as a PageReading (sleeps ``options`` seconds). A first page
    reads its technology name as tech_name, on its page, in a box of its own."""
    time.sleep(float(options))
    line = _lines(page.source)[int(page.image[0, 0, 0])]
    if line == "broken":
        raise OcrError("Tesseract crashed on this page (fake)")
    kind, _, name = line.partition(" ")
    if kind not in get_args(PageKind):
        raise ValueError(f"not a page kind: {kind!r}")
    form_page = kind in ("first", "continuation")
    width, height = PAGE_SIZE if form_page else (1, 1)
    reading = PageReading(source=str(page.source), page=page.number, kind=cast(PageKind, kind), width=width,
                          height=height, dpi=PAGE_DPI, preview=FAKE_PREVIEW if form_page else b"")
    if kind == "first":
        reading.fields["tech_name"] = FieldReading(key="tech_name", value=name, raw=name, confidence=0.9,
                                                   page=page.number, bbox=list(NAME_BOX))
        reading.crops["tech_name"] = PNG_1X1
    return reading


def _group_pages(kinds: list[str]) -> list[PageGroupSpan]:
    """Like the real stage's: a form from each first page; pages before any first page are not this
    form; each blank page a span of its own after them, flagged."""
    groups: list[PageGroupSpan] = []
    blanks = [PageGroupSpan(positions=[i], flag=BLANK_FLAG) for i, kind in enumerate(kinds) if kind == "blank"]
    for i, kind in enumerate(kinds):
        if kind == "first":
            groups.append(PageGroupSpan(positions=[i]))
        elif kind in ("continuation", "attachment", "other"):
            if not groups:
                groups.append(PageGroupSpan(positions=[], flag=NOT_THIS_FORM_FLAG))
            groups[-1].positions.append(i)
    return groups + blanks


def _assemble(doc_id: str, source: str, readings: list[PageReading], template: FormTemplate) -> FormReading:
    first = readings[0]
    name = first.fields.get("tech_name") or FieldReading(key="tech_name", value="", status="not_found")
    return FormReading(
        document_id=doc_id,
        source_file=source,
        pages=[r.page for r in readings if r.kind != "attachment"],
        attachment_pages=[r.page for r in readings if r.kind == "attachment"],
        path_taken="ocr",
        fields={"tech_name": name},
        crops=dict(first.crops),
        page_sizes={r.page: [r.width, r.height, r.dpi] for r in readings if r.preview},
        previews={r.page: r.preview for r in readings if r.preview},
    )


def _reconcile(readings: list[FormReading], records: list[OnlineRecord], template: FormTemplate, rule: str) -> Matches:
    by_name = {r.fields["tech_name"]: r for r in records}
    docs: dict[str, DocumentMatch] = {}
    matched: set[str] = set()
    for reading in readings:
        record = by_name.get(str(reading.fields["tech_name"].value))
        if record is None:
            finding = Finding(code="NO_ONLINE_RECORD", severity="error", message="无对应线上记录", document_id=reading.document_id)
            docs[reading.document_id] = DocumentMatch(record_id=None, match_score=None, findings=[finding])
        else:
            matched.add(record.record_id)
            docs[reading.document_id] = DocumentMatch(record_id=record.record_id, match_score=1.0)
    unmatched = [r.record_id for r in records if r.record_id not in matched]
    batch = [Finding(code="NO_PAPER", severity="error", message="无纸质推荐表", record_id=rid) for rid in unmatched]
    return Matches(documents=docs, findings=batch, unmatched_records=unmatched)


def _no_docx(path: Path) -> DocxTable:
    raise BadInputError("DOCX is not part of the fake pipeline")


def _no_docx_form(doc_id: str, source: str, table: DocxTable, template: FormTemplate, engine: str) -> FormReading:
    raise BadInputError("DOCX is not part of the fake pipeline")


def fake_stages(seconds_per_page: float = 0.0) -> Stages:
    return Stages(
        probe=lambda engine: None,
        load_template=load_template,
        read_export=_read_export,
        discover=_discover,
        sniff=_sniff,
        page_count=lambda path: len(_lines(path)),
        iter_pages=_iter_pages,
        read_docx=_no_docx,
        read_docx_form=_no_docx_form,
        extract_options=lambda engine, debug_dir: seconds_per_page,
        read_page=read_page,
        group_pages=_group_pages,
        assemble=_assemble,
        reconcile=_reconcile,
        write_reports=None,
    )


def main(argv: list[str]) -> None:
    """``python -m tests.runner_fakes OUT SECONDS_PER_PAGE JOBS SCAN... --online EXPORT``."""
    out, seconds, jobs, *rest = argv
    split = rest.index("--online")
    options = RunOptions(
        scans=[Path(p) for p in rest[:split]], online=Path(rest[split + 1]), out=Path(out), jobs=int(jobs), quiet=True
    )
    summary = run_batch(options, stages=fake_stages(float(seconds)))
    print(json.dumps({"pages_read": summary.pages_read, "pages_cached": summary.pages_cached}))


if __name__ == "__main__":
    main(sys.argv[1:])
