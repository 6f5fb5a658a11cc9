"""A reply being scored: its folded text and what rules ask of it, computed on demand."""

from __future__ import annotations

import bisect
import re
from functools import cached_property

from simulator.scoring import lang as langs
from simulator.scoring.normalize import Normalized, normalize
from simulator.scoring.phrases import find_words

_WORD = re.compile(r"[\w'-]+")
_CASED_FOLD = re.compile(r"[\t\v\f\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# How far before a match a negation is looked for (characters); the word window of the
# language then decides.
_LOOKBACK = 120


class Reply:
    """One trainee reply. Only what a fired rule needs is ever computed."""

    def __init__(self, original: str, language: str) -> None:
        self.original = original
        self.language = langs.language(language)
        self.norm: Normalized = normalize(original)
        self.text = self.norm.text
        self._words: dict[str, list[tuple[int, int]]] = {}
        self._negated: dict[tuple[int, int], bool] = {}

    def words(self, pattern: str) -> list[tuple[int, int]]:
        """Word-bounded matches of a phrase pattern, found once per reply."""
        found = self._words.get(pattern)
        if found is None:
            found = self._words[pattern] = find_words(pattern, self.text)
        return found

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
    def word_count(self) -> int:
        return len(self.text.split())

    def negated(self, start: int, end: int) -> bool:
        """Is the match [start, end) preceded by a negation in its own clause?

        Cues inside the match itself do not count ("you won't be charged" is a remedy).
        """
        key = (start, end)
        cached = self._negated.get(key)
        if cached is None:
            cached = self._negated[key] = self._negated_uncached(start, end)
        return cached

    def _negated_uncached(self, start: int, end: int) -> bool:
        text = self.text
        lo = max(0, start - _LOOKBACK)
        lang = self.language
        cues = [m.span() for m in lang.negation.finditer(text, lo, start)]
        if not cues:
            return False
        breaks = [m.end() for m in lang.clause_break.finditer(text, lo, start)]
        sentence = self.sentence_of(start)
        clause_start = max([lo, *breaks, self.sentences[sentence][0] if sentence >= 0 else 0])
        blocked: list[tuple[int, int]] | None = None
        for cs, ce in reversed(cues):
            if cs < clause_start:
                break
            if len(_WORD.findall(text, ce, start)) > lang.window:
                continue
            if blocked is None:
                window = (max(0, lo - 40), min(len(text), end + 40))
                blocked = [m.span() for m in lang.not_negation.finditer(text, *window)]
            if not any(bs <= cs < be for bs, be in blocked):
                return True
        return False

    def negated_inside(self, start: int, end: int, own_words: frozenset[str]) -> bool:
        """Is there a negation among words inserted into a match ("you were *not* lucky")?

        ``own_words`` are the words of the phrase itself, which never count.
        """
        for m in self.language.negation.finditer(self.text, start, end):
            if m.group().strip("'") not in own_words:
                return True
        return False

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.norm.span(start, end)
