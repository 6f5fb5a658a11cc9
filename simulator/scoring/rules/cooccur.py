"""``cooccur``: parts that must appear together (an owner, a remedy, a time), in one
sentence or anywhere in the reply, none of them negated in its clause."""

from __future__ import annotations

import re
from typing import Any

from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span


class CooccurMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.parts: list[tuple[str, bool, re.Pattern[str]]] = []
        for part in rule.parts:
            re2_text, pattern = self.phrase_patterns(part.phrases, part.max_gap)
            self.prefilter.append(re2_text)
            self.parts.append((part.name, part.optional, pattern))
        self.required = frozenset(i for i, (_, opt, _) in enumerate(self.parts) if not opt)
        self.by_sentence: bool = rule.scope == "sentence"
        self.negation: bool = rule.negation

    def find(self, reply: Reply, slots: frozenset[int], fired: set[str]) -> list[Span] | None:
        if not self.required <= slots:
            return None
        found: list[list[Span]] = []
        for i, (_, _, pattern) in enumerate(self.parts):
            spans = [m.span() for m in pattern.finditer(reply.text)] if i in slots else []
            spans = self._without_exceptions(reply, spans)
            if self.negation:
                spans = [(s, e) for s, e in spans if not reply.negated(s, e)]
            if not spans and i in self.required:
                return None
            found.append(spans)
        if not self.by_sentence:
            return sorted(s for spans in found for s in spans)
        per_part = [{reply.sentence_of(s) for s, _ in spans} for spans in found]
        common = set.intersection(*(per_part[i] for i in self.required))
        common.discard(-1)
        if not common:
            return None
        return sorted((s, e) for spans in found for s, e in spans if reply.sentence_of(s) in common)
