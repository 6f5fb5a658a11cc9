"""Score a reply against a compiled rule set.

Compiling happens once per scenario (cached): every rule's phrases go into one RE2 set,
which tells in a single linear pass which rules can fire. Only those rules then look for
their exact spans. Nothing is compiled on the hot path.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import re2
from pydantic import BaseModel

from simulator.model import limits, safe_regex
from simulator.model.schema import RulePack, Scenario, expand_lexicons
from simulator.scoring import phrases
from simulator.scoring.context import EMPTY, Context
from simulator.scoring.lang import language as language_of
from simulator.scoring.reply import Reply
from simulator.scoring.rules import Matcher, compile_rule
from simulator.scoring.verdict import (
    BASE,
    DEFAULT_CATEGORIES,
    CategoryResult,
    Hit,
    Span,
    Verdict,
    clamp,
    lifetime_adjustment,
    steps,
)

MAX_REPLY_CHARS = limits.MAX_REPLY_CHARS


class Scorer:
    """A compiled rule set for one language (and one customer's lifetime value)."""

    def __init__(
        self,
        rules: Iterable[tuple[Any, float]],
        language: str,
        categories: dict[str, tuple[str, float]] | None = None,
        lifetime_value: str = "standard",
    ) -> None:
        self.language = language
        self.lifetime_value = lifetime_value
        self.matchers: list[Matcher] = [compile_rule(r, language, w) for r, w in rules]
        cats = dict(DEFAULT_CATEGORIES)
        cats.update(categories or {})
        # In the order the rules first name them (not a set's): a verdict, and so a
        # transcript, is the same in every process.
        used = dict.fromkeys(m.category for m in self.matchers)
        self.categories = {c: cats.get(c, (c.replace("_", " ").capitalize(), 40.0)) for c in used}
        for c in ("last_word", "concrete_fix", "acknowledge"):
            self.categories.setdefault(c, cats[c])
        # Each slot of the RE2 set: the rule it belongs to and its index in that rule.
        self._rule_of: list[int] = []
        self._local_of: list[int] = []
        for i, m in enumerate(self.matchers):
            self._rule_of.extend([i] * len(m.prefilter))
            self._local_of.extend(range(len(m.prefilter)))
        # One more pattern after the rules' slots: may the reply hold a negation at all?
        self._cue_slot = len(self._rule_of)
        self._cue_hint = language_of(language).cue_hint
        # Phrases go in with the word boundaries find_words will want (where RE2's ASCII \b
        # can say them): a phrase inside a longer word ("refund" in "refunding") then
        # costs no exact search.
        # That holds while each RE2 entry matches every span of its exact pattern, which
        # fails only where Python's \s matches and RE2's does not: in folded text, the
        # separators \x1c-\x1f. One more slot spots them, and such a reply is matched
        # again with the entries as they are, unbounded, which find what they always did.
        # (Two gates of one set of anchors: ``_Gate`` finds the slots without compiling
        # the thousands of entries into one RE2 set, which cost seconds and tens of MB.)
        anchors = [m.anchors.get(k) for m in self.matchers for k in range(len(m.prefilter))]
        # (Other than English, the anchored entries search the squashed text: see _Gate.)
        slots = _Slots(self.matchers, self._rule_of, self._local_of, self._cue_hint)
        squashed = slots.squashed_entry if language != "en" else None
        self._set = _Gate(slots.entry, [*anchors, None, None], squashed)
        self._py_only_space_slot = self._cue_slot + 1
        self._unbounded_set = self._set.with_entries(slots.unbounded_entry, self._cue_slot + 1)
        cased = [(i, m.cased_prefilter) for i, m in enumerate(self.matchers) if m.cased_prefilter]
        self._cased_set = _compile_set(p for _, p in cased)
        self._cased_of = [i for i, _ in cased]
        # Early rules without a prefilter run on every reply; the others only when one of
        # their slots matched. Late (absence) rules run last, on every reply.
        self._ungated = frozenset(
            i for i, m in enumerate(self.matchers) if not m.late and not m.gated
        )
        self._late = [i for i, m in enumerate(self.matchers) if m.late]
        # Late rules charged only until the conversation shows their category (`once`):
        # shown in an earlier reply, the step is not charged again (the context says so).
        self._missed_step_of = {
            i: cat
            for i in self._late
            if getattr(self.matchers[i].rule, "once", False)
            and (cat := getattr(self.matchers[i], "missing_category", None)) is not None
        }
        self.rule_ids = frozenset(m.id for m in self.matchers)
        # What the verdict needs of each category, in order, and of each rule.
        self._category_rows = [
            (name, label, cap, clamp(0.0, -cap, cap))
            for name, (label, cap) in self.categories.items()
        ]
        self._category_index = {name: i for i, (name, *_) in enumerate(self._category_rows)}
        # A category that nothing fired is the same in every verdict: built once, shared
        # (read-only, like every part of a verdict). Each verdict copies the dict, in
        # category order, and puts the fired ones in their places.
        self._unfired = {
            name: CategoryResult(name, label, False, none, ())
            for name, label, _, none in self._category_rows
        }
        # An unfired category adds 0.0 whenever its cap is positive (as packs require),
        # and adding 0.0 to the total changes nothing: only the fired ones need adding.
        self._unfired_add_nothing = all(none == 0.0 for *_, none in self._category_rows)
        self._hit_rows = [_HitRow(m) for m in self.matchers]

    def score(self, text: str, context: Context = EMPTY) -> Verdict:
        """The verdict on one reply, after the conversation so far (``context``)."""
        notices: tuple[str, ...] = ()
        if len(text) > MAX_REPLY_CHARS:
            cut = text.rfind(" ", 0, MAX_REPLY_CHARS)
            cut = cut if cut > MAX_REPLY_CHARS // 2 else MAX_REPLY_CHARS
            notices = (
                f"Your reply is {len(text):,} characters long; only the first {cut:,} were "
                f"scored (the limit is {MAX_REPLY_CHARS:,}).",
            )
            text = text[:cut]
        reply = Reply(text, self.language)
        # rule index -> its slots that matched, ascending (what Matcher.find expects)
        slots: dict[int, list[int]] = {}
        if reply.text:
            if self._set is not None:
                rule_of = self._rule_of
                local_of = self._local_of
                # RE2 reports the slots in no particular order
                matched = sorted(self._set.Match(reply.text) or ())
                if matched and matched[-1] == self._py_only_space_slot:
                    matched = sorted(self._unbounded_set.Match(reply.text) or ())
                if matched and matched[-1] == self._cue_slot:
                    matched.pop()
                else:
                    reply.may_negate = False
                # the slots of one rule are consecutive: group them as they come
                rule = -1
                got: list[int] = _NONE
                for k in matched:
                    if rule_of[k] == rule:
                        got.append(local_of[k])
                    else:
                        rule = rule_of[k]
                        got = slots[rule] = [local_of[k]]
            if self._cased_set is not None:
                for k in self._cased_set.Match(reply.cased) or ():
                    cased = slots.get(self._cased_of[k])
                    if cased is None:
                        slots[self._cased_of[k]] = [-1]
                    else:
                        cased.insert(0, -1)
        matchers = self.matchers
        rows = self._hit_rows
        fired: set[str] = set()
        found: list[tuple[_HitRow, list[tuple[int, int]]]] = []
        for i in sorted(slots.keys() | self._ungated) if slots else sorted(self._ungated):
            m = matchers[i]
            if m.late:
                continue
            spans = m.find(reply, slots.get(i, _NONE), fired)
            if spans is not None:
                row = rows[i]
                if row.scoped and spans:
                    spans = self._in_scope(reply, row, spans)
                    if spans is None:
                        continue
                found.append((row, spans))
        if reply.cancelled:
            notices = (*notices, *self._cancel_notices(reply))
        fired.update([row.category for row, _ in found])
        credited: list[str] = []
        if self._late:
            early = len(found)
            for i in self._late:
                m = matchers[i]
                if m.gated and i not in slots:
                    continue
                step = self._missed_step_of.get(i)
                if step is not None and context.fired and context.done(step):
                    if step not in fired and step not in credited:
                        credited.append(step)
                    continue
                spans = m.find(reply, slots.get(i, _NONE), fired)
                if spans is not None:
                    found.append((rows[i], spans))
            fired.update([row.category for row, _ in found[early:]])
        return self._verdict(reply, found, fired, notices, context, tuple(credited))

    def _in_scope(
        self, reply: Reply, row: _HitRow, spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]] | None:
        """The spans left once those under a customer's condition (fix rules) or in a
        reported quotation (last-word rules) are taken out; None when none is left.
        What is taken out is recorded on the reply, for the verdict's notices."""
        kept = []
        for s, e in spans:
            why = None
            if row.conditional:
                cond = reply.condition(s, e)
                if cond is not None:
                    why = ("condition", s, e, cond)
            if why is None and row.reported:
                quote = reply.reported_quote(s, e)
                if quote is not None:
                    why = ("reported", s, e, quote)
            if why is None:
                kept.append((s, e))
            else:
                reply.cancelled.append((row.rule, *why))
        return kept or None

    def _cancel_notices(self, reply: Reply) -> tuple[str, ...]:
        """One notice per rule a scope cancelled, quoting the trainee's words and the
        condition or the quotation (the cancelled-hit reason ``score`` shows)."""
        grouped: dict[tuple[str, str], tuple[list[str], tuple[int, int]]] = {}
        for rule, why, s, e, where in reply.cancelled:
            text = reply.original[slice(*reply.span(s, e))]
            got = grouped.setdefault((rule, why), ([], where))
            if text not in got[0]:
                got[0].append(text)
        fr = self.language == "fr"
        out: list[str] = []
        for (rule, why), (words, (cs, ce)) in grouped.items():
            if why == "condition":
                ce = _clause_end(reply.text, ce)
            cue: str = reply.original[slice(*reply.span(cs, ce))]
            said = " … ".join(words)
            if why == "condition":
                out.append(
                    f"« {said} » dépend d'une condition "
                    f"(« {cue} ») : ce n'est pas une solution ({rule} n'est pas compté)."
                    if fr
                    else f"\u201c{said}\u201d depends on a condition "
                    f"(\u201c{cue}\u201d): not a fix ({rule} not counted)."
                )
            else:
                out.append(
                    f"« {said} » est dans des paroles rapportées (« {cue} »), pas les vôtres "
                    f"({rule} n'est pas compté)."
                    if fr
                    else f"\u201c{said}\u201d is in words you report someone else said "
                    f"(\u201c{cue}\u201d), not your own ({rule} not counted)."
                )
        return tuple(out)

    def _verdict(
        self,
        reply: Reply,
        found: list[tuple[_HitRow, list[tuple[int, int]]]],
        fired: set[str],
        notices: tuple[str, ...],
        context: Context = EMPTY,
        credited: tuple[str, ...] = (),
    ) -> Verdict:
        hits: list[Hit] = []
        sums: dict[str, float] = {}
        rules_by_cat: dict[str, list[str]] = {}
        original = reply.original
        mapped = reply.norm.origin is not None
        for row, spans in found:
            if mapped:
                words = []
                for s, e in spans:
                    os_, oe = reply.span(s, e)
                    words.append(Span(os_, oe, original[os_:oe]))
                quoted = tuple(words)
            else:  # folded offsets are the original's
                quoted = tuple([Span(s, e, original[s:e]) for s, e in spans])
            hits.append(
                Hit(
                    row.rule,
                    row.category,
                    row.kind,
                    row.level,
                    row.points,
                    row.message if row.template is None else row.template(row.message, quoted),
                    row.suggestion,
                    quoted,
                )
            )
            cat = row.category
            if cat in sums:
                sums[cat] += row.points
                rules_by_cat[cat].append(row.rule)
            else:
                sums[cat] = 0.0 + row.points
                rules_by_cat[cat] = [row.rule]
        categories = self._unfired.copy()
        total = float(BASE)
        # The total adds the categories up in their order (float sums depend on it).
        if self._unfired_add_nothing:
            names: Iterable[str] = (
                sorted(sums, key=self._category_index.__getitem__) if len(sums) > 1 else sums
            )
        else:
            names = categories
        for name in names:
            got = sums.get(name)
            if got is None:
                total += categories[name].points
            else:
                label, cap = self.categories[name]
                # clamp(got, -cap, cap), inlined: min() then max(), as they compare
                pts = got if got < cap else cap
                pts = pts if pts > -cap else -cap
                total += pts
                categories[name] = CategoryResult(name, label, True, pts, tuple(rules_by_cat[name]))
        adjust = lifetime_adjustment(
            self.lifetime_value, fired, compensated_before=context.done("compensation")
        )
        score = round(total + adjust)
        score = score if score < 100 else 100  # clamp(score, 0, 100), inlined
        score = score if score > 0 else 0
        if len(hits) > 1:
            hits.sort(key=_hit_order)
        return Verdict.build(
            score=score,
            categories=categories,
            hits=tuple(hits),
            steps=steps(fired),
            lifetime_adjustment=adjust,
            language=self.language,
            reply=original,
            scored_chars=len(original),
            notices=notices,
            credited=credited,
        )


