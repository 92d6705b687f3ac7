"""The options of the checks stage and the calibrated cut-offs they default to.

Calibration (``python -m bench.findings``; 400 simulated forms, seeds 0-399).
Paper values are the true values passed through the OCR noise model of
``bench/findings.py``: *format* noise (full/half width, ，for ``,``, spaces
between characters, ``O``/``l``/``S`` for ``0``/``1``/``5`` in Latin runs) on
every field, plus *glyph* noise (a CJK character read as a look-alike at
0.5-2 % of characters, one in five of those errors an unrelated character or a
dropped one) on the tolerant fields. Costs are ``checks.text.edit_cost``:
unexplained edits count 1, confusable substitutions 0.25.

    field kind   noise-only cost (max)   one change cost (min)   cut-off: MISMATCH when cost >
    name         0.00 (format noise)     0.25 (look-alike swap)  NAME_MAX_COST = 0.0
    address      0.75 (glyph noise)      1.00 (one char)         ADDRESS_MAX_COST = 0.75
    sentence     1.00 (glyph noise)      >= 2 or a digit         SENTENCE_MAX_COST = 1.0
    seal ring    similarity >= 0.78      similarity <= 0.67      SEAL_UNIT_MIN_SIMILARITY = 0.72
    industry     similarity >= 0.80      (unrelated names < 0.6) INDUSTRY_NAME_MIN_SIMILARITY = 0.75
    match score  true pairs >= 0.85      other pairs <= 0.52     MATCH_MIN_SCORE = 0.75

Names (技术名称, 联系人) are strict on purpose: the sample generator's
"one-character change" swaps a character for its look-alike (技→枝, 术→木),
which no string measure can tell from a glyph misread, and a changed name must
always be flagged. A name that differs only in look-alike glyphs on a
low-confidence reading is flagged as a warning rather than an error (see
``NAME_NOISY_CONFIDENCE``). See the final table of ``bench.findings`` for the
numbers of the current code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from forms import COUNT_RULES
from forms.errors import ConfigError

NAME_MAX_COST = 0.0
"""Names: any edit left after normalisation is a change (see the module docstring)."""
NAME_NOISY_CONFIDENCE = 0.80
"""Below this OCR confidence a look-alike-only name difference is a warning, not an error."""
ADDRESS_MIN_SIMILARITY = 0.80
"""Addresses: a glyph or two misread in 15-40 characters stays above 0.80; another street falls far below.
A changed digit (house number, postcode) is always a change."""
SENTENCE_MAX_COST = 2.0
"""Long texts, per sentence: this many unexplained edits are OCR in any sentence ..."""
SENTENCE_COST_PER_CHAR = 0.06
"""... plus this many per character of the sentence (2 % glyph noise gives 1 edit in 50, rarely 2);
an added or dropped clause costs its length and a changed digit always counts."""
SEAL_UNIT_MIN_SIMILARITY = 0.60
"""Seal rings are read along a curve, in part (the reader returns the middle of the arc) and rougher than
print; below this the seal names another unit. 3000 simulated rings: 0.55 flags 1.1 % of noisy rings and
misses 1.9 % of other units, 0.60 1.3 % / 1.7 %, 0.72 4.0 % / 0.8 % (units like 中国X学会 share most glyphs)."""
INDUSTRY_NAME_MIN_SIMILARITY = 0.75
"""An industry name this close to a GB/T 4754 name is that class misread (1 glyph in 4-6 is 0.75-0.83)."""
MATCH_MIN_SCORE = 0.75
"""A paper form and an online record below this weighted score are not the same nomination."""
MATCH_WEIGHTS: dict[str, float] = {"tech_name": 0.55, "contact": 0.15, "phone": 0.15, "email": 0.15}
"""The name carries most of the identity; contact, phone and e-mail break ties between near-identical names."""
DUPLICATE_NAME_MAX_COST = 1.0
"""A leftover form is a second copy of a matched record when its name is that record's name up to one
unexplained edit (a glyph misread on one copy); two or more edits make it another technology."""
MAX_CANDIDATES = 3
"""Nearest online records listed in a NO_ONLINE_RECORD finding's evidence."""
LENIENT_FIELDS: tuple[str, ...] = ("address",)
"""Short text fields compared with ADDRESS_MIN_SIMILARITY instead of the strict name rule."""


@dataclass
class CheckOptions:
    """Options of ``reconcile``; every cut-off defaults to its calibrated constant."""

    count_rule: str = "word"  # a key of forms.COUNT_RULES: "word" (Word's 字数) or "chars"
    name_max_cost: float = NAME_MAX_COST
    name_noisy_confidence: float = NAME_NOISY_CONFIDENCE
    address_min_similarity: float = ADDRESS_MIN_SIMILARITY
    sentence_max_cost: float = SENTENCE_MAX_COST
    sentence_cost_per_char: float = SENTENCE_COST_PER_CHAR
    seal_unit_min_similarity: float = SEAL_UNIT_MIN_SIMILARITY
    industry_name_min_similarity: float = INDUSTRY_NAME_MIN_SIMILARITY
    match_min_score: float = MATCH_MIN_SCORE
    match_weights: dict[str, float] = field(default_factory=lambda: dict(MATCH_WEIGHTS))
    duplicate_name_max_cost: float = DUPLICATE_NAME_MAX_COST
    max_candidates: int = MAX_CANDIDATES
    lenient_fields: tuple[str, ...] = LENIENT_FIELDS

    def __post_init__(self) -> None:
        if self.count_rule not in COUNT_RULES:
            known = ", ".join(sorted(COUNT_RULES))
            raise ConfigError(f"unknown count rule {self.count_rule!r} (known: {known})")
        for name in ("seal_unit_min_similarity", "industry_name_min_similarity", "match_min_score",
                     "name_noisy_confidence", "address_min_similarity"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value}")
        for name in ("name_max_cost", "sentence_max_cost", "sentence_cost_per_char", "duplicate_name_max_cost"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")
        if not self.match_weights or any(w < 0 for w in self.match_weights.values()):
            raise ConfigError("match_weights must be non-empty and non-negative")
        self.lenient_fields = tuple(self.lenient_fields)

    def count(self, text: str) -> int:
        """字 of ``text`` under the configured rule."""
        return COUNT_RULES[self.count_rule](text)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["lenient_fields"] = list(self.lenient_fields)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CheckOptions:
        names = set(cls.__dataclass_fields__)
        kwargs: dict[str, Any] = {k: v for k, v in d.items() if k in names}
        if "lenient_fields" in kwargs:
            kwargs["lenient_fields"] = tuple(kwargs["lenient_fields"])
        return cls(**kwargs)
