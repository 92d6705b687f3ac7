"""One searchable PDF/A-2b from page images and their text layer, through OCRmyPDF as a library.

The only module that imports OCRmyPDF and img2pdf (STYLE.md §3). The recipe:

1. img2pdf wraps the page images as they are (a JPEG's bytes, a CCITT G4 TIFF's strips: no
   re-encoding, each page sized by its image's dpi) into an image-only PDF;
2. beside it, one hOCR file per page: paperdesk's own reading (``textlayer``);
3. ``ocrmypdf.ocr`` runs with this module as its OCR engine plugin (``get_ocr_engine`` →
   ``ReadingEngine``): for each page the engine hands back that page's hOCR, so Tesseract never
   runs; OCRmyPDF lays the invisible text under the image, converts to PDF/A-2b (its own
   conversion first, Ghostscript only when that is refused) and optimises losslessly.

Pages are already upright and deskewed, so OCRmyPDF's rotation, deskew and cleaning stay off.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import img2pdf
import ocrmypdf
import ocrmypdf.pdfinfo.layout
from ocrmypdf import hookimpl
from ocrmypdf.exceptions import ExitCode, ExitCodeException
from ocrmypdf.hocrtransform import BoundingBox, HocrParser, OcrElement
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence
from pdfminer.pdffont import PDFSimpleFont
from PIL import Image

from forms.errors import PaperdeskError

log = logging.getLogger("paperdesk.archive")

# Importing OCRmyPDF replaces pdfminer's PDFSimpleFont.__init__ for the whole process: a font with
# no ToUnicode and no Encoding (Helvetica in a typed PDF) then reads as (cid:72)(cid:101)…, and every
# born-digital PDF read after an archive (paperdesk watch, the tests) lost its text layer. The
# archive hands OCRmyPDF image-only pages, which its patch never concerns: pdfminer gets its own back.
PDFSimpleFont.__init__ = ocrmypdf.pdfinfo.layout.original_pdfsimplefont_init  # type: ignore[method-assign]

ENGINE_NAME = "paperdesk"
# The hOCR of page N of ``x.pdf`` is ``x.pNNNN.hocr`` beside it (N 1-based).
HOCR_NAME = "{stem}.p{number:04d}.hocr"
# PDF/A-2b: archival, with the page images as scanned (part 2 keeps JPEG, allows JBIG2/CCITT).
OUTPUT_TYPE = "pdfa-2"
# Lossless optimisation only: the page images are the scan's, recompressing them would cost detail.
OPTIMIZE_LEVEL = 1


class ArchiveError(PaperdeskError):
    """One nomination's archive PDF could not be made; the other nominations go on."""


@dataclass
class ArchivePage:
    """One page of an archive PDF: the encoded image (JPEG, or CCITT G4 TIFF for 1-bit) and its hOCR."""

    image: bytes
    hocr: str


def hocr_path(pdf: Path, number: int) -> Path:
    return pdf.with_name(HOCR_NAME.format(stem=pdf.stem, number=number))


def write_pdfa(pages: list[ArchivePage], out: Path, work_dir: Path, title: str) -> None:
    """Write ``out`` (PDF/A-2b, searchable) from ``pages``; ``work_dir`` is a private scratch folder."""
    if not pages:
        raise ArchiveError(f"{out.name}: no pages to archive")
    images_pdf = work_dir / "pages.pdf"
    try:
        images_pdf.write_bytes(img2pdf.convert([p.image for p in pages]))
    except (img2pdf.ImageOpenError, img2pdf.PdfTooLargeError, ValueError) as exc:
        raise ArchiveError(f"{out.name}: page images cannot be put in a PDF: {exc}") from exc
    for number, page in enumerate(pages, start=1):
        hocr_path(images_pdf, number).write_text(page.hocr, encoding="utf-8")
    quiet = _QuietOcrmypdf()
    # OCRmyPDF 17.13 leaves sys.stderr a StringIO once it has run (seen through the API: every later
    # line paperdesk prints would vanish); the process's streams are put back as they were.
    streams = sys.stdout, sys.stderr
    try:
        code = ocrmypdf.ocr(
            images_pdf,
            out,
            ocr_engine=ENGINE_NAME,
            plugins=[__name__],
            output_type=OUTPUT_TYPE,
            optimize=OPTIMIZE_LEVEL,
            rotate_pages=False,
            deskew=False,
            clean=False,
            language=["chi_sim"],
            title=title,
            jobs=1,
            progress_bar=False,
        )
    except ExitCodeException as exc:
        raise ArchiveError(f"{out.name}: OCRmyPDF refused it: {exc}") from exc
    finally:
        quiet.restore()
        sys.stdout, sys.stderr = streams
    if code != ExitCode.ok:
        raise ArchiveError(f"{out.name}: OCRmyPDF ended with {code.name}")


