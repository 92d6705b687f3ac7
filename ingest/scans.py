"""Scan files → ``Page``s, one at a time, upright, BGR uint8 (STYLE.md §2).

PDF pages with a text layer keep their words (pdfplumber, scaled to page
pixels) and are rendered only for the pixels; pages without one are rendered
at ``dpi``. TIFF (multi-page, 1-bit CCITT too), PNG, JPEG (EXIF orientation
applied) and BMP are decoded with Pillow. A DOCX is read as a table of cell
texts by ``read_docx`` and never becomes pixels.

Every failure to read is a ``BadInputError`` with one line saying why, in
English (the message) and in Chinese for the clerk (``reason_zh``); the runner
records it and goes on with the batch.
"""

from __future__ import annotations

import logging
import struct
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pdfplumber
import pypdfium2
from pdfminer.pdfdocument import PDFNoValidXRef
from pdfminer.pdfexceptions import PDFException, PDFNotImplementedError
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSEOF, PSException
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

from forms.errors import BadInputError
from ingest.files import Reason, image_format, os_reason, sniff
from ingest.heap import give_back_freed
from ingest.orientation import upright
from ingest.page import ColorMode, DocxImage, DocxTable, Page, Word
from ingest.tiff_bands import BandError, band_readable, read_reduced_bgr

# An A3 page scanned at 600 dpi is 7016 x 9921 = 69.6 MP, the largest page a clerk's
# scanner makes; anything beyond is refused as a likely decompression bomb.
MAX_PAGE_PIXELS = 75_000_000
# Pillow's own guard is set to the same limit, deliberately: it warns above it and refuses
# above twice it while opening; ``_check_size`` refuses everything above it before decoding.
Image.MAX_IMAGE_PIXELS = MAX_PAGE_PIXELS

log = logging.getLogger(__name__)

PDF_POINTS_PER_INCH = 72
# A page whose one image covers this share of it is a scan, even with a text layer: scanners'
# "searchable PDF" and OCRmyPDF lay their own OCR under the picture as invisible text, which
# is neither the form's text nor as good as ours (and the picture still needs deskewing).
SCAN_IMAGE_MIN_SHARE = 0.8
# A writer appends "%%EOF" at the end; a cut-off download or copy loses it (some writers add a little junk after).
PDF_EOF_WINDOW = 2048
# A pixel is coloured when its channels differ by more than this (JPEG noise on gray stays below ~16).
COLOUR_SPREAD = 32
# A page is colourless when fewer than this share of pixels are coloured: a faint seal alone covers more.
COLOUR_PIXEL_SHARE = 0.0005
# A gray page is bilevel when fewer than this share of pixels lie between black and white.
MIDTONE_PIXEL_SHARE = 0.002
MIDTONE_RANGE = (16, 240)
# Colour statistics on every 4th pixel each way: a 300 dpi page still gives ~550k samples.
STATS_STRIDE = 4

# Image files scanned finer than this are read at it: every stage is tuned and measured at 150-300 dpi
# (body text ~40 px high, the recogniser wants 48), and above it only memory grows: a 600-dpi A4 page
# is 105 MB as BGR and its working copies (deskewed, gray, flattened) 280 MB more. (A PDF is rendered
# at the ``dpi`` asked for.)
READ_MAX_DPI = 300

_EXIF_ORIENTATION_TAG = 0x0112
_EXIF_DEGREES = {3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}  # clockwise turn exif_transpose applies
# What Pillow raises on a file it cannot decode (truncated data, bad headers, bad compression).
_DECODE_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error,
    Image.DecompressionBombError, Image.DecompressionBombWarning,
)
# What pdfminer / pdfplumber / PDFium raise on a damaged or locked PDF.
_PDF_ERRORS = (PdfminerException, MalformedPDFException, PDFException, PSException, pypdfium2.PdfiumError)

