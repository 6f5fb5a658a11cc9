"""Rule kinds: one module each, behind one registry (``compile_rule``).

A compiled rule names the RE2 patterns it needs in the one-pass prefilter, and finds its
spans (in folded text) only when the prefilter says it may fire.
"""

from __future__ import annotations

from simulator.model.schema import Rule
from simulator.scoring.rules.absence import AbsenceMatcher
from simulator.scoring.rules.base import Matcher
from simulator.scoring.rules.cooccur import CooccurMatcher
from simulator.scoring.rules.occurrence import OccurrenceMatcher
from simulator.scoring.rules.phrase import PhraseMatcher
from simulator.scoring.rules.question import QuestionMatcher
from simulator.scoring.rules.regex import RegexMatcher

KINDS: dict[str, type[Matcher]] = {
    "phrase": PhraseMatcher,
    "regex": RegexMatcher,
    "cooccur": CooccurMatcher,
    "absence": AbsenceMatcher,
    "occurrence": OccurrenceMatcher,
    "question": QuestionMatcher,
}


def compile_rule(rule: Rule, language: str, weight: float) -> Matcher:
    return KINDS[rule.kind](rule, language, weight)


__all__ = ["KINDS", "Matcher", "compile_rule"]
