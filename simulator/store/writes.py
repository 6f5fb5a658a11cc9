"""Every write to the results store, each in its own short transaction.

A turn is written when it is sent, so a crash or a ``kill -9`` loses nothing already
sent. Each attempt has one writer (its trainee's process); a turn's transaction first
updates (and so locks) its attempt row, then numbers the turn (``seq``) under that lock,
so turns are never lost, duplicated or interleaved. Rows are prepared before a
transaction starts: the transaction only writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from simulator.scoring.verdict import last_word_phrases
from simulator.store import schema as t
from simulator.store.connection import Database
from simulator.store.rows import Workshop
from simulator.store.validate import (
    StoreError,
    check_outcome,
    clean_text,
    new_code,
    now,
    rule_settings_fields,
    trainee_name,
    valid_code,
    workshop_fields,
)

MAX_PHRASE = 200  # the length of turn_phrases.phrase
Clock = Callable[[], str]  # the time of a write (``validate.now``; tests fix it)


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row
    return int(key[0])


def trainee(conn: Connection, name: str, clock: Clock = now) -> int:
    """The id of a trainee by name, created on first use, inside ``conn``'s transaction."""
    name, key = trainee_name(name)
    row = conn.execute(select(t.trainees.c.id).where(t.trainees.c.name_key == key)).first()
    if row:
        return int(row[0])
    try:
        with conn.begin_nested():
            res = conn.execute(t.trainees.insert().values(name=name, name_key=key, created_at=clock()))
            return _new_id(res)
    except IntegrityError:  # another process created it meanwhile
        row = conn.execute(select(t.trainees.c.id).where(t.trainees.c.name_key == key)).one()
        return int(row[0])


def create_workshop(
    db: Database,
    name: str,
    scenarios: list[str],
    mode: str,
    time_limit: float | None,
    clock: Clock = now,
    pass_mark: int | None = None,
    disabled_rules: Sequence[str] = (),
    rule_weights: Mapping[str, float] | None = None,
) -> str:
    """A new workshop; returns its join code."""
    name, ids = workshop_fields(name, scenarios, mode, time_limit)
    if pass_mark is not None and not 0 <= pass_mark <= 100:
        raise StoreError("the pass mark must be between 0 and 100")
    disabled, weights = rule_settings_fields(disabled_rules, rule_weights or {})
    for _ in range(20):
        code = new_code()
        try:
            with db.tx() as conn:
                conn.execute(
                    t.workshops.insert().values(
                        code=code,
                        name=name,
                        scenarios=json.dumps(ids),
                        mode=mode,
                        time_limit=time_limit,
                        created_at=clock(),
                        pass_mark=pass_mark,
                        disabled_rules=json.dumps(disabled) if disabled else None,
                        rule_weights=json.dumps(weights) if weights else None,
                    )
                )
            return code
        except IntegrityError:
            continue
    raise StoreError("could not find a free workshop code")  # pragma: no cover


def close_workshop(db: Database, workshop_id: int, clock: Clock = now) -> None:
    with db.tx() as conn:
        conn.execute(
            update(t.workshops)
            .where(and_(t.workshops.c.id == workshop_id, t.workshops.c.closed_at.is_(None)))
            .values(closed_at=clock())
        )


def start_attempt(
    db: Database,
    trainee_name: str,
    scenario_id: str,
    scenario_version: str,
    language: str,
    mode: str,
    seed: str | int,
    workshop: str | None,
    transcript_path: str | None,
    clock: Clock = now,
    difficulty: str | None = None,
    pass_mark: int | None = None,
) -> int:
    """A new attempt; refused (StoreError) for a closed workshop or a foreign scenario."""
    with db.tx() as conn:
        workshop_id = None
        if workshop is not None:
            canonical = valid_code(workshop)
            row = (
                conn.execute(select(t.workshops).where(t.workshops.c.code == canonical)).first()
                if canonical
                else None
            )
            if row is None:
                raise StoreError(f"no workshop with code '{clean_text(workshop)[:20]}'")
            ws = Workshop.from_row(row._mapping)
            if ws.closed:
                raise StoreError(f"workshop {ws.code} is closed: it accepts no new attempts")
            if scenario_id not in ws.scenarios:
                raise StoreError(f"scenario '{scenario_id}' is not part of workshop {ws.code}")
            workshop_id = ws.id
        trainee_id = trainee(conn, trainee_name, clock)
        stamp = clock()
        res = conn.execute(
            t.attempts.insert().values(
                trainee_id=trainee_id,
                workshop_id=workshop_id,
                scenario_id=scenario_id,
                scenario_version=scenario_version,
                language=language,
                mode=mode,
                seed=str(seed),
                started_at=stamp,
                updated_at=stamp,
                transcript_path=transcript_path,
                difficulty=difficulty,
                pass_mark=pass_mark,
            )
        )
        return _new_id(res)


