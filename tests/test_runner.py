"""The batch runner on the fake pipeline (tests/runner_fakes.py): real store, pools, results."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os
from pathlib import Path
from typing import Any

import cv2
import pytest
from sqlalchemy import func, select

from extract import ExtractOptions
from extract.ocr import FakeOcrEngine
from extract.reading import FieldReading, FormReading, PageReading
from forms.errors import BadInputError
from forms.template import FormTemplate
from ingest.page import DocxTable, Page
from paperdesk.options import RunOptions
from paperdesk.parallel import InlinePool, ProcessPool
from paperdesk.progress import PlainReporter, QuietReporter, make_reporter
from paperdesk.results import comparable, strip_cjk_spaces
from paperdesk.runner import BatchInterrupted, regenerate_reports, run_batch
from paperdesk.stages import default_stages, page_reading
from paperdesk.store import KEEP_BATCHES, Batch, FindingRow, InputRow, PageRow, ReadingRow, open_store
from reports import validate_results
from samples.draw import render_attachment, render_blank_page
from samples.photo import photo_page
from samples.scan import ScanSettings, scan_page
from tests.runner_fakes import FAKE_PREVIEW, PAGE_SIZE, PNG_1X1, fake_stages, write_export, write_scan

RECORDS = [
    {"record_id": "KC-1", "tech_name": "技术甲"},
    {"record_id": "KC-2", "tech_name": "技术乙"},
    {"record_id": "KC-3", "tech_name": "技术丙"},
]


@pytest.fixture
def batch(tmp_path: Path) -> dict[str, Path]:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲", "continuation", "attachment", "first 技术乙"])
    write_scan(scans / "b.fake", ["first 技术丁", "broken", "blank"])
    (scans / "c.fake").write_bytes((scans / "a.fake").read_bytes())  # a byte-identical copy
    (scans / "d.fake").write_text("not a scan at all\n", encoding="utf-8")
    export = write_export(tmp_path / "export.json", RECORDS)
    return {"scans": scans, "export": export, "root": tmp_path}


def options(batch: dict[str, Path], out: str = "out", **extra: Any) -> RunOptions:
    return RunOptions(scans=[batch["scans"]], online=batch["export"], out=batch["root"] / out, jobs=1, quiet=True, **extra)


def load(out: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return result


def test_every_input_is_accounted_for(batch: dict[str, Path]) -> None:
    summary = run_batch(options(batch), stages=fake_stages())
    results = load(batch["root"] / "out")
    detail = {Path(d["file"]).name: d for d in results["batch"]["inputs_detail"]}
    assert [d["status"] for d in detail.values()] == ["read", "read", "skipped", "failed"]
    assert Path(detail["c.fake"]["duplicate_of"]).name == "a.fake"
    # what the clerk reads: Chinese reasons and notes beside the English ones
    assert detail["c.fake"]["reason_zh"].startswith("与 ") and "内容完全相同" in detail["c.fake"]["reason_zh"]
    assert detail["b.fake"]["notes"] == ["page 3: blank page, dropped"]
    assert detail["b.fake"]["notes_zh"] == ["第3页为空白页（隔页纸或背面），已略过"]
    assert detail["a.fake"]["reason_zh"] == "" and detail["a.fake"]["notes_zh"] == []
    assert "FAKESCAN" in detail["d.fake"]["reason"]
    failures = {(Path(f["file"]).name, f["reason"]) for f in results["failures"]}
    assert failures == {
        ("d.fake", "not a fake scan (no FAKESCAN header)"),
        ("b.fake", "page 2: Tesseract crashed on this page (fake)"),
    }
    unreadable = [f for f in results["findings"] if f["code"] == "UNREADABLE"]
    assert len(unreadable) == 2
    assert results["batch"] | {"started": None, "finished": None} == {
        "form": "kczg-2020",
        "started": None,
        "finished": None,
        "inputs": 4,
        "documents": 3,
        "pages": 7,
        "failed_inputs": 1,
        "online_records": 3,
        "inputs_detail": results["batch"]["inputs_detail"],
    }
    assert summary.pages_read == 6 and summary.pages_cached == 0  # 7 pages, one broken
    assert summary.documents == 3 and summary.failed == 1 and summary.skipped == 1


def test_documents_are_numbered_in_discovery_order_and_matched(batch: dict[str, Path]) -> None:
    run_batch(options(batch), stages=fake_stages())
    out = batch["root"] / "out"
    docs = load(out)["documents"]
    assert [(d["id"], Path(d["source"]["file"]).name, d["source"]["pages"]) for d in docs] == [
        ("d0001", "a.fake", [1, 2]),  # page 3 is an attachment
        ("d0002", "a.fake", [4]),
        ("d0003", "b.fake", [1]),
    ]
    assert [d["record_id"] for d in docs] == ["KC-1", "KC-2", None]
    assert [f["code"] for f in docs[2]["findings"]] == ["NO_ONLINE_RECORD"]
    assert docs[0]["online"]["record_id"] == "KC-1"
    assert docs[0]["crops"] == {"tech_name": "crops/d0001-tech_name.png"}
    assert (out / "crops" / "d0001-tech_name.png").read_bytes().startswith(b"\x89PNG")
    results = load(out)
    assert results["unmatched_records"] == ["KC-3"]
    assert [f["record_id"] for f in results["findings"] if f["code"] == "NO_PAPER"] == ["KC-3"]


def test_the_store_holds_the_batch(batch: dict[str, Path]) -> None:
    run_batch(options(batch), stages=fake_stages())
    store = open_store(f"sqlite:///{batch['root'] / 'out' / 'paperdesk.db'}")
    finished = store.latest_finished_batch()
    assert finished is not None and finished.results is not None
    assert finished.results["documents"][0]["id"] == "d0001"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(InputRow)) == 4
        assert [r.document_id for r in s.scalars(select(ReadingRow).order_by(ReadingRow.id))] == ["d0001", "d0002", "d0003"]
        codes = sorted(r.code for r in s.scalars(select(FindingRow)))
    assert codes == ["NO_ONLINE_RECORD", "NO_PAPER", "UNREADABLE", "UNREADABLE"]
    assert store.count_pages() == 6  # the broken page is not stored: the next run tries it again


def test_a_second_run_reads_no_page_and_force_reads_all(batch: dict[str, Path]) -> None:
    first = run_batch(options(batch), stages=fake_stages())
    second = run_batch(options(batch), stages=fake_stages())
    assert (second.pages_read, second.pages_cached) == (0, 6)  # only the broken page is tried again (and fails)
    forced = run_batch(options(batch, force=True), stages=fake_stages())
    assert forced.pages_read == first.pages_read == 6
    assert forced.pages_cached == 0


def test_cached_results_equal_fresh_ones(batch: dict[str, Path]) -> None:
    run_batch(options(batch), stages=fake_stages())
    fresh = comparable(load(batch["root"] / "out"))
    run_batch(options(batch), stages=fake_stages())
    assert comparable(load(batch["root"] / "out")) == fresh


def test_two_processes_give_the_same_results(batch: dict[str, Path]) -> None:
    run_batch(options(batch, out="one"), stages=fake_stages())
    run_batch(options(batch, out="two").model_copy(update={"jobs": 2}), stages=fake_stages())
    assert comparable(load(batch["root"] / "two")) == comparable(load(batch["root"] / "one"))


class _InterruptAfter(QuietReporter):
    """Ctrl-C after ``n`` pages were read (the reporter is called right after each page is stored)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def advance(self, pages: int = 1, cached: bool = False) -> None:
        if not cached:
            self.n -= pages
            if self.n <= 0:
                raise KeyboardInterrupt


