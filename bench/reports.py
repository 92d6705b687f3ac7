"""How long write_reports takes, and how big its outputs are, for a batch of N nominations.

    .venv/bin/python -m bench.reports [--copies 40]

The batch is the reports test fixture (tests/reports_fixture.py: 6 documents,
1 record without paper, 12 findings, 5 crops) repeated ``--copies`` times with
fresh ids; the crops are shared files. Prints seconds per output and sizes.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reports import ReportOptions
from reports.findings_csv import write_findings_csv
from reports.html import write_report_html
from reports.letters import write_letters
from reports.results_json import write_results_json
from reports.xlsx import write_report_xlsx
from tests.reports_fixture import make_results


def scaled(results: dict[str, Any], copies: int) -> dict[str, Any]:
    """``copies`` copies of the fixture batch, ids and record ids made unique."""
    out = copy.deepcopy(results)
    out["documents"], out["findings"], out["unmatched_records"] = [], [], []
    for i in range(copies):
        def rid(r: str, i: int = i) -> str:
            return f"{r}-{i:03d}"

        for doc in copy.deepcopy(results["documents"]):
            doc["id"] = f"{doc['id']}-{i:03d}"
            if doc["record_id"]:
                doc["record_id"] = rid(doc["record_id"])
            if doc["online"]:
                doc["online"]["recommender"] = f"{doc['online']['recommender']}{i % 25}"
            out["documents"].append(doc)
        for f in copy.deepcopy(results["findings"]):
            if f.get("record_id"):
                f["record_id"] = rid(f["record_id"])
            if f.get("record_ids"):
                f["record_ids"] = [rid(r) for r in f["record_ids"]]
            out["findings"].append(f)
        out["unmatched_records"] += [rid(r) for r in results["unmatched_records"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        results = scaled(make_results(out), args.copies)
        options = ReportOptions().resolved(results)
        noms = len(results["documents"]) + len(results["unmatched_records"])
        findings = sum(len(d["findings"]) for d in results["documents"]) + len(results["findings"])
        print(f"batch: {noms} nominations, {findings} findings")
        steps: list[tuple[str, Callable[[], Path | list[Path]]]] = [
            ("results.json", lambda: write_results_json(results, out)),
            ("report.html", lambda: write_report_html(results, out, options)),
            ("report.xlsx", lambda: write_report_xlsx(results, out, options)),
            ("findings.csv", lambda: write_findings_csv(results, out, options.template)),
            ("letters", lambda: write_letters(results, out, options)[0]),
        ]
        total = 0.0
        for name, step in steps:
            t0 = time.perf_counter()
            written = step()
            seconds = time.perf_counter() - t0
            total += seconds
            paths = written if isinstance(written, list) else [written]
            size = sum(p.stat().st_size for p in paths)
            print(f"{name:13s} {seconds:7.2f} s  {len(paths):4d} file(s)  {size / 1024:9.0f} KiB")
        print(f"{'total':13s} {total:7.2f} s")


if __name__ == "__main__":
    main()
