"""The stage functions a batch runs, gathered in one place the runner is handed.

``default_stages()`` binds the real ingest → extract → checks → reports APIs
(docs/ARCHITECTURE.md); tests hand the runner their own ``Stages`` with a fake
page reader. The runner carries the stages' own types (``PageReading``,
``FormReading``) from the worker through assembly to the checks; only the
reconciliation is turned here into the runner's ``Matches``. A reading becomes
a dict once, where it is stored (the runner, at the store).

``read_page_task`` is what workers run: a module-level function (picklable for
processes and Dask) that returns the ``PageReading`` itself (pickled across the
process or cluster boundary like any dataclass).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extract import ExtractOptions, PageReading, assemble, read_docx_form
from extract.ocr import OcrEngine, probe_tesseract
from extract.ocr_models import models, release_buffers
from extract.reading import FormReading
from extract.turned import read_page_any_way_up
from forms import load_template
from forms.template import FormTemplate
from ingest import discover, iter_pages, page_count, read_docx, read_export, sniff, split_stack
from ingest.page import DocxTable, Page
from ingest.records import OnlineExport, OnlineRecord
from ingest.stacks import NOT_THIS_FORM, confirm_blank

if TYPE_CHECKING:  # checks and reports are imported where they run: a page worker needs neither (scipy, openpyxl, docx)
    from checks import Reconciliation
    from checks.finding import Finding
    from reports import ReportOptions


@dataclass
class DocumentMatch:
    """What reconcile said about one document."""

    record_id: str | None
    match_score: float | None
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)  # section -> chars, limit, counted (checks)


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
NOT_THIS_FORM_FLAG = NOT_THIS_FORM
# A blank page of a stack (separator sheet, empty back): dropped, and noted on its input.
BLANK_FLAG = "blank page, dropped"

PageTask = Callable[[Page, FormTemplate, Any], PageReading]


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
    read_docx_form: Callable[[str, str, DocxTable, FormTemplate, str], FormReading]
    extract_options: Callable[[str, Path | None], Any]
    read_page: PageTask
    group_pages: Callable[[list[str]], list[PageGroupSpan]]
    assemble: Callable[[str, str, list[PageReading], FormTemplate], FormReading]
    reconcile: Callable[[list[FormReading], list[OnlineRecord], FormTemplate, str], Matches]
    write_reports: Callable[[dict[str, Any], Path, ReportOptions], None] | None
    # Run in the parent once every page is handed to the pool, while the workers read the last ones:
    # what the checks load on first use (issue 14: their imports ran after the reading, a core idle).
    warm_up: Callable[[], None] | None = None
    # Run in each worker process as it starts, given the OCR engine's name (picklable, module level):
    # what its pages load on first use, loaded while the parent renders the first pages.
    warm_worker: Callable[[str], None] | None = None


# -- the real stages ------------------------------------------------------------------------


def _probe(engine: str) -> None:
    if engine in ("tesseract", "hybrid", "rapidocr"):
        probe_tesseract()


def _iter_pages(path: Path, dpi: int) -> Iterator[Page]:
    return iter_pages(path, dpi=dpi)


def _read_docx_form(doc_id: str, source: str, table: DocxTable, template: FormTemplate, engine: str) -> FormReading:
    return read_docx_form(doc_id, source, table, template, ocr_engine=engine)


def _extract_options(engine: str, debug_dir: Path | None) -> ExtractOptions:
    # A batch's pages are rendered for their one reading and dropped after it: each is deskewed in place.
    return ExtractOptions(ocr_engine=engine, debug_dir=debug_dir, deskew_in_place=True)


def run_task(task: Callable[..., Any], *args: Any) -> Any:
    """Worker side: one item of a batch's pool work, ``task(*args)``: a page (``Stages.read_page``) or a
    DOCX form (``docx_form_task``). Module level, so processes and Dask can pickle it."""
    return task(*args)


def docx_form_task(read_docx: Callable[[Path], DocxTable], read_docx_form: Callable[[str, str, DocxTable, FormTemplate, str], FormReading],
                   path: Path, doc_id: str, source: str, template: FormTemplate, engine: str) -> FormReading:
    """Worker side: a DOCX input's form, read in the pool beside the pages (its seal pictures are OCR'd:
    ~2 CPU s in the parent after the reading, with the models loaded there for it alone; issue 14)."""
    return read_docx_form(doc_id, source, read_docx(path), template, engine)


# The engines whose pages run RapidOCR's sessions (``extract.ocr_models``); Tesseract loads nothing ahead.
RAPID_ENGINES = ("rapidocr", "hybrid")


def load_models(engine: str) -> None:
    """Worker start-up (``Stages.warm_worker``): the OCR sessions ``engine``'s pages read with, ~0.6 CPU s,
    loaded as the worker starts, while the parent renders the first pages, not inside its first page."""
    if engine in RAPID_ENGINES:
        models()


def read_page_task(page: Page, template: FormTemplate, options: Any) -> PageReading:
    """Worker side: read one page, hand back its PageReading."""
    reading = page_reading(page, template, options)
    # The page's work images and the recogniser's buffers for its widest line: the next page starts
    # from the worker's own memory.
    release_buffers()
    return reading


def page_reading(page: Page, template: FormTemplate, options: Any, engine: OcrEngine | None = None) -> PageReading:
    """``read_page`` (a form page read with no label is read again turned: ``extract.turned``), then a page it found empty (no grid, no text) is "blank" only if its ink says so
    (``ingest.stacks.confirm_blank``): a photo or another document's page is "other", never dropped as blank."""
    reading = read_page_any_way_up(page, template, options, engine=engine)
    if reading.kind == "blank" and confirm_blank(reading.kind, page.image) == "other":
        reading.kind = "other"
    return reading


