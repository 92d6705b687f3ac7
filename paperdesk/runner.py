"""One batch, start to finish, so that a clerk never loses work and every core is busy.

The recipe (:func:`run_batch`):

1. probe Tesseract, load the template, read the online export (any of these
   failing stops the run before anything is written);
2. plan the inputs in discovery order: hash each file, skip byte-identical
   copies, sniff it (a bad file is a failure with its reason, the batch goes on),
   count its pages, look its pages up in the store;
3. stream the pages not yet stored through the pool (processes, or Dask) and
   store each PageReading the moment it comes back — that is the resume point
   and the cache, keyed by (input sha256, page, pipeline version); a reading
   travels typed (``PageReading``, then ``FormReading``) and becomes a dict only
   where it is stored. A DOCX input's form goes through the pool too, first (its
   seal pictures are OCR'd), and the checks' first-use loads run in the parent while
   the workers read the last pages: no core idles for them after the reading;
4. per stack (a file, or a folder of page files), load its page readings from the
   store, split them into documents (d0001… in discovery order, the same on every
   run), assemble each, store it and write its crops and page previews — one stack in memory
   at a time (a crop or preview that a cached page holds is stored as a pointer to that page);
5. reconcile with the export, build the CONTRACT.md results with the clerks'
   stored review decisions, store them, write results.json atomically and the
   reports;
6. prune the store: keep the newest ``KEEP_BATCHES`` batches and the cached pages they use.

Ctrl-C cancels what is pending, keeps what is stored and raises
:class:`BatchInterrupted` (a KeyboardInterrupt) carrying the summary.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
from sqlalchemy import select

from extract.continued import confirm_continuations
from extract.reading import FormReading, PageReading
from forms.errors import BadInputError, ConfigError, OcrError, PaperdeskError, StoreError, TemplateError
from forms.template import FormTemplate
from ingest.files import file_sha256
from ingest.page import InputReport
from ingest.records import OnlineRecord
from paperdesk import PIPELINE_VERSION
from paperdesk.options import RunOptions, db_url_from
from paperdesk.parallel import Pool, make_pool, start_fork_server
from paperdesk.progress import Reporter, make_reporter
from paperdesk.results import (
    DocumentResult,
    apply_decisions,
    build_results,
    crop_path,
    failure_entry,
    finding_subject,
    preview_path,
)
from paperdesk.stages import (
    BLANK_FLAG,
    NOT_THIS_FORM_FLAG,
    DocumentMatch,
    Stages,
    default_stages,
    docx_form_task,
    run_task,
)
from paperdesk.store import (
    KEEP_BATCHES,
    Batch,
    FindingRow,
    InputRow,
    Pruned,
    ReadingRow,
    Store,
    open_store,
    page_ref,
    utcnow,
)
from reports import ReportOptions, write_results_json
from reports.results_json import atomic_write_bytes

log = logging.getLogger("paperdesk.runner")

# What a page's reading may fail with and still leave the batch running: the page
# becomes a failure with its reason (an UNREADABLE finding), the other pages go on.
# A programming error (TypeError, AttributeError…) is not in this list: it stops the
# batch with a traceback under -v, and what was stored is kept for the next run.
PAGE_ERRORS: tuple[type[BaseException], ...] = (PaperdeskError, ValueError, ArithmeticError, LookupError, cv2.error)
DOC_ID_FORMAT = "d{:04d}"
# The page number a DOCX input's form is tagged with in the pool's work (its pages are numbered from 1).
DOCX_TAG = 0
# The clerk's Chinese for pages the stack split found not to be this form (NOT_THIS_FORM_FLAG).
NOT_THIS_FORM_ZH = "不是本推荐表的页面，未作核对；请确认是否放错了扫描件"
# A blank page of a stack, as the clerk reads it in the input list.
BLANK_ZH = "为空白页（隔页纸或背面），已略过"
# Pages before a stack's first form that are not this form, in the input list (they are also a failure).
NOT_THIS_FORM_NOTE = "not this form, skipped"
NOT_THIS_FORM_NOTE_ZH = "不是推荐表，已略过"
# An input with no form on it at all: the clerk's reason, by what its pages were.
NO_FORM_ZH = "未在此文件中找到推荐表（共{pages}页，可能是照片或其他文件的页面），请确认是否放错了文件"
ALL_BLANK_ZH = "共{pages}页，均为空白页，未找到推荐表"
NOTHING_READ_ZH = "共{pages}页，没有一页能够读取，未找到推荐表"


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: what was read is stored; ``summary`` says how far it got."""

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__(summary.line())
        self.summary = summary


