"""What a seal says: the unit's name along the upper arc, a code or subtitle along the lower.

The ring is fitted again to the seal's outline (``seal_outline``), its text band surveyed
(``seal_strip.survey``: the name's place, its middle the seal's top, the lower line's
place opposite) and each line unrolled upright and read on its own with the caller's
one-line reader. The name is read at a few cuts (as found, a little wider, a little
narrower); the most confident reading is the name, and every distinct reading is kept
as a candidate for the checks, which know the batch's units. The lower line is a
13-digit code (digits only) or a subtitle (合同专用章, 财务专用章 ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from extract.marks.color import flatten_paper, px_per_mm, red_ink_gray
from extract.marks.seal_outline import FittedRing, around, fit_ring_around, ring_line_mask
from extract.marks.seal_star import star_tips
from extract.marks.seal_strip import PAPER_PERCENTILE, Band, line_strip
from extract.marks.seal_survey import Layout, survey
from extract.marks.seals import check_box
from extract.reading import SealReading

__all__ = ["FittedRing", "SealText", "fill_seal_text", "fit_ring_around", "read_seal_lines", "read_seal_lines_spilled",
           "read_seal_text", "ring_line_mask", "seal_band", "spilled_bbox", "without_print"]

OcrLine = Callable[[np.ndarray], tuple[str, float]]
# The name's cuts, as changes to each end in glyph heights: as found, one more glyph's worth
# of room (a faint first or last glyph the survey missed), less (a stroke of the lower line
# or of the ring taken in).
NAME_CUT_CHANGES = (0.0, 0.3, -0.3)
# A glyph of a reading is worth keeping when the recogniser is surer of it than this (mean
# confidence over the line): stray glyphs from the lower line or print read at 0.3-0.7, the
# name's own at 0.9 and over (bench.seal_names, seed 303).
NAME_GLYPH_SURE = 0.8
# A reading about another star tip is a fragment when it has more than this many glyphs fewer than
# the best-mirroring tip's (one fewer is the stray glyph a wrong top takes in: 国地质科学院国导 about
# the wrong tip, 中国地质科学院 about the right one, bench.seal_names seed 5151 small_round #5).
OTHER_TOP_FEWER = 1
# ...and the best-mirroring tip's reading holds the other's and more glyphs at this confidence or more:
# the more are the name's own, read surely, not a lower line's run on from its end (read at 0.7-0.8).
# rob seed 256370 combined-02: 湖北白科学技术协会 at 0.91 about the best tip, 科学技术协会 at 0.99 about
# another, whose cut took in the pale 湖北省 as nothing (a not-sure warning: 浙江省 or 湖北省科学技术协会).
FULLER_TOP_SURE = 0.85
# A code on the lower arc: at least this many digits read (GB 32100's unified code is 18
# characters, the older organisation code printed on seals 13 digits; fewer read is noise).
CODE_MIN_DIGITS = 8
# The code printed on seals has 13 digits; the lower line is read as unrolled and squeezed to these
# widths (its digits stand apart, ~1.5 glyph widths; the recogniser knows digits set closer).
CODE_DIGITS = 13
CODE_SQUEEZES = (1.0, 0.7, 0.5)
# A subtitle read from the lower line: at least this many CJK characters.
SUBTITLE_MIN_CHARS = 2
# In a gray scan a red seal is lighter than black print: its tone is the median of its ring line's
# inked pixels (INK_DROP under the paper, TONE_MIN_PX of them, the line RING_TONE_MM wide about the
# fit), and ink darker than that by PRINT_MARGIN is print, taken out before the name is looked for
# (bench.seal_names seed 612345 gray #0/#4/#6: the ring at 152-181, print crossing 中 and 京 at
# 58-68, read 国…/北要… with it, 中…/北京… without). Only where the tone is over PRINT_TONE: a seal as
# dark as print (a 1-bit scan, a black stamp) keeps all its ink.
INK_DROP = 40
TONE_MIN_PX = 50
RING_TONE_MM = 0.8
PRINT_MARGIN = 45
PRINT_TONE = 125
# Print's blurred rim (a scan's anti-aliasing, ~0.1-0.2 mm) is as light as the seal: left behind, it
# outlines every printed glyph at the seal's tone, for the name's survey to take as the seal's own
# glyphs (seed 828415 gray-01: the outlined 推荐单位公章 and date line mirrored better than the name).
PRINT_RIM_MM = 0.2
# A seal stamped at a box's edge runs out of it (a Word table's last column, a seal spilling into the
# next box, a warped scan): its name's ends lie outside the box (rob seed 140554: 哈尔滨工业 for
# 哈尔滨工业大学, 中国机械工程 for 中国机械工程学会). Where the seal as found comes within SPILL_EDGE_MM
# of the box's edge, its ring is looked for SPILL_MM past that edge on the page: the ring search
# wants a seal's centre inside the box (rings.CENTRE_MARGIN_MM), so no more than a 50 mm seal's
# radius lies beyond it.
SPILL_EDGE_MM = 1.0
SPILL_MM = 25.0
# The ring fitted on the page is the seal found in the box when it covers this share of the box the
# seal was found in (not the next box's seal, nor a ring of print).
SPILL_SAME_SEAL = 0.8


@dataclass
class SealText:
    """The lines a seal's ring carries, each with the recogniser's confidence (0 when not read)."""

    name: str | None = None
    name_confidence: float = 0.0
    # every distinct reading of the name at the cuts tried, most confident first: [text, confidence]
    name_candidates: list[list[str | float]] = field(default_factory=list)
    code: str | None = None
    code_confidence: float = 0.0
    subtitle: str | None = None
    subtitle_confidence: float = 0.0


def clean_unit_name(text: str) -> str:
    """Keep the CJK characters and brackets a unit's name is made of; a bracket without
    its partner is a misread stroke of the ring, not part of the name."""
    keep = [ch for ch in text if "\u4e00" <= ch <= "\u9fff" or ch in "（）()"]
    opened: list[int] = []
    unmatched: set[int] = set()
    for i, ch in enumerate(keep):
        if ch in "（(":
            opened.append(i)
        elif ch in "）)":
            if opened:
                opened.pop()
            else:
                unmatched.add(i)
    unmatched.update(opened)
    return "".join(ch for i, ch in enumerate(keep) if i not in unmatched)


def seal_gray(region: np.ndarray, dpi: int, red: bool) -> np.ndarray:
    """The seal's ink as a gray image: the red ink alone in a colour scan (black text under it
    dropped); in gray and bilevel scans every ink on paper flattened (uneven light divided out)."""
    if red:
        return red_ink_gray(region, dpi)
    return cv2.cvtColor(flatten_paper(region, dpi), cv2.COLOR_BGR2GRAY)


def _read(ocr_line: OcrLine, strip: np.ndarray) -> tuple[str, float]:
    text, conf = ocr_line(cv2.cvtColor(strip, cv2.COLOR_GRAY2BGR))
    return text, float(conf)


def _name(gray: np.ndarray, band: Band, layout: Layout, ocr_line: OcrLine) -> list[list[str | float]]:
    """Distinct readings of the name at each of the layout's cuts and each change of its ends,
    the best first (``reading_score``: the recogniser is surest where the strip holds the name
    whole and nothing else)."""
    best: dict[str, float] = {}
    mirrored: dict[str, float] = {}  # readings of the cut whose ends mirror about the top (as found)
    for s0, s1 in layout.cuts:
        for change in NAME_CUT_CHANGES:
            d = change * band.glyph_mm
            if s1 - s0 + 2 * d <= band.glyph_mm or s1 - s0 + 2 * d >= band.length_mm:
                continue
            text, conf = _read(ocr_line, line_strip(gray, band, (s0 - d, s1 + d), upper=True))
            name = clean_unit_name(text)
            if name:
                best[name] = max(conf, best.get(name, -1.0))
                if change == 0.0 and (s0, s1) == layout.mirrored:
                    mirrored[name] = max(conf, mirrored.get(name, -1.0))
    ranked = sorted(best.items(), key=lambda kv: -reading_score(kv[0], kv[1]))
    if ranked and mirrored:
        # A reading that is the mirrored cut's plus glyphs at ONE end only, read less surely, took in
        # print or a lower line's glyph beyond the name's end (a name is symmetric about its top);
        # a cut short of a pale end glyph loses one at both ends and is no such prefix or suffix.
        m, m_conf = max(mirrored.items(), key=lambda kv: reading_score(kv[0], kv[1]))
        top, top_conf = ranked[0]
        if top != m and (top.startswith(m) or top.endswith(m)) and m_conf >= top_conf:
            ranked.remove((m, best[m]))
            ranked.insert(0, (m, best[m]))
    return [[t, round(c, 4)] for t, c in ranked]


def reading_score(text: str, confidence: float) -> float:
    """How much a reading of the name is worth: each glyph read counts for how much surer than
    ``NAME_GLYPH_SURE`` the recogniser is of it (its mean confidence). A cut that lost a glyph or
    took in a stray one from the lower line scores below the whole name read surely; a fragment
    read very surely scores below the whole name read nearly as surely."""
    return len(text) * (confidence - NAME_GLYPH_SURE)


def _lower(gray: np.ndarray, band: Band, layout: Layout, ocr_line: OcrLine, out: SealText) -> None:
    """The lower line read the other way up: a code (digits only) or a subtitle.

    A code's digits stand far apart along the arc; the line is read as unrolled and squeezed
    (``CODE_SQUEEZES``), and where several readings give ``CODE_DIGITS`` digits each digit is
    voted on."""
    if layout.lower is None:
        return
    strip = line_strip(gray, band, layout.lower, upper=False)
    reads = [_read(ocr_line, strip if f == 1.0 else cv2.resize(strip, (max(8, round(strip.shape[1] * f)), strip.shape[0]),
                                                               interpolation=cv2.INTER_AREA))
             for f in CODE_SQUEEZES]
    codes = [(re.sub(r"\D", "", t), c) for t, c in reads]
    full = [(d, c) for d, c in codes if len(d) == CODE_DIGITS]
    if full:
        # each digit as the readings say it, weighed by how sure each reading is (two readings that
        # differ in one digit: the surer one's)
        votes: list[dict[str, float]] = [{} for _ in range(CODE_DIGITS)]
        for d, c in full:
            for i, ch in enumerate(d):
                votes[i][ch] = votes[i].get(ch, 0.0) + c
        voted = "".join(max(v, key=lambda ch: v[ch]) for v in votes)
        out.code, out.code_confidence = voted, round(max(c for _, c in full), 4)
        return
    digits, conf = max(codes, key=lambda dc: (len(dc[0]) >= CODE_MIN_DIGITS, dc[1]))
    if len(digits) >= CODE_MIN_DIGITS:
        out.code, out.code_confidence = digits, round(conf, 4)
        return
    # a subtitle: the surest reading of the three (unsqueezed, its glyphs stand apart and its last
    # one is read as 款 or 源 as often as 章; squeezed to 0.7 it reads whole more often)
    titles = [(clean_unit_name(t), c) for t, c in reads]
    titles = [(w, c) for w, c in titles if len(w) >= SUBTITLE_MIN_CHARS]
    if titles:
        words, conf = max(titles, key=lambda wc: wc[1])
        out.subtitle, out.subtitle_confidence = words, round(conf, 4)


def seal_band(box_bgr: np.ndarray, seal_bbox: list[int], dpi: int,
              ring: FittedRing | None = None) -> tuple[np.ndarray, Band]:
    """The seal's ink as a gray image around its ring (``seal_gray``; in a gray or 1-bit scan
    ``without_print``) and its text band there; ``ring`` is ``fit_ring_around``'s when already fitted."""
    ring = ring if ring is not None else fit_ring_around(box_bgr, seal_bbox, dpi)
    # the ring as fitted may reach past the bbox the seal was found with (a 50 mm seal)
    reach = max(ring.a, ring.b)
    ring_bbox = [round(ring.cx - reach), round(ring.cy - reach), round(ring.cx + reach), round(ring.cy + reach)]
    region, cx0, cy0 = around(box_bgr, ring_bbox, dpi)
    local = FittedRing(ring.cx - cx0, ring.cy - cy0, ring.a, ring.b, ring.angle, ring.red)
    gray = seal_gray(region, dpi, ring.red)
    if not ring.red:
        gray = without_print(gray, local, px_per_mm(dpi))
    return gray, Band.of(local, px_per_mm(dpi))


