"""What every rule kind shares: identity, weight, exceptions, and the prefilter contract."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from simulator.scoring import phrases
from simulator.scoring.reply import Reply

Span = tuple[int, int]


class Matcher:
    """A compiled rule. Subclasses set ``prefilter`` and implement ``find``."""

    # True: evaluate only when one of the rule's prefilter patterns matched.
    gated: ClassVar[bool] = True
    # Absence rules read what the other rules found, so they run last.
    late: ClassVar[bool] = False

    def __init__(self, rule: Any, language: str, weight: float) -> None:
        self.rule = rule
        self.id: str = rule.id
        self.category: str = rule.category
        self.weight = weight
        self.language = language
        self.accents: bool = bool(rule.accent_insensitive)
        self.prefilter: list[str] = []
        self.exceptions: re.Pattern[str] | None = (
            phrases.py_pattern(rule.exceptions, language, accents=self.accents)
            if rule.exceptions
            else None
        )

    def find(self, reply: Reply, slots: frozenset[int], fired: set[str]) -> list[Span] | None:
        """Spans in folded text if the rule fires, else None.

        ``slots`` are the indexes (into ``self.prefilter``) whose patterns matched;
        ``fired`` holds the categories fired so far (for late rules).
        """
        raise NotImplementedError

    def _without_exceptions(self, reply: Reply, spans: list[Span]) -> list[Span]:
        if self.exceptions is None or not spans:
            return spans
        blocked = [m.span() for m in self.exceptions.finditer(reply.text)]
        if not blocked:
            return spans
        return [(s, e) for s, e in spans if not any(bs < e and s < be for bs, be in blocked)]

    def phrase_patterns(self, items: list[str], max_gap: int = 0) -> tuple[str, re.Pattern[str]]:
        return (
            phrases.re2_pattern(items, self.language, max_gap=max_gap, accents=self.accents),
            phrases.py_pattern(items, self.language, max_gap=max_gap, accents=self.accents),
        )
