"""Looking into a running batch's SQLite store from outside: for the resume test and bench.resume."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def stored_pages(db: Path) -> int:
    """Pages the batch has stored so far, read-only (a running batch keeps writing); 0 before the
    store or its tables exist."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM pages").fetchone()[0])
    except sqlite3.OperationalError:  # tables not created yet
        return 0
