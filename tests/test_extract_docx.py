"""DOCX forms: seals are pictures pasted into the opinion cells, judged by the seal detector."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest

from extract.docx_form import decode_docx_image, read_docx_form
from extract.ocr import FakeOcrEngine
from forms.template import load_template
from ingest.page import DocxImage
from ingest.scans import read_docx
from samples import draw_seal

T = load_template("kczg-2020")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SEAL_DPI = 300
PICTURE_PX = 560  # 47 mm at 300 dpi: a 42 mm seal with a little paper around it


def _png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def _seal_png() -> bytes:
    white = np.full((PICTURE_PX, PICTURE_PX, 3), 255, np.uint8)
    return _png(draw_seal(white, "中国地质科学院", dpi=SEAL_DPI))


def _logo_png() -> bytes:
    """A unit's logo: a filled red square with a white letter, no ring."""
    img = np.full((PICTURE_PX, PICTURE_PX, 3), 255, np.uint8)
    cv2.rectangle(img, (120, 120), (440, 440), (40, 40, 200), -1)
    cv2.putText(img, "K", (210, 360), cv2.FONT_HERSHEY_SIMPLEX, 7, (255, 255, 255), 25)
    return _png(img)


def _write_form(path: Path, applicant_picture: bytes | None, recommender_picture: bytes | None) -> None:
    import docx
    from docx.shared import Mm

    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "技术名称"
    table.cell(0, 1).text = "一种遥感影像解译方法"
    for r, (label, picture, date) in enumerate(
        (("申报单位意见", applicant_picture, "2020年11月10日"), ("推荐单位意见", recommender_picture, "2020年11月12日")), start=1
    ):
        table.cell(r, 0).text = label
        cell = table.cell(r, 1)
        cell.text = "本单位承诺以上技术信息真实。"
        if picture is not None:
            cell.add_paragraph().add_run().add_picture(io.BytesIO(picture), width=Mm(PICTURE_PX / SEAL_DPI * 25.4))
        cell.add_paragraph(f"公章  {date}")
    document.save(str(path))


def test_read_docx_keeps_each_cells_pictures_with_their_shown_size(tmp_path: Path) -> None:
    path = tmp_path / "form.docx"
    _write_form(path, _seal_png(), None)
    table = read_docx(path)
    assert list(table.images) == [(1, 1)]  # the applicant's opinion cell only
    (image,) = table.images[(1, 1)]
    assert image.data[:4] == b"\x89PNG"
    assert image.width_mm == pytest.approx(PICTURE_PX / SEAL_DPI * 25.4, abs=0.05)
    decoded = decode_docx_image(image)
    assert decoded is not None
    assert abs(decoded[1] - SEAL_DPI) <= 1  # dpi from the pixels over the shown size


def test_seal_picture_present_empty_cell_absent(tmp_path: Path) -> None:
    path = tmp_path / "form.docx"
    _write_form(path, _seal_png(), None)
    form = read_docx_form("d0001", "form.docx", read_docx(path), T, engine=FakeOcrEngine())
    applicant, recommender = form.seals["applicant_opinion"], form.seals["recommender_opinion"]
    assert applicant.present is True and applicant.method == "docx" and applicant.confidence >= 0.5
    assert recommender.present is False and recommender.status == "read" and recommender.confidence == 1.0
    assert form.dates["applicant_opinion"].value == "2020-11-10"
    assert form.dates["recommender_opinion"].value == "2020-11-12"
    assert form.crops["applicant_opinion"][:4] == b"\x89PNG"  # the picture judged, for the review screen
    assert "recommender_opinion" not in form.crops


def test_a_logo_in_the_opinion_cell_is_not_a_seal(tmp_path: Path) -> None:
    path = tmp_path / "form.docx"
    _write_form(path, _logo_png(), _seal_png())
    form = read_docx_form("d0001", "form.docx", read_docx(path), T, engine=FakeOcrEngine())
    assert form.seals["applicant_opinion"].present is False
    assert form.seals["applicant_opinion"].status == "read"
    assert form.seals["recommender_opinion"].present is True


def test_transparent_seal_png_is_ink_on_white_paper() -> None:
    # A seal pasted as red ink on alpha (Word's usual export): transparent must become paper, not black.
    alpha = np.zeros((200, 200), np.uint8)
    cv2.circle(alpha, (100, 100), 80, 255, 6)
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[..., 2], rgba[..., 3] = 210, alpha
    decoded = decode_docx_image(DocxImage(_png(rgba), width_mm=None))
    assert decoded is not None
    img, dpi = decoded
    assert dpi == round(200 / (40.0 / 25.4))  # no shown size: one 40 mm seal assumed
    assert img[5, 5].tolist() == [255, 255, 255]
    margin = (img.shape[0] - 200) // 2
    assert img[margin + 100, margin + 20].tolist() == [0, 0, 210]  # on the ring
    assert decode_docx_image(DocxImage(b"not an image")) is None


def test_sample_form15_docx_has_both_seals() -> None:
    form = read_docx_form("d0015", "form15.docx", read_docx(SAMPLES / "scans" / "form15.docx"), T, engine=FakeOcrEngine())
    assert form.seals["applicant_opinion"].present is True
    assert form.seals["recommender_opinion"].present is True
    assert form.dates["applicant_opinion"].value == "2020-11-14"
    assert form.dates["recommender_opinion"].value == "2020-11-16"


@pytest.mark.slow
def test_sample_form15_docx_seal_text_with_the_real_engine() -> None:
    from rapidfuzz import fuzz

    form = read_docx_form("d0015", "form15.docx", read_docx(SAMPLES / "scans" / "form15.docx"), T)
    assert fuzz.ratio(form.seals["recommender_opinion"].text or "", "湖北省科学技术协会") >= 80
    assert fuzz.ratio(form.seals["applicant_opinion"].text or "", "徐州恒力重型机械股份有限公司") >= 70
