"""Why a rule fired, or nearly did: a trace of one reply's scoring, for trainers.

The trace is built beside the verdict, never on its path: ``Scorer.score`` gives the
verdict as always, then every rule whose words are in the reply is looked at again, step
by step, the way its kind matches: the phrases found (and the lexicon entry in them), the
clause each sits in, and what took a match away: an exception of the rule, a negation in
its clause, a condition (the customer's, or how things turn out), someone else's
reported words, a part of the rule missing or in another sentence. Whether a rule fired is the verdict's word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.model.schema import LEXICON_REF, RulePack, Scenario, expand_lexicons
from simulator.scoring.context import EMPTY, Context
from simulator.scoring.phrases import anchor, compile_phrase, find_words, squash
from simulator.scoring.reply import Reply
from simulator.scoring.rules.absence import AbsenceMatcher
from simulator.scoring.rules.base import Matcher
from simulator.scoring.rules.cooccur import CooccurMatcher
from simulator.scoring.rules.occurrence import OccurrenceMatcher
from simulator.scoring.rules.phrase import PhraseMatcher
from simulator.scoring.rules.question import QuestionMatcher
from simulator.scoring.rules.regex import RegexMatcher, iter_spans, to_folded
from simulator.scoring.scorer import Scorer, _clause_end
from simulator.scoring.verdict import Verdict

Span = tuple[int, int]

# What can take a match away, as the trace names it.
EXCEPTION = "exception"
NEGATION = "negation"
CONDITION = "condition"
REPORTED = "reported"
APART = "apart"  # a part in another sentence or clause than the others (or out of order)

# A rule's status in the trace.
FIRED = "fired"
CANCELLED = "cancelled"  # its words were there, and something took every match away
INCOMPLETE = "incomplete"  # some of what it needs is there, not all of it
CREDITED = "credited"  # an absence rule not charged: the step was shown earlier


@dataclass(frozen=True)
class Cancel:
    """What took one match away: its kind, the trainee's words that did it, and why."""

    reason: str
    words: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "words": self.words, "detail": self.detail}


@dataclass(frozen=True)
class Found:
    """One match of a rule in the reply (offsets in the reply as written)."""

    words: str
    start: int
    end: int
    phrase: str  # the phrase or pattern as the rule writes it
    lexicon: tuple[tuple[str, str], ...]  # (lexicon, entry) the words are
    part: str | None  # the part of a cooccur rule
    clause: str  # the clause the match sits in (where a negation is looked for)
    cancelled: Cancel | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "start": self.start,
            "end": self.end,
            "phrase": self.phrase,
            "lexicon": [{"lexicon": n, "entry": e} for n, e in self.lexicon],
            "part": self.part,
            "clause": self.clause,
            "cancelled": self.cancelled.to_dict() if self.cancelled else None,
        }


@dataclass(frozen=True)
class RuleTrace:
    rule: str
    kind: str
    category: str
    points: float
    status: str
    summary: str
    found: tuple[Found, ...] = ()
    missing: tuple[str, ...] = ()  # required parts with none of their phrases
    scope: str | None = None  # where a cooccur rule's parts must meet

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "category": self.category,
            "points": self.points,
            "status": self.status,
            "summary": self.summary,
            "scope": self.scope,
            "found": [f.to_dict() for f in self.found],
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class Explanation:
    verdict: Verdict
    normalised: str  # the text the rules saw
    rules: tuple[RuleTrace, ...] = field(default_factory=tuple)

    @property
    def fired(self) -> list[RuleTrace]:
        return [r for r in self.rules if r.status == FIRED]

    @property
    def near(self) -> list[RuleTrace]:
        return [r for r in self.rules if r.status != FIRED]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.verdict.score,
            "language": self.verdict.language,
            "reply": self.verdict.reply,
            "normalised": self.normalised,
            "rules": [r.to_dict() for r in self.rules],
            "notices": list(self.verdict.notices),
        }


def explain(
    scorer: Scorer,
    text: str,
    context: Context = EMPTY,
    *,
    packs: Sequence[RulePack] = (),
    scenario: Scenario | None = None,
) -> Explanation:
    """The verdict on ``text`` and, for every rule that fired or nearly fired, why.

    ``packs`` and ``scenario`` (those the scorer was built from) give the phrases as
    their authors wrote them, with their ``{lexicon}`` names.
    """
    verdict = scorer.score(text, context)
    reply = Reply(verdict.reply, scorer.language)  # (the part that was scored)
    tracer = _Tracer(scorer, reply, verdict, *_sources(packs, scenario))
    return Explanation(verdict, reply.text, tuple(tracer.run()))