# The clerk's reasons (Chinese) shared by several failures; the English beside each raise keeps the details.
_PDF_ENCRYPTED: Reason = ("PDF is encrypted (needs a password)", "PDF 已加密，请提供未加密的文件")
_PDF_DAMAGED_ZH = "PDF 文件已损坏，无法读取，请重新扫描或重新导出 PDF"
_TOO_MANY_PIXELS_ZH = "图片像素过多，超过单页上限（可能是异常文件），请以 300 dpi 左右重新扫描"
# PDFium's error codes (FPDF_GetLastError) when it cannot open a document, for the clerk.
_PDFIUM_ERRORS_ZH: dict[int, str] = {
    pypdfium2.raw.FPDF_ERR_SUCCESS: "PDF 中没有页面（或页面目录已损坏），请重新扫描或重新导出 PDF",  # opened, 0 pages
    pypdfium2.raw.FPDF_ERR_FILE: "无法打开 PDF 文件（读取文件出错），请把文件复制到本机后重试",
    pypdfium2.raw.FPDF_ERR_FORMAT: "PDF 文件已损坏（格式错误），无法打开，请重新扫描或重新导出 PDF",
    pypdfium2.raw.FPDF_ERR_SECURITY: "PDF 使用了不支持的加密方式，请提供未加密的文件",
    pypdfium2.raw.FPDF_ERR_PAGE: "PDF 的页面缺失或内容出错，无法打开，请重新扫描或重新导出 PDF",
}
# pdfminer's errors (most specific first), for the clerk.
_PDFMINER_ERRORS_ZH: tuple[tuple[type[Exception], str], ...] = (
    (PSEOF, "PDF 文件内容不完整（意外结束），可能传输中断，请重新扫描或重新获取文件"),
    (PDFNoValidXRef, "PDF 文件已损坏（缺少对象目录），无法读取，请重新扫描或重新导出 PDF"),
    (PDFSyntaxError, "PDF 文件已损坏（结构错误），无法读取，请重新扫描或重新导出 PDF"),
    (PDFNotImplementedError, "PDF 用到了不支持的功能，无法读取，请另存为普通 PDF 或重新扫描"),
)


def page_count(path: Path) -> int:
    """How many pages ``iter_pages`` will yield (a DOCX counts as 1), read from headers only."""
    kind = sniff(path)
    if kind == "pdf":
        _check_pdf_complete(path)
        try:
            doc = pypdfium2.PdfDocument(path)
        except pypdfium2.PdfiumError as exc:
            raise BadInputError(*_pdfium_reason(exc)) from exc
        except OSError as exc:
            raise BadInputError(*os_reason(exc)) from exc
        try:
            return len(doc)
        finally:
            doc.close()
    if kind == "tiff":
        try:
            with Image.open(path) as img:
                return int(getattr(img, "n_frames", 1))
        except _DECODE_ERRORS as exc:
            raise BadInputError(*_image_reason(exc, "TIFF")) from exc
    return 1


def iter_pages(path: Path, dpi: int = 300) -> Iterator[Page]:
    """The pages of a scan, lazily, upright, each a BGR uint8 H×W×3 ``Page``.

    ``dpi`` is the resolution PDF pages are rendered at; images keep their own
    (read from the file, ``dpi`` when it does not say). Raises ``BadInputError``
    for a file that cannot be read; for a bad page in the middle of a multi-page
    file, the pages before it have been yielded and the error names the page.
    A DOCX has no pages: read it with ``read_docx``.
    """
    path = Path(path)
    kind = sniff(path)
    if kind == "pdf":
        yield from _pdf_pages(path, dpi)
    elif kind in ("tiff", "image"):
        yield from _image_pages(path, dpi)
    else:
        raise BadInputError(
            "a DOCX has no page images; it is read as a table (read_docx)",
            "是 Word 文档（DOCX），应按表格读取，没有扫描页（程序调用有误，请联系维护人员）",
        )


# ---------------------------------------------------------------- PDF


def _check_pdf_complete(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - PDF_EOF_WINDOW))
            tail = fh.read()
    except OSError as exc:
        raise BadInputError(*os_reason(exc)) from exc
    if b"%%EOF" not in tail:
        raise BadInputError(
            "PDF is truncated (no end-of-file marker): the file was cut off",
            "PDF 文件不完整（缺少文件结尾），可能传输中断，请重新扫描或重新获取文件",
        )


def _pdfium_reason(exc: pypdfium2.PdfiumError) -> Reason:
    text = str(exc)
    if "password" in text.lower():
        return _PDF_ENCRYPTED
    code = getattr(exc, "err_code", None)
    return f"PDF is damaged: {text}", _PDFIUM_ERRORS_ZH.get(code if isinstance(code, int) else -1, _PDF_DAMAGED_ZH)


