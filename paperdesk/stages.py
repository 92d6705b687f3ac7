"""The stage functions a batch runs, gathered in one place the runner is handed.

``default_stages()`` binds the real ingest → extract → checks → reports APIs
(docs/ARCHITECTURE.md); tests hand the runner their own ``Stages`` with a fake
page reader. Everything a stage returns is turned here into the few plain
shapes the runner works with (page readings as dicts, ``Matches``), so the
runner never depends on a stage's internals.

``read_page_task`` is what workers run: a module-level function (picklable for
processes and Dask) that returns the PageReading as a dict, the form it is
stored in and sent back in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.finding import Finding
from extract.reading import FormReading
from forms.template import FormTemplate
from ingest.page import DocxTable, Page
from ingest.records import OnlineExport, OnlineRecord
from reports import ReportOptions, write_reports


@dataclass
class DocumentMatch:
    """What reconcile said about one document."""

    record_id: str | None
    match_score: float | None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Matches:
    """The reconciliation in the runner's terms."""

    documents: dict[str, DocumentMatch]
    findings: list[Finding]  # batch findings (NO_PAPER, QUOTA_EXCEEDED, …)
    unmatched_records: list[str]


@dataclass
class PageGroupSpan:
    """One document of an input: 0-based positions in its page list (form pages, then
    attachments), and why it is not a complete form (None when it is)."""

    positions: list[int]
    flag: str | None = None


# ingest's flag for pages that are not this form at all: reported UNREADABLE, not assembled.
NOT_THIS_FORM_FLAG = "not a kczg-2020 form"

PageTask = Callable[[Page, FormTemplate, Any], dict[str, Any]]


@dataclass(frozen=True)
class Stages:
    """Every outside call of a batch. ``read_page`` must be picklable (module level)."""

    probe: Callable[[str], None]
    load_template: Callable[[str], FormTemplate]
    read_export: Callable[[Path, FormTemplate], OnlineExport]
    discover: Callable[[Sequence[Path]], list[Path]]
    sniff: Callable[[Path], str]
    page_count: Callable[[Path], int]
    iter_pages: Callable[[Path, int], Iterator[Page]]
    read_docx: Callable[[Path], DocxTable]
    read_docx_form: Callable[[str, str, DocxTable, FormTemplate], FormReading]
    extract_options: Callable[[str, Path | None], Any]
    read_page: PageTask
    group_pages: Callable[[list[str]], list[PageGroupSpan]]
    assemble: Callable[[str, str, list[dict[str, Any]], FormTemplate], FormReading]
    reconcile: Callable[[list[FormReading], list[OnlineRecord], FormTemplate, str], Matches]
    write_reports: Callable[[dict[str, Any], Path, ReportOptions], None] | None


def _attr(module: str, name: str) -> Any:
    """``module.name`` looked up when called, so a stage that lands later is picked up."""
    return getattr(importlib.import_module(module), name)


# Where ingest's functions live until ingest/__init__.py exports them all.
_INGEST_MODULES = ("ingest", "ingest.files", "ingest.scans", "ingest.stacks", "ingest.export")


def _ingest(name: str) -> Any:
    for module in _INGEST_MODULES:
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ModuleNotFoundError:
            continue
        if found is not None:
            return found
    raise ModuleNotFoundError(f"ingest.{name} has not landed")


# -- the real stages ------------------------------------------------------------------------


def _probe(engine: str) -> None:
    if engine in ("tesseract", "hybrid", "rapidocr"):
        _attr("extract.ocr", "probe_tesseract")()


def _load_template(name: str) -> FormTemplate:
    template: FormTemplate = _attr("forms", "load_template")(name)
    return template


def _read_export(path: Path, template: FormTemplate) -> OnlineExport:
    export: OnlineExport = _ingest("read_export")(path, template)
    return export


def _discover(paths: Sequence[Path]) -> list[Path]:
    return list(_ingest("discover")(list(paths)))


def _sniff(path: Path) -> str:
    return str(_ingest("sniff")(path))


def _page_count(path: Path) -> int:
    return int(_ingest("page_count")(path))


def _iter_pages(path: Path, dpi: int) -> Iterator[Page]:
    pages: Iterator[Page] = _ingest("iter_pages")(path, dpi=dpi)
    return pages


def _read_docx(path: Path) -> DocxTable:
    table: DocxTable = _ingest("read_docx")(path)
    return table


def _read_docx_form(doc_id: str, source: str, table: DocxTable, template: FormTemplate) -> FormReading:
    reading: FormReading = _attr("extract", "read_docx_form")(doc_id, source, table, template)
    return reading


def _extract_options(engine: str, debug_dir: Path | None) -> Any:
    return _attr("extract", "ExtractOptions")(ocr_engine=engine, debug_dir=debug_dir)


def read_page_task(page: Page, template: FormTemplate, options: Any) -> dict[str, Any]:
    """Worker side: read one page, hand back its PageReading as a dict."""
    reading = _attr("extract", "read_page")(page, template, options)
    result: dict[str, Any] = reading.to_dict()
    return result


def _group_pages(kinds: list[str]) -> list[PageGroupSpan]:
    groups = _ingest("group_pages")(kinds)
    return [PageGroupSpan(positions=sorted([*g.pages, *g.attachments]), flag=g.flag) for g in groups]


def _assemble(doc_id: str, source: str, readings: list[dict[str, Any]], template: FormTemplate) -> FormReading:
    from_dict = _attr("extract", "PageReading").from_dict
    reading: FormReading = _attr("extract", "assemble")(doc_id, source, [from_dict(r) for r in readings], template)
    return reading


def _reconcile(
    readings: list[FormReading], records: list[OnlineRecord], template: FormTemplate, count_rule: str
) -> Matches:
    options = _attr("checks", "CheckOptions")(count_rule=count_rule)
    rec = _attr("checks", "reconcile")(readings, records, template, options)
    return matches_from(rec, [r.document_id for r in readings])


def matches_from(rec: Any, document_ids: list[str]) -> Matches:
    """Turn checks' Reconciliation into ``Matches`` (per-document record, score, findings)."""
    per_doc: dict[str, DocumentMatch] = {}
    by_doc = getattr(rec, "documents", None) or {}
    if isinstance(by_doc, list):
        by_doc = {getattr(m, "document_id", None) or m.id: m for m in by_doc}
    for doc_id in document_ids:
        m = by_doc.get(doc_id)
        per_doc[doc_id] = DocumentMatch(
            record_id=getattr(m, "record_id", None),
            match_score=getattr(m, "match_score", None),
            findings=list(getattr(m, "findings", []) or []),
        )
    batch = list(getattr(rec, "findings", None) or getattr(rec, "batch_findings", None) or [])
    unmatched = list(getattr(rec, "unmatched_records", []) or [])
    return Matches(documents=per_doc, findings=batch, unmatched_records=unmatched)


def _write_reports(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> None:
    write_reports(results, out_dir, options)


def default_stages() -> Stages:
    """The real pipeline."""
    return Stages(
        probe=_probe,
        load_template=_load_template,
        read_export=_read_export,
        discover=_discover,
        sniff=_sniff,
        page_count=_page_count,
        iter_pages=_iter_pages,
        read_docx=_read_docx,
        read_docx_form=_read_docx_form,
        extract_options=_extract_options,
        read_page=read_page_task,
        group_pages=_group_pages,
        assemble=_assemble,
        reconcile=_reconcile,
        write_reports=_write_reports,
    )
