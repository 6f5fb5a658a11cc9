"""A trainee joins a served workshop in a real headless Chromium, gives a name, sends a
reply, and the reply with its verdict reaches the store.

Needs Debian's Chromium (/usr/bin/chromium, or $SIMULATOR_TEST_CHROMIUM) and Playwright
for Python (the `test` extra); Playwright's own browser download is not used. Skips with
the reason when either is missing.

The app (simulator.tui.app) draws on a canvas, so the test cannot read the screen: it
follows the flow through the store (the attempt appears when the conversation starts, the
turn when the reply is sent) and saves a screenshot of each step in the test's tmp folder.
Flow, one key press for each step as a person gives it: name prompt -> type the name,
Enter -> scenario list, Enter opens the briefing -> Enter on "Start the conversation" ->
type the reply in the editor -> ctrl+s sends it. (The page loses and regains the focus
while the app starts: that once left the list without focus, and its first Enter went
to the search box.)
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import ROOT, TEST_SCENARIOS, simulator_cmd, subprocess_env

from simulator.store import Store

# a browser and a server: not beside the 30-process load tests (xdist_group "heavy")
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("heavy")]

REPLY = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
NAME = "Browser Bea"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]


def _chromium() -> str:
    path = os.environ.get("SIMULATOR_TEST_CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not path:
        pytest.skip("no Chromium on this machine (install Debian's chromium package, or set "
                    "SIMULATOR_TEST_CHROMIUM to a Chromium binary)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(pred: Callable[[], Any], timeout: float, what: str, step: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def served(tmp_path: Path, sqlite_url: str) -> Iterator[dict[str, Any]]:
    if importlib.util.find_spec("simulator.tui.app") is None:
        pytest.skip("the app (simulator.tui.app) is not there yet: serve has nothing to run")
    with Store.open(sqlite_url) as store:
        ws = store.create_workshop("Browser", ["mini-en"])
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    env = subprocess_env(home=str(tmp_path / "home"))
    env["COLUMNS"], env["LINES"] = "120", "40"
    proc = subprocess.Popen(
        simulator_cmd("--scenarios", str(TEST_SCENARIOS), "serve", "--workshop", ws.code,
                      "--port", str(port), "--db", sqlite_url),
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        start_new_session=True,  # its own process group: the app processes go with it
    )

    def listening() -> bool:
        if proc.poll() is not None:
            raise AssertionError("serve exited:\n" + (tmp_path / "serve.log").read_text())
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        _wait(listening, 30, "simulator serve to listen")
        yield {"url": f"http://127.0.0.1:{port}/", "code": ws.code, "db": sqlite_url,
               "log": tmp_path / "serve.log"}
    finally:
        _stop_group(proc)
        log.close()


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop serve and the app processes it started (its own process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break  # nothing left in the group
        try:
            proc.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            continue
    if proc.poll() is None:
        proc.wait(timeout=10)


def test_serve_prints_the_address(served: dict[str, Any]) -> None:
    text = served["log"].read_text()
    assert f"Trainees open: {served['url'].rstrip('/')}" in text
    assert "Only this computer can connect" in text


def test_a_trainee_plays_in_the_browser(served: dict[str, Any], tmp_path: Path) -> None:
    chromium = _chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (the test extra)")
    shots = tmp_path / "shots"
    shots.mkdir()
    store = Store.open(served["db"])
    code = served["code"]

    def attempts() -> list[dict[str, Any]]:
        return store.attempts(workshop=code)

    try:
        with sync_api.sync_playwright() as p:
            # Playwright gives the browser a new, empty profile folder of its own.
            browser = p.chromium.launch(executable_path=chromium, headless=True,
                                        args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(served["url"])
            page.wait_for_selector("body.-first-byte", timeout=30_000)
            time.sleep(2.5)  # the app mounts its name prompt
            page.screenshot(path=str(shots / "1-name.png"))
            page.click("#terminal")
            page.keyboard.type(NAME, delay=60)
            page.keyboard.press("Enter")  # -> the workshop's scenarios
            time.sleep(1.5)
            page.screenshot(path=str(shots / "2-list.png"))
            page.keyboard.press("Enter")  # -> the briefing
            time.sleep(1.5)
            page.screenshot(path=str(shots / "3-briefing.png"))
            page.keyboard.press("Enter")  # "Start the conversation"
            (attempt,) = _wait(attempts, 10, "the attempt in the store (see the screenshots in "
                               f"{shots})")
            assert attempt["trainee"] == NAME and attempt["scenario_id"] == "mini-en"
            time.sleep(1)
            page.keyboard.type(REPLY, delay=60)  # a fast typist: 16 keys a second
            page.screenshot(path=str(shots / "4-typed.png"))
            page.keyboard.press("Control+s")
            rows = _wait(lambda: store.turns(attempt["id"]), 20, "the sent reply in the store")
            page.screenshot(path=str(shots / "5-sent.png"))
            browser.close()
        (turn,) = rows
        assert turn["reply"] == REPLY and turn["seq"] == 1 and turn["turn"] == 1
        verdict = json.loads(turn["verdict"])
        assert verdict["score"] == turn["score"] and verdict["reply"] == REPLY
        assert any(h["category"] == "concrete_fix" for h in verdict["hits"])
        assert [r["name"] for r in store.leaderboard(code)] == [NAME]
        # the tab closed: its app process left the conversation, recorded as unfinished
        _wait(lambda: store.attempt(attempt["id"])["outcome"] == "unfinished", 15,
              "the closed tab's attempt to be marked unfinished")
    finally:
        store.close()
