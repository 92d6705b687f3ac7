"""CPU seconds per page by stage of two source trees, alternated A B B A ... in one run (issue 14).

Each round reads the same pages in a fresh process per tree (``bench.throughput.stage_profile``, the
in-process profile: read_page's steps, detection, recognition), with ``OMP_THREAD_LIMIT=1`` as in a
page worker, and prints each stage's CPU s/page per tree and the load at the time:

    python -m bench.stage_ab /tmp/base-tree . --scans samples/scans --pages 8 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

PROBE = """
import json, sys
from pathlib import Path
from bench.throughput import readable_scans, stage_profile
files = readable_scans(Path(sys.argv[1]))
done, spent = stage_profile(files, "hybrid", int(sys.argv[2]))
print("STAGES " + json.dumps({"pages": done, **spent}))
"""


def profile(tree: Path, scans: Path, pages: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree.resolve()), "OMP_THREAD_LIMIT": "1"}
    out = subprocess.run([sys.executable, "-c", PROBE, str(scans.resolve()), str(pages)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("STAGES "))
    got: dict[str, float] = json.loads(line[len("STAGES "):])
    return got


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path, help="the tree before")
    parser.add_argument("b", type=Path, help="the tree after")
    parser.add_argument("--scans", type=Path, default=Path("samples/scans"))
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    per: dict[str, dict[str, list[float]]] = {"A": defaultdict(list), "B": defaultdict(list)}
    order = ["A", "B"]
    for r in range(args.rounds):
        for side in order if r % 2 == 0 else order[::-1]:
            tree = args.a if side == "A" else args.b
            load = os.getloadavg()[0]
            got = profile(tree, args.scans, args.pages)
            n = max(1, int(got.pop("pages")))
            for key, value in got.items():
                per[side][key].append(value / n)
            total = got.get("read_page total", 0.0) / n
            print(f"round {r + 1} {side} ({tree}): read_page {total:.3f} CPU s/page, load {load:.1f}", flush=True)
    keys = [k for k in per["A"] if not k.startswith("recognition ") and k != "model load (once)"]
    print(f"\n{'stage (CPU s/page, mean of rounds)':42s} {'A':>7s} {'B':>7s} {'B/A':>6s}")
    for key in keys:
        a = sum(per["A"][key]) / len(per["A"][key])
        b = sum(per["B"][key]) / max(1, len(per["B"][key]))
        print(f"{key:42s} {a:7.3f} {b:7.3f} {b / a if a else 0:6.2f}")


if __name__ == "__main__":
    main()
