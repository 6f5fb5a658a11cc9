"""``cooccur``: parts that must appear together (an owner, a remedy, a time), in one
sentence or anywhere in the reply, none of them negated in its clause."""

from __future__ import annotations

from typing import Any

from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span


class CooccurMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.parts: list[range] = [
            self.add_phrases(part.phrases, part.max_gap) for part in rule.parts
        ]
        self.required = [i for i, part in enumerate(rule.parts) if not part.optional]
        self.by_sentence: bool = rule.scope == "sentence"
        self.negation: bool = rule.negation
        self.add_exceptions()

    def find(self, reply: Reply, slots: frozenset[int], fired: set[str]) -> list[Span] | None:
        # slots holds the few phrases found; the parts' ranges can be long
        present = [sorted(s for s in slots if s in part) for part in self.parts]
        if any(not present[i] for i in self.required):
            return None
        found: list[list[Span]] = []
        taken: list[Span] = []  # the same words cannot serve two parts
        for i, part_slots in enumerate(present):
            spans = self.spans(reply, part_slots) if part_slots else []
            spans = self._without_exceptions(reply, spans, slots)
            spans = [(s, e) for s, e in spans if not any(ts < e and s < te for ts, te in taken)]
            if not spans and i in self.required:
                return None
            taken.extend(spans)
            found.append(spans)
        if self.by_sentence:
            kept = self._in_common_sentences(reply, found)
            if kept is None:
                return None
            found = kept
        if self.negation:
            # Negation is the costliest check: only the candidates left are looked at.
            found = [[(s, e) for s, e in spans if not reply.negated(s, e)] for spans in found]
            if any(not found[i] for i in self.required):
                return None
            if self.by_sentence:
                kept = self._in_common_sentences(reply, found)
                if kept is None:
                    return None
                found = kept
        return sorted(s for spans in found for s in spans)

    def _in_common_sentences(
        self, reply: Reply, found: list[list[Span]]
    ) -> list[list[Span]] | None:
        """Keep the spans of the sentences that hold every required part (None if none)."""
        common = set.intersection(
            *({reply.sentence_of(s) for s, _ in found[i]} for i in self.required)
        )
        common.discard(-1)
        if not common:
            return None
        return [[(s, e) for s, e in spans if reply.sentence_of(s) in common] for spans in found]
