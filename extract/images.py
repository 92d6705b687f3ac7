"""Small images a page reading carries: PNG crops of the value cells for the reports, and a
JPEG preview of a form page for the review screen.

Neither is the page image itself (a reading is cached and shipped to workers): a crop is
downscaled to ``CROP_DPI`` and kept as few colours as stay legible; its bbox stays in page
pixels at the read dpi.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from extract.marks.color import has_colour_ink, is_gray_bgr
from extract.preprocess import to_gray
from extract.reading import PageReading
from ingest.page import Page

# Crops kept for the reports are downscaled to this resolution: body text (~13 px a character)
# and figures like 94.9% stay readable at 100 % zoom; a long section is ~550×580 px.
CROP_DPI = 120
# A crop without coloured ink is one gray channel with this many levels: anti-aliased strokes stay
# smooth, and paper grain (which made a long section's colour PNG ~600 KB) stops costing bytes.
CROP_GRAY_LEVELS = 16
# A crop with coloured ink is a palette PNG of this many colours: seal red, pen blue, black, paper
# and their blends.
CROP_PALETTE_COLOURS = 32
# The whole-page preview the review screen draws the flagged boxes on is downscaled to this
# resolution: body text (~15 px high at 100 dpi) stays readable at screen size, and an A4
# page is ~110-200 KB as JPEG (gray paper grain and dense 1-bit text cost the most).
PREVIEW_DPI = 100
# JPEG quality of the previews: 1-bit text at 100 dpi reads as well as at 80, ~13% smaller.
PREVIEW_JPEG_QUALITY = 75
# The kinds of page that get a preview: the form's own pages, the ones the screen shows
# (blank pages, attachments and pages of something else are never drawn on).
PREVIEW_KINDS = ("first", "continuation")
# How a gray crop's PNG is compressed: zlib's run-length strategy at its highest level. A crop of 16
# levels is mostly runs of paper; on the committed batch's 208 gray crops (17.5 Mpx) it wrote 2.7 MB
# in 0.21 CPU s where the default strategy at level 9 wrote 2.9 MB in 5.3 s (issue 14: 26 ms a crop,
# 0.1-0.2 CPU s a page); the pixels are the same.
CROP_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 9, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]


def crop_png(img: np.ndarray, dpi: int, to_dpi: int) -> bytes:
    """A PNG of ``img`` scaled from ``dpi`` to ``to_dpi`` (never up), as small as it stays legible:
    one gray channel of ``CROP_GRAY_LEVELS`` levels unless it holds coloured ink, else a palette of
    ``CROP_PALETTE_COLOURS`` colours (a seal stays red)."""
    if img.size == 0:
        return b""
    f = min(1.0, to_dpi / max(1, dpi))
    small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img
    out_dpi = max(1, round(dpi * f))
    if small.ndim == 3 and has_colour_ink(small, out_dpi):
        rgb = Image.fromarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        buffer = io.BytesIO()
        rgb.quantize(CROP_PALETTE_COLOURS).save(buffer, "PNG", optimize=True)
        return buffer.getvalue()
    gray = to_gray(small)
    step = 256 // CROP_GRAY_LEVELS
    levels = np.minimum(255, (gray // step) * (255 // (CROP_GRAY_LEVELS - 1))).astype(np.uint8)
    ok, buf = cv2.imencode(".png", levels, CROP_PNG_PARAMS)
    return buf.tobytes() if ok else b""


def preview_jpeg(img: np.ndarray, dpi: int, color_mode: str = "color") -> bytes:
    """The whole page as a JPEG at ``PREVIEW_DPI`` (never scaled up).

    A gray or 1-bit scan (or a page with no colour in it) is one gray channel; a 1-bit page's
    strokes come out anti-aliased by the area average, not broken up by skipped pixels.
    """
    if img.size == 0:
        return b""
    f = min(1.0, PREVIEW_DPI / max(1, dpi))
    small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img
    if small.ndim == 3 and (color_mode != "color" or is_gray_bgr(small)):
        small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)  # no colour in it
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_JPEG_QUALITY, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    return buf.tobytes() if ok else b""


def add_preview(reading: PageReading, color: np.ndarray, page: Page) -> None:
    """A form page keeps a preview of itself as prepared (the geometry its boxes and crops use)."""
    if reading.kind in PREVIEW_KINDS:
        reading.preview = preview_jpeg(color, page.dpi, page.color_mode)
