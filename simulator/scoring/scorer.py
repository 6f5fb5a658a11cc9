"""Score a reply against a compiled rule set.

Compiling happens once per scenario (cached): every rule's phrases go into one RE2 set,
which tells in a single linear pass which rules can fire. Only those rules then look for
their exact spans. Nothing is compiled on the hot path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import re2

from simulator.model.schema import RulePack, Scenario
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

MAX_REPLY_CHARS = 4000


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
        used = {m.category for m in self.matchers}
        self.categories = {c: cats.get(c, (c.replace("_", " ").capitalize(), 40.0)) for c in used}
        for c in ("last_word", "concrete_fix", "acknowledge"):
            self.categories.setdefault(c, cats[c])
        self._slot_of: list[tuple[int, int]] = []
        patterns = [
            (i, j, p) for i, m in enumerate(self.matchers) for j, p in enumerate(m.prefilter)
        ]
        self._set = _compile_set(p for _, _, p in patterns)
        self._slot_of = [(i, j) for i, j, _ in patterns]
        cased = [(i, m.cased_prefilter) for i, m in enumerate(self.matchers) if m.cased_prefilter]
        self._cased_set = _compile_set(p for _, p in cased)
        self._cased_of = [i for i, _ in cased]
        self._early = [i for i, m in enumerate(self.matchers) if not m.late]
        self._late = [i for i, m in enumerate(self.matchers) if m.late]
        self.rule_ids = frozenset(m.id for m in self.matchers)

    def score(self, text: str) -> Verdict:
        notices: list[str] = []
        if len(text) > MAX_REPLY_CHARS:
            cut = text.rfind(" ", 0, MAX_REPLY_CHARS)
            cut = cut if cut > MAX_REPLY_CHARS // 2 else MAX_REPLY_CHARS
            notices.append(
                f"Your reply is {len(text):,} characters long; only the first {cut:,} were "
                f"scored (the limit is {MAX_REPLY_CHARS:,})."
            )
            text = text[:cut]
        reply = Reply(text, self.language)
        slots: dict[int, set[int]] = {}
        if self._set is not None and reply.text:
            slot_of = self._slot_of
            for k in self._set.Match(reply.text) or ():
                i, j = slot_of[k]
                got = slots.get(i)
                if got is None:
                    slots[i] = {j}
                else:
                    got.add(j)
        if self._cased_set is not None and reply.text:
            for k in self._cased_set.Match(reply.cased) or ():
                slots.setdefault(self._cased_of[k], set()).add(-1)
        fired: set[str] = set()
        found: list[tuple[Matcher, list[tuple[int, int]]]] = []
        for group in (self._early, self._late):
            for i in group:
                m = self.matchers[i]
                got = slots.get(i)
                if m.gated and not got:
                    continue
                spans = m.find(reply, frozenset(got or ()), fired)
                if spans is not None:
                    found.append((m, spans))
            fired |= {m.category for m, _ in found}
        return self._verdict(reply, found, fired, tuple(notices))

    def _verdict(
        self,
        reply: Reply,
        found: list[tuple[Matcher, list[tuple[int, int]]]],
        fired: set[str],
        notices: tuple[str, ...],
    ) -> Verdict:
        hits: list[Hit] = []
        sums: dict[str, float] = {}
        rules_by_cat: dict[str, list[str]] = {}
        for m, spans in found:
            original = []
            for s, e in spans:
                os_, oe = reply.span(s, e)
                original.append(Span(os_, oe, reply.original[os_:oe]))
            hits.append(
                Hit(
                    rule=m.id,
                    category=m.category,
                    kind=m.rule.kind,
                    level=m.rule.level,
                    points=m.weight,
                    message=_template(m.rule.message, original),
                    suggestion=m.rule.suggestion,
                    spans=tuple(original),
                )
            )
            sums[m.category] = sums.get(m.category, 0.0) + m.weight
            rules_by_cat.setdefault(m.category, []).append(m.id)
        categories: dict[str, CategoryResult] = {}
        total = float(BASE)
        for name, (label, cap) in self.categories.items():
            pts = clamp(sums.get(name, 0.0), -cap, cap)
            total += pts
            categories[name] = CategoryResult(
                name, label, name in rules_by_cat, pts, tuple(rules_by_cat.get(name, ()))
            )
        adjust = lifetime_adjustment(self.lifetime_value, fired)
        score = int(clamp(round(total + adjust), 0, 100))
        hits.sort(key=lambda h: (h.spans[0].start if h.spans else -1, h.rule))
        return Verdict(
            score=score,
            categories=categories,
            hits=tuple(hits),
            steps=steps(fired),
            lifetime_adjustment=adjust,
            language=self.language,
            reply=reply.original,
            scored_chars=len(reply.original),
            notices=notices,
        )


def _compile_set(patterns: Iterable[str]) -> Any:
    """One RE2 set of every pattern (None when there are none): one linear pass finds
    which of them occur."""
    items = list(patterns)
    if not items:
        return None
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = 64 << 20
    s = re2.Set.SearchSet(opts)
    for p in items:
        s.Add(p)
    s.Compile()
    return s


def _template(message: str, spans: Sequence[Span]) -> str:
    quoted = [f"\u201c{s.text}\u201d" for s in spans if s.text]
    first = quoted[0] if quoted else ""
    unique = list(dict.fromkeys(quoted))
    return message.replace("{matches}", ", ".join(unique)).replace("{match}", first)


# ------------------------------------------------------------------------------ caching


def rule_set(
    packs: Sequence[RulePack], scenario: Scenario | None = None
) -> tuple[list[tuple[Any, float]], dict[str, tuple[str, float]]]:
    """The rules (with effective weights) and category labels a scenario scores with."""
    weights = dict(scenario.scoring.weights) if scenario else {}
    disabled = set(scenario.scoring.disable) if scenario else set()
    rules: list[tuple[Any, float]] = []
    cats: dict[str, tuple[str, float]] = {}
    for pack in packs:
        for name, info in pack.categories.items():
            cats.setdefault(name, (info.label, info.cap))
        for rule in pack.rules:
            if rule.id in disabled:
                continue
            if rule.accent_insensitive is None and pack.accent_insensitive:
                rule = rule.model_copy(update={"accent_insensitive": True})
            rules.append((rule, weights.get(rule.id, rule.weight)))
    if scenario:
        rules.extend((rule, rule.weight) for rule in scenario.scoring.rules)
    return rules, cats


_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, Scorer]] = OrderedDict()
_LOCK = threading.Lock()


def scorer_for(
    scenario: Scenario | None, packs: Sequence[RulePack], language: str | None = None
) -> Scorer:
    """The compiled scorer of a scenario (or of bare packs), compiled once and cached."""
    key = (id(scenario), *(id(p) for p in packs))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached[1]
    rules, cats = rule_set(packs, scenario)
    lang = scenario.language if scenario else (language or (packs[0].language if packs else "en"))
    value = scenario.customer.lifetime_value if scenario else "standard"
    scorer = Scorer(rules, lang, cats, value)
    with _LOCK:
        # keep the objects alive so their ids cannot be reused while cached
        _CACHE[key] = ((scenario, tuple(packs)), scorer)
        while len(_CACHE) > 64:
            _CACHE.popitem(last=False)
    return scorer
