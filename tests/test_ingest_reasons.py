"""Every reason an input cannot be read comes in English (results.json ``reason``) and in Chinese for the clerk.

The bad files themselves are in tests/test_ingest_batch.py (``_broken_folder``) and
tests/test_ingest.py; here: every raise site gives a Chinese reason, each reason
helper maps each library error it knows to its own Chinese sentence, and the batch
writes ``reason_zh`` beside ``reason`` and uses it in the UNREADABLE finding.
"""

from __future__ import annotations

import ast
import dataclasses
import errno
import json
import re
from pathlib import Path

import pypdfium2
import pytest
from pdfminer.pdfdocument import PDFNoValidXRef, PDFPasswordIncorrect
from pdfminer.pdfexceptions import PDFException, PDFNotImplementedError
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSEOF
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image, UnidentifiedImageError

from ingest import sniff
from ingest.files import os_reason
from ingest.scans import _image_reason, _pdfium_reason, _pdfminer_reason
from paperdesk.options import RunOptions
from paperdesk.runner import run_batch
from reports import validate_results
from tests.runner_fakes import fake_stages, write_export, write_scan

INGEST = Path(__file__).resolve().parent.parent / "ingest"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _raise_sites() -> list[tuple[str, int, ast.Call]]:
    sites = []
    for path in sorted(INGEST.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "BadInputError":
                sites.append((path.name, node.lineno, node))
    return sites


def test_every_raise_site_in_ingest_gives_a_chinese_reason() -> None:
    """Two reasons (English, Chinese) written out, or one helper's pair (``*os_reason(exc)``)."""
    sites = _raise_sites()
    assert len(sites) >= 30  # the readers' raise sites, not an empty glob
    for name, line, call in sites:
        written = len(call.args) == 2 and not any(isinstance(a, ast.Starred) for a in call.args)
        paired = len(call.args) == 1 and isinstance(call.args[0], ast.Starred)
        assert written or paired, f"ingest/{name}:{line} raises BadInputError without a Chinese reason"
        if written and isinstance(call.args[1], ast.Constant):
            assert CJK.search(str(call.args[1].value)), f"ingest/{name}:{line}"


def _distinct_chinese(reasons: list[tuple[str, str]]) -> None:
    chinese = [zh for _, zh in reasons]
    assert all(CJK.search(zh) for zh in chinese), chinese
    assert len(set(chinese)) == len(chinese), chinese


def test_os_reason_names_each_system_error() -> None:
    reasons = [
        os_reason(PermissionError(errno.EACCES, "Permission denied")),
        os_reason(IsADirectoryError(errno.EISDIR, "Is a directory")),
        os_reason(FileNotFoundError(errno.ENOENT, "No such file or directory")),
        os_reason(OSError(errno.EIO, "Input/output error")),
        os_reason(OSError(errno.ELOOP, "Too many levels of symbolic links")),
        os_reason(OSError(errno.ENOSPC, "No space left on device")),  # not named: still says it is a read error
    ]
    assert [en for en, _ in reasons] == [
        "cannot be opened: permission denied",
        "is a folder, not a file",
        "cannot be opened: file not found (a broken link?)",
        "cannot be read: Input/output error",
        "cannot be read: Too many levels of symbolic links",
        "cannot be read: No space left on device",
    ]
    _distinct_chinese(reasons)
    assert reasons[5][1].startswith("无法读取文件：")


def test_pdfium_reason_maps_each_error_code() -> None:
    def reason(code: int, text: str = "Failed to load document") -> tuple[str, str]:
        return _pdfium_reason(pypdfium2.PdfiumError(f"{text} (PDFium: x).", err_code=code))

    reasons = [
        reason(pypdfium2.raw.FPDF_ERR_PASSWORD, "Failed to load document (PDFium: Incorrect password error)"),
        reason(pypdfium2.raw.FPDF_ERR_SUCCESS),
        reason(pypdfium2.raw.FPDF_ERR_FILE),
        reason(pypdfium2.raw.FPDF_ERR_FORMAT),
        reason(pypdfium2.raw.FPDF_ERR_SECURITY),
        reason(pypdfium2.raw.FPDF_ERR_PAGE),
        reason(pypdfium2.raw.FPDF_ERR_UNKNOWN),
    ]
    assert reasons[0] == ("PDF is encrypted (needs a password)", "PDF 已加密，请提供未加密的文件")
    assert all(en.startswith("PDF is damaged: Failed to load document") for en, _ in reasons[1:])
    _distinct_chinese(reasons)
    assert reasons[-1][1] == "PDF 文件已损坏，无法读取，请重新扫描或重新导出 PDF"  # unknown code: still a PDF, unread


def test_pdfminer_reason_maps_each_error_kind() -> None:
    reasons = [
        _pdfminer_reason(PdfminerException(PDFPasswordIncorrect())),
        _pdfminer_reason(PdfminerException(PSEOF("Unexpected EOF"))),
        _pdfminer_reason(PDFNoValidXRef("Unexpected EOF")),
        _pdfminer_reason(PDFSyntaxError("No /Root object!")),
        _pdfminer_reason(PDFNotImplementedError("Unsupported filter")),
        _pdfminer_reason(PDFException("something else")),
    ]
    assert [en for en, _ in reasons] == [
        "PDF is encrypted (needs a password)",
        "PDF is damaged: Unexpected EOF",
        "PDF is damaged: Unexpected EOF",
        "PDF is damaged: No /Root object!",
        "PDF is damaged: Unsupported filter",
        "PDF is damaged: something else",
    ]
    _distinct_chinese(reasons)


def test_image_reason_maps_each_decoding_failure_and_names_the_format() -> None:
    reasons = [
        _image_reason(Image.DecompressionBombError("too big"), "image"),
        _image_reason(UnidentifiedImageError("cannot identify image file '/x.png'"), "image", "PNG"),
        _image_reason(UnidentifiedImageError("cannot identify image file '/x.tif'"), "image", "TIFF"),
        _image_reason(OSError("image file is truncated (2 bytes not processed)"), "JPEG"),
        _image_reason(EOFError(), "PNG"),
        _image_reason(OSError("broken data stream when reading image file"), "PNG"),
        _image_reason(PermissionError(errno.EACCES, "Permission denied"), "image"),
    ]
    assert [en for en, _ in reasons] == [
        "image is over the 75 MP limit for a page (decompression bomb?)",
        "image cannot be decoded: not a valid image file",
        "image cannot be decoded: not a valid image file",
        "JPEG cannot be decoded: image file is truncated (2 bytes not processed)",
        "PNG cannot be decoded: EOFError",
        "PNG cannot be decoded: broken data stream when reading image file",
        "cannot be opened: permission denied",
    ]
    _distinct_chinese(reasons)
    assert reasons[1][1].startswith("PNG 图片") and reasons[2][1].startswith("TIFF 图片")


# -- the batch: results.json and its UNREADABLE finding ------------------------------------------


def test_failures_and_unreadable_findings_carry_the_chinese_reason(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    write_scan(scans / "a.fake", ["first 技术甲", "broken", "cut"])  # page 2 the OCR fails, page 3 breaks the file
    (scans / "zero.pdf").write_bytes(b"")
    fake = fake_stages()
    stages = dataclasses.replace(fake, sniff=lambda p: fake.sniff(p) if p.suffix == ".fake" else sniff(p))
    export = write_export(tmp_path / "export.json", [{"record_id": "KC-1", "tech_name": "技术甲"}])
    options = RunOptions(scans=[scans], online=export, out=tmp_path / "out", jobs=1, quiet=True)
    run_batch(options, stages=stages)
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert validate_results(results) == []

    zero = str(scans / "zero.pdf")
    failures = {(Path(f["file"]).name, f["reason"][:6]): f for f in results["failures"]}
    assert failures["zero.pdf", "empty "] == {
        "file": zero,
        "reason": "empty file (0 bytes)",  # English, as CONTRACT.md and other programs read it
        "reason_zh": "空文件（0 字节），可能保存或复制未完成，请重新获取文件",
    }
    assert failures["a.fake", "page 2"]["reason_zh"].startswith("第2页文字识别（OCR）失败")
    assert "reason_zh" not in failures["a.fake", "page 3"]  # the fake reader gives no Chinese: none is made up

    unreadable = {f["evidence"]["reason"][:6]: f for f in results["findings"] if f["code"] == "UNREADABLE"}
    assert unreadable["empty "]["evidence"] == failures["zero.pdf", "empty "]
    chinese = failures["zero.pdf", "empty "]["reason_zh"]
    assert unreadable["empty "]["message"] == f"文件无法读取：{zero}（{chinese}）"
    cut = failures["a.fake", "page 3"]  # no Chinese: the message keeps the English
    assert unreadable["page 3"]["message"] == f"文件无法读取：{cut['file']}（{cut['reason']}）"


@pytest.mark.parametrize("reason_zh", [1, ""])
def test_schema_allows_reason_zh_only_as_text(tmp_path: Path, reason_zh: object) -> None:
    from tests.reports_fixture import make_results

    results = make_results(tmp_path / "out")
    results["failures"][0]["reason_zh"] = "PDF 已加密，请提供未加密的文件"
    assert validate_results(results) == []
    results["failures"][0]["reason_zh"] = reason_zh
    assert any(e.startswith("failures/0") for e in validate_results(results))
