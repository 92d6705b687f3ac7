"""The options of the checks stage and the calibrated cut-offs they default to.

Calibration (``.venv/bin/python -m bench.findings --forms 240 --calibration-forms 300``,
seed 7). Paper values are the true values passed through the OCR noise model of
``bench/findings.py``: *format* noise (full/half width, ，for ``,``, spaces
between characters, ``O``/``l``/``S``/``B`` for ``0``/``1``/``5``/``8``) on
every field, plus *glyph* noise (0.5-2 % of CJK characters per form: a
look-alike from ``CONFUSABLE_GROUPS`` 80 %, an unrelated character 10 %, a
dropped one 10 %) on addresses, long texts, industries and (3x) seal rings.
Costs are ``checks.text.edit_cost`` (unexplained edit 1, look-alike 0.25).

    measure                     OCR noise only             one change                  cut-off (flagged noise / missed changes)
    name cost (format noise)    max 0.00                   min 0.25 (look-alike swap)  > 0.00   0/600 / 0/600
    name cost (+glyph noise)    max 2.00                   min 0.25                    > 0.00  51/600 / 0/600  (see below)
    address similarity          min 0.88                   max 0.77 (another address)  < 0.80   0/300 / 0/300, + any digit
    sentence cost - allowance   max 1.48                   min 6.56 (a clause added)   > 2.00   0/2157 / 0/225, + any digit
    seal ring similarity        2000 rings: see SEAL_UNIT_MIN_SIMILARITY               < 0.45 or another unit +0.10: 0.65 % / 0.10 %
    industry name similarity    min 0.25 (1 in 300)        max 0.67 (made-up names)    < 0.75   1/300 / 0/9
    match score                 true pairs min 0.92        best wrong record max 0.72  < 0.75   0/300 / 0/300

Names (技术名称, 联系人) are strict on purpose: the sample generator's
"one-character change" swaps a character for its look-alike (技→枝, 术→木),
which no string measure can tell from a glyph misread, and a changed name must
always be flagged. With glyph noise on printed names too (``--glyph-names``)
about 1 name in 12 is flagged for noise alone; such a difference made only of
known look-alikes on a low-confidence reading is a warning rather than an
error (``NAME_NOISY_CONFIDENCE``) and its message says it may be a misread.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from forms import COUNT_RULES, FieldSpec, FormTemplate
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
SEAL_UNIT_MIN_SIMILARITY = 0.45
"""Seal rings are read along a curve, in part (the reader returns the middle of the arc) and rougher than
print: below this similarity to the online unit the seal names another unit ..."""
SEAL_OTHER_UNIT_MARGIN = 0.10
"""... and above it, when another unit of the export fits the ring this much better. 2000 simulated rings
(3x glyph noise, every unit known): 0.45/0.10 flags 0.65 % of noisy rings and misses 0.10 % of other
units; a plain cut-off of 0.60 gave 1.3 % / 1.7 % (units like 中国X学会 share most glyphs)."""
SEAL_UNIT_TIE_MARGIN = 0.10
"""Two units of the batch that fit a ring within this of each other are both possible: the ring is
"not sure" and names neither (the same margin that makes one unit fit clearly better than the online one)."""
SEAL_WHOLE_MIN_SIMILARITY = 0.8
"""A ring whose reading fits another unit's WHOLE name this well (清华大学 read whole; a glyph wrong in
five) names that unit whatever its length, when the online unit's whole name fits it less by the margin."""
SEAL_SHORT_PART_MIN_SIMILARITY = 0.75
"""A reading shorter than SEAL_CLOSER_MIN_CHARS names another unit only when it is that unit's stretch
read (near) exactly, a glyph wrong in four at most (南大学 of 中南大学: the online 清华大学 fits it in part,
华大学, two glyphs of three; 复且大学 is 复旦大学, not 华中科技大学's 科技大学)."""
SEAL_RIVAL_MIN_SIMILARITY = 0.65
"""Another unit is named, or makes a ring "not sure", only when it fits at least two thirds of the
reading (or, for "not sure", clearly better than the online unit: rules.SEAL_RIVAL_BETTER_MIN): a partial read fits many units through their common words (限公司深市: 有限公司; 北京邮电大学, a
unit outside the batch: 北京市科学技术协会 through 北京, 0.5)."""
SEAL_SURE_SIMILARITY = 0.9
"""The online unit fits a ring this well (a glyph wrong in ten) and no rival is asked about; below it,
another unit of the batch that fits about as well (SEAL_UNIT_TIE_MARGIN) makes the ring "not sure"."""
SEAL_CLOSER_MIN_CHARS = 5
"""The closer-unit test needs this many glyphs of the ring: 240 simulated forms flagged 3 noisy four-glyph
reads (中科技犬 for 华中科技大学 fits 西安电子科技大学 as well); from five glyphs on, none."""
INDUSTRY_NAME_MIN_SIMILARITY = 0.75
"""An industry name this close to a GB/T 4754 name is that class misread (1 glyph in 4-6 is 0.75-0.83)."""
MATCH_MIN_SCORE = 0.75
"""A paper form and an online record below this weighted score are not the same nomination."""
DUPLICATE_NAME_MAX_COST = 1.0
"""A leftover form is a second copy of a matched record when its name is that record's name up to one
unexplained edit (a glyph misread on one copy); two or more edits make it another technology."""
MAX_CANDIDATES = 3
"""Nearest online records listed in a NO_ONLINE_RECORD finding's evidence."""

YEAR_HIDDEN_WINDOW_DAYS = 183
"""A date whose year is hidden (a seal's text over it) but whose month and day read is taken to be of
the deadline's year when that puts it within this many days of the deadline: a form signed for this
notice. Further away (a January date against a November deadline could be next year's), it stays
unreadable."""


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
    seal_other_unit_margin: float = SEAL_OTHER_UNIT_MARGIN
    seal_closer_min_chars: int = SEAL_CLOSER_MIN_CHARS
    seal_unit_tie_margin: float = SEAL_UNIT_TIE_MARGIN
    seal_whole_min_similarity: float = SEAL_WHOLE_MIN_SIMILARITY
    seal_short_part_min_similarity: float = SEAL_SHORT_PART_MIN_SIMILARITY
    seal_sure_similarity: float = SEAL_SURE_SIMILARITY
    seal_rival_min_similarity: float = SEAL_RIVAL_MIN_SIMILARITY
    industry_name_min_similarity: float = INDUSTRY_NAME_MIN_SIMILARITY
    match_min_score: float = MATCH_MIN_SCORE
    match_weights: dict[str, float] | None = None  # None: the template's match_weight roles
    duplicate_name_max_cost: float = DUPLICATE_NAME_MAX_COST
    max_candidates: int = MAX_CANDIDATES
    lenient_fields: tuple[str, ...] = ()  # short text fields compared as addresses besides the template's own
    year_hidden_window_days: int = YEAR_HIDDEN_WINDOW_DAYS

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
        if self.match_weights is not None and (not self.match_weights or any(w < 0 for w in self.match_weights.values())):
            raise ConfigError("match_weights must be non-empty and non-negative")
        self.lenient_fields = tuple(self.lenient_fields)

    def weights(self, template: FormTemplate) -> dict[str, float]:
        """The weights a paper form is matched to a record by: these options', else the template's."""
        return dict(self.match_weights) if self.match_weights is not None else template.match_weights

    def lenient(self, spec: FieldSpec) -> bool:
        """Is this field compared as an address (the template says so, or these options)?"""
        return spec.address or spec.key in self.lenient_fields

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
