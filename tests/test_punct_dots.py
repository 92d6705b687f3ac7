"""A 。 filled in by a 1-bit scan and read as a middle dot is set back by where the dot sits
(extract.punct); a real middle dot stays. Each line drawn here at 200 dpi and thresholded to 1 bit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.ocr import OcrBox, OcrText
from extract.punct import settle_dots, settle_text_dots
from samples.fonts import available_fonts, load_font

# 12 pt at 200 dpi.
EM_PX = 33
# A 。's ring at that size encloses ~20-40 px.
SMALL_HOLE_PX = 60


def bilevel_line(text: str, font: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """``text`` on a page strip, thresholded to black and white with the small 。 ring closed (what a
    1-bit scanner makes of it), and the line's box."""
    f = load_font(font, EM_PX)
    img = Image.new("L", (int(f.getlength(text)) + 80, 3 * EM_PX), 255)
    ImageDraw.Draw(img).text((40, EM_PX), text, font=f, fill=0)
    bbox = ImageDraw.Draw(img).textbbox((40, EM_PX), text, font=f)
    g = np.asarray(img)
    ink = np.where(g < 160, 255, 0).astype(np.uint8)
    # Holes smaller than the 。's fill in (the scanner's threshold closes them); a glyph's counters stay.
    holes = cv2.connectedComponentsWithStats(255 - ink, connectivity=4)
    for i in range(1, holes[0]):
        if holes[2][i][cv2.CC_STAT_AREA] <= SMALL_HOLE_PX:
            ink[holes[1] == i] = 255
    return 255 - ink, (int(bbox[0]), int(bbox[1]) - 2, int(bbox[2]), int(bbox[3]) + 2)


@pytest.mark.parametrize("font", available_fonts(with_kai=True))
def test_a_full_stop_read_as_a_middle_dot_is_a_full_stop(font: str) -> None:
    gray, box = bilevel_line("加工效率降低11.4%。研发过程中建立了样本库。技术推广", font)
    read = "加工效率降低11.4%·研发过程中建立了样本库°技术推广"
    assert settle_dots(OcrBox(read, box, 0.9), gray) == "加工效率降低11.4%。研发过程中建立了样本库。技术推广"


@pytest.mark.parametrize("font", available_fonts(with_kai=True))
def test_a_middle_dot_stays(font: str) -> None:
    gray, box = bilevel_line("引进卡尔·马克思研究院的方法", font)
    t = OcrText("引进卡尔·马克思研究院的方法", 0.9, [OcrBox("引进卡尔·马克思研究院的方法", box, 0.9)])
    assert settle_text_dots(t, gray).text == "引进卡尔·马克思研究院的方法"
