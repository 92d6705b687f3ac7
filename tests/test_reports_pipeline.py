"""The reports on what the real runner builds (paperdesk.runner on the fake pipeline of tests/runner_fakes.py).

The runner's results dict (crops written by the runner, ``online``,
``review``, page failures, a skipped duplicate) must follow the schema, and
``write_reports`` must turn it into all five outputs.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from paperdesk.options import RunOptions
from paperdesk.runner import run_batch
from reports import STATUS_ACTION, ReportOptions, validate_results, write_reports
from reports.xlsx import FAILURES_SHEET, NOMINATIONS_SHEET, UNMATCHED_SHEET
from tests.runner_fakes import fake_stages, write_export, write_scan


def _write_reports(results: dict[str, Any], out_dir: Path, options: ReportOptions) -> None:
    write_reports(results, out_dir, options)


def test_runner_results_follow_the_schema_and_make_every_report(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲", "continuation", "first 技术乙"])
    write_scan(scans / "b.fake", ["first 技术丁", "broken"])
    (scans / "c.fake").write_bytes((scans / "a.fake").read_bytes())
    (scans / "d.fake").write_text("not a scan\n", encoding="utf-8")
    records = [
        {"record_id": "KC-1", "tech_name": "技术甲", "recommender": "中国电子学会"},
        {"record_id": "KC-2", "tech_name": "技术乙", "recommender": "中国电子学会"},
        {"record_id": "KC-3", "tech_name": "技术丙", "recommender": "中国药学会"},
    ]
    export = write_export(tmp_path / "export.json", records)
    out = tmp_path / "out"
    stages = dataclasses.replace(fake_stages(), write_reports=_write_reports)
    run_batch(RunOptions(scans=[scans], online=export, out=out, jobs=1, quiet=True), stages=stages)

    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert validate_results(results) == []
    for name in ("report.html", "report.xlsx", "findings.csv"):
        assert (out / name).stat().st_size > 0, name

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('class="card ') == 4  # 3 documents + KC-3 without paper
    assert (
        html.count("data:image/png;base64,") == 1
    )  # the 技术丁 document's tech_name crop, flagged by NO_ONLINE_RECORD
    wb = load_workbook(out / "report.xlsx")
    rows = list(wb[NOMINATIONS_SHEET].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows].count(STATUS_ACTION) == 2  # 技术丁 (no record) and KC-3 (no paper)
    assert [r[0] for r in wb[UNMATCHED_SHEET].iter_rows(min_row=2, values_only=True)] == ["KC-3"]
    failed = {Path(str(r[0])).name for r in wb[FAILURES_SHEET].iter_rows(min_row=2, values_only=True)}
    assert {"d.fake", "b.fake", "c.fake"} <= {name.split("（")[0] for name in failed}
    with (out / "findings.csv").open(encoding="utf-8-sig") as fh:
        codes = sorted(r["代码"] for r in csv.DictReader(fh))
    assert codes == sorted(
        f["code"] for f in results["findings"] + [f for d in results["documents"] for f in d["findings"]]
    )
    # the fake pipeline's findings name no unit: no letter can be addressed, and the log says so for each
    assert list((out / "letters").iterdir()) == []
    unaddressed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("no letter: ")]
    assert len(unaddressed) == 2 and any("KC-3" in m for m in unaddressed) and any("技术丁" in m for m in unaddressed)

