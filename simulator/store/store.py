"""The results store: trainees, workshops, attempts and turns, on SQLAlchemy Core.

SQLite (a file in the user's data folder, WAL, foreign keys on) by default; any
SQLAlchemy URL otherwise, PostgreSQL through psycopg 3 being the one supported for a
shared server. Every turn is written in its own short transaction when it is sent, so a
crash or a ``kill -9`` loses nothing already sent.

Concurrency: many trainee processes write to one database at once. On SQLite each write
transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock up front and waits
``busy_timeout`` for it, instead of failing on a lock upgrade); on PostgreSQL a turn's
transaction locks its attempt row first. Each attempt has one writer (its trainee's
process), and turn numbers (``seq``) are allocated inside the transaction under that
lock, so turns are never lost, duplicated or interleaved.

Outcomes: ``kept``, ``escalated`` and ``lost`` end a conversation ("finished");
``unfinished`` marks an attempt left before its end; an attempt still being played has
no outcome. Leaderboards and personal bests count finished attempts only.
"""

from __future__ import annotations

import json
import os
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

try:  # POSIX: a fair queue for SQLite writers (see Store._write_queue)
    import fcntl
except ImportError:  # pragma: no cover - Windows: busy_timeout alone
    fcntl = None  # type: ignore[assignment]

from simulator.paths import default_db_url
from simulator.report.exports import last_word_phrases
from simulator.store import schema as t

# Join codes avoid letters and digits that are easy to confuse when read aloud.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MODES = ("assessment", "practice")
FINISHED_OUTCOMES = ("kept", "escalated", "lost")
OUTCOMES = (*FINISHED_OUTCOMES, "unfinished")
MAX_NAME = 120
MAX_WORKSHOP_NAME = 200
ACTIVE_WINDOW = timedelta(minutes=5)  # an open attempt written to this recently is "playing"