def prepare_turn(attempt_id: int, turn: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A turn's row (from a ``Turn.to_dict()``) and its last-word phrases, ready to insert."""
    verdict = turn["verdict"]
    row: dict[str, Any] = {
        "attempt_id": attempt_id,
        "turn": int(turn["index"]),
        "node": str(turn["node"]),
        "customer": str(turn["customer"]),
        "reply": str(turn["reply"]),
        "score": int(verdict["score"]),
        "verdict": json.dumps(verdict, ensure_ascii=False),
        "mood_after": int(turn["mood_after"]),
        "elapsed": turn.get("elapsed"),
        "over_time": bool(turn.get("over_time")),
    }
    phrases = list(dict.fromkeys(p[:MAX_PHRASE] for p in last_word_phrases(verdict)))
    return row, phrases


def _insert_turn(
    conn: Connection, attempt_id: int, row: dict[str, Any], phrases: list[str], stamp: str
) -> int:
    """Insert a prepared turn after the attempt's last one (the attempt is locked)."""
    seq = int(
        conn.execute(
            select(func.coalesce(func.max(t.turns.c.seq), 0)).where(
                t.turns.c.attempt_id == attempt_id
            )
        ).scalar_one()
    ) + 1
    ins = conn.execute(t.turns.insert().values(**row, seq=seq, created_at=stamp))
    if phrases:
        turn_id = _new_id(ins)
        conn.execute(
            t.turn_phrases.insert(),
            [{"turn_id": turn_id, "attempt_id": attempt_id, "phrase": p} for p in phrases],
        )
    return seq


def _lock_attempt(conn: Connection, attempt_id: int, **values: Any) -> None:
    """Update the attempt (which locks its row until the end of the transaction)."""
    res = conn.execute(update(t.attempts).where(t.attempts.c.id == attempt_id).values(**values))
    if res.rowcount != 1:
        raise StoreError(f"no attempt {attempt_id}")


def add_turn(
    db: Database,
    attempt_id: int,
    turn: dict[str, Any],
    transcript: str | None,
    clock: Clock = now,
) -> int:
    """Write one turn (a ``Turn.to_dict()``) in its own transaction; returns its seq."""
    row, phrases = prepare_turn(attempt_id, turn)
    values: dict[str, Any] = {"turn_count": t.attempts.c.turn_count + 1}
    if transcript is not None:
        values["transcript"] = transcript
    with db.tx() as conn:
        stamp = clock()
        _lock_attempt(conn, attempt_id, **values, updated_at=stamp)
        return _insert_turn(conn, attempt_id, row, phrases, stamp)


def resume_attempt(
    db: Database,
    attempt_id: int,
    turns: list[dict[str, Any]],
    transcript: str | None,
    clock: Clock = now,
) -> int:
    """Open a left attempt again with exactly ``turns`` standing; returns how many were
    added (``Store.resume_attempt`` says how stored turns are matched)."""
    prepared = [prepare_turn(attempt_id, turn) for turn in turns]
    with db.tx() as conn:
        stamp = clock()
        values: dict[str, Any] = {
            "outcome": None,
            "score": None,
            "passed": None,
            "level": None,
            "finished_at": None,
            "updated_at": stamp,
            "turn_count": len(turns),
        }
        if transcript is not None:
            values["transcript"] = transcript
        _lock_attempt(conn, attempt_id, **values)
        stored = conn.execute(
            select(t.turns.c.seq, t.turns.c.turn, t.turns.c.reply)
            .where(and_(t.turns.c.attempt_id == attempt_id, t.turns.c.retracted.is_(False)))
            .order_by(t.turns.c.seq)
        ).all()
        keep = 0
        for (_seq, number, reply), (row, _phrases) in zip(stored, prepared, strict=False):
            if int(number) != row["turn"] or reply != row["reply"]:
                break
            keep += 1
        stale = [int(r[0]) for r in stored[keep:]]
        if stale:
            conn.execute(
                update(t.turns)
                .where(and_(t.turns.c.attempt_id == attempt_id, t.turns.c.seq.in_(stale)))
                .values(retracted=True)
            )
        for row, phrases in prepared[keep:]:
            _insert_turn(conn, attempt_id, row, phrases, stamp)
    return len(prepared) - keep


def retract_last_turn(db: Database, attempt_id: int, clock: Clock = now) -> None:
    """A practice retry: the last standing turn no longer counts (it is kept).

    Taking back the reply that ended a conversation re-opens the attempt.
    """
    with db.tx() as conn:
        last = conn.execute(
            select(func.max(t.turns.c.seq)).where(
                and_(t.turns.c.attempt_id == attempt_id, t.turns.c.retracted.is_(False))
            )
        ).scalar()
        if last is None:
            return
        conn.execute(
            update(t.turns)
            .where(and_(t.turns.c.attempt_id == attempt_id, t.turns.c.seq == last))
            .values(retracted=True)
        )
        conn.execute(
            update(t.attempts)
            .where(t.attempts.c.id == attempt_id)
            .values(
                turn_count=t.attempts.c.turn_count - 1,
                updated_at=clock(),
                finished_at=None,
                outcome=None,
                score=None,
                passed=None,
                level=None,
            )
        )


def finish_attempt(
    db: Database,
    attempt_id: int,
    outcome: str,
    score: int,
    debrief: dict[str, Any] | None,
    transcript: str | None,
    clock: Clock = now,
    passed: bool | None = None,
    level: str | None = None,
) -> None:
    """The end of an attempt; ``passed`` and ``level`` as its debrief judged it (an
    unfinished attempt has not passed)."""
    check_outcome(outcome)
    stamp = clock()
    values: dict[str, Any] = {
        "outcome": outcome,
        "score": int(score),
        "finished_at": stamp,
        "updated_at": stamp,
        "passed": bool(passed) if outcome != "unfinished" else False,
        "level": level[:40] if level and outcome != "unfinished" else None,
    }
    if debrief is not None:
        values["debrief"] = json.dumps(debrief, ensure_ascii=False)
    if transcript is not None:
        values["transcript"] = transcript
    with db.tx() as conn:
        _lock_attempt(conn, attempt_id, **values)



MAX_NOTE = 4000  # characters of a trainer's note


def add_override(
    db: Database,
    turn_id: int,
    labels: dict[str, bool],
    misfired: list[str],
    note: str,
    reviewer: str | None,
    clock: Clock = now,
) -> int:
    """A trainer's review of a standing turn, as a new row (the verdict is not changed);
    returns its id. StoreError for a turn that does not exist or was taken back."""
    note = "\n".join(clean_text(line) for line in note.strip().splitlines()).strip()
    if len(note) > MAX_NOTE:
        raise StoreError(f"a note may be at most {MAX_NOTE} characters")
    row = {
        "turn_id": int(turn_id),
        "labels": json.dumps({k: bool(v) for k, v in labels.items()}, sort_keys=True),
        "misfired": json.dumps(list(dict.fromkeys(misfired))),
        "note": note,
        "reviewer": clean_text(reviewer)[:120] or None if reviewer else None,
    }
    with db.tx() as conn:
        found = conn.execute(
            select(t.turns.c.attempt_id, t.turns.c.retracted).where(t.turns.c.id == int(turn_id))
        ).first()
        if found is None:
            raise StoreError(f"no reply with id {turn_id}")
        if found.retracted:
            raise StoreError(f"reply {turn_id} was taken back: it has no verdict to review")
        res = conn.execute(
            t.overrides.insert().values(**row, attempt_id=found.attempt_id, created_at=clock())
        )
        return _new_id(res)
