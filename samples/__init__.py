"""Synthetic nomination forms with known truth: specs, rendering, seals, scanner damage.

Other stages' tests build extra cases with ``make_spec``, ``render_form``,
``draw_seal`` and ``scan``; ``python -m samples.generate`` writes the committed
batch (``samples/scans``, ``samples/online.xlsx``, ``samples/truth.json``).
"""

from samples.draw import Layout, render_attachment, render_blank_page, render_form, render_form_layout
from samples.fonts import FONTS, FontChoice, font_by_name
from samples.scan import ScanSettings, map_bbox, scan, scan_page
from samples.seal import draw_seal, seal_mask
from samples.spec import FormSpec, OpinionSpec, PrinterStyle, SealSpec, make_spec

__all__ = [
    "FONTS",
    "FontChoice",
    "FormSpec",
    "OpinionSpec",
    "ScanSettings",
    "SealSpec",
    "PrinterStyle",
    "draw_seal",
    "font_by_name",
    "make_spec",
    "render_attachment",
    "render_blank_page",
    "render_form",
    "render_form_layout",
    "Layout",
    "scan",
    "scan_page",
    "map_bbox",
    "seal_mask",
]
