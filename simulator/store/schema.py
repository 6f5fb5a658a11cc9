"""Tables of the results store (the newest version) and the upgrade of a database to it.

The schema is versioned in the ``meta`` table (key ``schema_version``); the steps are in
``migrations.py``, each applied in one transaction, in order, so an upgrade keeps old
results and a failed upgrade leaves the database as it was. (Alembic would need an
environment and a migrations folder that every user's database carries along; a handful
of additive steps embedded in the app is simpler to ship and to test.)

Rules for a new version:

- the version 1 definitions in ``migrations.py`` are shared by the live tables here:
  change a live table by adding columns after them (as ``attempts.updated_at`` does),
  never by editing them;
- append a step to ``migrations.MIGRATIONS``; never edit a released one;
- add the new columns, tables and indexes to the live ``metadata`` below as well (tests
  check that a database migrated step by step matches a freshly created one);
- backfill new columns from old rows in the same step.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)

from simulator.store.migrations import (
    MIGRATIONS,
    SCHEMA_VERSION,
    _attempts_v1_columns,
    _trainees,
    _turns,
    _workshops,
)

__all__ = ["SCHEMA_VERSION", "current_version", "metadata", "migrate"]

# ---------------------------------------------------------------------------- live schema

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


trainees = _trainees(metadata)
workshops = _workshops(metadata)
workshops.append_column(Column("pass_mark", Integer, nullable=True))  # v4: its own pass mark
workshops.append_column(Column("disabled_rules", Text, nullable=True))  # v5: JSON list of ids
workshops.append_column(Column("rule_weights", Text, nullable=True))  # v5: JSON {id: weight}
attempts = Table(
    "attempts",
    metadata,
    *_attempts_v1_columns(),
    Column("updated_at", String(40), nullable=True),  # v2: last write to the attempt
    Column("difficulty", String(16), nullable=True),  # v4: the level played
    Column("pass_mark", Integer, nullable=True),  # v4: the mark it was judged by
    Column("passed", Boolean, nullable=True),  # v4: None until it is finished
    Column("level", String(40), nullable=True),  # v4: the level its score reached
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

# v3: a trainer's reviews of replies; the latest row of a turn stands.
overrides = Table(
    "overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("turn_id", Integer, ForeignKey("turns.id", ondelete="CASCADE"), nullable=False),
    Column(
        "attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False
    ),
    Column("labels", Text, nullable=False),  # JSON {label: bool}
    Column("misfired", Text, nullable=False),  # JSON list of rule ids
    Column("note", Text, nullable=False, server_default=""),
    Column("reviewer", String(120), nullable=True),
    Column("created_at", String(40), nullable=False),
)
Index("ix_overrides_turn", overrides.c.turn_id)
Index("ix_overrides_attempt", overrides.c.attempt_id)
# v4: the certificates issued, each for a trainee's passed attempts in a workshop.
certificates = Table(
    "certificates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("workshop_id", Integer, ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
    Column("trainee_id", Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False),
    Column("attempts", Text, nullable=False),  # JSON list of attempt ids
    Column("issued_at", String(40), nullable=False),
)
Index("ix_certificates_trainee", certificates.c.workshop_id, certificates.c.trainee_id)


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
