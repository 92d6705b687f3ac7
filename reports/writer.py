"""write_reports: the five outputs of a batch, from the results dict.

``results`` is the CONTRACT.md dict plus the runner's extra keys (each
document's ``crops``, ``online``, ``path_taken``, ``problems``; each
finding's ``evidence``, ``page``, ``bbox``, ``confidence``, ``key``; the
batch's ``online_records`` and ``inputs_detail``). Missing keys show as "—";
nothing in the results makes the reports crash.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reports.model import ReportOptions, ReportPaths
from reports.results_json import validate_results, write_results_json

log = logging.getLogger(__name__)


def write_reports(results: dict[str, Any], out_dir: Path, options: ReportOptions | None = None) -> ReportPaths:
    """Write results.json, report.html, report.xlsx, findings.csv and letters/*.docx into ``out_dir``.

    Schema violations are logged (one warning each) and the reports are
    still written: a clerk gets what could be shown, a developer the log.
    """
    # The writers' libraries (Jinja2, openpyxl, python-docx: ~35 MB) are loaded when a batch is
    # written, not whenever ``reports`` is imported: ``paperdesk run`` reads its pages without them.
    from reports.findings_csv import write_findings_csv
    from reports.html import write_report_html
    from reports.letters import write_letters
    from reports.xlsx import write_report_xlsx

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    resolved = (options or ReportOptions()).resolved(results)
    for problem in validate_results(results):
        log.warning("results.json does not follow the schema: %s", problem)
    json_path = write_results_json(results, out_dir)
    html_path = write_report_html(results, out_dir, resolved)
    xlsx_path = write_report_xlsx(results, out_dir, resolved)
    csv_path = write_findings_csv(results, out_dir, resolved.template)
    letters, unaddressed = write_letters(results, out_dir, resolved)
    for line in unaddressed:
        log.warning("no letter: %s", line)
    return ReportPaths(
        results_json=json_path, html=html_path, xlsx=xlsx_path, csv=csv_path, letters=letters, unaddressed=unaddressed
    )
