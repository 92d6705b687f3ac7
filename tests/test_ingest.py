"""ingest: finding inputs, sniffing them, reading their pages; every bad file is built here, in tmp_path."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from forms.errors import BadInputError, ConfigError
from ingest import (
    MAX_PAGE_PIXELS,
    discover,
    file_sha256,
    find_duplicates,
    iter_pages,
    page_count,
    read_docx,
    sniff,
)

# ---------------------------------------------------------------- tiny PDFs written by hand

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A PDF whose object i+1 is objects[i] (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _text_page_objects(text: bytes) -> list[bytes]:
    """Catalog, pages, one A4 page with Helvetica text at (72, 720) pt."""
    content = b"BT /F1 24 Tf 72 720 Td (" + text + b") Tj ET"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def _mixed_pdf() -> bytes:
    """Page 1 born digital (text layer), page 2 a scan (a gray image, no text)."""
    scan = np.full((350, 250), 255, np.uint8)
    scan[40:60, 30:220] = 0  # a printed rule
    image = zlib.compress(scan.tobytes())
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(b"BT /F1 24 Tf 72 720 Td (Hello World) Tj ET"),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 7 0 R "
            b"/Resources << /XObject << /Im1 8 0 R >> >> >>",
            _stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
            _stream(
                image,
                b"/Type /XObject /Subtype /Image /Width 250 /Height 350 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /FlateDecode ",
            ),
        ]
    )


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _encrypted_pdf(user_password: bytes) -> bytes:
    """A one-page PDF locked with the standard security handler, RC4 40-bit (PDF 1.7 algorithms 2, 3, 4)."""
    file_id = hashlib.md5(b"paperdesk test").digest()
    owner_key = hashlib.md5((b"owner" + _PAD)[:32]).digest()[:5]
    owner_entry = _rc4(owner_key, (user_password + _PAD)[:32])
    permissions = -4
    key = hashlib.md5((user_password + _PAD)[:32] + owner_entry + struct.pack("<i", permissions) + file_id).digest()[:5]
    user_entry = _rc4(key, _PAD)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + owner_entry.hex().encode() + b"> /U <"
        + user_entry.hex().encode() + b"> /P %d >>" % permissions,
    ]
    trailer = b"/Encrypt 4 0 R /ID [<" + file_id.hex().encode() + b"> <" + file_id.hex().encode() + b">] "
    return _pdf(objects, trailer)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` and holds almost nothing: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _page_image(width: int = 600, height: int = 850) -> np.ndarray:
    """A plain page with one dark block top left: no glyphs, so orientation is left alone."""
    img = np.full((height, width, 3), 255, np.uint8)
    img[50:150, 40:300] = 0
    return img


# ---------------------------------------------------------------- discover, hashing, duplicates


def test_discover_walks_folders_sorted_skips_hidden_and_keeps_argument_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for rel in ["b/2.pdf", "b/10.pdf", "a/deep/x.tif", "a/1.jpg", ".hidden.pdf", "a/.DS_Store", "z.png"]:
        (tmp_path / rel).write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "obj.pdf").write_bytes(b"x")
    single = tmp_path / "z.png"
    found = discover([single, tmp_path])
    rel = [str(p.relative_to(tmp_path)) for p in found]
    assert rel == ["z.png", "a/1.jpg", "a/deep/x.tif", "b/10.pdf", "b/2.pdf"]  # z.png listed once, first


def test_discover_names_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"input not found: .*nowhere\.pdf"):
        discover([tmp_path, tmp_path / "nowhere.pdf"])


def test_duplicates_same_bytes_in_two_folders_map_to_first(tmp_path: Path) -> None:
    (tmp_path / "box1").mkdir()
    (tmp_path / "box2").mkdir()
    data = _pdf(_text_page_objects(b"form"))
    first = _write(tmp_path / "box1" / "form.pdf", data)
    copy = _write(tmp_path / "box2" / "form.pdf", data)
    renamed = _write(tmp_path / "box2" / "renamed.pdf", data)
    other = _write(tmp_path / "box2" / "other.pdf", _pdf(_text_page_objects(b"other")))
    _write(tmp_path / "box1" / "empty1.pdf", b"")
    _write(tmp_path / "box2" / "empty2.pdf", b"")
    files = discover([tmp_path])
    dups = find_duplicates(files)
    assert dups == {copy: first, renamed: first}  # empty files are failures, not copies of each other
    assert other not in dups
    assert file_sha256(first) == hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- sniff: by content, not by name


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("scan.bin", b"%PDF-1.7\n...", "pdf"),
        ("scan.jpg", b"junk before%PDF-1.4\n", "pdf"),  # header within the first 1024 bytes
        ("scan.pdf", b"II*\x00" + b"\x00" * 20, "tiff"),
        ("scan", b"MM\x00*" + b"\x00" * 20, "tiff"),
        ("scan.tif", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image"),
        ("scan.png", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image"),
    ],
)
def test_sniff_reads_magic_bytes_not_names(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    assert sniff(_write(tmp_path / name, data)) == kind


def test_sniff_docx_vs_xlsx_vs_zip(tmp_path: Path) -> None:
    import zipfile

    def make(name: str, members: list[str]) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as z:
            for m in members:
                z.writestr(m, "<x/>")
        return path

    assert sniff(make("form.bin", ["[Content_Types].xml", "word/document.xml"])) == "docx"
    with pytest.raises(BadInputError, match=r"spreadsheet \(XLSX\)"):
        sniff(make("form.docx", ["[Content_Types].xml", "xl/workbook.xml"]))
    with pytest.raises(BadInputError, match="ZIP archive"):
        sniff(make("forms.zip", ["a.pdf"]))


@pytest.mark.parametrize(
    ("name", "data", "reason", "reason_zh"),
    [
        ("empty.pdf", b"", r"^empty file \(0 bytes\)$", "^空文件（0 字节）"),
        (
            "photo.jpg",
            "推荐单位意见：同意推荐。\nplain text\n".encode(),
            r"^not a scan: a text file named \.jpg$",
            r"^不是扫描件：是文本文件（扩展名却是 \.jpg）",
        ),
        (
            "gbk.jpg",
            "推荐单位意见".encode("gb18030"),
            r"^not a scan: a text file named \.jpg$",
            r"^不是扫描件：是文本文件（扩展名却是 \.jpg）",
        ),
        ("notes", b"plain text\n", r"^not a scan: a text file$", "^不是扫描件：是文本文件，"),
        (
            "mystery.dat",
            bytes(range(256)) * 4,
            r"^unknown file type \(starts with 00 01 02 03 04 05 06 07\)$",
            "^无法识别的文件类型（不是 PDF、TIFF、PNG、JPEG、BMP 或 Word 文档（DOCX））",
        ),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, r"old Office file", "^不是扫描件：是旧版 Office 文件"),
        ("anim.gif", b"GIF89a" + b"\x00" * 100, r"GIF image", "^不是扫描件：是 GIF 动图"),
        ("box.rar", b"Rar!\x1a\x07\x00" + b"\x00" * 100, r"RAR archive", "^不是扫描件：是 RAR 压缩包，请先解压$"),
        ("bad.zip", b"PK\x03\x04" + b"\x00" * 40, r"^broken ZIP/Office file: ", "^ZIP 格式的文件（Word 文档或压缩包）已损坏"),
    ],
)
def test_sniff_refuses_with_one_line_reason(
    tmp_path: Path, name: str, data: bytes, reason: str, reason_zh: str
) -> None:
    with pytest.raises(BadInputError, match=reason) as info:
        sniff(_write(tmp_path / name, data))
    assert "\n" not in str(info.value)
    assert re.search(reason_zh, info.value.reason_zh or ""), info.value.reason_zh  # the clerk's Chinese


def test_unreadable_permissions(tmp_path: Path) -> None:
    """chmod 000 refuses everyone but root; as root the test reads it as an unprivileged user (seteuid)."""
    locked = _write(tmp_path / "locked.pdf", _pdf(_text_page_objects(b"x")))
    locked.chmod(0)
    as_root = os.geteuid() == 0
    try:
        if as_root:
            os.seteuid(65534)  # nobody; the real uid stays root, so the test can switch back
        with pytest.raises(BadInputError, match="permission denied") as info:
            sniff(locked)
        assert info.value.reason_zh == "无法打开：没有读取权限，请检查文件权限"
        with pytest.raises(BadInputError, match="permission denied"):
            list(iter_pages(locked))
    finally:
        if as_root:
            os.seteuid(0)
        locked.chmod(0o644)


def test_broken_link_and_folder_named_like_a_file(tmp_path: Path) -> None:
    link = tmp_path / "gone.pdf"
    link.symlink_to(tmp_path / "deleted.pdf")
    (tmp_path / "folder.pdf").mkdir()
    assert discover([tmp_path]) == [link]  # a folder is walked (empty), the dangling link is an input
    with pytest.raises(BadInputError, match="broken link") as info:
        sniff(link)
    assert info.value.reason_zh == "无法打开：文件不存在（可能是失效的快捷方式或链接），请放入原文件"


# ---------------------------------------------------------------- PDF


def test_born_digital_pdf_keeps_words_scaled_to_page_pixels(tmp_path: Path) -> None:
    path = _write(tmp_path / "typed.pdf", _pdf(_text_page_objects(b"Hello World")))
    assert page_count(path) == 1
    (page,) = list(iter_pages(path, dpi=150))
    assert page.born_digital and page.rotation == 0
    height, width, channels = page.image.shape
    assert abs(height - 842 * 150 / 72) <= 1 and abs(width - 595 * 150 / 72) <= 1 and channels == 3
    assert page.image.dtype == np.uint8
    texts = [w.text for w in page.words or []]
    assert texts == ["Hello", "World"]
    x0, y0, x1, y1 = page.words[0].bbox  # type: ignore[index]
    # Helvetica 24 pt at (72, 720) pt from the bottom: left edge 150 px, baseline 122 pt below the top.
    assert x0 == pytest.approx(72 * 150 / 72, abs=1)
    assert y0 < (842 - 720) * 150 / 72 < y1
    # The rendered pixels have ink where the words are.
    crop = page.image[int(y0) : int(y1), int(x0) : int(x1)]
    assert crop.min() < 100


def test_mixed_pdf_page_by_page(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.pdf", _mixed_pdf())
    assert page_count(path) == 2
    pages = list(iter_pages(path, dpi=72))
    assert [p.born_digital for p in pages] == [True, False]
    assert pages[1].words is None
    assert pages[1].color_mode == "gray"  # the scan's image is DeviceGray
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].sha256 != pages[1].sha256 and len(pages[0].sha256) == 64


def _searchable_scan_pdf(image_share: float) -> bytes:
    """A scanner's "searchable PDF": a gray picture over ``image_share`` of the page's width and height,
    with its OCR as invisible text (render mode 3) under it."""
    scan = np.full((350, 250), 255, np.uint8)
    scan[40:60, 30:220] = 0
    w, h = 595 * image_share, 842 * image_share
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
            _stream(b"q %.1f 0 0 %.1f 0 0 cm /Im1 Do Q BT 3 Tr /F1 24 Tf 72 720 Td (Hello World) Tj ET" % (w, h)),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            _stream(
                zlib.compress(scan.tobytes()),
                b"/Type /XObject /Subtype /Image /Width 250 /Height 350 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /FlateDecode ",
            ),
        ]
    )


def test_a_scan_with_the_scanners_invisible_ocr_text_is_read_as_a_scan(tmp_path: Path) -> None:
    (page,) = list(iter_pages(_write(tmp_path / "searchable.pdf", _searchable_scan_pdf(1.0)), dpi=72))
    assert not page.born_digital and page.words is None
    assert page.color_mode == "gray"  # from the scan's own image, as for any scanned page


def test_a_typed_page_with_a_small_picture_keeps_its_text_layer(tmp_path: Path) -> None:
    (page,) = list(iter_pages(_write(tmp_path / "logo.pdf", _searchable_scan_pdf(0.3)), dpi=72))
    assert page.born_digital and [w.text for w in page.words or []] == ["Hello", "World"]


def test_truncated_pdf(tmp_path: Path) -> None:
    data = _mixed_pdf()
    path = _write(tmp_path / "cut.pdf", data[: len(data) // 3])
    with pytest.raises(BadInputError, match=r"^PDF is truncated"):
        list(iter_pages(path))
    with pytest.raises(BadInputError, match=r"^PDF is truncated"):
        page_count(path)


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    with pytest.raises(BadInputError, match=r"^PDF is damaged"):
        list(iter_pages(path))


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = _write(tmp_path / "locked.pdf", _encrypted_pdf(b"secret"))
    with pytest.raises(BadInputError, match=r"^PDF is encrypted \(needs a password\)$"):
        list(iter_pages(path))


def test_pdf_reads_lazily(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.pdf", _mixed_pdf())
    pages = iter_pages(path, dpi=72)
    first = next(pages)
    assert first.number == 1  # the second page has not been rendered yet; the generator holds one page
    assert next(pages).number == 2


# ---------------------------------------------------------------- images and TIFF


def test_multipage_tiff_ccitt_g4_and_gray_pages(tmp_path: Path) -> None:
    bilevel = [Image.fromarray(cv2.cvtColor(_page_image(), cv2.COLOR_BGR2GRAY)).convert("1") for _ in range(3)]
    path = tmp_path / "stack.tif"
    bilevel[0].save(path, save_all=True, append_images=bilevel[1:], compression="group4", dpi=(200, 200))
    with Image.open(path) as check:
        assert check.info.get("compression") == "group4"
    assert sniff(path) == "tiff" and page_count(path) == 3
    pages = list(iter_pages(path))
    assert [p.number for p in pages] == [1, 2, 3]
    assert all(p.color_mode == "bilevel" and p.dpi == 200 for p in pages)
    assert pages[0].image.shape == (850, 600, 3)
    assert pages[0].image[100, 100].tolist() == [0, 0, 0] and pages[0].image[500, 500].tolist() == [255, 255, 255]

    gray = Image.fromarray(cv2.cvtColor(_page_image(), cv2.COLOR_BGR2GRAY) // 2 + 60)
    gray_path = tmp_path / "gray.tif"
    gray.save(gray_path, compression="tiff_lzw")
    (page,) = list(iter_pages(gray_path, dpi=300))
    assert page.color_mode == "gray" and page.dpi == 300  # no resolution in the file: the default


def test_tiff_with_bad_page_in_the_middle_names_it(tmp_path: Path) -> None:
    frames = [Image.fromarray(cv2.cvtColor(_page_image(), cv2.COLOR_BGR2GRAY)) for _ in range(3)]
    path = tmp_path / "stack.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    data = bytearray(path.read_bytes())
    with Image.open(path) as img:
        img.seek(1)
        offset = img.tag_v2[273][0]  # StripOffsets of page 2
    data[offset : offset + 200] = b"\xff" * 200  # corrupt page 2's compressed data
    path.write_bytes(bytes(data))
    read: list[int] = []
    with pytest.raises(BadInputError, match=r"^page 2 of 3: TIFF cannot be decoded"):
        for page in iter_pages(path):
            read.append(page.number)
    assert read == [1]  # page 1 was read before; the failure says which page stopped it


def test_colour_and_colourless_png(tmp_path: Path) -> None:
    img = _page_image()
    colourless = _write(tmp_path / "gray_in_rgb.png", cv2.imencode(".png", img)[1].tobytes())
    (page,) = list(iter_pages(colourless))
    assert page.color_mode == "bilevel"  # RGB file, but only black and white pixels
    img[300:400, 300:400] = (40, 40, 220)  # a red seal
    colour = _write(tmp_path / "seal.png", cv2.imencode(".png", img)[1].tobytes())
    (page,) = list(iter_pages(colour))
    assert page.color_mode == "color"
    assert page.image[350, 350].tolist() == [40, 40, 220]  # BGR order kept


def test_jpeg_exif_orientation_applied(tmp_path: Path) -> None:
    upright_img = _page_image()
    # The camera stored the page turned 90° counter-clockwise and says so in EXIF (6 = turn 90° clockwise to view).
    stored = cv2.rotate(upright_img, cv2.ROTATE_90_COUNTERCLOCKWISE)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    Image.fromarray(cv2.cvtColor(stored, cv2.COLOR_BGR2RGB)).save(path, quality=95, exif=exif)
    (page,) = list(iter_pages(path))
    assert page.rotation == 90
    assert page.image.shape == upright_img.shape
    assert page.image[100, 100].max() < 60 and page.image[100, 500].min() > 200  # block back at top left


def test_undecodable_image(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\xff" * 40)
    with pytest.raises(BadInputError, match=r"cannot be decoded"):
        list(iter_pages(path))
    good = cv2.imencode(".jpg", _page_image())[1].tobytes()
    cut = _write(tmp_path / "cut.jpg", good[: len(good) // 2])
    with pytest.raises(BadInputError, match=r"cannot be decoded"):
        list(iter_pages(cut))


@pytest.mark.parametrize("side", [100_000, 9_000])  # 10 000 MP (Pillow's own refusal) and 81 MP (ours)
def test_decompression_bomb_refused_before_decoding(tmp_path: Path, side: int) -> None:
    assert side * side > MAX_PAGE_PIXELS
    path = _write(tmp_path / "bomb.png", _png_header_only(side, side))
    with pytest.raises(BadInputError, match=r"limit.*decompression bomb"):
        list(iter_pages(path))


def test_largest_real_page_is_allowed() -> None:
    a3_at_600_dpi = round(297 / 25.4 * 600) * round(420 / 25.4 * 600)
    assert a3_at_600_dpi <= MAX_PAGE_PIXELS < 2 * a3_at_600_dpi


def test_page_hash_follows_pixels(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.png", cv2.imencode(".png", _page_image())[1].tobytes())
    # The same pixels in another container hash the same; other pixels do not.
    b = tmp_path / "b.tif"
    Image.fromarray(cv2.cvtColor(_page_image(), cv2.COLOR_BGR2RGB)).save(b)
    other = _page_image()
    other[700:720, 100:500] = 0
    c = _write(tmp_path / "c.png", cv2.imencode(".png", other)[1].tobytes())
    ha, hb, hc = (next(iter_pages(p)).sha256 for p in (a, b, c))
    assert ha == hb != hc


# ---------------------------------------------------------------- DOCX


def test_docx_table_read_cell_by_cell_merged_cells_once(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("“科创中国”榜单推荐表")
    table = document.add_table(rows=3, cols=3)
    group = table.cell(0, 0).merge(table.cell(1, 0))  # 技术基本情况 spans two rows
    group.text = "技术基本情况"
    table.cell(0, 1).text = "技术名称"
    table.cell(0, 2).text = "  高熵合金涂覆技术 "
    table.cell(1, 1).text = "技术就绪水平量值"
    table.cell(1, 2).text = "5"
    wide = table.cell(2, 0).merge(table.cell(2, 1))  # label spanning two columns
    wide.text = "技术团队简介"
    table.cell(2, 2).text = "团队成员35人。"
    document.add_paragraph("技术水平详细材料")
    document.add_paragraph("")
    document.add_paragraph("正文第一段。")
    path = tmp_path / "filled.docx"
    document.save(str(path))

    result = read_docx(path)
    assert result.rows == [
        ["技术基本情况", "技术名称", "高熵合金涂覆技术"],
        ["技术就绪水平量值", "5"],
        ["技术团队简介", "团队成员35人。"],
    ]
    assert result.paragraphs == ["技术水平详细材料", "正文第一段。"]
    assert page_count(path) == 1
    with pytest.raises(BadInputError, match="read as a table"):
        list(iter_pages(path))


def test_docx_without_table_and_broken_docx(tmp_path: Path) -> None:
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph("只是一封信")
    path = tmp_path / "letter.docx"
    document.save(str(path))
    with pytest.raises(BadInputError, match="no table"):
        read_docx(path)
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("word/document.xml", "<not-closed")
    with pytest.raises(BadInputError, match="DOCX cannot be read"):
        read_docx(broken)


def test_bad_files_never_leak_other_exceptions(tmp_path: Path) -> None:
    """Every kind of broken input ends as BadInputError, whatever the reader underneath raised."""
    good_png = cv2.imencode(".png", _page_image())[1].tobytes()
    cases = {
        "a.pdf": _mixed_pdf()[:-300] + b"%%EOF\n",  # xref and trailer gone, marker kept
        "b.png": good_png[:100],
        "c.tif": b"II*\x00" + b"\xff" * 60,
        "d.jpg": b"\xff\xd8\xff\xe0" + bytes(range(256)),
        "e.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        # A page box that is not numbers: pdfplumber fails listing the pages, and again when closing.
        "f.pdf": _pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 (x) 842] >>",
            ]
        ),
    }
    for name, data in cases.items():
        path = _write(tmp_path / name, data)
        try:
            list(iter_pages(path, dpi=72))
        except BadInputError as exc:
            assert "\n" not in exc.message and exc.message, name
            assert exc.reason_zh and re.search("[\u4e00-\u9fff]", exc.reason_zh), name
        else:
            raise AssertionError(f"{name} was read")



@pytest.mark.parametrize(("turned", "skew", "mode"), [(180, 1.3, "gray"), (180, -4.0, "color"), (90, 3.0, "bilevel"), (270, -2.5, "gray")])
def test_a_skewed_page_fed_upside_down_or_sideways_is_turned_upright(turned, skew, mode):
    # skewed a few degrees, the rules were not removed and the lines' marks lost their place: left upside down
    from ingest.orientation import detect_rotation
    from samples.draw import render_form
    from samples.scan import scan
    from samples.spec import make_spec

    page = render_form(make_spec(5), dpi=300)[0]
    scanned = scan([page], mode=mode, dpi=200, skew_deg=skew, rotate=turned, seed=3)[0]
    assert detect_rotation(scanned) == (360 - turned) % 360


@pytest.mark.parametrize(("seed", "font", "turned"), [(8, "ukai", 0), (8, "uming", 270), (5, "uming", 90), (10, "uming", 180)])
def test_a_full_first_page_at_14_pt_is_turned_by_its_marks_not_its_ink_centre(seed, font, turned):
    # at 14 pt a form's first page holds few punctuation marks (0-7, under the 8 needed) and its ink
    # centres at 0.42 or 0.58: the ink's centre decided, and upright pages were turned upside down
    import dataclasses

    from ingest.orientation import detect_rotation
    from samples.draw import render_form
    from samples.scan import scan
    from samples.spec import PrinterStyle, make_spec

    spec = dataclasses.replace(make_spec(seed), printer=PrinterStyle(font=font, body_pt=14.0, hint_in_label=True))
    page = render_form(spec, dpi=300)[0]
    scanned = scan([page], mode="color", dpi=300, skew_deg=-2.2, rotate=turned, jpeg_quality=65, seed=4)[0]
    assert detect_rotation(scanned) == (360 - turned) % 360