@dataclass
class BatchSummary:
    """What a run did, in one line for the terminal."""

    inputs: int = 0
    failed: int = 0
    skipped: int = 0
    documents: int = 0
    pages: int = 0
    pages_read: int = 0
    pages_cached: int = 0
    findings: int = 0
    results_path: Path | None = None
    seconds: float = 0.0
    interrupted: bool = False
    pruned: Pruned = field(default_factory=Pruned)

    def line(self) -> str:
        pages = f"{self.pages} pages ({self.pages_read} read, {self.pages_cached} from the store)"
        inputs = f"{self.inputs} inputs ({self.failed} failed, {self.skipped} skipped)"
        if self.interrupted:
            return (
                f"paperdesk: interrupted after {self.seconds:.1f} s: {inputs}, {pages} so far; "
                "what was read is kept and the next run resumes from there"
            )
        pruned = self.pruned.line()
        return (
            f"paperdesk: {inputs}, {self.documents} documents, {pages}, {self.findings} findings"
            f" → {self.results_path} ({self.seconds:.1f} s)" + (f"; store: {pruned}" if pruned else "")
        )


@dataclass
class BatchContext:
    """What every step after planning needs."""

    store: Store
    batch_id: int
    stages: Stages
    template: FormTemplate
    options: RunOptions
    version: str  # the cache key's pipeline version (pipeline_key)


@dataclass
class InputPlan:
    """One input on its way through the batch."""

    path: Path
    report: InputReport
    kind: str = ""  # pdf | tiff | image | docx
    total_pages: int = 0
    done: set[int] = field(default_factory=set)  # pages whose reading is in the store (the readings stay there)
    failures: list[dict[str, str]] = field(default_factory=list)
    # A DOCX input's form as the pool read it (numbered when its stack is assembled), or what that raised.
    docx_form: FormReading | None = None
    docx_error: BaseException | None = None

    @property
    def file(self) -> str:
        return self.report.file

    @property
    def paged(self) -> bool:
        return self.report.status == "read" and self.kind != "docx"


def pipeline_key(template: FormTemplate, options: RunOptions) -> str:
    """The cache key's version part: what changes what a page reads as."""
    return f"{PIPELINE_VERSION}:{template.name}:{options.ocr_engine}:{options.dpi}"


# -- planning ---------------------------------------------------------------------------------


def plan_inputs(
    paths: list[Path], stages: Stages, store: Store, version: str, force: bool, reporter: Reporter
) -> list[InputPlan]:
    """Every input with its status, kind, page count and which of its pages are already stored.

    ``--force`` forgets the stored pages of each input first, so they are all read again."""
    plans: list[InputPlan] = []
    first_by_hash: dict[str, str] = {}
    for path in paths:
        plan = plan_input(path, stages, first_by_hash)
        if plan.paged and force:
            store.drop_pages(plan.report.sha256, version)
        elif plan.paged:
            plan.done = {n for n in store.stored_page_numbers(plan.report.sha256, version) if n <= plan.total_pages}
        if plan.report.status == "failed":
            reporter.note(f"{plan.file}: {plan.report.reason}")
        plans.append(plan)
    return plans