def test_ctrl_c_keeps_what_was_read_and_the_next_run_resumes(batch: dict[str, Path]) -> None:
    with pytest.raises(BatchInterrupted) as caught:
        run_batch(options(batch), stages=fake_stages(), reporter=_InterruptAfter(2))
    line = caught.value.summary.line()
    assert line.startswith("paperdesk: interrupted") and "\n" not in line
    assert not (batch["root"] / "out" / "results.json").exists()
    resumed = run_batch(options(batch), stages=fake_stages())
    assert (resumed.pages_cached, resumed.pages_read) == (2, 4)
    run_batch(options(batch, out="whole"), stages=fake_stages())
    assert comparable(load(batch["root"] / "out")) == comparable(load(batch["root"] / "whole"))


def test_review_decisions_survive_reruns_and_reach_regenerated_reports(batch: dict[str, Path]) -> None:
    run_batch(options(batch), stages=fake_stages())
    out = batch["root"] / "out"
    store = open_store(f"sqlite:///{out / 'paperdesk.db'}")
    no_paper = next(f for f in load(out)["findings"] if f["code"] == "NO_PAPER")
    assert no_paper["review"] is None
    store.decide("KC-3", no_paper["key"], "dismissed", user="clerk1", comment="纸质件另寄")
    run_batch(options(batch), stages=fake_stages())
    again = next(f for f in load(out)["findings"] if f["code"] == "NO_PAPER")
    assert again["review"]["status"] == "dismissed" and again["review"]["user"] == "clerk1"
    doc3 = load(out)["documents"][2]
    store.decide("d0003", doc3["findings"][0]["key"], "confirmed", user="clerk2")
    elsewhere = regenerate_reports(str(out / "paperdesk.db"), batch["root"] / "regen")
    regen = load(elsewhere)
    assert regen["documents"][2]["findings"][0]["review"]["status"] == "confirmed"
    assert (elsewhere / "crops" / "d0001-tech_name.png").is_file()
    assert (elsewhere / "report.html").is_file()


