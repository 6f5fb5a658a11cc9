"""The results store: trainees, workshops, attempts and turns, on SQLAlchemy Core.

SQLite (a file in the user's data folder, WAL, foreign keys on) by default; any
SQLAlchemy URL otherwise, PostgreSQL through psycopg 3 being the one supported for a
shared server. Every turn is written in its own short transaction when it is sent.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from simulator.paths import default_db_url
from simulator.store import schema as t

# Join codes avoid letters and digits that are easy to confuse when read aloud.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class StoreError(RuntimeError):
    """A request the store cannot satisfy; the message says why."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def normalise_url(url: str | None) -> str:
    url = url or default_db_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


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

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

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
        }


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, url: str | None = None) -> Store:
        url = normalise_url(url)
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database
            if db and db != ":memory:":
                Path(db).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 60}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            engine = create_engine(url, **kwargs)
        except Exception as exc:
            raise StoreError(f"cannot use database {parsed.render_as_string()}: {exc}") from None
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        store = cls(engine)
        try:
            store.migrate()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open database {parsed.render_as_string()}: {exc}") from None
        return store

    def migrate(self) -> int:
        with self.tx() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            try:
                return t.migrate(conn)
            except RuntimeError as exc:
                raise StoreError(str(exc)) from None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """A write transaction (on SQLite it takes the write lock at once)."""
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("immediate", None)

    # ------------------------------------------------------------------ trainees
    def trainee(self, name: str, conn: Connection | None = None) -> int:
        """The id of a trainee by name (created on first use; names are case-insensitive)."""
        name = " ".join(name.split())
        if not name:
            raise StoreError("a trainee needs a name")
        if len(name) > 120:
            raise StoreError("a name may be at most 120 characters")
        key = name.casefold()
        if conn is None:
            with self.tx() as c:
                return self.trainee(name, c)
        row = conn.execute(select(t.trainees.c.id).where(t.trainees.c.name_key == key)).first()
        if row:
            return int(row[0])
        try:
            with conn.begin_nested():
                res = conn.execute(t.trainees.insert().values(name=name, name_key=key, created_at=now()))
                return int(res.inserted_primary_key[0])
        except IntegrityError:  # another process created it meanwhile
            row = conn.execute(select(t.trainees.c.id).where(t.trainees.c.name_key == key)).one()
            return int(row[0])

    # ------------------------------------------------------------------ workshops
    def create_workshop(
        self, name: str, scenarios: list[str], mode: str = "assessment", time_limit: float | None = None
    ) -> Workshop:
        if not name.strip():
            raise StoreError("a workshop needs a name")
        if not scenarios:
            raise StoreError("a workshop needs at least one scenario")
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
            try:
                with self.tx() as conn:
                    conn.execute(
                        t.workshops.insert().values(
                            code=code,
                            name=name.strip(),
                            scenarios=json.dumps(scenarios),
                            mode=mode,
                            time_limit=time_limit,
                            created_at=now(),
                        )
                    )
                return self.workshop(code)
            except IntegrityError:
                continue
        raise StoreError("could not find a free workshop code")  # pragma: no cover

    def workshop(self, code: str) -> Workshop:
        code = code.strip().upper()
        with self.engine.connect() as conn:
            row = conn.execute(select(t.workshops).where(t.workshops.c.code == code)).first()
        if row is None:
            raise StoreError(f"no workshop with code '{code}'")
        return _workshop(row._mapping)

    def workshops(self) -> list[Workshop]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.workshops).order_by(t.workshops.c.id)).all()
        return [_workshop(r._mapping) for r in rows]

    def close_workshop(self, code: str) -> Workshop:
        ws = self.workshop(code)
        if ws.closed:
            return ws
        with self.tx() as conn:
            conn.execute(update(t.workshops).where(t.workshops.c.id == ws.id).values(closed_at=now()))
        return self.workshop(code)

    # ------------------------------------------------------------------ attempts
    def start_attempt(
        self,
        trainee: str,
        scenario_id: str,
        scenario_version: str,
        language: str,
        mode: str,
        seed: str | int = 0,
        workshop: str | None = None,
        transcript_path: str | None = None,
    ) -> int:
        with self.tx() as conn:
            workshop_id = None
            if workshop is not None:
                row = conn.execute(
                    select(t.workshops).where(t.workshops.c.code == workshop.strip().upper())
                ).first()
                if row is None:
                    raise StoreError(f"no workshop with code '{workshop}'")
                ws = _workshop(row._mapping)
                if ws.closed:
                    raise StoreError(f"workshop {ws.code} is closed: it accepts no new attempts")
                if scenario_id not in ws.scenarios:
                    raise StoreError(f"scenario '{scenario_id}' is not part of workshop {ws.code}")
                workshop_id = ws.id
            trainee_id = self.trainee(trainee, conn)
            res = conn.execute(
                t.attempts.insert().values(
                    trainee_id=trainee_id,
                    workshop_id=workshop_id,
                    scenario_id=scenario_id,
                    scenario_version=scenario_version,
                    language=language,
                    mode=mode,
                    seed=str(seed),
                    started_at=now(),
                    transcript_path=transcript_path,
                )
            )
            return int(res.inserted_primary_key[0])

    def add_turn(self, attempt_id: int, turn: dict[str, Any], transcript: str | None = None) -> None:
        """Write one turn (a ``Turn.to_dict()``) in its own transaction."""
        with self.tx() as conn:
            seq = conn.execute(
                select(func.coalesce(func.max(t.turns.c.seq), 0)).where(
                    t.turns.c.attempt_id == attempt_id
                )
            ).scalar_one()
            conn.execute(
                t.turns.insert().values(
                    attempt_id=attempt_id,
                    seq=int(seq) + 1,
                    turn=turn["index"],
                    node=turn["node"],
                    customer=turn["customer"],
                    reply=turn["reply"],
                    score=turn["verdict"]["score"],
                    verdict=json.dumps(turn["verdict"], ensure_ascii=False),
                    mood_after=turn["mood_after"],
                    elapsed=turn.get("elapsed"),
                    over_time=bool(turn.get("over_time")),
                    created_at=now(),
                )
            )
            values: dict[str, Any] = {"turn_count": t.attempts.c.turn_count + 1}
            if transcript is not None:
                values["transcript"] = transcript
            conn.execute(update(t.attempts).where(t.attempts.c.id == attempt_id).values(**values))

    def retract_last_turn(self, attempt_id: int) -> None:
        """A practice retry: the last standing turn no longer counts (it is kept)."""
        with self.tx() as conn:
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
                .values(turn_count=t.attempts.c.turn_count - 1)
            )

    def finish_attempt(
        self,
        attempt_id: int,
        outcome: str,
        score: int,
        debrief: dict[str, Any] | None = None,
        transcript: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"outcome": outcome, "score": score, "finished_at": now()}
        if debrief is not None:
            values["debrief"] = json.dumps(debrief, ensure_ascii=False)
        if transcript is not None:
            values["transcript"] = transcript
        with self.tx() as conn:
            conn.execute(update(t.attempts).where(t.attempts.c.id == attempt_id).values(**values))

    def attempt(self, attempt_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.attempts, t.trainees.c.name.label("trainee"))
                .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
                .where(t.attempts.c.id == attempt_id)
            ).first()
        if row is None:
            raise StoreError(f"no attempt {attempt_id}")
        return dict(row._mapping)

    def turns(self, attempt_id: int, *, include_retracted: bool = False) -> list[dict[str, Any]]:
        q = select(t.turns).where(t.turns.c.attempt_id == attempt_id)
        if not include_retracted:
            q = q.where(t.turns.c.retracted.is_(False))
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(t.turns.c.seq)).all()
        return [dict(r._mapping) for r in rows]

    def attempts(
        self,
        *,
        trainee: str | None = None,
        workshop: str | None = None,
        scenario: str | None = None,
        finished: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Attempts with their trainee's name (and workshop code), oldest first."""
        q = (
            select(
                t.attempts.c.id,
                t.attempts.c.scenario_id,
                t.attempts.c.scenario_version,
                t.attempts.c.language,
                t.attempts.c.mode,
                t.attempts.c.started_at,
                t.attempts.c.finished_at,
                t.attempts.c.outcome,
                t.attempts.c.score,
                t.attempts.c.turn_count,
                t.attempts.c.transcript_path,
                t.trainees.c.name.label("trainee"),
                t.workshops.c.code.label("workshop"),
            )
            .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
            .outerjoin(t.workshops, t.workshops.c.id == t.attempts.c.workshop_id)
        )
        if trainee is not None:
            q = q.where(t.trainees.c.name_key == " ".join(trainee.split()).casefold())
        if workshop is not None:
            q = q.where(t.workshops.c.code == workshop.strip().upper())
        if scenario is not None:
            q = q.where(t.attempts.c.scenario_id == scenario)
        if finished is True:
            q = q.where(t.attempts.c.finished_at.is_not(None))
        elif finished is False:
            q = q.where(t.attempts.c.finished_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(t.attempts.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def best_scores(self, trainee: str) -> dict[str, int]:
        """Personal best per scenario (finished attempts only)."""
        q = (
            select(t.attempts.c.scenario_id, func.max(t.attempts.c.score))
            .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
            .where(
                and_(
                    t.trainees.c.name_key == " ".join(trainee.split()).casefold(),
                    t.attempts.c.score.is_not(None),
                )
            )
            .group_by(t.attempts.c.scenario_id)
        )
        with self.engine.connect() as conn:
            return {sid: int(best) for sid, best in conn.execute(q).all()}

    # ------------------------------------------------------------------ leaderboard
    def leaderboard(self, code: str) -> list[dict[str, Any]]:
        """Trainees ranked by the sum of their best finished score in each scenario.

        Each row: name, total, attempts, finished, per_scenario {id: best}, outcomes
        {kept, lost, escalated, unfinished}. Ties rank by fewer attempts, then by name.
        """
        ws = self.workshop(code)
        q = (
            select(
                t.trainees.c.name,
                t.attempts.c.scenario_id,
                t.attempts.c.outcome,
                t.attempts.c.score,
                t.attempts.c.finished_at,
            )
            .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
            .where(t.attempts.c.workshop_id == ws.id)
        )
        rows: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for name, sid, outcome, score, finished in conn.execute(q):
                r = rows.setdefault(
                    name,
                    {
                        "name": name,
                        "total": 0,
                        "attempts": 0,
                        "finished": 0,
                        "per_scenario": {},
                        "outcomes": {"kept": 0, "lost": 0, "escalated": 0, "unfinished": 0},
                    },
                )
                r["attempts"] += 1
                if finished is None or score is None or outcome not in ("kept", "lost", "escalated"):
                    r["outcomes"]["unfinished"] += 1
                    continue
                r["finished"] += 1
                r["outcomes"][outcome] += 1
                best = r["per_scenario"].get(sid)
                if best is None or score > best:
                    r["per_scenario"][sid] = int(score)
        for r in rows.values():
            r["total"] = sum(r["per_scenario"].values())
        ranked = sorted(rows.values(), key=lambda r: (-r["total"], r["attempts"], r["name"].casefold()))
        for i, r in enumerate(ranked, start=1):
            r["rank"] = i
        return ranked


def _workshop(m: Any) -> Workshop:
    return Workshop(
        id=m["id"],
        code=m["code"],
        name=m["name"],
        scenarios=json.loads(m["scenarios"]),
        mode=m["mode"],
        time_limit=m["time_limit"],
        created_at=m["created_at"],
        closed_at=m["closed_at"],
    )


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys, and write transactions that queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so concurrent writers wait their turn
        # (busy_timeout) rather than fail on a lock upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")
