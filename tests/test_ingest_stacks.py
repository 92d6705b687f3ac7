"""ingest: splitting stacks, the text-free page classifier, and turning pages upright, on generator pages."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ingest import (
    FIRST_PAGE_MISSING,
    NOT_THIS_FORM,
    PageGroup,
    classify_layout,
    detect_rotation,
    group_pages,
    iter_pages,
    layout_kind,
    split_stack,
    upright,
)
from ingest.orientation import rotate
from ingest.stacks import confirm_blank
from samples.draw import render_attachment, render_blank_page, render_form
from samples.photo import photo_page
from samples.scan import ScanSettings, scan, scan_page
from samples.spec import make_spec

DPI = 150  # orientation works at ~150-200 dpi whatever the input (a 300 dpi page is halved); keeps the suite fast
ATTACHMENT_TEXT = "本技术针对复杂地质条件下的资源勘查需求，研发了多源数据融合方法，精度提高30%。\n" * 12


@lru_cache(maxsize=4)
def _clean(seed: int) -> tuple[np.ndarray, ...]:
    """A form's printed pages (first, continuation, last) and one page of detailed material."""
    pages = render_form(make_spec(seed), dpi=DPI)
    attachment = render_attachment("技术水平详细材料", ATTACHMENT_TEXT, dpi=DPI, seed=seed)[0]
    return (*pages[:3], attachment)


@lru_cache(maxsize=16)
def _scanned_upright(seed: int, mode: str, skew: float) -> tuple[np.ndarray, ...]:
    out = scan(list(_clean(seed)), mode=mode, dpi=DPI, src_dpi=DPI, skew_deg=skew, seed=seed)
    return tuple(cv2.cvtColor(p, cv2.COLOR_GRAY2BGR) if p.ndim == 2 else p for p in out)


