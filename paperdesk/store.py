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
- ``readings``  one FormReading dict (incl. base64 crops) per document of a batch.
- ``findings``  one row per finding of a batch (``key`` is ``Finding.key``).
- ``decisions`` a clerk's review of a finding, keyed by subject (record id, or the
                document id when the form matched no record) and finding key, so it
                survives re-runs. One row per (subject, finding_key); the latest wins.
- ``users``     review-screen users (password hashes only).

Times are stored as UTC; SQLite hands them back naive, :func:`as_utc` fixes that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
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
    event,
    func,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from forms.errors import StoreError

# A reader (the web app) and the runner write the same SQLite file; wait this long
# for the other's lock rather than failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000

DecisionStatus = str  # "confirmed" | "dismissed" | "corrected"
DECISION_STATUSES = ("confirmed", "dismissed", "corrected")


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


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: the web app reads while a run writes; a killed run leaves no torn page.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    """One database: ``Store(url).create_all()``, then ``with store.session() as s: ...``."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open the store {url}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> Store:
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot create the store's tables at {self.url}: {exc}") from exc
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
            raise StoreError(f"store write failed ({self.url}): {exc}") from exc
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

    # -- batches ------------------------------------------------------------------------

    def latest_batch(self) -> Batch | None:
        """The most recent batch (finished or not)."""
        with self.session() as s:
            return s.scalar(select(Batch).order_by(Batch.id.desc()).limit(1))

    def latest_finished_batch(self) -> Batch | None:
        with self.session() as s:
            return s.scalar(select(Batch).where(Batch.finished.is_not(None)).order_by(Batch.id.desc()).limit(1))

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
        """Record (or replace) a clerk's decision on one finding."""
        if status not in DECISION_STATUSES:
            raise StoreError(f"decision status must be one of {', '.join(DECISION_STATUSES)}, not {status!r}")
        with self.session() as s:
            row = s.scalar(select(Decision).where(Decision.subject == subject, Decision.finding_key == finding_key))
            if row is None:
                row = Decision(subject=subject, finding_key=finding_key, status=status, user=user)
                s.add(row)
            row.status = status
            row.user = user
            row.comment = comment
            row.corrected_value = corrected_value
            row.decided_at = utcnow()
            return row


def open_store(url: str) -> Store:
    """The store at ``url`` with its tables created."""
    return Store(url).create_all()
