"""``paperdesk watch FOLDER``: read what the scanner drops into a folder, as it arrives.

The loop (:meth:`Watcher.run`):

1. watchdog reports changes in the folder (inotify; ``--poll`` polls, for network shares whose
   events never arrive); every event only wakes the loop, which then looks at the folder itself;
2. a file is complete when it was moved in (a scanner that writes ``x.pdf.part`` and renames it),
   or when its size and time have not changed for ``settle`` seconds; a name the scanner is
   still writing under (``.part``, ``.tmp``, ``~$…``) is never read;
3. when something is complete and nothing else is still being written (a burst of files is one
   batch, but no change waits longer than ``MAX_WAIT_SECONDS``), the whole folder is run as one
   batch with the same runner as ``paperdesk run``: pages already read come from the store (the
   content hash), so only the new pages are read; results, reports and the store's latest batch
   (which ``paperdesk serve`` shows on its next page view) are brought up to date; with
   ``--archive`` the archive too;
4. a newer export (the ``--online`` file changed, or a newer export dropped into the ``--online``
   folder) runs the checks again the same way: nothing is read again.

Progress lines, for the clerk, say what arrived and what it held. Ctrl-C stops the watcher between
batches; during one, what was read is kept and the next start resumes from there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from watchdog.events import FileMovedEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from forms.errors import ConfigError, PaperdeskError
from paperdesk.archive import write_archive
from paperdesk.options import RunOptions
from paperdesk.runner import BatchSummary, run_batch
from paperdesk.stages import Stages, default_stages
from reports.model import STATUS_ORDER, nominations

log = logging.getLogger("paperdesk.watch")

# A file is complete once its size and time stay the same this long: scanners write a page every
# second or so, a network copy keeps growing far more often than that.
SETTLE_SECONDS = 3.0
# How often the loop looks at the folder when nothing wakes it (and the poller's interval).
POLL_SECONDS = 1.0
# A burst of files is read as one batch, but a change never waits longer than this for the burst to end.
MAX_WAIT_SECONDS = 60.0
# The observer's threads are given this long to end when watching stops (they are daemon threads:
# one stuck on a folder the system no longer answers for must not keep the command from exiting).
OBSERVER_JOIN_S = 5.0
# Names a file has while it is still being written or copied (browsers, Windows copies, scanners, Office).
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", "~")
PARTIAL_PREFIXES = ("~$",)
# What an export may be, when ``--online`` names a folder of exports (the newest is used).
EXPORT_SUFFIXES = (".xlsx", ".csv", ".json", ".jsonl")

Stamp = tuple[int, int]  # (size, mtime in ns)


def is_partial(path: Path) -> bool:
    """A name the file has only while being written (``x.pdf.part``, ``~$x.docx``); hidden files
    (``.x.pdf.tmp1234``) are never inputs at all."""
    name = path.name.lower()
    return name.startswith(PARTIAL_PREFIXES) or name.endswith(PARTIAL_SUFFIXES)


def newest_export(online: Path) -> Path:
    """``--online`` as given: a file, or the newest complete export in a folder."""
    if not online.is_dir():
        return online
    exports = [p for p in online.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES and not is_partial(p)]
    if not exports:
        raise ConfigError(f"no export (XLSX, CSV, JSON) in {online}")
    return max(exports, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _stamp(path: Path) -> Stamp | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


@dataclass
class WatchOptions:
    """``paperdesk watch``: the batch options every run uses, and how the folder is watched."""

    run: RunOptions  # scans = [the watched folder]
    archive: Path | None = None
    poll: bool = False
    settle: float = SETTLE_SECONDS
    interval: float = POLL_SECONDS
    max_wait: float = MAX_WAIT_SECONDS

    @property
    def folder(self) -> Path:
        return self.run.scans[0]


@dataclass
class Tracked:
    """A file seen in the folder: its last stamp, since when it has had it, and whether it was moved in."""

    stamp: Stamp
    since: float
    moved_in: bool = False


class _Wake(FileSystemEventHandler):
    """watchdog's events wake the loop; a file renamed into place is complete at once."""

    def __init__(self, wake: threading.Event, moved_in: set[Path], lock: threading.Lock) -> None:
        self.wake, self.moved_in, self.lock = wake, moved_in, lock

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, FileMovedEvent) and not event.is_directory:
            dest = event.dest_path.decode() if isinstance(event.dest_path, bytes) else event.dest_path
            with self.lock:
                self.moved_in.add(Path(dest).resolve())
        self.wake.set()


