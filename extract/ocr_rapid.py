"""RapidOCR's PP-OCRv4 models as an engine: a page is detection + recognition, a line recognition alone.

Whole pages go through detection (on the page shrunk to ``RAPID_DET_MAX_SIDE``) and
recognition of the line crops of the full-resolution page; short cropped lines through
recognition alone (per-crop detection upscales small crops and is slower and worse).
The sessions are :mod:`extract.ocr_models`', loaded once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from extract.ocr_boxes import crop_quad
from extract.ocr_models import models
from extract.ocr_text import PAD_PX, OcrBox, OcrText, blank_crop, boxes_to_text, gray_of, normalize_text, pad_white
from forms.errors import OcrError

# Detection runs on the page shrunk to this longest side: ~106 dpi for A4, where 10.5 pt
# text is ~15 px high. Measured with bench.accuracy (14 sample forms, 42 pages) against the
# earlier 1750 (~150 dpi): character error 0.17 % → 0.13 % on degraded scans, 0.07 % → 0 on
# clean ones, short fields all exact in both, half the detector's CPU and activations.
# Recognition reads crops of the full-resolution page.
RAPID_DET_MAX_SIDE = 1240
# Recognised lines below this score are dropped (RapidOCR's own default).
RAPID_TEXT_SCORE = 0.5
# Recognition-only input is 48 px high; a line crop taller than this factor of
# its ink height is trimmed to the ink first.
LINE_TRIM_MARGIN = 0.25
# Darker than this is ink when a line crop is trimmed to its ink.
INK_LEVEL = 160
# A detected line of prose is narrowed to this share of its width before recognition: the
# recogniser's CPU goes with its input's width (~6 CTC steps a character at the line's own aspect;
# 4.8 still part every character). Measured on 1234 page lines (42 pages: 4 fresh forms of rob seed
# 7106 and 6 sample forms): recognition 1.22 -> 0.99 CPU s/page, 0.3 % of characters read otherwise.
REC_SQUEEZE = 0.8
# Only lines at least this many line heights long are narrowed (prose and long values, ~86 % of the
# recogniser's input); a short value (a date, a phone number, a name, a TRL digit) is read as it
# stands, where one character read otherwise changes the field.
SQUEEZE_MIN_RATIO = 10.0


def trim_to_ink(img: np.ndarray) -> np.ndarray:
    """A line image, gray, cropped to its ink rows and columns plus a margin (recognition wants a tight line)."""
    g = gray_of(img)
    ink = g < INK_LEVEL
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return g
    h = rows[-1] - rows[0] + 1
    m = max(2, int(h * LINE_TRIM_MARGIN))
    y0, y1 = max(0, rows[0] - m), min(g.shape[0], rows[-1] + 1 + m)
    x0, x1 = max(0, cols[0] - m), min(g.shape[1], cols[-1] + 1 + m)
    return g[y0:y1, x0:x1]


def narrowed(line: np.ndarray) -> np.ndarray:
    """A detected line crop for recognition: a long one narrowed to ``REC_SQUEEZE`` of its width."""
    h, w = line.shape[:2]
    if h == 0 or w < SQUEEZE_MIN_RATIO * h:
        return line
    return cv2.resize(line, (max(1, round(w * REC_SQUEEZE)), h), interpolation=cv2.INTER_AREA)


def _bbox(quad: np.ndarray, w: int, h: int) -> tuple[int, int, int, int]:
    """A detected four-point box's enclosing rectangle, inside the ``w`` × ``h`` image."""
    xs, ys = quad[:, 0], quad[:, 1]
    return max(0, int(xs.min())), max(0, int(ys.min())), min(w, int(xs.max())), min(h, int(ys.max()))


