"""``--archive``: one searchable PDF/A-2b per nomination, from real scans through the real runner,
store and OCRmyPDF.

The pages are read by an oracle (``oracle_page``: each page's kind and 技术名称 from
samples/truth.json, in the shape extract's PageReading has), so the test runs in seconds, not
the minutes real OCR takes; everything after the reading is the real thing: ingest renders and
splits the stack, the runner stores and assembles, the archive renders the pages again, lays the
reading under them as text and has OCRmyPDF make PDF/A. ``pdftotext`` (poppler) reads them back.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import cv2
import pikepdf
import pikepdf.pdfa
import pytest
from ocrmypdf.hocrtransform import HocrParser
from openpyxl import load_workbook

from extract.preprocess import measure_skew, to_gray
from extract.reading import FieldReading, PageReading
from forms import load_template
from forms.template import FormTemplate
from ingest.page import Page
from ingest.stacks import PageKind
from paperdesk.archive import INDEX_NAME, ArchiveError, InputFile, source_pages, write_archive
from paperdesk.archive.names import MAX_STEM_BYTES, Namer, stem
from paperdesk.archive.textlayer import TextLine, hocr, page_lines, spread
from paperdesk.cli import build_parser
from paperdesk.options import RunOptions
from paperdesk.runner import run_batch
from paperdesk.stages import Stages, default_stages
from paperdesk.store import open_store
from tests.runner_fakes import _read_export, _reconcile, write_export

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TRUTH = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
NAMES = {d["id"]: d["fields"]["tech_name"] for d in TRUTH["documents"] if d["fields"].get("tech_name")}
# Each page of the two scans: its kind and, on a first page, whose form it is (samples/README.md).
KINDS: dict[str, list[tuple[PageKind, str | None]]] = {
    "stack_box1.pdf": [("first", "F08"), ("continuation", None), ("continuation", None), ("attachment", None),
                       ("blank", None), ("first", "F12"), ("continuation", None), ("continuation", None),
                       ("first", "F13"), ("continuation", None), ("continuation", None)],
    "form03.tif": [("first", "F03"), ("continuation", None), ("continuation", None)],
}
# Pages whose reading measures the skew as extract does (the others say 0): the archive turns them by it
# (the 1-bit TIFF: turned, then 1-bit again), so they come out level. Both were scanned 0.8-0.9° off.
MEASURED = {("stack_box1.pdf", 1), ("form03.tif", 1)}
ATTACHMENT_TEXT = "详细材料（技术效益）\n本技术已在三家医院完成临床前评价。"
# The records of the fake export: F12 is a second paper copy of KC2020-0001; F13 has no record.
RECORDS = [
    {"record_id": "KC2020-0008", "tech_name": NAMES["F08"]},
    {"record_id": "KC2020-0001", "tech_name": NAMES["F12"]},
    {"record_id": "KC2020-0003", "tech_name": NAMES["F03"]},
]


def oracle_page(page: Page, template: FormTemplate, options: Any) -> PageReading:
    """A page reading as extract makes it, with the kind and 技术名称 the sample was drawn with."""
    kind, doc = KINDS[page.source.name][page.number - 1]
    h, w = page.image.shape[:2]
    reading = PageReading(source=str(page.source), page=page.number, kind=kind, width=w, height=h, dpi=page.dpi,
                          engine="oracle")
    if (page.source.name, page.number) in MEASURED:
        reading.skew_deg = measure_skew(to_gray(page.image))
    if kind == "attachment":
        reading.text = ATTACHMENT_TEXT
    if doc is not None:
        label = [int(w * 0.1), int(h * 0.12), int(w * 0.25), int(h * 0.15)]
        value = [int(w * 0.25), int(h * 0.12), int(w * 0.9), int(h * 0.15)]
        name = NAMES[doc]
        reading.fields = {"tech_name": FieldReading(key="tech_name", value=name, raw=name, confidence=0.99,
                                                    page=page.number, bbox=value)}
        reading.cells = [{"key": "tech_name", "role": "label", "bbox": label},
                         {"key": "tech_name", "role": "value", "bbox": value}]
        reading.text = "“科创中国”榜单推荐表（先导技术）"
    return reading


def oracle_stages() -> Stages:
    real = default_stages()
    return Stages(**{**real.__dict__, "probe": lambda engine: None, "read_page": oracle_page,
                     "read_export": _read_export, "reconcile": _reconcile, "write_reports": None})


def pdftotext(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("archive")
    scans = root / "scans"
    scans.mkdir()
    for name in KINDS:
        shutil.copy(SAMPLES / "scans" / name, scans / name)
    export = write_export(root / "export.json", RECORDS)
    # Tesseract may be asked its version, never to read: a stand-in on PATH notes any other call.
    shim = root / "bin"
    shim.mkdir()
    marker = root / "tesseract-ran"
    real = shutil.which("tesseract")
    assert real is not None
    (shim / "tesseract").write_text(
        f'#!/bin/sh\ncase "$1" in --version|--list-langs) ;; *) echo "$@" >> "{marker}" ;; esac\nexec "{real}" "$@"\n',
        encoding="utf-8",
    )
    (shim / "tesseract").chmod(stat.S_IRWXU)
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{shim}{os.pathsep}{old_path}"
    try:
        options = RunOptions(scans=[scans], online=export, out=root / "out", jobs=1, quiet=True)
        stages = oracle_stages()
        run_batch(options, stages=stages)
        folder = root / "archive"
        (folder).mkdir()
        (folder / "notes.txt").write_text("the clerk's own file", encoding="utf-8")
        streams = sys.stdout, sys.stderr
        first = write_archive(options.db_url, folder, stages)
        assert (sys.stdout, sys.stderr) == streams  # what paperdesk prints next still reaches the terminal
        second = write_archive(options.db_url, folder, stages)
    finally:
        os.environ["PATH"] = old_path
    return {"folder": folder, "first": first, "second": second, "marker": marker, "scans": scans,
            "db": options.db_url, "stages": stages}


# A page is level when its rules lean less than this (the scans lean 0.8-0.9°).
LEVEL_DEG = 0.15
NAME_F08 = f"KC2020-0008_{NAMES['F08']}.pdf"
NAME_F12 = f"KC2020-0001_{NAMES['F12']}.pdf"
NAME_F13 = f"stack_box1-p9_{NAMES['F13']}.pdf"  # no online record: named by where it is in the scans
NAME_F03 = f"KC2020-0003_{NAMES['F03']}.pdf"


@pytest.mark.slow
def test_a_stack_of_three_forms_gives_three_files_with_their_pages(archived: dict[str, Any]) -> None:
    folder: Path = archived["folder"]
    pdfs = sorted(p.name for p in folder.glob("*.pdf"))
    assert pdfs == sorted([NAME_F08, NAME_F12, NAME_F13, NAME_F03])
    pages = {name: len(pikepdf.open(folder / name).pages) for name in pdfs}
    # F08: its 3 form pages and its attachment; the blank separator page is in no file.
    assert pages == {NAME_F08: 4, NAME_F12: 3, NAME_F13: 3, NAME_F03: 3}
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "the clerk's own file"


@pytest.mark.slow
def test_the_text_layer_is_the_reading_in_chinese(archived: dict[str, Any]) -> None:
    folder: Path = archived["folder"]
    first_page = pdftotext(folder / NAME_F08, 1)
    assert NAMES["F08"] in first_page and "技术名称" in first_page
    # Full-width forms as read (OCRmyPDF's own hOCR reader would fold （ into ().
    assert "详细材料（技术效益）\n本技术已在三家医院完成临床前评价。" in pdftotext(folder / NAME_F08, 4)
    assert NAMES["F03"] in pdftotext(folder / NAME_F03, 1)
    assert not archived["marker"].exists(), "Tesseract was asked to read a page"


@pytest.mark.slow
def test_every_file_is_pdfa_2b_with_the_scans_images(archived: dict[str, Any]) -> None:
    folder: Path = archived["folder"]
    for path in folder.glob("*.pdf"):
        with pikepdf.open(path) as pdf:
            report = pikepdf.pdfa.check(pdf, "2b")
            assert report.passed, (path.name, report.violations)
            assert pdf.open_metadata().pdfa_status == "2B"
            assert "/OutputIntents" in pdf.Root
            filters = {pikepdf.PdfImage(im).filters[-1] for page in pdf.pages for im in page.get_images().values()}
        # The 1-bit TIFF stays 1-bit (CCITT G4), the colour PDF stays JPEG (OCRmyPDF may deflate it losslessly
        # on top): no page is re-rastered as PNG.
        assert filters == ({"/CCITTFaxDecode"} if path.name == NAME_F03 else {"/DCTDecode"}), path.name
    with pikepdf.open(folder / NAME_F08) as pdf:
        image = pikepdf.PdfImage(next(iter(pdf.pages[0].get_images().values())))
        assert abs(image.width - 1653) <= 1  # stack_box1.pdf is a 200 dpi scan: kept at 200 dpi, not rendered at 300


@pytest.mark.slow
def test_the_index_lists_each_nomination_and_its_file(archived: dict[str, Any]) -> None:
    ws = load_workbook(archived["folder"] / INDEX_NAME).active
    assert ws is not None
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][:8] == ["编号", "技术名称", "所属领域", "申报单位", "推荐单位", "状态", "审核决定", "文件名"]
    by_file = {r[7]: r for r in rows[1:]}
    assert set(by_file) == {NAME_F08, NAME_F12, NAME_F13, NAME_F03}
    assert by_file[NAME_F13][0] == "—" and by_file[NAME_F13][5] == "需处理"  # no online record
    assert by_file[NAME_F08][:2] == ["KC2020-0008", NAMES["F08"]] and by_file[NAME_F08][9] == 4
    # A clerk's decision reaches the index with the next archiving (the PDFs themselves stay as they are).
    results = json.loads((archived["folder"].parent / "out" / "results.json").read_text(encoding="utf-8"))
    (doc,) = [d for d in results["documents"] if d["record_id"] is None]
    (finding,) = doc["findings"]
    store = open_store(archived["db"])
    store.decide(doc["id"], finding["key"], "dismissed", "王芳", comment="线上记录已补交")
    store.dispose()
    again = write_archive(archived["db"], archived["folder"], archived["stages"])
    assert (again.written, again.kept) == ([], 4)
    ws = load_workbook(archived["folder"] / INDEX_NAME).active
    assert ws is not None
    row = next(r for r in ws.iter_rows(values_only=True) if r[7] == NAME_F13)
    assert row[5:7] == ("合格", "已排除（王芳：线上记录已补交）")


@pytest.mark.slow
def test_pages_come_out_level(archived: dict[str, Any], tmp_path: Path) -> None:
    folder: Path = archived["folder"]
    for name, dpi in ((NAME_F08, 200), (NAME_F03, 300)):
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", str(folder / name),
                        str(tmp_path / "p")], check=True)
        (png,) = tmp_path.glob("p*.pgm")
        page = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
        png.unlink()
        assert abs(measure_skew(page)) < LEVEL_DEG, name


@pytest.mark.slow
def test_an_unchanged_archive_is_kept_and_a_gone_nomination_is_removed(archived: dict[str, Any], tmp_path: Path) -> None:
    assert len(archived["first"].written) == 4
    assert (archived["second"].written, archived["second"].kept) == ([], 4)
    # The stack leaves the folder: its three files go with it; the clerk's own file stays.
    folder: Path = archived["folder"]
    (archived["scans"] / "stack_box1.pdf").rename(tmp_path / "stack_box1.pdf")
    run = RunOptions(scans=[archived["scans"]], online=tmp_path / "export.json", out=tmp_path / "out",
                     db=archived["db"], jobs=1, quiet=True)
    write_export(run.online, RECORDS)
    run_batch(run, stages=archived["stages"])
    third = write_archive(archived["db"], folder, archived["stages"])
    assert (third.written, third.kept, third.removed) == ([], 1, 3)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        [NAME_F03, INDEX_NAME, "notes.txt"])


# -- names and the text layer, without OCRmyPDF ------------------------------------------------


def test_names_are_safe_on_windows_and_macos_and_never_collide() -> None:
    assert stem("KC2020-0042", '基于"深度"学习/识别:技术?') == "KC2020-0042_基于_深度_学习_识别_技术_"
    assert stem("KC2020-0042", "  技术\n名称. ") == "KC2020-0042_技术 名称"
    assert stem("", "") == "未编号_未识别技术名称"
    long = stem("KC2020-0042", "很长的技术名称" * 40)
    assert len(long.encode("utf-8")) <= MAX_STEM_BYTES and long.startswith("KC2020-0042_很长")
    namer = Namer()
    assert namer.name("KC-1", "技术甲", "d0001") == "KC-1_技术甲.pdf"
    assert namer.name("KC-1", "技术甲", "d0002") == "KC-1_技术甲_d0002.pdf"  # a second paper copy
    assert namer.name("kc-1", "技术甲", "d0003") == "kc-1_技术甲_d0003.pdf"  # same name to Windows and macOS


def test_a_value_is_spread_over_its_cell_in_lines() -> None:
    lines = spread("一二三四五六七八九十" * 4, (0, 0, 1000, 200), page_height=3508)
    assert "".join(line.text for line in lines) == "一二三四五六七八九十" * 4
    assert 2 <= len(lines) <= 4 and all(line.bbox[0] == 0 and line.bbox[2] == 1000 for line in lines)
    assert lines[0].bbox[1] == 0 and lines[-1].bbox[3] == 200
    assert spread("  \n ", (0, 0, 10, 10), 100) == []


def test_the_hocr_is_what_ocrmypdf_reads(tmp_path: Path) -> None:
    template = load_template("kczg-2020")
    reading = oracle_like_reading()
    lines = page_lines(reading, template)
    texts = [line.text for line in lines]
    assert texts[0] == "“科创中国”榜单推荐表（先导技术）" and "技术名称" in texts and "基于<深度>学习" in texts
    path = tmp_path / "p.hocr"
    path.write_text(hocr(lines + [TextLine("中国地质科学院", (10, 10, 20, 20))], 2480, 3508, 300), encoding="utf-8")
    page = HocrParser(path).parse()
    assert page.bbox is not None and (page.bbox.right, page.bbox.bottom, page.dpi) == (2480, 3508, 300)
    # OCRmyPDF's reader folds full-width forms (NFKC): （ comes back as (.
    assert [w.text for w in page.words][:3] == [unicodedata.normalize("NFKC", t) for t in texts[:3]]


def oracle_like_reading() -> dict[str, Any]:
    value = [620, 420, 2230, 520]
    return {
        "page": 1, "kind": "first", "width": 2480, "height": 3508, "dpi": 300,
        "text": "“科创中国”榜单推荐表（先导技术）",
        "fields": {"tech_name": {"key": "tech_name", "value": "基于<深度>学习", "raw": "基于<深度>学习", "bbox": value}},
        "cells": [{"key": "tech_name", "role": "label", "bbox": [250, 420, 620, 520]},
                  {"key": "tech_name", "role": "value", "bbox": value}],
    }


def test_a_word_form_is_listed_not_archived_and_a_lost_input_says_so() -> None:
    inputs = {"scans/a.pdf": InputFile("scans/a.pdf", "0" * 64, 4)}
    with pytest.raises(ArchiveError, match="Word 文档"):
        source_pages({"source": {"file": "scans/f.docx", "pages": [1]}}, {"path_taken": "docx", "pages": [1]}, inputs)
    with pytest.raises(ArchiveError, match="没有扫描件 scans/b.pdf 的记录"):
        source_pages({"source": {"file": "scans/b.pdf", "pages": [1]}}, None, inputs)
    # form pages and attachments, in scan order, from the reading
    pages = source_pages({"source": {"file": "scans/a.pdf", "pages": [2, 3]}},
                         {"pages": [2, 3], "attachment_pages": [4]}, inputs)
    assert [p.number for p in pages] == [2, 3, 4]
    # a folder of page files: one page each
    files = {f"scans/f/p{i}.jpg": InputFile(f"scans/f/p{i}.jpg", str(i) * 64, 1) for i in (1, 2)}
    pages = source_pages({"source": {"file": "scans/f", "pages": [1, 2], "files": list(files)}},
                         {"pages": [1, 2]}, files)
    assert [(p.input.path, p.number) for p in pages] == [("scans/f/p1.jpg", 1), ("scans/f/p2.jpg", 1)]


@pytest.mark.parametrize(
    "argv",
    [["run", "scans", "--online", "e.xlsx", "--archive", "arch"],
     ["watch", "scans", "--online", "e.xlsx", "--archive", "arch", "--poll"],
     ["report", "--db", "out/paperdesk.db", "--archive", "arch"]],
)
def test_archive_is_an_option_of_run_watch_and_report(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.archive == Path("arch")


def test_a_typed_pdf_read_after_the_archive_keeps_its_text(tmp_path: Path) -> None:
    # importing OCRmyPDF patched pdfminer for the whole process: Helvetica with no ToUnicode read as (cid:72)…
    import paperdesk.archive.pdfa  # noqa: F401  (what watch and run --archive import)
    from ingest import iter_pages
    from tests.test_ingest import _pdf, _text_page_objects, _write

    path = _write(tmp_path / "typed.pdf", _pdf(_text_page_objects(b"Hello World")))
    (page,) = list(iter_pages(path, dpi=150))
    assert [w.text for w in page.words or []] == ["Hello", "World"]


def test_the_index_heads_its_name_and_group_columns_as_the_form_labels_them(tmp_path: Path) -> None:
    from paperdesk.archive.index import IndexRow, write_index
    from reports.model import group_label, title_label

    variant = load_template(Path(__file__).parent / "data" / "variant-form.toml")
    row = IndexRow("V-1", "一种方法", "甲类", "某大学", "某学会", "无问题", "", "V-1_一种方法.pdf", "d0001", 2)
    write_index([row], tmp_path, title_label(variant), group_label(variant))
    ws = load_workbook(tmp_path / INDEX_NAME).active
    assert ws is not None
    header = [c.value for c in next(ws.iter_rows())]
    assert header[1:3] == [title_label(variant), group_label(variant)]
    assert "技术名称" not in header and "所属领域" not in header
