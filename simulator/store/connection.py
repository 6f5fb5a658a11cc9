"""Opening the results database: URL, engine, dialect set-up, write transactions.

SQLite (a file in the user's data folder, WAL, foreign keys on) by default; any
SQLAlchemy URL otherwise, PostgreSQL through psycopg 3 being the one supported for a
shared server.

Concurrency: many trainee processes write to one database at once. On SQLite each write
transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock up front and waits
``busy_timeout`` for it, instead of failing on a lock upgrade), after a ``flock`` queue
beside the file; on PostgreSQL a turn's transaction locks its attempt row first (see
``writes.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

try:  # POSIX: a fair queue for SQLite writers (see Database._write_queue)
    import fcntl
except ImportError:  # pragma: no cover - Windows: busy_timeout alone
    fcntl = None  # type: ignore[assignment]

from simulator.paths import default_db_url
from simulator.store import schema as t
from simulator.store.validate import StoreError


def normalise_url(url: str | None) -> str:
    """``url``, or $SIMULATOR_DATABASE_URL, or the SQLite file in the data folder; a
    plain ``postgresql://`` URL goes through psycopg 3."""
    url = url or default_db_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """An open results database: its engine, its write transactions, its schema version.

    A context manager: ``with Store.open(url) as store:`` closes it at the end.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url
        db = engine.url.database if engine.dialect.name == "sqlite" else None
        self._lock_path: str | None = (
            f"{db}-writelock" if db and db != ":memory:" and not db.startswith("file:") else None
        )

    @classmethod
    def open(cls, url: str | None = None) -> Self:
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
    def dialect(self) -> str:
        return self.engine.dialect.name

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
            if self.dialect == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
            try:
                return t.migrate(conn, target)
            except RuntimeError as exc:
                raise StoreError(str(exc)) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries."""
        with self.engine.connect() as conn:
            yield conn

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