def _scanned(seed: int, mode: str, turn: int = 0, skew: float = 0.6) -> list[np.ndarray]:
    """Scanned pages fed turned ``turn`` clockwise (as samples.scan's ``rotate`` does: a final quarter-turn)."""
    pages = _scanned_upright(seed, mode, skew)
    return [np.ascontiguousarray(np.rot90(p, -(turn // 90))) for p in pages]


# ---------------------------------------------------------------- group_pages / split_stack


def test_stack_of_forms_blanks_and_attachments() -> None:
    kinds = ["first", "continuation", "continuation", "attachment", "blank",
             "first", "continuation", "other", "attachment", "blank", "blank",
             "first", "blank", "continuation"]
    split = split_stack(kinds)
    assert split.groups == [
        PageGroup(pages=[0, 1, 2], attachments=[3]),
        PageGroup(pages=[5, 6], attachments=[7, 8]),
        PageGroup(pages=[11, 13]),  # a blank back between a form's pages is dropped, the form goes on
    ]
    assert split.blanks == [4, 9, 10, 12]
    assert split.orphans == []
    accounted = sorted([i for g in split.groups for i in g.pages + g.attachments] + split.blanks)
    assert accounted == list(range(len(kinds)))  # nothing silently dropped
    assert group_pages(kinds) == split.groups


def test_leading_pages_that_are_not_this_form() -> None:
    split = split_stack(["other", "attachment", "blank", "first", "continuation"])
    assert split.groups[0] == PageGroup(pages=[0, 1], flag=NOT_THIS_FORM)
    assert split.groups[1] == PageGroup(pages=[3, 4])
    assert split.orphans == [0, 1]
    assert split.blanks == [2]


def test_leading_continuation_is_a_form_missing_its_first_page() -> None:
    split = split_stack(["continuation", "continuation", "attachment", "first"])
    assert split.groups[0] == PageGroup(pages=[0, 1], attachments=[2], flag=FIRST_PAGE_MISSING)
    assert split.groups[1] == PageGroup(pages=[3])


def test_all_blank_and_empty_stacks() -> None:
    assert split_stack(["blank", "blank"]).groups == [] and split_stack(["blank", "blank"]).blanks == [0, 1]
    assert split_stack([]).groups == []


def test_unknown_kind_is_kept_as_other_and_listed() -> None:
    split = split_stack(["first", "", "cover", "continuation"])
    assert split.groups == [PageGroup(pages=[0, 3], attachments=[1, 2])]
    assert split.unknown == [1, 2]


def test_page_group_round_trips() -> None:
    group = PageGroup(pages=[4, 5], attachments=[6], flag=FIRST_PAGE_MISSING)
    assert PageGroup.from_dict(group.to_dict()) == group


# ---------------------------------------------------------------- classify_layout


@pytest.mark.parametrize("mode", ["color", "gray", "bilevel"])
def test_layout_kinds_of_form_pages(mode: str) -> None:
    pages = _scanned(0, mode, skew=-1.9)
    kinds = [layout_kind(p) for p in pages]
    assert kinds == ["first", "continuation", "continuation", "attachment"]


def test_layout_blank_page_and_picture() -> None:
    blank = scan([render_blank_page(DPI)], mode="color", dpi=DPI, src_dpi=DPI, seed=3)[0]
    assert layout_kind(blank) == "blank"
    specks = blank.copy()
    specks[500:503, 700:703] = 0  # a stray dot is not content
    assert layout_kind(specks) == "blank"
    photo = np.random.default_rng(0).integers(0, 120, blank.shape, dtype=np.uint8)
    assert layout_kind(photo) == "other"


@pytest.mark.parametrize(
    ("mode", "dpi", "tint", "uneven", "threshold"),
    [
        ("color", DPI, 0.0, 0.0, "otsu"),
        ("color", DPI, 1.0, 0.3, "otsu"),  # very yellow paper, strong light fall-off (as form10)
        ("gray", 200, 1.0, 0.3, "otsu"),
        ("bilevel", 300, 0.0, 0.0, "adaptive"),
        ("bilevel", DPI, 1.0, 0.3, "adaptive"),
    ],
)
def test_a_blank_sheet_stays_blank(mode: str, dpi: int, tint: float, uneven: float, threshold: str) -> None:
    page = scan_page(render_blank_page(dpi), ScanSettings(mode=mode, dpi=dpi, src_dpi=dpi, paper_tint=tint,
                                                          uneven_illumination=uneven, threshold=threshold, seed=3))
    assert confirm_blank("blank", page) == "blank"
    bgr = page if page.ndim == 3 else cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    assert confirm_blank("blank", bgr) == "blank"


def test_a_page_with_content_the_reader_found_empty_is_other_not_blank() -> None:
    """Issue 15 item 9: the reader calls a page with no grid and no text "blank"; a photo is not."""
    photo = photo_page(0)
    assert confirm_blank("blank", photo) == "other"
    gray = cv2.cvtColor(photo_page(1), cv2.COLOR_BGR2GRAY)
    assert confirm_blank("blank", gray) == "other"
    assert confirm_blank("blank", cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)) == "other"
    dithered = np.where(gray > np.random.default_rng(0).integers(0, 256, gray.shape), 255, 0).astype(np.uint8)
    assert confirm_blank("blank", dithered) == "other"  # a photo sent through a 1-bit scanner
    pink = np.zeros((1754, 1240, 3), np.uint8)
    pink[..., 2], pink[..., 1], pink[..., 0] = 230, np.linspace(60, 200, 1240, dtype=np.uint8)[None, :], 120
    assert layout_kind(pink) == "blank"  # bright in red, the channel the layout reads: hence the colour test
    assert confirm_blank("blank", pink) == "other"
    text = render_attachment("关于召开学术年会的通知", ATTACHMENT_TEXT, dpi=DPI)[0]
    _, onebit = cv2.threshold(cv2.cvtColor(text, cv2.COLOR_BGR2GRAY), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    assert confirm_blank("blank", onebit) == "other"  # print the OCR did not read is still print


@pytest.mark.parametrize("kind", ["first", "continuation", "attachment", "other", ""])
def test_confirm_blank_changes_only_blank(kind: str) -> None:
    assert confirm_blank(kind, np.full((800, 600, 3), 255, np.uint8)) == kind
    assert confirm_blank(kind, photo_page(2, (800, 600))) == kind


def test_classify_layout_on_pages_read_from_a_stack_file(tmp_path: Path) -> None:
    """A stack TIFF (a form, a blank separator, a form's first two pages) → pages → kinds → two documents."""
    form = _scanned(0, "gray")[:3]
    blank = scan([render_blank_page(DPI)], mode="gray", dpi=DPI, src_dpi=DPI, seed=2)[0]
    path = tmp_path / "stack.tif"
    frames = [Image.fromarray(cv2.cvtColor(p, cv2.COLOR_BGR2GRAY)) for p in form] + [Image.fromarray(blank)]
    frames += [Image.fromarray(cv2.cvtColor(p, cv2.COLOR_BGR2GRAY)) for p in form[:2]]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(DPI, DPI))  # uncompressed: deflate costs seconds
    read = list(iter_pages(path))
    split = split_stack([classify_layout(p) for p in read])
    assert split.groups == [PageGroup(pages=[0, 1, 2]), PageGroup(pages=[4, 5])]
    assert split.blanks == [3]


# ---------------------------------------------------------------- orientation


@pytest.mark.parametrize("mode", ["color", "gray", "bilevel"])
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_upright_at_all_four_turns(mode: str, turn: int) -> None:
    """The scanner fed the page turned ``turn`` clockwise; upright() turns it back."""
    for index, page in enumerate(_scanned(0, mode, turn)):
        degrees = detect_rotation(page)
        assert degrees == (360 - turn) % 360, f"page {index + 1}"


# Scanner resolutions and ink a clerk's scans come in (the 600-dpi page is upsampled from a 300-dpi drawing).
SCAN_KINDS = [(150, "gray"), (150, "bilevel"), (300, "bilevel"), (600, "gray")]


@pytest.mark.parametrize(("dpi", "mode"), SCAN_KINDS)
def test_upright_at_every_turn_and_resolution(dpi: int, mode: str) -> None:
    """Every page of a drawn form, scanned skewed at ``dpi`` in gray or 1-bit ink, fed at each quarter-turn:
    ``detect_rotation`` (its levelling searched on the ink's pixels, not on turned copies) turns it back."""
    pages = render_form(make_spec(6), dpi=300)[:3]
    scanned = scan(list(pages), mode=mode, dpi=dpi, src_dpi=300, skew_deg=-1.8, seed=6)
    for index, page in enumerate(scanned):
        for turn in (0, 90, 180, 270):
            fed = np.ascontiguousarray(np.rot90(page, -(turn // 90)))
            assert detect_rotation(fed) == (360 - turn) % 360, f"page {index + 1} fed at {turn}"


def test_upright_returns_the_turned_image() -> None:
    page = _scanned(0, "gray")[1]
    fed = rotate(page, 90)
    image, degrees = upright(fed)
    assert degrees == 270
    assert image.shape == page.shape
    assert np.mean(np.abs(image.astype(int) - page.astype(int))) < 1  # the same pixels back


def test_upright_leaves_a_page_without_text_alone() -> None:
    blank = np.full((800, 600, 3), 255, np.uint8)
    assert upright(blank)[1] == 0
    ruled = blank.copy()
    ruled[100:102, 50:550] = 0
    ruled[300:302, 50:550] = 0
    assert upright(ruled)[1] == 0


def test_iter_pages_turns_a_sideways_scan_upright(tmp_path: Path) -> None:
    turned = _scanned(0, "bilevel", 90)[:2]
    path = tmp_path / "sideways.tif"
    frames = [Image.fromarray(cv2.cvtColor(p, cv2.COLOR_BGR2GRAY)).convert("1") for p in turned]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="group4", dpi=(DPI, DPI))
    pages = list(iter_pages(path))
    assert [p.rotation for p in pages] == [270, 270]
    assert all(p.image.shape[0] > p.image.shape[1] for p in pages)  # portrait again
    assert all(p.color_mode == "bilevel" for p in pages)


@pytest.mark.parametrize(("dpi", "mode"), [*SCAN_KINDS, (300, "color")])
def test_a_first_page_in_large_print_with_few_marks_is_turned_by_its_grid(dpi: int, mode: str) -> None:
    """A form's first page in a large sans face holds two punctuation marks and its ink centres at 0.61
    (a fresh batch's page, seed 217167): the marks could not say, and upside down or on its side it was
    read as it came, then again turned (``extract.turned``). Its grid says: the labels are at the left."""
    from ingest.orientation import MIN_FLIP_VOTES, orientation_votes
    from samples.variety import plan_variants

    spec = plan_variants(217167, ["turned"], 1)[0].spec
    page = render_form(spec, dpi=300)[0]
    scanned = scan([page], mode=mode, dpi=dpi, src_dpi=300, skew_deg=-0.4, seed=11)[0]
    scanned = cv2.cvtColor(scanned, cv2.COLOR_GRAY2BGR) if scanned.ndim == 2 else scanned
    votes = orientation_votes(rotate(scanned, 180))
    assert votes["low"] + votes["high"] < MIN_FLIP_VOTES  # the marks alone cannot tell
    for turn in (0, 90, 180, 270):
        fed = np.ascontiguousarray(np.rot90(scanned, -(turn // 90)))
        assert detect_rotation(fed) == (360 - turn) % 360, f"fed at {turn}"
