"""The report model: what a session or workshop report shows, built once per export.

The templates (``templates/*.j2``) only lay these out, in HTML or in Markdown; every
choice of what to show (which hits, in which order, which suggestion, which quote) is
made here, once for both formats. Free text stays raw: each format escapes it itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.engine.outcomes import OUTCOMES
from simulator.report.text import when
from simulator.scoring.verdict import STEP_LABELS, STEPS


@dataclass(frozen=True)
class HitView:
    """A fired rule as a report lists it."""

    points: float
    category: Any
    message: Any
    better: Any  # the rule's suggestion, shown for a penalty only
    words: list[Any]  # the trainee's words that made it fire


@dataclass(frozen=True)
class Segment:
    """A piece of a reply: plain (``kind`` None), or words a rule penalised or rewarded."""

    text: str
    kind: str | None = None  # "neg" or "pos"
    title: str = ""


@dataclass(frozen=True)
class TurnView:
    index: Any
    score: Any  # None when the verdict has none
    customer: Any
    reply: Any
    mood_before: Any
    mood_after: Any
    hits: list[HitView]
    segments: list[Segment]


@dataclass(frozen=True)
class StepView:
    label: str
    done: Any
    of: Any


@dataclass(frozen=True)
class SessionReport:
    title: str
    scenario: Any
    outcome: str
    outcome_class: str
    ending_title: Any
    ending_text: Any
    score: Any
    hints_used: Any
    retries: Any
    turns: list[TurnView]
    steps: list[StepView]
    mood: list[Any]
    changes: list[Mapping[str, Any]]
    tips: list[Any]
    result: str = ""  # passed (level) / not passed, against the pass mark
    pass_mark: Any = None
    difficulty: Any = None
    critical: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def reply_scores(self) -> list[tuple[str, float, str]]:
        """(label, score, note) per turn, for the bar chart."""
        return [(f"Turn {t.index}", float(t.score if t.score is not None else 0), "") for t in self.turns]


def outcome_class(outcome: Any) -> str:
    """The style class of an outcome (anything unknown looks unfinished)."""
    o = str(outcome or "unfinished")
    return o if o in OUTCOMES else "unfinished"


def hit_views(verdict: Mapping[str, Any]) -> list[HitView]:
    """A verdict's fired rules, penalties first (most costly first), then gains."""
    out = []
    for hit in sorted(verdict.get("hits") or [], key=lambda x: float(x.get("points", 0))):
        points = float(hit.get("points", 0))
        out.append(
            HitView(
                points=points,
                category=hit.get("category"),
                message=hit.get("message"),
                better=hit.get("suggestion") if hit.get("suggestion") and points < 0 else None,
                words=[s.get("text", "") for s in hit.get("spans") or []],
            )
        )
    return out