class StoreError(RuntimeError):
    """A request the store cannot satisfy; the message says why."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def normalise_url(url: str | None) -> str:
    url = url or default_db_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def clean_text(value: str) -> str:
    """Single spaces, no ends, no control or format characters (names reach terminals)."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def valid_code(code: str) -> str | None:
    """The code in canonical form (upper case) if it is a well-formed join code."""
    c = code.strip().upper()
    if len(c) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in c):
        return c
    return None


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
        db = engine.url.database if engine.dialect.name == "sqlite" else None
        self._lock_path: str | None = (
            f"{db}-writelock" if db and db != ":memory:" and not db.startswith("file:") else None
        )

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating or upgrading) the results database at ``url``.

        ``None`` means $SIMULATOR_DATABASE_URL, else a SQLite file in the data folder.
        """
        url = normalise_url(url)
        try:
            parsed = make_url(url)
        except Exception:  # not a URL at all
            raise StoreError(
                f"'{url}' is not a database URL (e.g. sqlite:///results.sqlite or "
                "postgresql://user@host/dbname)"
            ) from None
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database
            if db and db != ":memory:" and not db.startswith("file:"):
                Path(db).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 60}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            engine = create_engine(url, **kwargs)
        except Exception as exc:  # an unusable URL or missing driver
            raise StoreError(f"cannot use database {parsed.render_as_string()}: {exc}") from None
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        store = cls(engine)
        try:
            store.migrate()
        except StoreError:
            engine.dispose()
            raise
        except Exception as exc:  # connection refused, bad credentials...
            engine.dispose()
            raise StoreError(f"cannot open database {parsed.render_as_string()}: {exc}") from None
        return store

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return t.current_version(conn)

    def migrate(self, target: int | None = None) -> int:
        """Upgrade the schema (a no-op when it is current); returns the version found."""
        if target is None:
            with self.engine.connect() as conn:  # the usual case: no write lock needed
                found = t.current_version(conn)
            if found == t.SCHEMA_VERSION:
                return found
        with self.tx() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            try:
                return t.migrate(conn, target)
            except RuntimeError as exc:
                raise StoreError(str(exc)) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """A write transaction (on SQLite it takes the write lock at once)."""
        with self._write_queue(), self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("immediate", None)

    @contextmanager
    def _write_queue(self) -> Iterator[None]:
        """On a SQLite file, wait for the writers before us in the kernel, not in sleeps.

        SQLite's busy handler polls: a writer that finds the database locked sleeps (up
        to 100 ms at a time) and may lose the race again and again, so with 30 trainee
        processes sending at once a few replies waited seconds. An exclusive ``flock``
        on a file beside the database is granted the moment the previous writer lets go;
        the kernel releases it when a process dies, even by SIGKILL. Writers that don't
        take it (another program, an older simulator) still queue on ``busy_timeout``.
        """
        if self._lock_path is None or fcntl is None:
            yield
            return
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    # ------------------------------------------------------------------ trainees
    def trainee(self, name: str, conn: Connection | None = None) -> int:
        """The id of a trainee by name (created on first use; names are case-insensitive)."""
        name = clean_text(name)
        if not name:
            raise StoreError("a trainee needs a name")
        if len(name) > MAX_NAME:
            raise StoreError(f"a name may be at most {MAX_NAME} characters")
        key = name.casefold()
        if conn is None:
            with self.tx() as c:
                return self.trainee(name, c)
        row = conn.execute(select(t.trainees.c.id).where(t.trainees.c.name_key == key)).first()
        if row:
            return int(row[0])
        try:
            with conn.begin_nested():
                res = conn.execute(
                    t.trainees.insert().values(name=name, name_key=key, created_at=now())
                )
                return int(res.inserted_primary_key[0])
        except IntegrityError:  # another process created it meanwhile
            row = conn.execute(select(t.trainees.c.id).where(t.trainees.c.name_key == key)).one()
            return int(row[0])

    # ------------------------------------------------------------------ workshops
    def create_workshop(
        self,
        name: str,
        scenarios: list[str],
        mode: str = "assessment",
        time_limit: float | None = None,
    ) -> Workshop:
        name = clean_text(name)
        if not name:
            raise StoreError("a workshop needs a name")
        if len(name) > MAX_WORKSHOP_NAME:
            raise StoreError(f"a workshop name may be at most {MAX_WORKSHOP_NAME} characters")
        ids = list(dict.fromkeys(s.strip() for s in scenarios if s.strip()))
        if not ids:
            raise StoreError("a workshop needs at least one scenario")
        if mode not in MODES:
            raise StoreError(f"unknown mode '{mode}' (use assessment or practice)")
        if time_limit is not None and not time_limit > 0:
            raise StoreError("the time limit must be a positive number of seconds")
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self.tx() as conn:
                    conn.execute(
                        t.workshops.insert().values(
                            code=code,
                            name=name,
                            scenarios=json.dumps(ids),
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
        canonical = valid_code(code)
        if canonical is None:
            raise StoreError(
                f"'{clean_text(code)[:20]}' is not a workshop code (six letters and digits, "
                "like K7QMPX)"
            )
        with self.engine.connect() as conn:
            row = conn.execute(select(t.workshops).where(t.workshops.c.code == canonical)).first()
        if row is None:
            raise StoreError(f"no workshop with code {canonical}")
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
            conn.execute(
                update(t.workshops)
                .where(and_(t.workshops.c.id == ws.id, t.workshops.c.closed_at.is_(None)))
                .values(closed_at=now())
            )
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
        """A new attempt; refused (StoreError) for a closed workshop or a foreign scenario."""
        with self.tx() as conn:
            workshop_id = None
            if workshop is not None:
                canonical = valid_code(workshop)
                row = (
                    conn.execute(
                        select(t.workshops).where(t.workshops.c.code == canonical)
                    ).first()
                    if canonical
                    else None
                )
                if row is None:
                    raise StoreError(f"no workshop with code '{clean_text(workshop)[:20]}'")
                ws = _workshop(row._mapping)
                if ws.closed:
                    raise StoreError(f"workshop {ws.code} is closed: it accepts no new attempts")
                if scenario_id not in ws.scenarios:
                    raise StoreError(f"scenario '{scenario_id}' is not part of workshop {ws.code}")
                workshop_id = ws.id
            trainee_id = self.trainee(trainee, conn)
            stamp = now()
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
                )
            )
            return int(res.inserted_primary_key[0])

    def add_turn(self, attempt_id: int, turn: dict[str, Any], transcript: str | None = None) -> int:
        """Write one turn (a ``Turn.to_dict()``) in its own transaction; returns its seq."""
        # Everything is prepared before the transaction, which only writes.
        row, phrases = _new_turn(attempt_id, turn)
        values: dict[str, Any] = {"turn_count": t.attempts.c.turn_count + 1}
        if transcript is not None:
            values["transcript"] = transcript
        with self.tx() as conn:
            stamp = now()
            # Lock the attempt first (PostgreSQL row lock; SQLite holds the write lock).
            res = conn.execute(
                update(t.attempts)
                .where(t.attempts.c.id == attempt_id)
                .values(**values, updated_at=stamp)
            )
            if res.rowcount != 1:
                raise StoreError(f"no attempt {attempt_id}")
            return self._insert_turn(conn, attempt_id, row, phrases, stamp)

    @staticmethod
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
            turn_id = int(ins.inserted_primary_key[0])
            conn.execute(
                t.turn_phrases.insert(),
                [{"turn_id": turn_id, "attempt_id": attempt_id, "phrase": p} for p in phrases],
            )
        return seq

    def find_attempt(self, trainee: str, scenario_id: str, transcript_path: str) -> int | None:
        """The trainee's latest attempt (outside workshops) written to this transcript."""
        paths = {transcript_path, str(Path(transcript_path).resolve())}
        q = (
            select(t.attempts.c.id)
            .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
            .where(
                and_(
                    t.trainees.c.name_key == clean_text(trainee).casefold(),
                    t.attempts.c.scenario_id == scenario_id,
                    t.attempts.c.workshop_id.is_(None),
                    t.attempts.c.transcript_path.in_(sorted(paths)),
                )
            )
            .order_by(t.attempts.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            found = conn.execute(q).scalar()
        return None if found is None else int(found)

    def resume_attempt(
        self, attempt_id: int, turns: list[dict[str, Any]], transcript: str | None = None
    ) -> int:
        """Continue an attempt left unfinished: open again, with exactly ``turns`` standing.

        ``turns`` is the whole conversation so far (``Turn.to_dict()`` each). The stored
        turns that match it (same turn number and reply, in order) stay as they are; a
        stored turn past the first difference is retracted (the transcript is the record:
        e.g. a retry the store never heard of), and the turns the store lacks (a crash
        between the transcript and the store) are added. One transaction. Returns the
        number of turns added.
        """
        prepared = [_new_turn(attempt_id, turn) for turn in turns]
        with self.tx() as conn:
            stamp = now()
            values: dict[str, Any] = {
                "outcome": None,
                "score": None,
                "finished_at": None,
                "updated_at": stamp,
                "turn_count": len(turns),
            }
            if transcript is not None:
                values["transcript"] = transcript
            res = conn.execute(
                update(t.attempts).where(t.attempts.c.id == attempt_id).values(**values)
            )
            if res.rowcount != 1:
                raise StoreError(f"no attempt {attempt_id}")
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
                self._insert_turn(conn, attempt_id, row, phrases, stamp)
        return len(prepared) - keep

    def retract_last_turn(self, attempt_id: int) -> None:
        """A practice retry: the last standing turn no longer counts (it is kept).

        Taking back the reply that ended a conversation re-opens the attempt.
        """
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
                .values(
                    turn_count=t.attempts.c.turn_count - 1,
                    updated_at=now(),
                    finished_at=None,
                    outcome=None,
                    score=None,
                )
            )

    def finish_attempt(
        self,
        attempt_id: int,
        outcome: str,
        score: int,
        debrief: dict[str, Any] | None = None,
        transcript: str | None = None,
    ) -> None:
        if outcome not in OUTCOMES:
            raise StoreError(f"unknown outcome '{outcome}' (use {', '.join(OUTCOMES)})")
        stamp = now()
        values: dict[str, Any] = {
            "outcome": outcome,
            "score": int(score),
            "finished_at": stamp,
            "updated_at": stamp,
        }
        if debrief is not None:
            values["debrief"] = json.dumps(debrief, ensure_ascii=False)
        if transcript is not None:
            values["transcript"] = transcript
        with self.tx() as conn:
            res = conn.execute(
                update(t.attempts).where(t.attempts.c.id == attempt_id).values(**values)
            )
            if res.rowcount != 1:
                raise StoreError(f"no attempt {attempt_id}")

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
        """Attempts with their trainee's name (and workshop code), oldest first.

        ``finished=True``: attempts whose conversation ended (kept, escalated, lost);
        ``False``: the others (still open, or left unfinished).
        """
        q = (
            select(
                t.attempts.c.id,
                t.attempts.c.scenario_id,
                t.attempts.c.scenario_version,
                t.attempts.c.language,
                t.attempts.c.mode,
                t.attempts.c.started_at,
                t.attempts.c.finished_at,
                t.attempts.c.updated_at,
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
            q = q.where(t.trainees.c.name_key == clean_text(trainee).casefold())
        if workshop is not None:
            q = q.where(t.workshops.c.code == (valid_code(workshop) or ""))
        if scenario is not None:
            q = q.where(t.attempts.c.scenario_id == scenario)
        if finished is True:
            q = q.where(t.attempts.c.outcome.in_(FINISHED_OUTCOMES))
        elif finished is False:
            q = q.where(
                (t.attempts.c.outcome.is_(None)) | (t.attempts.c.outcome.not_in(FINISHED_OUTCOMES))
            )
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(t.attempts.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def best_scores(self, trainee: str) -> dict[str, int]:
        """Personal best per scenario (finished attempts only: kept, escalated, lost)."""
        q = (
            select(t.attempts.c.scenario_id, func.max(t.attempts.c.score))
            .join(t.trainees, t.trainees.c.id == t.attempts.c.trainee_id)
            .where(
                and_(
                    t.trainees.c.name_key == clean_text(trainee).casefold(),
                    t.attempts.c.outcome.in_(FINISHED_OUTCOMES),
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

        Each row: rank, name, total, attempts, finished, per_scenario {id: best},
        outcomes {kept, escalated, lost, unfinished}, playing (an attempt open and written
        to in the last five minutes), last_active. Ties rank by fewer attempts, then name.
        One grouped query: the turns table is not read.
        """
        ws = self.workshop(code)
        a = t.attempts
        done = and_(a.c.outcome.in_(FINISHED_OUTCOMES), a.c.score.is_not(None))
        recent = (datetime.now(UTC) - ACTIVE_WINDOW).isoformat(timespec="milliseconds")

        def count_if(cond: Any) -> Any:
            return func.sum(case((cond, 1), else_=0))

        q = (
            select(
                t.trainees.c.id,
                t.trainees.c.name,
                a.c.scenario_id,
                func.count().label("attempts"),
                func.max(case((done, a.c.score))).label("best"),
                count_if(a.c.outcome == "kept").label("kept"),
                count_if(a.c.outcome == "escalated").label("escalated"),
                count_if(a.c.outcome == "lost").label("lost"),
                count_if(and_(a.c.finished_at.is_(None), a.c.updated_at >= recent)).label(
                    "playing"
                ),
                func.max(a.c.updated_at).label("last_active"),
            )
            .join(t.trainees, t.trainees.c.id == a.c.trainee_id)
            .where(a.c.workshop_id == ws.id)
            .group_by(t.trainees.c.id, t.trainees.c.name, a.c.scenario_id)
        )
        rows: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                row = rows.setdefault(
                    r.id,
                    {
                        "name": r.name,
                        "total": 0,
                        "attempts": 0,
                        "finished": 0,
                        "per_scenario": {},
                        "outcomes": {"kept": 0, "escalated": 0, "lost": 0, "unfinished": 0},
                        "playing": False,
                        "last_active": None,
                    },
                )
                n, kept, esc, lost = int(r.attempts), int(r.kept), int(r.escalated), int(r.lost)
                row["attempts"] += n
                row["finished"] += kept + esc + lost
                row["outcomes"]["kept"] += kept
                row["outcomes"]["escalated"] += esc
                row["outcomes"]["lost"] += lost
                row["outcomes"]["unfinished"] += n - kept - esc - lost
                row["playing"] = row["playing"] or int(r.playing) > 0
                if r.last_active and (row["last_active"] is None or r.last_active > row["last_active"]):
                    row["last_active"] = r.last_active
                if r.best is not None:
                    row["per_scenario"][r.scenario_id] = int(r.best)
        order = {sid: i for i, sid in enumerate(ws.scenarios)}
        for row in rows.values():
            row["per_scenario"] = dict(
                sorted(row["per_scenario"].items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
            )
            row["total"] = sum(row["per_scenario"].values())
        ranked = sorted(
            rows.values(), key=lambda r: (-r["total"], r["attempts"], r["name"].casefold())
        )
        for i, row in enumerate(ranked, start=1):
            row["rank"] = i
        return ranked

    # ------------------------------------------------------------------ reports
    def phrase_counts(self, code: str, limit: int = 10) -> list[dict[str, Any]]:
        """The workshop's most common last-word phrases: phrase, count, trainees."""
        ws = self.workshop(code)
        tp, tu, a = t.turn_phrases, t.turns, t.attempts
        count = func.count().label("count")
        q = (
            select(
                tp.c.phrase,
                count,
                func.count(func.distinct(a.c.trainee_id)).label("trainees"),
            )
            .join(tu, tu.c.id == tp.c.turn_id)
            .join(a, a.c.id == tp.c.attempt_id)
            .where(and_(a.c.workshop_id == ws.id, tu.c.retracted.is_(False)))
            .group_by(tp.c.phrase)
            .order_by(count.desc(), tp.c.phrase)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                {"phrase": p, "count": int(c), "trainees": int(n)} for p, c, n in conn.execute(q)
            ]

    def workshop_data(
        self,
        code: str,
        titles: dict[str, str] | None = None,
        *,
        turns: bool = True,
        quotes: int = 200,
    ) -> dict[str, Any]:
        """Everything an export of the workshop shows (``render_workshop``'s input).

        ``turns=False`` leaves each attempt's turns out and adds what the HTML and
        Markdown reports need of them instead, read with SQL: ``turn_count`` and
        ``quote_candidates`` (the ``quotes`` best and worst standing replies with their
        verdicts), so a report on a big workshop does not parse every verdict.
        """
        ws = self.workshop(code)
        a, tu = t.attempts, t.turns
        attempts: dict[int, dict[str, Any]] = {}
        standing = and_(a.c.workshop_id == ws.id, tu.c.retracted.is_(False))
        turn_cols = (
            tu.c.attempt_id, tu.c.seq, tu.c.turn, tu.c.node, tu.c.customer, tu.c.reply,
            tu.c.score, tu.c.verdict, tu.c.mood_after, tu.c.elapsed, tu.c.over_time,
            tu.c.created_at,
        )
        extra: dict[str, Any] = {}
        with self.engine.connect() as conn:
            q = (
                select(
                    a.c.id, a.c.scenario_id, a.c.scenario_version, a.c.language, a.c.mode,
                    a.c.started_at, a.c.finished_at, a.c.outcome, a.c.score, a.c.turn_count,
                    t.trainees.c.name.label("trainee"),
                )
                .join(t.trainees, t.trainees.c.id == a.c.trainee_id)
                .where(a.c.workshop_id == ws.id)
                .order_by(a.c.id)
            )
            for r in conn.execute(q):
                attempts[r.id] = {**r._mapping, **({"turns": []} if turns else {})}
            if turns:
                q2 = select(*turn_cols).join(a, a.c.id == tu.c.attempt_id).where(standing)
                for r in conn.execute(q2.order_by(tu.c.attempt_id, tu.c.seq)):
                    row = _turn_row(r)
                    attempts[row.pop("attempt_id")]["turns"].append(row)
            else:
                extra["turn_count"] = int(
                    conn.execute(
                        select(func.count()).select_from(tu.join(a)).where(standing)
                    ).scalar_one()
                )
                candidates: dict[tuple[int, int], dict[str, Any]] = {}
                for order in (tu.c.score.desc(), tu.c.score.asc()):
                    q3 = (
                        select(*turn_cols)
                        .join(a, a.c.id == tu.c.attempt_id)
                        .where(standing)
                        .order_by(order, tu.c.id)
                        .limit(quotes)
                    )
                    for r in conn.execute(q3):
                        row = _turn_row(r)
                        att = attempts[row["attempt_id"]]
                        row.update(trainee=att["trainee"], scenario_id=att["scenario_id"])
                        candidates[row["attempt_id"], row["seq"]] = row
                extra["quote_candidates"] = list(candidates.values())
        return {
            "workshop": ws.to_dict(),
            "generated_at": now(),
            "titles": dict(titles or {}),
            "leaderboard": self.leaderboard(code),
            "last_word_phrases": self.phrase_counts(code),
            "attempts": list(attempts.values()),
            **extra,
        }


def _turn_row(r: Any) -> dict[str, Any]:
    row = dict(r._mapping)
    row["verdict"] = json.loads(row["verdict"])
    row["over_time"] = bool(row["over_time"])
    return row


def _new_turn(attempt_id: int, turn: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
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
    phrases = list(dict.fromkeys(p[:200] for p in last_word_phrases(verdict)))
    return row, phrases


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
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: a committed turn survives a power cut too, not only a crash; the cost
        # (one fsync of the WAL per turn) is nothing at the pace people type.
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so concurrent writers wait their turn
        # (busy_timeout) rather than fail on a lock upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")
