"""What the benchmarks share: running ``paperdesk run`` as a child, timing it, sampling its memory.

Run by hand from the repository root (never in the test suite): ``.venv/bin/python -m bench.<name> --help``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCANS = ROOT / "samples" / "scans"
DEFAULT_EXPORT = ROOT / "samples" / "online.xlsx"
# Memory is sampled this often: a page takes seconds, a worker's peak lasts longer than this.
SAMPLE_EVERY_S = 0.1


@dataclass
class Measured:
    seconds: float
    returncode: int
    peak_main_rss: int  # bytes, the paperdesk process itself
    peak_tree_rss: int  # bytes, paperdesk and its worker processes together
    stderr: str
    peak_worker_rss: int = 0  # bytes, the largest single process (paperdesk itself or one worker)
    cpu_seconds: float = 0.0  # user + system CPU of paperdesk and of every process it started (``adopting_orphans``)


def paperdesk_run(scans: list[Path], export: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "paperdesk", "run", *map(str, scans), "--online", str(export), "--out", str(out), *extra]


def measure(argv: list[str], cwd: Path = ROOT) -> Measured:
    """Run ``argv`` to the end; wall time and the peak resident memory of it and its children."""
    t0 = time.monotonic()
    cpu0 = children_cpu()
    with adopting_orphans():
        proc = psutil.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak_main = peak_tree = peak_one = 0
        while proc.poll() is None:
            try:
                main = proc.memory_info().rss
                children = proc.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            tree = main + sum(_rss(c) for c in children)
            # The kernel's own high-water mark of each process: a spike between two samples counts.
            one = max(_hwm(p.pid) for p in [proc, *children])
            peak_main, peak_tree, peak_one = max(peak_main, main), max(peak_tree, tree), max(peak_one, one)
            time.sleep(SAMPLE_EVERY_S)
        _, stderr = proc.communicate()
        seconds = time.monotonic() - t0
    return Measured(seconds, proc.returncode, peak_main, peak_tree, stderr, peak_one, children_cpu() - cpu0)


def children_cpu() -> float:
    """CPU seconds of every child process this one has waited for (and of their waited-for children).

    A process that its parent never waits for is missing here unless this process adopts and reaps it
    (``adopting_orphans``): paperdesk's page workers, forked by multiprocessing's fork server, which
    paperdesk starts and never waits for (the throughput bench printed 0.4 CPU s/page for paperdesk)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# prctl(2) options: a "child subreaper" becomes the parent of its descendants' orphans (Linux >= 3.4).
_PR_SET_CHILD_SUBREAPER, _PR_GET_CHILD_SUBREAPER = 36, 37
# How long to wait for an adopted orphan to end once the command has: the fork server ends as soon as
# paperdesk closes its end of the pipe, so anything still running after this is no part of the run.
ORPHAN_WAIT_S = 30.0
ORPHAN_POLL_S = 0.02


@contextmanager
def adopting_orphans() -> Iterator[None]:
    """While the block runs, this process adopts the orphans of the commands it starts (a child
    subreaper); at its end it waits for each of them, so their CPU (and their own reaped children's)
    counts in ``children_cpu``: every process of a run, not only the ones its parent waited for.

    Children this process had before the block are left alone. Off Linux it adopts nothing."""
    libc = ctypes.CDLL(None, use_errno=True)
    before = ctypes.c_int(0)
    if libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0) != 0:
        yield
        return
    known = {c.pid for c in psutil.Process().children()}
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield
        _reap_adopted(known)
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, before.value, 0, 0, 0)


def _reap_adopted(known: set[int]) -> None:
    """Wait for every child of this process that is not in ``known`` (the orphans it adopted, and theirs)."""
    deadline = time.monotonic() + ORPHAN_WAIT_S
    while True:
        adopted = [c.pid for c in psutil.Process().children() if c.pid not in known]
        if not adopted:
            return
        for pid in adopted:
            try:
                os.waitpid(pid, os.WNOHANG)  # 0 while it runs: asked again on the next round
            except ChildProcessError:  # not ours to wait for after all (reaped elsewhere): no more asking
                known.add(pid)
        if time.monotonic() > deadline:
            print(f"bench: {len(adopted)} adopted processes still running; their CPU is not counted", file=sys.stderr)
            return
        time.sleep(ORPHAN_POLL_S)


def _hwm(pid: int) -> int:
    """Peak resident memory (VmHWM) of a live process, bytes; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _rss(p: psutil.Process) -> int:
    try:
        return int(p.memory_info().rss)
    except psutil.NoSuchProcess:
        return 0


def results(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return data


def per_minute(pages: int, seconds: float) -> float:
    return pages / seconds * 60.0 if seconds > 0 else 0.0


def mib(n: int) -> float:
    return n / (1 << 20)


def check(m: Measured, what: str) -> None:
    if m.returncode != 0:
        raise SystemExit(f"{what} failed (exit {m.returncode}):\n{m.stderr[-2000:]}")


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two JSON values differ (paths of the differing leaves), to say why two runs disagree."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += differences(a.get(key), b.get(key), f"{where}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {str(a)[:80]!r} != {str(b)[:80]!r}"]