# The categories whose rules are, by default, cancelled under a customer's condition
# ("if you send a photo, we'll refund"), and those cancelled in reported speech.
FIX_CATEGORIES = frozenset({"concrete_fix", "compensation"})
JAB_CATEGORIES = frozenset({"last_word", "tone"})

# Whitespace for Python's \s that folded text keeps and RE2's \s ([\t\n\f\r ]) is not.
_PY_ONLY_SPACE = r"[\x{1c}-\x{1f}]"
_NONE: list[int] = []  # the slots of a rule none of whose patterns matched (read-only)


class _HitRow:
    """What every hit of one rule shares, read once from the rule."""

    __slots__ = (
        "category",
        "conditional",
        "kind",
        "level",
        "message",
        "points",
        "reported",
        "rule",
        "scoped",
        "suggestion",
        "template",
    )

    def __init__(self, m: Matcher) -> None:
        self.rule: str = m.id
        self.category: str = m.category
        self.kind: str = m.rule.kind
        self.level: str = m.rule.level
        self.points: float = m.weight
        self.message: str = m.rule.message
        self.suggestion: str | None = m.rule.suggestion
        # Scopes: a fix under the customer's condition, a jab in someone else's words.
        conditional = m.rule.conditional
        self.conditional: bool = (
            m.category in FIX_CATEGORIES if conditional is None else conditional
        )
        reported = m.rule.reported
        self.reported: bool = m.category in JAB_CATEGORIES if reported is None else reported
        self.scoped = self.conditional or self.reported
        # without a placeholder the message is the same for every hit
        self.template: Callable[[str, Sequence[Span]], str] | None = None
        if "{matches}" in self.message:
            self.template = _template
        elif "{match}" in self.message:
            self.template = _template_first


