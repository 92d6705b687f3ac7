"""What the code saw on a page, drawn on it (``--debug DIR``): the grid, the labelled cells,
the value cells coloured by confidence, the seals found, and the page's kind and skew."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from extract.grid import Grid
from extract.reading import PageReading
from ingest.page import Page

# Debug images are written at this resolution (a page fits a screen).
DEBUG_DPI = 100


def debug_image(color: np.ndarray, grid: Grid | None, reading: PageReading, dpi: int) -> np.ndarray:
    """The page with its grid (gray), label cells (green), value cells (blue/red by confidence) and keys."""
    img = color.copy()
    if grid is not None:
        for c in grid.cells:
            cv2.rectangle(img, c.bbox[:2], c.bbox[2:], (160, 160, 160), 2)
    thick = max(2, dpi // 100)
    for info in reading.cells:
        x0, y0, x1, y1 = info["bbox"]
        key = info["key"] or "(continued)"
        if info["role"] == "label":
            cv2.rectangle(img, (x0 + 6, y0 + 6), (x1 - 6, y1 - 6), (0, 170, 0), thick)
            continue
        fr = reading.fields.get(info["key"]) if info["key"] else reading.continued
        conf = fr.confidence if fr else 0.0
        colour = (200, 80, 0) if conf >= 0.9 else ((0, 140, 255) if conf >= 0.6 else (0, 0, 230))
        cv2.rectangle(img, (x0 + 6, y0 + 6), (x1 - 6, y1 - 6), colour, thick)
        cv2.putText(img, f"{key} {conf:.2f}", (x0 + 10, y1 - 12), cv2.FONT_HERSHEY_SIMPLEX, dpi / 250, colour, thick)
    for key, seal in reading.seals.items():
        if seal.bbox:
            cv2.rectangle(img, seal.bbox[:2], seal.bbox[2:], (255, 0, 255), thick)
            cv2.putText(img, f"seal {key}", (seal.bbox[0], max(20, seal.bbox[1] - 8)), cv2.FONT_HERSHEY_SIMPLEX, dpi / 250, (255, 0, 255), thick)
    cv2.putText(img, f"page {reading.page} kind={reading.kind} skew={reading.skew_deg:.2f} engine={reading.engine}", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, dpi / 200, (0, 0, 200), thick)
    # Why a page was not read as the form: the problems in the margin (ASCII only: what OpenCV can draw).
    for i, problem in enumerate(reading.problems):
        line = problem.encode("ascii", "replace").decode("ascii")
        cv2.putText(img, line[:110], (20, 40 + (i + 1) * dpi // 6), cv2.FONT_HERSHEY_SIMPLEX, dpi / 300, (0, 0, 200), thick)
    f = min(1.0, DEBUG_DPI / max(1, dpi)) * 1.5
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img


def write_debug(debug_dir: Path | None, page: Page, color: np.ndarray, grid: Grid | None, reading: PageReading) -> None:
    if debug_dir is None:
        return
    debug_dir.mkdir(parents=True, exist_ok=True)
    name = f"{Path(str(page.source)).stem}-p{page.number:03d}.png"
    cv2.imwrite(str(debug_dir / name), debug_image(color, grid, reading, page.dpi))
