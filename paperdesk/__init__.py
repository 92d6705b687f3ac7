"""paperdesk: check mailed, stamped paper nomination forms against the online submissions.

This package is the glue around the stages (ingest → extract → checks →
reports): the CLI, the options, the batch runner, the store and the review app.
"""

import hashlib
from pathlib import Path

__version__ = "0.1.0"

_READING_CODE = ("ingest", "extract", "forms")
"""The packages whose code and data decide what a page reads as."""


def reading_code_digest(root: Path | None = None) -> str:
    """A digest of the reading stages' source and data files under ``root`` (default: as installed
    beside this package)."""
    root = root or Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in _READING_CODE:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".toml", ".csv"):
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


PIPELINE_VERSION = f"9-{reading_code_digest()}"
"""The page cache's key: any change to the code or data that reads a page reads it again (it was
bumped by hand, and a forgotten bump served pages read by older code)."""
