"""``paperdesk watch`` on the fake pipeline (tests/runner_fakes.py): real watchdog, runner and store.

The watcher runs in a thread and is stopped through its ``stop`` event; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from forms.errors import ConfigError
from paperdesk.options import RunOptions
from paperdesk.runner import BatchSummary
from paperdesk.store import open_store
from paperdesk.watch import Watcher, WatchOptions, is_partial, newest_export
from paperdesk.web.users import add_user
from tests.runner_fakes import MAGIC, fake_stages, write_export, write_scan
from tests.web_fixture import CLERK, CLERK_PASSWORD, client_for, login

ROOT = Path(__file__).resolve().parent.parent
RECORDS = [{"record_id": "KC-1", "tech_name": "技术甲"}, {"record_id": "KC-2", "tech_name": "技术乙"}]
# Long enough that the writer's pause between the two halves of a file (PAUSE) never looks finished,
# even on a busy machine; short enough for a quick test.
SETTLE = 3.0
PAUSE = 0.3
# Every wait for the watcher is bounded by this.
TIMEOUT = 60.0


@contextmanager
def running(watcher: Watcher) -> Iterator[Watcher]:
    """The watcher at work in a thread, as `paperdesk watch` runs it; stopped (and checked stopped) after."""
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield watcher
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive(), "the watcher did not stop"


def wait_for(check: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the watcher did not get there in time")
        time.sleep(0.05)


@pytest.fixture(params=[False, True], ids=["events", "poll"])
def watching(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Watcher, Path, list[str]]]:
    scans = tmp_path / "scans"
    scans.mkdir()
    exports = tmp_path / "exports"
    exports.mkdir()
    write_export(exports / "export-1.json", RECORDS)
    run = RunOptions(scans=[scans], online=exports, out=tmp_path / "out", jobs=1, quiet=True)
    options = WatchOptions(run=run, poll=request.param, settle=SETTLE, interval=0.1)
    lines: list[str] = []
    watcher = Watcher(options, fake_stages(), say=lines.append)
    with running(watcher):
        wait_for(lambda: any(line.startswith("开始监视") for line in lines))
        yield watcher, scans, lines
    assert lines[-1] == "已停止监视"


def results(watcher: Watcher) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((watcher.options.run.out / "results.json").read_text(encoding="utf-8"))
    return loaded


def test_files_dropped_in_are_read_once_in_one_batch(watching: tuple[Watcher, Path, list[str]]) -> None:
    watcher, scans, lines = watching
    # a.fake arrives in two goes: its first page, a pause shorter than SETTLE, then the rest.
    with open(scans / "a.fake", "w", encoding="utf-8") as fh:
        fh.write(f"{MAGIC}\nfirst 技术甲\n")
        fh.flush()
        time.sleep(PAUSE)
        # b.fake is written under a name the scanner uses while writing, then renamed: complete at once,
        # and read in the same batch as a.fake once a.fake is done.
        write_scan(scans / "b.fake.part", ["first 技术乙", "continuation"])
        os.rename(scans / "b.fake.part", scans / "b.fake")
        time.sleep(PAUSE)
        fh.write("continuation\nattachment\n")
    wait_for(lambda: len(watcher.batches) == 1)
    time.sleep(SETTLE + 1.0)  # nothing changes any more: no second batch
    assert len(watcher.batches) == 1
    (batch,) = watcher.batches
    assert (batch.pages_read, batch.pages_cached) == (5, 0)  # 3 pages of a.fake, 2 of b.fake, each once
    done = results(watcher)
    assert [d["record_id"] for d in done["documents"]] == ["KC-1", "KC-2"]
    assert [Path(d["source"]["file"]).name for d in done["documents"]] == ["a.fake", "b.fake"]
    assert done["failures"] == []
    assert "收到 a.fake（0.0 MB）" in lines and "收到 b.fake（0.0 MB）" in lines
    assert "a.fake：KC-1 技术甲：合格" in lines
    assert any(line.startswith("本批 2 份推荐表（需处理 0，待核对 0，合格 2）；新识别 5 页") for line in lines)


def test_a_newer_export_runs_the_checks_again_without_reading(watching: tuple[Watcher, Path, list[str]]) -> None:
    watcher, scans, lines = watching
    write_scan(scans / "a.fake", ["first 技术甲", "first 技术丙"])
    wait_for(lambda: len(watcher.batches) == 1)
    assert [d["record_id"] for d in results(watcher)["documents"]] == ["KC-1", None]
    exports = watcher.options.run.online
    time.sleep(0.05)  # a newer file time than export-1.json's, on file systems with coarse times
    write_export(exports / "export-2.json", [*RECORDS, {"record_id": "KC-3", "tech_name": "技术丙"}])
    wait_for(lambda: len(watcher.batches) == 2)
    second: BatchSummary = watcher.batches[1]
    assert (second.pages_read, second.pages_cached) == (0, 2)
    assert [d["record_id"] for d in results(watcher)["documents"]] == ["KC-1", "KC-3"]
    assert "线上导出有更新：export-2.json；只重新核对，不重新识别" in lines


def test_a_changed_scan_reads_only_its_new_pages_and_a_removed_one_leaves_the_batch(
    watching: tuple[Watcher, Path, list[str]],
) -> None:
    watcher, scans, lines = watching
    write_scan(scans / "a.fake", ["first 技术甲"])
    write_scan(scans / "b.fake", ["first 技术乙"])
    wait_for(lambda: len(watcher.batches) == 1)
    (scans / "b.fake").unlink()
    wait_for(lambda: len(watcher.batches) == 2)
    assert watcher.batches[1].pages_read == 0
    assert [d["record_id"] for d in results(watcher)["documents"]] == ["KC-1"]
    assert "已移走 b.fake" in lines


def test_names_a_file_has_while_being_written() -> None:
    for name in ("x.pdf.part", "x.pdf.crdownload", "~$form.docx", "x.tmp", "x.pdf~"):
        assert is_partial(Path(name)), name
    for name in ("x.pdf", "form_part1.pdf", "tmp.pdf"):
        assert not is_partial(Path(name)), name


def test_the_newest_export_of_a_folder_is_used(tmp_path: Path) -> None:
    old = write_export(tmp_path / "b-old.json", RECORDS)
    new = write_export(tmp_path / "a-new.json", RECORDS)
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    (tmp_path / "c.json.part").write_text("[]", encoding="utf-8")  # still being saved: not an export yet
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    assert newest_export(tmp_path) == new
    assert newest_export(new) == new


def test_ctrl_c_stops_the_watch_command_cleanly(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    export = write_export(tmp_path / "export.json", RECORDS)
    argv = [sys.executable, "-m", "paperdesk", "watch", str(scans), "--online", str(export), "--out", str(tmp_path / "out")]
    proc = subprocess.Popen(argv, cwd=ROOT, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert "开始监视" in first, first
    proc.send_signal(signal.SIGINT)
    try:
        _, rest = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0, rest
    assert "已停止监视" in rest and "Traceback" not in rest


def quiet_watcher(tmp_path: Path, out: str) -> tuple[Path, RunOptions, Watcher]:
    """A watcher on tmp_path/scans (empty), its out folder at ``out`` under tmp_path, saying nothing."""
    scans = tmp_path / "scans"
    scans.mkdir()
    run = RunOptions(scans=[scans], online=write_export(tmp_path / "export.json", RECORDS), out=tmp_path / out,
                     jobs=1, quiet=True)
    return scans, run, Watcher(WatchOptions(run=run, settle=SETTLE, interval=0.1), fake_stages(), say=lambda line: None)


def test_the_review_screen_shows_each_new_batch_without_a_restart(tmp_path: Path) -> None:
    scans, run, watcher = quiet_watcher(tmp_path, "out")
    with running(watcher):
        write_scan(scans / "a.fake", ["first 技术甲"])
        wait_for(lambda: len(watcher.batches) == 1)
        store = open_store(run.db_url)
        add_user(store, CLERK, CLERK_PASSWORD)
        store.dispose()
        client = client_for(run.db_url)  # started once, like `paperdesk serve` beside the watcher
        login(client)
        first = client.get("/").text
        assert "技术甲" in first and "技术乙" not in first
        write_scan(scans / "b.fake", ["first 技术乙"])
        wait_for(lambda: len(watcher.batches) == 2)
        assert "技术乙" in client.get("/").text


def test_what_paperdesk_writes_into_the_watched_folder_is_no_input(tmp_path: Path) -> None:
    scans, _, watcher = quiet_watcher(tmp_path, "scans/out")
    with running(watcher):
        write_scan(scans / "a.fake", ["first 技术甲"])
        wait_for(lambda: len(watcher.batches) == 1)
        time.sleep(SETTLE + 1.0)  # results.json, the store and its journal settle in out/: no batch for them
        assert len(watcher.batches) == 1
        assert [Path(i["file"]).name for i in results(watcher)["batch"]["inputs_detail"]] == ["a.fake"]


def test_a_missing_export_stops_before_watching(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    run = RunOptions(scans=[scans], online=tmp_path / "nowhere.xlsx", out=tmp_path / "out", jobs=1, quiet=True)
    with pytest.raises(ConfigError, match="export not found: .*nowhere.xlsx"):
        Watcher(WatchOptions(run=run), fake_stages(), say=lambda line: None).run(threading.Event())
    run = run.model_copy(update={"online": tmp_path})
    with pytest.raises(ConfigError, match="no export"):
        Watcher(WatchOptions(run=run), fake_stages(), say=lambda line: None).run(threading.Event())


def ctrl_c_between_batches(tmp_path: Path) -> None:
    """Ctrl-C while watching (no batch running) sets the stop flag: the look at the folder it came in
    finishes (no KeyboardInterrupt half way, inside a lock the observer's thread would then wait on
    forever), the watch returns normally, and Python's own Ctrl-C handling is back afterwards."""
    _, _, watcher = quiet_watcher(tmp_path, "out")
    listed = watcher._listed
    looks: list[str] = []

    def listed_with_ctrl_c() -> Any:
        looks.append("started")
        if len(looks) == 1:
            # to this (the main) thread, as a terminal's Ctrl-C reaches Python: a signal sent to the whole
            # process may land on any of its threads, and after the suite's earlier tests those include
            # the OCR runtimes' and the browser driver's (a fresh-clone run died of SIGSEGV here)
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            time.sleep(0.05)
        found = listed()
        looks.append("finished")
        return found

    watcher._listed = listed_with_ctrl_c  # type: ignore[method-assign]
    before = signal.getsignal(signal.SIGINT)
    assert watcher.run() == []  # on the main thread, where Python runs signal handlers
    assert looks[:2] == ["started", "finished"]
    assert signal.getsignal(signal.SIGINT) is before


def test_ctrl_c_between_batches_never_breaks_into_a_look_at_the_folder(tmp_path: Path) -> None:
    # In a fresh interpreter, as a clerk's `paperdesk watch` is: after the suite's earlier tests the
    # pytest process holds the OCR runtimes' and the browser driver's threads, and a real SIGINT
    # there crashed the whole run (SIGSEGV, no Python frame to show) while the watch itself passed.
    proc = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                           "from tests.test_watch import ctrl_c_between_batches; ctrl_c_between_batches(Path(sys.argv[1]))",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
