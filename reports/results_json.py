"""results.json: the CONTRACT.md dict on disk, and its JSON Schema.

The schema (``reports/schema/results.schema.json``) checks the keys
CONTRACT.md names and lets extra keys through (the contract grows only by
adding keys). ``validate_results`` returns one line per violation, so a
caller can log them all and go on, or fail a test.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from forms.findings import code_labels

RESULTS_NAME = "results.json"
OUTPUT_MODE = 0o644
"""Outputs are shared with other clerks and tools (mkstemp alone would make them owner-only)."""
SCHEMA_NAME = "results.schema.json"


@lru_cache(maxsize=1)
def results_schema() -> dict[str, Any]:
    """The JSON Schema of results.json (package data), a finding's ``code`` one of the finding
    registry's codes (forms/data/findings.toml: the schema file does not list them)."""
    ref = resources.files("reports") / "schema" / SCHEMA_NAME
    schema: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    schema["$defs"]["finding"]["properties"]["code"] = {"enum": list(code_labels())}
    return schema


def validate_results(results: Any) -> list[str]:
    """Every way ``results`` breaks the schema, one line each ("" path means the top)."""
    validator = jsonschema.Draft202012Validator(results_schema())
    errors = sorted(validator.iter_errors(results), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in errors]


def write_results_json(results: dict[str, Any], out_dir: Path) -> Path:
    """Write ``out_dir/results.json`` atomically (temp file in the same folder, then os.replace).

    UTF-8, Chinese kept as is (ensure_ascii=False), indent 2. A reader never
    sees a half-written file: either the old one or the new one.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / RESULTS_NAME
    text = json.dumps(results, ensure_ascii=False, indent=2, default=_jsonable)
    atomic_write_bytes(target, (text + "\n").encode("utf-8"))
    return target


def atomic_write_bytes(target: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``target`` through a temp file in the same folder and os.replace: a reader
    sees the old file or the new one, never a part. ``durable``: on disk (fsync) before the rename;
    without it, a copy of what the store keeps (a crop, a page preview) is written without waiting
    for the disk (one fsync each was ~9 ms, ~2.5 s of a 48-page batch's end: issue 14)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, OUTPUT_MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    """Dates, paths and sets as JSON (the runner may pass them through)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"results.json: cannot write a {type(value).__name__}")
