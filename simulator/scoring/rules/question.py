"""``question``: the reply asks a question (a sentence ending in '?'), optionally one
containing given phrases; exceptions rule out rhetorical ones."""

from __future__ import annotations

from typing import Any

from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span


class QuestionMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.phrase_slots = self.add_phrases(rule.phrases) if rule.phrases else range(0)
        if not rule.phrases:
            self.gated = False
        self.add_exceptions()

    def find(self, reply: Reply, slots: list[int], fired: set[str]) -> list[Span] | None:
        text = reply.text
        if "?" not in text:
            return None
        spans = [(s, e) for s, e in reply.sentences if text[e - 1] == "?"]
        if self.phrase_slots:
            end = self.phrase_slots.stop  # the phrases are the first slots
            hits = self.spans(reply, [s for s in slots if s < end])
            spans = [(s, e) for s, e in spans if any(s <= hs < e for hs, _ in hits)]
        return self._without_exceptions(reply, spans, slots) or None
