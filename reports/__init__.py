"""Stage 4: results.json, report.html, report.xlsx, findings.csv and letters/."""