def without_print(gray: np.ndarray, ring: FittedRing, ppm: float) -> np.ndarray:
    """``gray`` with the ink clearly darker than the seal's own (its ring line's tone) made paper:
    black print under a red seal in a gray scan. Unchanged where the seal is as dark as print."""
    mask = np.zeros(gray.shape, np.uint8)
    cv2.ellipse(mask, (round(ring.cx), round(ring.cy)), (round(ring.a), round(ring.b)), ring.angle, 0, 360, 1,
                max(1, round(RING_TONE_MM * ppm)))
    paper = float(np.percentile(gray, PAPER_PERCENTILE))
    inked = gray[(mask > 0) & (gray < paper - INK_DROP)]
    if inked.size < TONE_MIN_PX:
        return gray
    tone = float(np.median(inked))
    if tone <= PRINT_TONE:
        return gray
    out = gray.copy()
    printed = (gray < tone - PRINT_MARGIN).astype(np.uint8)
    k = 2 * max(1, round(PRINT_RIM_MM * ppm)) + 1
    out[cv2.dilate(printed, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0] = 255
    return out


def spilled_bbox(seal_bbox: list[int], box_shape: tuple[int, ...], dpi: int) -> list[int] | None:
    """``seal_bbox`` grown ``SPILL_MM`` past each edge of the box it comes within ``SPILL_EDGE_MM`` of
    (box pixels, reaching out of the box); None when the seal keeps clear of every edge."""
    ppm = px_per_mm(dpi)
    edge, d = SPILL_EDGE_MM * ppm, round(SPILL_MM * ppm)
    x0, y0, x1, y1 = seal_bbox
    h, w = box_shape[:2]
    grown = [x0 - d if x0 <= edge else x0, y0 - d if y0 <= edge else y0,
             x1 + d if x1 >= w - edge else x1, y1 + d if y1 >= h - edge else y1]
    return None if grown == list(seal_bbox) else grown


def read_seal_lines_spilled(page_bgr: np.ndarray, box: list[int], seal_bbox: list[int] | None, dpi: int,
                            ocr_line: OcrLine) -> SealText:
    """``read_seal_lines`` on the seal at ``seal_bbox`` (pixels of the box ``box`` of the page), its ring
    looked for on the page past the box's edges the seal meets (``spilled_bbox``)."""
    h, w = page_bgr.shape[:2]
    x0, y0 = max(0, box[0]), max(0, box[1])
    crop = page_bgr[y0:min(h, box[3]), x0:min(w, box[2])]
    if seal_bbox is not None and not check_box(crop, dpi):
        grown = spilled_bbox(seal_bbox, crop.shape, dpi)
        if grown is not None:
            on_page = [max(0, grown[0] + x0), max(0, grown[1] + y0), min(w, grown[2] + x0), min(h, grown[3] + y0)]
            found = [seal_bbox[0] + x0, seal_bbox[1] + y0, seal_bbox[2] + x0, seal_bbox[3] + y0]
            out = read_seal_lines(page_bgr, on_page, dpi, ocr_line, found=found)
            if out.name is not None:
                return out
    return read_seal_lines(crop, seal_bbox, dpi, ocr_line)


def _covers(ring: FittedRing, bbox: list[int]) -> bool:
    """Does ``ring``'s box cover ``SPILL_SAME_SEAL`` of ``bbox``?"""
    r = max(ring.a, ring.b)
    ix = max(0.0, min(ring.cx + r, bbox[2]) - max(ring.cx - r, bbox[0]))
    iy = max(0.0, min(ring.cy + r, bbox[3]) - max(ring.cy - r, bbox[1]))
    return ix * iy >= SPILL_SAME_SEAL * max(1, (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]))