class RapidOcrEngine:
    """RapidOCR (PP-OCRv4): page = detection + recognition, line = recognition alone.

    ``backend`` is the runtime of both models (``openvino`` | ``onnxruntime``); by default each
    model runs on its own (``ocr_models.DET_BACKENDS``, ``REC_BACKENDS``).
    """

    name = "rapidocr"
    page_level = True  # one detection pass over the page, boxes assigned to cells

    def __init__(self, backend: str | None = None) -> None:
        self.backend = backend

    def _detect_and_read(self, img: np.ndarray, wanted: Callable[[tuple[int, int, int, int]], bool] | None = None) -> list[OcrBox]:
        """Detection on the page shrunk to ``RAPID_DET_MAX_SIDE``, recognition on line crops
        cut from the full-resolution image (pages arrive upright: no angle classifier); only the
        boxes ``wanted`` accepts are recognised."""
        m = models(self.backend)
        gray = gray_of(img)
        h, w = gray.shape[:2]
        try:
            found = m.detect(gray, min(1.0, RAPID_DET_MAX_SIDE / max(h, w)))
            boxes = [(q, _bbox(q, w, h)) for q in found]
            if wanted is not None:
                boxes = [(q, b) for q, b in boxes if wanted(b)]
            rec = m.recognize([narrowed(crop_quad(gray, q)) for q, _ in boxes])
        except (ValueError, cv2.error) as exc:
            raise OcrError(f"RapidOCR failed: {exc}") from exc
        return [OcrBox(normalize_text(text), bbox, score)
                for (_, bbox), (text, score) in zip(boxes, rec, strict=True) if score >= RAPID_TEXT_SCORE]

    def detect_lines(self, img: np.ndarray, wanted: Callable[[tuple[int, int, int, int]], bool] | None = None) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
        """Detection alone: each text line's four-point box and its enclosing rectangle, in page
        pixels (the page shrunk to ``RAPID_DET_MAX_SIDE`` first, as ``read_page`` does); only the
        boxes ``wanted`` accepts. :meth:`read_lines` recognises the ones a caller wants read."""
        if img.size == 0:
            raise OcrError("empty page image")
        gray = gray_of(img)
        h, w = gray.shape[:2]
        try:
            found = models(self.backend).detect(gray, min(1.0, RAPID_DET_MAX_SIDE / max(h, w)))
        except (ValueError, cv2.error) as exc:
            raise OcrError(f"RapidOCR failed: {exc}") from exc
        boxes = [(q, _bbox(q, w, h)) for q in found]
        return [(q, b) for q, b in boxes if wanted is None or wanted(b)]

    def read_lines(self, img: np.ndarray, quads: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition of detected lines (``detect_lines``' boxes) of the page they were found on,
        in one width-batched run; a line scoring under ``RAPID_TEXT_SCORE`` reads as ``("", score)``
        (``read_page`` drops it)."""
        if not quads:
            return []
        gray = gray_of(img)
        try:
            rec = models(self.backend).recognize([narrowed(crop_quad(gray, q)) for q in quads])
        except (ValueError, cv2.error) as exc:
            raise OcrError(f"RapidOCR failed: {exc}") from exc
        return [(normalize_text(text) if score >= RAPID_TEXT_SCORE else "", score) for text, score in rec]

    def recognize(self, lines: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition alone on already cropped single lines, batched by width."""
        if not lines:
            return []
        try:
            res = models(self.backend).recognize([trim_to_ink(im) for im in lines])
        except (ValueError, cv2.error) as exc:
            raise OcrError(f"RapidOCR failed: {exc}") from exc
        return [(normalize_text(text), score) for text, score in res]

    def read_alternatives(self, img: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """One cropped line read alone: each character read, with the recogniser's ``k`` likeliest
        characters at its place and their probabilities (the read one first); [] for a blank crop."""
        if blank_crop(img):
            return []
        try:
            steps = models(self.backend).alternatives(trim_to_ink(img), k)
        except (ValueError, cv2.error) as exc:
            raise OcrError(f"RapidOCR failed: {exc}") from exc
        return [[(normalize_text(ch) or ch, p) for ch, p in step] for step in steps]

    def read_line(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if blank_crop(img):
            return OcrText("", 0.0)
        text, conf = self.recognize([img])[0]
        h, w = img.shape[:2]
        return OcrText(text, conf, [OcrBox(text, (0, 0, w, h), conf)])

    def read_block(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if blank_crop(img):
            return OcrText("", 0.0)
        boxes = self._detect_and_read(pad_white(img))
        boxes = [OcrBox(b.text, (b.bbox[0] - PAD_PX, b.bbox[1] - PAD_PX, b.bbox[2] - PAD_PX, b.bbox[3] - PAD_PX), b.confidence) for b in boxes]
        return boxes_to_text(boxes)

    def read_page(self, img: np.ndarray, wanted: Callable[[tuple[int, int, int, int]], bool] | None = None) -> list[OcrBox]:
        if img.size == 0:
            raise OcrError("empty page image")
        return self._detect_and_read(img, wanted)

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        if not line:
            return [self.read_block(im, lang_hint) for im in imgs]
        out = [OcrText("", 0.0) for _ in imgs]
        todo = [i for i, im in enumerate(imgs) if not blank_crop(im)]
        for i, (text, conf) in zip(todo, self.recognize([imgs[i] for i in todo]), strict=True):
            h, w = imgs[i].shape[:2]
            out[i] = OcrText(text, conf, [OcrBox(text, (0, 0, w, h), conf)])
        return out
