"""A conversation with one customer: reply in, turn out. Pure Python, no UI.

The terminal app, the headless player, the tests and workshops all drive this class.
Customer line variants are picked from the seed, so the same seed and replies give the
same conversation and the same transcript.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from simulator.engine import flow
from simulator.engine.debrief import Debrief, build, is_weak
from simulator.engine.transcript import TranscriptWriter
from simulator.engine.turn import Outcome, Turn
from simulator.model.schema import Ending, RulePack, Scenario
from simulator.scoring import Verdict, scorer_for
from simulator.scoring.context import Context
from simulator.scoring.normalize import clean

__all__ = ["EngineError", "Mode", "Outcome", "ResumeError", "Session", "Turn", "TurnResult", "resume"]

Mode = Literal["practice", "assessment"]


class EngineError(ValueError):
    """Something the trainee (or a script) asked that cannot be done; says why."""


@dataclass(frozen=True)
class TurnResult:
    """What the screen shows after a reply: the turn, then what the customer says next."""

    turn: Turn
    next_line: str
    ending: Ending | None

    @property
    def ended(self) -> bool:
        return self.ending is not None


@dataclass
class _State:
    node: str
    mood: int
    patience: int
    line: str
    visits: dict[str, int] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    ending: str | None = None

    def copy(self) -> _State:
        return replace(self, visits=dict(self.visits), turns=list(self.turns))


class Session:
    def __init__(
        self,
        scenario: Scenario,
        packs: Sequence[RulePack],
        *,
        mode: Mode = "practice",
        seed: int | str = 0,
        time_limit: float | None = None,
        transcript: TranscriptWriter | Path | None = None,
        trainee: str | None = None,
        meta: dict[str, Any] | None = None,
        difficulty: str | None = None,
        pass_mark: int | None = None,
        rules: dict[str, Any] | None = None,
        _resume: bool = False,
    ) -> None:
        try:
            scenario, self.mood_reaction = scenario.played_at(difficulty)
        except ValueError as exc:
            raise EngineError(str(exc)) from None
        # A workshop's rule settings (rules disabled, re-weighted): part of the rules the
        # verdicts are a function of, so they are recorded in the header for replay.
        self.rules: dict[str, Any] | None = _rule_settings(rules)
        scenario = scenario.with_rule_settings(self.rules)
        if pass_mark is not None and not 0 <= pass_mark <= 100:
            raise EngineError("the pass mark must be between 0 and 100")
        self.scenario = scenario
        self.difficulty: str = scenario.difficulty
        self.pass_mark: int = scenario.pass_mark if pass_mark is None else int(pass_mark)
        self.packs = list(packs)
        self.critical_rules = critical_rules(scenario, self.packs)
        self.scorer = scorer_for(scenario, self.packs)
        self.mode: Mode = mode
        self.seed = seed
        self.time_limit = time_limit
        self.trainee = trainee
        self.meta = dict(meta or {})
        if isinstance(transcript, TranscriptWriter):
            self.log = transcript
        else:
            self.log = TranscriptWriter(transcript)
        start = scenario.start_node
        self._state = _State(
            node=start,
            mood=scenario.customer.mood,
            patience=scenario.customer.patience,
            line=self._pick(scenario.node(start).customer, start, 1),  # type: ignore[union-attr]
        )
        self._undo: list[_State] = []
        self.hints_used = 0
        self.retries = 0
        self.resumed_warnings: list[str] = []
        if not _resume:
            self.log.write(self.header())
            self.log.write(
                {"type": "customer", "turn": 1, "node": start, "text": self._state.line}, sync=True
            )

    # ------------------------------------------------------------------ reading state
    def header(self) -> dict[str, Any]:
        return {
            "type": "session",
            "format": 1,
            "scenario": self.scenario.id,
            "scenario_version": self.scenario.version,
            "language": self.scenario.language,
            "packs": {p.id: p.version for p in self.packs},
            "seed": self.seed,
            "mode": self.mode,
            "time_limit": self.time_limit,
            "trainee": self.trainee,
            "difficulty": self.difficulty,
            "pass_mark": self.pass_mark,
            **({"rules": self.rules} if self.rules else {}),
            **({"meta": self.meta} if self.meta else {}),
        }

    @property
    def node(self) -> str:
        return self._state.node

    @property
    def mood(self) -> int:
        return self._state.mood

    @property
    def patience_left(self) -> int:
        return self._state.patience

    @property
    def customer_line(self) -> str:
        """What the customer is saying now (their last words once it has ended)."""
        return self._state.line

    @property
    def turns(self) -> list[Turn]:
        return list(self._state.turns)

    @property
    def context(self) -> Context:
        """What the replies so far have done, as the next reply is scored after them."""
        return Context.after(t.verdict for t in self._state.turns)

    @property
    def turn_number(self) -> int:
        """The number of the reply the trainee is writing now (1-based)."""
        return len(self._state.turns) + 1

    @property
    def ended(self) -> bool:
        return self._state.ending is not None

    @property
    def ending(self) -> Ending | None:
        return self.scenario.ending(self._state.ending) if self._state.ending else None

    @property
    def outcome(self) -> Outcome:
        ending = self.ending
        return ending.outcome if ending else "unfinished"

    @property
    def can_retry(self) -> bool:
        return self.mode == "practice" and bool(self._undo)

    @property
    def running_score(self) -> int:
        turns = self._state.turns
        return round(sum(t.verdict.score for t in turns) / len(turns)) if turns else 0

    # ------------------------------------------------------------------ acting
    def reply(self, text: str, elapsed: float | None = None) -> TurnResult:
        if self.ended:
            raise EngineError("the conversation has ended; start it again to try once more")
        if not text.strip():
            raise EngineError("the reply is empty: write something to the customer first")
        text = clean(text)  # what is recorded is what is scored, and writes as UTF-8
        st = self._state
        index = len(st.turns) + 1
        over_time = (
            self.time_limit is not None and elapsed is not None and elapsed > self.time_limit
        )
        self.log.write(
            {
                "type": "reply",
                "turn": index,
                "node": st.node,
                "text": text,
                "elapsed": elapsed,
                "over_time": over_time,
            }
        )
        verdict = self.scorer.score(text, self.context)
        self.log.write({"type": "verdict", "turn": index, "verdict": verdict.to_dict()})
        return self._apply(index, text, verdict, elapsed, over_time)

    def _apply(
        self, index: int, text: str, verdict: Verdict, elapsed: float | None, over_time: bool
    ) -> TurnResult:
        st = self._state
        before = self.context
        self._undo.append(st.copy())
        mood_after = flow.next_mood(st.mood, verdict, self.mood_reaction)
        visits = st.visits.get(st.node, 0) + 1
        patience = st.patience - (1 if flow.is_bad(verdict, over_time) else 0)
        step = flow.decide(
            self.scenario,
            st.node,
            verdict,
            mood=mood_after,
            visits=visits,
            patience_left=patience,
            turn=index,
            before=before,
        )
        ending = self.scenario.ending(step.goto)
        mood_after = flow.mood_at_ending(mood_after, ending.outcome if ending else None, step.reason)
        turn = Turn(
            index=index,
            node=st.node,
            customer=st.line,
            reply=text,
            verdict=verdict,
            mood_before=st.mood,
            mood_after=mood_after,
            patience_left=patience,
            goto=step.goto,
            reason=step.reason,
            elapsed=elapsed,
            over_time=over_time,
        )
        st.visits[st.node] = visits
        st.turns.append(turn)
        st.mood = mood_after
        st.patience = patience
        if ending is not None:
            st.ending = ending.id
            st.line = self._pick(ending.customer, ending.id, 1) if ending.customer else ""
        else:
            st.node = step.goto
            lines = flow.lines_for(
                self.scenario.node(step.goto),  # type: ignore[arg-type]
                verdict,
                mood=mood_after,
                visits=st.visits.get(step.goto, 0),
                before=before,
            )
            st.line = self._pick(lines, step.goto, st.visits.get(step.goto, 0) + 1)
        self.log.write(
            {
                "type": "transition",
                "turn": index,
                "from": turn.node,
                "to": step.goto,
                "reason": step.reason,
                "mood": mood_after,
                "patience": patience,
            }
        )
        if ending is not None:
            self.log.write(
                {"type": "customer", "turn": index + 1, "node": ending.id, "text": st.line}
            )
            self.log.write(
                {
                    "type": "end",
                    "outcome": ending.outcome,
                    "ending": ending.id,
                    "score": self.debrief().score,
                },
                sync=True,
            )
        else:
            self.log.write(
                {"type": "customer", "turn": index + 1, "node": st.node, "text": st.line}, sync=True
            )
        return TurnResult(turn, st.line, ending)

    def hint(self) -> str:
        if self.mode != "practice":
            raise EngineError("hints are off in assessment mode")
        if self.ended:
            raise EngineError("the conversation has ended")
        node = self.scenario.node(self._state.node)
        text = (
            node.hint if node else None
        ) or "Acknowledge the problem, then commit to a concrete fix."
        self.hints_used += 1
        self.log.write({"type": "hint", "turn": self.turn_number, "node": self.node, "text": text})
        return text

    def hint_example(self) -> str | None:
        """With the hint, after a weak reply: a model reply of the node the customer is
        at now (None when the last reply was not weak, or the node has none)."""
        node = self.scenario.node(self._state.node)
        turns = self.turns
        if self.ended or node is None or not node.model_replies or not turns:
            return None
        if not is_weak(turns[-1]):
            return None
        return node.model_replies[self.hints_used % len(node.model_replies)]

    def retry(self) -> Turn:
        """Take back the last reply (practice only); returns the turn taken back."""
        if self.mode != "practice":
            raise EngineError("retries are off in assessment mode")
        if not self._undo:
            raise EngineError("there is no reply to take back yet")
        undone = self._state.turns[-1]
        self._state = self._undo.pop()
        self.retries += 1
        self.log.write({"type": "retry", "turn": undone.index, "node": self._state.node}, sync=True)
        return undone

    def close(self) -> None:
        self.log.close()

    def debrief(self) -> Debrief:
        return build(self)

    # ------------------------------------------------------------------ helpers
    def _pick(self, variants: Sequence[str], where: str, visit: int) -> str:
        if len(variants) == 1:
            return variants[0]
        rng = random.Random(f"{self.seed}:{where}:{visit}")
        return variants[rng.randrange(len(variants))]


def _rule_settings(rules: Any) -> dict[str, Any] | None:
    """A workshop's rule settings in the form a header records, or None if it has none;
    EngineError if they are malformed (a damaged transcript header)."""
    if not rules:
        return None
    try:
        disable = [str(r) for r in rules.get("disable") or []]
        weights = {str(k): float(v) for k, v in (rules.get("weights") or {}).items()}
    except (AttributeError, TypeError, ValueError):
        raise EngineError(f"malformed rule settings: {rules!r}") from None
    if not disable and not weights:
        return None
    return {"disable": disable, "weights": weights}


def critical_rules(scenario: Scenario, packs: Sequence[RulePack]) -> frozenset[str]:
    """The ids of the critical rules the scenario scores with (its own and its packs',
    less those it disables)."""
    found = {r.id for p in packs for r in p.rules if r.critical}
    found |= {r.id for r in scenario.scoring.rules if r.critical}
    return frozenset(found - set(scenario.scoring.disable))


class ResumeError(EngineError):
    pass


def resume(path: Path, scenario: Scenario, packs: Sequence[RulePack]) -> Session:
    """Continue an interrupted session from its transcript, appending to the same file.

    The recorded verdicts are applied as they were (not re-scored), so the conversation
    is exactly where it stopped even if the rule packs changed since.
    """
    from simulator.engine import transcript as tr
    from simulator.scoring.verdict import Verdict as _Verdict

    log = tr.read(path)
    header = log.header
    if header is None:
        raise ResumeError(f"{path}: not a transcript (no session header)")
    if header.get("scenario") != scenario.id:
        raise ResumeError(
            f"{path}: this transcript is of scenario '{header.get('scenario')}', not '{scenario.id}'"
        )
    if str(header.get("scenario_version")) != scenario.version:
        raise ResumeError(
            f"{path}: recorded with version {header.get('scenario_version')} of '{scenario.id}'; "
            f"the library now has version {scenario.version}, so it cannot be resumed"
        )
    if log.ended:
        raise ResumeError(f"{path}: this conversation has already ended")
    session = Session(
        scenario,
        packs,
        mode=header.get("mode", "practice"),
        seed=header.get("seed", 0),
        time_limit=header.get("time_limit"),
        transcript=None,
        trainee=header.get("trainee"),
        meta=header.get("meta"),
        difficulty=header.get("difficulty"),
        pass_mark=header.get("pass_mark"),
        rules=header.get("rules") if isinstance(header.get("rules"), dict) else None,
        _resume=True,
    )
    pending: dict[str, Any] | None = None
    for event in log.events:
        kind = event.get("type")
        if kind == "reply":
            pending = event
        elif kind == "verdict" and pending is not None:
            verdict = _Verdict.from_dict(event["verdict"])
            session._apply(
                int(pending.get("turn", session.turn_number)),
                pending["text"],
                verdict,
                pending.get("elapsed"),
                bool(pending.get("over_time")),
            )
            pending = None
        elif kind == "retry":
            session.retry()
        elif kind == "hint":
            session.hints_used += 1
    session.log = TranscriptWriter(path)
    session.resumed_warnings = list(log.warnings)
    session.log.write({"type": "resume", "turn": session.turn_number}, sync=True)
    return session
