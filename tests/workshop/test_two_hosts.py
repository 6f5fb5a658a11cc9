"""A workshop larger than one machine: two `simulator serve` hosts, one PostgreSQL database.

Two serve processes on two loopback ports serve one workshop from one real PostgreSQL
database (SIMULATOR_TEST_DATABASE_URL; skipped without it). Trainees join each through
the websocket protocol a browser's page speaks (``/ws``: ``["stdin", keys]`` out, the
terminal's output back as binary frames; bench/bench_serve.py drives it the same way):
both land in the one leaderboard and the one export, and a name playing on the first
host is refused on the second with a message that says so.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import ROOT, simulator_cmd, subprocess_env

from simulator.store import Store

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("heavy")]

ENTER, CTRL_S = "\r", "\x13"
_ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|"
    rb"\x1b[P^_X][^\x1b]*\x1b\\|\x1b[@-Z\\-_]"
)
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


class Browser:
    """One browser tab's websocket: keys out, the terminal's text back."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.text = ""
        self.changed = asyncio.Event()

    async def read(self) -> None:
        async for msg in self.ws:
            if msg.type.name == "BINARY":
                self.text += _ANSI.sub(b"", msg.data).decode("utf-8", "replace")
                self.changed.set()
            elif msg.type.name in ("CLOSE", "CLOSED", "ERROR"):
                break

    async def wait_for(
        self, needle: str | tuple[str, ...], since: int = 0, timeout: float = TIMEOUT
    ) -> bool:
        needles = (needle,) if isinstance(needle, str) else needle
        deadline = time.monotonic() + timeout
        while not any(n in self.text[since:] for n in needles):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return False
        return True

    async def send(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def until(self, keys: str, needle: str | tuple[str, ...]) -> None:
        """Press ``keys`` until ``needle`` shows (a key sent before a screen is ready is
        lost, as in a browser)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            mark = len(self.text)
            await self.send(keys)
            if await self.wait_for(needle, mark, 5.0):
                return
        raise AssertionError(f"{needle!r} never showed:\n{self.text[-2000:]}")


async def _join(session: Any, url: str, name: str, *, play: bool) -> str:
    """Join as ``name``; with ``play``, start the conversation and send one reply.
    Returns what the terminal showed."""
    async with session.ws_connect(f"{url}/ws?width=120&height=40", max_msg_size=0) as ws:
        b = Browser(ws)
        reader = asyncio.create_task(b.read())
        try:
            await ws.send_str(json.dumps(["resize", {"width": 120, "height": 40}]))
            assert await b.wait_for("name"), "no name prompt"
            await asyncio.sleep(0.5)
            await b.send(name)
            assert await b.wait_for(name)
            if not play:
                await b.until(ENTER, "already playing")
                return b.text
            await b.until(ENTER, "scenarios")
            await b.until(ENTER, "Start the conversation")
            await b.until(CTRL_S, FIRST_LINE)
            mark = len(b.text)
            await b.send(REPLY)
            assert await b.wait_for("cooled room", mark)
            await asyncio.sleep(0.3)
            await b.send(CTRL_S)
            await asyncio.sleep(0.5)
            return b.text
        finally:
            reader.cancel()


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
        async with session.ws_connect(f"{url}/ws?width=120&height=40", max_msg_size=0) as ws:
            b = Browser(ws)
            reader = asyncio.create_task(b.read())
            try:
                await ws.send_str(json.dumps(["resize", {"width": 120, "height": 40}]))
                assert await b.wait_for("name"), "no name prompt"
                await asyncio.sleep(0.5)
                await b.send(name)
                assert await b.wait_for(name)
                await b.until(ENTER, "scenarios")
                await b.until(ENTER, "Start the conversation")
                await b.until(CTRL_S, FIRST_LINE)
                await asyncio.sleep(3600)  # (plays on until the test is done)
            finally:
                reader.cancel()

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
