"""Synthetic nomination forms with known truth: specs, rendering, seals, scanner damage.

Other stages' tests build extra cases with ``make_spec``, ``render_form``,
``draw_seal`` and ``scan``; ``python -m samples.generate`` writes the committed
batch (``samples/scans``, ``samples/online.xlsx``, ``samples/truth.json``).
"""

from samples.draw import render_attachment, render_blank_page, render_form
from samples.fonts import FONTS, FontChoice, font_by_name
from samples.scan import ScanSettings, scan
from samples.seal import SealStyle, draw_seal, seal_mask
from samples.spec import FormSpec, OpinionSpec, make_spec

__all__ = [
    "FONTS",
    "FontChoice",
    "FormSpec",
    "OpinionSpec",
    "ScanSettings",
    "SealStyle",
    "draw_seal",
    "font_by_name",
    "make_spec",
    "render_attachment",
    "render_blank_page",
    "render_form",
    "scan",
    "seal_mask",
]
