"""Form templates as data, the rules of the notice that every stage shares.

``forms`` is the bottom layer: every stage may import it, it imports no stage.
"""

from forms.counting import COUNT_RULES, count_chars, count_words
from forms.errors import PaperdeskError
from forms.industry import IndustryClass, IndustryTable, load_industry_table
from forms.template import AttachmentSpec, FieldSpec, FormTemplate, load_template, template_names

__all__ = [
    "COUNT_RULES",
    "AttachmentSpec",
    "FieldSpec",
    "FormTemplate",
    "IndustryClass",
    "IndustryTable",
    "PaperdeskError",
    "count_chars",
    "count_words",
    "load_industry_table",
    "load_template",
    "template_names",
]
