"""A form page its ink's cues left upside down or on its side is read again turned (``extract.turned``).

The pages are drawn by the sample generator and handed to the page reader as they would come out of
ingest had its orientation votes been too few to decide: turned, with ``rotation`` 0.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from extract.page import ExtractOptions
from extract.reading import PageReading
from forms.template import load_template
from ingest.orientation import rotate
from ingest.page import Page
from paperdesk.stages import page_reading
from samples.fonts import available_fonts, load_font

T = load_template("kczg-2020")
DPI = 200
OPTIONS = ExtractOptions(ocr_engine="rapidocr", second_opinion=False)


@pytest.fixture(scope="module")
def first_page() -> tuple[object, np.ndarray]:
    samples = pytest.importorskip("samples")
    spec = samples.make_spec(5)
    pages, _layout = samples.render_form_layout(spec, dpi=DPI)
    return spec, pages[0]


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [180, 90])
def test_a_form_page_left_turned_is_read_turned_back(first_page, degrees):
    spec, image = first_page
    page = Page(image=rotate(image, degrees), dpi=DPI, source=Path("turned.png"), number=1)
    r = page_reading(page, T, OPTIONS)
    assert r.kind == "first"
    assert r.fields["tech_name"].value == spec.values()["tech_name"]
    assert (r.width < r.height), "the reading's page is the upright one, so its boxes and crops fit it"
    assert r.turned == (360 - degrees) % 360  # what the archive turns the page it re-renders by
    assert PageReading.from_dict(r.to_dict()).turned == r.turned


def _table_of_other_text() -> np.ndarray:
    """A ruled table that is not the form: a price list, upright."""
    img = Image.new("RGB", (1654, 2339), "white")
    d = ImageDraw.Draw(img)
    font = load_font(available_fonts()[0], 40)
    for i in range(6):
        y = 300 + i * 150
        d.line((150, y, 1500, y), fill="black", width=3)
        if i < 5:
            d.text((180, y + 50), f"第{i + 1}项 办公用纸 单价{20 + i}元 数量{3 * i + 1}包", font=font, fill="black")
    for x in (150, 700, 1500):
        d.line((x, 300, x, 1050), fill="black", width=3)
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


@pytest.mark.slow
def test_a_table_that_is_not_the_form_is_kept_as_it_came():
    page = Page(image=_table_of_other_text(), dpi=DPI, source=Path("price-list.png"), number=1)
    r = page_reading(page, T, OPTIONS)
    assert not r.fields  # no turn read a label of the form
    assert r.kind != "first"
    assert r.width < r.height and r.page == 1 and r.turned == 0


def test_the_archive_turns_a_page_as_its_reading_did():
    from paperdesk.archive.pages import encode

    image = np.full((300, 200, 3), 255, np.uint8)
    image[10:40, 10:60] = 0  # ink at the top left: after a half turn, at the bottom right
    page = Page(image=image, dpi=DPI, source=Path("t.png"), number=1, color_mode="gray")
    as_read = encode(page, 0.0, None, turned=180)
    picture = cv2.imdecode(np.frombuffer(as_read.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert picture[-25, -35] < 128 and picture[25, 35] > 128
    assert (as_read.width, as_read.height) == (200, 300)
    assert encode(page, 0.0, None, turned=90).width == 300
