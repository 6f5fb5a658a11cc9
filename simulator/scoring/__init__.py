"""Scoring: normalise a reply, match rules, explain the verdict. Pure and fast."""

from simulator.scoring.scorer import MAX_REPLY_CHARS, Scorer, rule_set, scorer_for
from simulator.scoring.verdict import STEPS, CategoryResult, Hit, Span, Verdict

__all__ = [
    "MAX_REPLY_CHARS",
    "STEPS",
    "CategoryResult",
    "Hit",
    "Scorer",
    "Span",
    "Verdict",
    "rule_set",
    "scorer_for",
]
