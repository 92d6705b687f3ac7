"""Where the wall time of one ``paperdesk run`` goes, and which core idles when.

    .venv/bin/python -m bench.timeline [--scans samples/scans] [--online samples/online.xlsx] [--jobs 2]
                                       [--window 5] [--json FILE]

Runs the batch in this process (a fresh output folder and store) with a mark at each step of the
runner (imports, planning, the pool, each page's reading coming back, the checks' warm-up, assembly,
reconciliation, reports) and the runner's own CPU at each mark; a thread reads ``/proc`` every
``SAMPLE_S`` for the CPU of every process of the run: the runner, the page workers (their Tesseract
counted once they reap it) and the rest. Printed: the steps with their wall and the runner's CPU, the
time of the first and the last page, the tail after the last page, and per ``--window`` seconds the
CPU the runner and the workers used against what the cores offered (unused: idle on a quiet machine),
and, from the scheduler's counters of each process's threads (``/proc/PID/task/*/schedstat``), the
thread-seconds they spent runnable but waiting for a core (``waited``): on a busy machine "unused" is
then mostly the other processes' share. (A worker's threads overlap, OpenCV's pool beside the main
thread, so these counters cannot say how long no thread of it was runnable: only a quiet machine can.)
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_EXPORT, DEFAULT_SCANS

# How often each process's CPU is read: a page takes seconds, a step of the runner tenths of one.
SAMPLE_S = 0.25
_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
# The runner's steps marked (paperdesk.runner's functions), in the order a batch runs them.
STEPS = ["plan_inputs", "make_pool", "read_pages", "assemble_documents", "build_results", "save_batch",
         "write_outputs", "prune_store"]


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


@dataclasses.dataclass
class Timeline:
    t0: float = dataclasses.field(default_factory=time.monotonic)
    marks: list[tuple[float, float, str]] = dataclasses.field(default_factory=list)  # (wall s, runner CPU s, what)
    # (wall s, {pid: (name, parent pid, own CPU s, reaped children's CPU s, its threads' time on a core s,
    #                 its threads' time waiting for a core s)})
    samples: list[tuple[float, dict[int, tuple[str, int, float, float, float, float]]]] = dataclasses.field(
        default_factory=list)

    def mark(self, what: str) -> None:
        self.marks.append((time.monotonic() - self.t0, _cpu(), what))


def _stat(pid: int) -> tuple[str, int, float, float, float, float] | None:
    """(name, parent pid, own CPU s, reaped children's CPU s, its threads' time on a core and waiting
    for one, s) of a live process, every thread counted."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        on_core = waiting = 0.0
        for task in Path(f"/proc/{pid}/task").iterdir():
            counters = (task / "schedstat").read_text().split()
            on_core, waiting = on_core + int(counters[0]) / 1e9, waiting + int(counters[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    if b"forkserver" in cmdline:
        name = "forkserver"
    f = stat[stat.rindex(")") + 2 :].split()
    return (name, int(f[1]), (int(f[11]) + int(f[12])) / _TICKS_PER_S, (int(f[13]) + int(f[14])) / _TICKS_PER_S,
            on_core, waiting)


def _sample(line: Timeline, stop: threading.Event) -> None:
    import psutil

    me = psutil.Process()
    while not stop.is_set():
        row = {}
        for p in [me, *me.children(recursive=True)]:
            s = _stat(p.pid)
            if s is not None:
                row[p.pid] = s
        line.samples.append((time.monotonic() - line.t0, row))
        stop.wait(SAMPLE_S)


def _marked(line: Timeline, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        line.mark(f"{name} begin")
        try:
            return fn(*args, **kwargs)
        finally:
            line.mark(f"{name} end")
    return wrapper


def run(argv: list[str], line: Timeline) -> int:
    """``paperdesk`` with ``argv``, its runner's steps marked."""
    line.mark("start")
    import paperdesk.runner as runner
    from paperdesk.cli import main

    line.mark("runner imported")
    originals = {name: getattr(runner, name) for name in [*STEPS, "default_stages"]}
    for name in STEPS:
        setattr(runner, name, _marked(line, name, originals[name]))
    read_pages = runner.read_pages

    def pages_marked(plans: Any, pool: Any, ctx: Any, reporter: Any, summary: Any) -> None:
        run_pool = pool.run

        def each(fn: Any, work: Any, errors: Any) -> Iterator[Any]:
            for tag, outcome in run_pool(fn, work, errors):
                line.mark(f"page {tag}")
                yield tag, outcome
        pool.run = each
        read_pages(plans, pool, ctx, reporter, summary)

    def stages() -> Any:
        s = originals["default_stages"]()
        marked = {k: _marked(line, k, getattr(s, k)) for k in ("reconcile", "write_reports", "warm_up", "assemble")}
        return dataclasses.replace(s, **marked)

    runner.read_pages = pages_marked
    runner.default_stages = stages
    try:
        return main(argv)
    finally:
        line.mark("end")
        for name, fn in originals.items():
            setattr(runner, name, fn)


def _roles(row: dict[int, tuple[str, int, float, float, float, float]]) -> dict[int, str]:
    me = os.getpid()
    # The fork server is the runner's child; its forks (the workers) carry the same command line.
    servers = {pid for pid, s in row.items() if s[0] == "forkserver" and s[1] == me}
    roles = {}
    for pid, (name, ppid, *_) in row.items():
        if pid == me:
            roles[pid] = "runner"
        elif pid in servers:
            roles[pid] = "forkserver"
        elif ppid in servers or (ppid == me and name.startswith("python")):
            roles[pid] = "workers"
        elif name == "tesseract":
            roles[pid] = "tesseract"  # counted in its worker's reaped CPU once it ends
        else:
            roles[pid] = "other"
    return roles


def report(line: Timeline, window: float, cores: int) -> None:
    first = next((t for t, _, w in line.marks if w.startswith("page")), None)
    last = max((t for t, _, w in line.marks if w.startswith("page")), default=None)
    pages = sum(1 for _, _, w in line.marks if w.startswith("page"))
    print(f"{'wall s':>8s} {'runner CPU s':>12s}  step")
    for t, c, what in line.marks:
        if not what.startswith("page"):
            print(f"{t:8.2f} {c:12.2f}  {what}")
    if first is not None and last is not None:
        end = line.marks[-1][0]
        print(f"\n{pages} results back from the pool: the first at {first:.2f} s, the last at {last:.2f} s;"
              f" after it {end - last:.2f} s to the end")
    print(f"\nCPU s per {window:g} s of wall ({cores} cores: {cores * window:g} core-s offered); waited: the"
          " thread-seconds this run's threads were runnable but waiting for a core")
    used = usage(line, window)
    for start, counts in used.items():
        busy = sum(v for k, v in counts.items() if k != "waited")
        print(f"{start:6.0f}-{start + window:<6.0f} "
              + "  ".join(f"{k} {v:5.2f}" for k, v in sorted(counts.items()) if k != "waited")
              + f"   unused {max(0.0, cores * window - busy):5.2f}   waited {counts.get('waited', 0.0):5.2f}")
    totals: dict[str, float] = {}
    for counts in used.values():
        for k, v in counts.items():
            totals[k] = totals.get(k, 0.0) + v
    wall = line.marks[-1][0] if line.marks else 0.0
    busy = sum(v for k, v in totals.items() if k != "waited")
    print(f"whole run: {wall:.1f} s wall, {cores * wall:.1f} core-s offered, {busy:.1f} used ("
          + ", ".join(f"{k} {v:.1f}" for k, v in sorted(totals.items()) if k != "waited")
          + f"), {max(0.0, cores * wall - busy):.1f} unused; threads waited {totals.get('waited', 0.0):.1f} s for a core")


def usage(line: Timeline, window: float) -> dict[float, dict[str, float]]:
    """Per ``window`` s of wall: CPU s by role, and the thread-seconds spent waiting for a core ("waited")."""
    last: dict[int, tuple[float, float]] = {}  # pid -> (CPU, waiting) at its last sighting
    used: dict[float, dict[str, float]] = {}
    for t, row in line.samples:
        roles = _roles(row)
        bucket = used.setdefault(int(t // window) * window, {})
        for pid, (_, _, own, reaped, _, waiting) in row.items():
            role = roles[pid]
            if role == "tesseract":
                continue  # counted in its worker's reaped CPU once it ends
            cpu = own + (reaped if role == "workers" else 0.0)
            before = last.get(pid)
            last[pid] = (cpu, waiting)
            bucket[role] = bucket.get(role, 0.0) + max(0.0, cpu - (before[0] if before else 0.0))
            if before is not None:  # its scheduler counters start at the first sighting
                bucket["waited"] = bucket.get("waited", 0.0) + max(0.0, waiting - before[1])
    return used


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=Path, default=DEFAULT_SCANS)
    parser.add_argument("--online", type=Path, default=DEFAULT_EXPORT)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--window", type=float, default=5.0, help="seconds of wall per line of the CPU table")
    parser.add_argument("--json", type=Path, default=None, help="write the marks and the samples here")
    args = parser.parse_args(argv)
    line = Timeline()
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(line, stop), daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="paperdesk-timeline-") as tmp:
        out = Path(tmp) / "out"
        try:
            rc = run(["run", str(args.scans), "--online", str(args.online), "--out", str(out), "--jobs", str(args.jobs),
                      "-q"], line)
        finally:
            stop.set()
            sampler.join()
        shutil.rmtree(out, ignore_errors=True)
    if rc != 0:
        raise SystemExit(f"paperdesk run failed (exit {rc})")
    print(f"load {os.getloadavg()[0]:.1f} at the end")
    report(line, args.window, os.cpu_count() or 1)
    if args.json is not None:
        args.json.write_text(json.dumps(dataclasses.asdict(line)), encoding="utf-8")


if __name__ == "__main__":
    main()
