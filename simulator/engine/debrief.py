"""What the trainee reads at the end: outcome, total, turns, five steps, mood, changes;
and how each number shown is made (:func:`reply_points`, :meth:`Debrief.total_points`).

Total score (0-100):

    total = round(0.7 * mean(turn scores) + outcome points)

with outcome points 30 for a customer kept, 10 for escalated, 0 for lost or unfinished.
A conversation with no reply scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from simulator.engine import flow
from simulator.engine.turn import Turn
from simulator.model.schema import Ending, Scenario
from simulator.scoring.verdict import BASE, STEPS, Hit, Verdict


class Conversation(Protocol):
    """What a debrief reads of a conversation (a :class:`~simulator.engine.session.Session`;
    named here so that this module does not import the one that builds debriefs)."""

    @property
    def scenario(self) -> Scenario: ...
    @property
    def turns(self) -> Sequence[Turn]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def ending(self) -> Ending | None: ...
    @property
    def hints_used(self) -> int: ...
    @property
    def retries(self) -> int: ...
    @property
    def mode(self) -> str: ...
    @property
    def difficulty(self) -> str: ...
    @property
    def pass_mark(self) -> int: ...
    @property
    def critical_rules(self) -> frozenset[str]: ...

OUTCOME_POINTS = {"kept": 30, "escalated": 10, "lost": 0, "unfinished": 0}
TURN_SHARE = 0.7

STEP_ADVICE = {
    "calm": "Keep a calm tone: no capitals, no 'calm down', no sarcasm.",
    "listen": "Show you listened: say back the facts the customer gave you.",
    "acknowledge": "Say plainly that there is a problem and that you are sorry for it.",
    "clarify": "Ask one question that gets a fact you need to fix it.",
    "solve": "Commit to a specific remedy, say who does it and by when.",
}


@dataclass(frozen=True)
class Change:
    """One thing to do differently, quoting the trainee's own words."""

    turn: int
    quote: str
    why: str
    better: str
    points: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "quote": self.quote,
            "why": self.why,
            "better": self.better,
            "points": self.points,
        }


# A reply under this score (or a bad one: last-word phrasing, under 40, over time) is
# weak: the node's model replies are shown after it.
WEAK_SCORE = 60


def is_weak(turn: Turn) -> bool:
    return flow.is_bad(turn.verdict, turn.over_time) or turn.verdict.score < WEAK_SCORE


def model_reply_for(scenario: Scenario, turn: Turn) -> str | None:
    """A model reply of the node the turn answered, when the reply was weak (None when
    it was not, or the node has none). Several: one per turn, in turn order."""
    node = scenario.node(turn.node)
    if node is None or not node.model_replies or not is_weak(turn):
        return None
    return node.model_replies[(turn.index - 1) % len(node.model_replies)]


@dataclass(frozen=True)
class ModelReply:
    """For the reply that cost most: a reply that would have worked at its node."""

    turn: int
    node: str
    quote: str  # the trainee's reply
    reply: str  # the model reply

    def to_dict(self) -> dict[str, Any]:
        return {"turn": self.turn, "node": self.node, "quote": self.quote, "reply": self.reply}


def costliest_model_reply(scenario: Scenario, turns: Sequence[Turn]) -> ModelReply | None:
    """The weak reply with the lowest score (the first of equals) whose node has model
    replies, with one of them."""
    best: tuple[int, Turn, str] | None = None
    for t in turns:
        text = model_reply_for(scenario, t)
        if text is not None and (best is None or t.verdict.score < best[0]):
            best = (t.verdict.score, t, text)
    if best is None:
        return None
    _, turn, text = best
    return ModelReply(turn.index, turn.node, _short(turn.reply), text)


