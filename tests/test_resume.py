"""A batch killed mid-way (SIGKILL, as on power loss) resumes and ends with the same results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from paperdesk.options import RunOptions
from paperdesk.results import comparable
from paperdesk.runner import run_batch
from tests.runner_fakes import fake_stages, write_export, write_scan
from tests.store_support import stored_pages

ROOT = Path(__file__).resolve().parent.parent
# The killed run reads slowly so that it is surely mid-batch when killed.
SLOW_PAGE_S = 0.5
# Give up waiting for the first stored page after this long (the subprocess is broken).
FIRST_PAGE_DEADLINE_S = 60


def start(out: Path, seconds: float, scans: Path, export: Path) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "tests.runner_fakes", str(out), str(seconds), "2", str(scans), "--online", str(export)]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def load(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return result


def test_a_killed_batch_resumes_and_ends_like_an_uninterrupted_one(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲", "continuation", "attachment", "first 技术乙", "continuation"])
    write_scan(scans / "b.fake", ["first 技术丙", "continuation", "blank", "first 技术丁"])
    export = write_export(tmp_path / "export.json", [{"record_id": "KC-1", "tech_name": "技术甲"}])
    out = tmp_path / "out"

    killed = start(out, SLOW_PAGE_S, scans, export)
    deadline = time.monotonic() + FIRST_PAGE_DEADLINE_S
    while stored_pages(out / "paperdesk.db") == 0:
        assert killed.poll() is None, killed.communicate()
        assert time.monotonic() < deadline, "no page was stored in time"
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)  # the whole group: the run and its worker processes
    killed.wait()
    done_before = stored_pages(out / "paperdesk.db")
    assert 1 <= done_before < 9
    assert not (out / "results.json").exists()

    resumed = start(out, 0.0, scans, export)
    stdout, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr
    counts = json.loads(stdout.strip().splitlines()[-1])
    assert counts == {"pages_read": 9 - counts["pages_cached"], "pages_cached": counts["pages_cached"]}
    assert counts["pages_cached"] >= done_before  # nothing stored before the kill was read again

    whole = tmp_path / "whole"
    run_batch(RunOptions(scans=[scans], online=export, out=whole, jobs=1, quiet=True), stages=fake_stages())
    assert comparable(load(out)) == comparable(load(whole))
    assert [d["id"] for d in load(out)["documents"]] == ["d0001", "d0002", "d0003", "d0004"]


def test_the_page_cache_key_follows_the_reading_code(tmp_path: Path) -> None:
    # bumped by hand, a forgotten bump served pages read by older code
    import shutil

    import paperdesk
    from paperdesk import reading_code_digest

    root = Path(paperdesk.__file__).resolve().parent.parent
    for package in ("ingest", "extract", "forms", "paperdesk"):
        shutil.copytree(root / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    before = reading_code_digest(tmp_path)
    assert paperdesk.PIPELINE_VERSION.endswith(before)
    (tmp_path / "paperdesk" / "cli.py").write_text("# the glue changes nothing a page reads as\n", encoding="utf-8")
    assert reading_code_digest(tmp_path) == before
    grid = tmp_path / "extract" / "grid.py"
    grid.write_text(grid.read_text(encoding="utf-8") + "\nMERGE_FRACTION = 1 / 200\n", encoding="utf-8")
    assert reading_code_digest(tmp_path) != before