def _pdfminer_reason(exc: Exception) -> Reason:
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
    name = type(cause).__name__
    if "Password" in name or "Encryption" in name:
        return _PDF_ENCRYPTED
    detail = str(cause) or name
    chinese = next((zh for kind, zh in _PDFMINER_ERRORS_ZH if isinstance(cause, kind)), _PDF_DAMAGED_ZH)
    return f"PDF is damaged: {detail}", chinese


def _on_page(reason: Reason, number: int, total: int) -> Reason:
    """A reason said of one page of a multi-page file: which page, of how many."""
    english, chinese = reason
    return f"page {number} of {total}: {english}", f"第{number}页（共{total}页）：{chinese}"


def _reason_of(exc: BadInputError) -> Reason:
    # Every BadInputError raised in this package carries its Chinese; the English stands in only for typing.
    return exc.message, exc.reason_zh or exc.message


def _pdf_pages(path: Path, dpi: int) -> Iterator[Page]:
    _check_pdf_complete(path)
    try:
        pdfium_doc = pypdfium2.PdfDocument(path)  # renders the pages; PDFium says "password" plainly, pdfminer may not
    except pypdfium2.PdfiumError as exc:
        raise BadInputError(*_pdfium_reason(exc)) from exc
    except OSError as exc:
        raise BadInputError(*os_reason(exc)) from exc
    try:
        pdf = pdfplumber.open(path)
    except _PDF_ERRORS as exc:
        pdfium_doc.close()
        raise BadInputError(*_pdfminer_reason(exc)) from exc
    except OSError as exc:
        pdfium_doc.close()
        raise BadInputError(*os_reason(exc)) from exc
    try:
        try:
            pages = pdf.pages
        except _PDF_ERRORS as exc:
            raise BadInputError(*_pdfminer_reason(exc)) from exc
        if not pages:
            raise BadInputError("PDF has no pages", "PDF 中没有页面，请确认扫描是否成功后重新扫描")
        total = len(pages)
        for index, plumber_page in enumerate(pages):
            number = index + 1
            try:
                yield _pdf_page(plumber_page, pdfium_doc, path, number, dpi)
            except _PDF_ERRORS as exc:
                raise BadInputError(*_on_page(_pdfminer_reason(exc), number, total)) from exc
            except BadInputError as exc:
                raise BadInputError(*_on_page(_reason_of(exc), number, total)) from exc
            finally:
                plumber_page.close()  # drop pdfplumber's per-page caches: a 200-page stack stays small
    finally:
        _close_pdf(pdf)
        pdfium_doc.close()


def _close_pdf(pdf: pdfplumber.PDF) -> None:
    """``pdf.close()``, which lists the pages again: when that is what failed (a page's box is
    not numbers), close the file without it, so the reason already raised is the one that stands."""
    try:
        pdf.close()
    except _PDF_ERRORS:
        if not pdf.stream_is_external:
            pdf.stream.close()


def _pdf_page(plumber_page: pdfplumber.page.Page, pdfium_doc: pypdfium2.PdfDocument, path: Path, number: int, dpi: int) -> Page:
    scale = dpi / PDF_POINTS_PER_INCH
    x_origin, y_origin = plumber_page.bbox[0], plumber_page.bbox[1]
    pixels = plumber_page.width * scale * plumber_page.height * scale
    if pixels > MAX_PAGE_PIXELS:
        raise BadInputError(
            f"page is {plumber_page.width / PDF_POINTS_PER_INCH:.0f}x{plumber_page.height / PDF_POINTS_PER_INCH:.0f} in, "
            f"{pixels / 1e6:.0f} MP at {dpi} dpi, over the {MAX_PAGE_PIXELS / 1e6:.0f} MP limit",
            "页面尺寸异常（远大于 A3 纸），无法处理，请按实际纸张大小重新扫描或导出",
        )
    raw_words = [w for w in plumber_page.extract_words(keep_blank_chars=False) if w["text"].strip()]
    image = _render_bgr(pdfium_doc[number - 1], dpi)
    mode = _bgr_mode(image)
    if raw_words and not _is_scan_with_text(plumber_page):
        words = [
            Word(
                text=w["text"],
                bbox=(
                    (w["x0"] - x_origin) * scale,
                    (w["top"] - y_origin) * scale,
                    (w["x1"] - x_origin) * scale,
                    (w["bottom"] - y_origin) * scale,
                ),
            )
            for w in raw_words
        ]
        # Born digital: upright by construction (pdfplumber applies /Rotate), never re-oriented.
        return _page(image, dpi, path, number, mode, words=words, rotation=0)
    mode = _pdf_scan_mode(plumber_page) or mode
    image, degrees = upright(image)
    return _page(image, dpi, path, number, mode, rotation=degrees)


