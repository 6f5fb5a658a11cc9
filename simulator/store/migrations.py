"""The migrations of the results store: each version's step, frozen as it was released.

Each step runs in one transaction (``schema.migrate`` applies them in order) and creates
what it needs from its *own* table definitions, never from the live ``schema.metadata``,
which always describes the newest version; nor does it call live code (version 2's
phrase keys are a frozen copy below). Never edit a released step: append one to
``MIGRATIONS`` (``schema.py`` says what else a new version needs).

Versions:

1. trainees, workshops, attempts, turns.
2. ``attempts.updated_at`` (the live leaderboard shows who is playing now) with an
   index for it; ``turn_phrases``: the normalised last-word phrases of each turn, so
   the export counts the team's most common ones in SQL; both backfilled.
3. ``overrides``: a trainer's review of a reply (labels set right, rules marked
   misfired, a note), one row per review, the latest standing; the recorded verdict
   is never changed.
4. Assessment: ``attempts.difficulty``, ``pass_mark``, ``passed`` and ``level``;
   ``workshops.pass_mark`` (a workshop's own pass mark, else each scenario's);
   ``certificates``: the verification codes issued, each for a trainee's passed
   attempts in a workshop. Finished attempts are backfilled as judged by the default
   pass mark of 70 (no scenario had another before).
5. ``workshops.disabled_rules`` and ``workshops.rule_weights``: a workshop's own rule
   settings (JSON: a list of rule ids left out, an object of rule id to weight), applied
   to every verdict of its attempts. Older workshops have none (NULL).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

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
    text,
)

# ---------------------------------------------------------------------------- version 1
# Version 1's definitions, shared by the live tables (schema.py) and the frozen v1 step:
# change a live table by adding columns after them, never by editing them.


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


def v1_tables() -> list[Table]:
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
    for table in v1_tables():
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
            for p in _v2_last_word_phrases(parsed)
        )
        if len(batch) >= 1000:
            conn.execute(tp.insert(), batch)
            batch = []
    if batch:
        conn.execute(tp.insert(), batch)


# Version 2's last-word phrase keys, frozen as released: the backfill must give old turns
# the keys that version wrote for new ones, whatever the live scorer does later
# (simulator.scoring.verdict.last_word_phrases is the live one). Never edit.
_V2_FOLD = {
    **dict.fromkeys(map(ord, "’‘‛′`´ʼ＇"), "'"),
    **dict.fromkeys(map(ord, "“”„‟″«»＂"), '"'),
    **dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-"),
    **dict.fromkeys(
        map(
            ord,
            "\t\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
            "\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
        ),
        " ",
    ),
    **dict.fromkeys(map(ord, "\r\u2028\u2029\x85"), "\n"),
    **dict.fromkeys(
        map(
            ord,
            "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c"
            "\u202a\u202b\u202c\u202d\u202e",
        ),
        None,
    ),
}
_V2_PHRASE_ENDS = " \t\n.,;:!?¡¿\"'()[]«»…"


_V2_DROPPED = frozenset(k for k, v in _V2_FOLD.items() if v is None)
_V2_MAPPED = frozenset(k for k, v in _V2_FOLD.items() if v is not None)


def _v2_fold(text: str) -> str:
    """Version 2's folding: the table above, NFKC and case folding. A text whose
    characters each fold to one (none dropped, the table applied first, the result NFKC)
    folds in one go; any other, base character by base character (with its combining
    marks), NFKC first, repeated until nothing changes."""
    nfkc = unicodedata.is_normalized
    if not any(ord(c) in _V2_DROPPED for c in text):
        mapped = text.translate(_V2_FOLD)
        if nfkc("NFKC", mapped):
            folded = mapped.casefold()
            if (
                len(folded) == len(text)
                and nfkc("NFKC", folded)
                and not any(ord(c) in _V2_MAPPED for c in folded)
            ):
                return folded
    current = text
    for _ in range(6):
        pieces, start = [], 0
        for i in range(1, len(current) + 1):
            if i == len(current) or not unicodedata.combining(current[i]):
                chunk = current[start:i]
                folded = unicodedata.normalize("NFKC", chunk).casefold()
                pieces.append(unicodedata.normalize("NFKC", folded).translate(_V2_FOLD))
                start = i
        result = "".join(pieces)
        if result == current:
            break
        current = result
    return current


def _v2_last_word_phrases(verdict: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for hit in verdict.get("hits") or []:
        if hit.get("category") != "last_word":
            continue
        for span in hit.get("spans") or []:
            key = " ".join(_v2_fold(str(span.get("text", ""))).split()).strip(_V2_PHRASE_ENDS)
            if key and key not in seen:
                seen.append(key)
    return seen


def _v3_tables() -> list[Table]:
    """What version 3 adds, frozen (the v1 tables are there for the foreign keys)."""
    md = MetaData()
    _v1_tables_in(md)
    ov = Table(
        "overrides",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("turn_id", Integer, ForeignKey("turns.id", ondelete="CASCADE"), nullable=False),
        Column(
            "attempt_id", Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False
        ),
        Column("labels", Text, nullable=False),  # JSON {label: bool}, the labels set right
        Column("misfired", Text, nullable=False),  # JSON list of rule ids
        Column("note", Text, nullable=False, server_default=""),
        Column("reviewer", String(120), nullable=True),
        Column("created_at", String(40), nullable=False),
    )
    Index("ix_overrides_turn", ov.c.turn_id)
    Index("ix_overrides_attempt", ov.c.attempt_id)
    return [ov]


def _v3(conn: Connection) -> None:
    (ov,) = _v3_tables()
    ov.create(conn)


def _v4_tables() -> list[Table]:
    """What version 4 adds, frozen (the v1 tables are there for the foreign keys)."""
    md = MetaData()
    _v1_tables_in(md)
    certificates = Table(
        "certificates",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("code", String(20), nullable=False, unique=True),
        Column(
            "workshop_id", Integer, ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False
        ),
        Column(
            "trainee_id", Integer, ForeignKey("trainees.id", ondelete="CASCADE"), nullable=False
        ),
        Column("attempts", Text, nullable=False),  # JSON list of attempt ids
        Column("issued_at", String(40), nullable=False),
    )
    Index("ix_certificates_trainee", certificates.c.workshop_id, certificates.c.trainee_id)
    return [certificates]


def _v4(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE attempts ADD COLUMN difficulty VARCHAR(16)")
    conn.exec_driver_sql("ALTER TABLE attempts ADD COLUMN pass_mark INTEGER")
    conn.exec_driver_sql("ALTER TABLE attempts ADD COLUMN passed BOOLEAN")
    conn.exec_driver_sql("ALTER TABLE attempts ADD COLUMN level VARCHAR(40)")
    conn.exec_driver_sql("ALTER TABLE workshops ADD COLUMN pass_mark INTEGER")
    conn.exec_driver_sql(
        "UPDATE attempts SET pass_mark = 70, passed = CASE WHEN score >= 70 THEN TRUE "
        "ELSE FALSE END WHERE outcome IN ('kept', 'escalated', 'lost') AND score IS NOT NULL"
    )
    (certificates,) = _v4_tables()
    certificates.create(conn)


def _v5(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE workshops ADD COLUMN disabled_rules TEXT")
    conn.exec_driver_sql("ALTER TABLE workshops ADD COLUMN rule_weights TEXT")


# Append new steps here; never edit a released one.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)
