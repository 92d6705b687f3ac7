"""``--archive DIR``: one searchable PDF/A-2b per nomination, ``编号_技术名称.pdf``, plus ``index.xlsx``.

Made from the store's latest finished batch, so ``paperdesk run``, ``watch`` and ``report`` archive
alike (``report`` after the clerks' decisions). For each document of the batch (in order):

1. its pages, form and attachments in scan order, are found in the inputs they came from (the
   stack's page numbers, or one page per file of a folder of page files); a Word form (DOCX) has
   no scanned pages and is listed, not archived;
2. ``pages``: each page rendered again from its input (checked against the hash the batch read),
   turned by the angle its reading levelled it by, at the scan's resolution, encoded no larger
   than the scan;
3. ``textlayer``: the page's reading from the store's page cache as hOCR;
4. ``pdfa``: OCRmyPDF puts the two together as PDF/A-2b, paperdesk's reading as the text.

A PDF whose pages, readings and name are unchanged since it was made is kept (``.paperdesk-archive.json``
in the folder remembers what each was made from), so a folder watched all afternoon is not archived
again from scratch after every envelope; one that no nomination has any more is removed (only files
paperdesk made are ever removed). A nomination that cannot be archived is a row of ``index.xlsx``
with the reason, and the others go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from forms import load_template
from forms.errors import BadInputError, ConfigError
from forms.template import FormTemplate
from ingest.files import file_sha256
from ingest.page import Page
from paperdesk.archive.index import INDEX_NAME, IndexRow, write_index
from paperdesk.archive.names import Namer
from paperdesk.archive.pages import TEXT_LAYER_BYTES, encode, render
from paperdesk.archive.pdfa import ArchiveError, ArchivePage, write_pdfa
from paperdesk.archive.textlayer import hocr, page_lines, scaled
from paperdesk.options import db_url_from
from paperdesk.results import apply_decisions
from paperdesk.stages import Stages, default_stages
from paperdesk.store import InputRow, ReadingRow, Store, open_store
from reports.model import MISSING, Nomination, group_label, nominations, review_note, title_label

__all__ = ["ArchiveError", "ArchiveSummary", "INDEX_NAME", "archive_batch", "write_archive"]

log = logging.getLogger("paperdesk.archive")

# Bumped when what an archive PDF holds changes (encoding, text layer): every PDF is made again.
ARCHIVE_FORMAT = "1"
MANIFEST_NAME = ".paperdesk-archive.json"
DOCX_NOTE = "用 Word 文档（DOCX）填写，没有扫描页，未归档"


@dataclass
class ArchiveSummary:
    """What one archiving pass did, in one line for the terminal."""

    folder: Path
    written: list[str] = field(default_factory=list)
    kept: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document id, reason)
    not_archived: int = 0  # DOCX forms: listed in the index only
    removed: int = 0
    scan_bytes: int = 0  # the scans' bytes for the pages archived (input size / its pages, per page)
    archive_bytes: int = 0  # the archive PDFs' bytes

    def line(self) -> str:
        size = ""
        if self.scan_bytes:
            size = f"; {self.archive_bytes / 1e6:.1f} MB of PDFs for {self.scan_bytes / 1e6:.1f} MB of scans"
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (
            f"paperdesk: archive {self.folder}: {len(self.written)} written, {self.kept} unchanged{failed}"
            f"{size}, index {self.folder / INDEX_NAME}"
        )


@dataclass
class InputFile:
    """An input of the batch as the store has it."""

    path: str
    sha256: str
    pages: int


@dataclass
class SourcePage:
    """One page of a nomination: which input, which page of it, and the share of the input's bytes it is."""

    input: InputFile
    number: int


def write_archive(db: str, archive_dir: Path, stages: Stages | None = None) -> ArchiveSummary:
    """Archive the latest finished batch of the store ``db`` (a SQLAlchemy URL or a SQLite path)."""
    store = open_store(db_url_from(db))
    try:
        return archive_batch(store, archive_dir, stages or default_stages())
    finally:
        store.dispose()