def test_page_previews_are_written_listed_and_written_again_from_the_store(batch: dict[str, Path]) -> None:
    run_batch(options(batch), stages=fake_stages())
    out = batch["root"] / "out"
    results = load(out)
    assert validate_results(results) == []
    width, height = PAGE_SIZE

    def entry(doc: str, page: int) -> dict[str, Any]:
        return {"path": f"pages/{doc}-p{page}.jpg", "width": width, "height": height}

    images = {d["id"]: d["page_images"] for d in results["documents"]}
    assert images == {
        "d0001": {"1": entry("d0001", 1), "2": entry("d0001", 2)},  # page 3 is its attachment: no preview
        "d0002": {"4": entry("d0002", 4)},
        "d0003": {"1": entry("d0003", 1)},  # page 2 broke, page 3 is blank
    }
    assert {d["id"]: d["source"]["pages"] for d in results["documents"]} == {
        doc: [int(p) for p in pages] for doc, pages in images.items()
    }
    written = sorted(p.name for p in (out / "pages").iterdir())
    assert written == ["d0001-p1.jpg", "d0001-p2.jpg", "d0002-p4.jpg", "d0003-p1.jpg"]
    assert all((out / "pages" / name).read_bytes() == FAKE_PREVIEW for name in written)
    elsewhere = regenerate_reports(str(out / "paperdesk.db"), batch["root"] / "regen")
    assert [d["page_images"] for d in load(elsewhere)["documents"]] == list(images.values())
    assert sorted(p.name for p in (elsewhere / "pages").iterdir()) == written
    assert (elsewhere / "pages" / "d0002-p4.jpg").read_bytes() == FAKE_PREVIEW
    broken = {**results["documents"][0], "page_images": {"p1": {"path": "", "width": 0}}}
    assert len(validate_results({**results, "documents": [broken]})) == 4  # name, path, width, height


def test_plain_progress_lines_say_pages_rate_and_eta() -> None:
    stream = io.StringIO()
    reporter = PlainReporter(stream)
    reporter.start(4)
    reporter.advance(2, cached=True)
    reporter.advance(2)
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("paperdesk: 4 pages to go through")
    assert "4/4 pages" in lines[-1] and "pages/min" in lines[-1]
    assert reporter.status(60.0) == "4/4 pages, 2.0 pages/min"
    reporter.done = 2
    assert reporter.status(60.0) == "2/4 pages, 2.0 pages/min, ETA 1.0 min"


