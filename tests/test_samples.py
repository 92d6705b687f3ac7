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


# -- the varied batch (issue 13): new knobs, the Word path, the robustness bench's scoring ---------------


def test_new_knobs_at_their_defaults_leave_the_committed_truth_as_it_is(truth: dict) -> None:
    from samples.generate import _doc_truth, plan

    cases, _ = plan(truth["seed"])
    specs = {c.id: _doc_truth(c, c.spec)["spec"] for c in cases}
    for doc in truth["documents"]:
        assert json.loads(json.dumps(specs[doc["id"]], ensure_ascii=False)) == doc["spec"], doc["id"]


def _ink_by_radius(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = mask.shape
    yy, xx = np.mgrid[0:h, 0:w]
    return np.hypot(yy - h / 2, xx - w / 2), yy - h / 2


def test_coded_seal_has_ink_on_its_lower_arc() -> None:
    from samples.seal import seal_mask

    plain = SealSpec("中国地质科学院", ink=1.0, coverage=1.0)
    coded = SealSpec("中国地质科学院", ink=1.0, coverage=1.0, bottom_text="1101080012345")
    dpi = 300
    r_outer = 42.0 / 2 * dpi / 25.4
    a, b = seal_mask(plain, dpi, seed=3), seal_mask(coded, dpi, seed=3)
    radius, dy = _ink_by_radius(a)
    band = (radius > 0.62 * r_outer) & (radius < 0.88 * r_outer) & (dy > 0.5 * r_outer)  # lower arc, inside the ring
    assert (a[band] > 0.3).sum() < 50
    assert (b[band] > 0.3).sum() > 400


def test_double_ring_and_40x30_oval() -> None:
    from samples.seal import seal_mask

    dpi = 300
    single = seal_mask(SealSpec("某某研究院", coverage=1.0), dpi, seed=1)
    double = seal_mask(SealSpec("某某研究院", coverage=1.0, double_ring=True), dpi, seed=1)
    radius, _ = _ink_by_radius(single)
    r_outer = 42.0 / 2 * dpi / 25.4
    inner = (radius > r_outer - 2.6 * dpi / 25.4) & (radius < r_outer - 1.6 * dpi / 25.4)
    assert (double[inner] > 0.3).sum() > 3 * max(1, (single[inner] > 0.3).sum())
    oval = seal_mask(SealSpec("某某科技有限公司", oval=True, oval_mm=(40.0, 30.0), coverage=1.0), dpi, seed=1)
    ys, xs = np.nonzero(oval > 0.2)
    width_mm, height_mm = (xs.max() - xs.min()) * 25.4 / dpi, (ys.max() - ys.min()) * 25.4 / dpi
    assert 38.5 < width_mm < 41.0 and 28.5 < height_mm < 31.0


def test_circled_tick_leaves_the_box_empty_and_rings_it() -> None:
    import random as _random

    from PIL import Image, ImageDraw

    from samples.draw import draw_tick

    img = Image.new("RGB", (200, 120), (255, 255, 255))
    box = [60, 45, 90, 75]
    draw_tick(ImageDraw.Draw(img), box, "circle", _random.Random(1), 300)
    a = np.asarray(img).min(axis=2)
    assert (a[50:70, 65:85] < 128).sum() == 0  # nothing inside the box
    assert (a[:, :60] < 128).sum() > 20 and (a[:, 90:] < 128).sum() > 20  # the ring passes both sides


def test_scan_size_follows_dpi_and_skew_keeps_it(pages: list[np.ndarray]) -> None:
    h, w = pages[0].shape[:2]
    for dpi in (50, 200):
        out = scan(pages[:1], mode="color", dpi=dpi, src_dpi=FAST_DPI, skew_deg=4.5)[0]
        assert abs(out.shape[0] - h * dpi / FAST_DPI) <= 1 and abs(out.shape[1] - w * dpi / FAST_DPI) <= 1


def test_augraphy_damage_is_deterministic_per_seed() -> None:
    from samples.scan import print_damage

    page = render_form(make_spec(5), dpi=60)[0]
    a = print_damage(page, ("ink_bleed", "low_ink", "letterpress"), seed=4)
    assert a.shape == page.shape and a.dtype == np.uint8
    assert np.array_equal(a, print_damage(page, ("ink_bleed", "low_ink", "letterpress"), seed=4))
    assert not np.array_equal(a, print_damage(page, ("ink_bleed", "low_ink", "letterpress"), seed=5))
    assert not np.array_equal(a, page)
    with pytest.raises(ValueError, match="unknown damage"):
        print_damage(page, ("coffee",), seed=1)


def test_hint_quotes_stay_within_limits() -> None:
    import random as _random

    from samples.spec import quote_hints

    spec = make_spec(11)
    quoted = quote_hints(spec, _random.Random(2), share=1.0)
    assert "GB/T 22900-2009" in quoted.tech_level or "可行性、先进性" in quoted.tech_level or "国内外对比" in quoted.tech_level
    for key, limit in (("team_intro", 300), ("tech_level", 500), ("tech_benefit", 500)):
        assert getattr(quoted, key) != getattr(spec, key)
        assert count_words(getattr(quoted, key)) <= limit


def test_variants_are_deterministic_per_seed_and_cover_the_conditions() -> None:
    from samples.variety import CONDITIONS, plan_variants

    a = plan_variants(9, CONDITIONS, 2)
    b = plan_variants(9, CONDITIONS, 2)
    assert [(v.id, v.spec, v.scan, v.route, v.rotate_pages) for v in a] == \
        [(v.id, v.spec, v.scan, v.route, v.rotate_pages) for v in b]
    assert [v.spec for v in plan_variants(10, CONDITIONS, 2)] != [v.spec for v in a]
    by = {v.condition: v for v in a}
    assert all(abs(v.scan.skew_deg) >= 2.5 for v in a if v.condition == "skew")
    assert all(v.scan.dpi <= 200 for v in a if v.condition == "dpi_low")
    assert all(v.scan.dpi >= 400 for v in a if v.condition == "dpi_high")
    assert all(v.scan.mode == "bilevel" for v in a if v.condition == "bilevel")
    assert all(v.route == "word" for v in a if v.condition == "word")
    assert all(v.rotate_pages for v in a if v.condition == "turned")
    assert all(v.scan.damage for v in a if v.condition == "augraphy")
    assert by["seal_shapes"].knobs["seals"] and by["faint_seals"].knobs["seals"]
    assert all(s["ink"] <= 0.7 for v in a if v.condition == "faint_seals" for s in v.knobs["seals"])
    planted = [v for v in a if v.knobs["plant"]]
    assert planted and all(v.case and v.case.findings for v in planted)


@pytest.mark.slow
def test_word_path_prints_the_filled_values(tmp_path: Path) -> None:
    import dataclasses
    import random as _random
    import subprocess

    from samples.docx_form import write_print_docx
    from samples.spec import varied_printer
    from samples.word_print import docx_to_pdf, print_layout

    spec = make_spec(21)
    spec = dataclasses.replace(spec, printer=dataclasses.replace(varied_printer(_random.Random(3)), tick_glyph="☒",
                                                                 font="wqy-microhei"))
    spec = dataclasses.replace(spec, applicant_opinion=dataclasses.replace(spec.applicant_opinion, date_style="hand"),
                               recommender_opinion=dataclasses.replace(spec.recommender_opinion, seal=None))
    write_print_docx(spec, tmp_path / "w.docx")
    (pdf,) = docx_to_pdf([tmp_path / "w.docx"], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for value in (spec.tech_name, spec.phone, spec.email, spec.contact, "☒" + spec.domain):
        assert value in flat, value
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts or "wqy" in fonts.lower()
    pages, layout = print_layout(pdf, spec, 100)
    assert len(pages) == layout.pages >= 2
    assert layout.seals["applicant_opinion"]["present"] and not layout.seals["recommender_opinion"]["present"]
    page = pages[layout.seals["applicant_opinion"]["page"] - 1]
    x0, y0, x1, y1 = layout.seals["applicant_opinion"]["bbox"]
    crop = page[max(0, y0):y1, max(0, x0):x1].astype(int)
    assert ((crop[..., 2] - crop[..., 1] > 60) & (crop[..., 2] - crop[..., 0] > 60)).sum() > 500  # red ink
    assert layout.dates["applicant_opinion"]["value"] == spec.applicant_opinion.date.isoformat()


def _truth_doc(doc_id: str, cond: str, rid: str, phone: str, team: str, dates: tuple[str | None, str | None],
               seals: tuple[str | None, str | None], findings: list[dict]) -> dict:
    keys = ("applicant_opinion", "recommender_opinion")
    return {"id": doc_id, "condition": cond, "record_id": rid, "source": {"file": f"scans/{cond}/{doc_id}.pdf",
                                                                         "pages": [1, 2, 3]},
            "fields": {"domain": "电子信息", "project_type": "应用研究", "trl": "6", "phone": phone,
                       "email": "a@b.cn", "team_intro": team, "tech_level": "", "tech_benefit": ""},
            "dates": dict(zip(keys, dates, strict=True)),
            "seals": {k: {"present": u is not None, "unit": u} for k, u in zip(keys, seals, strict=True)},
            "findings": findings}


def _result_doc(doc_id: str, cond: str, rid: str, phone: str, team: str, dates: dict, written: dict,
                seals: dict, seal_text: dict, findings: list[dict]) -> dict:
    return {"id": "r" + doc_id, "record_id": rid, "source": {"file": f"scans/{cond}/{doc_id}.pdf", "pages": [1, 2, 3]},
            "fields": {"domain": {"value": "电子信息"}, "project_type": {"value": "应用研究"}, "trl": {"value": 6},
                       "phone": {"value": phone}, "email": {"value": "a@b.cn"}, "team_intro": {"value": team},
                       "tech_level": {"value": ""}, "tech_benefit": {"value": ""}},
            "dates": dates, "date_readings": {k: {"written": w} for k, w in written.items()},
            "seals": {k: {"present": p} for k, p in seals.items()}, "seal_text": seal_text, "findings": findings}


def test_robustness_scores_a_hand_made_batch() -> None:
    from bench.robustness import misses, score_batch, table

    truth = {"findings": [], "documents": [
        _truth_doc("a-01", "a", "KC-1", "13800000000", "甲乙丙丁", ("2020-11-10", "2020-11-10"), ("甲单位", "乙学会"),
                   [{"code": "MISMATCH", "field": "phone"}]),
        _truth_doc("a-02", "a", "KC-2", "13900000000", "戊己", (None, "2020-11-12"), ("丙单位", "乙学会"),
                   [{"code": "DATE_MISSING", "field": "applicant_opinion"}]),
        _truth_doc("b-01", "b", "KC-3", "13700000000", "", ("2020-11-10", "2020-11-11"), ("丁单位", None),
                   [{"code": "SEAL_MISSING", "field": "recommender_opinion"}]),
    ]}
    both = {"applicant_opinion": True, "recommender_opinion": True}
    results = {"findings": [], "failures": [], "documents": [
        _result_doc("a-01", "a", "KC-1", "13800000001", "甲乙丙", {"applicant_opinion": "2020-11-10",
                                                                "recommender_opinion": None}, both, both,
                    {"applicant_opinion": "甲单位", "recommender_opinion": "乙学"},
                    [{"code": "MISMATCH", "field": "phone"}]),
        # a-02 lost: nothing read from its file
        _result_doc("b-01", "b", "KC-3", "13700000000", "", {"applicant_opinion": "2020-11-10",
                                                          "recommender_opinion": "2020-11-11"}, both, both,
                    {"applicant_opinion": "丁单位", "recommender_opinion": None},
                    [{"code": "MISMATCH", "field": "tech_name"}]),
    ]}
    s = score_batch(results, truth)
    a, b, everything = s["a"], s["b"], s["all"]
    assert a["forms"] == 2 and a["matched"] == 0.5 and a["lost_forms"] == ["a-02"]
    assert a["findings_precision"] == 1.0 and a["findings_recall"] == 0.5
    assert a["exact_phone"] == 0.0 and a["exact_domain"] == 0.5 and a["exact_trl"] == 0.5
    assert a["dates_exact"] == pytest.approx(1 / 3) and a["dates_present"] == pytest.approx(2 / 3)
    assert a["seal_precision"] == 1.0 and a["seal_recall"] == 0.5 and a["seal_names_exact"] == 0.25
    assert a["cer_long"] == pytest.approx(3 / 6)  # one character of 甲乙丙丁 missed, both of 戊己 lost
    assert b["matched"] == 1.0 and b["false_mismatch"] == 1
    assert b["findings_precision"] == 0.0 and b["findings_recall"] == 0.0  # SEAL_MISSING missed, MISMATCH false
    assert b["seal_precision"] == 0.5 and b["seal_recall"] == 1.0
    assert {"false_mismatch", "seal_precision", "findings_recall"} <= set(misses(b))
    assert "exact_phone" not in misses(b) and "cer_long" not in misses(b)
    assert everything["forms"] == 3 and everything["matched"] == pytest.approx(2 / 3)
    assert everything["findings_per_code"]["MISMATCH"] == {"tp": 1, "fp": 1}
    rows = table(s).splitlines()
    assert rows[1].startswith("goal") and rows[2].startswith("a ") and "✗" in rows[3]


def test_date_gaps_widen_for_the_pen_only_when_asked() -> None:
    import dataclasses

    from samples.draw import render_form_layout

    grew = 0
    for seed in (0, 3):  # a Chinese date written into the gaps (seed 0) or whole (3), by the form's own draw
        spec = make_spec(seed)
        spec = dataclasses.replace(spec, applicant_opinion=dataclasses.replace(spec.applicant_opinion,
                                                                               date_style="chinese"),
                                   printer=dataclasses.replace(spec.printer, body_pt=14.0))
        widths = []
        for fit in (False, True):
            s = dataclasses.replace(spec, printer=dataclasses.replace(spec.printer, date_gap_fit=fit))
            _, layout = render_form_layout(s, FAST_DPI)
            x0, _, x1, _ = layout.dates["applicant_opinion"]["bbox"]
            widths.append(x1 - x0)
        assert widths[1] >= widths[0]
        grew += widths[1] > widths[0]  # 二〇二〇 (5 em at hand size) no longer runs into 年
    assert grew
    assert "date_gap_fit" not in make_spec(1).printer.to_dict()  # a default knob stays out of truth.json
