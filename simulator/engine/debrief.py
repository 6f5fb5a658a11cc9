"""What the trainee reads at the end: outcome, total, turns, five steps, mood, changes.

Total score (0-100):

    total = round(0.7 * mean(turn scores) + outcome points)

with outcome points 30 for a customer kept, 10 for escalated, 0 for lost or unfinished.
A conversation with no reply scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from simulator.engine.turn import Turn
from simulator.model.schema import Ending, Scenario
from simulator.scoring.verdict import STEPS


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
        }


def total_score(turn_scores: list[int], outcome: str) -> int:
    if not turn_scores:
        return 0
    mean = sum(turn_scores) / len(turn_scores)
    return max(0, min(100, round(TURN_SHARE * mean + OUTCOME_POINTS.get(outcome, 0))))


def changes(turns: Sequence[Turn], limit: int = 3) -> list[Change]:
    """The most useful changes: the costliest phrasing first, then missed fixes."""
    found: list[Change] = []
    seen_rules: set[str] = set()
    losses = sorted(
        ((h.points, t, h) for t in turns for h in t.verdict.hits if h.points < 0),
        key=lambda x: (x[0], x[1].index),
    )
    for points, turn, hit in losses:
        if hit.rule in seen_rules:
            continue
        seen_rules.add(hit.rule)
        quote = hit.spans[0].text if hit.spans else turn.reply
        found.append(
            Change(
                turn=turn.index,
                quote=_short(quote),
                why=hit.message,
                better=hit.suggestion or STEP_ADVICE["solve"],
                points=points,
            )
        )
        if len(found) >= limit:
            return found
    covered = {(c.turn, c.why) for c in found}
    for turn in turns:
        if len(found) >= limit:
            break
        missing = [s for s in ("solve", "acknowledge") if not turn.verdict.steps.get(s)]
        # a "missed step" rule already said so for this turn
        if any(t == turn.index for t, _ in covered):
            continue
        if missing:
            found.append(
                Change(
                    turn=turn.index,
                    quote=_short(turn.reply),
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
    return Debrief(
        scenario=session.scenario.id,
        title=session.scenario.title,
        outcome=outcome,
        ending=ending.id if ending else None,
        ending_title=ending.title if ending else None,
        ending_text=ending.debrief if ending else None,
        score=total_score(scores, outcome),
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
    )
