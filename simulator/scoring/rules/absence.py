"""``absence``: something expected is missing (no acknowledgement, no apology...)."""

from __future__ import annotations

from typing import Any

from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span


class AbsenceMatcher(Matcher):
    gated: bool = False
    late = True

    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.missing_category: str | None = rule.missing_category
        self.min_words: int = rule.min_words
        self.phrase_slots = self.add_phrases(rule.phrases) if rule.phrases else range(0)
        self.add_exceptions()

    def find(self, reply: Reply, slots: list[int], fired: set[str]) -> list[Span] | None:
        if not reply.has_words(self.min_words):
            return None
        if self.missing_category is not None:
            present = self.missing_category in fired
        else:
            end = self.phrase_slots.stop  # the phrases are the first slots
            present = bool(self.spans(reply, [s for s in slots if s < end]))
        return None if present else []
