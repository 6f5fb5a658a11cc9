"""A workshop larger than one machine: two `simulator serve` hosts, one PostgreSQL database.

Two serve processes on two loopback ports serve one workshop from one real PostgreSQL
database (SIMULATOR_TEST_DATABASE_URL; skipped without it). Trainees join each through
the websocket protocol a browser's page speaks (``/ws``: ``["stdin", keys]`` out, the
terminal's output back as binary frames), with the driver bench/bench_serve.py uses too
(tests/workshop/ws_driver.py):
both land in the one leaderboard and the one export, and a name playing on the first
host is refused on the second with a message that says so.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import ROOT, simulator_cmd, subprocess_env
from ws_driver import CTRL_S, ENTER, open_tab

from simulator.store import Store

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("heavy")]

REPLY = "I'm so sorry, that is awful at 1 a.m. I'll move you to a cooled room right now."
FIRST_LINE = ("an oven", "soaked through")  # a word of each variant of the guest's first line
TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_hosts(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A workshop's code, and the URLs of two serve processes sharing its database."""
    with Store.open(pg_url) as store:
        code = store.create_workshop("Two rooms", ["hotel-ac-en"], mode="practice").code
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for i in range(2):
            port = _free_port()
            env = {
                **subprocess_env(pg_url, str(tmp_path / f"host{i}")),
                "COLUMNS": "120",
                "LINES": "40",
            }
            log = (tmp_path / f"serve{i}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    simulator_cmd(
                        "serve",
                        "--workshop",
                        code,
                        "--port",
                        str(port),
                        "--host",
                        "127.0.0.1",
                        "--db",
                        pg_url,
                    ),
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls, strict=True):
            port = int(url.rsplit(":", 1)[1])
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, (tmp_path / "serve0.log").read_text()
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert time.monotonic() < deadline, "serve never listened"
                time.sleep(0.2)
        yield code, urls
    finally:
        for proc in procs:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=10)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue


async def _join(session: Any, url: str, name: str, *, play: bool) -> str:
    """Join as ``name``; with ``play``, start the conversation and send one reply.
    Returns what the terminal showed."""
    async with open_tab(session, url, timeout=TIMEOUT) as tab:
        await tab.join(name)
        if not play:
            await tab.press_until(ENTER, "already playing", "the refusal of the name")
            return tab.text
        await tab.open_scenario(FIRST_LINE)
        mark = len(tab.text)
        await tab.send(REPLY)
        assert await tab.wait_for("cooled room", mark)
        await tab.settle(0.15)
        await tab.send(CTRL_S)
        await tab.settle()
        return tab.text


def test_two_hosts_one_workshop_one_leaderboard_one_name_each(
    two_hosts: tuple[str, list[str]], pg_url: str
) -> None:
    import aiohttp

    code, (first, second) = two_hosts

    async def scenario() -> str:
        async with aiohttp.ClientSession() as session:
            ann = asyncio.create_task(_hold(session, first, "Ann Lee"))
            await _wait_attempt(pg_url, code, "Ann Lee")
            await _join(session, second, "Bob Stone", play=True)
            refused = await _join(session, second, "ann LEE", play=False)
            ann.cancel()
            return refused

    async def _hold(session: Any, url: str, name: str) -> None:
        async with open_tab(session, url, timeout=TIMEOUT) as tab:
            await tab.join(name)
            await tab.open_scenario(FIRST_LINE)
            await asyncio.Event().wait()  # (plays on until the test is done)

    refused = asyncio.run(scenario())
    # the second host refuses the name that plays on the first, and says why
    assert "“ann LEE” is already playing in another browser" in refused
    with Store.open(pg_url) as store:
        board = {row["name"] for row in store.leaderboard(code)}
        names = {a["trainee"] for a in store.attempts(workshop=code)}
        data = store.workshop_data(code)
    assert board == {"Ann Lee", "Bob Stone"}  # one leaderboard, both hosts' trainees
    assert names == {"Ann Lee", "Bob Stone"}  # and never a second "Ann Lee"
    assert {a["trainee"] for a in data["attempts"]} == {"Ann Lee", "Bob Stone"}  # one export


async def _wait_attempt(pg_url: str, code: str, name: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with Store.open(pg_url) as store:
            if any(a["trainee"] == name for a in store.attempts(workshop=code)):
                return
        await asyncio.sleep(0.3)
    raise AssertionError(f"{name}'s attempt never reached the store")
