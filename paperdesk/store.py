"""The batch store: what a run read, found and what clerks decided (SQLAlchemy 2).

SQLite file in the output folder by default (``out/paperdesk.db``); any
SQLAlchemy URL works (PostgreSQL is tested). Tables:

- ``batches``   one row per ``paperdesk run``: out_dir, form, options, started,
                finished (None while running or after a crash), results (the
                CONTRACT.md dict once the batch finished).
- ``inputs``    every input file of a batch with its content hash and status
                (read / failed / skipped) — nothing is dropped silently.
- ``pages``     the cache and resume point: one PageReading dict per
                (input sha256, page number, pipeline version), committed as soon
                as the page is read. Not tied to a batch: a later batch with the
                same file reuses it.
- ``readings``  one FormReading dict per document of a batch. Its crops and page previews are
                not copied from the page cache: ``crop_pages`` / ``preview_pages`` point at the
                ``pages`` row holding each (:func:`page_ref`); only images no cached page holds
                (a DOCX's seal picture) are kept inline as base64 in ``crops`` / ``previews``.
- ``findings``  one row per finding of a batch (``key`` is ``Finding.key``).
- ``decisions`` a clerk's review of a finding, keyed by subject (record id, or the
                document id when the form matched no record) and finding key, so it
                survives re-runs. One row per (subject, finding_key); the latest wins.
- ``decision_events`` the history behind ``decisions``, append-only: every confirm, dismiss,
                correct and reopen with who, when, the comment and the status it replaced
                (so a decision overridden or reopened by another clerk leaves a trace).
- ``users``     review-screen users (password hashes only).
- ``web_sessions`` review-screen logins: the SHA-256 of the cookie's random token (never the token
                itself), the user, the CSRF token, created / last seen / revoked. Logout,
                ``user remove`` and ``user passwd`` revoke.

A SQLite store file is created readable by its owner only (0600; SQLite gives its -wal and -shm files
the same mode), and an existing one is narrowed to that when opened: it holds applicants' contacts and
the password hashes. :func:`shown_url` is the store's URL with its password masked, for anything that
prints or shows it.

When a batch finishes, :meth:`Store.prune` keeps the newest ``KEEP_BATCHES`` batches and deletes the
older ones' rows, and the cached pages no kept batch uses that were read before the kept ones;
decisions and users are never pruned. SQLite then gives the space back (VACUUM) when much is free.

Times are stored as UTC; SQLite hands them back naive, :func:`as_utc` fixes that.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    make_url,
    select,
    update,
)
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from forms.errors import StoreError

log = logging.getLogger("paperdesk.store")

# A reader (the web app) and the runner write the same SQLite file; wait this long
# for the other's lock rather than failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
# After a checkpoint the write-ahead log is cut back to this size, so one big write (a VACUUM,
# a first batch) does not leave a file as large as the store beside it while the screen reads it.
SQLITE_WAL_LIMIT_BYTES = 16 * 1024 * 1024

# Batches a store keeps, the newest first (the latest is what the screen and `paperdesk report`
# show; two before it to compare with). Older batches' rows are pruned when a batch finishes.
KEEP_BATCHES = 3
# After a prune, SQLite rewrites its file (VACUUM, one copy of the file) when at least this share of
# it is free pages; less is reused by the next batches' rows anyway.
VACUUM_MIN_FREE_SHARE = 0.2
# Rows deleted per statement (an IN list well under every database's parameter limit).
DELETE_CHUNK = 500

DecisionStatus = str  # "confirmed" | "dismissed" | "corrected"
DECISION_STATUSES = ("confirmed", "dismissed", "corrected")
REOPENED = "reopened"
"""The history's action when a clerk takes a decision back (the finding is open again)."""

STORE_FILE_MODE = 0o600
"""The SQLite file holds applicants' contacts and password hashes: its owner only."""


