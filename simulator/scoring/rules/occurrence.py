"""``occurrence``: something counted (the word "policy" twice, "!!!", capitals)."""

from __future__ import annotations

from typing import Any

from simulator.model import safe_regex
from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span
from simulator.scoring.rules.regex import _to_folded, iter_spans, wrap


class OccurrenceMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.min_count: int = rule.min_count
        self.case_sensitive: bool = rule.case_sensitive
        self.py = None
        self.compiled = None
        if rule.phrases:
            re2_text, self.py = self.phrase_patterns(rule.phrases)
            self.prefilter = [re2_text]
        else:
            self.compiled = safe_regex.compile_(wrap(rule.pattern, False), self.case_sensitive)
            if self.case_sensitive:
                self.gated = False
            else:
                self.prefilter = ["(?i)" + wrap(rule.pattern, False)]

    def find(self, reply: Reply, slots: frozenset[int], fired: set[str]) -> list[Span] | None:
        if self.py is not None:
            spans = [m.span() for m in self.py.finditer(reply.text)]
        elif self.case_sensitive:
            spans = [_to_folded(reply, s, e) for s, e in iter_spans(self.compiled, reply.cased)]
        else:
            spans = iter_spans(self.compiled, reply.text)
        spans = self._without_exceptions(reply, spans)
        return spans if len(spans) >= self.min_count else None
