"""A trainee name held for one workshop by one process: one browser per name, on any host.

Several ``simulator serve`` hosts can serve one workshop from one PostgreSQL database;
a name (case-insensitive, as the store keys trainees) may play in one browser at a time
across all of them. The claim is a PostgreSQL session advisory lock on a key derived
from the workshop's code and the name's key, taken with ``pg_try_advisory_lock`` on a
connection the claim keeps open: taking it is atomic in the database (two hosts asking
at the same moment cannot both get it), and the database lets it go when the claim is
released or when its connection ends, which it does when the process dies, even by
SIGKILL. No table is written, so nothing is left behind to clean up.

On SQLite (one machine) the database holds no claim: ``serve``'s own lock folder does
the job there (``simulator.tui.serve``).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading

from sqlalchemy import Connection, text

from simulator.store.connection import Database
from simulator.store.validate import name_key

_NAMESPACE = b"simulator-name-claim\0"


def lock_key(code: str, name: str) -> int:
    """The advisory lock's key (a signed 64-bit integer) for ``name`` in workshop ``code``."""
    digest = hashlib.sha256(_NAMESPACE + f"{code.upper()}\0{name_key(name)}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class NameClaim:
    """A name held in the database until :meth:`release` (or until this process ends)."""

    def __init__(self, conn: Connection | None, key: int) -> None:
        self._conn = conn
        self.key = key

    @property
    def held(self) -> bool:
        return self._conn is not None

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            # Closing the database connection itself (not handing it back to the pool)
            # ends its session, and the lock with it.
            conn.invalidate()
            conn.close()


def claim(db: Database, code: str, name: str) -> NameClaim | None:
    """Hold ``name`` in workshop ``code`` for this process; None when another process
    (on this host or another) holds it. On SQLite, a claim that holds nothing."""
    key = lock_key(code, name)
    if db.dialect != "postgresql":
        return NameClaim(None, key)
    conn = db.engine.connect()
    try:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # (a session lock outlives the transaction; nothing stays open)
    except Exception:
        conn.close()
        raise
    if not got:
        conn.close()
        return None
    return NameClaim(conn, key)


class ClaimSet:
    """Many names held by one process on one connection (``simulator serve --chat``,
    whose one process serves every browser of its host).

    A session advisory lock per name, all on one PostgreSQL connection that the set
    keeps: a host holds one connection however many trainees it serves (a connection
    per claim would take one per trainee, past the pool and the server's limit). The
    caller keeps a name once in the process (PostgreSQL would grant a lock its own
    session already holds again); the database keeps it once across hosts. The locks go
    when :meth:`release` lets each go, or all at once when the connection ends (the
    process dies, even by SIGKILL). On SQLite nothing is held in the database. Safe to
    use from several threads.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Connection | None = None
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def take(self, code: str, name: str) -> bool:
        """Hold ``name`` in workshop ``code``; False when another process holds it."""
        key = lock_key(code, name)
        if self._db.dialect != "postgresql":
            return True
        with self._lock:
            if key in self._held:
                return True
            got = bool(self._execute("SELECT pg_try_advisory_lock(:k)", key))
            if got:
                self._held.add(key)
            return got

    def release(self, code: str, name: str) -> None:
        key = lock_key(code, name)
        with self._lock:
            if key not in self._held:
                return
            self._held.discard(key)
            with contextlib.suppress(Exception):
                self._execute("SELECT pg_advisory_unlock(:k)", key)

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            self._held.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()  # its session ends, and every lock with it
                conn.close()

    def _execute(self, sql: str, key: int) -> object:
        if self._conn is None:
            self._conn = self._db.engine.connect()
        try:
            value = self._conn.execute(text(sql), {"k": key}).scalar()
            self._conn.commit()
        except Exception:
            # A lost connection lost its locks too: start afresh next time.
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                conn.invalidate()
                conn.close()
            self._held.clear()
            raise
        return value