class _Slots:
    """The RE2 entry of each slot of a scorer's set, written when a gate needs it. Apart
    from the scorer, so that its gates, which keep these methods, hold no reference back
    to it: a scorer dropped from the cache is freed at once, not at the next full
    collection of cycles (the app, which keeps few, grew by 5 MB a scenario until then).
    """

    __slots__ = ("cue_hint", "cue_slot", "local_of", "matchers", "rule_of")

    def __init__(
        self, matchers: list[Matcher], rule_of: list[int], local_of: list[int], cue_hint: str
    ) -> None:
        self.matchers = matchers
        self.rule_of = rule_of
        self.local_of = local_of
        self.cue_slot = len(rule_of)
        self.cue_hint = cue_hint

    def entry(self, k: int) -> str:
        """Slot ``k``'s RE2 entry, with the word boundaries ``bounded_entry`` adds."""
        if k < self.cue_slot:
            return self.matchers[self.rule_of[k]].bounded_entry(self.local_of[k])
        return self.cue_hint if k == self.cue_slot else _PY_ONLY_SPACE

    def squashed_entry(self, k: int) -> str:
        """Phrase slot ``k``'s entry for squashed text (``phrases.squashed_entry``)."""
        return str(self.matchers[self.rule_of[k]].squashed[self.local_of[k]])

    def unbounded_entry(self, k: int) -> str:
        """Slot ``k``'s RE2 entry as it is (no boundaries; no slot after the cue's)."""
        if k < self.cue_slot:
            return str(self.matchers[self.rule_of[k]].prefilter[self.local_of[k]])
        return self.cue_hint