def plan_input(path: Path, stages: Stages, first_by_hash: dict[str, str]) -> InputPlan:
    report = InputReport(file=str(path), status="read")
    plan = InputPlan(path=path, report=report)
    try:
        report.sha256 = file_sha256(path)
    except BadInputError as exc:
        report.status, report.reason = "failed", exc.message
        report.reason_zh = exc.reason_zh or ""
        return plan
    if report.sha256 in first_by_hash:
        report.status, report.duplicate_of = "skipped", first_by_hash[report.sha256]
        report.reason = f"same content as {report.duplicate_of}"
        report.reason_zh = f"与 {report.duplicate_of} 内容完全相同（重复扫描或重复放入），已跳过"
        return plan
    first_by_hash[report.sha256] = report.file
    try:
        plan.kind = stages.sniff(path)
        plan.total_pages = 0 if plan.kind == "docx" else stages.page_count(path)
    except BadInputError as exc:
        report.status, report.reason = "failed", exc.message
        report.reason_zh = exc.reason_zh or ""
    return plan


# -- reading pages ----------------------------------------------------------------------------


def page_work(
    plans: list[InputPlan], ctx: BatchContext, xopts: Any, warm_up: Callable[[], None] | None = None
) -> Iterator[tuple[tuple[int, int], tuple[Any, ...]]]:
    """Lazily, the pool's work as ``(task, *args)`` for ``stages.run_task``, tagged (input index, page
    number): each DOCX input's form first (``DOCX_TAG``; read in the pool beside the pages, not in the
    parent after them), then every page not yet stored; then ``warm_up`` runs here, in the parent, while
    the workers read the last pages."""
    for index, plan in enumerate(plans):
        if plan.report.status == "read" and plan.kind == "docx":
            stages = ctx.stages
            yield (index, DOCX_TAG), (docx_form_task, stages.read_docx, stages.read_docx_form, plan.path,
                                      DOC_ID_FORMAT.format(0), plan.file, ctx.template, ctx.options.ocr_engine)
    for index, plan in enumerate(plans):
        if not plan.paged or len(plan.done) >= plan.total_pages:
            continue
        rendered = 0
        try:
            for page in ctx.stages.iter_pages(plan.path, ctx.options.dpi):
                rendered += 1
                if page.number not in plan.done:
                    # Handed out, not kept: this frame holds no page while the pool has it (a worker
                    # process's pool lets it go once it is pickled to the worker).
                    handed, number = [page], page.number
                    del page
                    yield (index, number), (ctx.stages.read_page, handed.pop(), ctx.template, xopts)
        except BadInputError as exc:
            _input_error(plan, exc, rendered)
    if warm_up is not None:
        warm_up()


def _input_error(plan: InputPlan, exc: BadInputError, rendered: int) -> None:
    """A file that broke while its pages were rendered: failed if no page of it could be rendered,
    else its readable pages go on and the rest is a failure with the reason."""
    if rendered:
        plan.failures.append(failure_entry(plan.file, exc.message, exc.reason_zh))
    else:
        plan.report.status, plan.report.reason = "failed", exc.message
        plan.report.reason_zh = exc.reason_zh or ""


def _page_error_zh(number: int, error: BaseException) -> str:
    """A page the reader failed on, for the clerk: which page, what failed, what to do."""
    if isinstance(error, BadInputError) and error.reason_zh:
        return f"第{number}页：{error.reason_zh}"
    if isinstance(error, OcrError):
        return f"第{number}页文字识别（OCR）失败，请重新运行；仍失败请检查该页扫描是否清晰完整"
    return f"第{number}页处理时程序出错，请重新运行；仍失败请把该页交维护人员检查"