def archive_batch(store: Store, archive_dir: Path, stages: Stages) -> ArchiveSummary:
    """Bring ``archive_dir`` up to date with the store's latest finished batch (see the module docstring)."""
    batch = store.latest_finished_batch()
    if batch is None or batch.results is None:
        raise ConfigError("no finished batch in the store to archive: run `paperdesk run` first")
    results = apply_decisions(batch.results, store.decisions())
    options = batch.options or {}
    version = str(options.get("pipeline_key") or "")
    read_dpi = int(options.get("dpi") or 300)
    template = load_template(batch.form)
    with store.session() as s:
        readings = {r.document_id: r.reading for r in s.scalars(select(ReadingRow).where(ReadingRow.batch_id == batch.id))}
        inputs = {
            r.path: InputFile(r.path, r.sha256, r.pages)
            for r in s.scalars(select(InputRow).where(InputRow.batch_id == batch.id, InputRow.status == "read"))
        }
    archive_dir.mkdir(parents=True, exist_ok=True)
    made_before = _load_manifest(archive_dir)
    made: dict[str, str] = {}
    summary = ArchiveSummary(folder=archive_dir)
    namer = Namer()
    by_document = {n.ident: n for n in nominations(results) if n.kind == "document"}
    rows: list[IndexRow] = []
    for doc in results.get("documents", []):
        nom = by_document.get(str(doc.get("id")))
        if nom is None:
            continue
        name = namer.name(nom.record_id or paper_ident(doc), nom.title, nom.ident)
        row = _index_row(nom, name)
        rows.append(row)
        try:
            sources = source_pages(doc, readings.get(nom.ident), inputs)
        except ArchiveError as exc:
            row.file, row.note = "", str(exc)
            summary.not_archived += 1
            continue
        row.pages = len(sources)
        summary.scan_bytes += sum(_page_share(p.input) for p in sources)
        key = _key(sources, version, name, nom)
        target = archive_dir / name
        if made_before.get(name) == key and target.is_file():
            made[name] = key
            summary.kept += 1
            summary.archive_bytes += target.stat().st_size
            continue
        try:
            build_pdf(target, sources, store, version, read_dpi, template, stages, _title(nom))
        except (ArchiveError, BadInputError, OSError) as exc:
            reason = getattr(exc, "reason_zh", None) or str(exc)
            log.warning("%s: not archived: %s", nom.ident, exc)
            summary.failed.append((nom.ident, str(exc)))
            if name in made_before and target.is_file():  # the PDF made before stays until it can be made again
                made[name] = made_before[name]
                row.note = f"本次未能更新，保留上次的归档：{reason}"
            else:
                row.file, row.note = "", f"未能归档：{reason}"
            continue
        made[name] = key
        summary.written.append(name)
        summary.archive_bytes += target.stat().st_size
    for old in set(made_before) - set(made):
        stale = archive_dir / old
        if stale.is_file() and Path(old).name == old:
            stale.unlink()
            summary.removed += 1
    _save_manifest(archive_dir, made)
    write_index(rows, archive_dir, title_label(template), group_label(template))
    return summary


def _index_row(nom: Nomination, name: str) -> IndexRow:
    decisions = [note for f in nom.findings if (note := review_note(f))]
    return IndexRow(
        record_id=nom.record_id or MISSING,
        title=nom.title or MISSING,
        group=nom.group or MISSING,
        applicant=nom.applicant or MISSING,
        recommender=nom.recommender or MISSING,
        status=nom.status,
        decisions="；".join(decisions),
        file=name,
        document_id=nom.ident,
        pages=0,
    )


def paper_ident(doc: dict[str, Any]) -> str:
    """What names a form with no online record: where it is in the scans (``stack_box1-p9``). Unlike
    its document id, this stays the same when a file that sorts before it arrives in a watched folder."""
    source = doc.get("source") or {}
    files = source.get("files") or []
    pages = source.get("pages") or []
    where = Path(str(files[0] if files else source.get("file", ""))).stem
    page = f"-p{pages[0]}" if pages and not files else ""
    return f"{where}{page}" if where else str(doc.get("id", ""))


def _title(nom: Nomination) -> str:
    return " ".join(p for p in (nom.record_id, nom.title) if p) or nom.ident


