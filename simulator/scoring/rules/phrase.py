"""``phrase``: phrases on word boundaries, optionally with inserted words, optionally
cancelled by a negation in front ("I won't tell you you're lucky")."""

from __future__ import annotations

from typing import Any

from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span


class PhraseMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        re2_text, self.pattern = self.phrase_patterns(rule.phrases, rule.max_gap)
        self.prefilter = [re2_text]
        self.unless_negated: bool = rule.unless_negated

    def find(self, reply: Reply, slots: frozenset[int], fired: set[str]) -> list[Span] | None:
        spans = [m.span() for m in self.pattern.finditer(reply.text)]
        spans = self._without_exceptions(reply, spans)
        if self.unless_negated:
            spans = [(s, e) for s, e in spans if not reply.negated(s, e)]
        return spans or None