def read_pages(
    plans: list[InputPlan], pool: Pool, ctx: BatchContext, reporter: Reporter, summary: BatchSummary
) -> None:
    """Read every page not stored yet; store each reading as it comes back."""
    xopts = ctx.stages.extract_options(ctx.options.ocr_engine, ctx.options.debug_dir)
    # Warmed up beside two or more workers; with one job the parent loads the checks after the reading, as before.
    work = page_work(plans, ctx, xopts, ctx.stages.warm_up if pool.workers > 1 else None)
    for (index, number), outcome in pool.run(run_task, work, PAGE_ERRORS):
        plan = plans[index]
        if number == DOCX_TAG:
            plan.docx_form, plan.docx_error = outcome.value, outcome.error
            continue
        if outcome.error is not None:
            reason = f"page {number}: {outcome.error}"
            plan.failures.append(failure_entry(plan.file, reason, _page_error_zh(number, outcome.error)))
            reporter.note(f"{plan.file}: {reason}")
        else:
            reading: PageReading = outcome.value
            ctx.store.save_page(plan.report.sha256, number, ctx.version, reading.kind, reading.to_dict())
            plan.done.add(number)
            summary.pages_read += 1
        reporter.advance(1)


# -- documents --------------------------------------------------------------------------------


@dataclass
class Stack:
    """Pages that are split into documents together: one file, or a run of single-page
    image files in one folder (a scanner that writes a file per page), named by the folder."""

    name: str
    members: list[InputPlan]


def stacks_of(plans: list[InputPlan]) -> list[Stack]:
    """The read inputs as stacks, in discovery order."""
    stacks: list[Stack] = []
    for plan in plans:
        if plan.report.status != "read":
            continue
        last = stacks[-1].members[-1] if stacks else None
        if plan.kind == "image" and last is not None and last.kind == "image" and last.path.parent == plan.path.parent:
            stacks[-1].members.append(plan)
            stacks[-1].name = str(plan.path.parent)
        else:
            stacks.append(Stack(name=plan.file, members=[plan]))
    return stacks


@dataclass
class Assembled:
    """Every document of the batch (crops and previews already on disk and in the store, not in memory)."""

    forms: list[FormReading] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)  # documents spread over several page files
    crops: dict[str, dict[str, str]] = field(default_factory=dict)  # document -> key -> relative PNG path
    previews: dict[str, dict[int, str]] = field(default_factory=dict)  # document -> page -> relative JPEG path


def assemble_documents(plans: list[InputPlan], ctx: BatchContext) -> Assembled:
    """Every document, numbered d0001… in discovery order, one stack at a time: its page
    readings come from the store and go again once assembled, and each document's reading
    is stored and its crops and previews written as soon as it is made, so memory does not grow with pages."""
    done = Assembled()
    for stack in stacks_of(plans):
        try:
            forms = stack_documents(stack, ctx, len(done.forms) + 1)
        except BadInputError as exc:
            for member in stack.members:
                member.report.status, member.report.reason = "failed", exc.message
                member.report.reason_zh = exc.reason_zh or ""
            continue
        for form, form_files, pages in forms:
            for member in stack.members:
                if member.file in form_files:
                    member.report.documents.append(form.document_id)
            if len(stack.members) > 1:
                done.files[form.document_id] = form_files
            done.crops[form.document_id] = write_crops(form, ctx.options.out)
            done.previews[form.document_id] = write_previews(form, ctx.options.out)
            with ctx.store.session() as s:
                s.add(ReadingRow(batch_id=ctx.batch_id, document_id=form.document_id, reading=stored_reading(form, pages)))
            form.crops, form.previews = {}, {}
            done.forms.append(form)
    return done


@dataclass
class CachedPage:
    """A page reading of a document as the store's page cache holds it (its images stay there)."""

    reading: PageReading
    ref: dict[str, Any]  # store.page_ref of its row


def stored_reading(form: FormReading, pages: list[CachedPage]) -> dict[str, Any]:
    """A document's reading for the store: each crop and preview that one of its cached pages holds
    as a pointer to that page (``crop_pages`` / ``preview_pages``), the rest (a DOCX's seal picture) inline."""
    stored = form.to_dict()  # crops and previews inline, base64; those a cached page holds become pointers
    crop_pages: dict[str, dict[str, Any]] = {}
    for key, png in form.crops.items():
        holder = next((p for p in pages if p.reading.crops.get(key) == png), None)
        if holder is not None:
            del stored["crops"][key]
            crop_pages[key] = holder.ref
    preview_pages: dict[str, dict[str, Any]] = {}
    for page, jpeg in form.previews.items():
        holder = next((p for p in pages if p.reading.preview == jpeg), None)
        if holder is not None:
            del stored["previews"][str(page)]
            preview_pages[str(page)] = holder.ref
    return {**stored, "crop_pages": crop_pages, "preview_pages": preview_pages}


