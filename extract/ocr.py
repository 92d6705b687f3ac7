"""The one wrapper around the OCR engines (STYLE.md §3).

Nothing else in paperdesk imports ``pytesseract`` or ``rapidocr_onnxruntime``.
Two engines sit behind one interface, :class:`OcrEngine`:

- ``tesseract``: Tesseract 5 (``chi_sim``; ``chi_sim+eng`` for e-mail and
  phone) through pytesseract. One process per call costs ~0.12 s of CPU, so
  :meth:`TesseractEngine.read_cells` stacks every cell of a page into one image
  and runs one process for all of them.
- ``rapidocr``: RapidOCR (PP-OCRv4 detection + recognition, models inside the
  wheel, never downloaded), one lazily built instance per process. Whole pages
  go through detection (on the page shrunk to ~150 dpi) + recognition (on line
  crops of the full-resolution page); short cropped lines through recognition
  alone (per-crop detection upscales small crops and is slower and worse).
- ``hybrid``: RapidOCR for lines (short fields) and whole pages, Tesseract only
  where the caller asks for a second opinion.

Every text leaving this module went through :func:`normalize_text`.
Boxes are ``(x0, y0, x1, y1)`` integer pixels of the image passed in.
"""

from __future__ import annotations

import re
import subprocess
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import cv2
import numpy as np

from forms.errors import ConfigError, MissingDependencyError, OcrError

EngineName = str  # "tesseract" | "rapidocr" | "hybrid" | "fake"
ENGINE_NAMES = ("tesseract", "rapidocr", "hybrid")

TESSERACT_INSTALL = "Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim"
CHI_SIM_INSTALL = "Tesseract has no chi_sim language: apt-get install tesseract-ocr-chi-sim"

# A page through Tesseract takes ~5 s of CPU at 300 dpi; 20x that means it hung.
TESSERACT_TIMEOUT_S = 120
# Base options: keep the spaces Tesseract saw (we remove the ones between CJK
# characters ourselves, latin words keep theirs).
TESSERACT_CONFIG = "-c preserve_interword_spaces=1"
# Tesseract psm: 7 = one text line, 6 = one uniform block, 11 = sparse text (a whole form page).
PSM_LINE, PSM_BLOCK, PSM_SPARSE = 7, 6, 11
# White band between stacked cells in one Tesseract run: more than a line gap,
# so no two cells' lines merge, small enough to keep the image short.
STACK_GAP_PX = 40
# White margin around a crop: Tesseract drops glyphs that touch the image edge.
PAD_PX = 12
# RapidOCR's own limit on an image's longest side (it shrinks larger ones before
# detection and recognition); pages are shrunk for detection by us (below).
RAPID_MAX_SIDE = 4000
# Detection runs on the page shrunk to this longest side: ~150 dpi for A4, where 10.5 pt
# text is ~22 px high, which the DB detector finds as well as at 200 dpi (same boxes on the
# sample pages) at ~1/3 of the CPU. Recognition reads crops of the full-resolution page.
RAPID_DET_MAX_SIDE = 1750
# Recognised lines below this score are dropped (RapidOCR's own default).
RAPID_TEXT_SCORE = 0.5
# Pages run in parallel worker processes (one per core), so each ONNX session
# uses one thread; more would oversubscribe the cores.
RAPID_THREADS = 1
# Recognition-only input is 48 px high; a line crop taller than this factor of
# its ink height is trimmed to the ink first.
LINE_TRIM_MARGIN = 0.25

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
    (0x3040, 0x30FF),
    (0x2E80, 0x2FDF),
)
# Kept full-width: NFKC would turn them into ASCII, and the form prints them full-width.
_KEEP_FULLWIDTH = set("，。：；！？（）【】《》“”‘’、…—·～")
# Half-width punctuation next to a CJK character is a misread of its full-width form.
_TO_FULLWIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_ALWAYS_FULLWIDTH = {"(": "（", ")": "）"}
# Shapes OCR engines give for characters the form prints otherwise.
_MISREADS = {"丶": "、", "﹑": "、", "〈": "（", "〉": "）"}


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def normalize_text(text: str) -> str:
    """Normalise OCR output: NFKC where safe, full-width brackets, 丶→、, no space between CJK.

    Full-width letters and digits become ASCII; the form's full-width
    punctuation stays full-width; a half-width comma/colon… next to a CJK
    character becomes full-width; runs of whitespace between CJK characters
    vanish and elsewhere become one space.
    """
    chars = [ch if ch in _KEEP_FULLWIDTH else unicodedata.normalize("NFKC", ch) for ch in text]
    s = "".join(_MISREADS.get(c, c) for c in "".join(chars))
    s = "".join(_ALWAYS_FULLWIDTH.get(c, c) for c in s)
    # Whitespace: drop where a CJK character is on either side, else one space.
    parts = re.split(r"(\s+)", s)
    res: list[str] = []
    for i, p in enumerate(parts):
        if p and p.isspace():
            before = parts[i - 1][-1:] if i > 0 else ""
            after = parts[i + 1][:1] if i + 1 < len(parts) else ""
            if not before or not after or _is_cjk(before) or _is_cjk(after):
                continue
            res.append(" ")
        else:
            res.append(p)
    s = "".join(res).strip()
    out: list[str] = []
    for i, c in enumerate(s):
        if c in _TO_FULLWIDTH:
            prev = s[i - 1] if i > 0 else ""
            nxt = s[i + 1] if i + 1 < len(s) else ""
            if (prev and _is_cjk(prev)) or (nxt and _is_cjk(nxt)):
                c = _TO_FULLWIDTH[c]
        out.append(c)
    return "".join(out)


