"""Reading the results store: workshops, attempts, turns, personal bests, leaderboards.

Every function takes an open connection and returns typed rows (``rows.py``). Outcomes:
``kept``, ``escalated`` and ``lost`` end a conversation ("finished"); ``unfinished``
marks an attempt left before its end; an attempt still being played has no outcome.
Leaderboards and personal bests count finished attempts only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, and_, case, func, select

from simulator.scoring.verdict import LABEL_CATEGORIES
from simulator.store import schema as t
from simulator.store.rows import (
    AttemptRecord,
    AttemptSummary,
    LeaderboardRow,
    Override,
    PhraseCount,
    ReviewTurn,
    TurnRecord,
    Workshop,
)
from simulator.store.validate import (
    FINISHED_OUTCOMES,
    StoreError,
    active_since,
    name_key,
    valid_code,
    workshop_code,
)


def workshop(conn: Connection, code: str) -> Workshop:
    canonical = workshop_code(code)
    row = conn.execute(select(t.workshops).where(t.workshops.c.code == canonical)).first()
    if row is None:
        raise StoreError(f"no workshop with code {canonical}")
    return Workshop.from_row(row._mapping)


def workshops(conn: Connection) -> list[Workshop]:
    rows = conn.execute(select(t.workshops).order_by(t.workshops.c.id)).all()
    return [Workshop.from_row(r._mapping) for r in rows]


def attempt(conn: Connection, attempt_id: int) -> AttemptRecord:
    row = conn.execute(
        select(t.attempts, t.trainees.c.name.label("trainee"))
        .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
        .where(t.attempts.c.id == attempt_id)
    ).first()
    if row is None:
        raise StoreError(f"no attempt {attempt_id}")
    return cast(AttemptRecord, dict(row._mapping))


def turns(conn: Connection, attempt_id: int, *, include_retracted: bool) -> list[TurnRecord]:
    q = select(t.turns).where(t.turns.c.attempt_id == attempt_id)
    if not include_retracted:
        q = q.where(t.turns.c.retracted.is_(False))
    rows = conn.execute(q.order_by(t.turns.c.seq)).all()
    return [cast(TurnRecord, dict(r._mapping)) for r in rows]


def attempts(
    conn: Connection,
    *,
    trainee: str | None,
    workshop: str | None,
    scenario: str | None,
    finished: bool | None,
) -> list[AttemptSummary]:
    """Attempts with their trainee's name (and workshop code), oldest first."""
    a = t.attempts
    q = (
        select(
            a.c.id, a.c.scenario_id, a.c.scenario_version, a.c.language, a.c.mode,
            a.c.started_at, a.c.finished_at, a.c.updated_at, a.c.outcome, a.c.score,
            a.c.turn_count, a.c.transcript_path, a.c.difficulty, a.c.pass_mark, a.c.passed,
            a.c.level,
            t.trainees.c.name.label("trainee"),
            t.workshops.c.code.label("workshop"),
        )
        .join(t.trainees, t.trainees.c.id == a.c.trainee_id)
        .outerjoin(t.workshops, t.workshops.c.id == a.c.workshop_id)
    )
    if trainee is not None:
        q = q.where(t.trainees.c.name_key == name_key(trainee))
    if workshop is not None:
        q = q.where(t.workshops.c.code == (valid_code(workshop) or ""))
    if scenario is not None:
        q = q.where(a.c.scenario_id == scenario)
    if finished is True:
        q = q.where(a.c.outcome.in_(FINISHED_OUTCOMES))
    elif finished is False:
        q = q.where((a.c.outcome.is_(None)) | (a.c.outcome.not_in(FINISHED_OUTCOMES)))
    rows = conn.execute(q.order_by(a.c.id)).all()
    return [cast(AttemptSummary, dict(r._mapping)) for r in rows]


def best_scores(conn: Connection, trainee: str) -> dict[str, int]:
    """Personal best per scenario (finished attempts only)."""
    q = (
        select(t.attempts.c.scenario_id, func.max(t.attempts.c.score))
        .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
        .where(
            and_(
                t.trainees.c.name_key == name_key(trainee),
                t.attempts.c.outcome.in_(FINISHED_OUTCOMES),
                t.attempts.c.score.is_not(None),
            )
        )
        .group_by(t.attempts.c.scenario_id)
    )
    return {sid: int(best) for sid, best in conn.execute(q).all()}