def stack_readings(
    stack: Stack, store: Store, version: str
) -> tuple[list[PageReading], list[int], list[str], list[dict[str, Any]]]:
    """The stack's page readings (from the store) in order, numbered within the stack; those numbers;
    their files; their rows in the page cache (``store.page_ref``)."""
    readings: list[PageReading] = []
    numbers: list[int] = []
    owners: list[str] = []
    refs: list[dict[str, Any]] = []
    offset = 0
    for member in stack.members:
        member.report.pages = member.total_pages
        stored = store.cached_pages(member.report.sha256, version)
        for n in sorted(member.done):
            reading = PageReading.from_dict(stored[n])
            if offset:
                reading = reading.renumbered(n + offset)
            reading.source = stack.name  # the name as given this run (a cached reading may come from a copy)
            readings.append(reading)
            numbers.append(n + offset)
            owners.append(member.file)
            refs.append(page_ref(member.report.sha256, n, version))
        offset += member.total_pages if len(stack.members) > 1 else 0
    return readings, numbers, owners, refs


def stack_documents(stack: Stack, ctx: BatchContext, first: int) -> list[tuple[FormReading, list[str], list[CachedPage]]]:
    """The stack's documents, each with the files its pages came from and its cached pages."""
    stages, template = ctx.stages, ctx.template
    head = stack.members[0]
    if head.kind == "docx":
        if head.docx_error is not None:
            raise head.docx_error
        if head.docx_form is not None:  # read in the pool (page_work): numbered here, in discovery order
            form = head.docx_form
            form.document_id = DOC_ID_FORMAT.format(first)
        else:
            table = stages.read_docx(head.path)
            form = stages.read_docx_form(DOC_ID_FORMAT.format(first), head.file, table, template, ctx.options.ocr_engine)
        return [(form, [head.file], [])]
    readings, numbers, owners, refs = stack_readings(stack, ctx.store, ctx.version)
    confirm_continuations(readings, template)  # a table of other text is no continuation without its evidence
    kinds: list[str] = [r.kind for r in readings]
    forms: list[tuple[FormReading, list[str], list[CachedPage]]] = []
    not_this_form: list[int] = []
    for group in stages.group_pages(kinds):
        pages = [numbers[i] for i in group.positions]
        if group.flag == BLANK_FLAG:
            head.report.notes.append(f"page {_page_list(pages)}: {group.flag}")
            head.report.notes_zh.append(f"第{_page_list_zh(pages)}页{BLANK_ZH}")
            continue
        if group.flag == NOT_THIS_FORM_FLAG:
            not_this_form = pages
            continue
        doc_id = DOC_ID_FORMAT.format(first + len(forms))
        form = stages.assemble(doc_id, stack.name, [readings[i] for i in group.positions], template)
        if group.flag:
            form.problems.append(f"pages {_page_list(pages)}: {group.flag}")
        cached = [CachedPage(readings[i], refs[i]) for i in group.positions]
        forms.append((form, list(dict.fromkeys(owners[i] for i in group.positions)), cached))
    if not forms:
        for member in stack.members:
            no_form_found(member, [k for k, owner in zip(kinds, owners, strict=True) if owner == member.file])
    elif not_this_form:
        head.report.notes.append(f"page {_page_list(not_this_form)}: {NOT_THIS_FORM_NOTE}")
        head.report.notes_zh.append(f"第{_page_list_zh(not_this_form)}页{NOT_THIS_FORM_NOTE_ZH}")
        head.failures.append(
            failure_entry(
                stack.name,
                f"pages {_page_list(not_this_form)}: {NOT_THIS_FORM_FLAG}",
                f"第{_page_list_zh(not_this_form)}页{NOT_THIS_FORM_ZH}",
            )
        )
    return forms


