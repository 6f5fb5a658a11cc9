"""``question``: the reply asks a question (a sentence ending in '?'), optionally one
containing given phrases; exceptions rule out rhetorical ones."""

from __future__ import annotations

import re
from typing import Any

from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span


class QuestionMatcher(Matcher):
    gated = False

    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.pattern: re.Pattern[str] | None = None
        if rule.phrases:
            _, self.pattern = self.phrase_patterns(rule.phrases)

    def find(self, reply: Reply, slots: frozenset[int], fired: set[str]) -> list[Span] | None:
        if "?" not in reply.text:
            return None
        text = reply.text
        spans = [(s, e) for s, e in reply.sentences if text[e - 1] == "?"]
        if self.pattern is not None:
            spans = [(s, e) for s, e in spans if self.pattern.search(text, s, e)]
        return self._without_exceptions(reply, spans) or None