@dataclass
class OcrBox:
    """One text box: a word (Tesseract) or a line (RapidOCR), in pixels of the image read."""

    text: str
    bbox: tuple[int, int, int, int]
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "bbox": list(self.bbox), "confidence": self.confidence}


@dataclass
class OcrText:
    """Text read from one crop, its confidence (0-1) and the boxes it came from."""

    text: str
    confidence: float
    boxes: list[OcrBox] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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

    def read_page(self, img: np.ndarray) -> list[OcrBox]:
        """Every text box of a whole page."""
        ...

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        """Several crops at once (one process / one batch where the engine allows)."""
        ...


def _gray(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img


def _pad(img: np.ndarray, px: int = PAD_PX) -> np.ndarray:
    return cv2.copyMakeBorder(_gray(img), px, px, px, px, cv2.BORDER_CONSTANT, value=255)


def _blank(img: np.ndarray) -> bool:
    """No ink at all (an empty crop is read as empty text, not sent to an engine)."""
    if img.size == 0 or min(img.shape[:2]) < 4:
        return True
    g = _gray(img)
    return bool(int(g.min()) > 200 or (g < 128).sum() < 3)


def join_lines(lines: Sequence[str]) -> str:
    """Lines of one cell joined: a CJK form wraps mid-word, so no space unless two latin words meet."""
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and ln[0].isascii() and ln[0].isalpha():
            out += " "
        out += ln
    return out


def _join_confidence(parts: Sequence[tuple[str, float]]) -> float:
    """Character-weighted mean confidence of pieces of text."""
    total = sum(len(t) for t, _ in parts)
    if total == 0:
        return 0.0
    return float(sum(len(t) * c for t, c in parts) / total)


# --------------------------------------------------------------------------- Tesseract


def probe_tesseract() -> str:
    """Tesseract's version; raises MissingDependencyError (one line) without it or chi_sim."""
    import pytesseract

    try:
        version = str(pytesseract.get_tesseract_version())
        langs = pytesseract.get_languages(config="")
    except pytesseract.TesseractNotFoundError as exc:
        raise MissingDependencyError(TESSERACT_INSTALL) from exc
    except (OSError, pytesseract.TesseractError) as exc:
        raise MissingDependencyError(f"{TESSERACT_INSTALL} ({exc})") from exc
    if "chi_sim" not in langs:
        raise MissingDependencyError(CHI_SIM_INSTALL)
    return version


def _lang(lang_hint: str) -> str:
    return lang_hint if lang_hint in ("chi_sim", "chi_sim+eng", "eng") else "chi_sim"


class TesseractEngine:
    """Tesseract through pytesseract; word confidences averaged into a confidence."""

    name = "tesseract"
    page_level = False  # reads cell by cell (stacked), not the whole page

    def __init__(self, timeout_s: int = TESSERACT_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s

    def _data(self, img: np.ndarray, lang: str, psm: int) -> dict[str, list[Any]]:
        import pytesseract

        try:
            data: dict[str, list[Any]] = pytesseract.image_to_data(
                img,
                lang=lang,
                config=f"--psm {psm} {TESSERACT_CONFIG}",
                output_type=pytesseract.Output.DICT,
                timeout=self.timeout_s,
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise MissingDependencyError(TESSERACT_INSTALL) from exc
        except pytesseract.TesseractError as exc:
            raise OcrError(f"Tesseract failed: {str(exc.message).strip()[:200]}") from exc
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise OcrError(f"Tesseract timed out after {self.timeout_s} s") from exc
        except (subprocess.CalledProcessError, OSError) as exc:  # the binary crashed or cannot run
            raise OcrError(f"Tesseract failed: {exc}") from exc
        return data

    @staticmethod
    def _lines(data: dict[str, list[Any]], dx: int = 0, dy: int = 0) -> list[tuple[tuple[int, int, int], list[OcrBox]]]:
        """Words grouped by (block, paragraph, line), in reading order."""
        lines: dict[tuple[int, int, int], list[OcrBox]] = {}
        for i, word in enumerate(data["text"]):
            word = str(word)
            conf = float(data["conf"][i])
            if not word.strip() or conf < 0:
                continue
            x, y, w, h = (int(data[k][i]) for k in ("left", "top", "width", "height"))
            key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
            lines.setdefault(key, []).append(OcrBox(word, (x + dx, y + dy, x + w + dx, y + h + dy), conf / 100.0))
        return sorted(lines.items(), key=lambda kv: (min(b.bbox[1] for b in kv[1]), kv[0]))

    @staticmethod
    def _text(lines: Sequence[Sequence[OcrBox]]) -> OcrText:
        boxes = [b for line in lines for b in line]
        raw = join_lines([normalize_text(" ".join(b.text for b in line)) for line in lines])
        conf = _join_confidence([(b.text, b.confidence) for b in boxes])
        return OcrText(normalize_text(raw), conf, boxes)

    def read_line(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if _blank(img):
            return OcrText("", 0.0)
        data = self._data(_pad(img), _lang(lang_hint), PSM_LINE)
        return self._text([ln for _, ln in self._lines(data, -PAD_PX, -PAD_PX)])

    def read_block(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if _blank(img):
            return OcrText("", 0.0)
        data = self._data(_pad(img), _lang(lang_hint), PSM_BLOCK)
        return self._text([ln for _, ln in self._lines(data, -PAD_PX, -PAD_PX)])

    def read_page(self, img: np.ndarray) -> list[OcrBox]:
        if img.size == 0:
            raise OcrError("empty page image")
        data = self._data(_gray(img), "chi_sim", PSM_SPARSE)
        out: list[OcrBox] = []
        for _, line in self._lines(data):
            raw = " ".join(b.text for b in line)
            x0 = min(b.bbox[0] for b in line)
            y0 = min(b.bbox[1] for b in line)
            x1 = max(b.bbox[2] for b in line)
            y1 = max(b.bbox[3] for b in line)
            conf = _join_confidence([(b.text, b.confidence) for b in line])
            out.append(OcrBox(normalize_text(raw), (x0, y0, x1, y1), conf))
        return out

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        """All crops stacked into one image, one Tesseract process; words go back by position."""
        results = [OcrText("", 0.0) for _ in imgs]
        todo = [i for i, im in enumerate(imgs) if not _blank(im)]
        if not todo:
            return results
        if len(todo) == 1:
            i = todo[0]
            results[i] = self.read_line(imgs[i], lang_hint) if line else self.read_block(imgs[i], lang_hint)
            return results
        padded = [_pad(imgs[i]) for i in todo]
        width = max(p.shape[1] for p in padded)
        spans: list[tuple[int, int]] = []
        rows: list[np.ndarray] = []
        y = 0
        for p in padded:
            canvas = np.full((p.shape[0], width), 255, np.uint8)
            canvas[:, : p.shape[1]] = p
            rows.append(canvas)
            spans.append((y, y + p.shape[0]))
            y += p.shape[0]
            rows.append(np.full((STACK_GAP_PX, width), 255, np.uint8))
            y += STACK_GAP_PX
        stacked = np.vstack(rows)
        data = self._data(stacked, _lang(lang_hint), PSM_BLOCK)
        per_cell: list[list[list[OcrBox]]] = [[] for _ in todo]
        for _, ln in self._lines(data):
            for b in ln:
                cy = (b.bbox[1] + b.bbox[3]) / 2
                for j, (y0, y1) in enumerate(spans):
                    if y0 <= cy < y1:
                        moved = OcrBox(b.text, (b.bbox[0] - PAD_PX, b.bbox[1] - y0 - PAD_PX, b.bbox[2] - PAD_PX, b.bbox[3] - y0 - PAD_PX), b.confidence)
                        cell_lines = per_cell[j]
                        if cell_lines and abs(cell_lines[-1][-1].bbox[1] - moved.bbox[1]) < 0.5 * max(1, moved.bbox[3] - moved.bbox[1]):
                            cell_lines[-1].append(moved)
                        else:
                            cell_lines.append([moved])
                        break
        for j, i in enumerate(todo):
            results[i] = self._text(per_cell[j])
        return results


# --------------------------------------------------------------------------- RapidOCR

_RAPID: Any = None
_RAPID_LOCK = threading.Lock()


def _rapid() -> Any:
    """The process's one RapidOCR instance (models load once, ~1 s)."""
    global _RAPID
    with _RAPID_LOCK:
        if _RAPID is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise MissingDependencyError(
                    "RapidOCR is not installed: pip install rapidocr-onnxruntime"
                ) from exc
            _RAPID = RapidOCR(
                max_side_len=RAPID_MAX_SIDE,
                intra_op_num_threads=RAPID_THREADS,
                inter_op_num_threads=RAPID_THREADS,
            )
        return _RAPID


def _trim_to_ink(img: np.ndarray) -> np.ndarray:
    """Crop a line image to its ink rows and columns plus a margin (recognition wants a tight line)."""
    g = _gray(img)
    ink = g < 160
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return g
    h = rows[-1] - rows[0] + 1
    m = max(2, int(h * LINE_TRIM_MARGIN))
    y0, y1 = max(0, rows[0] - m), min(g.shape[0], rows[-1] + 1 + m)
    x0, x1 = max(0, cols[0] - m), min(g.shape[1], cols[-1] + 1 + m)
    return g[y0:y1, x0:x1]


def _bgr(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img


class RapidOcrEngine:
    """RapidOCR (PP-OCRv4): page = detection + recognition, line = recognition alone."""

    name = "rapidocr"
    page_level = True  # one detection pass over the page, boxes assigned to cells

    def _detect_and_read(self, img: np.ndarray) -> list[OcrBox]:
        """Detection on the page shrunk to ``RAPID_DET_MAX_SIDE``, recognition on line crops
        cut from the full-resolution image (pages arrive upright: no angle classifier)."""
        rapid = _rapid()
        bgr = _bgr(img)
        h, w = bgr.shape[:2]
        f = min(1.0, RAPID_DET_MAX_SIDE / max(h, w))
        small = cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else bgr
        try:
            dt_boxes, _ = rapid.text_det(small)
            if dt_boxes is None or len(dt_boxes) == 0:
                return []
            quads = [np.asarray(q, np.float32) / f for q in dt_boxes]
            crops = rapid.get_crop_img_list(bgr, quads)
            rec, _ = rapid.text_rec(crops)
        except (RuntimeError, ValueError, cv2.error) as exc:
            raise OcrError(f"RapidOCR failed: {exc}") from exc
        out: list[OcrBox] = []
        for pts, res in zip(quads, rec, strict=True):
            text, score = str(res[0]), float(res[1])
            if score < RAPID_TEXT_SCORE:
                continue
            xs, ys = pts[:, 0], pts[:, 1]
            bbox = (max(0, int(xs.min())), max(0, int(ys.min())), min(w, int(xs.max())), min(h, int(ys.max())))
            out.append(OcrBox(normalize_text(text), bbox, score))
        return out

    def recognize(self, lines: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition alone on already cropped single lines, one batch."""
        if not lines:
            return []
        try:
            res, _ = _rapid().text_rec([_bgr(_trim_to_ink(im)) for im in lines])
        except (RuntimeError, ValueError, cv2.error) as exc:
            raise OcrError(f"RapidOCR failed: {exc}") from exc
        return [(normalize_text(str(r[0])), float(r[1])) for r in res]

    def read_line(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if _blank(img):
            return OcrText("", 0.0)
        text, conf = self.recognize([img])[0]
        h, w = img.shape[:2]
        return OcrText(text, conf, [OcrBox(text, (0, 0, w, h), conf)])

    def read_block(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if _blank(img):
            return OcrText("", 0.0)
        boxes = self._detect_and_read(_pad(img))
        boxes = [OcrBox(b.text, (b.bbox[0] - PAD_PX, b.bbox[1] - PAD_PX, b.bbox[2] - PAD_PX, b.bbox[3] - PAD_PX), b.confidence) for b in boxes]
        return boxes_to_text(boxes)

    def read_page(self, img: np.ndarray) -> list[OcrBox]:
        if img.size == 0:
            raise OcrError("empty page image")
        return self._detect_and_read(img)

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        if not line:
            return [self.read_block(im, lang_hint) for im in imgs]
        out = [OcrText("", 0.0) for _ in imgs]
        todo = [i for i, im in enumerate(imgs) if not _blank(im)]
        for i, (text, conf) in zip(todo, self.recognize([imgs[i] for i in todo]), strict=True):
            h, w = imgs[i].shape[:2]
            out[i] = OcrText(text, conf, [OcrBox(text, (0, 0, w, h), conf)])
        return out


def boxes_to_text(boxes: Sequence[OcrBox]) -> OcrText:
    """Line boxes in reading order (top to bottom, then left to right) joined into one text."""
    if not boxes:
        return OcrText("", 0.0)
    ordered = sorted(boxes, key=lambda b: (b.bbox[1] + b.bbox[3]) / 2)
    lines: list[list[OcrBox]] = []
    for b in ordered:
        cy = (b.bbox[1] + b.bbox[3]) / 2
        if lines:
            last = lines[-1]
            ly0 = min(x.bbox[1] for x in last)
            ly1 = max(x.bbox[3] for x in last)
            if ly0 <= cy <= ly1:
                last.append(b)
                continue
        lines.append([b])
    raw = join_lines([normalize_text(" ".join(x.text for x in sorted(line, key=lambda b: b.bbox[0]))) for line in lines])
    return OcrText(normalize_text(raw), _join_confidence([(b.text, b.confidence) for b in boxes]), list(boxes))


# --------------------------------------------------------------------------- hybrid


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

    def read_page(self, img: np.ndarray) -> list[OcrBox]:
        return self.rapid.read_page(img)

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        return self.rapid.read_cells(imgs, lang_hint, line)

    def second_opinion(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = True) -> list[OcrText]:
        return self.tesseract.read_cells(imgs, lang_hint, line)


# --------------------------------------------------------------------------- fake


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

    def read_page(self, img: np.ndarray) -> list[OcrBox]:
        self.calls.append("page")
        return [OcrBox(normalize_text(t), b, self.confidence) for b, t in self.regions.items()]

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
