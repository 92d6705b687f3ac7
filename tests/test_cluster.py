"""Page work sent to a Dask cluster (``--cluster``) gives the same results as a local run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import LocalCluster

from forms.errors import ConfigError
from paperdesk.options import RunOptions
from paperdesk.parallel import DaskPool
from paperdesk.results import comparable
from paperdesk.runner import run_batch
from tests.runner_fakes import fake_stages, write_export, write_scan


def _thread_limit(_x: int) -> str | None:
    return os.environ.get("OMP_THREAD_LIMIT")


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def load(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return result


def test_a_batch_on_two_dask_workers_matches_a_local_run(tmp_path: Path, cluster: LocalCluster) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲", "continuation", "attachment", "first 技术乙"])
    write_scan(scans / "b.fake", ["first 技术丙", "broken", "continuation"])
    export = write_export(tmp_path / "export.json", [{"record_id": "KC-1", "tech_name": "技术乙"}])
    base: dict[str, Any] = {"scans": [scans], "online": export, "quiet": True}

    local = run_batch(RunOptions(**base, out=tmp_path / "local", jobs=1), stages=fake_stages())
    remote = run_batch(RunOptions(**base, out=tmp_path / "dask", cluster=cluster.scheduler_address), stages=fake_stages())

    assert remote.pages_read == local.pages_read == 6
    assert comparable(load(tmp_path / "dask")) == comparable(load(tmp_path / "local"))
    assert load(tmp_path / "dask")["failures"][0]["reason"] == "page 2: Tesseract crashed on this page (fake)"


def test_dask_workers_run_tesseract_single_threaded(cluster: LocalCluster) -> None:
    pool = DaskPool(cluster.scheduler_address)
    try:
        assert pool.workers == 2
        outcomes = dict(pool.run(_thread_limit, ((i, (i,)) for i in range(4)), (ValueError,)))
    finally:
        pool.close()
    assert {o.value for o in outcomes.values()} == {"1"}


def test_an_unreachable_scheduler_is_one_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"--cluster: cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        DaskPool("tcp://127.0.0.1:9", timeout="2s")
