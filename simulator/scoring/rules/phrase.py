"""``phrase``: phrases on word boundaries, optionally with inserted words, optionally
cancelled by a negation in front ("I won't tell you you're lucky")."""

from __future__ import annotations

import re
from typing import Any

from simulator.scoring.normalize import fold
from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span


class PhraseMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.phrase_slots = self.add_phrases(rule.phrases, rule.max_gap)
        self.unless_negated: bool = rule.unless_negated
        self.max_gap: int = rule.max_gap
        # The words of each phrase, with contracted and full forms, so that a negation
        # that belongs to the phrase ("most hotels wouldn't") is not read as one inserted.
        self.own_words: frozenset[str] = frozenset(w for p in rule.phrases for w in _words(p))
        self.add_exceptions()

    def find(self, reply: Reply, slots: list[int], fired: set[str]) -> list[Span] | None:
        end = self.phrase_slots.stop  # the phrases are the first slots
        own = slots
        if slots and slots[-1] >= end:  # (ascending: only then is an exception's slot there)
            own = [s for s in slots if s < end]
        spans = self.spans(reply, own)
        spans = self._without_exceptions(reply, spans, slots)
        if self.unless_negated and spans:
            spans = [
                (s, e)
                for s, e in spans
                if not reply.negated(s, e)
                and not (self.max_gap and reply.negated_inside(s, e, self.own_words))
            ]
        return spans or None


def _words(phrase: str) -> list[str]:
    """The words of a phrase (groups' alternatives too) as a negation cue reads them:
    with and without apostrophes, and the elided part before one ("n'" of "n'est"), so
    that a phrase's own elided negation is not taken for an inserted one."""
    words = re.split(r"[\s()|]+", fold(phrase))
    elided = [w.split("'", 1)[0] for w in words if "'" in w]
    return [w for w in (*words, *(w.replace("'", "") for w in words), *elided) if w]
