"""A page read as a continuation from text alone keeps that kind only with the evidence for it.

``page.classify`` calls a page "continuation" when it found a label of the form, or only text in
the table's first row under no label (``cells.read_continued``): the second is all a ruled table of
any other text shows too (a letter's table, a list of staff). A continuation page is a page of this
form whose table goes on with a section broken on the page before, so such a page keeps the kind
only where its stack says so: the page before it (blank pages aside) is a form page that ended in
a long section (the section its text goes on with), or the page after it is a later page of the
form, with labels (it sits inside the form's pages; a first page starts another form). Otherwise it is "other", with the reason in its
problems (results.json and the report list them); ``split_stack`` then keeps it as a page mailed
after the form, or, before any form page, as not this form.

The turned-page retry (``extract.turned``) runs before, on each page alone: an upside-down form
page is read the right way up, with its labels, before its stack is looked at.
"""

from __future__ import annotations

from extract.reading import PageReading
from forms.template import FormTemplate

FORM_KINDS = ("first", "continuation")


def text_only(reading: PageReading) -> bool:
    """A continuation read from text under no label alone (no label of the form found on it)."""
    return reading.kind == "continuation" and not reading.fields and reading.continued is not None


def _ends_in_section(reading: PageReading, template: FormTemplate) -> bool:
    """A form page whose last field (in the form's order) is a long section, which the next page
    may go on with; a text-only continuation page is inside a section itself."""
    if reading.kind not in FORM_KINDS:
        return False
    on_page = [k for k in template.keys if k in reading.fields]
    if not on_page:
        return text_only(reading)
    return template.field(on_page[-1]).long


def confirm_continuations(readings: list[PageReading], template: FormTemplate) -> None:
    """Each text-only continuation page of a stack (its pages in order) without the evidence that
    it goes on with the form's section is made "other", and says why in its problems."""
    shown = [r for r in readings if r.kind != "blank"]
    for i, r in enumerate(shown):
        if not text_only(r):
            continue
        before = shown[i - 1] if i > 0 else None
        after = shown[i + 1] if i + 1 < len(shown) else None
        if before is not None and _ends_in_section(before, template):
            continue
        if after is not None and after.kind == "continuation" and after.fields:  # a first page starts another form
            continue
        r.kind = "other"
        r.continued = None
        r.cells = [c for c in r.cells if c.get("role") != "continued"]
        where = (f"page {before.page} before it ends with no section to go on with" if before is not None
                 else "it is the first page of its stack")
        r.problems.append(f"page {r.page}: a table with text under no label of the form, but {where} and no "
                          f"page of the form follows it: read as another document's page, not a continuation")
