"""The page workers start before the first page is handed over, with their models loaded (issue 14:
the fork server imported, then the first worker loaded its models, while one core idled)."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from forms.errors import MissingDependencyError
from paperdesk.parallel import ProcessPool, start_fork_server
from paperdesk.stages import RAPID_ENGINES, load_models

# How long a worker may take to fork and start on a busy test machine.
START_TIMEOUT_S = 120


def _say_started(folder: Path) -> None:
    (folder / str(os.getpid())).write_text(str(time.monotonic()), encoding="utf-8")


def _pid_and_started(folder: Path) -> tuple[int, bool]:
    return os.getpid(), (folder / str(os.getpid())).exists()


def _cannot_load() -> None:
    raise MissingDependencyError("RapidOCR's models are not installed")


def _double(x: int) -> int:
    return 2 * x


def _wait_for(predicate: Callable[[], bool], timeout: float = START_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_every_worker_starts_and_warms_up_before_any_page_is_handed_over(tmp_path: Path) -> None:
    pool = ProcessPool(2, functools.partial(_say_started, tmp_path))
    try:
        assert _wait_for(lambda: len(list(tmp_path.iterdir())) == 2), "the workers did not start on their own"
        warmed = {int(p.name) for p in tmp_path.iterdir()}
        assert os.getpid() not in warmed
        # The pages then go to those workers, warmed before any page reached them.
        outcomes = dict(pool.run(_pid_and_started, ((n, (tmp_path,)) for n in range(6)), ()))
    finally:
        pool.close()
    assert all(o.value[1] for o in outcomes.values())
    assert {o.value[0] for o in outcomes.values()} <= warmed


def test_a_warm_up_that_fails_leaves_the_pages_to_say_why(tmp_path: Path) -> None:
    """Models missing: the worker still starts (an initializer that raised broke the whole pool) and reads."""
    pool = ProcessPool(1, _cannot_load)
    try:
        outcomes = dict(pool.run(_double, ((n, (n,)) for n in range(3)), ()))
    finally:
        pool.close()
    assert {n: o.value for n, o in outcomes.items()} == {0: 0, 1: 2, 2: 4}


def test_the_fork_server_runs_before_any_pool_is_made() -> None:
    start_fork_server()
    me = psutil.Process()
    assert _wait_for(lambda: any(b"forkserver" in b" ".join(a.encode() for a in c.cmdline()) for c in me.children()))


def test_the_models_are_loaded_ahead_only_for_the_engines_that_run_them() -> None:
    from extract import ocr_models

    ocr_models.unload()
    load_models("tesseract")
    assert not ocr_models._MODELS
    for engine in RAPID_ENGINES:
        load_models(engine)
        assert ocr_models._MODELS
        ocr_models.unload()
