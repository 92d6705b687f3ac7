"""Tesseract 5 through pytesseract: the only module that imports it (STYLE.md §3).

One process per call costs ~0.12 s of CPU, so :meth:`TesseractEngine.read_cells`
stacks every cell of a page into one image and runs one process for all of them.
Tesseract's own errors (not installed, no ``chi_sim``, a crash, a timeout) become
the project's errors with one line saying why.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from extract.ocr_text import (
    PAD_PX,
    OcrBox,
    OcrText,
    blank_crop,
    gray_of,
    join_confidence,
    join_lines,
    normalize_text,
    pad_white,
)
from forms.errors import MissingDependencyError, OcrError

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
        conf = join_confidence([(b.text, b.confidence) for b in boxes])
        return OcrText(normalize_text(raw), conf, boxes)

    def read_line(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if blank_crop(img):
            return OcrText("", 0.0)
        data = self._data(pad_white(img), _lang(lang_hint), PSM_LINE)
        return self._text([ln for _, ln in self._lines(data, -PAD_PX, -PAD_PX)])

    def read_block(self, img: np.ndarray, lang_hint: str = "chi_sim") -> OcrText:
        if blank_crop(img):
            return OcrText("", 0.0)
        data = self._data(pad_white(img), _lang(lang_hint), PSM_BLOCK)
        return self._text([ln for _, ln in self._lines(data, -PAD_PX, -PAD_PX)])

    def read_page(self, img: np.ndarray, wanted: Callable[[tuple[int, int, int, int]], bool] | None = None) -> list[OcrBox]:
        """Every line of the page (``wanted`` filters them after the fact: Tesseract reads the page as one)."""
        if img.size == 0:
            raise OcrError("empty page image")
        data = self._data(gray_of(img), "chi_sim", PSM_SPARSE)
        out: list[OcrBox] = []
        for _, line in self._lines(data):
            raw = " ".join(b.text for b in line)
            x0 = min(b.bbox[0] for b in line)
            y0 = min(b.bbox[1] for b in line)
            x1 = max(b.bbox[2] for b in line)
            y1 = max(b.bbox[3] for b in line)
            conf = join_confidence([(b.text, b.confidence) for b in line])
            if wanted is None or wanted((x0, y0, x1, y1)):
                out.append(OcrBox(normalize_text(raw), (x0, y0, x1, y1), conf))
        return out

    def read_cells(self, imgs: Sequence[np.ndarray], lang_hint: str = "chi_sim", line: bool = False) -> list[OcrText]:
        """All crops stacked into one image, one Tesseract process; words go back by position."""
        results = [OcrText("", 0.0) for _ in imgs]
        todo = [i for i, im in enumerate(imgs) if not blank_crop(im)]
        if not todo:
            return results
        if len(todo) == 1:
            i = todo[0]
            results[i] = self.read_line(imgs[i], lang_hint) if line else self.read_block(imgs[i], lang_hint)
            return results
        padded = [pad_white(imgs[i]) for i in todo]
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
