"""The marks a clerk looks for: ticked boxes, official seals (and their text), dates.

``extract.read_page`` calls these on the cells it found; every crop is BGR uint8
at the page's dpi, deskewed; boxes returned are relative to the crop.
"""

from extract.marks.color import remove_red
from extract.marks.seals import read_seal, read_seal_text

__all__ = ["read_seal", "read_seal_text", "remove_red"]
