"""A browser tab without a browser: the websocket protocol of `simulator serve`'s page.

textual-serve's page opens ``/ws?width=&height=``, sends ``["stdin", keys]`` and
``["resize", {...}]`` as JSON text and receives the terminal's output as binary frames.
:func:`open_tab` speaks it with aiohttp and keeps what the terminal showed as plain text
(escapes removed), so a caller can type, press keys until a screen shows, and wait for
words to appear. Used by tests/workshop/test_two_hosts.py and by bench/bench_serve.py
(which puts this folder on its path).

Every wait has a timeout; a key sent before a screen is ready is lost, as in a browser,
so :meth:`Tab.press_until` presses again until the expected words show.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

ENTER, CTRL_S = "\r", "\x13"
WIDTH, HEIGHT = 120, 40

_ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|"
    rb"\x1b[P^_X][^\x1b]*\x1b\\|\x1b[@-Z\\-_]"
)


class DriverError(RuntimeError):
    """What the tab waited for never showed (the message says what)."""


def terminal_text(data: bytes) -> str:
    """A binary frame of terminal output as text, its escape sequences removed."""
    return _ANSI.sub(b"", data).decode("utf-8", "replace")


class Tab:
    """One tab's websocket: keys out, the terminal's text back (in :attr:`text`)."""

    def __init__(self, ws: Any, timeout: float) -> None:
        self.ws = ws
        self.timeout = timeout
        self.text = ""
        self.last = time.monotonic()  # when output last arrived
        self.changed = asyncio.Event()

    def feed(self, data: bytes) -> None:
        self.text += terminal_text(data)
        if len(self.text) > 200_000:
            self.text = self.text[-100_000:]
        self.last = time.monotonic()
        self.changed.set()

    async def read(self) -> None:
        async for msg in self.ws:
            if msg.type.name == "BINARY":
                self.feed(msg.data)
            elif msg.type.name in ("CLOSE", "CLOSED", "ERROR"):
                break

    async def send(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def wait_for(
        self, needle: str | tuple[str, ...], since: int = 0, timeout: float | None = None
    ) -> bool:
        """Until one of the needles shows after position ``since``; False on timeout."""
        needles = (needle,) if isinstance(needle, str) else needle
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
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

    async def settle(self, quiet: float = 0.3, timeout: float = 15) -> None:
        """Until no output for ``quiet`` seconds (the app has drawn its screen)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            gap = time.monotonic() - self.last
            if gap >= quiet:
                return
            await asyncio.sleep(quiet - gap)

    async def press_until(self, keys: str, needle: str | tuple[str, ...], what: str) -> float:
        """Send ``keys`` until ``needle`` shows; returns when they were first sent (a
        key the app let pass is a wait the trainee has too: it counts)."""
        first = time.monotonic()
        deadline = first + self.timeout
        while time.monotonic() < deadline:
            mark = len(self.text)
            await self.send(keys)
            if await self.wait_for(needle, mark, min(5.0, self.timeout)):
                return first
        raise DriverError(f"{what} never showed:\n{self.text[-2000:]}")

    async def prompt(self) -> None:
        """Until the name prompt shows and the screen settles."""
        if not await self.wait_for("name"):
            raise DriverError("no name prompt")
        await self.settle()

    async def join(self, name: str) -> None:
        """At the name prompt, type ``name`` (not Enter) and wait until it shows."""
        await self.prompt()
        await self.send(name)
        if not await self.wait_for(name):
            raise DriverError(f"the name {name!r} never showed as typed")

    async def open_scenario(self, first_line: str | tuple[str, ...]) -> float:
        """From the typed name to the customer's first line: Enter (the scenario list),
        Enter (the briefing), ctrl+s. Returns when ctrl+s was first pressed."""
        await self.press_until(ENTER, "scenarios", "the scenario list")
        await self.settle()
        await self.press_until(ENTER, "Start the conversation", "the briefing")
        await self.settle()
        return await self.press_until(CTRL_S, first_line, "the customer's first line")


@asynccontextmanager
async def open_tab(
    session: Any, url: str, *, timeout: float = 90.0, width: int = WIDTH, height: int = HEIGHT
) -> AsyncIterator[Tab]:
    """A tab connected to the serve at ``url`` (an aiohttp ClientSession's websocket),
    its terminal sized, its output read in the background; closed on leaving."""
    import aiohttp

    async with session.ws_connect(
        f"{url}/ws?width={width}&height={height}",
        timeout=aiohttp.ClientWSTimeout(ws_close=timeout),
        max_msg_size=0,
    ) as ws:
        tab = Tab(ws, timeout)
        reader = asyncio.create_task(tab.read())
        try:
            await ws.send_str(json.dumps(["resize", {"width": width, "height": height}]))
            yield tab
        finally:
            reader.cancel()
            await ws.close()
