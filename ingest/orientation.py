"""Turn a page scanned sideways or upside down upright, without OCR.

Two questions, each answered from the ink alone:

1. Do the text lines run across or down the page (0/180 vs 90/270)? Printed
   Chinese sets characters closer along a line than lines are to each other,
   and most characters are built left-to-right, so a glyph's nearest neighbour
   lies mostly along the line. ``_line_votes`` counts nearest neighbours that
   lie across vs down the page.
2. Is the page upside down (0 vs 180)? Chinese punctuation (，。、), Latin
   x-height letters and full stops sit low in the line; turned 180° they sit
   high. ``_flip_votes`` finds the small marks that stand alone in their column
   of a text line and counts those in the lower vs upper part of the line.
   Where they are too few (large, unpunctuated print), a form page says it by
   its grid: the label columns are at the left, the values to their right
   (``_label_side``).

Both work in colour, gray and bilevel, on form pages and plain text pages
alike. A red seal is dropped first (the red channel shows it as paper), and
table rules are removed so only glyphs vote. When the votes are too few or too
close, the page is left as it is: a wrong turn costs more than none.
"""

from __future__ import annotations

import cv2
import numpy as np

from ingest.skew import best_angle, turn

# Work on the page scaled down by the whole factor that brings its long side nearest this (A4 at
# 150-200 dpi): body text is then ~20-28 px high, plenty to tell glyph and punctuation positions.
WORK_LONG_SIDE = 1700
# A rule is a run of ink at least this share of the page's width/height; glyph strokes are far shorter.
RULE_MIN_SHARE = 0.06
# Glyph-sized components, relative to the working page's long side (≈ 1.5 mm to 17 mm on A4).
GLYPH_MIN_SHARE = 0.004
GLYPH_MAX_SHARE = 0.04
# Fewer ink pixels than this share of the page: nothing to read the orientation from.
MIN_INK_SHARE = 0.002
# Skew under this moves a line's far end by under a tenth of its height: not worth levelling.
LEVEL_MIN_DEG = 0.3
# The levelling angle is searched on every LEVEL_STRIDE-th ink pixel across and down the working page
# (about 80 dpi for A4, as ``ingest.skew.level_angle``'s copy): a text line is still ~10 rows high.
LEVEL_STRIDE = 2
# Votes needed before deciding, and the share the winning side must reach.
MIN_LINE_VOTES = 40
LINE_MAJORITY = 0.62
MIN_FLIP_VOTES = 8
FLIP_MAJORITY = 0.7
# Fewer votes than MIN_FLIP_VOTES decide only when all agree and the ink's centre cannot.
MIN_UNANIMOUS_FLIP_VOTES = 3
# A nearest neighbour further than this many glyph heights belongs to no line.
NEIGHBOUR_MAX_EMS = 2.5
# Glyphs whose nearest neighbours are searched at once: 256 rows of distances to a page's few
# thousand glyphs are a few MB (scipy's k-d tree did it, and cost every page reader 40 MB of imports).
NEIGHBOUR_CHUNK = 256
# A mark is "small" below this share of its line's height, and low/high beyond these positions in the line.
SMALL_MARK_SHARE = 0.4
LOW_POSITION = 0.62
HIGH_POSITION = 0.38
# Horizontal smear that joins the glyphs of one line (in glyph heights); line gaps stay open.
LINE_SMEAR_EMS = 1.2
# Lines lower than this share of the usual line height are small print (form hints, often broken up): no vote.
MIN_LINE_HEIGHT_SHARE = 0.85
# Two small marks closer than this (in line heights) are one sign (“ ” quotes sit high): no vote.
PAIR_GAP_SHARE = 0.35
# A page whose width exceeds this times its height is landscape: a portrait form fed sideways.
LANDSCAPE_RATIO = 1.15
# A form page's label columns sit at the grid's left, its values to their right: the inner column rules'
# centre lies at 0.18-0.31 of the grid's width on every sample form page, at 0.69-0.82 turned upside down.
# Beyond this share from either side the grid says which way up the page is.
LABEL_SIDE_SHARE = 0.4
# A grid narrower than this share of the page is no form's (the form's spans 0.74-0.81 of it).
GRID_MIN_WIDTH_SHARE = 0.5
# A column rule may drift this many pixels sideways down the working page (a residual tilt of ~0.2°).
RULE_DRIFT_PX = 5
# The grid's outer border, this share of its width in from each side, is no column rule.
GRID_BORDER_SHARE = 0.05
# Inner column rules, in page heights of rule: fewer, the grid has no columns to tell by (the form's
# pages hold 0.22-3.9 on the samples); more, the page is striped (a photo, a scan's dark edge: 70 and 88).
INNER_RULES_MIN_HEIGHTS = 0.15
INNER_RULES_MAX_HEIGHTS = 10.0
# Ink centred below this share of the page height (from the bottom) says upside down; pages fill from
# the top. A part-filled page (a last page: one or two boxes) centres at 0.25-0.35; a full form page at
# 14 pt centres at 0.58, its long sections low on the page, and 0.42 turned it upside down.
TOP_HEAVY_CENTRE = 0.36