def test_reporter_choice() -> None:
    assert isinstance(make_reporter(quiet=True, stream=io.StringIO()), QuietReporter)
    assert isinstance(make_reporter(quiet=False, stream=io.StringIO()), PlainReporter)


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


@pytest.mark.parametrize("pool_factory", [InlinePool, lambda: ProcessPool(2)])
def test_pools_keep_few_items_in_flight(pool_factory: Any) -> None:
    pool = pool_factory()
    produced: list[int] = []
    received: list[int] = []
    ahead: list[int] = []

    def items() -> Any:
        for i in range(20):
            produced.append(i)
            ahead.append(len(produced) - len(received))
            yield i, (i,)

    try:
        for tag, outcome in pool.run(_square, items(), (ValueError,)):
            received.append(tag)
            assert outcome.value == tag * tag
    finally:
        pool.close()
    assert sorted(received) == list(range(20))
    assert max(ahead) <= max(1, 2 * pool.workers)


def test_a_page_error_comes_back_as_an_outcome() -> None:
    pool = ProcessPool(2)
    try:
        outcomes = dict(pool.run(_fail_on_three, ((i, (i,)) for i in range(5)), (ValueError,)))
    finally:
        pool.close()
    assert isinstance(outcomes[3].error, ValueError)
    assert [outcomes[i].value for i in (0, 1, 2, 4)] == [0, 1, 2, 4]


def test_cjk_spaces_go_latin_spaces_stay() -> None:
    assert strip_cjk_spaces(" 基于 GaN 的 功率 器件 ") == "基于GaN的功率器件"
    assert strip_cjk_spaces("deep learning 模型") == "deep learning模型"


def test_pages_that_are_not_this_form_are_reported_not_dropped(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "mixed.fake", ["other", "other", "first 技术甲", "attachment"])
    export = write_export(tmp_path / "export.json", RECORDS[:1])
    run_batch(RunOptions(scans=[scans], online=export, out=tmp_path / "out", jobs=1, quiet=True), stages=fake_stages())
    results = load(tmp_path / "out")
    assert [(d["id"], d["source"]["pages"]) for d in results["documents"]] == [("d0001", [3])]  # 4: its attachment
    assert [f["reason"] for f in results["failures"]] == ["pages 1, 2: not a page of this form"]
    assert [f["code"] for f in results["findings"]] == ["UNREADABLE"]
    detail = results["batch"]["inputs_detail"][0]
    assert detail["status"] == "read"  # it holds a form: read, its leading pages noted (never "blank")
    assert detail["notes_zh"] == ["第1、2页不是推荐表，已略过"]