def _group_pages(kinds: list[str]) -> list[PageGroupSpan]:
    """The stack's documents, then one span per blank page (dropped, but said so)."""
    split = split_stack(kinds)
    spans = [PageGroupSpan(positions=sorted([*g.pages, *g.attachments]), flag=g.flag) for g in split.groups]
    return spans + [PageGroupSpan(positions=[i], flag=BLANK_FLAG) for i in split.blanks]


def _reconcile(
    readings: list[FormReading], records: list[OnlineRecord], template: FormTemplate, count_rule: str
) -> Matches:
    from checks import CheckOptions, reconcile

    rec = reconcile(readings, records, template, CheckOptions(count_rule=count_rule))
    return matches_from(rec, [r.document_id for r in readings])


def matches_from(rec: Reconciliation, document_ids: list[str]) -> Matches:
    """Turn checks' Reconciliation into ``Matches`` (per-document record, score, findings, counts)."""
    per_doc: dict[str, DocumentMatch] = {}
    for doc_id in document_ids:
        m = rec.documents.get(doc_id)
        per_doc[doc_id] = (
            DocumentMatch(record_id=None, match_score=None)
            if m is None
            else DocumentMatch(
                record_id=m.record_id, match_score=m.match_score, findings=list(m.findings), counts=dict(m.counts)
            )
        )
    return Matches(documents=per_doc, findings=list(rec.findings), unmatched_records=list(rec.unmatched_records))


def _write_reports(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> None:
    from reports import write_reports

    write_reports(results, out_dir, options)


def _warm_checks() -> None:
    """The checks' imports, and what they import on first use (scipy's assignment for the matching).
    spaCy is not among them: ``checks.text.sentences`` loads it only for a text with whitespace."""
    from scipy.optimize import linear_sum_assignment  # noqa: F401

    import checks  # noqa: F401  (rapidfuzz, the rules, the industry table)


def default_stages() -> Stages:
    """The real pipeline."""
    return Stages(
        probe=_probe,
        load_template=load_template,
        read_export=read_export,
        discover=discover,
        sniff=sniff,
        page_count=page_count,
        iter_pages=_iter_pages,
        read_docx=read_docx,
        read_docx_form=_read_docx_form,
        extract_options=_extract_options,
        read_page=read_page_task,
        group_pages=_group_pages,
        assemble=assemble,
        reconcile=_reconcile,
        write_reports=_write_reports,
        warm_up=_warm_checks,
        warm_worker=load_models,
    )