@dataclass
class WatchState:
    """What the folder looked like to the last batch, and what is on its way."""

    batch_files: dict[Path, Stamp] = field(default_factory=dict)  # the files the last batch read, as it read them
    export: tuple[Path, Stamp | None] | None = None
    tracked: dict[Path, Tracked] = field(default_factory=dict)
    first_change: float | None = None  # when the oldest change not yet in a batch was seen


class Watcher:
    """The watch loop (see the module docstring). ``say`` prints a progress line for the clerk."""

    def __init__(self, options: WatchOptions, stages: Stages | None = None, say: Callable[[str], None] | None = None,
                 stream: TextIO | None = None) -> None:
        self.options = options
        self.stages = stages or default_stages()
        self.stream = stream or sys.stderr
        self.say = say or self._print
        self.state = WatchState()
        self.batches: list[BatchSummary] = []
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._moved_in: set[Path] = set()
        self._looked = False
        self._in_batch = False
        self._export_seen: tuple[tuple[Path, Stamp | None] | None, float] = (None, 0.0)

    def _print(self, line: str) -> None:
        print(f"[{dt.datetime.now():%H:%M:%S}] {line}", file=self.stream, flush=True)

    # -- the loop -----------------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None) -> list[BatchSummary]:
        """Watch until ``stop`` is set (or Ctrl-C); returns the summaries of the batches run."""
        folder = self.options.folder
        if not folder.is_dir():
            raise ConfigError(f"not a folder: {folder} (paperdesk watch takes the folder the scanner saves into)")
        if not self.options.run.online.exists():
            raise ConfigError(f"export not found: {self.options.run.online}")
        newest_export(self.options.run.online)  # a folder without an export stops here too, before watching
        observer = self._observer()
        stop = stop or threading.Event()
        mode = "轮询" if self.options.poll else "文件系统通知"
        previous = self._catch_ctrl_c(stop)
        try:
            self.say(f"开始监视 {folder}（{mode}）；新扫描件写完后自动识别，Ctrl-C 停止")
            while not stop.is_set():
                self.step(time.monotonic())
                self._wake.wait(self.options.interval)
                self._wake.clear()
        except KeyboardInterrupt:
            if self._in_batch:  # stopped in the middle of a batch: the CLI says how far it got (exit 130)
                self.say("已停止监视；本批已识别的页面都已保存，下次启动从这里继续")
                raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            observer.stop()
            observer.join(OBSERVER_JOIN_S)
        self.say("已停止监视")
        return self.batches

    def _catch_ctrl_c(self, stop: threading.Event) -> Any:
        """Between batches Ctrl-C only sets ``stop`` (the loop ends at its next look), never raises
        wherever the main thread happens to be (inside a lock the observer's thread then waits on
        forever); during a batch it interrupts the batch as usual. The handler it replaced, or None
        when not on the main thread (a test's watcher thread), where signals are not delivered."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_ctrl_c(signum: int, frame: Any) -> None:
            if self._in_batch:
                raise KeyboardInterrupt
            stop.set()
            self._wake.set()

        return signal.signal(signal.SIGINT, on_ctrl_c)

    def _observer(self) -> BaseObserver:
        observer: BaseObserver = PollingObserver(timeout=self.options.interval) if self.options.poll else Observer()
        handler = _Wake(self._wake, self._moved_in, self._lock)
        observer.schedule(handler, str(self.options.folder), recursive=True)
        online = self.options.run.online
        export_dir = online if online.is_dir() else online.parent
        if not _inside(export_dir, self.options.folder):
            observer.schedule(handler, str(export_dir), recursive=False)
        observer.start()
        return observer

    def step(self, now: float) -> BatchSummary | None:
        """Look at the folder once; run a batch when a change is complete (see the module docstring)."""
        files = self._complete_files(now)
        export = self._export_now()
        if export != self._export_seen[0]:
            self._export_seen = (export, now)
        if files is None:
            return None  # something is still being written: wait for the burst to end
        if self.state.export is not None and now - self._export_seen[1] < self.options.settle:
            return None  # an export being saved: wait until it is whole
        changed = self._changes(files)
        export_changed = self.state.export is not None and export != self.state.export
        if not changed and not export_changed and self.state.export is not None:
            self.state.first_change = None
            return None
        if not files:
            self.state.export = export
            return None
        return self._run(files, changed, export_changed, export)

    def _complete_files(self, now: float) -> dict[Path, Stamp] | None:
        """Every complete scan in the folder, or None while some file is still being written (and the
        oldest waiting change has waited less than ``max_wait``)."""
        with self._lock:
            moved_in, self._moved_in = self._moved_in, set()
        first_look = not self._looked
        self._looked = True
        seen: dict[Path, Tracked] = {}
        for path in self._listed():
            stamp = _stamp(path)
            if stamp is None:
                continue
            old = self.state.tracked.get(path)
            if old is None or old.stamp != stamp:
                # Found when watching starts, a file has been as it is since it was last written.
                since = now - max(0.0, time.time() - stamp[1] / 1e9) if first_look else now
                old = Tracked(stamp=stamp, since=since, moved_in=path.resolve() in moved_in)
            elif path.resolve() in moved_in:
                old.moved_in = True
            seen[path] = old
        self.state.tracked = seen
        complete: dict[Path, Stamp] = {}
        writing = False
        for path, t in seen.items():
            settled = t.moved_in or now - t.since >= self.options.settle or self.state.batch_files.get(path) == t.stamp
            if is_partial(path):
                writing = writing or not settled  # a .part left behind does not hold the others up
            elif settled:
                complete[path] = t.stamp
            else:
                writing = True
        if complete != self.state.batch_files and self.state.first_change is None:
            self.state.first_change = now
        waited = now - self.state.first_change if self.state.first_change is not None else 0.0
        if writing and waited < self.options.max_wait:
            return None
        return complete

    def _listed(self) -> list[Path]:
        """The folder's files as discover sees them (no hidden files or folders), less the exports."""
        folder = self.options.folder
        online = self.options.run.online.resolve()
        # What paperdesk itself writes is never an input, should those folders lie inside the watched one.
        ours = [p.resolve() for p in (self.options.run.out, self.options.archive) if p is not None]
        found = []
        for path in sorted(folder.rglob("*")):
            if any(part.startswith(".") for part in path.relative_to(folder).parts) or not path.is_file():
                continue
            where = path.resolve()
            if where == online or (online.is_dir() and _inside(where, online)):
                continue
            if any(_inside(where, mine) for mine in ours):
                continue
            found.append(path)
        return found

    def _export_now(self) -> tuple[Path, Stamp | None]:
        try:
            path = newest_export(self.options.run.online)
        except ConfigError:
            path = self.options.run.online
        return path, _stamp(path)

    def _changes(self, files: dict[Path, Stamp]) -> dict[str, list[Path]]:
        before = self.state.batch_files
        changes = {
            "new": [p for p in files if p not in before],
            "changed": [p for p in files if p in before and before[p] != files[p]],
            "removed": [p for p in before if p not in files],
        }
        return {k: v for k, v in changes.items() if v}

    # -- one batch ----------------------------------------------------------------------------

    def _run(self, files: dict[Path, Stamp], changed: dict[str, list[Path]], export_changed: bool,
             export: tuple[Path, Stamp | None]) -> BatchSummary | None:
        words = {"new": "收到", "changed": "已更新", "removed": "已移走"}
        for kind, paths in changed.items():
            for path in paths:
                size = f"（{files[path][0] / 1e6:.1f} MB）" if path in files else ""
                self.say(f"{words[kind]} {self._shown(path)}{size}")
        if export_changed:
            self.say(f"线上导出有更新：{export[0].name}；只重新核对，不重新识别")
        inputs = [p for p in self.stages.discover([self.options.folder]) if p in files]
        run = self.options.run.model_copy(update={"scans": inputs, "online": export[0]})
        self._in_batch = True
        try:
            summary = run_batch(run, stages=self.stages)
        except PaperdeskError as exc:
            # The export cannot be read, the store is locked…: say so and try again on the next change.
            self.say(f"本批未能运行：{exc}")
            log.warning("batch not run: %s", exc)
            self.state.export = export
            self.state.batch_files = dict(files)
            self.state.first_change = None
            return None
        finally:
            self._in_batch = False
        self.state.batch_files = dict(files)
        self.state.export = export
        self.state.first_change = None
        self.batches.append(summary)
        self._tell(summary, [*changed.get("new", []), *changed.get("changed", [])])
        if self.options.archive is not None:
            self._in_batch = True
            try:
                self._archive()
            finally:
                self._in_batch = False
        return summary

    def _archive(self) -> None:
        assert self.options.archive is not None
        try:
            done = write_archive(self.options.run.db_url, self.options.archive, self.stages)
        except PaperdeskError as exc:
            self.say(f"归档未能更新：{exc}")
            return
        failed = f"，{len(done.failed)} 份未能归档（见 index.xlsx 说明列）" if done.failed else ""
        self.say(f"归档：新写 {len(done.written)} 份，未变 {done.kept} 份{failed} → {self.options.archive}")

    def _shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.options.folder))
        except ValueError:
            return str(path)

    def _tell(self, summary: BatchSummary, arrived: list[Path]) -> None:
        """What the batch found in the files that arrived, and where the batch stands."""
        results = _load(summary.results_path)
        noms = [n for n in nominations(results) if n.kind == "document"]
        by_file: dict[str, list[str]] = {}
        for n in noms:
            source = n.document.get("source") or {}
            name = n.record_id or f"{n.ident}（无线上记录）"
            text = f"{name} {n.title or ''}：{n.status}" + (f"，{len(n.findings)} 个问题" if n.findings else "")
            for f in [*(source.get("files") or []), str(source.get("file", ""))]:
                by_file.setdefault(str(Path(f)), []).append(text)
        failures = {str(Path(f.get("file", ""))): f.get("reason_zh") or f.get("reason", "") for f in results.get("failures", [])}
        said: dict[str, list[str]] = {}  # what was found -> the files it was found in (a folder of page files: one line)
        for path in arrived:
            key = str(path)
            if key in failures:
                found = f"无法读取：{failures[key]}"
            elif by_file.get(key):
                found = "；".join(dict.fromkeys(by_file[key]))
            else:
                found = "没有找到推荐表"
            said.setdefault(found, []).append(self._shown(path))
        for found, names in said.items():
            self.say(f"{'、'.join(names)}：{found}")
        counts = {s: sum(1 for n in noms if n.status == s) for s in STATUS_ORDER}
        tally = "，".join(f"{s} {c}" for s, c in counts.items())
        self.say(
            f"本批 {len(noms)} 份推荐表（{tally}）；新识别 {summary.pages_read} 页，"
            f"沿用已识别 {summary.pages_cached} 页；报告 {self.options.run.out / 'report.html'}"
        )


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _load(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("results unreadable after the batch (%s): %s", path, exc)
        return {}
    return loaded


def watch(options: WatchOptions, stages: Stages | None = None, stop: threading.Event | None = None) -> list[BatchSummary]:
    """Run the watcher (the CLI's ``paperdesk watch``)."""
    return Watcher(options, stages).run(stop)