def test_an_input_with_no_form_on_it_is_a_failure_with_its_reason(tmp_path: Path) -> None:
    """Issue 15 item 9: a photo, another document's pages, blank sheets: failed with the reason, not read."""
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a_form.fake", ["first 技术甲", "other", "blank"])  # a photo after a form: its attachment
    write_scan(scans / "b_photo.fake", ["other", "attachment", "blank"])
    write_scan(scans / "c_blanks.fake", ["blank", "blank"])
    write_scan(scans / "d_broken.fake", ["broken", "other"])
    export = write_export(tmp_path / "export.json", RECORDS[:1])
    summary = run_batch(RunOptions(scans=[scans], online=export, out=tmp_path / "out", jobs=1, quiet=True),
                        stages=fake_stages())
    results = load(tmp_path / "out")
    assert validate_results(results) == []
    detail = {Path(d["file"]).name: d for d in results["batch"]["inputs_detail"]}
    assert {name: d["status"] for name, d in detail.items()} == {
        "a_form.fake": "read", "b_photo.fake": "failed", "c_blanks.fake": "failed", "d_broken.fake": "failed"}
    assert detail["a_form.fake"]["notes_zh"] == ["第3页为空白页（隔页纸或背面），已略过"]
    assert [d["id"] for d in results["documents"]] == ["d0001"]  # the photo after the form stays with it
    failures = {Path(f["file"]).name: f for f in results["failures"]}
    assert {name: f["reason"] for name, f in failures.items()} == {
        "b_photo.fake": "no form found on its 3 pages",
        "c_blanks.fake": "no form found on its 2 pages: blank",
        "d_broken.fake": "no form found on its 2 pages; page 1: Tesseract crashed on this page (fake)",
    }  # one entry per input: its broken page is folded in, its pages are not a second failure
    assert failures["b_photo.fake"]["reason_zh"] == (
        "未在此文件中找到推荐表（共3页，可能是照片或其他文件的页面），请确认是否放错了文件")
    assert failures["c_blanks.fake"]["reason_zh"] == "共2页，均为空白页，未找到推荐表"
    assert failures["d_broken.fake"]["reason_zh"].startswith("未在此文件中找到推荐表（共2页")
    assert "第1页文字识别（OCR）失败" in failures["d_broken.fake"]["reason_zh"]
    assert all(detail[name]["reason_zh"] == f["reason_zh"] for name, f in failures.items())
    assert detail["b_photo.fake"]["notes"] == ["page 3: blank page, dropped"]  # only its blank page is "blank"
    unreadable = [f for f in results["findings"] if f["code"] == "UNREADABLE"]
    assert sorted(Path(f["evidence"]["file"]).name for f in unreadable) == sorted(failures)  # one finding each
    assert all(f["evidence"]["reason_zh"] in f["message"] for f in unreadable)
    # the contract's count agrees: every failed input once in failures, nothing else there
    assert results["batch"]["failed_inputs"] == 3 == summary.failed == len(results["failures"])
    assert results["batch"]["pages"] == 10  # every page read, also those of the inputs with no form
    # and the clerk's spreadsheet lists each failed input once, with its Chinese reason
    from openpyxl import load_workbook

    from reports import write_reports
    from reports.xlsx import FAILURES_SHEET

    paths = write_reports(results, tmp_path / "out")
    rows = [[c.value for c in r] for r in load_workbook(paths.xlsx)[FAILURES_SHEET].iter_rows(min_row=2)]
    assert sorted((Path(str(r[0])).name, r[2]) for r in rows) == [
        ("b_photo.fake", "读取失败"), ("c_blanks.fake", "读取失败"), ("d_broken.fake", "读取失败")]


NOTICE_TEXT = "关于召开2020年学术年会的通知各有关单位：为促进学术交流，定于十月在北京召开年会，请做好准备。"
PHOTO_DPI = 150


def _read_with_fake_ocr(page: Page, template: FormTemplate, options: Any) -> PageReading:
    """The real page reader (``stages.page_reading``) with the fake OCR engine: a file named notice*
    "reads" as a printed notice, anything else reads no text."""
    regions = {(100, 150, 1100, 1600): NOTICE_TEXT} if page.source.name.startswith("notice") else {}
    return page_reading(page, template, ExtractOptions(), engine=FakeOcrEngine(regions))


