"""The page images of an archive PDF: as scanned, upright and deskewed, at the scan's resolution.

Each page comes from ``ingest`` (``iter_pages``: upright, BGR) like it did for the reading, and
is turned by the angle the reading levelled it by (``skew_deg``, with ``extract``'s ``rotate``),
so that the boxes of the reading fit it. A scanned PDF page is rendered at the resolution of the
scan inside it (a 200 dpi scan stays 200 dpi), an image file has its own.

Encoding keeps the archive no larger than the scans: a 1-bit scan is CCITT G4 (what 1-bit scanners
write), gray and colour are JPEG at the best quality of ``JPEG_QUALITIES`` whose page is no larger
than the scan's own bytes per page.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from PIL import Image

from extract.preprocess import rotate
from forms.errors import BadInputError
from ingest import orientation
from ingest.page import Page

log = logging.getLogger("paperdesk.archive")

# JPEG qualities tried in turn for a gray or colour page, best first: the first whose page is no
# larger than the scan's bytes per page is kept (75 reads like the scan; 45 still reads body text).
JPEG_QUALITIES = (75, 65, 55, 45)
# What an archive PDF carries besides its page images, taken off the scan's bytes before the pages
# share them: the subset of the CJK font its text layer is in (~85 KB measured), the text, the
# sRGB profile and PDF/A metadata.
TEXT_LAYER_BYTES = 100_000
# A 1-bit page's ink after the deskew's resampling: darker than mid-gray.
BILEVEL_THRESHOLD = 128
# Resolutions a scan inside a PDF is trusted to have (a page image of 30 dpi is a thumbnail,
# one of 1200 is not a scan worth keeping at that size): outside, the reading's dpi is used.
MIN_SCAN_DPI, MAX_SCAN_DPI = 100, 600
# Below this the reading did not turn the page (extract.preprocess.MIN_SKEW_DEG).
MIN_TURN_DEG = 0.01

PageSource = Callable[[Path, int], Iterator[Page]]


@dataclass
class PageImage:
    """One archive page: the encoded image and its size in pixels and dpi."""

    data: bytes
    width: int
    height: int
    dpi: int


def scan_dpi(path: Path, read_dpi: int) -> int:
    """The resolution of the scan inside a PDF (its first page's largest image), else ``read_dpi``."""
    try:
        with pdfplumber.open(path) as pdf:
            page = pdf.pages[0]
            images = sorted(page.images, key=lambda im: float(im["width"]) * float(im["height"]), reverse=True)
            if not images or not images[0].get("srcsize"):
                return read_dpi
            pixels_wide = float(images[0]["srcsize"][0])
            inches_wide = float(images[0]["width"]) / 72.0
    except (OSError, PDFSyntaxError, IndexError, KeyError, TypeError, ValueError) as exc:
        log.debug("scan resolution of %s unknown (%s): rendering at %d dpi", path, exc, read_dpi)
        return read_dpi
    dpi = round(pixels_wide / inches_wide) if inches_wide > 0 else read_dpi
    return dpi if MIN_SCAN_DPI <= dpi <= MAX_SCAN_DPI else read_dpi


def render(path: Path, kind: str, numbers: list[int], read_dpi: int, source: PageSource) -> dict[int, Page]:
    """The pages ``numbers`` of one input, upright, at the scan's resolution."""
    dpi = scan_dpi(path, read_dpi) if kind == "pdf" else read_dpi
    wanted = set(numbers)
    found: dict[int, Page] = {}
    try:
        for page in source(path, dpi):
            if page.number in wanted:
                found[page.number] = page
            if len(found) == len(wanted):
                break
    except BadInputError as exc:
        log.warning("%s: pages after %d cannot be rendered for the archive: %s", path, len(found), exc)
    return found


def encode(page: Page, skew_deg: float, budget: int | None, turned: int = 0) -> PageImage:
    """The page turned as the reading turned it (a quarter-turn multiple ``turned`` extract applied
    after ingest, then ``skew_deg``) and encoded (see the module docstring)."""
    image = orientation.rotate(page.image, turned) if turned else page.image
    if page.words is None and abs(skew_deg) >= MIN_TURN_DEG:
        image = rotate(image, skew_deg)
    h, w = image.shape[:2]
    dpi = (page.dpi, page.dpi)
    if page.color_mode == "bilevel":
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        bw = Image.fromarray(np.where(gray >= BILEVEL_THRESHOLD, 255, 0).astype(np.uint8)).convert("1")
        buf = io.BytesIO()
        bw.save(buf, "TIFF", compression="group4", dpi=dpi)
        return PageImage(buf.getvalue(), w, h, page.dpi)
    if page.color_mode == "gray":
        picture = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    else:
        picture = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    data = b""
    for quality in JPEG_QUALITIES:
        buf = io.BytesIO()
        picture.save(buf, "JPEG", quality=quality, dpi=dpi, optimize=True)
        data = buf.getvalue()
        if budget is None or len(data) <= budget:
            break
    return PageImage(data, w, h, page.dpi)