def source_pages(doc: dict[str, Any], reading: dict[str, Any] | None, inputs: dict[str, InputFile]) -> list[SourcePage]:
    """The document's pages (form, then attachments, in scan order) as (input, page of it)."""
    if (reading or {}).get("path_taken") == "docx" or doc.get("path_taken") == "docx":
        raise ArchiveError(DOCX_NOTE)
    source = doc.get("source") or {}
    if reading is not None:
        pages = sorted({int(p) for p in [*reading.get("pages", []), *reading.get("attachment_pages", [])]})
    else:
        pages = sorted(int(p) for p in source.get("pages", []))
    if not pages:
        raise ArchiveError("没有可归档的页面")
    files = source.get("files")
    if files:
        # A folder of page files: one page each, in the stack's order.
        if len(files) != len(pages):
            raise ArchiveError(f"{len(pages)} 页分在 {len(files)} 个文件中，无法对应，未归档")
        return [SourcePage(_input(inputs, f), 1) for f in files]
    found = _input(inputs, str(source.get("file", "")))
    return [SourcePage(found, n) for n in pages]


def _input(inputs: dict[str, InputFile], path: str) -> InputFile:
    found = inputs.get(path)
    if found is None:
        raise ArchiveError(f"批次中没有扫描件 {path} 的记录，未归档")
    return found


def _page_share(item: InputFile) -> int:
    """A page's share of its scan's bytes (what the archive's page must not exceed)."""
    try:
        size = os.path.getsize(item.path)
    except OSError:
        return 0
    return size // max(1, item.pages)


def _key(sources: list[SourcePage], version: str, name: str, nom: Nomination) -> str:
    """What an archive PDF is made from: when it is unchanged, the PDF is kept."""
    made_of = [ARCHIVE_FORMAT, version, name, _title(nom), [(p.input.sha256, p.number) for p in sources]]
    return hashlib.sha256(json.dumps(made_of, ensure_ascii=False).encode("utf-8")).hexdigest()


def build_pdf(
    target: Path,
    sources: list[SourcePage],
    store: Store,
    version: str,
    read_dpi: int,
    template: FormTemplate,
    stages: Stages,
    title: str,
) -> None:
    """Render, encode and lay the text of every page, then write ``target`` through OCRmyPDF (atomically)."""
    pages: list[ArchivePage] = []
    by_input: dict[str, list[int]] = {}
    for p in sources:
        by_input.setdefault(p.input.path, []).append(p.number)
    rendered: dict[tuple[str, int], Page] = {}
    cached: dict[str, dict[int, dict[str, Any]]] = {}
    for item in {p.input.path: p.input for p in sources}.values():
        path = Path(item.path)
        if not path.is_file() or file_sha256(path) != item.sha256:
            raise ArchiveError(f"扫描件 {item.path} 在读取后已被移走或改动，请重新运行后再归档")
        kind = stages.sniff(path)
        for number, scan in render(path, kind, by_input[item.path], read_dpi, stages.iter_pages).items():
            rendered[(item.path, number)] = scan
        cached[item.path] = store.cached_pages(item.sha256, version)
    # The pages may take the scans' bytes less what the text layer costs (the archive is no larger than the scans).
    scan_bytes = sum(_page_share(p.input) for p in sources)
    budget = max(1, (scan_bytes - TEXT_LAYER_BYTES) // len(sources)) if scan_bytes else None
    for p in sources:
        page = rendered.get((p.input.path, p.number))
        if page is None:
            raise ArchiveError(f"扫描件 {p.input.path} 第{p.number}页无法再次读出，未归档")
        reading = cached[p.input.path].get(p.number) or {}
        image = encode(page, float(reading.get("skew_deg") or 0.0), budget, int(reading.get("turned") or 0))
        lines = page_lines(reading, template)
        factor = image.width / float(reading["width"]) if reading.get("width") else 1.0
        pages.append(ArchivePage(image.data, hocr(scaled(lines, factor), image.width, image.height, image.dpi, len(pages))))
    with tempfile.TemporaryDirectory(prefix=".paperdesk-", dir=target.parent) as work:
        out = Path(work) / "archive.pdf"
        write_pdfa(pages, out, Path(work), title)
        os.replace(out, target)


def _load_manifest(archive_dir: Path) -> dict[str, str]:
    path = archive_dir / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable (%s): every archive PDF is made again", path, exc)
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _save_manifest(archive_dir: Path, made: dict[str, str]) -> None:
    path = archive_dir / MANIFEST_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"format": ARCHIVE_FORMAT, "files": made}, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)

