"""Tables of the results store and the migrations that build them.

The schema is versioned in the ``meta`` table. Each migration is a function applied in
one transaction, in order, so an upgrade keeps old results. (Alembic would need an
environment and a migrations folder that every user's database carries along; a
handful of additive steps embedded in the app is simpler to ship and to test.)
"""

from __future__ import annotations

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

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

trainees = Table(
    "trainees",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False),
    Column("name_key", String(120), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
)

workshops = Table(
    "workshops",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("scenarios", Text, nullable=False),  # JSON list of scenario ids
    Column("mode", String(16), nullable=False),
    Column("time_limit", Float, nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("closed_at", String(40), nullable=True),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
    Column("workshop_id", Integer, ForeignKey("workshops.id", ondelete="CASCADE"), nullable=True),
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
)
Index("ix_attempts_workshop", attempts.c.workshop_id, attempts.c.trainee_id)
Index("ix_attempts_trainee", attempts.c.trainee_id, attempts.c.scenario_id)

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
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


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[trainees, workshops, attempts, turns])


# Append new steps here; never edit a released one.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("meta"):
        return 0
    row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 0


def migrate(conn: Connection) -> int:
    """Bring the schema to the latest version; returns the version found before."""
    metadata.create_all(conn, tables=[meta])
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise RuntimeError(
            f"this results database has schema version {found}, newer than this simulator "
            f"understands ({SCHEMA_VERSION}); upgrade the simulator"
        )
    for version in range(found, SCHEMA_VERSION):
        MIGRATIONS[version](conn)
        if version == 0 and found == 0:
            conn.execute(meta.insert().values(key="schema_version", value=str(version + 1)))
        else:
            conn.execute(
                meta.update().where(meta.c.key == "schema_version").values(value=str(version + 1))
            )
    return found
