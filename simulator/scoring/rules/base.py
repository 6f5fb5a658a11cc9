"""What every rule kind shares: identity, weight, exceptions, and the prefilter contract.

A compiled rule lists RE2 patterns (``prefilter``), one per phrase it looks for. The
scorer runs all of them at once over the reply and hands each rule the indexes
(``slots``) of its patterns that matched; the rule then confirms with the exact pattern
of those phrases only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from simulator.scoring import phrases
from simulator.scoring.reply import Reply

Span = tuple[int, int]


class Matcher:
    """A compiled rule. Subclasses fill ``prefilter``/``exact`` and implement ``find``."""

    # True: evaluate only when one of the rule's prefilter patterns matched.
    gated: bool = True
    # Absence rules read what the other rules found, so they run last.
    late: ClassVar[bool] = False

    def __init__(self, rule: Any, language: str, weight: float) -> None:
        self.rule = rule
        self.id: str = rule.id
        self.category: str = rule.category
        self.weight = weight
        self.language = language
        self.accents: bool = bool(rule.accent_insensitive)
        # RE2 text, one per slot, and the exact pattern (text) of each slot, both
        # written the first time they are read (``_Written``): a scorer needs the
        # patterns of the few phrases replies come close to, not of every phrase.
        self.prefilter: _Written = _Written(language, self.accents, _entry)
        self.exact: _Written = _Written(language, self.accents, _exact)
        # its form for unaccented text, if any (written on first use: most never are)
        self.unaccented: _Written = _Written(language, self.accents, _unaccented)
        # its prefilter entry for text put through ``phrases.squash`` (not for English)
        self.squashed: _Written = _Written(language, self.accents, _squashed)
        # A case-sensitive rule is prefiltered on the original text instead (one pattern).
        self.cased_prefilter: str | None = None
        # The exception phrases are the last slots: from this index on (none: never).
        self._exceptions_from: int = 1 << 30
        # The slots of phrases (found by ``phrases.find_words``), as opposed to patterns.
        self._phrase_slots: list[int] = []
        # The anchor of each phrase's slot (``phrases.anchor``): the prefilter tests it first.
        self.anchors: dict[int, phrases.Anchor] = {}

    def add_exceptions(self) -> None:
        """Register the rule's exceptions in the prefilter too (call after the phrases):
        the exact exception pattern then runs only when one of them is in the reply."""
        if self.rule.exceptions:
            self._exceptions_from = self.add_phrases(self.rule.exceptions).start

    def add_phrases(self, items: list[str], max_gap: int = 0) -> range:
        """Register phrases as slots; returns their slot indexes."""
        first = len(self.prefilter)
        # Keep ``exact`` and ``unaccented`` indexed like ``prefilter``: a rule's own
        # pattern (regex, occurrence) takes slot 0 and has no exact phrase text.
        while len(self.exact) < first:
            self.exact.append("")
            self.unaccented.append(None)
            self.squashed.append(None)
        for item in items:
            self._phrase_slots.append(len(self.prefilter))
            # (the anchor now: it says whether the phrase's own patterns are ever needed)
            self.anchors[len(self.prefilter)] = phrases.anchor(
                item, self.language, max_gap=max_gap, accents=self.accents
            )
            self.prefilter.append((item, max_gap))
            self.exact.append((item, max_gap))
            self.unaccented.append((item, max_gap))
            self.squashed.append((item, max_gap))
        return range(first, len(self.prefilter))

    def bounded_entry(self, i: int) -> str:
        """Slot ``i``'s prefilter entry, with word boundaries where they are sure for a
        phrase (``phrases.bounded``): fewer slots match where no word-bounded span can be."""
        if i in self.anchors:  # (a phrase's slot)
            return phrases.bounded(self.prefilter[i], self.exact[i])
        return str(self.prefilter[i])

    def spans(self, reply: Reply, slots: Sequence[int]) -> list[Span]:
        """Confirmed word-bounded matches of the given slots, longest first on overlap.

        The list may be the reply's own cache: read it, never change it.
        """
        if len(slots) == 1:
            return reply.words(self.exact[slots[0]], self.unaccented[slots[0]])
        found: list[Span] = []
        for i in slots:
            found.extend(reply.words(self.exact[i], self.unaccented[i]))
        if len(found) < 2:
            return found
        found.sort(key=_by_start_longest)
        out: list[Span] = []
        end = -1
        for span in found:
            if span[0] >= end:
                out.append(span)
                end = span[1]
        return out

    def find(self, reply: Reply, slots: list[int], fired: set[str]) -> list[Span] | None:
        """Spans in folded text if the rule fires, else None.

        ``slots`` are the indexes (into ``self.prefilter``) whose patterns matched, in
        ascending order (-1 first when the case-sensitive prefilter matched); ``fired``
        holds the categories fired so far (for late rules).
        """
        raise NotImplementedError

    def _without_exceptions(self, reply: Reply, spans: list[Span], slots: list[int]) -> list[Span]:
        # slots are ascending and the exceptions come last: only the last one can say
        start = self._exceptions_from
        if not spans or not slots or slots[-1] < start:
            return spans
        # only the exceptions the prefilter found can be in the reply (as for phrases)
        blocked = [
            span
            for i in slots
            if i >= start
            for span in reply.words(self.exact[i], self.unaccented[i])
        ]
        if not blocked:
            return spans
        return [(s, e) for s, e in spans if not any(bs < e and s < be for bs, be in blocked)]


def _entry(phrase: str, language: str, max_gap: int, accents: bool) -> str:
    return phrases.body(phrase, language, phrases.RE2, max_gap=max_gap, accents=accents)


def _exact(phrase: str, language: str, max_gap: int, accents: bool) -> str:
    return phrases.body(phrase, language, phrases.PY, max_gap=max_gap, accents=accents)


def _unaccented(phrase: str, language: str, max_gap: int, accents: bool) -> str | None:
    return phrases.unaccented_form(phrase, language, max_gap=max_gap, accents=accents)


def _squashed(phrase: str, language: str, max_gap: int, accents: bool) -> str:
    return phrases.squashed_entry(phrase, language, max_gap=max_gap)


class _Written(list[Any]):
    """A pattern text for each slot, written the first time it is read: an item is a
    phrase and its gap until then (or a pattern given as it is, for a rule's own, or
    None where a slot has no such form)."""

    def __init__(self, language: str, accents: bool, write: Any) -> None:
        super().__init__()
        self.language = language
        self.accents = accents
        self.write = write

    def __getitem__(self, i: Any) -> Any:
        item = list.__getitem__(self, i)
        if type(item) is tuple:
            phrase, max_gap = item
            item = self.write(phrase, self.language, max_gap, self.accents)
            list.__setitem__(self, i, item)
        return item

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))


def _by_start_longest(span: Span) -> tuple[int, int]:
    return span[0], span[0] - span[1]