def read_seal_lines(box_bgr: np.ndarray, seal_bbox: list[int] | None, dpi: int, ocr_line: OcrLine,
                    found: list[int] | None = None) -> SealText:
    """The name, code and subtitle on the seal at ``seal_bbox`` (box pixels); empty when not read,
    or when the ring fitted there does not cover ``found`` (the seal's box as found, where
    ``seal_bbox`` was grown past it: ``read_seal_lines_spilled``).

    ``ocr_line(image) -> (text, confidence)`` reads one line of text (from extract/ocr.py)."""
    out = SealText()
    if seal_bbox is None or check_box(box_bgr, dpi):
        return out
    ring = fit_ring_around(box_bgr, seal_bbox, dpi)
    if found is not None and not _covers(ring, found):
        return out
    gray, band = seal_band(box_bgr, seal_bbox, dpi, ring)
    # the place whose name reads most surely upright is the name's (the other is then the lower line)
    tips = star_tips(gray, band)
    options = [(layout, _name(gray, band, layout, ocr_line)) for layout in survey(gray, band, tips)]
    options = [(layout, cands) for layout, cands in options if cands]
    if not options:
        return out
    layout, out.name_candidates = options[chosen_top([cands for _, cands in options])]
    name, conf = out.name_candidates[0]
    out.name, out.name_confidence = str(name), float(conf)
    _lower(gray, band, layout, ocr_line, out)
    return out


