"""Stage 4: results.json, report.html, report.xlsx, findings.csv and letters/.

``write_reports(results, out_dir, options)`` writes all five; the status of a
nomination (需处理 / 待核对 / 合格) is defined in ``reports.model``.
"""

from reports.model import (
    STATUS_ACTION,
    STATUS_CHECK,
    STATUS_OK,
    Nomination,
    ReportOptions,
    ReportPaths,
    document_status,
    nominations,
)
from reports.results_json import results_schema, validate_results, write_results_json
from reports.writer import write_reports

__all__ = [
    "STATUS_ACTION",
    "STATUS_CHECK",
    "STATUS_OK",
    "Nomination",
    "ReportOptions",
    "ReportPaths",
    "document_status",
    "nominations",
    "results_schema",
    "validate_results",
    "write_reports",
    "write_results_json",
]