class _QuietOcrmypdf:
    """OCRmyPDF's advice (install jbig2, the output is larger than the input…) is for its own users,
    not for a clerk: while it runs, its warnings are shown only with ``-v``."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("ocrmypdf")
        self.level = self.logger.level
        if not self.logger.isEnabledFor(logging.DEBUG):
            self.logger.setLevel(logging.ERROR)

    def restore(self) -> None:
        self.logger.setLevel(self.level)


# -- the OCRmyPDF plugin ----------------------------------------------------------------------

_PAGE_FILE = re.compile(r"(\d+)")


def _scaled(element: OcrElement, fx: float, fy: float) -> None:
    if element.bbox is not None:
        b = element.bbox
        element.bbox = BoundingBox(left=b.left * fx, top=b.top * fy, right=b.right * fx, bottom=b.bottom * fy)
    for child in element.children:
        _scaled(child, fx, fy)


def _written_words(hocr_file: Path) -> list[str]:
    """The words of an hOCR file as written, in document order (the order OCRmyPDF's reader keeps)."""
    try:
        tree = ElementTree.parse(hocr_file)
    except ElementTree.ParseError:
        return []
    return [(el.text or "").strip() for el in tree.iter() if el.get("class") == "ocrx_word" and (el.text or "").strip()]


class ReadingEngine(OcrEngine):
    """An OCR engine that reads nothing: each page's text is paperdesk's reading, from its hOCR file."""

    @staticmethod
    def version() -> str:
        from paperdesk import __version__

        return __version__

    @staticmethod
    def creator_tag(options: Any) -> str:
        return f"paperdesk {ReadingEngine.version()} (text from paperdesk's own reading)"

    def __str__(self) -> str:
        return f"paperdesk reading {self.version()}"

    @staticmethod
    def languages(options: Any) -> Set[str]:
        return {"chi_sim", "eng"}

    @staticmethod
    def get_orientation(input_file: Path, options: Any) -> OrientationConfidence:
        return OrientationConfidence(angle=0, confidence=0.0)  # pages come upright

    @staticmethod
    def get_deskew(input_file: Path, options: Any) -> float:
        return 0.0  # and deskewed

    @staticmethod
    def supports_generate_ocr() -> bool:
        return True

    @staticmethod
    def generate_ocr(input_file: Path, options: Any, page_number: int = 0) -> tuple[OcrElement, str]:
        """The page's hOCR, scaled to the image OCRmyPDF rendered of it."""
        source = hocr_path(Path(options.input_file), page_number + 1)
        page = HocrParser(source).parse()
        with Image.open(input_file) as img:
            width, height = img.size
            dpi = img.info.get("dpi", (0, 0))[0] or page.dpi or 300
        if page.bbox is not None and page.bbox.width and page.bbox.height:
            _scaled(page, width / page.bbox.width, height / page.bbox.height)
        # OCRmyPDF's hOCR reader folds full-width forms (NFKC: ，（） become ,()); Chinese text keeps them.
        words = page.words
        written = _written_words(source)
        if len(written) == len(words):
            for word, text in zip(words, written, strict=True):
                word.text = text
        page.dpi = float(dpi)
        page.page_number = page_number
        text = "\n".join(line.get_text_recursive() for line in page.lines)
        return page, text

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        raise NotImplementedError("the paperdesk engine hands OCRmyPDF its pages through generate_ocr")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options: Any) -> None:
        raise NotImplementedError("the paperdesk engine hands OCRmyPDF its pages through generate_ocr")


@hookimpl
def get_ocr_engine(options: Any) -> OcrEngine | None:
    if options is not None and getattr(options, "ocr_engine", None) == ENGINE_NAME:
        return ReadingEngine()
    return None
