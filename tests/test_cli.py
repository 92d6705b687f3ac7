"""``paperdesk run`` as a clerk runs it: real files, real Tesseract (slow ones), exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from paperdesk.cli import main
from paperdesk.results import comparable
from reports import validate_results
from tests.test_resume import stored_pages

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FORM = SAMPLES / "scans" / "form07.pdf"  # 3 bilevel pages, one upside down: the smallest scanned form
BROKEN = SAMPLES / "scans" / "form99_truncated.pdf"
EXPORT = SAMPLES / "online.xlsx"
FIRST_PAGE_DEADLINE_S = 300  # real OCR on a shared 2-core machine


def paperdesk(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "paperdesk", *map(str, args)]


def load(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return result


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    shutil.copy(FORM, folder / "form07.pdf")
    shutil.copy(FORM, folder / "form07_again.pdf")
    shutil.copy(BROKEN, folder / "broken.pdf")
    return folder


def test_a_missing_export_column_is_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "export.csv"
    export.write_text("编号,技术名称\nKC-1,某技术\n", encoding="utf-8")
    code = main(["run", str(FORM), "--online", str(export), "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and err.startswith("paperdesk: ") and "Traceback" not in err
    assert not (tmp_path / "out" / "results.json").exists()


def test_a_missing_scan_is_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(tmp_path / "nowhere"), "--online", str(EXPORT), "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [f"paperdesk: input not found: {tmp_path / 'nowhere'}"]


def test_a_bad_cluster_address_is_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(FORM), "--online", str(EXPORT), "--cluster", "localhost:8786", "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == ["paperdesk: --cluster: Value error, --cluster takes a scheduler address like tcp://HOST:8786"]


@pytest.mark.slow
def test_a_batch_end_to_end_then_from_the_store(tmp_path: Path, scans: Path) -> None:
    out = tmp_path / "out"
    argv = paperdesk("run", scans, "--online", EXPORT, "--out", out, "--ocr-engine", "tesseract", "--jobs", "2", "-q")
    first = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    results = load(out)
    assert validate_results(results) == []
    statuses = {Path(d["file"]).name: d["status"] for d in results["batch"]["inputs_detail"]}
    assert statuses == {"broken.pdf": "failed", "form07.pdf": "read", "form07_again.pdf": "skipped"}
    assert [Path(f["file"]).name for f in results["failures"]] == ["broken.pdf"]
    assert "truncated" in results["failures"][0]["reason"]
    assert any(f["code"] == "UNREADABLE" for f in results["findings"])
    (doc,) = results["documents"]
    assert doc["id"] == "d0001" and doc["source"]["pages"] == [1, 2, 3]
    assert doc["record_id"] == "KC2020-0007"  # truth.json: F07
    assert results["batch"]["pages"] == 3 and results["batch"]["inputs"] == 3
    for name in ("report.html", "report.xlsx", "findings.csv"):
        assert (out / name).is_file(), name
    assert all((out / rel).is_file() for rel in doc["crops"].values())
    assert "3 pages (3 read, 0 from the store)" in first.stderr

    again = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "3 pages (0 read, 3 from the store)" in again.stderr
    assert comparable(load(out)) == comparable(results)  # --force is tested on the fake pipeline (test_runner)


@pytest.mark.slow
def test_a_real_run_killed_after_its_first_page_resumes_to_the_same_results(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(FORM, scans / "form07.pdf")
    common: list[str | Path] = ["--online", EXPORT, "--ocr-engine", "tesseract", "--jobs", "1", "-q"]
    out = tmp_path / "out"
    killed = subprocess.Popen(paperdesk("run", scans, "--out", out, *common), cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + FIRST_PAGE_DEADLINE_S
    while stored_pages(out / "paperdesk.db") == 0:
        assert killed.poll() is None, killed.communicate()
        assert time.monotonic() < deadline, "no page was stored in time"
        time.sleep(0.1)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    stored = stored_pages(out / "paperdesk.db")
    assert 1 <= stored < 3, "killed too late to test resuming"

    resumed = subprocess.run(paperdesk("run", scans, "--out", out, *common), cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"3 pages ({3 - stored} read, {stored} from the store)" in resumed.stderr

    whole = tmp_path / "whole"
    plain = subprocess.run(paperdesk("run", scans, "--out", whole, *common), cwd=ROOT, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    assert comparable(load(out)) == comparable(load(whole))