def chosen_top(readings: list[list[list[str | float]]]) -> int:
    """Which top's readings of the name to take: each top's candidates (best first), the best-mirroring
    top first. The top whose best reading scores most (``reading_score``), save where it reads far fewer
    glyphs than the best-mirroring top does (``OTHER_TOP_FEWER``) and is no part of that top's reading,
    or is a part of it and that reading is sure (``FULLER_TOP_SURE``)."""
    best = max(range(len(readings)), key=lambda i: reading_score(str(readings[i][0][0]), float(readings[i][0][1])))
    first, first_conf, chosen = str(readings[0][0][0]), float(readings[0][0][1]), str(readings[best][0][0])
    if best and len(chosen) < len(first) - OTHER_TOP_FEWER and (chosen not in first or first_conf >= FULLER_TOP_SURE):
        # another top (a star tip the name mirrors about less well) reads far fewer glyphs: a part of
        # the name read surely, not the whole name read about its true top (small glyphs of a long name
        # on a 30x20 mm oval read at 0.8: 各有限公司 for 沈阳新松精工装备有限公司). Not so when the
        # best-mirroring top's reading is this one and more, read less surely: that top mirrored the
        # name with a bold lower line and its cut ran on into it (中南大学戛田争琴亦 at 0.77, 中南大学
        # about the true top at 1.0: bench.seal_names seed 48611 round_subtitle #6)
        return 0
    return best


def fill_seal_text(seal: SealReading, lines: SealText) -> None:
    """``seal`` given what its ring says (``text`` is the name)."""
    seal.text, seal.text_confidence = lines.name, lines.name_confidence
    seal.text_candidates = [list(c) for c in lines.name_candidates]
    seal.code, seal.code_confidence = lines.code, lines.code_confidence
    seal.subtitle, seal.subtitle_confidence = lines.subtitle, lines.subtitle_confidence


def read_seal_text(box_bgr: np.ndarray, seal_bbox: list[int] | None, dpi: int,
                   ocr_line: OcrLine) -> tuple[str | None, float]:
    """The unit's name on the seal's ring, and the OCR confidence; (None, 0.0) when not read."""
    lines = read_seal_lines(box_bgr, seal_bbox, dpi, ocr_line)
    return lines.name, lines.name_confidence