def no_form_found(plan: InputPlan, kinds: list[str]) -> None:
    """An input on which no form was found (``kinds``: what each of its pages read as) is a failure, not a
    read input (CONTRACT.md ``failures``): a photo, another document's pages, blank sheets, pages that could
    not be read. Its one ``failures`` entry says why, with the reasons of its pages that failed folded in."""
    pages = plan.total_pages
    its = f"its {pages} page" + ("s" if pages != 1 else "")
    if not kinds:
        reason, reason_zh = f"no form found on {its}: none could be read", NOTHING_READ_ZH.format(pages=pages)
    elif all(k == "blank" for k in kinds):
        reason, reason_zh = f"no form found on {its}: blank", ALL_BLANK_ZH.format(pages=pages)
    else:
        reason, reason_zh = f"no form found on {its}", NO_FORM_ZH.format(pages=pages)
    plan.report.status = "failed"
    plan.report.reason = "; ".join([reason, *(f["reason"] for f in plan.failures)])
    plan.report.reason_zh = "；".join([reason_zh, *(f.get("reason_zh") or f["reason"] for f in plan.failures)])
    plan.failures = []


def _page_list(pages: list[int]) -> str:
    return ", ".join(str(p) for p in pages)


def _page_list_zh(pages: list[int]) -> str:
    return "、".join(str(p) for p in pages)


def write_crops(form: FormReading, out_dir: Path) -> dict[str, str]:
    """The document's PNG crops under out/crops/, by field key."""
    paths = {}
    for key, png in form.crops.items():
        rel = crop_path(form.document_id, key)
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out_dir / rel, png, durable=False)  # a copy of what the store keeps
        paths[key] = rel
    return paths


def write_previews(form: FormReading, out_dir: Path) -> dict[int, str]:
    """The document's page previews (JPEG) under out/pages/, by page number."""
    paths = {}
    for page, jpeg in sorted(form.previews.items()):
        rel = preview_path(form.document_id, page)
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out_dir / rel, jpeg, durable=False)  # a copy of what the store keeps
        paths[page] = rel
    return paths


# -- the batch --------------------------------------------------------------------------------


def run_batch(options: RunOptions, stages: Stages | None = None, reporter: Reporter | None = None) -> BatchSummary:
    """Run one batch (see the module docstring); returns its summary."""
    t0 = time.monotonic()
    if options.cluster is None:
        start_fork_server()  # its imports run while this process probes, loads and plans
    stages = stages or default_stages()
    reporter = reporter or make_reporter(options.quiet)
    stages.probe(options.ocr_engine)
    template = stages.load_template(options.form)
    export = stages.read_export(options.online, template)
    paths = stages.discover(options.scans)
    if not paths:
        raise ConfigError(f"no files found in {', '.join(str(p) for p in options.scans)}")
    options.out.mkdir(parents=True, exist_ok=True)
    store = open_store(options.db_url)
    started = utcnow()
    version = pipeline_key(template, options)
    ctx = BatchContext(store, _start_batch(store, options, template, version), stages, template, options, version)
    summary = BatchSummary()
    plans = plan_inputs(paths, stages, store, version, options.force, reporter)
    _count_inputs(summary, plans)
    reporter.start(sum(p.total_pages for p in plans if p.paged))
    if summary.pages_cached:
        reporter.advance(summary.pages_cached, cached=True)
    pool = make_pool(options.jobs, options.cluster, _worker_warm_up(stages, options, plans))
    try:
        read_pages(plans, pool, ctx, reporter, summary)
    except KeyboardInterrupt:
        pool.close(cancel=True)
        reporter.stop()
        summary.interrupted, summary.seconds = True, time.monotonic() - t0
        raise BatchInterrupted(summary) from None
    except BaseException:
        pool.close(cancel=True)
        reporter.stop()
        raise
    pool.close()
    reporter.stop()
    results = finish_batch(ctx, plans, export.records, started)
    summary.documents = len(results["documents"])
    summary.findings = len(results["findings"]) + sum(len(d["findings"]) for d in results["documents"])
    summary.failed = results["batch"]["failed_inputs"]
    summary.results_path = write_outputs(results, options.out, stages, _report_options(options, template))
    summary.pruned = prune_store(store)
    summary.seconds = time.monotonic() - t0
    store.dispose()
    return summary


