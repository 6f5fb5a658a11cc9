"""The input of a workshop's export (``report.exports.render_workshop``), read with SQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Connection, and_, func, select

from simulator.scoring.verdict import verdict_labels
from simulator.store import queries
from simulator.store import schema as t
from simulator.store.rows import Override, ReportAttempt, ReportTurn, Workshop, WorkshopData
from simulator.store.validate import now

PHRASES = 10  # the most common last-word phrases a report lists


def _turn_row(r: Any, reviews: dict[int, Override]) -> ReportTurn:
    row = dict(r._mapping)
    row["verdict"] = json.loads(row["verdict"])
    row["over_time"] = bool(row["over_time"])
    ov = reviews.get(int(row.pop("id")))
    if ov is not None:
        row["review"] = _review(ov)
    return cast(ReportTurn, row)


def _review(ov: Override) -> dict[str, Any]:
    return {
        "labels": ov["labels"],
        "misfired": ov["misfired"],
        "note": ov["note"],
        "reviewer": ov["reviewer"],
        "at": ov["created_at"],
    }


def reviewed_replies(conn: Connection, ws: Workshop) -> list[dict[str, Any]]:
    """Every reviewed standing reply of the workshop: who, which, the verdict's labels
    and score as recorded, and the trainer's review (labels set right, misfired, note)."""
    out = []
    for row in queries.review_turns(conn, workshop_id=ws.id):
        ov = row["override"]
        if ov is None:
            continue
        out.append(
            {
                "trainee": row["trainee"],
                "scenario_id": row["scenario_id"],
                "attempt_id": row["attempt_id"],
                "turn": row["turn"],
                "reply": row["reply"],
                "score": row["score"],
                "verdict_labels": verdict_labels(row["verdict"]),
                **_review(ov),
            }
        )
    return out


def workshop_data(
    conn: Connection,
    ws: Workshop,
    titles: dict[str, str] | None,
    *,
    turns: bool,
    quotes: int,
    clock: Callable[[], str] = now,
) -> WorkshopData:
    """Everything an export of the workshop shows.

    ``turns=False`` leaves each attempt's turns out and adds what the HTML and Markdown
    reports need of them instead, read with SQL: ``turn_count`` and ``quote_candidates``
    (the ``quotes`` best and worst standing replies with their verdicts), so a report on
    a big workshop does not parse every verdict.
    """
    a, tu = t.attempts, t.turns
    attempts: dict[int, ReportAttempt] = {}
    standing = and_(a.c.workshop_id == ws.id, tu.c.retracted.is_(False))
    reviews = queries.overrides(conn, workshop_id=ws.id)
    turn_cols = (
        tu.c.id, tu.c.attempt_id, tu.c.seq, tu.c.turn, tu.c.node, tu.c.customer, tu.c.reply,
        tu.c.score, tu.c.verdict, tu.c.mood_after, tu.c.elapsed, tu.c.over_time,
        tu.c.created_at,
    )
    extra: dict[str, Any] = {}
    q = (
        select(
            a.c.id, a.c.scenario_id, a.c.scenario_version, a.c.language, a.c.mode,
            a.c.started_at, a.c.finished_at, a.c.outcome, a.c.score, a.c.turn_count,
            a.c.difficulty, a.c.pass_mark, a.c.passed, a.c.level,
            t.trainees.c.name.label("trainee"),
        )
        .join(t.trainees, t.trainees.c.id == a.c.trainee_id)
        .where(a.c.workshop_id == ws.id)
        .order_by(a.c.id)
    )
    for r in conn.execute(q):
        attempts[r.id] = cast(ReportAttempt, {**r._mapping, **({"turns": []} if turns else {})})
    if turns:
        q2 = select(*turn_cols).join(a, a.c.id == tu.c.attempt_id).where(standing)
        for r in conn.execute(q2.order_by(tu.c.attempt_id, tu.c.seq)):
            row = _turn_row(r, reviews)
            attempts[row.pop("attempt_id")]["turns"].append(row)
    else:
        extra["turn_count"] = int(
            conn.execute(select(func.count()).select_from(tu.join(a)).where(standing)).scalar_one()
        )
        candidates: dict[tuple[int, int], ReportTurn] = {}
        for order in (tu.c.score.desc(), tu.c.score.asc()):
            q3 = (
                select(*turn_cols)
                .join(a, a.c.id == tu.c.attempt_id)
                .where(standing)
                .order_by(order, tu.c.id)
                .limit(quotes)
            )
            for r in conn.execute(q3):
                row = _turn_row(r, reviews)
                att = attempts[row["attempt_id"]]
                row["trainee"], row["scenario_id"] = att["trainee"], att["scenario_id"]
                candidates[row["attempt_id"], row["seq"]] = row
        extra["quote_candidates"] = list(candidates.values())
    data: WorkshopData = {
        "workshop": ws.to_dict(),
        "generated_at": clock(),
        "titles": dict(titles or {}),
        "leaderboard": queries.leaderboard(conn, ws),
        "last_word_phrases": queries.phrase_counts(conn, ws.id, PHRASES),
        "attempts": list(attempts.values()),
        "reviews": reviewed_replies(conn, ws),
        "scoring": {"scores": "as recorded", "reviewed": len(reviews)},
    }
    data.update(cast(WorkshopData, extra))
    return data