def _render_bgr(pdfium_page: pypdfium2.PdfPage, dpi: int) -> np.ndarray:
    """The page at ``dpi`` as BGR uint8, rendered as pdfplumber's ``to_image`` renders it (no
    anti-aliasing, white paper) straight into the array returned: PDFium draws into a packed buffer
    Python allocated (``PdfBitmap.new_native``), which outlives the bitmap. Going through Pillow made
    four copies of the page (PIL image, its RGB copy, the array, the BGR array), 105 MB at 300 dpi;
    a BGRX render copied out to BGR held 61 MB at once (issue 14: a worker's peak)."""
    try:
        bitmap = pdfium_page.render(
            scale=dpi / PDF_POINTS_PER_INCH, no_smoothtext=True, no_smoothpath=True, no_smoothimage=True
        )
    finally:
        pdfium_page.close()
    try:
        pixels = bitmap.to_numpy()
        if bitmap.mode == "L":
            return cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
        if bitmap.mode == "BGR" and pixels.flags.c_contiguous and pixels.flags.writeable:
            return pixels  # a view of the Python-owned buffer, which it keeps alive
        if bitmap.mode == "BGR":
            return pixels.copy()
        if bitmap.mode in ("BGRX", "BGRA"):  # opaque white fill: the fourth byte carries nothing
            return cv2.cvtColor(pixels, cv2.COLOR_BGRA2BGR)
        raise BadInputError(f"PDFium rendered an unexpected pixel format {bitmap.mode}", _PDF_DAMAGED_ZH)
    finally:
        bitmap.close()


def _is_scan_with_text(plumber_page: pdfplumber.page.Page) -> bool:
    """Whether a page with a text layer is a picture of paper with OCR text laid under it."""
    page_area = float(plumber_page.width * plumber_page.height) or 1.0
    for image in plumber_page.images:
        area = max(0.0, float(image["x1"] - image["x0"])) * max(0.0, float(image["bottom"] - image["top"]))
        if area >= SCAN_IMAGE_MIN_SHARE * page_area:
            return True
    return False


def _pdf_scan_mode(plumber_page: pdfplumber.page.Page) -> ColorMode | None:
    """The colour mode of the scan a PDF page wraps, from its image's header (rendering blurs 1-bit to gray)."""
    images = plumber_page.images
    if len(images) != 1:
        return None
    info = images[0]
    if info.get("bits") == 1 or info.get("imagemask"):
        return "bilevel"
    space = str(info.get("colorspace", ""))
    if "Gray" in space:
        return "gray"
    return None  # RGB, ICC, indexed: measure the pixels


# ---------------------------------------------------------------- images


def _image_pages(path: Path, dpi: int) -> Iterator[Page]:
    with _open_image(path) as img:
        fmt = img.format or "image"
        total = int(getattr(img, "n_frames", 1))
    del img
    for index in range(total):
        # Made in a call of its own: this generator's frame holds no page image while its consumer has
        # the page (a runner hands it to a worker process and lets it go: issue 14).
        yield _image_page(path, index, total, fmt, dpi)


def _image_page(path: Path, index: int, total: int, fmt: str, dpi: int) -> Page:
    """Frame ``index`` of ``total`` of an image file as an upright ``Page``."""
    number = index + 1
    try:
        image, frame_dpi, mode, exif_degrees = _read_frame(path, index, dpi)
    except BadInputError as exc:
        raise BadInputError(*_on_frame(_reason_of(exc), number, total)) from exc
    except _DECODE_ERRORS as exc:
        raise BadInputError(*_on_frame(_image_reason(exc, fmt), number, total)) from exc
    image, degrees = upright(image)
    return _page(image, frame_dpi, path, number, mode, rotation=(exif_degrees + degrees) % 360)


def _open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its limit; here that is a refusal like any other.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path)
    except _DECODE_ERRORS as exc:
        raise BadInputError(*_image_reason(exc, "image", image_format(path))) from exc


