"""``cooccur``: parts that must appear together (an owner, a remedy, a time), in one
sentence or anywhere in the reply, none of them negated in its clause."""

from __future__ import annotations

from bisect import bisect_left
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
        self._required_parts = [self.parts[i] for i in self.required]
        self.by_sentence: bool = rule.scope in ("sentence", "clause")
        self.by_clause: bool = rule.scope == "clause"
        self.ordered: bool = rule.ordered
        self.negation: bool = rule.negation
        # The part of each phrase slot (the parts' slots come first, then exceptions).
        self._part_of = [i for i, part in enumerate(self.parts) for _ in part]
        self.add_exceptions()

    def find(self, reply: Reply, slots: list[int], fired: set[str]) -> list[Span] | None:
        # slots holds the few phrases found, ascending; the parts' ranges can be long.
        # Most calls end here: a required part has none of its phrases in the reply.
        for part in self._required_parts:
            k = bisect_left(slots, part.start)
            if k == len(slots) or slots[k] >= part.stop:
                return None
        present: list[list[int]] = [[] for _ in self.parts]
        part_of = self._part_of
        n = len(part_of)
        for s in slots:
            if s < n:
                present[part_of[s]].append(s)
        # A required part without words of its own stops the rule. Look at the parts
        # with the fewest phrases found first: the generic ones ("I will", "je vous")
        # cost the most and, when another part is missing, need no looking at.
        own: list[list[Span] | None] = [None] * len(present)
        for i in sorted(self.required, key=lambda i: len(present[i])):
            words = self._without_exceptions(reply, self.spans(reply, present[i]), slots)
            if not words:
                return None
            own[i] = words
        found: list[list[Span]] = []
        taken: list[Span] = []
        for i, part_slots in enumerate(present):
            got = own[i]
            if got is None:
                got = self.spans(reply, part_slots) if part_slots else []
                got = self._without_exceptions(reply, got, slots)
            spans = got
            # The same words cannot serve two parts, but two parts may share some:
            # "I'll send" (agent) and "send a new one" (remedy) both hold "send". Only a
            # span that lies within another part's span is left out.
            if taken and spans:
                spans = [(s, e) for s, e in spans if not any(ts <= s and e <= te for ts, te in taken)]
            if not spans and i in self.required:
                return None
            taken.extend(spans)
            found.append(spans)
        if self.by_sentence:
            # the sentence of each span, looked up once for the two passes below
            sentence_key = reply.clause_key if self.by_clause else reply.sentence_key
            of = {s: sentence_key(s) for spans in found for s, _ in spans}
            kept = self._in_common_sentences(found, of)
            if kept is None:
                return None
            found = kept
        if self.negation:
            # Negation is the costliest check: only the candidates left are looked at.
            negated = reply.negated
            kept = [[(s, e) for s, e in spans if not negated(s, e)] for spans in found]
            if any(len(k) != len(spans) for k, spans in zip(kept, found, strict=True)):
                # (when nothing was negated, the spans left are still in common sentences)
                found = kept
                if any(not found[i] for i in self.required):
                    return None
                if self.by_sentence:
                    common = self._in_common_sentences(found, of)
                    if common is None:
                        return None
                    found = common
        return sorted([s for spans in found for s in spans])

    def _in_common_sentences(
        self, found: list[list[Span]], of: dict[int, int]
    ) -> list[list[Span]] | None:
        """Keep the spans of the sentences that hold every required part (None if none);
        ``of`` gives the sentence of each span's start (Reply.sentence_key)."""
        common = set.intersection(*({of[s] for s, _ in found[i]} for i in self.required))
        common.discard(-1)
        if common and self.ordered:
            common = {u for u in common if self._in_order(found, of, u)}
        if not common:
            return None
        return [[span for span in spans if of[span[0]] in common] for spans in found]

    def _in_order(self, found: list[list[Span]], of: dict[int, int], unit: int) -> bool:
        """Do the required parts appear in their listed order in this sentence or
        clause? (Greedy: the earliest span of each part after the previous one.)"""
        after = -1
        for i in self.required:
            starts = [s for s, _ in found[i] if of[s] == unit and s > after]
            if not starts:
                return False
            after = min(starts)
        return True