def shown_url(url: str) -> str:
    """The store's URL as it may be printed or shown: the password masked (``postgresql://u:***@h/db``)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url if "@" not in url else "(store URL not shown: it does not parse)"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite drops the zone)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    out_dir: Mapped[str] = mapped_column(String(1024))
    form: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class InputRow(Base):
    __tablename__ = "inputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # discovery order within the batch
    path: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # read | failed | skipped
    reason: Mapped[str] = mapped_column(Text, default="")
    duplicate_of: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("input_sha256", "number", "pipeline_version", name="uq_page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    input_sha256: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1-based within the input
    pipeline_version: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))  # first | continuation | attachment | blank | other
    reading: Mapped[dict[str, Any]] = mapped_column(JSON)  # PageReading.to_dict()
    read_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReadingRow(Base):
    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reading: Mapped[dict[str, Any]] = mapped_column(JSON)  # FormReading.to_dict(with_crops=True)


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: a batch finding
    record_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    key: Mapped[str] = mapped_column(String(512))  # Finding.key
    code: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # Finding.to_dict()


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("subject", "finding_key", name="uq_decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(128))  # record id, or document id when unmatched
    finding_key: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))  # confirmed | dismissed | corrected
    comment: Mapped[str] = mapped_column(Text, default="")
    corrected_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    user: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def to_dict(self) -> dict[str, Any]:
        decided = as_utc(self.decided_at)
        return {
            "status": self.status,
            "comment": self.comment,
            "corrected_value": self.corrected_value,
            "user": self.user,
            "decided_at": decided.isoformat() if decided else None,
        }


class DecisionEvent(Base):
    """One step of a finding's review history (append-only; ``decisions`` holds where it ended)."""

    __tablename__ = "decision_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(128), index=True)
    finding_key: Mapped[str] = mapped_column(String(512))
    action: Mapped[str] = mapped_column(String(16))  # confirmed | dismissed | corrected | reopened
    comment: Mapped[str] = mapped_column(Text, default="")
    corrected_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    user: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    previous_status: Mapped[str | None] = mapped_column(String(16), nullable=True)  # None: it was open
    previous_user: Mapped[str | None] = mapped_column(String(128), nullable=True)

    def to_dict(self) -> dict[str, Any]:
        at = as_utc(self.at)
        return {
            "action": self.action,
            "comment": self.comment,
            "corrected_value": self.corrected_value,
            "user": self.user,
            "at": at.isoformat() if at else None,
            "previous_status": self.previous_status,
            "previous_user": self.previous_user,
        }


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSession(Base):
    """A review-screen login. The cookie holds a random token; this row holds only its SHA-256, so
    reading the store gives no cookie that works."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(128), index=True)
    csrf: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: the web app reads while a run writes; a killed run leaves no torn page.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    """One database: ``Store(url).create_all()``, then ``with store.session() as s: ...``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.shown_url = shown_url(url)
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open the store {self.shown_url}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            _private_file(self.engine.url.database)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> Store:
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create the store's tables at {self.shown_url}: {exc}") from exc
        return self

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise StoreError(f"store write failed ({self.shown_url}): {exc}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    # -- pages: the cache and the resume point ------------------------------------------

    def cached_pages(self, sha256: str, pipeline_version: str) -> dict[int, dict[str, Any]]:
        """Every stored PageReading dict of one input at this pipeline version, by page number."""
        with self.session() as s:
            rows = s.scalars(
                select(PageRow).where(PageRow.input_sha256 == sha256, PageRow.pipeline_version == pipeline_version)
            )
            return {row.number: row.reading for row in rows}

    def stored_page_numbers(self, sha256: str, pipeline_version: str) -> set[int]:
        """Which pages of one input are stored at this pipeline version (without loading them)."""
        with self.session() as s:
            rows = s.scalars(
                select(PageRow.number).where(
                    PageRow.input_sha256 == sha256, PageRow.pipeline_version == pipeline_version
                )
            )
            return set(rows)

    def save_page(self, sha256: str, number: int, pipeline_version: str, kind: str, reading: dict[str, Any]) -> None:
        """Store one page reading (replacing an older one with the same key), committed at once."""
        with self.session() as s:
            old = s.scalar(
                select(PageRow).where(
                    PageRow.input_sha256 == sha256,
                    PageRow.number == number,
                    PageRow.pipeline_version == pipeline_version,
                )
            )
            if old is not None:
                s.delete(old)
                s.flush()
            s.add(
                PageRow(input_sha256=sha256, number=number, pipeline_version=pipeline_version, kind=kind, reading=reading)
            )

    def drop_pages(self, sha256: str, pipeline_version: str) -> int:
        """Forget an input's stored pages (``--force``); returns how many were dropped."""
        with self.session() as s:
            rows = list(
                s.scalars(
                    select(PageRow).where(PageRow.input_sha256 == sha256, PageRow.pipeline_version == pipeline_version)
                )
            )
            for row in rows:
                s.delete(row)
            return len(rows)

    def count_pages(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count()).select_from(PageRow)) or 0)

    # -- a document's images: inline, or in the page cache -------------------------------

    def document_images(self, batch_id: int) -> Iterator[tuple[str, dict[str, bytes], dict[int, bytes]]]:
        """Every document of a batch with its crops (by field key) and page previews (by page)."""
        with self.session() as s:
            rows = list(s.execute(select(ReadingRow.document_id, ReadingRow.reading)
                                  .where(ReadingRow.batch_id == batch_id).order_by(ReadingRow.id)))
            for document_id, reading in rows:
                pages: dict[tuple[str, int, str], dict[str, Any] | None] = {}
                crops = self._images(s, reading, "crops", "crop_pages", pages)
                previews = self._images(s, reading, "previews", "preview_pages", pages)
                yield document_id, crops, {int(p): data for p, data in previews.items()}

    def stored_crop(self, batch_id: int, document_id: str, key: str) -> bytes | None:
        """One crop of a batch's document (PNG bytes), inline or from the page cache; None when there is none."""
        return self._stored_image(batch_id, document_id, "crops", "crop_pages", key)

    def stored_preview(self, batch_id: int, document_id: str, page: int) -> bytes | None:
        """One page preview of a batch's document (JPEG bytes), inline or from the page cache; None when there is none."""
        return self._stored_image(batch_id, document_id, "previews", "preview_pages", str(page))

    def _stored_image(self, batch_id: int, document_id: str, inline_key: str, refs_key: str, name: str) -> bytes | None:
        with self.session() as s:
            reading = s.scalar(select(ReadingRow.reading).where(ReadingRow.batch_id == batch_id,
                                                                ReadingRow.document_id == document_id))
            if not isinstance(reading, dict):
                return None
            inline = _b64((reading.get(inline_key) or {}).get(name))
            if inline is not None:
                return inline
            ref = _ref_key((reading.get(refs_key) or {}).get(name))
            page = self._page_reading(s, ref, {}) if ref else None
            return _b64(_page_image(page, inline_key, name))

    def _images(self, s: Session, reading: Any, inline_key: str, refs_key: str,
                pages: dict[tuple[str, int, str], dict[str, Any] | None]) -> dict[str, bytes]:
        """A stored reading's images of one kind by name: inline ones, then those in the page cache."""
        if not isinstance(reading, dict):
            return {}
        found: dict[str, bytes] = {}
        for name, value in (reading.get(inline_key) or {}).items():
            if (data := _b64(value)) is not None:
                found[str(name)] = data
        for name, ref in (reading.get(refs_key) or {}).items():
            ref_key = _ref_key(ref)
            page = self._page_reading(s, ref_key, pages) if ref_key else None
            if page is None:
                continue
            if (data := _b64(_page_image(page, inline_key, str(name)))) is not None:
                found.setdefault(str(name), data)
        return found

    @staticmethod
    def _page_reading(s: Session, ref: tuple[str, int, str],
                      pages: dict[tuple[str, int, str], dict[str, Any] | None]) -> dict[str, Any] | None:
        if ref not in pages:
            sha, number, version = ref
            pages[ref] = s.scalar(select(PageRow.reading).where(
                PageRow.input_sha256 == sha, PageRow.number == number, PageRow.pipeline_version == version))
        return pages[ref]

    # -- batches ------------------------------------------------------------------------

    def latest_batch(self) -> Batch | None:
        """The most recent batch (finished or not)."""
        with self.session() as s:
            return s.scalar(select(Batch).order_by(Batch.id.desc()).limit(1))

    def latest_finished_batch(self) -> Batch | None:
        with self.session() as s:
            return s.scalar(select(Batch).where(Batch.finished.is_not(None)).order_by(Batch.id.desc()).limit(1))

    # -- pruning ------------------------------------------------------------------------

    def prune(self, keep: int = KEEP_BATCHES) -> Pruned:
        """Keep the newest ``keep`` batches: delete the older ones with their inputs, readings and
        findings, and the cached pages no kept batch uses that were read before the oldest kept batch
        started (a page a kept batch reads stays, whenever it was read). Review decisions and users
        stay. Then SQLite gives the freed space back (:meth:`compact`); PostgreSQL's autovacuum
        reuses it without a rewrite that would lock the tables."""
        if keep < 1:
            raise StoreError(f"a store keeps at least its latest batch, not {keep}")
        pruned = Pruned()
        with self.session() as s:
            ids = list(s.scalars(select(Batch.id).order_by(Batch.id.desc())))
            kept, old = ids[:keep], ids[keep:]
            if not old:
                return pruned
            pruned.inputs = self._delete_batch_rows(s, InputRow, old)
            pruned.readings = self._delete_batch_rows(s, ReadingRow, old)
            pruned.findings = self._delete_batch_rows(s, FindingRow, old)
            for chunk in _chunks(old):
                s.execute(delete(Batch).where(Batch.id.in_(chunk)))
            pruned.batches = len(old)
            pruned.pages = self._prune_pages(s, kept)
        pruned.vacuumed = self.compact()
        return pruned

    @staticmethod
    def _delete_batch_rows(s: Session, table: type[InputRow] | type[ReadingRow] | type[FindingRow], batch_ids: list[int]) -> int:
        count = 0
        for chunk in _chunks(batch_ids):
            count += int(s.scalar(select(func.count()).select_from(table).where(table.batch_id.in_(chunk))) or 0)
            s.execute(delete(table).where(table.batch_id.in_(chunk)))
        return count

    @staticmethod
    def _prune_pages(s: Session, kept: list[int]) -> int:
        """Delete the cached pages read before the oldest kept batch that no kept batch uses."""
        used: set[tuple[str, str]] = set()  # (input sha256, pipeline version) a kept batch read
        any_version: set[str] = set()  # inputs of a kept batch that did not record its pipeline version
        for sha, options in s.execute(select(InputRow.sha256, Batch.options)
                                      .join(Batch, Batch.id == InputRow.batch_id).where(Batch.id.in_(kept))):
            version = (options or {}).get("pipeline_key")
            if isinstance(version, str):
                used.add((sha, version))
            else:
                any_version.add(sha)
        for (reading,) in s.execute(select(ReadingRow.reading).where(ReadingRow.batch_id.in_(kept))):
            refs = [*((reading or {}).get("crop_pages") or {}).values(), *((reading or {}).get("preview_pages") or {}).values()]
            for ref in refs:
                if (key := _ref_key(ref)) is not None:
                    used.add((key[0], key[2]))
        oldest_kept = select(func.min(Batch.started)).where(Batch.id.in_(kept)).scalar_subquery()
        candidates = s.execute(select(PageRow.id, PageRow.input_sha256, PageRow.pipeline_version)
                               .where(PageRow.read_at < oldest_kept))
        stale = [pid for pid, sha, version in candidates if (sha, version) not in used and sha not in any_version]
        for chunk in _chunks(stale):
            s.execute(delete(PageRow).where(PageRow.id.in_(chunk)))
        return len(stale)

    def compact(self, min_free_share: float = VACUUM_MIN_FREE_SHARE) -> bool:
        """SQLite only: rewrite the file (VACUUM) when at least ``min_free_share`` of it is free pages,
        so a prune gives the disk back. Returns whether it did. A reader holding the file past the
        busy timeout makes it skip (logged): the free pages are reused by the next batch anyway."""
        if self.engine.dialect.name != "sqlite" or self.url == "sqlite:///:memory:":
            return False
        try:
            with self.engine.connect() as conn:
                free = int(conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0)
                total = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
            if not total or free / total < min_free_share:
                return False
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except SQLAlchemyError as exc:
            log.warning("store not compacted (%s): %s", self.shown_url, exc)
            return False
        return True

    # -- review decisions ---------------------------------------------------------------

    def decisions(self) -> dict[tuple[str, str], Decision]:
        """Every decision by (subject, finding_key)."""
        with self.session() as s:
            return {(d.subject, d.finding_key): d for d in s.scalars(select(Decision))}

    def decide(
        self,
        subject: str,
        finding_key: str,
        status: str,
        user: str,
        comment: str = "",
        corrected_value: str | None = None,
    ) -> Decision:
        """Record (or replace) a clerk's decision on one finding; the history keeps the step and
        what it replaced (another clerk's decision stays on record)."""
        if status not in DECISION_STATUSES:
            raise StoreError(f"decision status must be one of {', '.join(DECISION_STATUSES)}, not {status!r}")
        now = utcnow()
        with self.session() as s:
            row = s.scalar(select(Decision).where(Decision.subject == subject, Decision.finding_key == finding_key))
            previous = (row.status, row.user) if row is not None else (None, None)
            if row is None:
                row = Decision(subject=subject, finding_key=finding_key, status=status, user=user)
                s.add(row)
            row.status = status
            row.user = user
            row.comment = comment
            row.corrected_value = corrected_value
            row.decided_at = now
            s.add(DecisionEvent(subject=subject, finding_key=finding_key, action=status, comment=comment,
                                corrected_value=corrected_value, user=user, at=now,
                                previous_status=previous[0], previous_user=previous[1]))
            return row

    def reopen(self, subject: str, finding_key: str, user: str, comment: str = "") -> bool:
        """Take a decision back (the finding is open again); the history keeps who did and what was
        decided before. Returns whether there was a decision."""
        with self.session() as s:
            row = s.scalar(select(Decision).where(Decision.subject == subject, Decision.finding_key == finding_key))
            if row is None:
                return False
            s.add(DecisionEvent(subject=subject, finding_key=finding_key, action=REOPENED, comment=comment,
                                user=user, at=utcnow(), previous_status=row.status, previous_user=row.user))
            s.delete(row)
            return True

    def decision_history(self, subjects: Iterable[str]) -> dict[tuple[str, str], list[DecisionEvent]]:
        """The review history of these subjects' findings, oldest first, by (subject, finding_key)."""
        wanted = sorted(set(subjects))
        history: dict[tuple[str, str], list[DecisionEvent]] = {}
        with self.session() as s:
            for start in range(0, len(wanted), DELETE_CHUNK):
                chunk = wanted[start : start + DELETE_CHUNK]
                for event_row in s.scalars(select(DecisionEvent).where(DecisionEvent.subject.in_(chunk))
                                           .order_by(DecisionEvent.id)):
                    history.setdefault((event_row.subject, event_row.finding_key), []).append(event_row)
        return history

    # -- review-screen sessions ---------------------------------------------------------

    def add_web_session(self, token_hash: str, user: str, csrf: str) -> None:
        now = utcnow()
        with self.session() as s:
            s.add(WebSession(token_hash=token_hash, user=user, csrf=csrf, created_at=now, last_seen=now))

    def web_session(self, token_hash: str) -> WebSession | None:
        with self.session() as s:
            return s.get(WebSession, token_hash)

    def touch_web_session(self, token_hash: str, when: dt.datetime) -> None:
        with self.session() as s:
            s.execute(update(WebSession).where(WebSession.token_hash == token_hash).values(last_seen=when))

    def revoke_web_sessions(self, *, token_hash: str | None = None, user: str | None = None) -> int:
        """Revoke one session (logout) or all of a user's (removed, new password); returns how many."""
        if token_hash is None and user is None:
            raise StoreError("revoke which sessions? give a token hash or a user")
        query = update(WebSession).where(WebSession.revoked_at.is_(None)).values(revoked_at=utcnow())
        query = query.where(WebSession.token_hash == token_hash) if token_hash is not None else query
        query = query.where(WebSession.user == user) if user is not None else query
        with self.session() as s:
            return int(s.execute(query).rowcount or 0)  # type: ignore[attr-defined]

    def drop_web_sessions_before(self, created_before: dt.datetime) -> int:
        """Forget sessions created before this time (past their absolute lifetime)."""
        with self.session() as s:
            result = s.execute(delete(WebSession).where(WebSession.created_at < created_before))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class Pruned:
    """What :meth:`Store.prune` removed."""

    batches: int = 0
    inputs: int = 0
    readings: int = 0
    findings: int = 0
    pages: int = 0
    vacuumed: bool = False

    def line(self) -> str:
        if not self.batches and not self.pages:
            return ""
        text = f"pruned {self.batches} older batches ({self.readings} documents, {self.findings} findings) and {self.pages} cached pages"
        return text + (", store compacted" if self.vacuumed else "")


