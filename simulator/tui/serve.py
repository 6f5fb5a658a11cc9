"""Serve the app to browsers with textual-serve (`simulator serve`).

textual-serve runs ``command`` through a shell once per browser connection, each in its
own process with the web driver; the command line (``simulator.cli.serve.cmd_serve``)
builds that command from validated, shell-quoted parts and asks the entry point
(:mod:`simulator.tui.launch`) to open this "screen".

Who may play:
- Served beyond this computer, every request needs the passcode that ``serve`` prints
  (in the link it prints, then in a cookie): anyone else gets a page that asks for it
  (:mod:`simulator.web.shared`, which ``serve --chat`` uses too).
- A name (case-insensitive) plays in one browser at a time. Each browser's process holds
  a lock on its name in a folder of this server's (``claim_name``); the lock goes with
  the process, when the browser leaves. The server watches that folder and prints who
  joined and who left. On PostgreSQL the process also claims the name in the database
  (``simulator.store.claims``), so that a name plays once across every host serving the
  workshop from that database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.store.claims import NameClaim
    from simulator.store.store import Store

from simulator.web.shared import COOKIE, changes

__all__ = ["COOKIE", "changes", "claim_name", "playing", "release_name", "serve"]

CLAIMS_ENV = "SIMULATOR_SERVE_CLAIMS"

# The lock this process holds on its trainee's name (one per process: one browser).
_held: tuple[str, int] | None = None
# ... and its claim in the database (PostgreSQL: across every host of the workshop).
_claimed: NameClaim | None = None


def _key(name: str) -> str:
    from simulator.profile import clean_name

    return hashlib.sha256(clean_name(name).casefold().encode("utf-8")).hexdigest()[:32]


def claim_name(
    name: str, folder: str | None = None, *, store: Store | None = None,
    workshop: str | None = None,
) -> bool:
    """Take ``name`` for this process: False when another process (browser) holds it.

    With ``store`` and ``workshop``, the name is claimed in the database too (on
    PostgreSQL it holds across every host serving the workshop; see
    ``simulator.store.claims``). Outside ``serve`` (no claims folder), every name is free.
    """
    global _held
    folder = folder or os.environ.get(CLAIMS_ENV)
    if not folder:
        return True
    key = _key(name)
    if _held is not None:
        if _held[0] == key:
            return True
        release_name()
    path = Path(folder) / f"{key}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    if store is not None and workshop and not _claim_in(store, workshop, name):
        os.close(fd)
        return False
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps({"name": name, "pid": os.getpid()}).encode("utf-8"))
    _held = (key, fd)
    return True


def _claim_in(store: Store, workshop: str, name: str) -> bool:
    """Claim the name in the database; False when another process (any host) holds it."""
    global _claimed
    try:
        got = store.claim_name(workshop, name)
    except Exception:  # the store is failing: the app says so where it records
        return True
    if got is None:
        return False
    _claimed = got
    return True


def release_name() -> None:
    global _held, _claimed
    if _claimed is not None:
        _claimed.release()
        _claimed = None
    if _held is not None:
        with contextlib.suppress(OSError):
            os.close(_held[1])  # (closing the file releases its lock)
        _held = None


def playing(folder: str | Path) -> list[str]:
    """The names held now, by any process (the facilitator's view)."""
    names: list[str] = []
    for path in sorted(Path(folder).glob("*.lock")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:  # held: someone plays under this name
                try:
                    names.append(str(json.loads(path.read_text(encoding="utf-8"))["name"]))
                except (OSError, ValueError, KeyError):
                    continue
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    return sorted(names, key=str.casefold)


def serve(
    args: argparse.Namespace,
    *,
    command: str,
    host: str,
    port: int,
    title: str,
    public_url: str,
    passcode: str | None = None,
    pool_argv: list[str] | None = None,
) -> int:
    """Serve until Ctrl+C (or SIGTERM); returns the exit code.

    With ``pool_argv`` (the app's ``simulator`` arguments), a warm process forks each
    browser's app (``simulator.tui.pool``); ``command`` starts it cold when the pool is
    not ready.
    """
    from aiohttp import web
    from textual_serve.server import Server

    from simulator.web.shared import passcode_middleware

    folder = tempfile.mkdtemp(prefix="simulator-serve-")
    os.environ[CLAIMS_ENV] = folder  # (each browser's process inherits it)
    pool: subprocess.Popen[bytes] | None = None
    if pool_argv is not None:
        from simulator.tui.pool import launcher_command

        sock = str(Path(folder) / "pool.sock")
        pool = subprocess.Popen([sys.executable, "-m", "simulator.tui.pool", sock, *pool_argv],
                                stdin=subprocess.DEVNULL)
        command = shlex.join(launcher_command(sock, shlex.split(command)))

    class _Server(Server):  # type: ignore[misc]
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            if passcode is not None:
                app.middlewares.append(passcode_middleware(passcode, title))
            app.on_startup.append(_watch)
            return app

    async def _watch(app: web.Application) -> None:
        async def loop() -> None:
            before: list[str] = []
            while True:
                await asyncio.sleep(1.0)
                now = await asyncio.to_thread(playing, folder)
                for line in changes(before, now):
                    print(line, flush=True)
                before = now

        app["simulator_watch"] = asyncio.get_running_loop().create_task(loop())

    try:
        _Server(command, host=host, port=port, title=title, public_url=public_url).serve()
    finally:
        if pool is not None:
            pool.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                pool.wait(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)
    return 0
