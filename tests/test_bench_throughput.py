"""bench.throughput's in-process profile reads a page as a page worker does (issue 14)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytesseract
import pytest

from bench.throughput import as_a_worker, stage_profile
from paperdesk.parallel import OMP_THREADS_PER_WORKER

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "scans"


def test_as_a_worker_sets_and_restores_the_thread_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    with as_a_worker():
        assert os.environ["OMP_THREAD_LIMIT"] == OMP_THREADS_PER_WORKER
    assert "OMP_THREAD_LIMIT" not in os.environ
    monkeypatch.setenv("OMP_THREAD_LIMIT", "4")
    with as_a_worker():
        assert os.environ["OMP_THREAD_LIMIT"] == OMP_THREADS_PER_WORKER
    assert os.environ["OMP_THREAD_LIMIT"] == "4"


def test_the_profile_runs_tesseract_single_threaded_as_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second opinion's Tesseract sees the worker's thread limit (it ran on every core, and the profile
    printed 0.58 CPU s/page where a worker spends ~0.15-0.2)."""
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    seen: list[str | None] = []
    real = pytesseract.image_to_data

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(os.environ.get("OMP_THREAD_LIMIT"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pytesseract, "image_to_data", spy)
    # form01.pdf's first page: a form's first page, whose short fields Tesseract reads a second time.
    done, spent = stage_profile([(SAMPLES / "form01.pdf", "pdf", 5)], "hybrid", 1)
    assert done == 1
    assert spent["read_page total"] > 0
    assert seen, "the first page's second opinion ran no Tesseract"
    assert set(seen) == {OMP_THREADS_PER_WORKER}
    assert "OMP_THREAD_LIMIT" not in os.environ
