"""``occurrence``: something counted (the word "policy" twice, "!!!", capitals)."""

from __future__ import annotations

from typing import Any

from simulator.model import safe_regex
from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span
from simulator.scoring.rules.regex import iter_spans, to_folded, wrap


class OccurrenceMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.min_count: int = rule.min_count
        self.case_sensitive: bool = rule.case_sensitive
        self._compiled: Any = None
        self.phrase_slots = self.add_phrases(rule.phrases) if rule.phrases else range(0)
        if not rule.phrases:
            if self.case_sensitive:
                self.cased_prefilter = wrap(rule.pattern, False)
            else:
                self.prefilter.append("(?i)" + wrap(rule.pattern, False))
        self.add_exceptions()

    @property
    def compiled(self) -> Any:
        """The rule's pattern (None for a rule of phrases), compiled the first time the
        prefilter finds it (the loader has checked that RE2 takes it)."""
        if self._compiled is None and not self.rule.phrases:
            self._compiled = safe_regex.compile_(wrap(self.rule.pattern, False), self.case_sensitive)
        return self._compiled

    def find(self, reply: Reply, slots: list[int], fired: set[str]) -> list[Span] | None:
        if self.compiled is None:
            end = self.phrase_slots.stop  # the phrases are the first slots
            spans = self.spans(reply, [s for s in slots if 0 <= s < end])
        elif self.case_sensitive:
            spans = [to_folded(reply, s, e) for s, e in iter_spans(self.compiled, reply.cased)]
        else:
            spans = iter_spans(self.compiled, reply.text)
        spans = self._without_exceptions(reply, spans, slots)
        return spans if len(spans) >= self.min_count else None
