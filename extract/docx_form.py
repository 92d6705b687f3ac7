"""A form filled in Word (DOCX): labels matched on the table's cell texts, never OCR'd.

Values are typed as a scanned cell's are (``values.typed_reading``), ticks and dates come from
the cell's characters (``marks.boxes``), and only a picture pasted into an opinion cell is
looked at as an image: the seal detector judges it, and a seal's ring text is OCR'd.
"""

from __future__ import annotations

import cv2
import numpy as np

from extract.assemble import ATTACHMENT_HEAD_CHARS, attachment_key, complete
from extract.images import CROP_DPI, crop_png
from extract.labels import GROUP_PREFIX, label_head, match_label, squash, strip_hints, template_hints
from extract.marks.boxes import chosen_value, date_from_text, ticks_from_text
from extract.marks.seal_text import fill_seal_text, read_seal_lines
from extract.marks.seals import read_seal
from extract.ocr import OcrEngine, get_engine, join_lines, line_reader, normalize_text
from extract.reading import AttachmentReading, FieldReading, FormReading, SealReading
from extract.values import typed_reading
from forms.errors import OcrError
from forms.template import FormTemplate
from ingest.page import DocxImage, DocxTable

# A picture in a DOCX without a shown size is taken to be one seal this wide (公章 are 38-45 mm).
DOCX_SEAL_ASSUMED_MM = 40.0
# A DOCX picture's computed dpi is kept in this range (a tiny shown size must not blow it up).
DOCX_MIN_DPI, DOCX_MAX_DPI = 72, 1200
# White margin put around a DOCX picture: the seal detector needs paper outside the ring
# (its outer band reaches 3.5 mm) and the seal's centre well inside the box.
DOCX_IMAGE_MARGIN_MM = 8.0


