"""How a verdict moves the conversation: mood, patience, and which transition wins.

Mood (0 = furious, 100 = won over) after each reply:

    delta = round(0.6 * (score - 50)) - 10 if last-word phrasing fired + 10 if a concrete fix fired
    mood  = clamp(mood + delta, 0, 100)

A reply is *bad* when last-word phrasing fired or its score is under 40 (or it came after
the turn's time limit): each bad reply costs one point of the customer's patience, and
when patience reaches 0 the conversation ends (the scenario's patience ending).
Transitions are tried in order and the first whose condition holds wins; the scenario's
resolution, when given, is tried before the node's own transitions.

A customer who leaves (an ending whose outcome is ``lost``), or whose patience ran out, is
at most furious: the mood meter then says what the ending says (LOST_MOOD, after the
transition is decided, so conditions still see the reply's own mood).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model.schema import Condition, Node, Scenario
from simulator.scoring.context import EMPTY, Context
from simulator.scoring.verdict import Verdict

BAD_SCORE = 40
MOOD_PER_POINT = 0.6
MOOD_LAST_WORD = -10
MOOD_FIX = 10
LOST_MOOD = 15  # "furious" on the meter (under 20)


def mood_delta(verdict: Verdict) -> int:
    delta = round(MOOD_PER_POINT * (verdict.score - 50))
    if verdict.fired("last_word"):
        delta += MOOD_LAST_WORD
    if verdict.fired("concrete_fix"):
        delta += MOOD_FIX
    return delta


def next_mood(mood: int, verdict: Verdict, reaction: float = 1.0) -> int:
    """The mood after a reply; ``reaction`` scales the change (a difficulty variant's
    ``mood_reaction``: under 1 a forgiving customer, over 1 a touchy one)."""
    delta = mood_delta(verdict)
    if reaction != 1.0:
        delta = round(delta * reaction)
    return max(0, min(100, mood + delta))


def mood_at_ending(mood: int, outcome: str | None, reason: str = "") -> int:
    """The mood once the conversation ends with ``outcome`` (None: it goes on), after
    a step of ``reason``: a customer who leaves, or whose patience ran out, is furious."""
    if outcome is None:
        return mood
    return min(mood, LOST_MOOD) if outcome == "lost" or reason == "patience" else mood


def is_bad(verdict: Verdict, over_time: bool = False) -> bool:
    return over_time or verdict.fired("last_word") or verdict.score < BAD_SCORE


def holds(
    cond: Condition, verdict: Verdict, mood: int, visits: int, before: Context = EMPTY
) -> bool:
    """Does every key of the condition hold for this reply (``before``: the replies
    before it)?"""
    if cond.fired and not any(verdict.fired(n) for n in cond.fired):
        return False
    if cond.all_fired and not all(verdict.fired(n) for n in cond.all_fired):
        return False
    if any(verdict.fired(n) for n in cond.not_fired):
        return False
    if cond.score_min is not None and verdict.score < cond.score_min:
        return False
    if cond.score_max is not None and verdict.score > cond.score_max:
        return False
    if cond.mood_min is not None and mood < cond.mood_min:
        return False
    if cond.mood_max is not None and mood > cond.mood_max:
        return False
    if cond.so_far and not any(verdict.fired(n) or before.done(n) for n in cond.so_far):
        return False
    if any(verdict.fired(n) or before.done(n) for n in cond.not_so_far):
        return False
    return not (cond.visits_min is not None and visits < cond.visits_min)


@dataclass(frozen=True)
class Step:
    goto: str
    reason: str  # transition | resolution | patience | max_turns


def decide(
    scenario: Scenario,
    node_id: str,
    verdict: Verdict,
    *,
    mood: int,
    visits: int,
    patience_left: int,
    turn: int,
    before: Context = EMPTY,
) -> Step:
    """Where the conversation goes after this reply (``mood`` is the mood after it,
    ``before`` what the replies before it did)."""
    if patience_left <= 0:
        return Step(scenario.patience_ending or scenario.default_ending("lost"), "patience")
    res = scenario.resolution
    if res is not None and holds(res.when, verdict, mood, visits, before):
        return _cap(scenario, Step(res.goto, "resolution"), turn)
    node = scenario.node(node_id)
    if node is None:  # pragma: no cover - the loader guarantees every node exists
        raise KeyError(node_id)
    for tr in node.transitions:
        if holds(tr.when, verdict, mood, visits, before):
            return _cap(scenario, Step(tr.goto, "transition"), turn)
    return _cap(scenario, Step(node.transitions[-1].goto, "transition"), turn)  # pragma: no cover


def lines_for(
    node: Node, verdict: Verdict, *, mood: int, visits: int, before: Context = EMPTY
) -> list[str]:
    """What the customer may say on arriving at ``node`` after this reply: the first of
    its conditional ``lines`` that holds, else its plain ``customer`` variants."""
    for lines in node.lines:
        if holds(lines.when, verdict, mood, visits, before):
            return lines.customer
    return node.customer


def _cap(scenario: Scenario, step: Step, turn: int) -> Step:
    if turn >= scenario.max_turns and scenario.node(step.goto) is not None:
        target = scenario.max_turns_ending or scenario.default_ending("escalated", "lost")
        return Step(target, "max_turns")
    return step
