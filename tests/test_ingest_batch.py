"""ingest end to end: the committed sample batch plus a folder of broken files, every input accounted for.

This walks the inputs the way the runner does (discover → duplicates → sniff →
pages or DOCX table → layout kinds → split) and checks each input against
samples/truth.json: read with its page count, skipped as a duplicate, or failed
with a one-line reason.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import cv2
import docx
import pytest

from forms.errors import BadInputError
from ingest import classify_layout, discover, find_duplicates, iter_pages, read_docx, sniff, split_stack
from tests.test_ingest import _encrypted_pdf, _page_image, _pdf, _stream, _text_page_objects

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TRUTH = SAMPLES / "truth.json"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _zip(members: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member, "<x/>")
    return buffer.getvalue()


def _docx_without_table() -> bytes:
    document = docx.Document()
    document.add_paragraph("只是一封信")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf_with_broken_second_page() -> bytes:
    """Page 1 typed text; page 2 uses a Type0 font whose DescendantFonts is a number, not a list."""
    objects = _text_page_objects(b"Hello")
    objects[1] = b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>"
    return _pdf(
        [
            *objects,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R "
            b"/Resources << /Font << /F1 8 0 R >> >> >>",
            _stream(b"BT /F1 24 Tf 72 720 Td (Hi) Tj ET"),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /X /DescendantFonts 5 >>",
        ]
    )


def _broken_folder(folder: Path) -> dict[str, tuple[str, str]]:
    """Bad inputs a clerk's folder really gets, the start of the English reason each must give
    (results.json ``reason``, unchanged) and the whole Chinese reason the clerk reads (``reason_zh``)."""
    folder.mkdir()
    png_sig = b"\x89PNG\r\n\x1a\n"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    bomb = png_sig + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    jpeg = cv2.imencode(".jpg", _page_image())[1].tobytes()
    files = {
        "zero.pdf": (b"", "empty file", "空文件（0 字节），可能保存或复制未完成，请重新获取文件"),
        "notes.jpg": (
            "扫描件见附件。".encode(),
            "not a scan: a text file named .jpg",
            "不是扫描件：是文本文件（扩展名却是 .jpg），请放入扫描得到的 PDF 或图片",
        ),
        "bomb.png": (bomb, "image is over the", "图片像素过多，超过单页上限（可能是异常文件），请以 300 dpi 左右重新扫描"),
        "garbage.png": (
            png_sig + b"\x00" * 50,
            "image cannot be decoded",
            "PNG 图片无法解码：不是有效的图片文件，请重新扫描或重新导出",
        ),
        "cut.pdf": (
            b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog",
            "PDF is truncated",
            "PDF 文件不完整（缺少文件结尾），可能传输中断，请重新扫描或重新获取文件",
        ),
        "mystery.bin": (
            bytes(range(7, 200)),
            "unknown file type",
            "无法识别的文件类型（不是 PDF、TIFF、PNG、JPEG、BMP 或 Word 文档（DOCX）），请确认是否放错了文件",
        ),
        "locked.pdf": (_encrypted_pdf(b"secret"), "PDF is encrypted (needs a password)", "PDF 已加密，请提供未加密的文件"),
        "forms.zip": (_zip(["a.pdf"]), "not a scan: a ZIP archive", "不是扫描件：是 ZIP 压缩包，请先解压"),
        "export.xlsx": (
            _zip(["[Content_Types].xml", "xl/workbook.xml"]),
            "not a scan: a spreadsheet (XLSX)",
            "不是扫描件：是电子表格（XLSX），线上导出表请用 --online 传入",
        ),
        "broken.tif": (
            b"II*\x00" + b"\xff" * 60,
            "image cannot be decoded",
            "TIFF 图片无法解码：不是有效的图片文件，请重新扫描或重新导出",
        ),
        "cut.jpg": (
            jpeg[: len(jpeg) // 2],
            "JPEG cannot be decoded: image file is truncated",
            "JPEG 图片不完整（文件被截断），可能传输中断，请重新扫描或重新获取文件",
        ),
        "letter.docx": (
            _docx_without_table(),
            "DOCX has no table",
            "Word 文档中没有表格，不是填写好的推荐表，请放入填写后的推荐表",
        ),
        "page2.pdf": (
            _pdf_with_broken_second_page(),
            "page 2 of 2: PDF is damaged",
            "第2页（共2页）：PDF 文件已损坏，无法读取，请重新扫描或重新导出 PDF",
        ),
    }
    for name, (data, _, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: (english, chinese) for name, (_, english, chinese) in files.items()}


def _account(paths: list[Path], dpi: int) -> dict[Path, dict[str, object]]:
    """What the runner would record for each input."""
    duplicates = find_duplicates(paths)
    outcome: dict[Path, dict[str, object]] = {}
    for path in paths:
        if path in duplicates:
            outcome[path] = {"status": "skipped", "duplicate_of": duplicates[path]}
            continue
        try:
            if sniff(path) == "docx":
                table = read_docx(path)
                outcome[path] = {"status": "read", "pages": None, "rows": len(table.rows)}
                continue
            kinds = [classify_layout(page) for page in iter_pages(path, dpi=dpi)]
        except BadInputError as exc:
            outcome[path] = {"status": "failed", "reason": exc.message, "reason_zh": exc.reason_zh}
            continue
        outcome[path] = {"status": "read", "pages": len(kinds), "split": split_stack(kinds)}
    return outcome


@pytest.mark.slow  # reads ~50 scanned pages (about a minute on one core)
def test_sample_batch_and_broken_files_all_accounted_for(tmp_path: Path) -> None:
    if not TRUTH.exists():
        pytest.fail("samples/truth.json is missing: run `python -m samples.generate`")
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    broken = _broken_folder(tmp_path / "broken")
    inputs = discover([SAMPLES / "scans", tmp_path / "broken"])
    outcome = _account(inputs, dpi=100)

    assert set(outcome) == set(inputs)  # every input has an outcome
    for item in truth["inputs"]:
        path = SAMPLES / item["file"]
        got = outcome[path]
        assert got["status"] == item["status"], item["file"]
        if item["status"] == "read" and "pages" in item:
            assert got["pages"] == item["pages"], item["file"]
        if item["status"] == "skipped":
            assert got["duplicate_of"] == SAMPLES / item["duplicate_of"]
        if item["status"] == "failed":
            assert str(got["reason"]) and "\n" not in str(got["reason"])
    for name, (reason, _) in broken.items():
        got = outcome[tmp_path / "broken" / name]
        assert got["status"] == "failed" and str(got["reason"]).startswith(reason), (name, got)


def test_every_broken_file_gives_the_clerk_its_own_chinese_reason(tmp_path: Path) -> None:
    """Each bad input fails with its English reason as before and a Chinese one that says what is wrong."""
    broken = _broken_folder(tmp_path / "broken")
    outcome = _account(discover([tmp_path / "broken"]), dpi=72)
    for name, (english, chinese) in broken.items():
        got = outcome[tmp_path / "broken" / name]
        assert got["status"] == "failed", name
        assert str(got["reason"]).startswith(english), (name, got)
        assert got["reason_zh"] == chinese, (name, got)
        assert CJK.search(chinese) and "\n" not in chinese
    assert len({chinese for _, chinese in broken.values()}) == len(broken)  # no two kinds read the same


@pytest.mark.slow
def test_sample_stack_splits_into_its_documents() -> None:
    """stack_box1.pdf: form + attachment, blank separator, two more forms → three documents."""
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    stack = SAMPLES / "scans" / "stack_box1.pdf"
    expected = [d["source"]["pages"] for d in truth["documents"] if d["source"]["file"] == "scans/stack_box1.pdf"]
    kinds = [classify_layout(page) for page in iter_pages(stack, dpi=150)]
    split = split_stack(kinds)
    form_pages = [[i + 1 for i in g.pages] for g in split.groups]
    assert form_pages == expected
    assert all(g.flag is None for g in split.groups)
    accounted = sorted(i for g in split.groups for i in g.pages + g.attachments) + split.blanks
    assert sorted(accounted) == list(range(len(kinds)))


@pytest.mark.slow
def test_sample_pages_fed_sideways_or_upside_down_come_back_upright() -> None:
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    checked = 0
    for doc in truth["documents"]:
        turns = doc.get("scan", {}).get("rotation") or []
        if not any(turns):
            continue
        path = SAMPLES / doc["source"]["file"]
        by_number = {p.number: p.rotation for p in iter_pages(path, dpi=150)}
        for number, turn in zip(doc["source"]["pages"], turns, strict=True):
            assert by_number[number] == (360 - turn) % 360, (doc["source"]["file"], number)
            checked += 1
    assert checked >= 6  # form07 (180°) and form09 (90°), every page of each
