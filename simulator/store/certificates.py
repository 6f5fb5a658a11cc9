"""Certificates: a verification code for a trainee's passed attempts in a workshop.

A certificate covers every scenario of an assessment workshop: for each, the trainee's
best passed attempt (the highest score, then the earliest). Asking again for the same
attempts gives the same code; a better attempt since gives a new one (the old code still
verifies what it certified). A trainee without a passed attempt in every scenario gets
:class:`NotPassed`, which says where they stand, and no code.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.exc import IntegrityError

from simulator.store import schema as t
from simulator.store.connection import Database
from simulator.store.rows import CertificateRecord, Workshop
from simulator.store.validate import (
    CODE_ALPHABET,
    FINISHED_OUTCOMES,
    StoreError,
    clean_text,
    name_key,
    now,
)

GROUPS, GROUP = 3, 4  # a code is three groups of four: 7KQM-PX3A-9RTW


class NotPassed(StoreError):
    """The trainee has not passed every scenario of the workshop; ``standing`` says, per
    scenario, their best finished score (None: none), whether one passed and the mark."""

    def __init__(self, message: str, standing: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.standing = standing


def new_code() -> str:
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS)
    )


def canonical(code: str) -> str | None:
    """A verification code as stored (upper case, grouped), or None if it is not one."""
    raw = "".join(ch for ch in code.upper() if ch not in " -")
    if len(raw) != GROUPS * GROUP or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def _attempt_rows(conn: Connection, ws: Workshop, trainee_id: int) -> list[dict[str, Any]]:
    a = t.attempts
    rows = conn.execute(
        select(
            a.c.id,
            a.c.scenario_id,
            a.c.scenario_version,
            a.c.language,
            a.c.mode,
            a.c.difficulty,
            a.c.score,
            a.c.pass_mark,
            a.c.passed,
            a.c.level,
            a.c.outcome,
            a.c.started_at,
            a.c.finished_at,
        )
        .where(and_(a.c.workshop_id == ws.id, a.c.trainee_id == trainee_id))
        .order_by(a.c.id)
    ).all()
    return [dict(r._mapping) for r in rows]


def issue(db: Database, ws: Workshop, trainee: str, clock: Callable[[], str] = now) -> str:
    """The verification code of ``trainee``'s certificate for ``ws`` (made on first
    request); raises :class:`NotPassed`, or StoreError for a practice workshop or an
    unknown trainee."""
    if ws.mode != "assessment":
        raise StoreError(
            f"workshop {ws.code} is a practice workshop: certificates are for assessments"
        )
    with db.tx() as conn:
        row = conn.execute(
            select(t.trainees.c.id, t.trainees.c.name).where(
                t.trainees.c.name_key == name_key(trainee)
            )
        ).first()
        if row is None:
            raise StoreError(
                f"nobody called '{clean_text(trainee)[:60]}' played workshop {ws.code}"
            )
        trainee_id, shown = int(row[0]), str(row[1])
        attempts = _attempt_rows(conn, ws, trainee_id)
        if not attempts:
            raise StoreError(f"{shown} has no attempt in workshop {ws.code}")
        chosen: list[int] = []
        standing: list[dict[str, Any]] = []
        for sid in ws.scenarios:
            done = [
                r
                for r in attempts
                if r["scenario_id"] == sid
                and r["outcome"] in FINISHED_OUTCOMES
                and r["score"] is not None
            ]
            passed = [r for r in done if r["passed"]]
            best = max(done, key=lambda r: r["score"], default=None)
            standing.append(
                {
                    "scenario": sid,
                    "best": best["score"] if best else None,
                    "passed": bool(passed),
                    "pass_mark": (best or {}).get("pass_mark"),
                }
            )
            if passed:
                chosen.append(max(passed, key=lambda r: (r["score"], -r["id"]))["id"])
        if len(chosen) != len(ws.scenarios):
            raise NotPassed(f"{shown} has not passed workshop {ws.code}: no certificate", standing)
        ids = json.dumps(chosen)
        found = conn.execute(
            select(t.certificates.c.code).where(
                and_(
                    t.certificates.c.workshop_id == ws.id,
                    t.certificates.c.trainee_id == trainee_id,
                    t.certificates.c.attempts == ids,
                )
            )
        ).first()
        if found is not None:
            return str(found[0])
        for _ in range(20):
            code = new_code()
            try:
                with conn.begin_nested():
                    conn.execute(
                        t.certificates.insert().values(
                            code=code,
                            workshop_id=ws.id,
                            trainee_id=trainee_id,
                            attempts=ids,
                            issued_at=clock(),
                        )
                    )
                return code
            except IntegrityError:
                continue
    raise StoreError("could not find a free verification code")  # pragma: no cover


def find(conn: Connection, code: str) -> CertificateRecord | None:
    """The certificate with this verification code, with its attempts; None if unknown."""
    wanted = canonical(code)
    if wanted is None:
        return None
    c = t.certificates
    row = conn.execute(
        select(c, t.trainees.c.name.label("trainee"), t.workshops)
        .join(t.trainees, t.trainees.c.id == c.c.trainee_id)
        .join(t.workshops, t.workshops.c.id == c.c.workshop_id)
        .where(c.c.code == wanted)
    ).first()
    if row is None:
        return None
    m = row._mapping
    ws = Workshop.from_row(
        {
            "id": m[t.workshops.c.id],
            "code": m[t.workshops.c.code],
            "name": m[t.workshops.c.name],
            "scenarios": m[t.workshops.c.scenarios],
            "mode": m[t.workshops.c.mode],
            "time_limit": m[t.workshops.c.time_limit],
            "created_at": m[t.workshops.c.created_at],
            "closed_at": m[t.workshops.c.closed_at],
            "pass_mark": m[t.workshops.c.pass_mark],
        }
    )
    ids = [int(i) for i in json.loads(m[c.c.attempts])]
    by_id = {r["id"]: r for r in _attempt_rows(conn, ws, int(m[c.c.trainee_id]))}
    return {
        "code": str(m[c.c.code]),
        "issued_at": str(m[c.c.issued_at]),
        "trainee": str(m["trainee"]),
        "workshop": ws.to_dict(),
        "attempts": [by_id[i] for i in ids if i in by_id],
    }