def _worker_warm_up(stages: Stages, options: RunOptions, plans: list[InputPlan]) -> Callable[[], None] | None:
    """What each worker loads as it starts (``Stages.warm_worker``), when the batch has pages or a DOCX to read."""
    reading = any(p.paged and len(p.done) < p.total_pages or p.report.status == "read" and p.kind == "docx" for p in plans)
    if stages.warm_worker is None or not reading:
        return None
    return functools.partial(stages.warm_worker, options.ocr_engine)


def prune_store(store: Store) -> Pruned:
    """Keep the newest ``KEEP_BATCHES`` batches (store.prune). The batch is written by now: a store
    that cannot be pruned this time (locked past its timeout) is logged and pruned by the next run."""
    try:
        pruned = store.prune(KEEP_BATCHES)
    except StoreError as exc:
        log.warning("store not pruned: %s", exc)
        return Pruned()
    if pruned.line():
        log.info("store: %s", pruned.line())
    return pruned


def _count_inputs(summary: BatchSummary, plans: list[InputPlan]) -> None:
    summary.inputs = len(plans)
    summary.failed = sum(1 for p in plans if p.report.status == "failed")
    summary.skipped = sum(1 for p in plans if p.report.status == "skipped")
    summary.pages = sum(p.total_pages for p in plans if p.paged)
    summary.pages_cached = sum(len(p.done) for p in plans if p.paged)


def _report_options(options: RunOptions, template: FormTemplate | None = None) -> ReportOptions:
    return ReportOptions(
        sender=options.sender,
        reply_deadline=options.reply_by,
        batch_date=options.batch_date,
        count_rule=options.count_rule,
        template=template,
    )


def _stored_template(stages: Stages, opts: dict[str, Any]) -> FormTemplate | None:
    """The template a stored batch was read with, by the ``--form`` it ran with (a name or a TOML
    path); None when that cannot be loaded now (the reports then load it by the results' form name)."""
    form = opts.get("form")
    if not isinstance(form, str) or not form:
        return None
    try:
        return stages.load_template(form)
    except TemplateError:
        return None


def _start_batch(store: Store, options: RunOptions, template: FormTemplate, version: str) -> int:
    """The batch's row; its options carry the pipeline key, by which the prune keeps the cached pages it reads."""
    with store.session() as s:
        stored_options = {**options.model_dump(mode="json"), "pipeline_key": version}
        batch = Batch(out_dir=str(options.out.resolve()), form=template.name, options=stored_options)
        s.add(batch)
        s.flush()
        return batch.id


def finish_batch(
    ctx: BatchContext, plans: list[InputPlan], records: list[OnlineRecord], started: dt.datetime
) -> dict[str, Any]:
    """Documents, reconciliation, results; stored in the batch's row."""
    store, options = ctx.store, ctx.options
    assembled = assemble_documents(plans, ctx)
    matches = ctx.stages.reconcile(assembled.forms, records, ctx.template, options.count_rule)
    by_id = {r.record_id: r for r in records}
    docs = []
    for form in assembled.forms:
        match = matches.documents.get(form.document_id) or DocumentMatch(record_id=None, match_score=None)
        record = by_id.get(match.record_id) if match.record_id else None
        crops = assembled.crops.get(form.document_id, {})
        docs.append(DocumentResult(form, match, record, crops=crops, files=assembled.files.get(form.document_id),
                                   page_images=assembled.previews.get(form.document_id, {})))
    results = build_results(
        template=ctx.template,
        started=started,
        finished=utcnow(),
        inputs=[p.report for p in plans],
        documents=docs,
        batch_findings=matches.findings,
        unmatched_records=matches.unmatched_records,
        online_records=len(records),
        page_failures=[f for p in plans for f in p.failures],
        decisions=store.decisions(),
    )
    save_batch(store, ctx.batch_id, plans, docs, results)
    return results