def upright(image: np.ndarray) -> tuple[np.ndarray, int]:
    """The page turned upright, and the clockwise turn applied (0, 90, 180 or 270)."""
    degrees = detect_rotation(image)
    return rotate(image, degrees), degrees


def rotate(image: np.ndarray, degrees: int) -> np.ndarray:
    """Turn an image clockwise by a multiple of 90 degrees."""
    turns = {0: None, 90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    code = turns[degrees % 360]
    return image if code is None else cv2.rotate(image, code)


def detect_rotation(image: np.ndarray) -> int:
    """The clockwise turn (0, 90, 180, 270) that makes the page upright; 0 when unsure."""
    masks = _ink_masks(image)
    if masks is None:
        return 0
    ink, glyphs = masks
    across, down = _line_votes(glyphs)
    total = across + down
    flips: tuple[int, int] | None = None
    if total >= MIN_LINE_VOTES and down / total >= LINE_MAJORITY:
        sideways = True
    elif total >= MIN_LINE_VOTES and across / total >= LINE_MAJORITY:
        sideways = False
    elif total >= MIN_LINE_VOTES:
        # Lines unclear (a widely spaced font): punctuation only lines up in the lines' true direction.
        flips = _flip_votes(glyphs)
        turned = _flip_votes(rotate(glyphs, 90))
        if max(turned) >= MIN_FLIP_VOTES and max(turned) >= FLIP_MAJORITY * sum(turned) and sum(turned) > sum(flips):
            sideways, flips = True, turned
        elif max(flips) >= MIN_FLIP_VOTES and max(flips) >= FLIP_MAJORITY * sum(flips):
            sideways = False
        else:
            return 0
    else:
        # Too few glyphs to see lines (a last page holding one opinion box): a portrait page fed sideways is landscape.
        h, w = ink.shape
        sideways = w > LANDSCAPE_RATIO * h
    turn = 0
    if sideways:
        turn = 90
        ink, glyphs = rotate(ink, 90), rotate(glyphs, 90)
    low, high = flips if flips is not None else _flip_votes(glyphs)
    votes = low + high
    if votes >= MIN_FLIP_VOTES and high / votes >= FLIP_MAJORITY:
        return (turn + 180) % 360
    if votes >= MIN_FLIP_VOTES and low / votes >= FLIP_MAJORITY:
        return turn
    # Punctuation undecided: a form page's grid has its labels at the left (a first page in large
    # print: 2 marks voted, its ink centred at 0.61, and it was read upside down, then again turned).
    side = _label_side(ink)
    if side:
        return turn if side > 0 else (turn + 180) % 360
    # No grid to tell by: printed pages fill from the top, so a part-filled page is heavy at the top.
    centre = _ink_centre(ink)
    if centre > 1 - TOP_HEAVY_CENTRE:
        return (turn + 180) % 360
    if centre >= TOP_HEAVY_CENTRE and votes >= MIN_UNANIMOUS_FLIP_VOTES and min(low, high) == 0:
        # A full page says nothing by its ink; a few marks, all on one side, still do (a form's
        # first page at 14 pt holds few punctuation marks: 5 high, 0 low, and it was left upside down).
        return (turn + 180) % 360 if high else turn
    return turn


def orientation_votes(image: np.ndarray) -> dict[str, float]:
    """The raw evidence behind ``detect_rotation`` (for --debug and for tuning on samples)."""
    masks = _ink_masks(image)
    if masks is None:
        return {"across": 0, "down": 0, "low": 0, "high": 0, "centre": 0.5}
    ink, glyphs = masks
    across, down = _line_votes(glyphs)
    if down > across:
        ink, glyphs = rotate(ink, 90), rotate(glyphs, 90)
    low, high = _flip_votes(glyphs)
    return {"across": across, "down": down, "low": low, "high": high, "centre": round(_ink_centre(ink), 3)}


def _ink_centre(ink: np.ndarray) -> float:
    """Vertical centre of the ink, 0 (top) to 1 (bottom)."""
    rows = np.count_nonzero(ink, axis=1).astype(np.float64)
    if rows.sum() == 0:
        return 0.5
    return float(np.dot(rows, np.arange(len(rows))) / rows.sum() / max(1, len(rows) - 1))


def _ink_masks(image: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Binary masks (255 = ink) at working size: all ink, and the glyphs alone (rules removed); None when blank."""
    if image.ndim == 3:
        gray = image[:, :, 2]  # red channel: red seal ink reads as paper, black and blue ink stay dark
    else:
        gray = image
    h, w = gray.shape[:2]
    factor = round(max(h, w) / WORK_LONG_SIDE)
    if factor >= 2:
        # A whole factor: OpenCV's fast path for INTER_AREA (a 300 dpi page halves in ~10 ms, not ~170).
        gray = cv2.resize(gray, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if float(np.mean(ink > 0)) < MIN_INK_SHARE:
        return None
    # Level the page first: on a page skewed a few degrees the rules are no runs to remove and a
    # text line's far end sits a line's height lower than its start (where a mark sits means nothing).
    angle = _level_angle(ink)
    if abs(angle) >= LEVEL_MIN_DEG:
        ink = (turn(ink, angle) > 127).astype(np.uint8) * 255
    hh, ww = ink.shape
    rule_h = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(ww * RULE_MIN_SHARE)), 1))
    rule_v = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(hh * RULE_MIN_SHARE))))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, rule_h)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, rule_v)
    rules = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    glyphs = cv2.bitwise_and(ink, cv2.bitwise_not(rules))
    return ink, glyphs


def _level_angle(ink: np.ndarray) -> float:
    """The angle (degrees, for ``ingest.skew.turn``) that levels the rows of ``ink`` (255 = ink).

    ``ingest.skew.best_angle``'s search (the same steps, the same score: the energy of the row
    profile), but each angle's profile is the histogram of the ink pixels' turned rows, not of a
    turned copy of the page: 32 turns of the whole copy were half of this module's CPU (issue 14)."""
    sub = ink[::LEVEL_STRIDE, ::LEVEL_STRIDE]
    ys, xs = np.nonzero(sub)
    if len(ys) == 0:
        return 0.0
    h, w = sub.shape
    x = xs.astype(np.float32) - w / 2
    y = ys.astype(np.float32) - h / 2
    reach = float(np.hypot(h, w)) / 2 + 1  # no turned row lies further from the centre

    def sharpness(angle: float) -> float:
        a = np.deg2rad(angle)
        rows = (y * np.float32(np.cos(a)) - x * np.float32(np.sin(a)) + reach).astype(np.intp)  # cv2's sense
        profile = np.bincount(rows).astype(np.float64)
        return float(np.dot(profile, profile))

    return best_angle(sharpness)


def _label_side(ink: np.ndarray) -> int:
    """Which side of the page's grid its label columns are on: 1 left (upright), -1 right (upside
    down), 0 no form grid to tell by. From the inner column rules' centre across the grid."""
    h, w = ink.shape
    # A thin rule left a little slanted by the levelling steps out of its one-pixel column every few
    # hundred rows (``_ink_masks`` then keeps it among the glyphs): widened first, it stays one run
    # down the page; a glyph's strokes are far shorter. Counted per widened column, a rule weighs ~once.
    wide = np.ones((1, RULE_DRIFT_PX), np.uint8)
    tall = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(h * RULE_MIN_SHARE))))
    rules = cv2.morphologyEx(cv2.dilate(ink, wide), cv2.MORPH_OPEN, tall)
    columns = np.count_nonzero(rules, axis=0).astype(np.float64) / RULE_DRIFT_PX
    xs = np.flatnonzero(columns)
    if len(xs) == 0 or xs[-1] - xs[0] < GRID_MIN_WIDTH_SHARE * w:
        return 0
    left, width = int(xs[0]), int(xs[-1] - xs[0])
    border = max(1, int(GRID_BORDER_SHARE * width))
    columns[: left + border] = 0
    columns[left + width - border + 1 :] = 0
    mass = float(columns.sum())
    if not INNER_RULES_MIN_HEIGHTS * h <= mass <= INNER_RULES_MAX_HEIGHTS * h:
        return 0
    centre = (float(np.dot(columns, np.arange(len(columns)))) / mass - left) / width
    if centre <= LABEL_SIDE_SHARE:
        return 1
    if centre >= 1 - LABEL_SIDE_SHARE:
        return -1
    return 0