def _clause_end(text: str, pos: int) -> int:
    """Where the clause going on at ``pos`` ends: the next , ; : or sentence end."""
    ends = [i for i in (text.find(c, pos) for c in ",;:.!?\n") if i >= 0]
    return min(ends) if ends else len(text)


def _hit_order(hit: Hit) -> tuple[int, str]:
    return (hit.spans[0].start if hit.spans else -1, hit.rule)


def _compile_set(patterns: Iterable[str], chunk: int | None = None) -> Any:
    """One RE2 set of every pattern (None when there are none): one linear pass finds
    which of them occur. Past RE2's memory budget, the patterns are split into as many
    sets as they need (``_Sets``): packs that validate together always score.

    With ``chunk``, patterns of more than ``chunk`` characters in all are split into
    sets of about that many each, whatever the budget: RE2 holds two parsed copies of
    every pattern while it compiles a set (freed once it is compiled, but the process
    keeps the memory), so a set of 360,000 characters of lexicon-heavy phrases cost
    some 20 MB at its peak, and the same patterns in sets of 64,000 cost a quarter of
    that, for a few more searches when their anchor is found (sets of 32,000: 3 MiB less
    again at a French trainee's peak, at the same speed)."""
    items = list(patterns)
    if not items:
        return None
    split_at = chunk or _CHUNK_CHARS
    # (a set far past the budget takes seconds to fail: it is not tried whole)
    if len(items) == 1 or sum(map(len, items)) <= (chunk or 4 * _CHUNK_CHARS):
        try:
            return _one_set(items)
        except re2.error:
            if len(items) == 1:
                raise
    # Consecutive chunks of about split_at characters of patterns each (else halves),
    # each split again if it still does not compile. (The built-in French
    # packs make a set of about 580,000 characters, which compiles whole.)
    starts = [0]
    size = 0
    for i, p in enumerate(items):
        if size and size + len(p) > split_at:
            starts.append(i)
            size = 0
        size += len(p)
    if len(starts) == 1:
        starts.append(len(items) // 2)
    bounds = [*starts, len(items)]
    return _Sets([(a, _compile_set(items[a:b], chunk)) for a, b in itertools.pairwise(bounds)])


_CHUNK_CHARS = 300_000
# The most characters of patterns in one set of a bucket (see ``_compile_set``).
_BUCKET_CHARS = 32_000


def _one_set(items: list[str]) -> Any:
    s = re2.Set.SearchSet(safe_regex.options(max_mem=64 << 20))  # (a set of many patterns)
    for p in items:
        s.Add(p)
    s.Compile()
    return s


class _Gate:
    """Which of many RE2 patterns (``entry(k)`` for each slot k) occur in a text: the
    slots one RE2 set of them all would report, in no particular order (``Match``),
    without that set.

    Compiling a scenario's entries into one set took most of its start-up time and
    memory, and searching each entry that might match on its own took most of a
    verdict's. Instead, each phrase's entry has an anchor (``phrases.anchor``): strings
    one of which the text holds wherever the entry matches. One small set of those
    strings (plain, ``_literal_set``) finds the ones the text holds; each string has a
    bucket, one RE2 set of the entries it anchors, searched when the string is there;
    the entries without an anchor make one more set, searched every time. A bucket is
    compiled, its entries written, the first time its string is found: most never are.
    The slots found are the same: an entry is reported when it matches, as the one set
    does, and it can match only where its anchor's string is. (An entry whose anchor is
    a group of alternatives is in the bucket of each.)
    """

    def __init__(
        self,
        entry: Callable[[int], str],
        anchors: list[phrases.Anchor],
        squashed: Callable[[int], str] | None = None,
    ) -> None:
        self._write = entry
        # With ``squashed`` (each anchored slot's entry for squashed text), the buckets
        # search the text squashed, as the anchors are: their entries then hold plain
        # letters where accent classes were, which cost RE2 several times the memory.
        self._write_anchored = squashed or entry
        self._squash = squashed is not None
        # Each entry is in one bucket, that of its anchor's group of strings (searched
        # when the text holds any of them), and compiled once: an entry anchored by a
        # lexicon's hundred words is not compiled again for each word the text holds.
        # Groups holding a string of a few letters ("we", "the", "pas"), in nearly every
        # reply, share one bucket, so that a reply costs one search for them all.
        strings: dict[str, set[int]] = {}
        buckets: list[list[int]] = []
        bucket_of_group: dict[tuple[str, ...], int] = {}
        always: list[int] = []
        for k, anchor in enumerate(anchors):
            if anchor is None:
                always.append(k)
                continue
            group = anchor[0]
            key = () if any(len(a) <= _SHORT or a in _COMMON for a in group) else group
            b = bucket_of_group.get(key)
            if b is None:
                b = bucket_of_group[key] = len(buckets)
                buckets.append([])
            buckets[b].append(k)
            for a in group:
                strings.setdefault(a, set()).add(b)
        self._always = always
        self._always_set: Callable[[bytes], list[int]] | None = None
        # (the literal set's index -> the buckets its string triggers)
        self._bucket_of = [tuple(sorted(b)) for b in strings.values()]
        self._bucket_slots = buckets
        self._buckets: list[Callable[[bytes], list[int]] | None] = [None] * len(buckets)
        self._anchors = _literal_set(list(strings)) if strings else None

    def with_entries(self, entry: Callable[[int], str], size: int) -> _Gate:
        """The same anchors for other entries (the first ``size`` slots), each matching
        where its own does: one set of strings for both, buckets of their own."""
        other = object.__new__(_Gate)
        other.__dict__.update(self.__dict__)
        other._write = other._write_anchored = entry
        other._squash = False
        other._always = [k for k in self._always if k < size]  # (those dropped: no anchor)
        other._always_set = None
        other._buckets = [None] * len(self._bucket_slots)
        return other

    def _bucket(self, slots: list[int], write: Callable[[int], str]) -> Callable[[bytes], list[int]]:
        """One compiled search of these slots' entries: the indexes (into ``slots``)
        of those that match UTF-8 text."""
        found = _compile_set([write(k) for k in slots], _BUCKET_CHARS)
        if isinstance(found, re2.Set):
            return found._set.Match  # type: ignore[no-any-return]  # (RE2's own: no wrapper)
        match = found.Match
        return lambda data: match(data) or []

    def Match(self, text: str) -> list[int]:  # (RE2's name, as a set has it)
        data = text.encode("utf-8")
        found: set[int] = set()
        if self._always:
            search = self._always_set
            if search is None:
                search = self._always_set = self._bucket(self._always, self._write)
            always = self._always
            found.update([always[i] for i in search(data)])
        if self._anchors is not None:
            buckets = self._buckets
            bucket_slots = self._bucket_slots
            bucket_of = self._bucket_of
            squashed = phrases.squash(text)
            present = self._anchors.Match(squashed) or ()
            if self._squash and squashed is not text:
                data = squashed.encode("utf-8")
            for j in {b for i in present for b in bucket_of[i]} if present else ():
                search = buckets[j]
                if search is None:
                    search = buckets[j] = self._bucket(bucket_slots[j], self._write_anchored)
                got = search(data)
                if got:
                    slots = bucket_slots[j]
                    found.update([slots[i] for i in got])
        return list(found)


_SHORT = 3  # letters: an anchor this short shares its bucket with every other one
# Longer words found in most replies, which would each cost a search of their own: their
# entries join the short ones' bucket (as anchors seen squashed: no accents, no apostrophes).
_COMMON = frozenset(
    [
        "that", "this", "have", "with", "your", "will", "what", "there", "they", "their",
        "would", "could", "should", "about", "been", "from", "were", "just", "when", "here",
        "sorry", "know", "back", "then", "also", "only", "like", "into", "more", "than",
        "them", "vous", "nous", "avez", "pour", "dans", "avec", "mais", "votre", "notre",
        "cette", "etre", "avoir", "fait", "plus", "tout", "bien", "sont", "sera", "comme",
        "vos", "faire", "peut", "sans", "tres",
    ]
)


def _literal_set(strings: list[str]) -> Any:
    """One RE2 set of plain strings: which of them the text holds."""
    opts = safe_regex.options(max_mem=64 << 20)
    opts.literal = True
    s = re2.Set.SearchSet(opts)
    for p in strings:
        s.Add(p)
    s.Compile()
    return s


class _Sets:
    """Several RE2 sets that answer as one: the slots of each come after the last's."""

    def __init__(self, parts: list[tuple[int, Any]]) -> None:
        self.parts = parts

    def Match(self, text: str) -> list[int]:  # (RE2's name, as the one set has it)
        return [first + k for first, part in self.parts for k in part.Match(text) or ()]


def _template(message: str, spans: Sequence[Span]) -> str:
    quoted = [f"\u201c{s.text}\u201d" for s in spans if s.text]
    first = quoted[0] if quoted else ""
    unique = list(dict.fromkeys(quoted))
    return message.replace("{matches}", ", ".join(unique)).replace("{match}", first)


def _template_first(message: str, spans: Sequence[Span]) -> str:
    """``_template`` for a message without ``{matches}``: only the first words count."""
    for s in spans:
        if s.text:
            return message.replace("{match}", f"\u201c{s.text}\u201d")
    return message.replace("{match}", "")


# ------------------------------------------------------------------------------ caching


def rule_set(
    packs: Sequence[RulePack], scenario: Scenario | None = None
) -> tuple[list[tuple[Any, float]], dict[str, tuple[str, float]]]:
    """The rules (with effective weights) and category labels a scenario scores with."""
    weights = dict(scenario.scoring.weights) if scenario else {}
    disabled = set(scenario.scoring.disable) if scenario else set()
    # a story's own better phrasing replaces the pack's generic one
    suggestions = dict(scenario.scoring.suggestions) if scenario else {}
    rules: list[tuple[Any, float]] = []
    cats: dict[str, tuple[str, float]] = {}
    lexicons: dict[str, list[str]] = {}
    for pack in packs:
        for name, words in pack.lexicons.items():
            lexicons.setdefault(name, list(words))
    for pack in packs:
        for name, info in pack.categories.items():
            cats.setdefault(name, (info.label, info.cap))
        for rule in pack.rules:
            if rule.id in disabled:
                continue
            if rule.accent_insensitive is None and pack.accent_insensitive:
                rule = rule.model_copy(update={"accent_insensitive": True})
            if rule.id in suggestions:
                rule = rule.model_copy(update={"suggestion": suggestions[rule.id]})
            rules.append((with_lexicons(rule, lexicons), weights.get(rule.id, rule.weight)))
    if scenario:
        # (a scenario's own rules are disabled or re-weighted only by a workshop's settings)
        rules.extend(
            (with_lexicons(rule, lexicons), weights.get(rule.id, rule.weight))
            for rule in scenario.scoring.rules
            if rule.id not in disabled
        )
    return rules, cats


def with_lexicons(rule: Any, lexicons: dict[str, list[str]]) -> Any:
    """The rule with every ``{name}`` of its phrases written out as a group of the
    lexicon's entries (load time: the matcher then sees plain phrases and groups).
    A name no pack defines is left as written (the loader has reported it)."""

    def expand(items: list[str]) -> list[str]:
        out = []
        for p in items:
            try:
                out.append(expand_lexicons(p, lexicons))
            except KeyError:
                out.append(p)
        return out

    update: dict[str, Any] = {}
    for key in ("phrases", "exceptions"):
        items = getattr(rule, key, None)
        if items and any("{" in p for p in items):
            update[key] = expand(items)
    parts = getattr(rule, "parts", None)
    if parts and any("{" in p for part in parts for p in part.phrases):
        update["parts"] = [part.model_copy(update={"phrases": expand(part.phrases)}) for part in parts]
    return rule.model_copy(update=update) if update else rule



# Compiling costs seconds; a scorer is cached by the content of what it compiles (the
# scenario's and packs' fields, the language), so a library loaded again, by another
# command in the same process, reuses it. Identity is the fast path to that content key.
_CACHE: OrderedDict[str, Scorer] = OrderedDict()
_KEYS: OrderedDict[tuple[int, ...], tuple[Any, str]] = OrderedDict()
_LOCK = threading.Lock()
_MAX = 64


def keep_scorers(most: int) -> None:
    """Keep at most ``most`` compiled scorers (the least recently used go first). A
    process that runs many commands keeps many (64 by default); the app keeps a few, as
    a trainee resting on each row of the library compiles each scenario ahead, and
    kept, eight scorers held some 35 MB more than one."""
    global _MAX
    with _LOCK:
        _MAX = max(1, most)
        _trim()


def _trim() -> None:
    """(Under _LOCK.) Drop the least recently used entries past ``_MAX``."""
    for cache in (_CACHE, _KEYS):
        while len(cache) > _MAX:
            cache.popitem(last=False)


def _content_key(scenario: Scenario | None, packs: Sequence[RulePack], language: str | None) -> str:
    """A digest of the models' content (``_ContentPickler``)."""
    digest = hashlib.sha256((language or "").encode())
    for model in (scenario, *packs):
        digest.update(b"\0" + (_content_bytes(model) if model is not None else b"-"))
    return digest.hexdigest()


def _content_bytes(model: BaseModel) -> bytes:
    out = io.BytesIO()
    _ContentPickler(out, protocol=5).dump(model)
    return out.getvalue()


class _ContentPickler(pickle.Pickler):
    """Pickles a model as its class and its fields alone: equal models (as pydantic
    compares them), equal bytes; models of other content, other bytes. Not its JSON,
    which needs pydantic's serializers, built for nothing else in a process whose models
    came from the parsed-file cache (some 5 MB); not its plain pickle, which holds the
    set of fields given explicitly, in no fixed order. (A field that is itself a set may
    still come out in another order: that costs a compile, never a wrong scorer.)"""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            return (_fields, (type(obj).__module__, type(obj).__qualname__, obj.__dict__))
        return NotImplemented


def _fields(*parts: Any) -> tuple[Any, ...]:  # (what _ContentPickler writes: never loaded)
    return parts


def scorer_for(
    scenario: Scenario | None, packs: Sequence[RulePack], language: str | None = None
) -> Scorer:
    """The compiled scorer of a scenario (or of bare packs), compiled once and cached."""
    ids = (id(scenario), *(id(p) for p in packs), hash(language))
    with _LOCK:
        known = _KEYS.get(ids)
    key = known[1] if known is not None else _content_key(scenario, packs, language)
    with _LOCK:
        if known is None:
            # keep the objects alive so their ids cannot be reused while cached
            _KEYS[ids] = ((scenario, tuple(packs)), key)
            _trim()
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    rules, cats = rule_set(packs, scenario)
    lang = scenario.language if scenario else (language or (packs[0].language if packs else "en"))
    value = scenario.customer.lifetime_value if scenario else "standard"
    scorer = Scorer(rules, lang, cats, value)
    with _LOCK:
        _CACHE[key] = scorer
        _trim()
    return scorer
