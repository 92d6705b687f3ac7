"""The one wrapper around the OCR engines (STYLE.md §3): what the reading flow imports.

Nothing else in paperdesk imports ``pytesseract``, ``openvino``, ``onnxruntime`` or
RapidOCR's models; they live in this module's parts:

- :mod:`extract.ocr_text`: normalised text, boxes, :func:`boxes_to_text`;
- :mod:`extract.ocr_tesseract`: ``tesseract``, Tesseract 5 (``chi_sim``; ``chi_sim+eng``
  for e-mail and phone) through pytesseract, every cell of a page in one process;
- :mod:`extract.ocr_rapid` and :mod:`extract.ocr_models`: ``rapidocr``, PP-OCRv4
  detection + recognition (models inside the rapidocr-onnxruntime wheel, never
  downloaded) on OpenVINO or ONNX Runtime, one set of sessions per process;
- here: ``hybrid``, RapidOCR for lines (short fields) and whole pages, Tesseract only
  where the caller asks for a second opinion; a fake engine for unit tests.

Every text leaving these modules went through :func:`normalize_text`.
Boxes are ``(x0, y0, x1, y1)`` integer pixels of the image passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from extract.ocr_rapid import RapidOcrEngine
from extract.ocr_tesseract import TesseractEngine, probe_tesseract
from extract.ocr_text import OcrBox, OcrText, boxes_to_text, join_lines, normalize_text
from forms.errors import ConfigError

__all__ = [
    "ENGINE_NAMES", "BoxFilter", "FakeOcrEngine", "HybridEngine", "OcrBox", "OcrEngine", "OcrText", "RapidOcrEngine",
    "TesseractEngine", "boxes_to_text", "get_engine", "join_lines", "line_reader", "normalize_text", "probe_tesseract",
]

# Which detected boxes of a page to recognise, by their (x0, y0, x1, y1) in page pixels.
BoxFilter = Callable[[tuple[int, int, int, int]], bool]
EngineName = str  # "tesseract" | "rapidocr" | "hybrid" | "fake"
ENGINE_NAMES = ("tesseract", "rapidocr", "hybrid")


class OcrEngine(Protocol):
    """What every engine offers. Images are BGR or gray uint8 arrays."""

    name: str
    page_level: bool  # True: read_page once and assign boxes to cells; False: read_cells per cell

    def read_line(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        """One line of text (a short field)."""
        ...

    def read_block(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        """A block of lines (a long section), lines joined by newlines."""
        ...

    def read_page(self, img: np.ndarray, wanted: BoxFilter | None = None) -> list[OcrBox]:
        """Every text box of a whole page; with ``wanted``, only the detected boxes it accepts
        (``(x0, y0, x1, y1)`` in page pixels) are recognised and returned."""
        ...

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        """Several crops at once (one process / one batch where the engine allows)."""
        ...


class HybridEngine:
    """RapidOCR for pages and short lines; Tesseract on request for a second reading.

    Measured on the sample forms (bench/accuracy.py): RapidOCR reads every
    short field right where Tesseract misreads lone digits and names, and is
    at least as good on long sections, so it leads; :meth:`second_opinion`
    runs Tesseract on the same crops so disagreeing fields get the lower
    confidence.
    """

    name = "hybrid"
    page_level = True

    def __init__(self) -> None:
        self.rapid = RapidOcrEngine()
        self.tesseract = TesseractEngine()

    def read_line(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        return self.rapid.read_line(img, lang_hint)

    def read_block(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        return self.rapid.read_block(img, lang_hint)

    def read_page(self, img: np.ndarray, wanted: BoxFilter | None = None) -> list[OcrBox]:
        return self.rapid.read_page(img, wanted)

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        return self.rapid.read_cells(imgs, lang_hint, line)

    def detect_lines(self, img: np.ndarray, wanted: BoxFilter | None = None) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
        return self.rapid.detect_lines(img, wanted)

    def read_lines(self, img: np.ndarray, quads: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        return self.rapid.read_lines(img, quads)

    def second_opinion(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = True) -> list[OcrText]:
        return self.tesseract.read_cells(imgs, lang_hint, line)

    def read_alternatives(self, img: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """RapidOCR's reading of one cropped line with its likeliest characters at each place."""
        return self.rapid.read_alternatives(img, k)


class FakeOcrEngine:
    """An engine for unit tests: returns the text you registered for a region.

    ``regions`` maps boxes ``(x0, y0, x1, y1)`` in page pixels to text. The
    fake needs to know where a crop came from, so callers pass page
    coordinates through :meth:`locate` (read_page returns the regions as
    boxes; crops are matched by their registered origin, else by size).
    """

    name = "fake"
    page_level = True

    def __init__(self, regions: dict[tuple[int, int, int, int], str] | None = None, confidence: float = 0.95) -> None:
        self.regions = dict(regions or {})
        self.confidence = confidence
        self.calls: list[str] = []
        self._origin: tuple[int, int] | None = None

    def locate(self, x0: int, y0: int) -> None:
        """The page position of the next crop's top-left corner."""
        self._origin = (x0, y0)

    def _lookup(self, img: np.ndarray) -> str:
        if self._origin is None:
            return ""
        ox, oy = self._origin
        h, w = img.shape[:2]
        hits = [
            (bx0, by0, t)
            for (bx0, by0, bx1, by1), t in self.regions.items()
            if ox <= (bx0 + bx1) / 2 < ox + w and oy <= (by0 + by1) / 2 < oy + h
        ]
        hits.sort(key=lambda t: (t[1], t[0]))
        return "\n".join(t for _, _, t in hits)

    def read_line(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        self.calls.append("line")
        text = normalize_text(self._lookup(img))
        return OcrText(text, self.confidence if text else 0.0)

    def read_block(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        self.calls.append("block")
        text = normalize_text(self._lookup(img))
        return OcrText(text, self.confidence if text else 0.0)

    def read_page(self, img: np.ndarray, wanted: BoxFilter | None = None) -> list[OcrBox]:
        self.calls.append("page")
        return [OcrBox(normalize_text(t), b, self.confidence) for b, t in self.regions.items() if wanted is None or wanted(b)]

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        self.calls.append("cells")
        return [OcrText("", 0.0) for _ in imgs]  # the fake's text lives in its page regions


_ENGINES: dict[str, OcrEngine] = {}


def get_engine(name: str) -> OcrEngine:
    """The engine called ``name`` (tesseract | rapidocr | hybrid); one instance per process."""
    if name not in ENGINE_NAMES:
        raise ConfigError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    if name not in _ENGINES:
        engine: OcrEngine
        if name == "tesseract":
            engine = TesseractEngine()
        elif name == "rapidocr":
            engine = RapidOcrEngine()
        else:
            engine = HybridEngine()
        _ENGINES[name] = engine
    return _ENGINES[name]


def line_reader(engine: OcrEngine | None) -> Callable[[np.ndarray], tuple[str, float]]:
    """``engine`` as the one-line reader the marks readers take: ``image -> (text, confidence)``;
    without an engine (a born-digital page) every line reads as nothing."""

    def ocr_line(img: np.ndarray) -> tuple[str, float]:
        if engine is None:
            return "", 0.0
        r = engine.read_line(img)
        return r.text, r.confidence

    return ocr_line
