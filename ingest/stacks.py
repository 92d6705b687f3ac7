"""Split a scanned stack (several forms back to back) into one group of pages per form.

The extract stage says what each page is ("first" | "continuation" |
"attachment" | "blank" | "other"), from the OCR text of its title and first
rows; ``classify_layout`` says the same from the ink alone when no OCR is at
hand. ``split_stack`` turns that list of kinds into documents:

- a "first" page starts a form; "continuation" pages after it are its pages;
- "attachment" and "other" pages after a form are kept as its attachments
  (the detailed materials, CONTRACT.md) - never dropped;
- "blank" pages (separator sheets, empty backs) are dropped and listed; a page is
  "blank" only when it has next to no ink (``confirm_blank``: a photo the reader
  found no text on is "other", not blank);
- pages before the first "first" page are orphans. If any of them looks like
  a continuation, they are one group flagged ``FIRST_PAGE_MISSING`` (a form
  whose first page is missing or was fed later: still worth reading and
  matching). Otherwise they are one group flagged ``NOT_THIS_FORM``
  ("not a page of this form"), which the runner reports as UNREADABLE.

Indexes are 0-based positions in the stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import cv2
import numpy as np

from ingest.page import Page

PageKind = Literal["first", "continuation", "attachment", "blank", "other"]
PAGE_KINDS: tuple[str, ...] = ("first", "continuation", "attachment", "blank", "other")

NOT_THIS_FORM = "not a page of this form"
FIRST_PAGE_MISSING = "first page of the form missing"

# Work at ~100-150 dpi on A4 (long side nearest 1200 px by a whole factor): rules and glyphs stay
# several pixels, and averaging down turns scanner speckle into light gray that no longer reads as ink.
LAYOUT_LONG_SIDE = 1200
# Darker than this is ink: a thin (0.5 pt) rule averaged down to ~100 dpi is still ~150 on 240 paper.
INK_LEVEL = 185
# Bilevel scans carry salt-and-pepper speckle; a 3x3 median removes it and keeps strokes of 2 px and more.
BILEVEL_DESPECKLE = 3
# Pixels sampled (every n-th each way) to tell a bilevel image.
BILEVEL_STRIDE = 7
# Paper margins a scanner's edge shadow lives in: ignored for the blank test.
EDGE_MARGIN_SHARE = 0.03
# A mark is an ink blob at least this share of the long side (~1.5 mm on A4): a glyph or a rule, not a speck.
MARK_MIN_SHARE = 0.005
# A page with fewer marks than this is blank (a separator sheet, a page number, a stray pen dot).
BLANK_MAX_MARKS = 5
# Rule segments: ink runs at least this share of the width (~10 mm on A4; glyphs are ~4 mm).
RULE_SEGMENT_SHARE = 0.05
# Vertical drift tolerated along one rule segment (2.5° over ~60 px at the working size).
RULE_DRIFT_PX = 3
# A horizontal rule spans at least this share of the page width (the form's rows span ~80 %).
TABLE_RULE_SHARE = 0.5
# Rows summed together when measuring a rule: a 2.5° skew moves an 80 %-wide rule by ~2.5 % of the height.
RULE_BAND_SHARE = 0.035
# A table has at least this many such rules.
TABLE_MIN_RULES = 2
# A title band: marks above the table spanning more than this share of the page height.
TITLE_BAND_SHARE = 0.04
# A table whose top rule lies below this share of the page height leaves room for a title
# (the form's first table starts ~18 % down, a continuation's at the ~7 % top margin).
TITLE_ROOM_SHARE = 0.12
# Printed text covers 5-15 % of a page with ink; a photo or a dark scan covers far more.
PICTURE_INK_SHARE = 0.25
# Coloured content (confirm_blank): saturation (of 255) well above yellowed paper's (~48 at full tint,
# plus JPEG chroma noise), in pixels bright enough for their hue to mean something.
COLOUR_MIN_SATURATION = 90
COLOUR_MIN_VALUE = 60
# A page with more than this share of such pixels holds a picture (a seal's ink alone is ~0.5 % of A4).
COLOUR_CONTENT_SHARE = 0.02
# Paper level measured over windows this share of the long side: wider than any glyph, narrower than
# the ~whole-page span of a scanner's light fall-off.
PAPER_WINDOW_SHARE = 0.1

@dataclass
class PageGroup:
    """One document of a stack: its form pages, then its attachments (0-based stack indexes).

    ``flag`` is None for a form that starts with its first page, else the reason
    the group is not a complete form (``NOT_THIS_FORM`` or ``FIRST_PAGE_MISSING``).
    """

    pages: list[int]
    attachments: list[int] = field(default_factory=list)
    flag: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"pages": list(self.pages), "attachments": list(self.attachments), "flag": self.flag}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageGroup:
        return cls(pages=list(d["pages"]), attachments=list(d.get("attachments", [])), flag=d.get("flag"))


@dataclass
class StackSplit:
    """Every page of a stack accounted for: in a group, or dropped as blank."""

    groups: list[PageGroup]
    blanks: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)  # pages whose kind was not one of PAGE_KINDS (read as "other")

    @property
    def orphans(self) -> list[int]:
        """Pages before the stack's first form page (in the flagged leading group, if any)."""
        if self.groups and self.groups[0].flag is not None:
            return sorted(self.groups[0].pages + self.groups[0].attachments)
        return []

    def to_dict(self) -> dict[str, Any]:
        return {"groups": [g.to_dict() for g in self.groups], "blanks": list(self.blanks), "unknown": list(self.unknown)}


