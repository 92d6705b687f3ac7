"""The sample generator: deterministic specs, page geometry, scanner output, seals, committed truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from openpyxl import load_workbook
from PIL import Image

from forms import count_words, load_industry_table
from samples import SealSpec, draw_seal, make_spec, render_form, scan
from samples.corpus import DOMAINS
from samples.draw import A4_MM, mm

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FAST_DPI = 100  # geometry and modes do not depend on resolution; 100 dpi keeps the tests quick


@pytest.fixture(scope="module")
def pages() -> list[np.ndarray]:
    return render_form(make_spec(7), dpi=FAST_DPI)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))


def test_make_spec_is_deterministic() -> None:
    assert make_spec(7) == make_spec(7)
    assert make_spec(7).tech_name != make_spec(8).tech_name or make_spec(7).contact != make_spec(8).contact


def test_make_spec_overrides() -> None:
    spec = make_spec(3, domain="资源环境", trl="10", domain_ticks=[])
    assert spec.domain == "资源环境" and spec.trl == "10" and spec.domain_ticks == []


def test_long_texts_are_under_their_limits() -> None:
    for seed in range(5):
        spec = make_spec(seed)
        assert count_words(spec.team_intro) <= 300
        assert count_words(spec.tech_level) <= 500
        assert count_words(spec.tech_benefit) <= 500


def test_corpus_industries_are_real_classes() -> None:
    table = load_industry_table()
    for vocab in DOMAINS.values():
        for code in vocab["industry"]:
            cls = table.code(code)
            assert cls is not None and cls.valid_answer, code


def test_rendered_page_is_a4_at_its_dpi(pages: list[np.ndarray]) -> None:
    assert len(pages) >= 2
    for page in pages:
        assert page.shape == (mm(A4_MM[1], FAST_DPI), mm(A4_MM[0], FAST_DPI), 3)
        assert page.dtype == np.uint8


def test_bilevel_scan_holds_only_black_and_white(pages: list[np.ndarray]) -> None:
    out = scan(pages[:1], mode="bilevel", dpi=FAST_DPI, src_dpi=FAST_DPI, skew_deg=1.0)
    assert out[0].ndim == 2
    assert set(np.unique(out[0]).tolist()) <= {0, 255}


def test_scan_resamples_and_rotates(pages: list[np.ndarray]) -> None:
    out = scan(pages[:1], mode="gray", dpi=FAST_DPI // 2, src_dpi=FAST_DPI, rotate=90)
    h, w = pages[0].shape[:2]
    assert out[0].shape[0] in (w // 2, w // 2 + 1)  # sideways: the page's width is now its height
    assert out[0].shape[1] in (h // 2, h // 2 + 1)


def test_seal_is_red_in_colour() -> None:
    box = np.full((600, 600, 3), 255, np.uint8)
    out = draw_seal(box, "中国地质科学院", dpi=300)
    b, g, r = (out[..., i].astype(int) for i in range(3))
    red = (r - g > 60) & (r - b > 60)
    assert red.sum() > 5000
    assert ((r < 100) & (g < 100) & (b < 100)).sum() == 0  # no black ink from a seal


def test_oval_seal_fits_its_box() -> None:
    box = np.full((500, 700, 3), 255, np.uint8)
    out = draw_seal(box, style=SealSpec("杭州海芯微电子科技有限公司", oval=True))
    ys, xs = np.nonzero(out[..., 1] < 200)
    assert xs.max() - xs.min() > ys.max() - ys.min()


def _page_count(path: Path) -> int:
    if path.suffix == ".pdf":
        with pdfplumber.open(path) as pdf:
            return len(pdf.pages)
    with Image.open(path) as img:
        return getattr(img, "n_frames", 1)


def test_truth_agrees_with_committed_files(truth: dict) -> None:
    for entry in truth["inputs"]:
        path = SAMPLES / entry["file"]
        assert path.exists(), entry["file"]
        if entry["status"] == "read" and path.suffix in (".pdf", ".tif", ".png", ".jpg"):
            assert _page_count(path) == entry["pages"], entry["file"]
    ids = {row[0] for row in load_workbook(SAMPLES / "online.xlsx").active.iter_rows(min_row=2, values_only=True)}
    for doc in truth["documents"]:
        assert doc["record_id"] is None or doc["record_id"] in ids
    matched = {d["record_id"] for d in truth["documents"]}
    assert truth["unmatched_records"] and all(r in ids and r not in matched for r in truth["unmatched_records"])
    codes = {f["code"] for d in truth["documents"] for f in d["findings"]} | {f["code"] for f in truth["findings"]}
    assert {"SEAL_MISSING", "DATE_MISSING", "OVER_LIMIT", "MISMATCH", "FIELD_EMPTY", "CHOICE_INVALID",
            "TRL_INVALID", "INDUSTRY_INVALID", "NO_ONLINE_RECORD", "DUPLICATE_PAPER", "NO_PAPER",
            "QUOTA_EXCEEDED"} <= codes


def test_truth_chars_match_the_counting_rule(truth: dict) -> None:
    for doc in truth["documents"]:
        over = {f["field"] for f in doc["findings"] if f["code"] == "OVER_LIMIT"}
        for key, chars in doc["chars"].items():
            assert chars == count_words(doc["fields"][key])
            assert (chars > doc["limits"][key]) == (key in over), (doc["id"], key)
