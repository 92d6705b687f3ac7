"""Stage 2: read each document into one ``FormReading``.

preprocess → find the grid → label the cells (template) → OCR each value
cell → ticks, seals, dates.
"""

from extract.reading import AttachmentReading, DateReading, FieldReading, FormReading, SealReading

__all__ = ["AttachmentReading", "DateReading", "FieldReading", "FormReading", "SealReading"]