def page_ref(sha256: str, number: int, pipeline_version: str) -> dict[str, Any]:
    """Where a stored document reading finds an image the page cache holds (a ``pages`` row)."""
    return {"sha256": sha256, "number": number, "pipeline_version": pipeline_version}


def _ref_key(ref: Any) -> tuple[str, int, str] | None:
    if not isinstance(ref, dict):
        return None
    sha, number, version = ref.get("sha256"), ref.get("number"), ref.get("pipeline_version")
    if isinstance(sha, str) and isinstance(number, int) and isinstance(version, str):
        return sha, number, version
    return None


def _page_image(page: dict[str, Any] | None, kind: str, name: str) -> Any:
    """A cached page reading's image of one kind: its crop called ``name``, or (previews) its one preview."""
    if page is None:
        return None
    return (page.get("crops") or {}).get(name) if kind == "crops" else page.get("preview")


def _b64(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        return None


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), DELETE_CHUNK):
        yield ids[start : start + DELETE_CHUNK]


def _private_file(database: str | None) -> None:
    """Create the SQLite file owner-only before SQLite does (it would follow the umask, often 0644),
    or narrow an existing one; SQLite makes its -wal and -shm files with the database's mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, STORE_FILE_MODE)
        os.close(fd)
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if each.exists() and stat.S_IMODE(each.stat().st_mode) & 0o077:
                os.chmod(each, stat.S_IMODE(each.stat().st_mode) & 0o700)
    except OSError as exc:  # a store we may read but not own: SQLite says what it can do with it
        log.warning("could not make the store %s private to its owner: %s", path, exc)


def open_store(url: str) -> Store:
    """The store at ``url`` with its tables created."""
    return Store(url).create_all()