def _read_frame(path: Path, index: int, dpi: int) -> tuple[np.ndarray, int, ColorMode, int]:
    """Frame ``index`` of an image file as BGR at its read dpi (``dpi`` where the file says none), that
    dpi, the scan's colour mode and its EXIF turn. The file is opened for this frame alone and let go
    before the page is read: an open multi-page TIFF keeps its current frame decoded until the next
    one is (a 600-dpi colour A4 is 133 MB, held under the whole reading of the 300-dpi page made from
    it: issue 14)."""
    with _open_image(path) as img:
        if index:
            img.seek(index)
        _check_size(img.size)
        banded = _tiff_bands(img, path, index, _image_dpi(img, dpi))
        if banded is not None:
            return banded
        img.load()
        exif_degrees = _EXIF_DEGREES.get(img.getexif().get(_EXIF_ORIENTATION_TAG, 1), 0)
        turned = ImageOps.exif_transpose(img) if exif_degrees else img
        scaled, frame_dpi, full_mode = _at_read_dpi(turned, _image_dpi(img, dpi))
        if scaled is img:  # read at its own size: its pixels are the page's
            image, mode = _pil_to_bgr(img)
            return image, frame_dpi, full_mode or mode, exif_degrees
        del turned
    # A frame scaled (or turned) is a new image: the full-size frame goes before the page's copies are
    # made (133 MB for a 600-dpi colour A4, Pillow holding RGB in 4 bytes a pixel). Closing a Pillow
    # image keeps its pixels; they go with the last reference to it.
    del img
    give_back_freed()
    image, mode = _pil_to_bgr(scaled)
    return image, frame_dpi, full_mode or mode, exif_degrees


def _tiff_bands(img: Image.Image, path: Path, index: int, dpi: int) -> tuple[np.ndarray, int, ColorMode, int] | None:
    """A colour TIFF frame scanned at a whole multiple of ``READ_MAX_DPI`` decoded strip by strip into
    its page (``ingest.tiff_bands``: Pillow's pixels, without the full-size frame); None where that path
    does not apply, or its strips did not make the frame (Pillow then reads it, or says why it cannot)."""
    if img.format != "TIFF" or img.mode != "RGB" or dpi <= READ_MAX_DPI or dpi % READ_MAX_DPI:
        return None
    factor = dpi // READ_MAX_DPI
    if not band_readable(path, index, factor):
        return None
    try:
        bgr = read_reduced_bgr(path, index, factor)
    except (BandError, OSError) as exc:
        log.info("%s frame %d: read whole by Pillow (%s)", path, index + 1, exc)
        return None
    return bgr, READ_MAX_DPI, _bgr_mode(bgr), 0


def _on_frame(reason: Reason, number: int, total: int) -> Reason:
    """A reason of an image file's frame: named by page only when the file has several."""
    return _on_page(reason, number, total) if total > 1 else reason


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise BadInputError(
            f"not a page: the image is {width}x{height} pixels", "不是有效的页面：图片的宽或高为 0，请重新扫描"
        )
    if width * height > MAX_PAGE_PIXELS:
        raise BadInputError(
            f"image is {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the "
            f"{MAX_PAGE_PIXELS / 1e6:.0f} MP limit for a page (decompression bomb?)",
            _TOO_MANY_PIXELS_ZH,
        )


def _image_reason(exc: BaseException, fmt: str, signature: str | None = None) -> Reason:
    """Why Pillow could not decode an image of format ``fmt`` ("image" when Pillow could not tell);
    the Chinese names the format by the file's ``signature`` when given, so the clerk knows which file kind."""
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        english = f"image is over the {MAX_PAGE_PIXELS / 1e6:.0f} MP limit for a page (decompression bomb?)"
        return english, _TOO_MANY_PIXELS_ZH
    if isinstance(exc, PermissionError):
        return os_reason(exc)
    shown = signature or fmt
    what = "图片" if shown == "image" else f"{shown} 图片"
    if isinstance(exc, UnidentifiedImageError):
        # Pillow's message repeats the path
        return f"{fmt} cannot be decoded: not a valid image file", f"{what}无法解码：不是有效的图片文件，请重新扫描或重新导出"
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{fmt} cannot be decoded: {detail}", what + _decode_failure_zh(exc, detail)


def _decode_failure_zh(exc: BaseException, detail: str) -> str:
    """The Chinese for a decoding failure: a file cut short, or one damaged inside."""
    if isinstance(exc, EOFError) or "truncated" in detail.lower():
        return "不完整（文件被截断），可能传输中断，请重新扫描或重新获取文件"
    return "已损坏，无法解码，请重新扫描或重新获取文件"