def split_stack(kinds: Sequence[str]) -> StackSplit:
    """Group a stack's pages into documents from each page's kind (see the module doc).

    A kind outside ``PAGE_KINDS`` (a reading that lost its kind) is read as "other", so the
    page is kept, never dropped, and its index is listed in ``unknown``.
    """
    unknown = [i for i, k in enumerate(kinds) if k not in PAGE_KINDS]
    kinds = [k if k in PAGE_KINDS else "other" for k in kinds]
    groups: list[PageGroup] = []
    blanks: list[int] = []
    leading: list[int] = []
    current: PageGroup | None = None
    for index, kind in enumerate(kinds):
        if kind == "blank":
            blanks.append(index)
        elif kind == "first":
            current = PageGroup(pages=[index])
            groups.append(current)
        elif current is None:
            leading.append(index)
        elif kind == "continuation":
            current.pages.append(index)
        else:  # attachment / other after a form: its detailed materials
            current.attachments.append(index)
    if leading:
        groups.insert(0, _orphan_group(leading, kinds))
    return StackSplit(groups=groups, blanks=blanks, unknown=unknown)


def _orphan_group(indexes: list[int], kinds: Sequence[str]) -> PageGroup:
    if any(kinds[i] == "continuation" for i in indexes):
        first_cont = next(i for i in indexes if kinds[i] == "continuation")
        pages = [i for i in indexes if kinds[i] == "continuation" or i < first_cont]
        attachments = [i for i in indexes if i not in pages]
        return PageGroup(pages=pages, attachments=attachments, flag=FIRST_PAGE_MISSING)
    return PageGroup(pages=list(indexes), flag=NOT_THIS_FORM)


def group_pages(kinds: Sequence[str]) -> list[PageGroup]:
    """The documents of a stack (``split_stack(kinds).groups``); blanks are in ``split_stack``."""
    return split_stack(kinds).groups


# ---------------------------------------------------------------- text-free page kinds


def classify_layout(page: Page) -> PageKind:
    """What a page is from its layout alone (no OCR): a prior, and the fallback without OCR.

    - "blank": almost no ink away from the edges;
    - "first": a ruled table with a title band above it (the form's first page);
    - "continuation": a ruled table from the top of the page;
    - "attachment": text without a table (detailed materials);
    - "other": anything else (a photo, a drawing).
    """
    return layout_kind(page.image)