def _sources(
    packs: Sequence[RulePack], scenario: Scenario | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The rules as written (before their lexicons are written out), and the lexicons,
    as ``rule_set`` reads them (the first pack to define a lexicon gives it)."""
    rules: dict[str, Any] = {}
    lexicons: dict[str, list[str]] = {}
    for pack in packs:
        for name, words in pack.lexicons.items():
            lexicons.setdefault(name, list(words))
        for rule in pack.rules:
            rules.setdefault(rule.id, rule)
    if scenario is not None:
        for rule in scenario.scoring.rules:
            rules[rule.id] = rule
    return rules, lexicons


class _Tracer:
    def __init__(
        self,
        scorer: Scorer,
        reply: Reply,
        verdict: Verdict,
        written: dict[str, Any],
        lexicons: dict[str, list[str]],
    ) -> None:
        self.scorer = scorer
        self.reply = reply
        self.verdict = verdict
        self.written = written
        self.lexicons = lexicons
        self.hits = {h.rule: h for h in verdict.hits}
        self.slots = self._slots()

    def _slots(self) -> dict[int, list[int]]:
        """Each rule's prefilter slots that match the reply (a superset is fine: every
        match is confirmed with the exact pattern)."""
        sc = self.scorer
        out: dict[int, list[int]] = {}
        text = self.reply.text
        if text and sc._unbounded_set is not None:
            n = len(sc._rule_of)
            for k in sc._unbounded_set.Match(text) or ():
                if k < n:
                    out.setdefault(sc._rule_of[k], []).append(sc._local_of[k])
        if text and sc._cased_set is not None:
            for k in sc._cased_set.Match(self.reply.cased) or ():
                out.setdefault(sc._cased_of[k], []).append(-1)
        return {i: sorted(v) for i, v in out.items()}

    def run(self) -> Iterable[RuleTrace]:
        for i, m in enumerate(self.scorer.matchers):
            slots = self.slots.get(i, [])
            if isinstance(m, AbsenceMatcher):
                trace = self._absence(m)
            elif not slots and m.gated and m.id not in self.hits:
                continue
            elif isinstance(m, PhraseMatcher):
                trace = self._phrase(i, m, slots)
            elif isinstance(m, CooccurMatcher):
                trace = self._cooccur(i, m, slots)
            else:
                trace = self._other(i, m, slots)
            if trace is not None:
                yield trace

    # ------------------------------------------------------------------ the kinds

    def _phrase(self, i: int, m: PhraseMatcher, slots: list[int]) -> RuleTrace | None:
        reply = self.reply
        found = []
        blocked = self._exceptions(m, slots)
        for s, e, k in self._spans(m, [k for k in slots if 0 <= k < m.phrase_slots.stop]):
            cancel = self._blocked(s, e, blocked)
            if cancel is None and m.unless_negated:
                cue = reply.negation_cue(s, e)
                if cue is None and m.max_gap and reply.negated_inside(s, e, m.own_words):
                    cue = self._cue_inside(s, e, m.own_words)
                if cue is not None:
                    cancel = self._negation(cue)
            if cancel is None:
                cancel = self._scoped(i, s, e)
            found.append(self._found(m, s, e, k, cancel))
        return self._trace(m, found)

    def _cooccur(self, i: int, m: CooccurMatcher, slots: list[int]) -> RuleTrace | None:
        reply = self.reply
        names = [part.name for part in m.rule.parts]
        blocked = self._exceptions(m, slots)
        n = len(m._part_of)
        present: list[list[int]] = [[] for _ in m.parts]
        for k in slots:
            if 0 <= k < n:
                present[m._part_of[k]].append(k)
        missing = [names[p] for p in m.required if not present[p]]
        # Each part's matches, what took them away, and those still standing.
        out: list[Found] = []
        alive: list[list[tuple[int, int, int]]] = []
        taken: list[Span] = []
        for p, part_slots in enumerate(present):
            standing = []
            for s, e, k in self._spans(m, part_slots):
                cancel = self._blocked(s, e, blocked)
                if cancel is not None:
                    out.append(self._found(m, s, e, k, cancel, names[p]))
                elif not any(ts <= s and e <= te for ts, te in taken):
                    standing.append((s, e, k))
            alive.append(standing)
            taken.extend((s, e) for s, e, _ in standing)
        lost: dict[tuple[int, int, int], Cancel] = {}
        if not missing and all(alive[p] for p in m.required):
            key = reply.clause_key if m.by_clause else reply.sentence_key
            unit = "clause" if m.by_clause else "sentence"
            apart = Cancel(
                APART,
                "",
                f"not in the same {unit} as the rule's other parts"
                + (", in their order" if m.ordered else ""),
            )
            if m.by_sentence:
                self._apart(m, alive, key, lost, apart)
            if m.negation:
                for spans in alive:
                    for s, e, k in spans:
                        if (s, e, k) not in lost:
                            cue = reply.negation_cue(s, e)
                            if cue is not None:
                                lost[(s, e, k)] = self._negation(cue)
                if m.by_sentence and all(any(x not in lost for x in alive[p]) for p in m.required):
                    self._apart(m, alive, key, lost, apart)
            if all(any(x not in lost for x in alive[p]) for p in m.required):
                for spans in alive:
                    for s, e, k in spans:
                        if (s, e, k) not in lost:
                            cancel = self._scoped(i, s, e)
                            if cancel is not None:
                                lost[(s, e, k)] = cancel
        for p, spans in enumerate(alive):
            for s, e, k in spans:
                out.append(self._found(m, s, e, k, lost.get((s, e, k)), names[p]))
        out.sort(key=lambda f: (f.start, f.end))
        scope = m.rule.scope
        # Nearly fired: every required part is there (something took it away), or all
        # but one of three or more required parts are.
        if m.id not in self.hits and missing and not (len(m.required) >= 3 and len(missing) == 1):
            return None
        return self._trace(m, out, tuple(missing), scope)

    def _apart(
        self,
        m: CooccurMatcher,
        alive: list[list[tuple[int, int, int]]],
        key: Any,
        lost: dict[tuple[int, int, int], Cancel],
        apart: Cancel,
    ) -> None:
        """Mark the standing matches outside every sentence (clause) that holds each
        required part (in order, if the rule says so)."""
        units = [{key(s) for s, e, k in alive[p] if (s, e, k) not in lost} for p in m.required]
        common = set.intersection(*units) if units else set()
        common.discard(-1)
        if common and m.ordered:
            common = {u for u in common if self._in_order(m, alive, key, lost, u)}
        for spans in alive:
            for x in spans:
                if x not in lost and key(x[0]) not in common:
                    lost[x] = apart

    @staticmethod
    def _in_order(
        m: CooccurMatcher,
        alive: list[list[tuple[int, int, int]]],
        key: Any,
        lost: dict[tuple[int, int, int], Cancel],
        unit: int,
    ) -> bool:
        after = -1
        for p in m.required:
            starts = [
                x[0] for x in alive[p] if x not in lost and key(x[0]) == unit and x[0] > after
            ]
            if not starts:
                return False
            after = min(starts)
        return True

    def _other(self, i: int, m: Matcher, slots: list[int]) -> RuleTrace | None:
        """regex, occurrence and question rules: their matches, less the exceptions."""
        reply = self.reply
        spans: list[tuple[int, int, int]]
        if isinstance(m, RegexMatcher | OccurrenceMatcher) and m.compiled is not None:
            if m.case_sensitive:
                raw = [to_folded(reply, s, e) for s, e in iter_spans(m.compiled, reply.cased)]
            else:
                raw = iter_spans(m.compiled, reply.text)
            spans = [(s, e, 0) for s, e in raw]
        elif isinstance(m, OccurrenceMatcher):
            spans = self._spans(m, [k for k in slots if 0 <= k < m.phrase_slots.stop])
        elif isinstance(m, QuestionMatcher):
            text = reply.text
            questions = [(s, e) for s, e in reply.sentences if text[e - 1] == "?"]
            if m.phrase_slots:
                words = self._spans(m, [k for k in slots if 0 <= k < m.phrase_slots.stop])
                spans = [
                    (s, e, next(k for hs, _, k in words if s <= hs < e))
                    for s, e in questions
                    if any(s <= hs < e for hs, _, _ in words)
                ]
            else:
                spans = [(s, e, -2) for s, e in questions]
        else:  # a kind this trace does not know: what the verdict found
            hit = self.hits.get(m.id)
            if hit is None:
                return None
            found = [Found(sp.text, sp.start, sp.end, "", (), None, "") for sp in hit.spans]
            return self._trace(m, found)
        blocked = self._exceptions(m, slots)
        found = []
        for s, e, k in spans:
            cancel = self._blocked(s, e, blocked)
            if cancel is None:
                cancel = self._scoped(i, s, e)
            found.append(self._found(m, s, e, k, cancel))
        if isinstance(m, OccurrenceMatcher):
            standing = sum(1 for f in found if f.cancelled is None)
            if m.id not in self.hits and found and standing < m.min_count:
                return RuleTrace(
                    m.id,
                    m.rule.kind,
                    m.category,
                    m.weight,
                    INCOMPLETE,
                    f"found {standing} time(s); it needs {m.min_count}",
                    tuple(found),
                )
        return self._trace(m, found)

    def _absence(self, m: AbsenceMatcher) -> RuleTrace | None:
        step = self.scorer._missed_step_of.get(self.scorer.matchers.index(m))
        if m.id in self.hits:
            if m.missing_category is not None:
                why = f"no rule of category '{m.missing_category}' fired in this reply"
            else:
                why = "none of its phrases is in the reply"
            return RuleTrace(m.id, m.rule.kind, m.category, m.weight, FIRED, f"fired: {why}")
        if step is not None and step in self.verdict.credited:
            return RuleTrace(
                m.id,
                m.rule.kind,
                m.category,
                m.weight,
                CREDITED,
                f"not charged: an earlier reply already showed '{step}'",
            )
        return None

    # ------------------------------------------------------------------ helpers

    def _trace(
        self,
        m: Matcher,
        found: list[Found],
        missing: tuple[str, ...] = (),
        scope: str | None = None,
    ) -> RuleTrace | None:
        if m.id in self.hits:
            status = FIRED
            n = sum(1 for f in found if f.cancelled is None)
            summary = f"fired on {n} match(es)" if n else "fired"
        elif missing:
            status = INCOMPLETE
            summary = "not fired: no words for its part(s) " + ", ".join(missing)
        elif found:
            reasons = list(dict.fromkeys(f.cancelled.reason for f in found if f.cancelled))
            if not reasons:
                return None  # (its words, and nothing that took them: not this trace's)
            status = CANCELLED
            summary = "not fired: cancelled by " + ", ".join(_REASON_WORDS[r] for r in reasons)
        else:
            return None
        return RuleTrace(
            m.id, m.rule.kind, m.category, m.weight, status, summary, tuple(found), missing, scope
        )

    def _spans(self, m: Matcher, slots: list[int]) -> list[tuple[int, int, int]]:
        """As ``Matcher.spans``, with the slot each match comes from."""
        found = [
            (s, e, k)
            for k in slots
            if k >= 0
            for s, e in self.reply.words(m.exact[k], m.unaccented[k])
        ]
        found.sort(key=lambda x: (x[0], x[0] - x[1]))
        out = []
        end = -1
        for x in found:
            if x[0] >= end:
                out.append(x)
                end = x[1]
        return out

    def _exceptions(self, m: Matcher, slots: list[int]) -> list[tuple[int, int, int, str]]:
        """The matches of the rule's exceptions, with each exception as written."""
        start = m._exceptions_from
        written = getattr(self.written.get(m.id, m.rule), "exceptions", None) or []
        return [
            (s, e, k, str(written[k - start]) if k - start < len(written) else "")
            for k in slots
            if k >= start
            for s, e in self.reply.words(m.exact[k], m.unaccented[k])
        ]

    def _blocked(self, s: int, e: int, blocked: list[tuple[int, int, int, str]]) -> Cancel | None:
        for bs, be, _, phrase in blocked:
            if bs < e and s < be:
                words = self._original(bs, be)
                return Cancel(
                    EXCEPTION,
                    words,
                    f"the rule's exception \u201c{phrase}\u201d: \u201c{words}\u201d",
                )
        return None

    def _negation(self, cue: Span) -> Cancel:
        words = self._original(*cue)
        return Cancel(NEGATION, words, f"negated by \u201c{words}\u201d in the same clause")

    def _cue_inside(self, s: int, e: int, own: frozenset[str]) -> Span:
        for m in self.reply.language.negation.finditer(self.reply.text, s, e):
            if m.group().strip("'") not in own:
                return m.span()
        return (s, e)  # (negated_inside said there is one)

    def _scoped(self, i: int, s: int, e: int) -> Cancel | None:
        """A customer's condition (fix rules) or reported words (last-word rules)."""
        row = self.scorer._hit_rows[i]
        reply = self.reply
        if row.conditional:
            cond = reply.condition(s, e)
            if cond is not None:
                words = self._original(cond[0], _clause_end(reply.text, cond[1]))
                return Cancel(
                    CONDITION,
                    words,
                    f"depends on a condition: \u201c{words}\u201d",
                )
        if row.reported:
            quote = reply.reported_quote(s, e)
            if quote is not None:
                words = self._original(*quote)
                return Cancel(
                    REPORTED, words, f"in words reported as someone else's: \u201c{words}\u201d"
                )
        return None

    def _found(
        self,
        m: Matcher,
        s: int,
        e: int,
        k: int,
        cancel: Cancel | None,
        part: str | None = None,
    ) -> Found:
        os_, oe = self.reply.span(s, e)
        phrase = self._phrase_text(m, k)
        return Found(
            self.reply.original[os_:oe],
            os_,
            oe,
            phrase,
            self._lexicon(m, phrase, s, e),
            part,
            self._clause(s, e),
            cancel,
        )

    def _phrase_text(self, m: Matcher, k: int) -> str:
        """The phrase of slot ``k`` as its rule writes it (a pattern for regex rules)."""
        rule = self.written.get(m.id, m.rule)
        if k == -2:
            return "a question (a sentence ending in '?')"
        if isinstance(m, RegexMatcher | OccurrenceMatcher) and getattr(m, "compiled", None):
            return str(rule.pattern)
        if k < 0 or k >= len(m.exact):
            return ""
        if isinstance(m, CooccurMatcher):
            p = m._part_of[k] if k < len(m._part_of) else None
            if p is not None:
                return str(rule.parts[p].phrases[k - m.parts[p].start])
        phrases = getattr(rule, "phrases", None) or []
        if k < len(phrases):
            return str(phrases[k])
        return ""

    def _lexicon(self, m: Matcher, phrase: str, s: int, e: int) -> tuple[tuple[str, str], ...]:
        """The lexicon entries (of the phrase's ``{names}``) that the matched words hold:
        the phrase with only that entry for its name still matches the words."""
        names = list(dict.fromkeys(LEXICON_REF.findall(phrase)))
        if not names or any(n not in self.lexicons for n in names):
            return ()
        words = self.reply.text[s:e]
        held = squash(words)
        out = []
        for name in names:
            for entry in self.lexicons[name]:
                # (the words hold one string of each of an entry's anchor groups wherever
                # it matches: an entry without them is not tried, which spares writing
                # and compiling the phrase once for each of a lexicon's hundred entries)
                if not _may_hold(held, entry, m):
                    continue
                only = {**self.lexicons, name: [entry]}
                try:
                    pattern = expand_lexicons(phrase, only)
                    exact = compile_phrase(pattern, m.language, max_gap=5, accents=m.accents)[1]
                    got = find_words(exact, words)
                except (KeyError, ValueError):
                    continue
                if (0, len(words)) in got:
                    out.append((name, entry))
                    break
        return tuple(out)

    def _clause(self, s: int, e: int) -> str:
        """The clause (folded offsets [s, e) in it) as the trainee wrote it."""
        reply = self.reply
        i = reply.sentence_of(s)
        if i < 0:
            return self._original(s, e)
        _, se = reply.sentences[i]
        start = reply.clause_key(s)
        nxt = reply.language.clause_break.search(reply.text, e, se)
        end = nxt.start() if nxt is not None else se
        return self._original(start, max(end, e)).strip()

    def _original(self, s: int, e: int) -> str:
        os_, oe = self.reply.span(s, e)
        return self.reply.original[os_:oe]


def _may_hold(held: str, entry: str, m: Matcher) -> bool:
    """Can a phrase holding this lexicon entry match words that, squashed, are ``held``?
    Not when the words lack every string of one of the entry's anchor groups."""
    try:
        groups = anchor(entry, m.language, accents=m.accents)
    except ValueError:
        return True  # (the phrase's own compile says why)
    return groups is None or all(any(a in held for a in group) for group in groups)


_REASON_WORDS = {
    EXCEPTION: "an exception",
    NEGATION: "a negation",
    CONDITION: "a condition",
    REPORTED: "reported speech",
    APART: "parts apart",
}