@dataclass(frozen=True)
class Debrief:
    scenario: str
    title: str
    outcome: str
    ending: str | None
    ending_title: str | None
    ending_text: str | None
    score: int
    turns: list[dict[str, Any]]
    steps: dict[str, dict[str, int]]
    mood: list[int]
    changes: list[Change]
    tips: list[str] = field(default_factory=list)
    hints_used: int = 0
    retries: int = 0
    # The reply that ended the conversation by costing the customer's last patience
    # point (None when it ended otherwise, or goes on).
    last_straw: int | None = None
    # Assessment: the pass mark, whether the attempt passed, the level its score reached,
    # the difficulty played, and the critical rules that fired (each reply and why).
    pass_mark: int = 70
    passed: bool = False
    level: str | None = None
    difficulty: str | None = None
    critical: list[CriticalHit] = field(default_factory=list)
    mode: str = "practice"
    # For the reply that cost most: a reply that would have worked at its node.
    model_reply: ModelReply | None = None

    @property
    def failed_critical(self) -> bool:
        """A critical rule fired in assessment mode: the attempt cannot pass."""
        return self.mode == "assessment" and bool(self.critical)

    def total_points(self) -> TotalPoints:
        """How ``score`` is made from the replies' scores and the outcome."""
        return total_points([t["score"] for t in self.turns], self.outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "outcome": self.outcome,
            "ending": self.ending,
            "ending_title": self.ending_title,
            "ending_text": self.ending_text,
            "score": self.score,
            "turns": self.turns,
            "steps": self.steps,
            "mood": self.mood,
            "changes": [c.to_dict() for c in self.changes],
            "tips": self.tips,
            "hints_used": self.hints_used,
            "retries": self.retries,
            "mode": self.mode,
            "difficulty": self.difficulty,
            "pass_mark": self.pass_mark,
            "passed": self.passed,
            "level": self.level,
            "critical": [c.to_dict() for c in self.critical],
            "model_reply": self.model_reply.to_dict() if self.model_reply else None,
        }


@dataclass(frozen=True)
class CriticalHit:
    """A critical rule that fired: in which reply, on which words, and why it matters."""

    turn: int
    rule: str
    quote: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"turn": self.turn, "rule": self.rule, "quote": self.quote, "message": self.message}


def critical_hits(turns: Sequence[Turn], rules: frozenset[str]) -> list[CriticalHit]:
    """Each critical rule that fired, reply by reply (a rule once per reply)."""
    found: list[CriticalHit] = []
    for t in turns:
        for hit in t.verdict.hits:
            if hit.rule in rules:
                quote = _short(hit.spans[0].text if hit.spans else t.reply)
                found.append(CriticalHit(t.index, hit.rule, quote, hit.message))
    return found


def assess(
    score: int, outcome: str, pass_mark: int, critical_failed: bool, level: str | None
) -> tuple[bool, str | None]:
    """Whether an attempt passed and the level it keeps: a finished conversation whose
    total reaches the pass mark, no critical rule fired in assessment. An attempt that
    cannot pass keeps no level; one left unfinished neither."""
    finished = outcome in ("kept", "escalated", "lost")
    if not finished or critical_failed:
        return False, None
    return score >= pass_mark, level


@dataclass(frozen=True)
class TotalPoints:
    """The total, as the debrief explains it: share x mean of the replies + outcome points."""

    mean: float  # of the reply scores
    share: float
    outcome: str
    outcome_points: int
    score: int


def total_points(turn_scores: Sequence[int], outcome: str) -> TotalPoints:
    mean = sum(turn_scores) / len(turn_scores) if turn_scores else 0.0
    points = OUTCOME_POINTS.get(outcome, 0)
    return TotalPoints(mean, TURN_SHARE, outcome, points, total_score(turn_scores, outcome))


def total_score(turn_scores: Sequence[int], outcome: str) -> int:
    if not turn_scores:
        return 0
    mean = sum(turn_scores) / len(turn_scores)
    return max(0, min(100, round(TURN_SHARE * mean + OUTCOME_POINTS.get(outcome, 0))))


@dataclass(frozen=True)
class CategoryPoints:
    """What one category added to a reply's score: its rules' weights, capped."""

    category: str
    label: str
    points: float  # what counts (capped)
    raw: float  # the sum of its fired rules' weights
    hits: tuple[Hit, ...]

    @property
    def capped(self) -> bool:
        return self.points != self.raw


@dataclass(frozen=True)
class ReplyPoints:
    """A reply's score, the way docs/scoring.md adds it up:
    ``clamp(round(base + gained + lost), 0, 100)``, gained and lost being the capped
    points of the categories (and the lifetime adjustment) above and below zero."""

    base: int
    categories: tuple[CategoryPoints, ...]  # costliest first, then the largest gains
    lifetime: int
    gained: float
    lost: float
    score: int

    @property
    def unclamped(self) -> float:
        return self.base + self.gained + self.lost

    @property
    def clamped(self) -> bool:
        return round(self.unclamped) != self.score


