"""Join a document's page readings into one ``FormReading``: sections that go on across a page
break, labels repeated on the next page, attachments told apart by their heading, and every
key of the template present at the end (``complete``), read or not.
"""

from __future__ import annotations

from extract.labels import squash
from extract.ocr import join_lines
from extract.reading import AttachmentReading, DateReading, FieldReading, FormReading, PageReading, SealReading
from forms.template import FormTemplate

# An attachment's heading is looked for in this many characters at the top of its text.
ATTACHMENT_HEAD_CHARS = 40


def _join(a: str, b: str) -> str:
    """Two pieces of one section, across a page break."""
    return join_lines([a, b])


def _continue(fr: FieldReading, piece: FieldReading) -> None:
    text = _join(str(fr.raw or ""), str(piece.raw or ""))
    n_a, n_b = len(str(fr.raw or "")), len(str(piece.raw or ""))
    if n_a + n_b:
        fr.confidence = round((fr.confidence * n_a + piece.confidence * n_b) / (n_a + n_b), 4)
    fr.raw = text
    fr.value = text or None
    fr.status = "read" if text else fr.status


def assemble(doc_id: str, source: str, readings: list[PageReading], template: FormTemplate) -> FormReading:
    """Join a document's page readings into one FormReading with every template key."""
    readings = sorted(readings, key=lambda r: r.page)
    paths = {r.path for r in readings if r.kind != "blank"}
    path = paths.pop() if len(paths) == 1 else ("mixed" if paths else "ocr")
    form = FormReading(document_id=doc_id, source_file=source, pages=[r.page for r in readings], path_taken=path)
    last_long: str | None = None
    current_attachment: str | None = None
    for r in readings:
        form.page_sizes[r.page] = [r.width, r.height, r.dpi]
        if r.preview:
            form.previews[r.page] = r.preview
        form.problems.extend(r.problems)
        if r.kind == "attachment":
            form.attachment_pages.append(r.page)
            key = attachment_key(r.text, template) or current_attachment
            if key is None:
                headings = "/".join(h for a in template.attachments for h in a.headings)
                form.problems.append(f"page {r.page}: attachment page with no known heading ({headings})")
                continue
            current_attachment = key
            att = form.attachments.setdefault(key, AttachmentReading(key=key, text="", pages=[], confidence=0.0))
            att.text = _join(att.text, r.text)
            att.pages.append(r.page)
            att.confidence = 1.0 if r.path == "text-layer" else att.confidence or 0.9
            continue
        if r.continued is not None:
            if last_long is not None and last_long in form.fields:
                _continue(form.fields[last_long], r.continued)
            else:
                form.problems.append(f"page {r.page}: text at the top of the table belongs to no section of the page before")
        for key in template.keys:
            if key not in r.fields:
                continue
            fr = r.fields[key]
            if key in form.fields:
                # A label repeated on the next page: the section goes on.
                if template.field(key).long:
                    _continue(form.fields[key], fr)
                continue
            form.fields[key] = FieldReading.from_dict(fr.to_dict())
            if key in r.crops:
                form.crops[key] = r.crops[key]
        on_page = [k for k in template.keys if k in r.fields]
        if on_page:
            last = on_page[-1]
            last_long = last if template.field(last).long else None
        for key, seal in r.seals.items():
            form.seals.setdefault(key, seal)
        for key, date in r.dates.items():
            form.dates.setdefault(key, date)
    complete(form, template, "on any page")
    if not any(r.kind in ("first", "continuation") for r in readings):
        form.unreadable = "no page of the form was recognised (no table with the form's labels)"
    return form


def attachment_key(text: str, template: FormTemplate) -> str | None:
    """The attachment whose heading opens this page's text (its first ATTACHMENT_HEAD_CHARS characters)."""
    head = squash(text)[:ATTACHMENT_HEAD_CHARS]
    for att in template.attachments:
        if any(h in head for h in att.headings):
            return att.key
    return None


def complete(form: FormReading, template: FormTemplate, where: str, engine: str = "") -> None:
    """Every field of the template gets a reading (``not_found`` when its label was not
    ``where`` it was looked for), and every opinion box a seal and a date (unreadable when the
    box was not found). ``engine`` names the path (``docx``) on what is filled in."""
    for spec in template.fields:
        if spec.key not in form.fields:
            form.fields[spec.key] = FieldReading(key=spec.key, value=None, status="not_found", engine=engine,
                                                 reason=f"label {spec.label} not found {where}")
            form.problems.append(f"{spec.key}: label {spec.label} not found {where}")
        if spec.kind == "opinion":
            if spec.key not in form.seals:
                form.seals[spec.key] = SealReading(present=False, confidence=0.0, method=engine, status="unreadable",
                                                   reason=f"opinion box {spec.label} not found")
            if spec.key not in form.dates:
                form.dates[spec.key] = DateReading(present=False, status="unreadable", reason=f"opinion box {spec.label} not found")
