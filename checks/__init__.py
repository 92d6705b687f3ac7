"""Stage 3: match paper to online records, apply the notice's rules, produce findings."""

from checks.finding import CODES, Finding

__all__ = ["CODES", "Finding"]
