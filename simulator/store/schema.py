"""Tables of the results store and the migrations that build them.

The schema is versioned in the ``meta`` table (key ``schema_version``). Each migration is
a function applied in one transaction, in order, so an upgrade keeps old results and a
failed upgrade leaves the database as it was. (Alembic would need an environment and a
migrations folder that every user's database carries along; a handful of additive steps
embedded in the app is simpler to ship and to test.)

Rules for a new version:

- ``_trainees``, ``_workshops``, ``_attempts_v1_columns`` and ``_turns`` are version 1's
  definitions, shared by the live tables and the frozen v1 step: change a live table by
  adding columns after them (as ``attempts.updated_at`` does), never by editing them;

- append a step to ``MIGRATIONS``; never edit a released one. Each step creates what it
  needs from its *own* frozen table definitions (``_v1_tables`` for version 1), never
  from the live ``metadata`` below, which always describes the newest version;
- add the new columns, tables and indexes to the live ``metadata`` as well (tests check
  that a database migrated step by step matches a freshly created one);
- backfill new columns from old rows in the same step.

Versions:

1. trainees, workshops, attempts, turns.
2. ``attempts.updated_at`` (the live leaderboard shows who is playing now) with an
   index for it; ``turn_phrases``: the normalised last-word phrases of each turn, so
   the export counts the team's most common ones in SQL; both backfilled.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)

# ---------------------------------------------------------------------------- live schema

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def _trainees(md: MetaData) -> Table:
    return Table(
        "trainees",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", String(120), nullable=False),
        Column("name_key", String(120), nullable=False, unique=True),
        Column("created_at", String(40), nullable=False),
    )


def _workshops(md: MetaData) -> Table:
    return Table(
        "workshops",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("code", String(16), nullable=False, unique=True),
        Column("name", String(200), nullable=False),
        Column("scenarios", Text, nullable=False),  # JSON list of scenario ids
        Column("mode", String(16), nullable=False),
        Column("time_limit", Float, nullable=True),
        Column("created_at", String(40), nullable=False),
        Column("closed_at", String(40), nullable=True),
    )


def _attempts_v1_columns() -> list[Column]:  # type: ignore[type-arg]
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(
            "trainee_id", Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False
        ),
        Column(
            "workshop_id", Integer, ForeignKey("workshops.id", ondelete="CASCADE"), nullable=True
        ),
        Column("scenario_id", String(80), nullable=False),
        Column("scenario_version", String(40), nullable=False),
        Column("language", String(8), nullable=False),
        Column("mode", String(16), nullable=False),
        Column("seed", String(64), nullable=False),
        Column("started_at", String(40), nullable=False),
        Column("finished_at", String(40), nullable=True),
        Column("outcome", String(16), nullable=True),  # kept, lost, escalated, unfinished
        Column("score", Integer, nullable=True),
        Column("turn_count", Integer, nullable=False, server_default="0"),
        Column("debrief", Text, nullable=True),  # JSON
        Column("transcript", Text, nullable=False, server_default=""),  # JSON Lines
        Column("transcript_path", Text, nullable=True),
    ]


def _turns(md: MetaData) -> Table:
    return Table(
        "turns",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(
            "attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False
        ),
        Column("seq", Integer, nullable=False),  # order of writing, retried replies included
        Column("turn", Integer, nullable=False),  # the turn number the reply answered
        Column("node", String(80), nullable=False),
        Column("customer", Text, nullable=False),
        Column("reply", Text, nullable=False),
        Column("score", Integer, nullable=False),
        Column("verdict", Text, nullable=False),  # JSON
        Column("mood_after", Integer, nullable=False),
        Column("elapsed", Float, nullable=True),
        Column("over_time", Boolean, nullable=False, server_default=text("false")),
        Column("retracted", Boolean, nullable=False, server_default=text("false")),
        Column("created_at", String(40), nullable=False),
        UniqueConstraint("attempt_id", "seq", name="uq_turns_attempt_seq"),
    )


trainees = _trainees(metadata)
workshops = _workshops(metadata)
attempts = Table(
    "attempts",
    metadata,
    *_attempts_v1_columns(),
    Column("updated_at", String(40), nullable=True),  # v2: last write to the attempt
)
Index("ix_attempts_workshop", attempts.c.workshop_id, attempts.c.trainee_id)
Index("ix_attempts_trainee", attempts.c.trainee_id, attempts.c.scenario_id)
Index("ix_attempts_updated", attempts.c.workshop_id, attempts.c.updated_at)  # v2
turns = _turns(metadata)

# v2: the normalised last-word phrases of each turn (one row per distinct phrase).
turn_phrases = Table(
    "turn_phrases",
    metadata,
    Column("turn_id", Integer, ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True),
    Column("phrase", String(200), primary_key=True),
    Column(
        "attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False
    ),
)
Index("ix_turn_phrases_attempt", turn_phrases.c.attempt_id)


# ---------------------------------------------------------------------------- migrations


def _v1_tables() -> list[Table]:
    """The tables exactly as version 1 created them (frozen: never edit)."""
    return _v1_tables_in(MetaData())


def _v1_tables_in(md: MetaData) -> list[Table]:
    tr = _trainees(md)
    ws = _workshops(md)
    at = Table("attempts", md, *_attempts_v1_columns())
    Index("ix_attempts_workshop", at.c.workshop_id, at.c.trainee_id)
    Index("ix_attempts_trainee", at.c.trainee_id, at.c.scenario_id)
    tu = _turns(md)
    return [tr, ws, at, tu]


def _v1(conn: Connection) -> None:
    for table in _v1_tables():
        table.create(conn)


def _v2_tables() -> list[Table]:
    """What version 2 adds, frozen (the v1 tables are there for the foreign keys)."""
    md = MetaData()
    _v1_tables_in(md)
    tp = Table(
        "turn_phrases",
        md,
        Column("turn_id", Integer, ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True),
        Column("phrase", String(200), primary_key=True),
        Column(
            "attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False
        ),
    )
    Index("ix_turn_phrases_attempt", tp.c.attempt_id)
    return [tp]


def _v2(conn: Connection) -> None:
    from simulator.report.exports import last_word_phrases

    conn.exec_driver_sql("ALTER TABLE attempts ADD COLUMN updated_at VARCHAR(40)")
    conn.exec_driver_sql("UPDATE attempts SET updated_at = COALESCE(finished_at, started_at)")
    conn.exec_driver_sql("CREATE INDEX ix_attempts_updated ON attempts (workshop_id, updated_at)")
    (tp,) = _v2_tables()
    tp.create(conn)
    # Backfill: only turns whose verdict mentions the category are parsed.
    rows = conn.execute(
        text("SELECT id, attempt_id, verdict FROM turns WHERE verdict LIKE :pattern"),
        {"pattern": "%last_word%"},
    )
    batch: list[dict[str, object]] = []
    for tid, aid, verdict in rows.all():
        try:
            parsed = json.loads(verdict)
        except ValueError:
            continue
        batch.extend(
            {"turn_id": tid, "attempt_id": aid, "phrase": p[:200]}
            for p in last_word_phrases(parsed)
        )
        if len(batch) >= 1000:
            conn.execute(tp.insert(), batch)
            batch = []
    if batch:
        conn.execute(tp.insert(), batch)


# Append new steps here; never edit a released one.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("meta"):
        return 0
    row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 0


def migrate(conn: Connection, target: int | None = None) -> int:
    """Bring the schema to ``target`` (default: the latest); returns the version found.

    Runs inside the caller's transaction, so the whole upgrade commits or none of it.
    """
    target = SCHEMA_VERSION if target is None else target
    metadata.create_all(conn, tables=[meta])
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise RuntimeError(
            f"this results database has schema version {found}, newer than this simulator "
            f"understands ({SCHEMA_VERSION}); upgrade the simulator"
        )
    for version in range(found, target):
        MIGRATIONS[version](conn)
        if version == 0:
            conn.execute(meta.insert().values(key="schema_version", value="1"))
        else:
            conn.execute(
                meta.update().where(meta.c.key == "schema_version").values(value=str(version + 1))
            )
    return found
