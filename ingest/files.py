"""Finding the inputs, telling what they are by their bytes, and spotting copies.

``discover`` lists the files a clerk pointed at; ``sniff`` says what each one is
from its first bytes (never from its name) or raises ``BadInputError`` with one
line in English and one in Chinese a clerk can act on (``os_reason`` gives that
pair for a file the system cannot open); ``find_duplicates`` maps each
byte-identical copy to the first file with that content, so a copy is read once
and reported as a duplicate input.
"""

from __future__ import annotations

import errno
import hashlib
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from forms.errors import BadInputError, ConfigError

ScanKind = Literal["pdf", "tiff", "image", "docx"]
# Why an input cannot be read: (English for logs and results.json "reason", Chinese for the clerk).
Reason = tuple[str, str]

# The PDF header may sit after some junk; readers accept it within the first 1024 bytes (PDF 1.7, annex H).
PDF_HEADER_WINDOW = 1024
# Enough bytes to recognise every signature below and to tell text from binary.
SNIFF_BYTES = 4096
# Hash in 1 MiB blocks: scans are tens of MB, no need to hold one in memory to hash it.
HASH_BLOCK = 1 << 20

_IMAGE_SIGNATURES: dict[bytes, str] = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"BM": "BMP",
}
_TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF
# Things clerks do feed in by mistake, named so the reason says what the file really is (English, Chinese).
_KNOWN_OTHERS: dict[bytes, Reason] = {
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": (
        "an old Office file (.doc/.xls); save it as DOCX or PDF",
        "是旧版 Office 文件（.doc/.xls），请另存为 DOCX 或 PDF 后再放入",
    ),
    b"GIF8": ("a GIF image; scan to PDF, TIFF, PNG or JPEG", "是 GIF 动图，请扫描为 PDF、TIFF、PNG 或 JPEG"),
    b"Rar!": ("a RAR archive; unpack it first", "是 RAR 压缩包，请先解压"),
    b"7z\xbc\xaf\x27\x1c": ("a 7z archive; unpack it first", "是 7z 压缩包，请先解压"),
    b"\x1f\x8b": ("a gzip archive; unpack it first", "是 gzip 压缩包，请先解压"),
}
# What a scan input may be, for the Chinese reason of a file that is none of them.
_SCAN_KINDS_ZH = "PDF、TIFF、PNG、JPEG、BMP 或 Word 文档（DOCX）"


def discover(paths: Sequence[Path]) -> list[Path]:
    """Every file under ``paths``, in a stable order.

    Folders are walked recursively and listed sorted by name; files and
    folders whose name starts with ``.`` are skipped (editor and OS litter).
    The order of ``paths`` is kept. A file reached twice (given twice, or
    given and inside a given folder) is listed once: it is one input, not a
    copy. A path that does not exist raises ``ConfigError`` naming it.
    """
    missing = [str(p) for p in paths if not Path(p).exists() and not Path(p).is_symlink()]
    if missing:
        raise ConfigError(f"input not found: {', '.join(missing)}")
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        for path in _walk(Path(given)):
            key = path.resolve() if path.exists() else path.absolute()
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found