def find_attempt(
    conn: Connection, trainee: str, scenario_id: str, transcript_path: str
) -> int | None:
    """The trainee's latest attempt (outside workshops) written to this transcript."""
    paths = {transcript_path, str(Path(transcript_path).resolve())}
    q = (
        select(t.attempts.c.id)
        .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
        .where(
            and_(
                t.trainees.c.name_key == name_key(trainee),
                t.attempts.c.scenario_id == scenario_id,
                t.attempts.c.workshop_id.is_(None),
                t.attempts.c.transcript_path.in_(sorted(paths)),
            )
        )
        .order_by(t.attempts.c.id.desc())
        .limit(1)
    )
    found = conn.execute(q).scalar()
    return None if found is None else int(found)


def _count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def leaderboard(conn: Connection, ws: Workshop) -> list[LeaderboardRow]:
    """Trainees ranked by the sum of their best finished score in each scenario; ties
    go to fewer attempts, then to the name (compared as Python compares strings, by
    code point: ``COLLATE "C"`` on PostgreSQL, SQLite's own order elsewhere).

    Aggregated in SQL: one row per trainee and scenario played (``per``), summed per
    trainee (``board``), ordered; the turns table is not read.
    """
    a = t.attempts
    done = and_(a.c.outcome.in_(FINISHED_OUTCOMES), a.c.score.is_not(None))
    per = (
        select(
            a.c.trainee_id,
            a.c.scenario_id,
            func.count().label("attempts"),
            func.max(case((done, a.c.score))).label("best"),
            _count_if(a.c.outcome == "kept").label("kept"),
            _count_if(a.c.outcome == "escalated").label("escalated"),
            _count_if(a.c.outcome == "lost").label("lost"),
            _count_if(and_(a.c.finished_at.is_(None), a.c.updated_at >= active_since())).label(
                "playing"
            ),
            func.max(a.c.updated_at).label("last_active"),
            _count_if(and_(done, a.c.passed.is_(True))).label("passes"),
        )
        .where(a.c.workshop_id == ws.id)
        .group_by(a.c.trainee_id, a.c.scenario_id)
        .cte("per")
    )
    board = (
        select(
            per.c.trainee_id,
            func.coalesce(func.sum(per.c.best), 0).label("total"),
            func.sum(per.c.attempts).label("attempts"),
            func.sum(per.c.kept).label("kept"),
            func.sum(per.c.escalated).label("escalated"),
            func.sum(per.c.lost).label("lost"),
            func.sum(per.c.playing).label("playing"),
            func.max(per.c.last_active).label("last_active"),
        )
        .group_by(per.c.trainee_id)
        .cte("board")
    )
    key = t.trainees.c.name_key
    if conn.dialect.name == "postgresql":
        key = key.collate("C")  # type: ignore[assignment]
    q = (
        select(board, t.trainees.c.name, per.c.scenario_id, per.c.best, per.c.passes)
        .join(t.trainees, t.trainees.c.id == board.c.trainee_id)
        .join(per, per.c.trainee_id == board.c.trainee_id)
        .order_by(board.c.total.desc(), board.c.attempts, key, per.c.scenario_id)
    )
    order = {sid: i for i, sid in enumerate(ws.scenarios)}
    ranked: list[LeaderboardRow] = []
    bests: dict[int, dict[str, int]] = {}
    passes: dict[int, list[str]] = {}
    for r in conn.execute(q):
        if r.trainee_id not in bests:
            n, kept, esc, lost = int(r.attempts), int(r.kept), int(r.escalated), int(r.lost)
            bests[r.trainee_id] = {}
            ranked.append(
                {
                    "name": r.name,
                    "total": int(r.total),
                    "attempts": n,
                    "finished": kept + esc + lost,
                    "per_scenario": bests[r.trainee_id],
                    "outcomes": {
                        "kept": kept,
                        "escalated": esc,
                        "lost": lost,
                        "unfinished": n - kept - esc - lost,
                    },
                    "playing": int(r.playing) > 0,
                    "last_active": r.last_active,
                    "rank": len(ranked) + 1,
                    "passed": False,
                    "passed_scenarios": [],
                }
            )
            passes[r.trainee_id] = ranked[-1]["passed_scenarios"]
        if r.best is not None:
            bests[r.trainee_id][r.scenario_id] = int(r.best)
        if int(r.passes) > 0 and r.scenario_id in order:
            passes[r.trainee_id].append(r.scenario_id)
    for row in ranked:
        row["per_scenario"] = dict(
            sorted(row["per_scenario"].items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
        )
        row["passed_scenarios"].sort(key=lambda sid: order[sid])
        row["passed"] = len(row["passed_scenarios"]) == len(ws.scenarios)
    return ranked


def phrase_counts(conn: Connection, workshop_id: int, limit: int) -> list[PhraseCount]:
    """A workshop's most common last-word phrases: phrase, count, trainees."""
    tp, tu, a = t.turn_phrases, t.turns, t.attempts
    count = func.count().label("count")
    q = (
        select(tp.c.phrase, count, func.count(func.distinct(a.c.trainee_id)).label("trainees"))
        .join(tu, tu.c.id == tp.c.turn_id)
        .join(a, a.c.id == tp.c.attempt_id)
        .where(and_(a.c.workshop_id == workshop_id, tu.c.retracted.is_(False)))
        .group_by(tp.c.phrase)
        .order_by(count.desc(), tp.c.phrase)
        .limit(limit)
    )
    return [{"phrase": p, "count": int(c), "trainees": int(n)} for p, c, n in conn.execute(q)]



def _override(m: Any) -> Override:
    order = list(LABEL_CATEGORIES)
    labels = json.loads(m["labels"] or "{}")
    keys = sorted(labels, key=lambda k: (order.index(k) if k in order else len(order), k))
    return {
        "id": int(m["id"]),
        "turn_id": int(m["turn_id"]),
        "attempt_id": int(m["attempt_id"]),
        "labels": {str(k): bool(labels[k]) for k in keys},
        "misfired": [str(r) for r in json.loads(m["misfired"] or "[]")],
        "note": m["note"] or "",
        "reviewer": m["reviewer"],
        "created_at": m["created_at"],
    }


def overrides(
    conn: Connection, *, attempt_ids: list[int] | None = None, workshop_id: int | None = None
) -> dict[int, Override]:
    """The standing override (the latest) of each reviewed turn, by turn id, of these
    attempts or of this workshop's attempts (a taken-back turn has none)."""
    ov, tu = t.overrides, t.turns
    latest = select(func.max(ov.c.id)).group_by(ov.c.turn_id)
    q = (
        select(ov)
        .join(tu, tu.c.id == ov.c.turn_id)
        .where(and_(ov.c.id.in_(latest.scalar_subquery()), tu.c.retracted.is_(False)))
    )
    if attempt_ids is not None:
        q = q.where(ov.c.attempt_id.in_(attempt_ids))
    if workshop_id is not None:
        q = q.join(t.attempts, t.attempts.c.id == ov.c.attempt_id).where(
            t.attempts.c.workshop_id == workshop_id
        )
    return {int(r.turn_id): _override(r._mapping) for r in conn.execute(q.order_by(ov.c.id))}


def override_history(conn: Connection, turn_id: int) -> list[Override]:
    """Every review of a turn, oldest first."""
    q = select(t.overrides).where(t.overrides.c.turn_id == turn_id).order_by(t.overrides.c.id)
    return [_override(r._mapping) for r in conn.execute(q)]


def review_turns(
    conn: Connection, *, attempt_ids: list[int] | None = None, workshop_id: int | None = None
) -> list[ReviewTurn]:
    """The standing replies of these attempts (or of a workshop), oldest attempt first,
    each with its verdict and its standing override."""
    a, tu = t.attempts, t.turns
    q = (
        select(
            tu.c.id.label("turn_id"), tu.c.attempt_id, tu.c.seq, tu.c.turn, tu.c.node,
            tu.c.customer, tu.c.reply, tu.c.score, tu.c.verdict,
            t.trainees.c.name.label("trainee"), a.c.scenario_id, a.c.language,
            t.workshops.c.code.label("workshop"), a.c.started_at,
        )
        .join(a, a.c.id == tu.c.attempt_id)
        .join(t.trainees, t.trainees.c.id == a.c.trainee_id)
        .outerjoin(t.workshops, t.workshops.c.id == a.c.workshop_id)
        .where(tu.c.retracted.is_(False))
    )
    if attempt_ids is not None:
        q = q.where(a.c.id.in_(attempt_ids))
    if workshop_id is not None:
        q = q.where(a.c.workshop_id == workshop_id)
    found = overrides(conn, attempt_ids=attempt_ids, workshop_id=workshop_id)
    out: list[ReviewTurn] = []
    for r in conn.execute(q.order_by(a.c.id, tu.c.seq)):
        row = dict(r._mapping)
        row["verdict"] = json.loads(row["verdict"])
        row["override"] = found.get(int(row["turn_id"]))
        out.append(cast(ReviewTurn, row))
    return out


def attempts_for_transcript(conn: Connection, paths: list[str]) -> list[int]:
    """The attempts written to one of these transcript paths, oldest first."""
    q = select(t.attempts.c.id).where(t.attempts.c.transcript_path.in_(paths))
    return [int(i) for i in conn.execute(q.order_by(t.attempts.c.id)).scalars()]