def test_a_photo_and_another_documents_page_are_no_form_and_a_blank_sheet_is_blank(tmp_path: Path) -> None:
    """Issue 15 item 9 on real pages through the real ingest, page reader (fake OCR) and stack split: a
    colourful photo is not reported as a blank page, and a file with no form on it is a failure."""
    box, other = tmp_path / "scans" / "box", tmp_path / "scans" / "other"
    box.mkdir(parents=True)
    other.mkdir()
    cv2.imwrite(str(box / "1_photo.png"), photo_page(0))  # a folder of page files: one stack, two inputs
    blank = scan_page(render_blank_page(PHOTO_DPI),
                      ScanSettings(dpi=PHOTO_DPI, src_dpi=PHOTO_DPI, paper_tint=1.0, uneven_illumination=0.3))
    cv2.imwrite(str(box / "2_blank.png"), blank)  # yellowed paper, strong light fall-off: still blank
    notice = render_attachment("关于召开学术年会的通知", (NOTICE_TEXT + "\n") * 12, dpi=PHOTO_DPI)[0]
    cv2.imwrite(str(other / "notice.png"), notice)
    stages = dataclasses.replace(default_stages(), probe=lambda engine: None, read_export=fake_stages().read_export,
                                 read_page=_read_with_fake_ocr, reconcile=fake_stages().reconcile, write_reports=None)
    export = write_export(tmp_path / "export.json", RECORDS[:1])
    run_batch(RunOptions(scans=[tmp_path / "scans"], online=export, out=tmp_path / "out", jobs=1, quiet=True,
                         dpi=PHOTO_DPI), stages=stages)
    results = load(tmp_path / "out")
    assert results["documents"] == []
    detail = {Path(d["file"]).name: d for d in results["batch"]["inputs_detail"]}
    assert {name: d["status"] for name, d in detail.items()} == {
        "1_photo.png": "failed", "2_blank.png": "failed", "notice.png": "failed"}
    reasons = {Path(f["file"]).name: (f["reason"], f["reason_zh"]) for f in results["failures"]}
    no_form = "未在此文件中找到推荐表（共1页，可能是照片或其他文件的页面），请确认是否放错了文件"
    assert reasons == {
        "1_photo.png": ("no form found on its 1 page", no_form),  # not "blank"
        "2_blank.png": ("no form found on its 1 page: blank", "共1页，均为空白页，未找到推荐表"),
        "notice.png": ("no form found on its 1 page", no_form),
    }
    assert results["batch"]["failed_inputs"] == 3
    assert detail["1_photo.png"]["notes"] == ["page 2: blank page, dropped"]  # the stack's page 2 is the blank one
    assert sorted(Path(f["evidence"]["file"]).name for f in results["findings"] if f["code"] == "UNREADABLE") == [
        "1_photo.png", "2_blank.png", "notice.png"]


