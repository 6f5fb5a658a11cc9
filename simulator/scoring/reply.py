"""A reply being scored: its folded text and what rules ask of it, computed on demand."""

from __future__ import annotations

import bisect
import re

from simulator.scoring import lang as langs
from simulator.scoring.normalize import Normalized, clean, normalize
from simulator.scoring.phrases import PY, find_words, unaccent, wordchar

# A word as phrases see it between two of theirs: negation windows count these.
_WORD = re.compile(PY.word)
_CASED_FOLD = re.compile(r"[\t\v\f\u00a0\u2000-\u200a\u202f\u205f\u3000]")
# How far before a match a negation is looked for (characters); the word window of the
# language then decides.
_LOOKBACK = 120


class Reply:
    """One trainee reply. Only what a fired rule needs is ever computed.

    The lazy attributes are plain properties over slots rather than ``cached_property``,
    whose first access takes a lock (Python 3.11): a reply lives for one verdict.
    """

    __slots__ = (
        "_cased",
        "_clauses",
        "_conditions",
        "_negated",
        "_quotes",
        "_sentence_starts",
        "_sentences",
        "_unaccent_done",
        "_unaccented",
        "_words",
        "cancelled",
        "language",
        "may_negate",
        "norm",
        "original",
        "text",
    )

    def __init__(self, original: str, language: str) -> None:
        original = clean(original)  # (no lone surrogates: RE2 reads UTF-8)
        self.original = original
        self.language = langs.language(language)
        self.norm: Normalized = normalize(original)
        self.text = self.norm.text
        self._words: dict[str, list[tuple[int, int]]] = {}
        self._negated: dict[tuple[int, int], bool] = {}
        self._cased: str | None = None
        self._sentences: list[tuple[int, int]] | None = None
        self._sentence_starts: list[int] = []
        self._unaccented: str | None = None  # phrases.unaccent(text), when first needed
        self._unaccent_done = False
        self._clauses: dict[int, list[int]] = {}  # sentence -> where its clauses start
        self._quotes: list[tuple[int, int]] | None = None
        self._conditions: list[tuple[int, int, int, int]] | None = None
        # Matches a scope took out: (rule, "condition" or "reported", start, end, cue span)
        self.cancelled: list[tuple[str, str, int, int, tuple[int, int]]] = []
        # False when the scorer's pass found no negation cue anywhere in the text.
        self.may_negate = True

    def words(self, pattern: str, unaccented: str | None = None) -> list[tuple[int, int]]:
        """Word-bounded matches of a phrase pattern, found once per reply (read-only).

        ``unaccented``: the same pattern for unaccented text (phrases.unaccent), which
        finds the same spans faster, when the text has such a form.
        """
        found = self._words.get(pattern)
        if found is None:
            if unaccented is not None:
                if not self._unaccent_done:
                    self._unaccented = unaccent(self.text)
                    self._unaccent_done = True
                if self._unaccented is not None:
                    found = self._words[pattern] = find_words(unaccented, self._unaccented)
                    return found
            found = self._words[pattern] = find_words(pattern, self.text)
        return found

    @property
    def cased(self) -> str:
        """The original text, for case-sensitive rules (same offsets as the original)."""
        if self._cased is None:
            original = self.original
            if original.isascii() and not (
                "\t" in original or "\v" in original or "\f" in original
            ):
                self._cased = original  # (the only ASCII characters _CASED_FOLD replaces)
            else:
                self._cased = _CASED_FOLD.sub(" ", original)
        return self._cased

    @property
    def sentences(self) -> list[tuple[int, int]]:
        if self._sentences is None:
            self._sentences = langs.sentences(self.text)
            self._sentence_starts = [s for s, _ in self._sentences]
        return self._sentences

    def sentence_of(self, pos: int) -> int:
        """Index of the sentence containing folded offset ``pos`` (-1 if none)."""
        sentences = self._sentences
        if sentences is None:
            sentences = self.sentences
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        if i >= 0 and pos < sentences[i][1]:
            return i
        return -1

    def sentence_key(self, pos: int) -> int:
        """The same number for two folded offsets in the same sentence (as ``sentence_of``
        has it), -1 for an offset in none; found without splitting the sentences.

        The number is where the sentence's piece of text begins: just after the last
        . ! ? or newline before it (lang.sentences ends sentences there, then strips
        spaces). A space or a sentence end takes the slower way round.
        """
        text = self.text
        c = text[pos]
        if c.isspace() or c in ".!?":
            i = self.sentence_of(pos)
            if i < 0:
                return -1
            pos = self.sentences[i][0]
        return _piece_start(text, 0, pos)

    def clause_key(self, pos: int) -> int:
        """The same number for two folded offsets in the same clause (-1 for none): the
        offset where the clause begins. Clauses break where negation stops (see
        ``Language.clause_break``: , ; : ( ) quotes, dashes, "but", "mais"...)."""
        i = self.sentence_of(pos)
        if i < 0:
            return -1
        starts = self._clauses.get(i)
        if starts is None:
            s, e = self.sentences[i]
            starts = [s, *(m.end() for m in self.language.clause_break.finditer(self.text, s, e))]
            self._clauses[i] = starts
        return starts[bisect.bisect_right(starts, pos) - 1]

    def reported_quote(self, start: int, end: int) -> tuple[int, int] | None:
        """The quotation holding [start, end) when it is reported speech (someone else's
        words: `she said "..."`, `"...", he wrote`), else None."""
        quotes = self._quotes
        if quotes is None:
            quotes = self._quotes = self.language.reported_quotes(self.text)
        for qs, qe in quotes:
            if qs <= start and end <= qe:
                return qs, qe
        return None

    def condition(self, start: int, end: int) -> tuple[int, int] | None:
        """The words that make the match at [start, end) depend on the customer
        ("if you send us a photo", « dès que vous ... »), when its sentence has them."""
        conds = self._conditions
        if conds is None:
            conds = self._conditions = []
            for cs, ce, after in self.language.conditions(self.text):
                i = self.sentence_of(cs)
                if i >= 0:
                    ss, se = self.sentences[i]
                    if after:  # (what follows the cue, up to a ';', ':' or "but")
                        ss = cs
                        stop = self.language.condition_end.search(self.text, ce, se)
                        se = stop.start() if stop else se
                    conds.append((ss, se, cs, ce))
        for ss, se, cs, ce in conds:
            if ss <= start < se:
                return cs, ce
        return None

    def has_words(self, n: int) -> bool:
        """Has the reply ``n`` words or more? (Splits off no more than the first ``n``.)"""
        if n <= 0:
            return True
        # n - 1 splits leave n pieces when there are n words or more
        return len(self.text.split(None, n - 1)) >= n

    def negated(self, start: int, end: int) -> bool:
        """Is the match [start, end) preceded by a negation in its own clause?

        Cues inside the match itself do not count ("you won't be charged" is a remedy).
        """
        key = (start, end)
        cached = self._negated.get(key)
        if cached is None:
            cached = self._negated[key] = self.negation_cue(start, end) is not None
        return cached

    def negation_cue(self, start: int, end: int) -> tuple[int, int] | None:
        """The negation cue (folded offsets) that cancels the match [start, end), as
        ``negated`` decides it; None when there is none."""
        text = self.text
        if not self.may_negate and (start == 0 or not wordchar(text[start - 1])):
            # No cue anywhere (the language's cue_hint says so), and none can end at
            # ``start`` only because the window stops there (see Language.cue_hint).
            return None
        lo = max(0, start - _LOOKBACK)
        lang = self.language
        # Only cues in the match's own clause count, so none before its sentence: when
        # the match starts inside a sentence's words (not on a space nor on . ! ?, see
        # lang.sentences), look from just after the last . ! ? or newline before it.
        # Neither a cue nor a clause break can straddle that point (see lang.py): what
        # is found from there is what, found from ``lo``, can count.
        first = lo
        if not text[start].isspace() and text[start] not in ".!?":
            first = _piece_start(text, lo, start)
            # ``first`` is where the match's sentence starts, but for the spaces that
            # lang.sentences strips (it ends its sentences at the same characters), or
            # else the sentence starts before ``lo``; no cue starts on a space, so for
            # the cues (all at ``first`` or after) it is as good a clause start.
            sentence_start = first
        else:
            sentence = self.sentence_of(start)
            sentence_start = self.sentences[sentence][0] if sentence >= 0 else 0
        cue = lang.negation.search(text, first, start)
        if cue is None:  # the usual answer: no need for an iterator
            return None
        cues = [cue.span(), *(m.span() for m in lang.negation.finditer(text, cue.end(), start))]
        breaks = [m.end() for m in lang.clause_break.finditer(text, first, start)]
        clause_start = max([lo, *breaks, sentence_start])
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
                return cs, ce
        return None

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


def _piece_start(text: str, lo: int, pos: int) -> int:
    """Where the piece of text holding ``pos`` begins, looking back no further than
    ``lo``: just after the last . ! ? or newline in [lo, pos), else ``lo``
    (lang.sentences ends its sentences at those characters). A dot between two word
    characters ("£12.50", "v3.4") ends no sentence there, so it ends no piece either."""
    dot = text.rfind(".", lo, pos)
    while dot > lo and dot + 1 < len(text) and wordchar(text[dot - 1]) and wordchar(text[dot + 1]):
        dot = text.rfind(".", lo, dot)
    return 1 + max(
        dot,
        text.rfind("!", lo, pos),
        text.rfind("?", lo, pos),
        text.rfind("\n", lo, pos),
        lo - 1,
    )

