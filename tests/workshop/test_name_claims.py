"""One name, one browser, across every host serving a workshop from one PostgreSQL database
(simulator.store.claims); and the warm pool that forks each browser's app
(simulator.tui.pool)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workshop_helpers import ROOT, subprocess_env

from simulator.store import Store


@pytest.mark.postgres
def test_a_name_is_claimed_once_in_the_database_until_let_go(pg_url: str) -> None:
    first, second = Store.open(pg_url), Store.open(pg_url)  # (two hosts)
    try:
        code = first.create_workshop("Rooms", ["hotel-ac-en"]).code
        other = first.create_workshop("Other rooms", ["hotel-ac-en"]).code
        ann = first.claim_name(code, "Ann Lee")
        assert ann is not None and ann.held
        assert second.claim_name(code, "  ann   LEE ") is None  # case and spaces do not matter
        bob = second.claim_name(code, "Bob")
        assert bob is not None
        elsewhere = second.claim_name(other, "Ann Lee")  # another workshop: another name
        assert elsewhere is not None
        ann.release()
        again = second.claim_name(code, "Ann Lee")  # let go: free for the other host
        assert again is not None
        for c in (bob, elsewhere, again):
            c.release()
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_a_claim_ends_with_its_process(pg_url: str) -> None:
    with Store.open(pg_url) as store:
        code = store.create_workshop("Rooms", ["hotel-ac-en"]).code
    hold = (
        "import sys; from simulator.store import Store; "
        "s = Store.open(sys.argv[1]); c = s.claim_name(sys.argv[2], 'Ann Lee'); "
        "print(c is not None, flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", hold, pg_url, code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "True"
        with Store.open(pg_url) as store:
            assert store.claim_name(code, "ann lee") is None
            proc.kill()  # (a host that crashed: nothing let the name go)
            proc.wait(timeout=10)
            deadline = time.monotonic() + 10
            while (claim := store.claim_name(code, "ann lee")) is None:
                assert time.monotonic() < deadline, "the dead process's claim stayed"
                time.sleep(0.1)
            claim.release()
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_sqlite_claims_nothing_in_the_database(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Rooms", ["hotel-ac-en"]).code
        a, b = store.claim_name(code, "Ann"), store.claim_name(code, "Ann")
        # one machine: serve's own lock folder keeps one browser per name
        assert a is not None and b is not None and not a.held


# ---------------------------------------------------------------------------- warm pool


def _packet(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def test_a_browser_app_is_forked_warm_from_the_pool(sqlite_url: str, tmp_path: Path) -> None:
    from simulator.tui.pool import READY, TEXTUAL_ENV, launcher_command

    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Rooms", ["hotel-ac-en"], mode="practice").code
    env = {**subprocess_env(sqlite_url, str(tmp_path / "home")), "COLUMNS": "100", "ROWS": "30"}
    sock = str(tmp_path / "pool.sock")
    argv = ["play", "--workshop", code]
    pool = subprocess.Popen(
        [sys.executable, "-m", "simulator.tui.pool", sock, *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert pool.stdout is not None
        line = pool.stdout.readline()
        assert READY in line, line
        # textual-serve runs the launcher with pipes, and the web driver's environment
        app = subprocess.Popen(
            launcher_command(sock, [sys.executable, "-c", "print('started cold')"]),
            env={**env, **TEXTUAL_ENV},
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert app.stdin is not None and app.stdout is not None
        assert app.stdout.readline() == b"__GANGLION__\n"  # the app's web driver, warm
        children = Path(f"/proc/{pool.pid}/task/{pool.pid}/children").read_text().split()
        assert len(children) == 1  # forked by the pool, not started cold by the launcher
        app.stdin.write(_packet(b"M", json.dumps({"type": "quit"}).encode()))
        app.stdin.flush()
        assert app.wait(timeout=60) == 0  # the launcher ends with its child, as it did
        app.stdout.close()
        app.stderr.close()  # type: ignore[union-attr]
    finally:
        pool.kill()
        pool.wait(timeout=10)


def test_without_a_pool_the_launcher_starts_the_app_cold(tmp_path: Path) -> None:
    from simulator.tui.pool import launcher_command

    cmd = launcher_command(str(tmp_path / "none.sock"), [sys.executable, "-c", "print('cold')"])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=dict(os.environ))
    assert out.returncode == 0 and out.stdout == "cold\n"