def test_a_folder_of_page_files_is_one_stack(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    (scans / "box").mkdir(parents=True)
    write_scan(scans / "box" / "p1.pagefile", ["first 技术甲"])
    write_scan(scans / "box" / "p2.pagefile", ["continuation"])
    write_scan(scans / "box" / "p3.pagefile", ["first 技术乙"])
    write_scan(scans / "z.fake", ["first 技术丙"])
    export = write_export(tmp_path / "export.json", RECORDS)
    run_batch(RunOptions(scans=[scans], online=export, out=tmp_path / "out", jobs=1, quiet=True), stages=fake_stages())
    results = load(tmp_path / "out")
    sources = [(d["id"], Path(d["source"]["file"]).name, d["source"]["pages"]) for d in results["documents"]]
    assert sources == [("d0001", "box", [1, 2]), ("d0002", "box", [3]), ("d0003", "z.fake", [1])]
    assert [Path(f).name for f in results["documents"][0]["source"]["files"]] == ["p1.pagefile", "p2.pagefile"]
    assert [Path(f).name for f in results["documents"][1]["source"]["files"]] == ["p3.pagefile"]
    assert list(results["documents"][1]["page_images"]) == ["3"]  # numbered within the stack, like source.pages
    assert results["documents"][1]["fields"]["tech_name"]["page"] == 3  # the reading renumbered, its fields too
    assert (tmp_path / "out" / results["documents"][1]["page_images"]["3"]["path"]).is_file()
    assert "files" not in results["documents"][2]["source"]
    assert [d["record_id"] for d in results["documents"]] == ["KC-1", "KC-2", "KC-3"]


def test_a_file_that_breaks_mid_way_keeps_its_readable_pages(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "cut.fake", ["first 技术甲", "continuation", "cut", "first 技术乙"])
    write_scan(scans / "dead.fake", ["cut", "first 技术乙"])
    export = write_export(tmp_path / "export.json", RECORDS)
    run_batch(RunOptions(scans=[scans], online=export, out=tmp_path / "out", jobs=2, quiet=True), stages=fake_stages())
    results = load(tmp_path / "out")
    assert [(d["id"], d["source"]["pages"]) for d in results["documents"]] == [("d0001", [1, 2])]
    assert [d["status"] for d in results["batch"]["inputs_detail"]] == ["read", "failed"]
    assert [(Path(f["file"]).name, f["reason"][:6]) for f in results["failures"]] == [("dead.fake", "page 1"), ("cut.fake", "page 3")]


def test_a_crop_and_a_preview_are_stored_once_per_batch(batch: dict[str, Path]) -> None:
    """A document's reading points at the cached page holding its crop and previews, not a copy."""
    run_batch(options(batch), stages=fake_stages())
    out = batch["root"] / "out"
    store = open_store(f"sqlite:///{out / 'paperdesk.db'}")
    crop, preview = (base64.b64encode(data).decode("ascii") for data in (PNG_1X1, FAKE_PREVIEW))
    with store.session() as s:
        readings = list(s.execute(select(ReadingRow.batch_id, ReadingRow.reading)))
        pages = list(s.scalars(select(PageRow.reading)))
    assert [sorted(r["crop_pages"]) for _, r in readings] == [["tech_name"]] * 3
    assert all(r["crops"] == {} and r["previews"] == {} for _, r in readings)
    assert sum(json.dumps(r).count(crop) + json.dumps(r).count(preview) for _, r in readings) == 0
    assert sum(json.dumps(p).count(crop) for p in pages) == 3  # a.fake pages 1 and 4, b.fake page 1
    batch_id = readings[0][0]
    assert store.stored_crop(batch_id, "d0002", "tech_name") == PNG_1X1
    assert store.stored_crop(batch_id, "d0002", "contact") is None
    elsewhere = regenerate_reports(str(out / "paperdesk.db"), batch["root"] / "regen")
    assert sorted(p.name for p in (elsewhere / "crops").iterdir()) == [f"d000{n}-tech_name.png" for n in (1, 2, 3)]
    assert (elsewhere / "crops" / "d0002-tech_name.png").read_bytes() == PNG_1X1


def _store_bytes(db: Path) -> int:
    """The store's size on disk: the file and its write-ahead log."""
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def test_only_the_newest_batches_are_kept_and_the_store_stays_bounded(batch: dict[str, Path]) -> None:
    """Each run a clerk fixes a scan (new content: new cached pages); the store keeps KEEP_BATCHES
    batches, the pages they read, every review decision, and does not grow."""
    out = batch["root"] / "out"
    db = out / "paperdesk.db"
    sizes: dict[int, int] = {}
    for run in range(1, KEEP_BATCHES + 4):
        write_scan(batch["scans"] / "e.fake", ["first 技术戊", "continuation", *["blank"] * run])
        summary = run_batch(options(batch), stages=fake_stages())
        sizes[run] = _store_bytes(db)
        store = open_store(f"sqlite:///{db}")
        if run == 1:
            no_paper = next(f for f in load(out)["findings"] if f["code"] == "NO_PAPER")
            store.decide("KC-3", no_paper["key"], "dismissed", user="clerk1", comment="纸质件另寄")
            unmatched = next(d for d in load(out)["documents"] if d["id"] == "d0003")
            store.decide("d0003", unmatched["findings"][0]["key"], "confirmed", user="clerk2")
        with store.session() as s:
            batch_ids = list(s.scalars(select(Batch.id).order_by(Batch.id)))
            used = {table.__tablename__: set(s.scalars(select(table.batch_id)))
                    for table in (InputRow, ReadingRow, FindingRow)}
            variants = sorted(len(page_rows) for page_rows in _pages_by_input(s).values())
        store.dispose()
        assert len(batch_ids) == min(run, KEEP_BATCHES)
        assert all(ids == set(batch_ids) for ids in used.values())
        if run > KEEP_BATCHES:
            assert "pruned 1 older batches" in summary.line() and summary.pruned.pages == 2 + run - KEEP_BATCHES
        # a.fake's 4 pages, b.fake's 2 (its broken page is never stored), e.fake's of the kept batches
        assert variants == sorted([4, 2, *[2 + r for r in range(max(1, run - KEEP_BATCHES + 1), run + 1)]])
    assert sizes[KEEP_BATCHES + 3] <= sizes[KEEP_BATCHES + 1] + STORE_GROWTH_SLACK
    results = load(out)
    assert next(f for f in results["findings"] if f["code"] == "NO_PAPER")["review"]["status"] == "dismissed"
    assert next(d for d in results["documents"] if d["id"] == "d0003")["findings"][0]["review"]["user"] == "clerk2"
    elsewhere = regenerate_reports(str(db), batch["root"] / "regen")
    assert comparable(load(elsewhere)) == comparable(results)
    assert sorted(p.name for p in (elsewhere / "crops").iterdir()) == [f"d000{n}-tech_name.png" for n in (1, 2, 3, 4)]
    assert (elsewhere / "pages" / "d0004-p2.jpg").read_bytes() == FAKE_PREVIEW
    with pytest.raises(BatchInterrupted):  # and a killed run still resumes from the cache
        run_batch(options(batch, force=True), stages=fake_stages(), reporter=_InterruptAfter(2))
    resumed = run_batch(options(batch), stages=fake_stages())
    e_pages = 2 + KEEP_BATCHES + 3
    assert (resumed.pages_cached, resumed.pages_read) == (2, 4 + 2 + e_pages - 2)  # a.fake, b.fake, e.fake
    assert comparable(load(out)) == comparable(results)


# What a batch of the fake adds to the store is ~20 KB (a few SQLite pages); without pruning two
# runs add more than this.
STORE_GROWTH_SLACK = 16 * 1024


def _pages_by_input(s: Any) -> dict[str, list[int]]:
    pages: dict[str, list[int]] = {}
    for sha, number in s.execute(select(PageRow.input_sha256, PageRow.number)):
        pages.setdefault(sha, []).append(number)
    return pages


# -- a DOCX input's form is read in the pool, beside the pages (issue 14) ---------------------------

WARMED: list[int] = []


def _sniff_with_docx(path: Path) -> str:
    return "docx" if path.suffix == ".docxfake" else fake_stages().sniff(path)


def _docx_table(path: Path) -> DocxTable:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("DOCX "):
        raise BadInputError("not a fake DOCX")
    return DocxTable(rows=[["技术名称", text[len("DOCX "):].strip()]])


def _docx_form(doc_id: str, source: str, table: DocxTable, template: FormTemplate, engine: str) -> FormReading:
    """The fake DOCX reader: the table's name as tech_name, and which process read it."""
    name = table.rows[0][1]
    return FormReading(document_id=doc_id, source_file=source, pages=[1], path_taken="docx",
                       fields={"tech_name": FieldReading(key="tech_name", value=name, raw=name, confidence=1.0)},
                       problems=[f"read in process {os.getpid()}"])


def _warm() -> None:
    WARMED.append(os.getpid())


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_docx_form_is_read_in_the_pool_and_numbered_in_discovery_order(tmp_path: Path, jobs: int) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲"])
    (scans / "b.docxfake").write_text("DOCX 技术乙\n", encoding="utf-8")
    (scans / "c.docxfake").write_text("not a form\n", encoding="utf-8")
    write_scan(scans / "d.fake", ["first 技术丙"])
    export = write_export(tmp_path / "export.json", RECORDS)
    stages = dataclasses.replace(fake_stages(), sniff=_sniff_with_docx, read_docx=_docx_table,
                                 read_docx_form=_docx_form, warm_up=_warm)
    WARMED.clear()
    run_batch(RunOptions(scans=[scans], online=export, out=tmp_path / "out", jobs=jobs, quiet=True), stages=stages)
    results = load(tmp_path / "out")
    docs = {d["id"]: d for d in results["documents"]}
    assert [(i, Path(d["source"]["file"]).name) for i, d in docs.items()] == [
        ("d0001", "a.fake"), ("d0002", "b.docxfake"), ("d0003", "d.fake")]
    assert [d["record_id"] for d in docs.values()] == ["KC-1", "KC-2", "KC-3"]
    reader = int(docs["d0002"]["problems"][0].rsplit(" ", 1)[1])
    assert reader != os.getpid()  # a worker process read it (--jobs 1 is one worker process too)
    assert [(Path(f["file"]).name, f["reason"]) for f in results["failures"]] == [("c.docxfake", "not a fake DOCX")]
    assert WARMED == ([os.getpid()] if jobs > 1 else [])  # once, in the parent, beside the workers only