def _at_read_dpi(img: Image.Image, dpi: int) -> tuple[Image.Image, int, ColorMode | None]:
    """A frame scanned finer than ``READ_MAX_DPI`` scaled down to it (area average, before any copy
    of it is made), its new dpi, and the colour mode of the full-size scan where averaging would
    blur it (a 1-bit or gray page's edges turn midtone); None where the scaled page tells it."""
    if dpi <= READ_MAX_DPI or img.mode not in ("1", "L", "RGB", "RGBA", "P"):
        return img, dpi, None  # 16-bit and float scans are rare enough to keep as they come
    mode: ColorMode | None = None
    if img.mode == "1":
        mode, img = "bilevel", img.convert("L")
    elif img.mode == "L":
        mode = _histogram_gray_mode(img)
    elif img.mode != "RGB":  # convert() copies even an RGB frame: 104 MB more for a 600-dpi colour A4
        img = _on_white(img).convert("RGB")
    if dpi % READ_MAX_DPI == 0:
        return img.reduce(dpi // READ_MAX_DPI), READ_MAX_DPI, mode  # whole factor: a plain box average
    size = (max(1, round(img.width * READ_MAX_DPI / dpi)), max(1, round(img.height * READ_MAX_DPI / dpi)))
    return img.resize(size, Image.Resampling.BOX), READ_MAX_DPI, mode


def _histogram_gray_mode(img: Image.Image) -> ColorMode:
    """Gray or bilevel, as ``_gray_mode`` says, from the whole frame's histogram (no copy of its pixels)."""
    hist = img.histogram()
    low, high = MIDTONE_RANGE
    midtones = sum(hist[low + 1 : high]) / max(1, sum(hist))
    return "bilevel" if midtones < MIDTONE_PIXEL_SHARE else "gray"


def _image_dpi(img: Image.Image, default: int) -> int:
    info_dpi = img.info.get("dpi")
    if info_dpi:
        try:
            value = round(float(info_dpi[0]))
        except (TypeError, ValueError, IndexError):
            return default
        # Files with no real resolution say 1 or 72; a scan is never below 100 dpi.
        if value >= 100:
            return value
    return default


# ---------------------------------------------------------------- pixels


def _pil_to_bgr(img: Image.Image) -> tuple[np.ndarray, ColorMode]:
    """Any Pillow image → BGR uint8 H×W×3 and the colour mode it came in."""
    mode = img.mode
    if mode == "1":
        gray = np.asarray(img.convert("L"))
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), "bilevel"
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        data = np.asarray(img, dtype=np.float64)
        top = float(data.max()) or 1.0
        gray = np.clip(data * (255.0 / top if top > 255 else 1.0), 0, 255).astype(np.uint8)
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _gray_mode(gray)
    if mode in ("L", "LA"):
        gray = np.asarray(_on_white(img).convert("L") if mode == "LA" else img)
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), _gray_mode(gray)
    img = _on_white(img)
    rgb = np.asarray(img if img.mode == "RGB" else img.convert("RGB"))  # convert() would copy an RGB page again
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    del rgb
    return bgr, _bgr_mode(bgr)


def _bgr_mode(bgr: np.ndarray) -> ColorMode:
    """What a BGR page holds: colour, or gray or bilevel ink (measured on every ``STATS_STRIDE``-th pixel)."""
    sample = np.ascontiguousarray(bgr[::STATS_STRIDE, ::STATS_STRIDE])
    b, g, r = sample[:, :, 0], sample[:, :, 1], sample[:, :, 2]
    # Channel by channel in uint8 (the largest minus the smallest cannot wrap): numpy's max/min along a
    # 3-long axis of an int16 copy cost 25 ms a page in the runner, beside the workers (issue 14).
    spread = np.maximum(np.maximum(b, g), r) - np.minimum(np.minimum(b, g), r)
    if float(np.mean(spread > COLOUR_SPREAD)) >= COLOUR_PIXEL_SHARE:
        return "color"
    return _sampled_gray_mode(cv2.cvtColor(sample, cv2.COLOR_BGR2GRAY))


