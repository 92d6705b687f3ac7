"""The store on SQLite (always) and on a real, throwaway PostgreSQL server (PAPERDESK_TEST_PG=1)."""

from __future__ import annotations

import base64
import datetime as dt
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from forms.errors import StoreError
from paperdesk.options import RunOptions
from paperdesk.runner import run_batch
from paperdesk.store import (
    KEEP_BATCHES,
    Batch,
    FindingRow,
    InputRow,
    PageRow,
    Pruned,
    ReadingRow,
    Store,
    open_store,
    page_ref,
)
from tests.runner_fakes import fake_stages, write_export, write_scan

PG_USER = "postgres"  # Debian's postgresql package creates it; initdb refuses to run as root
PG_START_TIMEOUT_S = "60"
# A cached page's crops in the prune test: big enough that the pages are most of the file.
PAGE_BLOB_BYTES = 150_000


def round_trip(store: Store) -> None:
    """What the runner and the web app rely on, on any backend."""
    reading = {"kind": "first", "fields": {"tech_name": {"value": "基于GaN的功率器件", "bbox": [1, 2, 3, 4]}}}
    store.save_page("a" * 64, 1, "1:kczg-2020:hybrid:300", "first", reading)
    store.save_page("a" * 64, 2, "1:kczg-2020:hybrid:300", "continuation", {"kind": "continuation"})
    store.save_page("a" * 64, 1, "1:kczg-2020:hybrid:300", "first", {**reading, "again": True})  # replaces
    store.save_page("a" * 64, 1, "2:kczg-2020:hybrid:300", "first", {"kind": "first"})  # other version
    cached = store.cached_pages("a" * 64, "1:kczg-2020:hybrid:300")
    assert sorted(cached) == [1, 2]
    assert cached[1]["fields"]["tech_name"]["value"] == "基于GaN的功率器件" and cached[1]["again"] is True
    assert store.cached_pages("b" * 64, "1:kczg-2020:hybrid:300") == {}
    assert store.drop_pages("a" * 64, "1:kczg-2020:hybrid:300") == 2
    assert store.count_pages() == 1

    store.decide("KC-1", "SEAL_MISSING:applicant_opinion:KC-1", "dismissed", user="张三", comment="章在背面")
    store.decide("KC-1", "SEAL_MISSING:applicant_opinion:KC-1", "corrected", user="李四", corrected_value="有章")
    decisions = store.decisions()
    assert len(decisions) == 1
    decision = decisions[("KC-1", "SEAL_MISSING:applicant_opinion:KC-1")].to_dict()
    assert decision["status"] == "corrected" and decision["user"] == "李四" and decision["corrected_value"] == "有章"
    assert decision["comment"] == "" and decision["decided_at"].endswith("+00:00")
    with pytest.raises(StoreError, match="decision status must be one of confirmed, dismissed, corrected"):
        store.decide("KC-1", "x", "maybe", user="张三")

    with store.session() as s:
        s.add(Batch(out_dir="/tmp/out", form="kczg-2020", options={"jobs": 2}, results={"documents": [{"id": "d0001"}]}))
    latest = store.latest_batch()
    assert latest is not None and latest.results == {"documents": [{"id": "d0001"}]}
    assert store.latest_finished_batch() is None  # not finished


def fill_for_prune(store: Store) -> None:
    """Five batches, each reading its own input and one they share; old pages of another pipeline
    version; a page only a kept batch's reading points at."""
    t0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
    blob = base64.b64encode(os.urandom(PAGE_BLOB_BYTES)).decode("ascii")  # a page's crops: incompressible
    with store.session() as s:
        for n in range(1, 6):
            batch = Batch(out_dir="/tmp/out", form="kczg-2020", options={"pipeline_key": "v1"},
                          started=t0 + dt.timedelta(hours=n), finished=t0 + dt.timedelta(hours=n, minutes=5))
            s.add(batch)
            s.flush()
            for sha in (f"own{n}", "shared"):
                s.add(InputRow(batch_id=batch.id, position=0, path=f"{sha}.pdf", sha256=sha, status="read", pages=1))
            refs = {"crop_pages": {"tech_name": page_ref("ref", 1, "v9")}} if n == 3 else {}
            s.add(ReadingRow(batch_id=batch.id, document_id="d0001", record_id="KC-1", reading=refs))
            s.add(FindingRow(batch_id=batch.id, document_id="d0001", record_id="KC-1", key=f"k{n}", code="SEAL_MISSING",
                             severity="error", message="未检测到公章", data={}))
            read_at = t0 + dt.timedelta(hours=n, minutes=1)
            s.add(PageRow(input_sha256=f"own{n}", number=1, pipeline_version="v1", kind="first",
                          reading={"crops": {"tech_name": blob}}, read_at=read_at))
        early = t0 + dt.timedelta(minutes=1)  # read before any kept batch
        for sha, version in (("shared", "v1"), ("shared", "v0"), ("own5", "v0"), ("ref", "v9")):
            s.add(PageRow(input_sha256=sha, number=1, pipeline_version=version, kind="first",
                          reading={"crops": {"tech_name": blob}}, read_at=early))
    store.decide("KC-1", "k1", "dismissed", user="clerk1")