def layout_kind(image: np.ndarray) -> PageKind:
    """``classify_layout`` on a bare image (BGR or gray)."""
    gray = image[:, :, 2] if image.ndim == 3 else image  # red channel: a seal alone is not content
    h, w = gray.shape[:2]
    # Shrink by a whole factor (1 at 150 dpi, 2 at 200, 3 at 300): a thin rule keeps >= 1/2 of its block dark.
    factor = round(max(h, w) / LAYOUT_LONG_SIDE)
    if factor >= 2:
        if _is_bilevel(gray):  # at >= 200 dpi strokes are >= 2 px and survive; at 150 dpi rules would not
            gray = cv2.medianBlur(gray, BILEVEL_DESPECKLE)
        gray = cv2.resize(gray, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    hh, ww = gray.shape
    my, mx = int(hh * EDGE_MARGIN_SHARE), int(ww * EDGE_MARGIN_SHARE)
    ink = np.zeros_like(gray)
    # A fixed cut, not Otsu: on a blank page Otsu splits paper noise into "ink".
    ink[my : hh - my, mx : ww - mx] = np.where(gray[my : hh - my, mx : ww - mx] < INK_LEVEL, 255, 0)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    marks = stats[1:][np.maximum(stats[1:, 2], stats[1:, 3]) >= MARK_MIN_SHARE * max(hh, ww)]
    if float(np.mean(ink > 0)) > PICTURE_INK_SHARE:
        return "other"  # before the blank test: a dark photo is one big blob, not many marks
    if len(marks) < BLANK_MAX_MARKS:
        return "blank"
    rule_tops = _rule_rows(ink)
    if len(rule_tops) < TABLE_MIN_RULES:
        return "attachment"
    top = rule_tops[0]
    above = marks[marks[:, 1] + marks[:, 3] <= top]
    band = int((above[:, 1] + above[:, 3]).max() - above[:, 1].min()) if len(above) else 0
    if top >= TITLE_ROOM_SHARE * hh and band >= TITLE_BAND_SHARE * hh:
        return "first"
    return "continuation"


def confirm_blank(kind: str, image: np.ndarray) -> str:
    """A reader's page kind, with "blank" kept only for a page that is blank by its ink.

    The page reader says "blank" when it found neither a grid nor text. A colourful
    photo, a drawing or a print the OCR could not read has no grid and no text either,
    and would be dropped as a blank separator sheet. Here the page itself decides: it
    is "other" (content that is not this form: kept as a form's attachment, or reported
    when no form comes before it) when it holds coloured content, or when ``layout_kind``
    finds marks on its luminance with the light evened out (a tinted or unevenly lit
    blank sheet stays blank). Any other kind is returned as it is.
    """
    if kind != "blank":
        return kind
    small = _working_size(image)
    if small.ndim == 3 and _coloured_share(small) > COLOUR_CONTENT_SHARE:
        return "other"
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    return "blank" if layout_kind(_even_light(gray)) == "blank" else "other"


def _working_size(image: np.ndarray) -> np.ndarray:
    """The image shrunk by a whole factor to about ``LAYOUT_LONG_SIDE`` (as ``layout_kind`` works)."""
    h, w = image.shape[:2]
    factor = round(max(h, w) / LAYOUT_LONG_SIDE)
    if factor < 2:
        return image
    if image.ndim == 2 and _is_bilevel(image):
        image = cv2.medianBlur(image, BILEVEL_DESPECKLE)
    return cv2.resize(image, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)


def _coloured_share(bgr: np.ndarray) -> float:
    """Share of the page (away from its edges) in strongly coloured pixels."""
    h, w = bgr.shape[:2]
    my, mx = int(h * EDGE_MARGIN_SHARE), int(w * EDGE_MARGIN_SHARE)
    hsv = cv2.cvtColor(bgr[my : h - my, mx : w - mx], cv2.COLOR_BGR2HSV)
    coloured = (hsv[:, :, 1] > COLOUR_MIN_SATURATION) & (hsv[:, :, 2] > COLOUR_MIN_VALUE)
    return float(np.mean(coloured)) if coloured.size else 0.0


def _even_light(gray: np.ndarray) -> np.ndarray:
    """``gray`` divided by its paper level around each pixel: light fall-off and tint gone, ink kept."""
    size = max(3, int(max(gray.shape[:2]) * PAPER_WINDOW_SHARE)) | 1
    paper = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    paper = cv2.blur(paper, (size, size))
    return cv2.divide(gray, np.maximum(paper, 1), scale=255)


def _is_bilevel(gray: np.ndarray) -> bool:
    sample = gray[::BILEVEL_STRIDE, ::BILEVEL_STRIDE]
    return bool(np.all((sample == 0) | (sample == 255)))


def _rule_rows(ink: np.ndarray) -> list[int]:
    """Top row of each horizontal rule spanning ``TABLE_RULE_SHARE`` of the width (skew tolerated)."""
    hh, ww = ink.shape
    # Thicken strokes downwards first: a thin rule skewed by 2° drifts ~2 px along one segment.
    thick = cv2.dilate(ink, np.ones((RULE_DRIFT_PX + 1, 1), np.uint8))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(ww * RULE_SEGMENT_SHARE)), 1))
    segments = cv2.morphologyEx(thick, cv2.MORPH_OPEN, kernel)
    per_row = np.count_nonzero(segments, axis=1).astype(np.float64)
    band = max(1, int(hh * RULE_BAND_SHARE))
    banded = np.convolve(per_row, np.ones(band), mode="same")
    # Count each pixel column once per band: a skewed rule spreads its width over the band's rows.
    rows = np.flatnonzero(banded >= TABLE_RULE_SHARE * ww)
    tops: list[int] = []
    for start in _runs(rows):
        run_rows = np.flatnonzero(per_row[start : start + band + 1])
        tops.append(start + int(run_rows[0]) if len(run_rows) else start)
    return tops


def _runs(rows: np.ndarray) -> list[int]:
    """First row of each run of consecutive row indexes."""
    if len(rows) == 0:
        return []
    starts = [int(rows[0])]
    for prev, cur in zip(rows[:-1], rows[1:], strict=True):
        if cur != prev + 1:
            starts.append(int(cur))
    return starts
