"""Stage 3: match paper to online records, apply the notice's rules, produce findings."""

from checks.finding import CODES, Finding
from checks.options import CheckOptions
from checks.reconcile import DocumentChecks, Reconciliation, reconcile
from checks.rules import RuleContext, rule, rules_for

__all__ = [
    "CODES",
    "CheckOptions",
    "DocumentChecks",
    "Finding",
    "Reconciliation",
    "RuleContext",
    "reconcile",
    "rule",
    "rules_for",
]