def segments(verdict: Mapping[str, Any], reply: str) -> list[Segment]:
    """The reply cut at each fired rule's words; overlapping marks: the first (longest) wins."""
    text = str(verdict.get("reply") or reply)
    marks: list[tuple[int, int, float, str]] = []
    for hit in verdict.get("hits") or []:
        for span in hit.get("spans") or []:
            try:
                s, e = int(span["start"]), int(span["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if 0 <= s < e <= len(text):
                marks.append((s, e, float(hit.get("points", 0)), str(hit.get("message", ""))))
    marks.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    out: list[Segment] = []
    pos = 0
    for s, e, points, message in marks:
        if s < pos:
            continue
        out.append(Segment(text[pos:s]))
        out.append(Segment(text[s:e], "neg" if points < 0 else "pos", message))
        pos = e
    out.append(Segment(text[pos:]))
    return out


def session_report(
    debrief: Mapping[str, Any], turns: Sequence[Mapping[str, Any]]
) -> SessionReport:
    """The report of one conversation from ``Debrief.to_dict()`` and ``Turn.to_dict()`` items."""
    d = debrief
    views = []
    for t in turns:
        v = t.get("verdict") or {}
        views.append(
            TurnView(
                index=t.get("index"),
                score=v.get("score"),
                customer=t.get("customer"),
                reply=t.get("reply"),
                mood_before=t.get("mood_before"),
                mood_after=t.get("mood_after"),
                hits=hit_views(v),
                segments=segments(v, str(t.get("reply", ""))),
            )
        )
    steps = d.get("steps") or {}
    return SessionReport(
        title=str(d.get("title") or d.get("scenario") or "Session"),
        scenario=d.get("scenario"),
        outcome=str(d.get("outcome") or "unfinished"),
        outcome_class=outcome_class(d.get("outcome")),
        ending_title=d.get("ending_title"),
        ending_text=d.get("ending_text"),
        score=d.get("score", 0),
        hints_used=d.get("hints_used", 0),
        retries=d.get("retries", 0),
        turns=views,
        steps=[
            StepView(STEP_LABELS[s], (steps.get(s) or {}).get("done", 0), (steps.get(s) or {}).get("of", 0))
            for s in STEPS
        ],
        mood=list(d.get("mood") or []),
        changes=list(d.get("changes") or []),
        tips=list(d.get("tips") or []),
        result=result_text(d.get("passed"), d.get("level")),
        pass_mark=d.get("pass_mark"),
        difficulty=d.get("difficulty"),
        critical=list(d.get("critical") or []),
    )


def result_text(passed: Any, level: Any) -> str:
    """"passed", "passed (gold)", "not passed", or "" when it was not judged."""
    if passed is None:
        return ""
    if passed:
        return f"passed ({level})" if level else "passed"
    return "not passed"


# ---------------------------------------------------------------------------- a workshop


@dataclass(frozen=True)
class Column:
    """A scenario of the workshop, as a leaderboard column."""

    id: Any
    title: Any


@dataclass(frozen=True)
class LeaderView:
    rank: Any
    name: Any
    total: Any
    cells: list[Any]  # the best score in each column, or "—"
    attempts: Any
    kept: Any
    escalated: Any
    lost: Any
    passed: str = ""  # "yes" or "no"


@dataclass(frozen=True)
class QuoteView:
    trainee: Any
    scenario: Any
    scenario_title: Any
    turn: Any
    score: int
    customer: Any
    reply: Any
    reason: Any  # why it is good (best replies) or what went wrong (to rework)
    note: Any = None  # the trainer's note on the reply, if reviewed


@dataclass(frozen=True)
class QuoteSection:
    heading: str
    style: str  # "good" or "bad"
    quotes: list[QuoteView]


@dataclass(frozen=True)
class ReviewView:
    """A reviewed reply: the verdict as recorded beside the trainer's labels and note."""

    trainee: Any
    scenario: Any
    turn: Any
    score: Any
    reply: Any
    verdict: str  # "last word: yes · concrete fix: no · acknowledges: no"
    trainer: str  # the labels the trainer set right and the rules marked misfired
    note: Any
    reviewer: Any


def _labels_text(labels: Mapping[str, Any]) -> str:
    return " · ".join(f"{k.replace('_', ' ')}: {'yes' if v else 'no'}" for k, v in labels.items())


def review_view(r: Mapping[str, Any]) -> ReviewView:
    verdict = dict(r.get("verdict_labels") or {})
    trainer = dict(r.get("labels") or {})
    parts = [
        f"{k.replace('_', ' ')}: {'yes' if v else 'no'}"
        + (" (verdict agreed)" if verdict.get(k) == v else " (set right)")
        for k, v in trainer.items()
    ]
    if r.get("misfired"):
        parts.append("misfired: " + ", ".join(str(x) for x in r["misfired"]))
    return ReviewView(
        trainee=r.get("trainee"),
        scenario=r.get("scenario_id"),
        turn=r.get("turn"),
        score=r.get("score"),
        reply=r.get("reply"),
        verdict=_labels_text(verdict),
        trainer=" · ".join(parts) or "reviewed",
        note=r.get("note") or None,
        reviewer=r.get("reviewer"),
    )


def reviewed_statement(n: int) -> str:
    """What a leaderboard's totals count: the scores as recorded; ``n`` replies reviewed."""
    reviewed = "no reply reviewed" if n == 0 else f"{n} repl{'y' if n == 1 else 'ies'} reviewed"
    return f"Scores as recorded; {reviewed} (a trainer's review never changes a score)."


def scoring_statement(data: Mapping[str, Any]) -> str:
    """:func:`reviewed_statement` of a workshop's export data."""
    return reviewed_statement(int((data.get("scoring") or {}).get("reviewed") or 0))


NO_RULE_SETTINGS = "Rules disabled: none; re-weighted: none"


def rule_settings_statement(ws: Mapping[str, Any]) -> str:
    """A workshop's own rule settings in one line ("Rules disabled: a, b; re-weighted:
    c=5"), from its ``to_dict()``; empty when it scores with its scenarios' rules as
    they are."""
    disabled = [str(r) for r in ws.get("disabled_rules") or []]
    weights = dict(ws.get("rule_weights") or {})
    if not disabled and not weights:
        return ""
    weighted = ", ".join(f"{k}={float(v):g}" for k, v in weights.items())
    return f"Rules disabled: {', '.join(disabled) or 'none'}; re-weighted: {weighted or 'none'}"


@dataclass(frozen=True)
class WorkshopReport:
    name: Any
    code: Any
    mode: Any
    status: str  # "open" or "closed"
    created: str
    generated: str
    scenarios: list[Any]
    columns: list[Column]
    leaderboard: list[LeaderView]
    summary: Mapping[str, Any]  # summary.summarise(data)
    quote_sections: list[QuoteSection] = field(default_factory=list)
    reviews: list[ReviewView] = field(default_factory=list)
    scoring: str = ""
    rule_settings: str = ""  # the workshop's rules disabled and re-weighted, if any

    @property
    def title(self) -> str:
        return f"{self.name or 'Workshop'} ({self.code if self.code is not None else '?'})"

    @property
    def average_text(self) -> Any:
        average = self.summary["average"]
        return "—" if average is None else average

    @property
    def distribution(self) -> list[tuple[str, int]]:
        return [(d["range"], d["count"]) for d in self.summary["distribution"]]

    @property
    def scenario_averages(self) -> list[tuple[str, float, str]]:
        """(title, average, "(finished)") of each scenario with a finished attempt."""
        return [
            (str(p["title"]), float(p["average"]), f"({p['finished']})")
            for p in self.summary["per_scenario"]
            if p["average"] is not None
        ]


def workshop_report(data: Mapping[str, Any], summary: Mapping[str, Any]) -> WorkshopReport:
    """The report of a workshop from ``Store.workshop_data`` and its :func:`summarise`."""
    ws = data.get("workshop") or {}
    titles = dict(data.get("titles") or {})
    scenarios = list(ws.get("scenarios") or [])
    board = []
    for r in data.get("leaderboard") or []:
        per = r.get("per_scenario") or {}
        o = r.get("outcomes") or {}
        board.append(
            LeaderView(
                rank=r.get("rank"),
                name=r.get("name"),
                total=r.get("total"),
                cells=[per.get(x, "—") for x in scenarios],
                attempts=r.get("attempts"),
                kept=o.get("kept", 0),
                escalated=o.get("escalated", 0),
                lost=o.get("lost", 0),
                passed="yes" if r.get("passed") else "no",
            )
        )
    sections = []
    for heading, key, reason, style in (
        ("Best replies", "best_replies", "good", "good"),
        ("Replies to rework", "worst_replies", "why", "bad"),
    ):
        quotes = [
            QuoteView(
                trainee=q["trainee"],
                scenario=q["scenario"],
                scenario_title=titles.get(str(q["scenario"]), q["scenario"]),
                turn=q["turn"],
                score=q["score"],
                customer=q["customer"],
                reply=q["reply"],
                reason=q[reason],
                note=q.get("note"),
            )
            for q in summary[key]
        ]
        sections.append(QuoteSection(heading, style, quotes))
    return WorkshopReport(
        name=ws.get("name"),
        code=ws.get("code"),
        mode=ws.get("mode"),
        status="closed" if ws.get("closed") else "open",
        created=when(ws.get("created_at")),
        generated=when(data.get("generated_at")),
        scenarios=scenarios,
        columns=[Column(x, titles.get(x, x)) for x in scenarios],
        leaderboard=board,
        summary=summary,
        quote_sections=sections,
        reviews=[review_view(r) for r in data.get("reviews") or []],
        scoring=scoring_statement(data),
        rule_settings=rule_settings_statement(ws),
    )