def _is_dir(path: Path) -> bool:
    """``Path.is_dir`` that says False, not PermissionError, when a parent folder cannot be entered."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _walk(path: Path) -> Iterable[Path]:
    if not _is_dir(path):
        yield path
        return
    try:
        entries = sorted(path.iterdir(), key=lambda p: p.name)
    except PermissionError:
        # A folder we cannot list is still an input: sniff() turns it into a failure line.
        yield path
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if _is_dir(entry) and not entry.is_symlink():
            yield from _walk(entry)
        else:
            yield entry


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex). Raises ``BadInputError`` when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(HASH_BLOCK):
                digest.update(block)
    except OSError as exc:
        raise BadInputError(*os_reason(exc)) from exc
    return digest.hexdigest()


def find_duplicates(paths: Sequence[Path]) -> dict[Path, Path]:
    """Map each file whose bytes equal an earlier file's to that first file.

    ``paths`` in batch order (as ``discover`` gives them); the first file with a
    content is the one read, every later copy maps to it. Files that cannot be
    read and empty files are left out: they are failures, not copies of each
    other.
    """
    first_by_hash: dict[str, Path] = {}
    duplicates: dict[Path, Path] = {}
    for path in paths:
        try:
            if path.stat().st_size == 0:
                continue
            digest = file_sha256(path)
        except (OSError, BadInputError):
            continue
        if digest in first_by_hash:
            duplicates[path] = first_by_hash[digest]
        else:
            first_by_hash[digest] = path
    return duplicates


def sniff(path: Path) -> ScanKind:
    """What a scan input is, from its bytes: "pdf", "tiff", "image" (PNG/JPEG/BMP) or "docx".

    Raises ``BadInputError`` with a one-line reason for an empty file, a file
    that cannot be opened, a text file (whatever its name), and any other type.
    """
    path = Path(path)
    if _is_dir(path):
        raise BadInputError(
            "is a folder that was not walked (a link to a folder, or no permission to list it)",
            "是未能打开的文件夹（文件夹的快捷方式，或没有权限查看其中文件），请直接放入文件夹本身或检查访问权限",
        )
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise BadInputError(*os_reason(exc)) from exc
    if not head:
        raise BadInputError("empty file (0 bytes)", "空文件（0 字节），可能保存或复制未完成，请重新获取文件")
    if b"%PDF-" in head[:PDF_HEADER_WINDOW]:
        return "pdf"
    if head.startswith(_TIFF_SIGNATURES):
        return "tiff"
    for signature in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return "image"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    for signature, (what, what_zh) in _KNOWN_OTHERS.items():
        if head.startswith(signature):
            raise BadInputError(f"not a scan: {what}", f"不是扫描件：{what_zh}")
    if _looks_like_text(head):
        named = f" named {path.suffix}" if path.suffix else ""
        named_zh = f"（扩展名却是 {path.suffix}）" if path.suffix else ""
        raise BadInputError(
            f"not a scan: a text file{named}", f"不是扫描件：是文本文件{named_zh}，请放入扫描得到的 PDF 或图片"
        )
    raise BadInputError(
        f"unknown file type (starts with {head[:8].hex(' ')})",
        f"无法识别的文件类型（不是 {_SCAN_KINDS_ZH}），请确认是否放错了文件",
    )


def image_format(path: Path) -> str:
    """The image format a file's first bytes name ("TIFF", "PNG", "JPEG", "BMP"); "image" when none does
    or the file cannot be read (for a reason that names the format when Pillow cannot even open the file)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return "image"
    if head.startswith(_TIFF_SIGNATURES):
        return "TIFF"
    return next((name for signature, name in _IMAGE_SIGNATURES.items() if head.startswith(signature)), "image")


def _sniff_zip(path: Path) -> ScanKind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(
            f"broken ZIP/Office file: {exc}",
            "ZIP 格式的文件（Word 文档或压缩包）已损坏，无法打开，请重新保存或重新获取该文件",
        ) from exc
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        raise BadInputError(
            "not a scan: a spreadsheet (XLSX); pass the online export with --online",
            "不是扫描件：是电子表格（XLSX），线上导出表请用 --online 传入",
        )
    raise BadInputError("not a scan: a ZIP archive; unpack it first", "不是扫描件：是 ZIP 压缩包，请先解压")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # A multi-byte character may be cut at the end of the window; ignore that tail.
            head[: len(head) - 4 if len(head) == SNIFF_BYTES else len(head)].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


# The Chinese for the system errors a read meets besides the ones os_reason names by type.
_OS_ERRORS_ZH: dict[int, str] = {
    errno.EIO: "读取时磁盘或网络盘出错，请把文件复制到本机后重试",
    errno.ELOOP: "文件的快捷方式（链接）指向自身，形成循环，请放入原文件",
    errno.ENAMETOOLONG: "文件路径过长，请移到路径较短的文件夹后重试",
    errno.EMFILE: "同时打开的文件过多，请稍后重新运行",
}


def os_reason(exc: OSError) -> Reason:
    """Why a file could not be opened or read, in one line of English and one of Chinese."""
    if isinstance(exc, PermissionError):
        return "cannot be opened: permission denied", "无法打开：没有读取权限，请检查文件权限"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file", "是文件夹，不是文件，请放入其中的扫描件"
    if isinstance(exc, FileNotFoundError):
        return (
            "cannot be opened: file not found (a broken link?)",
            "无法打开：文件不存在（可能是失效的快捷方式或链接），请放入原文件",
        )
    english = f"cannot be read: {os.strerror(exc.errno) if exc.errno else exc}"
    return english, "无法读取文件：" + _OS_ERRORS_ZH.get(exc.errno or 0, "系统读取出错，请把文件复制到本机后重试")