def _components(ink: np.ndarray) -> np.ndarray:
    """Stats rows (x, y, w, h, area) of glyph-sized components."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return _glyph_sized(stats[1:], ink.shape)


def _glyph_sized(stats: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    long_side = max(shape)
    size = np.maximum(stats[:, 2], stats[:, 3])
    keep = (size >= GLYPH_MIN_SHARE * long_side) & (size <= GLYPH_MAX_SHARE * long_side)
    return stats[keep]


def _line_votes(ink: np.ndarray) -> tuple[int, int]:
    """Nearest-neighbour directions of glyphs: (across the page, down the page)."""
    # Join the strokes of one glyph first (a small closing), so neighbours are glyphs, not strokes.
    joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    stats = _components(joined)
    if len(stats) < MIN_LINE_VOTES:
        return 0, 0
    centres = stats[:, :2] + stats[:, 2:4] / 2.0
    em = float(np.median(np.maximum(stats[:, 2], stats[:, 3])))
    dist, idx = _nearest(centres)
    near = dist <= NEIGHBOUR_MAX_EMS * em
    delta = np.abs(centres[idx[near]] - centres[near])
    across = int(np.sum(delta[:, 0] > delta[:, 1]))
    down = int(np.sum(delta[:, 1] > delta[:, 0]))
    return across, down


def _nearest(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's distance to its nearest other point, and that point's index (exact, by brute force)."""
    n = len(points)
    dist = np.empty(n, np.float64)
    idx = np.empty(n, np.intp)
    for start in range(0, n, NEIGHBOUR_CHUNK):
        block = points[start : start + NEIGHBOUR_CHUNK]
        d2 = ((block[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
        rows = np.arange(len(block))
        d2[rows, rows + start] = np.inf  # not itself
        nearest = d2.argmin(axis=1)
        idx[start : start + len(block)] = nearest
        dist[start : start + len(block)] = np.sqrt(d2[rows, nearest])
    return dist, idx


def _flip_votes(ink: np.ndarray) -> tuple[int, int]:
    """Small marks standing alone in their column of a text line: (sitting low, sitting high)."""
    _, comp_labels, comp_stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    stats = _glyph_sized(comp_stats[1:], ink.shape)
    if len(stats) == 0:
        return 0, 0
    em = float(np.median(stats[:, 3]))
    smear = max(3, int(round(LINE_SMEAR_EMS * em)))
    lines_mask = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (smear, 1)))
    count, labels, line_stats, _ = cv2.connectedComponentsWithStats(lines_mask, connectivity=8)
    # A text line: about one glyph high, several glyphs long.
    lines = [
        i for i in range(1, count)
        if 0.6 * em <= line_stats[i, 3] <= 1.8 * em and line_stats[i, 2] >= 3 * em
    ]
    if not lines:
        return 0, 0
    usual = float(np.median(line_stats[lines, 3]))
    low = high = 0
    for line in lines:
        x, y, w, h, _ = line_stats[line]
        if h < MIN_LINE_HEIGHT_SHARE * usual:
            continue
        inside = comp_labels[y : y + h, x : x + w]
        ids = np.unique(inside[(labels[y : y + h, x : x + w] == line) & (inside > 0)])
        if len(ids) < 3:
            continue
        boxes = comp_stats[ids]
        x0 = boxes[:, 0]
        x1 = boxes[:, 0] + boxes[:, 2]
        small = (boxes[:, 3] <= SMALL_MARK_SHARE * h) & (boxes[:, 2] <= SMALL_MARK_SHARE * h) & (boxes[:, 3] >= 2)
        for i in np.flatnonzero(small):
            bx, by, bw, bh, _area = boxes[i]
            overlaps = (x0 < bx + bw) & (x1 > bx)
            if int(np.sum(overlaps)) > 1:  # something else above or below it: part of a glyph
                continue
            gap = PAIR_GAP_SHARE * h
            others = small.copy()
            others[i] = False
            if np.any(others & (x0 < bx + bw + gap) & (x1 > bx - gap)):
                continue
            position = (by + bh / 2.0 - y) / h
            if position >= LOW_POSITION:
                low += 1
            elif position <= HIGH_POSITION:
                high += 1
    return low, high