def save_batch(
    store: Store, batch_id: int, plans: list[InputPlan], docs: list[DocumentResult], results: dict[str, Any]
) -> None:
    record_ids = {d.reading.document_id: d.match.record_id for d in docs}
    with store.session() as s:
        for position, plan in enumerate(plans):
            r = plan.report
            s.add(
                InputRow(
                    batch_id=batch_id,
                    position=position,
                    path=r.file,
                    sha256=r.sha256,
                    status=r.status,
                    reason=r.reason,
                    duplicate_of=r.duplicate_of,
                    pages=r.pages,
                )
            )
        for row in s.scalars(select(ReadingRow).where(ReadingRow.batch_id == batch_id)):
            row.record_id = record_ids.get(row.document_id)
        for doc_result in results["documents"]:
            for f in doc_result["findings"]:
                s.add(_finding_row(batch_id, f, doc_result["id"], doc_result["record_id"]))
        for f in results["findings"]:
            s.add(_finding_row(batch_id, f, None, f.get("record_id")))
        batch = s.get(Batch, batch_id)
        if batch is None:
            raise StoreError(f"batch {batch_id} vanished from the store")
        batch.results = results
        batch.finished = utcnow()


def _finding_row(batch_id: int, f: dict[str, Any], document_id: str | None, record_id: str | None) -> FindingRow:
    return FindingRow(
        batch_id=batch_id,
        document_id=document_id,
        record_id=record_id or finding_subject(f, document_id) or None,
        key=str(f.get("key", "")),
        code=f["code"],
        field=f.get("field"),
        severity=f["severity"],
        message=f["message"],
        data={k: v for k, v in f.items() if k != "review"},
    )


def write_outputs(results: dict[str, Any], out_dir: Path, stages: Stages, report_options: ReportOptions) -> Path:
    """results.json (atomically) first, so a report that fails to render loses nothing; then the reports."""
    path = write_results_json(results, out_dir)
    if stages.write_reports is not None:
        stages.write_reports(results, out_dir, report_options)
    return path


# -- paperdesk report -------------------------------------------------------------------------


def regenerate_reports(db: str, out: Path | None, stages: Stages | None = None) -> Path:
    """Write the latest finished batch's reports again, with the review decisions stored since."""
    stages = stages or default_stages()
    store = open_store(db_url_from(db))
    batch = store.latest_finished_batch()
    if batch is None or batch.results is None:
        raise ConfigError(f"no finished batch in {db}: run `paperdesk run` first")
    out_dir = out or Path(batch.out_dir)
    results = apply_decisions(batch.results, store.decisions())
    if out_dir.resolve() != Path(batch.out_dir).resolve():
        _copy_images(store, batch.id, out_dir)
    opts = batch.options or {}
    report_options = ReportOptions(
        sender=opts.get("sender") or RunOptions.model_fields["sender"].default,
        reply_deadline=_date_or_none(opts.get("reply_by")),
        batch_date=_date_or_none(opts.get("batch_date")),
        count_rule=opts.get("count_rule") or "word",
        template=_stored_template(stages, opts),
    )
    write_outputs(results, out_dir, stages, report_options)
    store.dispose()
    return out_dir


def _date_or_none(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


def _copy_images(store: Store, batch_id: int, out_dir: Path) -> None:
    """The batch's crops and page previews, from the store (inline or in the page cache), into another output folder."""
    for document_id, crops, previews in store.document_images(batch_id):
        images = [(crop_path(document_id, key), png) for key, png in crops.items()]
        images += [(preview_path(document_id, page), jpeg) for page, jpeg in previews.items()]
        for rel, data in images:
            (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(out_dir / rel, data)
