"""A reply being scored: its folded text and what rules ask of it, computed on demand."""

from __future__ import annotations

import bisect
import re
from functools import cached_property

from simulator.scoring import lang as langs
from simulator.scoring.normalize import Normalized, normalize

_WORD = re.compile(r"[\w'-]+")
_CASED_FOLD = re.compile(r"[\t\v\f\u00a0\u2000-\u200a\u202f\u205f\u3000]")


class Reply:
    """One trainee reply. Only what a fired rule needs is ever computed."""

    def __init__(self, original: str, language: str) -> None:
        self.original = original
        self.language = langs.language(language)
        self.norm: Normalized = normalize(original)
        self.text = self.norm.text

    @cached_property
    def cased(self) -> str:
        """The original text, for case-sensitive rules (same offsets as the original)."""
        return _CASED_FOLD.sub(" ", self.original)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return langs.sentences(self.text)

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    def sentence_of(self, pos: int) -> int:
        """Index of the sentence containing folded offset ``pos`` (-1 if none)."""
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        if i >= 0 and pos < self.sentences[i][1]:
            return i
        return -1

    @cached_property
    def _clause_breaks(self) -> list[int]:
        ends = [e for _, e in self.sentences]
        ends += [m.end() for m in self.language.clause_break.finditer(self.text)]
        return sorted(ends)

    @cached_property
    def _cues(self) -> list[tuple[int, int]]:
        blocked = [m.span() for m in self.language.not_negation.finditer(self.text)]
        cues = []
        for m in self.language.negation.finditer(self.text):
            s, e = m.span()
            if not any(bs <= s < be for bs, be in blocked):
                cues.append((s, e))
        return cues

    @cached_property
    def word_count(self) -> int:
        return len(_WORD.findall(self.text))

    def negated(self, start: int, end: int) -> bool:
        """Is the match [start, end) preceded by a negation in its own clause?

        Cues inside the match itself do not count ("you won't be charged" is a remedy).
        """
        if not self._cues:
            return False
        i = bisect.bisect_right(self._clause_breaks, start) - 1
        clause_start = self._clause_breaks[i] if i >= 0 else 0
        window = self.language.window
        for cs, ce in self._cues:
            if cs >= start:
                break
            if cs < clause_start or (cs >= start and ce <= end):
                continue
            between = self.text[ce:start]
            if len(_WORD.findall(between)) <= window:
                return True
        return False

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.norm.span(start, end)
