"""Output files are replaced whole; results and reports wait for the disk, copies of stored images do not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import reports.results_json as results_json
from paperdesk.runner import write_crops
from reports.results_json import atomic_write_bytes


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(results_json.os, "fsync", counted)
    return calls


def test_a_durable_write_is_on_disk_before_it_replaces(tmp_path: Path, fsyncs: list[int]) -> None:
    target = tmp_path / "results.json"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and len(fsyncs) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temp file left


def test_crops_are_replaced_whole_without_waiting_for_the_disk(tmp_path: Path, fsyncs: list[int]) -> None:
    class Form:
        document_id = "d0001"
        crops = {"tech_name": b"\x89PNG one", "address": b"\x89PNG two"}

    paths = write_crops(Form(), tmp_path)  # type: ignore[arg-type]
    assert {k: (tmp_path / p).read_bytes() for k, p in paths.items()} == Form.crops
    assert fsyncs == []
