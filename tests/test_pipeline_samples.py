"""The real pipeline (Tesseract + RapidOCR, the marks readers, the checks) on two committed sample scans.

The truth is samples/truth.json. Slow: two forms of three pages each with real OCR.

- form11.tif (colour JPEG-in-TIFF): the 申报单位 seal is a tilted oval of another unit
  (北京邮电大学), so its ring text must be read whole and raise MISMATCH on ``applicant``.
- form02.pdf (gray 200 dpi): 技术名称 differs by one character; the applicant's date is
  printed under the seal's ring and star and must read as its day, with no warning.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reports import validate_results

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scans = tmp_path_factory.mktemp("scans")
    for name in ("form02.pdf", "form11.tif"):
        shutil.copy(SAMPLES / "scans" / name, scans / name)
    out = tmp_path_factory.mktemp("out")
    argv = [sys.executable, "-m", "paperdesk", "run", str(scans), "--online", str(SAMPLES / "online.xlsx"),
            "--out", str(out), "--jobs", "2", "-q"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert validate_results(loaded) == []
    return loaded


@pytest.fixture(scope="module")
def truth() -> dict[str, dict[str, Any]]:
    data = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    return {d["record_id"]: d for d in data["documents"] if d.get("record_id")}


def document(results: dict[str, Any], record_id: str) -> dict[str, Any]:
    (doc,) = [d for d in results["documents"] if d["record_id"] == record_id]
    return doc


def found(doc: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(f["code"], f.get("field")) for f in doc["findings"]}


def test_a_tilted_seal_of_another_unit_is_a_mismatch_on_the_applicant(results: dict[str, Any],
                                                                      truth: dict[str, dict[str, Any]]) -> None:
    doc = document(results, "KC2020-0011")
    want = {(f["code"], f.get("field")) for f in truth["KC2020-0011"]["findings"]}
    assert found(doc) == want == {("MISMATCH", "applicant")}
    (f,) = doc["findings"]
    assert f["paper"] == "北京邮电大学" and f["online"] == "杭州海芯微电子科技有限公司"
    assert doc["dates"] == truth["KC2020-0011"]["dates"]


def test_a_date_under_the_seal_in_a_gray_scan_is_read(results: dict[str, Any],
                                                      truth: dict[str, dict[str, Any]]) -> None:
    doc = document(results, "KC2020-0002")
    assert found(doc) == {("MISMATCH", "tech_name")}  # and no UNREADABLE date warning
    assert doc["dates"] == truth["KC2020-0002"]["dates"]
    assert doc["date_readings"]["applicant_opinion"]["status"] == "read"