def reply_points(verdict: Verdict) -> ReplyPoints:
    """How the verdict's score is made, one entry per category that fired."""
    by_category: dict[str, list[Hit]] = {}
    for hit in verdict.hits:
        by_category.setdefault(hit.category, []).append(hit)
    cats: list[CategoryPoints] = []
    for name, hits in by_category.items():
        result = verdict.categories.get(name)
        raw = sum(h.points for h in hits)
        points = result.points if result is not None else raw
        label = result.label if result is not None else name
        ordered = tuple(sorted(hits, key=lambda h: (h.points, h.rule)))
        cats.append(CategoryPoints(name, label, points, raw, ordered))
    # the costliest first, then the largest gains
    cats.sort(key=lambda c: (c.points >= 0, -abs(c.points), c.category))
    adj = verdict.lifetime_adjustment
    gained = sum(c.points for c in cats if c.points > 0) + max(0, adj)
    lost = sum(c.points for c in cats if c.points < 0) + min(0, adj)
    return ReplyPoints(BASE, tuple(cats), adj, gained, lost, verdict.score)


def changes(turns: Sequence[Turn], limit: int = 3) -> list[Change]:
    """The most useful changes: the costliest phrasing first, then missed fixes.

    Each phrase is named once: two rules that fire on the same words of a reply (or a
    phrase the trainee repeated in another reply) give one change, the costlier.
    """
    found: list[Change] = []
    seen_rules: set[str] = set()
    seen_quotes: set[str] = set()
    taken: dict[int, list[tuple[int, int]]] = {}  # turn -> spans already quoted
    losses = sorted(
        ((h.points, t, h) for t in turns for h in t.verdict.hits if h.points < 0),
        key=lambda x: (x[0], x[1].index),
    )
    for points, turn, hit in losses:
        if hit.rule in seen_rules:
            continue
        seen_rules.add(hit.rule)
        span = hit.spans[0] if hit.spans else None
        quote = _short(span.text if span else turn.reply)
        where = (span.start, span.end) if span else (0, len(turn.reply))
        if quote.casefold() in seen_quotes or any(
            where[0] < end and start < where[1] for start, end in taken.get(turn.index, [])
        ):
            continue
        seen_quotes.add(quote.casefold())
        taken.setdefault(turn.index, []).append(where)
        found.append(
            Change(
                turn=turn.index,
                quote=quote,
                why=hit.message,
                better=hit.suggestion or STEP_ADVICE["solve"],
                points=points,
            )
        )
        if len(found) >= limit:
            return found
    for turn in turns:
        if len(found) >= limit:
            break
        missing = [s for s in ("solve", "acknowledge") if not turn.verdict.steps.get(s)]
        # a "missed step" rule already said so for this turn
        if turn.index in taken:
            continue
        quote = _short(turn.reply)
        if missing and quote.casefold() not in seen_quotes:
            seen_quotes.add(quote.casefold())
            found.append(
                Change(
                    turn=turn.index,
                    quote=quote,
                    why=f"This reply did not {_step_phrase(missing[0])}.",
                    better=STEP_ADVICE[missing[0]],
                    points=0,
                )
            )
    return found[:limit]


def _step_phrase(step: str) -> str:
    return {"solve": "commit to a concrete fix", "acknowledge": "acknowledge the problem"}[step]


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build(session: Conversation) -> Debrief:
    turns = session.turns
    scores = [t.verdict.score for t in turns]
    outcome = session.outcome
    ending = session.ending
    steps = {
        s: {"done": sum(1 for t in turns if t.verdict.steps.get(s)), "of": len(turns)}
        for s in STEPS
    }
    mood = [session.scenario.customer.mood, *(t.mood_after for t in turns)]
    score = total_score(scores, outcome)
    critical = critical_hits(turns, session.critical_rules)
    passed, level = assess(
        score,
        outcome,
        session.pass_mark,
        session.mode == "assessment" and bool(critical),
        session.scenario.level_for(score),
    )
    return Debrief(
        scenario=session.scenario.id,
        title=session.scenario.title,
        outcome=outcome,
        ending=ending.id if ending else None,
        ending_title=ending.title if ending else None,
        ending_text=ending.debrief if ending else None,
        score=score,
        turns=[
            {
                "index": t.index,
                "node": t.node,
                "reply": t.reply,
                "score": t.verdict.score,
                "mood": t.mood_after,
                "fired": t.verdict.fired_rules,
                "elapsed": t.elapsed,
                "over_time": t.over_time,
            }
            for t in turns
        ],
        steps=steps,
        mood=mood,
        changes=changes(turns),
        tips=list(session.scenario.tips),
        hints_used=session.hints_used,
        retries=session.retries,
        last_straw=turns[-1].index if ending and turns and turns[-1].reason == "patience" else None,
        pass_mark=session.pass_mark,
        passed=passed,
        level=level,
        difficulty=session.difficulty,
        critical=critical,
        mode=session.mode,
        model_reply=costliest_model_reply(session.scenario, turns),
    )
