"""A ruled table of other text is no continuation page without the evidence for one (issue 13, kind 1).

The page reader calls a page with text in its table's first row under no label a continuation; a
price list's table shows that too. ``extract.continued`` keeps the kind only where the stack says
so: the page before ends in a long section, or a page of the form with labels follows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.continued import confirm_continuations, text_only
from extract.page import ExtractOptions
from extract.reading import FieldReading, PageReading
from forms.template import load_template
from ingest.page import Page
from ingest.stacks import NOT_THIS_FORM, split_stack
from paperdesk.stages import page_reading
from tests.test_extract_turned import _table_of_other_text

T = load_template("kczg-2020")
DPI = 200
OPTIONS = ExtractOptions(ocr_engine="rapidocr", second_opinion=False)


@pytest.fixture(scope="module")
def price_list() -> PageReading:
    page = Page(image=_table_of_other_text(), dpi=DPI, source=Path("price-list.png"), number=2)
    return page_reading(page, T, OPTIONS)


def _form_page(number: int, keys: list[str], kind: str = "first") -> PageReading:
    r = PageReading(source="stack.png", page=number, kind=kind, width=1654, height=2339, dpi=DPI)  # type: ignore[arg-type]
    for k in keys:
        r.fields[k] = FieldReading(key=k, value="x", page=number)
    return r


def _copy(r: PageReading, number: int) -> PageReading:
    return PageReading.from_dict(r.to_dict()).renumbered(number)


@pytest.mark.slow
def test_the_price_list_alone_reads_as_text_under_no_label(price_list: PageReading) -> None:
    # What the page reader says of it on its own (the case this module decides): its first row's text
    # under no label, no label of the form.
    assert text_only(price_list), (price_list.kind, list(price_list.fields), price_list.continued)
    assert price_list.continued is not None and price_list.continued.value


@pytest.mark.slow
def test_a_table_after_a_finished_form_is_another_documents_page(price_list: PageReading) -> None:
    last = _form_page(1, ["tech_benefit", "applicant_opinion", "recommender_opinion"], kind="continuation")
    table = _copy(price_list, 2)
    confirm_continuations([last, table], T)
    assert table.kind == "other" and table.continued is None
    assert any("page 2: a table with text under no label" in p and "not a continuation" in p for p in table.problems)
    assert not any(c.get("role") == "continued" for c in table.cells)


@pytest.mark.slow
def test_a_table_opening_a_stack_is_not_this_form(price_list: PageReading) -> None:
    table = _copy(price_list, 1)
    first = _form_page(2, ["tech_name", "domain"])
    confirm_continuations([table, first], T)
    assert table.kind == "other"
    assert "it is the first page of its stack" in table.problems[-1]
    split = split_stack([table.kind, first.kind])
    assert split.groups[0].flag == NOT_THIS_FORM and split.groups[0].pages == [0]


@pytest.mark.slow
def test_a_section_broken_on_the_page_before_keeps_its_continuation(price_list: PageReading) -> None:
    page1 = _form_page(1, ["tech_name", "domain", "team_intro"])  # ends in a long section
    table = _copy(price_list, 2)
    blank = PageReading(source="stack.png", page=3, kind="blank", width=1654, height=2339, dpi=DPI)
    page3 = _copy(price_list, 4)  # the same section goes on over a third page, past a blank sheet
    confirm_continuations([page1, table, blank, page3], T)
    assert table.kind == "continuation" and table.continued is not None and not table.problems
    assert page3.kind == "continuation"


@pytest.mark.slow
def test_a_page_between_the_forms_pages_keeps_its_continuation(price_list: PageReading) -> None:
    page1 = _form_page(1, ["tech_name", "domain", "trl"])  # ends in a short field
    table = _copy(price_list, 2)
    page3 = _form_page(3, ["tech_benefit", "applicant_opinion"], kind="continuation")
    confirm_continuations([page1, table, page3], T)
    assert table.kind == "continuation"
