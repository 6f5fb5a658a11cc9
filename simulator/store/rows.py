"""The rows the store hands out, typed. They are plain dicts (TypedDicts) or frozen
dataclasses, so callers read them as before and JSON exports dump them as they are."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypedDict


@dataclass(frozen=True)
class Workshop:
    id: int
    code: str
    name: str
    scenarios: list[str]
    mode: str
    time_limit: float | None
    created_at: str
    closed_at: str | None
    pass_mark: int | None = None  # the workshop's own; None: each scenario's
    disabled_rules: list[str] = field(default_factory=list)  # rules left out of its verdicts
    rule_weights: dict[str, float] = field(default_factory=dict)  # its own weights, by rule id

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def rule_settings(self) -> dict[str, Any] | None:
        """What the sessions of this workshop score with besides their rules
        (``{"disable": [...], "weights": {...}}``), or None when it has no settings."""
        if not self.disabled_rules and not self.rule_weights:
            return None
        return {"disable": list(self.disabled_rules), "weights": dict(self.rule_weights)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "scenarios": self.scenarios,
            "mode": self.mode,
            "time_limit": self.time_limit,
            "created_at": self.created_at,
            "closed_at": self.closed_at,
            "closed": self.closed,
            "pass_mark": self.pass_mark,
            "disabled_rules": list(self.disabled_rules),
            "rule_weights": dict(self.rule_weights),
        }

    @classmethod
    def from_row(cls, m: Any) -> Workshop:
        """From a row of the workshops table (its ``_mapping``)."""
        return cls(
            id=m["id"],
            code=m["code"],
            name=m["name"],
            scenarios=json.loads(m["scenarios"]),
            mode=m["mode"],
            time_limit=m["time_limit"],
            created_at=m["created_at"],
            closed_at=m["closed_at"],
            pass_mark=m.get("pass_mark"),
            disabled_rules=json.loads(m.get("disabled_rules") or "[]"),
            rule_weights=json.loads(m.get("rule_weights") or "{}"),
        )


class AttemptRecord(TypedDict):
    """One attempt in full (``Store.attempt``): its columns and its trainee's name."""

    id: int
    trainee_id: int
    workshop_id: int | None
    scenario_id: str
    scenario_version: str
    language: str
    mode: str
    seed: str
    started_at: str
    finished_at: str | None
    outcome: str | None
    score: int | None
    turn_count: int
    debrief: str | None  # JSON
    transcript: str  # JSON Lines
    transcript_path: str | None
    updated_at: str | None
    difficulty: str | None
    pass_mark: int | None
    passed: bool | None
    level: str | None
    trainee: str


class AttemptSummary(TypedDict):
    """An attempt in a list (``Store.attempts``), with its trainee and workshop code."""

    id: int
    scenario_id: str
    scenario_version: str
    language: str
    mode: str
    started_at: str
    finished_at: str | None
    updated_at: str | None
    outcome: str | None
    score: int | None
    turn_count: int
    transcript_path: str | None
    difficulty: str | None
    pass_mark: int | None
    passed: bool | None
    level: str | None
    trainee: str
    workshop: str | None


class TurnRecord(TypedDict):
    """A stored turn (``Store.turns``); ``verdict`` is its JSON text."""

    id: int
    attempt_id: int
    seq: int
    turn: int
    node: str
    customer: str
    reply: str
    score: int
    verdict: str
    mood_after: int
    elapsed: float | None
    over_time: bool
    retracted: bool
    created_at: str


class Outcomes(TypedDict):
    kept: int
    escalated: int
    lost: int
    unfinished: int


class LeaderboardRow(TypedDict):
    """A trainee on a workshop's board (``Store.leaderboard``)."""

    name: str
    total: int  # the sum of their best finished score in each scenario
    attempts: int
    finished: int
    per_scenario: dict[str, int]  # best finished score, in the workshop's scenario order
    outcomes: Outcomes
    playing: bool  # an attempt open and written to in the last five minutes
    last_active: str | None
    rank: int
    passed: bool  # a passed attempt in every scenario of the workshop
    passed_scenarios: list[str]  # the scenarios with a passed attempt, in workshop order


class PhraseCount(TypedDict):
    phrase: str
    count: int
    trainees: int


class ReportTurn(TypedDict, total=False):
    """A standing turn in an export's input; ``verdict`` parsed. Quote candidates carry
    ``attempt_id``, ``seq``, ``trainee`` and ``scenario_id`` as well."""

    attempt_id: int
    seq: int
    turn: int
    node: str
    customer: str
    reply: str
    score: int
    verdict: dict[str, Any]
    mood_after: int
    elapsed: float | None
    over_time: bool
    created_at: str
    trainee: str
    scenario_id: str
    review: dict[str, Any]  # the trainer's standing review, when the reply has one


class ReportAttempt(TypedDict, total=False):
    id: int
    scenario_id: str
    scenario_version: str
    language: str
    mode: str
    started_at: str
    finished_at: str | None
    outcome: str | None
    score: int | None
    turn_count: int
    difficulty: str | None
    pass_mark: int | None
    passed: bool | None
    level: str | None
    trainee: str
    turns: list[ReportTurn]  # left out when the export reads quotes with SQL


class WorkshopData(TypedDict, total=False):
    """Everything an export of a workshop shows (``report.exports.render_workshop``)."""

    workshop: dict[str, Any]
    generated_at: str
    titles: dict[str, str]
    leaderboard: list[LeaderboardRow]
    last_word_phrases: list[PhraseCount]
    attempts: list[ReportAttempt]
    turn_count: int  # with turns=False only
    quote_candidates: list[ReportTurn]  # with turns=False only
    reviews: list[dict[str, Any]]  # reviewed replies, with the trainer's labels and note
    scoring: dict[str, Any]  # {"scores": "as recorded", "reviewed": n}: what totals count


class Override(TypedDict):
    """A trainer's review of one reply (``Store.add_override``); the verdict is untouched.

    ``labels``: the labels the trainer set (``last_word``, ``concrete_fix``,
    ``acknowledges``), each true or false; ``misfired``: rules the trainer marked as
    having fired wrongly; ``note``: the trainer's comment.
    """

    id: int
    turn_id: int
    attempt_id: int
    labels: dict[str, bool]
    misfired: list[str]
    note: str
    reviewer: str | None
    created_at: str


class ReviewTurn(TypedDict):
    """A standing reply to review (``Store.review_turns``), with its verdict parsed and
    its standing override (None before any review)."""

    turn_id: int
    attempt_id: int
    seq: int
    turn: int
    node: str
    customer: str
    reply: str
    score: int
    verdict: dict[str, Any]
    trainee: str
    scenario_id: str
    language: str
    workshop: str | None
    started_at: str
    override: Override | None


class CertificateRecord(TypedDict):
    """A certificate (``Store.certificate``): its code, trainee, workshop and attempts
    (``id``, ``scenario_id``, ``score``, ``level``, ``pass_mark``, ``difficulty``, ...)."""

    code: str
    issued_at: str
    trainee: str
    workshop: dict[str, Any]
    attempts: list[dict[str, Any]]