def decode_docx_image(image: DocxImage) -> tuple[np.ndarray, int] | None:
    """A cell's picture as BGR on white paper with white margins, and its dpi; None if undecodable.

    Transparent pixels become paper (a pasted seal PNG is red ink on alpha). The
    dpi is the picture's pixels over the size it is shown at in the document;
    without that size, the picture is taken to be one seal of
    ``DOCX_SEAL_ASSUMED_MM`` across.
    """
    raw = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.size == 0:
        return None
    if raw.dtype != np.uint8:
        raw = cv2.convertScaleAbs(raw, alpha=255.0 / max(1.0, float(raw.max())))
    if raw.ndim == 2:
        bgr = cv2.cvtColor(raw, cv2.COLOR_GRAY2BGR)
    elif raw.shape[2] == 4:
        alpha = raw[..., 3:4].astype(np.float32) / 255.0
        bgr = (raw[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)).round().astype(np.uint8)
    else:
        bgr = raw[..., :3]
    w = bgr.shape[1]
    shown_mm = image.width_mm if image.width_mm and image.width_mm > 0 else DOCX_SEAL_ASSUMED_MM
    dpi = int(round(min(DOCX_MAX_DPI, max(DOCX_MIN_DPI, w / (shown_mm / 25.4)))))
    pad = int(round(DOCX_IMAGE_MARGIN_MM * dpi / 25.4))
    bgr = cv2.copyMakeBorder(np.ascontiguousarray(bgr), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    return bgr, dpi


def _docx_seal(key: str, label: str, images: list[DocxImage], engine: OcrEngine | None) -> tuple[SealReading, bytes | None]:
    """The seal of an opinion cell from its pictures: present only when the seal detector finds one.

    A logo, a photo or a signature pasted there is not a seal; an undecodable
    picture makes the reading unreadable (never absent). Returns the crop of the
    picture judged (PNG) for the reports.
    """
    if not images:
        return SealReading(present=False, confidence=1.0, page=1, method="docx", reason="DOCX 意见栏中没有图片（无公章图像）"), None
    best: SealReading | None = None
    best_png: bytes | None = None
    problems: list[str] = []
    for n, image in enumerate(images, start=1):
        decoded = decode_docx_image(image)
        if decoded is None:
            problems.append(f"picture {n} of {label} cannot be decoded")
            continue
        img, dpi = decoded
        seal = read_seal(img, dpi, "color")
        seal.page, seal.method = 1, "docx"
        if seal.present and seal.bbox is not None and engine is not None:
            try:
                fill_seal_text(seal, read_seal_lines(img, list(seal.bbox), dpi, line_reader(engine)))
            except OcrError as exc:
                seal.reason = f"{seal.reason}; ring text not read: {exc}"
        seal.bbox = None  # a DOCX has no page pixels to point at; the crop shows the picture
        better = best is None or (seal.present and not best.present) or (seal.present == best.present and seal.confidence > best.confidence)
        if better:
            best, best_png = seal, crop_png(img, dpi, CROP_DPI)
    if best is None:
        return SealReading(present=False, confidence=0.0, page=1, method="docx", status="unreadable", reason="; ".join(problems)), None
    if problems:
        best.reason = f"{best.reason}; {'; '.join(problems)}"
    return best, best_png


def read_docx_form(doc_id: str, source: str, table: DocxTable, template: FormTemplate, engine: OcrEngine | None = None,
                   ocr_engine: str = "hybrid") -> FormReading:
    """A form filled in Word: labels matched on the cell texts, never OCR'd.

    Ticks come from ☑ / ■ / √ characters before an option; dates from the
    opinion cell's text. A seal is present only when the seal detector
    (``extract.marks.read_seal``) finds one in a picture pasted into the opinion
    cell (``DocxTable.images``); a cell without pictures has no seal. Only the
    seal's ring text is OCR'd, with ``engine`` (default: ``get_engine(ocr_engine)``,
    built only when a seal is found).
    """
    form = FormReading(document_id=doc_id, source_file=source, pages=[1], path_taken="docx")
    hints = template_hints(template)
    for ri, row in enumerate(table.rows):
        for i, cell in enumerate(row):
            m = match_label(cell, template)
            if m is None or m.key.startswith(GROUP_PREFIX) or m.key in form.fields:
                continue
            spec = template.field(m.key)
            # The value is the next cell; a label cell that also holds its text (label + hint + value) is its own value.
            value_text = row[i + 1] if i + 1 < len(row) else ""
            if i + 1 < len(row) and match_label(value_text, template) is not None and label_head(value_text):
                value_text = ""
            text = normalize_text(strip_hints(value_text, hints))
            if spec.kind == "choice":
                fr = FieldReading(key=spec.key, value=None, raw=text, confidence=1.0, page=1, engine="docx")
                chosen = ticks_from_text(text, list(spec.choices))
                if chosen is None:
                    fr.status, fr.reason, fr.confidence = "unreadable", "no tick characters in the cell", 0.0
                else:
                    chosen_value(fr, chosen)
                form.fields[spec.key] = fr
            elif spec.kind == "opinion":
                form.fields[spec.key] = FieldReading(key=spec.key, value=None, raw=text, confidence=1.0, page=1, engine="docx")
                pictures = table.images.get((ri, i + 1), []) if i + 1 < len(row) else []
                if not pictures:  # a label cell that holds its own opinion text holds its pictures too
                    pictures = table.images.get((ri, i), [])
                if pictures and engine is None:
                    engine = get_engine(ocr_engine)
                seal, png = _docx_seal(spec.key, spec.label, pictures, engine)
                form.seals[spec.key] = seal
                if png:
                    form.crops[spec.key] = png
                form.dates[spec.key] = date_from_text(text, page=1)
            else:
                form.fields[spec.key] = typed_reading(spec, text, 1.0, page=1, engine="docx")
    paras = [p for p in table.paragraphs if p.strip()]
    current: str | None = None
    for p in paras:
        key = attachment_key(p, template)
        if key is not None and len(squash(p)) <= ATTACHMENT_HEAD_CHARS:
            current = key
            continue
        if current is not None:
            att = form.attachments.setdefault(current, AttachmentReading(key=current, text="", confidence=1.0))
            att.text = join_lines([att.text, normalize_text(p)])
    complete(form, template, "in the DOCX table", engine="docx")
    return form
