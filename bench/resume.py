"""How much of an interrupted batch a resumed run costs, against the whole batch.

    .venv/bin/python -m bench.resume [--scans samples/scans] [--online samples/online.xlsx] [--at 0.5] [--jobs 2]

1. the whole batch, uninterrupted, into a fresh folder (wall time T_whole);
2. the same batch into another fresh folder, killed with SIGKILL (process group:
   paperdesk and its workers, as a power cut would) once ``--at`` of its pages are stored;
3. the same command again: it resumes (wall time T_rest).

Prints T_rest / T_whole (ideally about 1 - at plus the fixed start-up and
report cost) and checks the resumed results.json equals the uninterrupted one
(timestamps aside).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import DEFAULT_EXPORT, DEFAULT_SCANS, ROOT, check, differences, measure, paperdesk_run, results
from paperdesk.results import comparable
from tests.store_support import stored_pages

POLL_S = 0.2
MAX_DIFF_LINES = 20  # enough to see why, short enough to read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=Path, default=DEFAULT_SCANS)
    parser.add_argument("--online", type=Path, default=DEFAULT_EXPORT)
    parser.add_argument("--at", type=float, default=0.5, help="share of the pages stored when the run is killed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--ocr-engine", default="hybrid")
    args = parser.parse_args()
    extra = ["--jobs", str(args.jobs), "-q", "--ocr-engine", args.ocr_engine]

    with tempfile.TemporaryDirectory(prefix="paperdesk-resume-") as tmp:
        work = Path(tmp)
        whole = measure(paperdesk_run([args.scans], args.online, work / "whole", *extra))
        check(whole, "uninterrupted run")
        total = results(work / "whole")["batch"]["pages"]
        print(f"whole batch: {total} pages in {whole.seconds:.1f} s")

        out = work / "killed"
        argv = paperdesk_run([args.scans], args.online, out, *extra)
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        t0 = time.monotonic()
        target = max(1, int(total * args.at))
        while stored_pages(out / "paperdesk.db") < target and proc.poll() is None:
            time.sleep(POLL_S)
        if proc.poll() is not None:
            raise SystemExit("the run ended before it could be killed; use a larger batch or a smaller --at")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        stored = stored_pages(out / "paperdesk.db")
        print(f"killed after {time.monotonic() - t0:.1f} s with {stored}/{total} pages stored")

        rest = measure(argv)
        check(rest, "resumed run")
        diff = differences(comparable(results(out)), comparable(results(work / "whole")))
        print(f"rest of the batch: {rest.seconds:.1f} s = {rest.seconds / whole.seconds:.2f} × the whole batch "
              f"({1 - stored / total:.2f} of its pages left); results equal the uninterrupted run: {not diff}")
        for line in diff[:MAX_DIFF_LINES]:
            print(f"  differs at {line}")


if __name__ == "__main__":
    main()
