"""A colour TIFF frame scanned finer than it is read, decoded strip by strip into the smaller page.

Pillow decodes a whole frame before it can shrink it, and holds RGB in 4 bytes a pixel: a 600-dpi
colour A4 is 139 MB (with libtiff's own buffers a reading process rose ~200 MB over its level for
it: issue 14), for a 300-dpi page of 26 MB. Here tifffile hands the frame's strips one at a time
(imagecodecs decodes them: the same libjpeg-turbo and zlib, the same pixels as Pillow's libtiff)
and each run of ``factor`` rows is box-averaged into the page as it comes, with Pillow's
``Image.reduce`` arithmetic, so the page is the pixels ``reduce`` would give, in BGR, and only a
strip or two is ever held beside it.

Only what this path reproduces exactly comes here (``band_readable``): 8-bit RGB (JPEG-coded
YCbCr too) in strips, pixel-interleaved, upright, reduced by a whole factor; anything else
(tiles, planes, 16 bits, palettes, an EXIF turn, 400 dpi) is read by Pillow as before.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

# tifffile's photometric codes this path decodes to RGB: RGB itself, and YCbCr when JPEG-coded (libjpeg
# turns it to RGB, as libtiff does for Pillow); raw subsampled YCbCr is left to Pillow.
PHOTOMETRIC_RGB = 2
PHOTOMETRIC_YCBCR = 6
COMPRESSION_JPEG = 7
# Pillow's reduce divides a box's sum with a 24-bit fixed-point multiplier (Reduce.c): the same here,
# so that a box whose mean falls on a half rounds as it does there.
_FIXED_BITS = 24
# Page rows made per numpy pass: ~2 MB of a 600-dpi colour A4's rows held at a time, a few dozen passes.
BAND_PAGE_ROWS = 64


class BandError(ValueError):
    """The strips did not make the frame (missing, out of order, short): Pillow reads it, or says why not."""


def band_readable(path: Path, index: int, factor: int) -> bool:
    """Whether frame ``index`` of the TIFF at ``path`` is one this path reads exactly (see above)."""
    if factor < 2:
        return False
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[index]
            if not isinstance(page, tifffile.TiffPage):
                return False
            photometric = int(page.photometric)
            return bool(
                not page.is_tiled
                and page.dtype == np.uint8
                and page.samplesperpixel == 3
                and int(page.planarconfig) == 1  # contiguous: R, G, B of a pixel together
                and len(page.shape) == 3
                and (photometric == PHOTOMETRIC_RGB
                     or (photometric == PHOTOMETRIC_YCBCR and int(page.compression) == COMPRESSION_JPEG))
                and int(page.tags.valueof(274, 1)) == 1  # Orientation: top-left, as stored
            )
    except (tifffile.TiffFileError, ValueError, IndexError, KeyError, OSError):
        return False  # Pillow reads it, or says why it cannot


def _divide(sums: np.ndarray, counts: np.ndarray | int) -> np.ndarray:
    """Each box's mean as Pillow's Reduce.c makes it: ``((sum + count // 2) * multiplier) >> 24`` with
    ``multiplier = (UINT32)(2**32 / (count * 256))`` (a float division, truncated); for a power-of-two
    count that is ``(sum + count // 2) >> log2(count)`` exactly, done in the sums' own width."""
    if isinstance(counts, int) and counts & (counts - 1) == 0:
        return ((sums + counts // 2) >> (counts.bit_length() - 1)).astype(np.uint8)
    c = np.asarray(counts, np.uint64)
    multipliers = (float(1 << 32) / (c.astype(np.float64) * 256.0)).astype(np.uint64)
    return (((sums.astype(np.uint64) + c // 2) * multipliers) >> _FIXED_BITS).astype(np.uint8)


def reduce_rows(rows: np.ndarray, factor: int) -> np.ndarray:
    """``rows`` (H×W×3 uint8) box-averaged by ``factor`` into ⌈H/factor⌉×⌈W/factor⌉×3 as Pillow's
    ``Image.reduce(factor)`` averages them. By 2 (a 600-dpi scan read at 300) the whole boxes are
    OpenCV's area resize, whose exact halving is ``(sum + 2) >> 2`` on 8 bits, Pillow's arithmetic,
    ~100× faster than numpy's strided sums; the edges' part-boxes and other factors are ``_box_means``."""
    if factor != 2:
        return _box_means(rows, factor)
    h, w = rows.shape[:2]
    hf, wf = h // 2, w // 2
    out = np.empty((h - hf, w - wf, 3), np.uint8)
    if hf and wf:
        out[:hf, :wf] = cv2.resize(rows[: 2 * hf, : 2 * wf], (wf, hf), interpolation=cv2.INTER_AREA)
    if w % 2:
        out[:, wf:] = _box_means(rows[:, 2 * wf :], 2)
    if h % 2:
        out[hf:] = _box_means(rows[2 * hf :], 2)
    return out


def _box_means(rows: np.ndarray, factor: int) -> np.ndarray:
    """``reduce_rows`` in numpy, for any factor: each box's sum ``_divide``d by the pixels it has."""
    h, w = rows.shape[:2]
    ho, wo = -(-h // factor), -(-w // factor)
    if (ho * factor, wo * factor) != (h, w):
        padded = np.zeros((ho * factor, wo * factor, 3), np.uint8)
        padded[:h, :w] = rows
        rows = padded
    # A box's sum fits 16 bits up to 16×16 boxes (255 × 256 = 65280), plus half the count to round.
    sums = np.zeros((ho, wo, 3), np.uint16 if factor <= 15 else np.uint32)
    for dy in range(factor):
        for dx in range(factor):
            sums += rows[dy::factor, dx::factor]
    out = _divide(sums, factor * factor)
    last_h, last_w = h - (ho - 1) * factor, w - (wo - 1) * factor  # pixels of the edge boxes' sides
    if last_w < factor:
        y_counts = np.full((ho, 1), factor)
        y_counts[-1] = last_h
        out[:, -1] = _divide(sums[:, -1], y_counts * last_w)
    if last_h < factor:
        x_counts = np.full((wo, 1), factor)
        x_counts[-1] = last_w
        out[-1] = _divide(sums[-1], x_counts * last_h)
    return out


def read_reduced_bgr(path: Path, index: int, factor: int) -> np.ndarray:
    """Frame ``index`` of the TIFF at ``path`` (``band_readable``) reduced by ``factor``, as BGR uint8.
    Raises ``BandError`` (or the decoder's own error) where its strips do not make the frame."""
    import tifffile

    try:
        return _read_reduced_bgr(path, index, factor)
    except (tifffile.TiffFileError, ValueError, RuntimeError) as exc:  # imagecodecs' decoding errors are RuntimeErrors
        if isinstance(exc, BandError):
            raise
        raise BandError(f"TIFF frame {index}: {exc}") from exc


def _read_reduced_bgr(path: Path, index: int, factor: int) -> np.ndarray:
    import tifffile

    with tifffile.TiffFile(path) as tif:
        page = tif.pages[index]
        if not isinstance(page, tifffile.TiffPage):
            raise BandError(f"TIFF frame {index} is not a page of its own")
        height, width = page.shape[:2]
        page_image = np.empty((-(-height // factor), -(-width // factor), 3), np.uint8)
        band = np.empty((BAND_PAGE_ROWS * factor, width, 3), np.uint8)  # the frame's rows of the next page rows
        filled = made = seen = 0

        def flush(rows: int) -> None:
            nonlocal made
            reduced = reduce_rows(band[:rows], factor)
            page_image[made : made + len(reduced)] = cv2.cvtColor(reduced, cv2.COLOR_RGB2BGR)
            made += len(reduced)

        for data, where, _ in page.segments():
            if data is None or where[2] != seen:
                raise BandError(f"TIFF frame {index}: strip at row {where[2]} missing or out of order")
            strip = data[0, : min(data.shape[1], height - seen), :width]
            seen += len(strip)
            at = 0
            while at < len(strip):
                take = min(len(band) - filled, len(strip) - at)
                band[filled : filled + take] = strip[at : at + take]
                filled, at = filled + take, at + take
                if filled == len(band):
                    flush(filled)
                    filled = 0
        if filled:
            flush(filled)
    if seen != height or made != len(page_image):
        raise BandError(f"TIFF frame {index}: its strips gave {seen} of {height} rows")
    return page_image
