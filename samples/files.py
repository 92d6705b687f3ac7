"""Write scanned pages the way scanners and clerks store them: raster PDF, multi-page TIFF, PNG/JPEG."""

from __future__ import annotations

import calendar
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

PDF_DATE = time.gmtime(calendar.timegm((2020, 11, 21, 9, 30, 0)))  # fixed, so regenerating gives byte-identical files
PDF_JPEG_QUALITY = 55  # typical scanner "standard" preset; keeps the batch under 15 MB
TIFF_JPEG_QUALITY = 60
PNG_COLOURS = 64  # "document" PNG mode of scanner software: an adaptive palette keeps pages small


def to_pil(page: np.ndarray) -> Image.Image:
    """A scanned page as Pillow wants it: RGB, L, or 1-bit when it holds only 0 and 255."""
    if page.ndim == 3:
        return Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB))
    img = Image.fromarray(page)
    values = np.unique(page[:: max(1, page.shape[0] // 64)])
    if set(values.tolist()) <= {0, 255}:
        return img.convert("1", dither=Image.Dither.NONE)
    return img


def save_pdf(path: Path, pages: list[np.ndarray], dpi: int, quality: int = PDF_JPEG_QUALITY) -> None:
    """A raster PDF: JPEG (DCT) for colour and gray pages, CCITT G4 for 1-bit pages."""
    images = [to_pil(p) for p in pages]
    path.parent.mkdir(parents=True, exist_ok=True)
    # Pillow passes the options to every page's encoder; G4 pages refuse a JPEG quality
    opts: dict[str, object] = {} if any(im.mode == "1" for im in images) else {"quality": quality}
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi),
                   creationDate=PDF_DATE, modDate=PDF_DATE, **opts)


def save_tiff(path: Path, pages: list[np.ndarray], dpi: int) -> None:
    """A multi-page TIFF: G4 for 1-bit, JPEG-in-TIFF for colour and gray."""
    images = [to_pil(p) for p in pages]
    bilevel = images[0].mode == "1"
    path.parent.mkdir(parents=True, exist_ok=True)
    if bilevel:
        images[0].save(path, "TIFF", save_all=True, append_images=images[1:], dpi=(dpi, dpi),
                       compression="group4")
    else:
        # YCbCr with chroma subsampling, as scanners write JPEG-in-TIFF; reads back as RGB
        images = [im.convert("YCbCr") if im.mode == "RGB" else im for im in images]
        images[0].save(path, "TIFF", save_all=True, append_images=images[1:], dpi=(dpi, dpi),
                       compression="jpeg", quality=TIFF_JPEG_QUALITY)


def save_image(path: Path, page: np.ndarray, dpi: int, quality: int = 60) -> None:
    """One page as PNG or JPEG (by suffix), with its dpi recorded."""
    img = to_pil(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        img.convert("RGB" if img.mode == "RGB" else "L").save(path, "JPEG", quality=quality, dpi=(dpi, dpi))
    elif img.mode == "RGB":
        img.quantize(PNG_COLOURS, dither=Image.Dither.NONE).save(path, "PNG", dpi=(dpi, dpi), optimize=True)
    else:
        img.save(path, "PNG", dpi=(dpi, dpi), optimize=True)
