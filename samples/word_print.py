"""Forms printed from Word: DOCX → LibreOffice → PDF → pages, then stamped and dated by hand.

What arrives by post is often a unit's Word copy, printed: the font is the unit's, the boxes are
□ glyphs of that font, long sections break across pages wherever Writer breaks them. This module
prints ``write_print_docx`` files with LibreOffice (``libreoffice-writer-nogui``), rasterises the
PDF with pdfplumber at the render dpi, finds the opinion boxes' seal labels and date lines in the
PDF's own words, stamps the seals there (``samples.seal``) and writes a "hand" date into the
blank 年 月 日. The pages then go through ``samples.scan`` like the drawn ones.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
from PIL import Image, ImageDraw

from forms import FormTemplate, load_template
from samples.docx_form import date_line
from samples.draw import HAND_SCALE, Layout, Painter, hand_text, hand_width, mm
from samples.seal import composite_multiply, seal_bbox, seal_colour, seal_lines_truth, seal_mask
from samples.spec import FormSpec, OpinionSpec, PrinterStyle

PT_PER_INCH = 72.0
SOFFICE_TIMEOUT_S = 600  # a cold Writer start takes 10-20 s; a batch of forms converts in one call
SEAL_ABOVE_LABEL_MM = 12.0  # a seal is stamped over its label, its centre a little above it
BLANK_DATE_RE = r"年\s*月\s*日"
HAND_GAP_EM = 0.2  # paper between a pen-written year and the printed 年


class PrintError(RuntimeError):
    """LibreOffice is missing or did not print a form."""


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise PrintError("LibreOffice is not installed; run: apt-get install -y --no-install-recommends "
                     "libreoffice-writer-nogui")


def docx_to_pdf(docx_paths: list[Path], out_dir: Path) -> list[Path]:
    """Print ``docx_paths`` to PDFs in ``out_dir`` with one LibreOffice run and a private profile
    (two runs sharing a profile block each other)."""
    if not docx_paths:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"lo-profile-{os.getpid()}-") as profile:
        argv = [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, docx_paths)]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PrintError(f"LibreOffice did not finish within {SOFFICE_TIMEOUT_S} s") from exc
    pdfs = [out_dir / (p.stem + ".pdf") for p in docx_paths]
    missing = [p.name for p in pdfs if not p.exists()]
    if missing:
        raise PrintError(f"LibreOffice printed no PDF for {', '.join(missing)} "
                         f"(exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
    return pdfs


@dataclass
class _Found:
    page: int  # 0-based
    x0: float
    top: float
    x1: float
    bottom: float
    chars: list[dict[str, Any]]


def _search(pdf: pdfplumber.PDF, pattern: str) -> list[_Found]:
    out = []
    for i, page in enumerate(pdf.pages):
        for hit in page.search(pattern, regex=True, return_chars=True):
            out.append(_Found(i, hit["x0"], hit["top"], hit["x1"], hit["bottom"], hit.get("chars", [])))
    return out


def rasterise(pdf_path: Path, dpi: int) -> list[np.ndarray]:
    """The PDF's pages as BGR uint8 at ``dpi``, white behind transparent areas."""
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            img = page.to_image(resolution=dpi).original.convert("RGB")
            pages.append(cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR))
    return pages


def print_layout(pdf_path: Path, spec: FormSpec, dpi: int, template: FormTemplate | None = None,
                 ) -> tuple[list[np.ndarray], Layout]:
    """Clean pages of a printed Word form with its seals stamped and hand dates written, and where
    the seals and dates landed (``Layout`` in pixels at ``dpi``)."""
    t = template or load_template("kczg-2020")
    k = dpi / PT_PER_INCH
    pages = rasterise(pdf_path, dpi)
    layout = Layout(dpi, len(pages))
    rng = random.Random(spec.seed * 7919 + 29)
    with pdfplumber.open(pdf_path) as pdf:
        for f in t.fields:
            if f.kind != "opinion":
                continue
            op: OpinionSpec = getattr(spec, f.key)
            labels = _search(pdf, re.escape(f.seal_label or ""))
            if not labels:
                raise PrintError(f"{pdf_path.name}: the seal label {f.seal_label} is not in the printed PDF")
            lab = labels[-1]
            dates = [d for d in _search(pdf, BLANK_DATE_RE if op.date is None or op.date_style == "hand"
                                        else _typed_date_re(op))
                     if d.page == lab.page and d.top > lab.top]
            if dates:
                d = dates[0]
                box = [int(d.x0 * k), int(d.top * k), int(d.x1 * k), int(d.bottom * k)]
                if op.date is not None and op.date_style == "hand":
                    box = _hand_date(pages, d, op, spec, k, rng)
                layout.dates[f.key] = {"page": d.page + 1, "bbox": box,
                                       "value": op.date.isoformat() if op.date else None}
            cx = int((lab.x0 + lab.x1) / 2 * k)
            cy = int((lab.top + lab.bottom) / 2 * k)
            if op.seal is None:
                layout.seals[f.key] = {"present": False, "unit": None, "page": lab.page + 1, "bbox": None}
                continue
            c = (cx + mm(op.seal.offset_mm[0], dpi), cy + mm(op.seal.offset_mm[1] - SEAL_ABOVE_LABEL_MM / 3, dpi))
            alpha = seal_mask(op.seal, dpi, seed=spec.seed * 31 + len(f.key))
            pages[lab.page] = composite_multiply(pages[lab.page], alpha, c, seal_colour(op.seal))
            layout.seals[f.key] = {"present": True, "unit": op.seal.unit, "page": lab.page + 1,
                                   "bbox": list(seal_bbox(op.seal, c, dpi)), **seal_lines_truth(op.seal)}
    return pages, layout


def _typed_date_re(op: OpinionSpec) -> str:
    return r"\s*".join(map(re.escape, date_line(op)))


def _hand_date(pages: list[np.ndarray], d: _Found, op: OpinionSpec, spec: FormSpec, k: float,
               rng: random.Random) -> list[int]:
    """Write the date's numbers by pen into the gaps before 年, 月 and 日 of a blank date line."""
    assert op.date is not None
    pa = Painter(int(round(k * PT_PER_INCH)), PrinterStyle())
    pa.image = Image.fromarray(cv2.cvtColor(pages[d.page], cv2.COLOR_BGR2RGB))
    pa.draw = ImageDraw.Draw(pa.image)
    marks = [c for c in d.chars if c["text"] in "年月日"]
    nums = [str(op.date.year), str(op.date.month), str(op.date.day)]
    size = int((d.bottom - d.top) * k * HAND_SCALE)
    x_left = d.x0 * k
    for i, (mark, num) in enumerate(zip(marks, nums, strict=False)):
        w = hand_width(pa, num, size)
        if i == 0:  # the year goes before 年, in the blank the right-aligned line leaves
            x = mark["x0"] * k - w - size * HAND_GAP_EM
            x_left = min(x_left, x)
        else:  # month and day in the middle of the gap after the previous mark
            x = (marks[i - 1]["x1"] * k + mark["x0"] * k - w) / 2
        hand_text(pa, (x, d.top * k - size * 0.15), num, size, rng)
    pages[d.page] = cv2.cvtColor(np.asarray(pa.image), cv2.COLOR_RGB2BGR)
    return [int(x_left), int(d.top * k), int(d.x1 * k), int(d.bottom * k)]

