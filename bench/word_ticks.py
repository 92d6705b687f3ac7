"""Ticks of Word copies in every Debian CJK face, body size, resolution and scan mode (issue 13, kind 3).

Run from the repository root: ``.venv/bin/python -m bench.word_ticks [--cells 240] [--seed N]``.

Each cell is one line of options as Word prints it (``samples.word_ticks``): the unchosen boxes the
face's □, the chosen one ☑ ☒ ■ ✓ √ (in the face, or the fallback font where the face lacks it) or a
□ ticked by pen; faces AR PL UMing/UKai, WenQuanYi Zen Hei/Micro Hei, Noto Sans/Serif CJK; 10.5-14 pt;
150-600 dpi (read at 300 above it, as ingest does); colour, gray or 1-bit. The cell is scanned
(``samples.scan``), read by the real OCR engine for its words, then by ``read_ticks`` with those
words, as ``marks.boxes.read_choice`` does on a page. Prints the share read right overall and per
face, glyph, size, dpi and mode, and the cells read wrong (``--show``). A fresh seed each run
(printed; ``--seed`` repeats one).
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from dataclasses import dataclass

import cv2
import numpy as np

from extract.marks import read_ticks
from extract.ocr import get_engine
from samples.fonts import available_fonts
from samples.scan import scan
from samples.word_ticks import TYPED_TICKS, as_bgr, typed_choice_line

DOMAINS = ["电子信息", "生物医药", "装备制造", "先进材料", "资源环境"]
TYPES = ["应用研究", "开发研究"]
SIZES_PT = (10.5, 12.0, 14.0)
DPIS = (150, 200, 300, 400, 600)
MODES = ("color", "gray", "bilevel")
READ_MAX_DPI = 300  # ingest.scans reads finer scans at 300 dpi


@dataclass
class Case:
    face: str
    pt: float
    dpi: int
    mode: str
    glyph: str
    choices: list[str]
    ticked: str
    seed: int

    def name(self) -> str:
        return f"{self.face} {self.pt}pt {self.dpi}dpi {self.mode} {self.glyph} {self.ticked}"


def cases(n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    faces = available_fonts(with_kai=True)
    out = []
    for i in range(n):  # every face meets every glyph, then every mode; size, dpi and options drawn
        f, g = i % len(faces), (i // len(faces)) % len(TYPED_TICKS)
        mode = MODES[(i // (len(faces) * len(TYPED_TICKS))) % len(MODES)]
        choices = DOMAINS if rng.random() < 0.6 else TYPES
        out.append(Case(faces[f], rng.choice(SIZES_PT), rng.choice(DPIS), mode, TYPED_TICKS[g], choices,
                        rng.choice(choices), seed * 1000 + i))
    return out


def cell_image(c: Case) -> tuple[np.ndarray, int]:
    """The scanned cell as the page reader has it (BGR at the read dpi) and that dpi."""
    img, _ = typed_choice_line(c.choices, [c.ticked], c.glyph, c.face, c.pt, c.dpi, seed=c.seed)
    out = scan([as_bgr(img)], mode=c.mode, dpi=c.dpi, src_dpi=c.dpi, paper_tint=0.3, seed=c.seed)[0]
    bgr = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR) if out.ndim == 2 else out
    if c.dpi > READ_MAX_DPI:
        f = READ_MAX_DPI / c.dpi
        return cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), READ_MAX_DPI
    return bgr, c.dpi


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=240)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--engine", default="hybrid")
    ap.add_argument("--show", action="store_true", help="list every cell read wrong")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    print(f"seed {seed}, {args.cells} cells")
    engine = get_engine(args.engine)
    by: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    wrong: list[str] = []
    t0 = time.perf_counter()
    for c in cases(args.cells, seed):
        cell, dpi = cell_image(c)
        gray = cv2.cvtColor(cell, cv2.COLOR_BGR2GRAY)
        words = engine.read_page(gray)
        r = read_ticks(cell, c.choices, dpi, words)
        ok = r.status == "read" and r.chosen == [c.ticked]
        for axis, key in (("all", "all"), ("face", c.face), ("glyph", c.glyph), ("pt", str(c.pt)),
                          ("dpi", str(c.dpi)), ("mode", c.mode), ("choices", str(len(c.choices)))):
            by[axis][key][0] += ok
            by[axis][key][1] += 1
        if not ok:
            said = r.reason if r.status != "read" else f"read {r.chosen} ({r.placed})"
            wrong.append(f"{c.name()}: {said}; ocr {' | '.join(w.text for w in words)}")
    for axis, keys in by.items():
        print(f"{axis:8s} " + "  ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(keys.items())))
    print(f"{time.perf_counter() - t0:.0f} s")
    if args.show:
        print("\n".join(wrong))


if __name__ == "__main__":
    main()