def prune_and_check(store: Store) -> Pruned:
    """After :func:`fill_for_prune`: what goes, what stays; a second prune finds nothing."""
    pruned = store.prune(KEEP_BATCHES)
    assert (pruned.batches, pruned.inputs, pruned.readings, pruned.findings) == (2, 4, 2, 2)
    assert pruned.pages == 4  # own1, own2, and the v0 pages nobody reads any more
    assert pruned.line().startswith("pruned 2 older batches (2 documents, 2 findings) and 4 cached pages")
    with store.session() as s:
        kept = list(s.scalars(select(Batch.id).order_by(Batch.id)))
        assert len(kept) == KEEP_BATCHES
        for table in (InputRow, ReadingRow, FindingRow):
            assert set(s.scalars(select(table.batch_id))) == set(kept)
        pages = sorted((sha, version) for sha, version in s.execute(select(PageRow.input_sha256, PageRow.pipeline_version)))
    assert pages == [("own3", "v1"), ("own4", "v1"), ("own5", "v1"), ("ref", "v9"), ("shared", "v1")]
    assert ("KC-1", "k1") in store.decisions()  # decisions outlive the batches they were made in
    assert store.prune(KEEP_BATCHES).line() == ""
    return pruned


def test_sqlite_prune_keeps_the_newest_batches_and_gives_the_space_back(tmp_path: Path) -> None:
    db = tmp_path / "paperdesk.db"
    store = open_store(f"sqlite:///{db}")
    with pytest.raises(StoreError, match="keeps at least its latest batch"):
        store.prune(0)
    fill_for_prune(store)
    store.dispose()
    grown = _with_wal(db)
    pruned = prune_and_check(store)
    store.dispose()
    assert pruned.vacuumed and pruned.line().endswith("store compacted")
    assert _with_wal(db) < grown * 0.7  # 4 of 9 pages of ~PAGE_BLOB_BYTES each went
    assert grown > 8 * PAGE_BLOB_BYTES


def _with_wal(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def small_batch(tmp_path: Path, db: str) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲", "continuation", "first 技术乙"])
    export = write_export(tmp_path / "export.json", [{"record_id": "KC-1", "tech_name": "技术甲"}])
    opts = RunOptions(scans=[scans], online=export, out=tmp_path / "out", db=db, jobs=1, quiet=True)
    first = run_batch(opts, stages=fake_stages())
    again = run_batch(opts, stages=fake_stages())
    assert (first.pages_read, again.pages_read, again.pages_cached) == (3, 0, 3)
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [d["record_id"] for d in results["documents"]] == ["KC-1", None]
    assert not (tmp_path / "out" / "paperdesk.db").exists()  # the store went where --db said


def test_sqlite_round_trip(tmp_path: Path) -> None:
    round_trip(open_store(f"sqlite:///{tmp_path / 'deep' / 'er' / 'paperdesk.db'}"))


def test_sqlite_small_batch_in_a_given_store(tmp_path: Path) -> None:
    small_batch(tmp_path, str(tmp_path / "elsewhere.db"))
    store = open_store(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    with store.session() as s:
        assert len(list(s.scalars(select(Batch)))) == 2


def test_an_unusable_url_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the store"):
        Store("nosuchdialect://x")


# -- PostgreSQL -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_pg_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if os.environ.get("PAPERDESK_TEST_PG") != "1":
        pytest.skip("PostgreSQL tests run with PAPERDESK_TEST_PG=1 (.ci/run sets it)")
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
    bindir = Path(binaries[-1]).parent
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb refuses to run as root")
    # Not tmp_path: it sits in root's private folder, where the postgres user cannot go.
    data = Path(tempfile.mkdtemp(prefix="paperdesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, user=PG_USER)
    port = _free_port()
    pgdata = data / "data"
    try:
        subprocess.run(
            _as_pg_user([str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres", "-A", "trust", "--no-sync"]),
            check=True, capture_output=True,
        )
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_pg_user([str(bindir / "pg_ctl"), "-D", str(pgdata), "-o", options, "-l", str(data / "log"),
                         "-w", "-t", PG_START_TIMEOUT_S, "start"]),
            check=True, capture_output=True,
        )
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_pg_user([str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.postgres
def test_postgres_round_trip_and_a_small_batch(postgres_url: str, tmp_path: Path) -> None:
    store = open_store(postgres_url)
    assert store.engine.dialect.name == "postgresql"
    round_trip(store)
    store.dispose()
    small_batch(tmp_path, postgres_url)
    store = open_store(postgres_url)
    finished = store.latest_finished_batch()
    assert finished is not None and finished.results is not None
    assert finished.results["documents"][0]["fields"]["tech_name"]["value"] == "技术甲"
    store.dispose()


@pytest.mark.postgres
def test_postgres_prune(postgres_url: str) -> None:
    store = open_store(postgres_url)
    fill_for_prune(store)
    assert not prune_and_check(store).vacuumed  # autovacuum reuses the space; no table-locking rewrite
    store.dispose()
