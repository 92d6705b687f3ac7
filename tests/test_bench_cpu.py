"""The benches' CPU accounting sees every process of a run, also the ones its parent never waits for."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import psutil

from bench.common import measure

# CPU seconds the worker burns: far above what the script's own start-up costs.
BURN_S = 1.0
# The clock ticks and the worker's start-up may split a few hundredths either way.
SLACK_S = 0.05

# A parent that reads through a pool forked by multiprocessing's fork server, as paperdesk's runner does:
# the worker is the fork server's child, and the parent never waits for the fork server.
SCRIPT = textwrap.dedent(
    """
    import concurrent.futures as cf
    import multiprocessing
    import sys
    import time


    def burn(seconds):
        start = time.process_time()
        while time.process_time() - start < seconds:
            pass
        return time.process_time() - start


    if __name__ == "__main__":
        context = multiprocessing.get_context("forkserver")
        with cf.ProcessPoolExecutor(1, mp_context=context) as pool:
            spent = pool.submit(burn, float(sys.argv[1])).result()
        print(spent, file=sys.stderr)
    """
)


def test_measure_counts_a_fork_server_workers_cpu(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(SCRIPT, encoding="utf-8")
    m = measure([sys.executable, str(script), str(BURN_S)], cwd=tmp_path)
    assert m.returncode == 0, m.stderr
    burned = float(m.stderr.split()[-1])
    assert burned >= BURN_S
    # The parent's own CPU (its imports) is a fraction of this: without the worker it stays far below.
    assert m.cpu_seconds >= burned - SLACK_S


def test_measure_leaves_this_process_no_orphans(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(SCRIPT, encoding="utf-8")

    before = {c.pid for c in psutil.Process().children()}
    measure([sys.executable, str(script), "0.1"], cwd=tmp_path)
    after = {c.pid for c in psutil.Process().children()}
    assert after <= before