def _on_white(img: Image.Image) -> Image.Image:
    """Transparent parts become paper white, not black."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img


def _gray_mode(gray: np.ndarray) -> ColorMode:
    return _sampled_gray_mode(gray[::STATS_STRIDE, ::STATS_STRIDE])


def _sampled_gray_mode(sample: np.ndarray) -> ColorMode:
    """Gray or bilevel, from every ``STATS_STRIDE``-th pixel of a gray page."""
    low, high = MIDTONE_RANGE
    midtones = float(np.mean((sample > low) & (sample < high)))
    return "bilevel" if midtones < MIDTONE_PIXEL_SHARE else "gray"


def _page(
    image: np.ndarray,
    dpi: int,
    path: Path,
    number: int,
    mode: ColorMode,
    *,
    words: list[Word] | None = None,
    rotation: int = 0,
) -> Page:
    image = np.ascontiguousarray(image, dtype=np.uint8)
    give_back_freed()  # the decoded or rendered frame and its copies are gone: the page is all that is left
    return Page(
        image=image,
        dpi=dpi,
        source=path,
        number=number,
        color_mode=mode,
        words=words,
        rotation=rotation,
    )


# ---------------------------------------------------------------- DOCX


def read_docx(path: Path) -> DocxTable:
    """A form filled in Word, read cell by cell (never OCR'd).

    ``rows`` holds each table row's cells' texts, left to right; a merged cell
    (across columns or down rows) appears once, in the row where it starts.
    All tables of the body are read in order. ``paragraphs`` holds the body
    text after the last table (the attached detailed materials). ``images``
    holds each cell's inline pictures (a pasted seal) with their shown size.
    """
    import docx  # python-docx; imported here so page reading does not pay for it
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError  # python-docx parses with lxml

    path = Path(path)
    if sniff(path) != "docx":
        raise BadInputError("not a DOCX file", "不是 Word 文档（DOCX），无法按表格读取")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError, XMLSyntaxError) as exc:
        raise BadInputError(
            f"DOCX cannot be read: {exc}", "Word 文档（DOCX）已损坏，无法打开，请用 Word 重新保存后再放入"
        ) from exc
    rows: list[list[str]] = []
    images: dict[tuple[int, int], list[DocxImage]] = {}
    seen: set[object] = set()  # holding the elements keeps lxml's proxies (and their identity) alive
    for table in document.tables:
        for row in table.rows:
            texts: list[str] = []
            for cell in row.cells:
                element = cell._tc  # the same <w:tc> for every grid position a merged cell covers
                if element in seen:
                    continue
                seen.add(element)
                pictures = _cell_images(document, element)
                if pictures:
                    images[(len(rows), len(texts))] = pictures
                texts.append(cell.text.strip())
            if texts:
                rows.append(texts)
    if not document.tables:
        raise BadInputError(
            "DOCX has no table: not a filled form",
            "Word 文档中没有表格，不是填写好的推荐表，请放入填写后的推荐表",
        )
    paragraphs = _paragraphs_after_last_table(document)
    return DocxTable(rows=rows, paragraphs=paragraphs, images=images)


# One millimetre in the English Metric Units of DrawingML (914400 per inch).
EMU_PER_MM = 36000


def _cell_images(document: DocxDocument, tc: Any) -> list[DocxImage]:
    """The pictures drawn in one table cell (``<w:drawing>``), with the size they are shown at."""
    out: list[DocxImage] = []
    for drawing in tc.xpath(".//w:drawing"):
        extent = drawing.xpath(".//wp:extent")
        width_mm = height_mm = None
        if extent:
            try:
                width_mm = int(extent[0].get("cx")) / EMU_PER_MM
                height_mm = int(extent[0].get("cy")) / EMU_PER_MM
            except (TypeError, ValueError):
                width_mm = height_mm = None
        for rid in drawing.xpath(".//a:blip/@r:embed"):
            part = document.part.related_parts.get(str(rid))
            blob = getattr(part, "blob", None)
            if blob:
                out.append(DocxImage(data=bytes(blob), width_mm=width_mm, height_mm=height_mm))
    return out


def _paragraphs_after_last_table(document: DocxDocument) -> list[str]:
    body = document.element.body
    tables = body.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tbl")
    last = tables[-1]
    texts: list[str] = []
    after = False
    for child in body.iterchildren():
        if child is last:
            after = True
            continue
        if after and child.tag.endswith("}p"):
            text = "".join(t.text or "" for t in child.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))
            if text.strip():
                texts.append(text.strip())
    return texts
