"""Who may play in a served workshop: the passcode beyond this computer, one browser per
name, and the facilitator's view of who joined (simulator.tui.serve)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import SNAP, settle, type_text

ROOT = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys; from simulator.tui.serve import claim_name; "
    "print(claim_name(sys.argv[1], sys.argv[2]), flush=True); sys.stdin.read()"
)


def _hold(name: str, folder: Path) -> subprocess.Popen[str]:
    """Another browser's process: it holds ``name`` until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, name, str(folder)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "True"
    return proc


def _let_go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


def test_a_name_plays_in_one_process_at_a_time(tmp_path: Path) -> None:
    from simulator.tui import serve

    other = _hold("Ann Lee", tmp_path)
    try:
        assert serve.playing(tmp_path) == ["Ann Lee"]
        assert not serve.claim_name("ann lee", str(tmp_path))  # case does not matter
        assert not serve.claim_name("  ANN   LEE ", str(tmp_path))
        assert serve.claim_name("Bob", str(tmp_path))
        assert serve.playing(tmp_path) == ["Ann Lee", "Bob"]
    finally:
        _let_go(other)
    # the other browser left: its process and its lock are gone
    assert serve.playing(tmp_path) == ["Bob"]
    assert serve.claim_name("Ann Lee", str(tmp_path))  # (this process now plays as Ann)
    assert serve.playing(tmp_path) == ["Ann Lee"]
    serve.release_name()
    assert serve.playing(tmp_path) == []
    assert serve.changes(["Ann Lee"], ["Bob"]) == [
        "+ Bob joined", "- Ann Lee left", "  playing now (1): Bob"]


def test_the_app_refuses_a_name_playing_in_another_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator.store.store import Store
    from simulator.tui import serve
    from simulator.tui.app import SimulatorApp
    from simulator.tui.context import AppConfig, Context

    store = Store.open(None)
    code = store.create_workshop("Team A", ["snap-soup-en"]).code
    store.close()
    monkeypatch.setenv(serve.CLAIMS_ENV, str(tmp_path))
    other = _hold("Ada", tmp_path)

    async def go() -> None:
        cfg = AppConfig(extra_dirs=[SNAP], builtin=False, user_scenarios=False, ui_lang="en",
                        theme="simulator-dark", seed="0", workshop=code)
        ctx = Context(cfg)
        ctx.open_workshop()
        app = SimulatorApp(ctx)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "name-screen"
            await type_text(pilot, "ADA")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.id == "name-screen"  # asked again
            shown = app.screen.query_one("#name-error")
            assert "already playing in another browser" in str(shown.render())
            assert not ctx.trainee
            app.screen.query_one("#name-input").value = ""
            await type_text(pilot, "Grace")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.id != "name-screen" and ctx.trainee == "Grace"
            assert serve.playing(tmp_path) == ["Ada", "Grace"]

    try:
        asyncio.run(go())
    finally:
        serve.release_name()
        _let_go(other)


# ------------------------------------------------------------------ a real server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, host: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    from simulator.store.store import Store

    db = f"sqlite:///{tmp_path / 'results.sqlite'}"
    with Store.open(db) as store:
        code = store.create_workshop("Served", ["snap-soup-en"]).code
    port = _free_port()
    log = tmp_path / f"serve-{host}.log"
    env = dict(os.environ, SIMULATOR_HOME=str(tmp_path / "home"))
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulator", "--scenarios", str(SNAP), "serve", "--workshop",
             code, "--host", host, "--port", str(port), "--db", db],
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("serve exited:\n" + log.read_text())
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port, log
        time.sleep(0.2)
    raise AssertionError("serve did not listen:\n" + log.read_text())


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _get(url: str, cookie: str | None = None) -> tuple[int, str, Any]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


@pytest.mark.slow
def test_served_beyond_this_computer_every_request_needs_the_passcode(tmp_path: Path) -> None:
    proc, port, log = _serve(tmp_path, "0.0.0.0")
    try:
        text = log.read_text()
        found = re.search(r"Trainees open: http://\S+:(\d+)/\?key=(\S+)", text)
        assert found and int(found[1]) == port, text
        key = found[2]
        assert f"Passcode: {key}" in text and "who joins and leaves is shown below" in text
        base = f"http://127.0.0.1:{port}"
        status, body, _ = _get(f"{base}/")
        assert status == 403 and "needs the passcode" in body and '<input name="key"' in body
        status, body, _ = _get(f"{base}/?key=wrong{key}")
        assert status == 403 and "not this workshop's" in body
        status, _, _ = _get(f"{base}/ws")  # the app itself, without the passcode
        assert status == 403
        status, body, headers = _get(f"{base}/?key={key}")
        assert status == 200 and "Simulator workshop" in body
        cookie = headers["Set-Cookie"].split(";")[0]
        assert cookie == f"simulator_key={key}" and "HttpOnly" in headers["Set-Cookie"]
        status, _, _ = _get(f"{base}/", cookie=cookie)  # the browser, once it has the cookie
        assert status == 200
        status, _, _ = _get(f"{base}/ws", cookie="simulator_key=guess")
        assert status == 403
    finally:
        _stop(proc)


@pytest.mark.slow
def test_served_on_this_computer_needs_no_passcode(tmp_path: Path) -> None:
    proc, port, log = _serve(tmp_path, "127.0.0.1")
    try:
        text = log.read_text()
        assert f"Trainees open: http://127.0.0.1:{port}\n" in text and "Passcode" not in text
        status, body, _ = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "Simulator workshop" in body
    finally:
        _stop(proc)
