"""A trainee of `simulator serve --chat` without a browser: its JSON websocket protocol.

The page opens ``/ws`` and speaks JSON objects with a ``type`` (simulator/web/chat.py
says which). :func:`open_chat` connects with aiohttp and reads the server's ``hello``;
:class:`Chat` sends requests and waits for their answers, every wait with a timeout.
Used by tests/workshop/test_chat.py and by bench/bench_serve.py --chat (which puts this
folder on its path).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class ChatError(RuntimeError):
    """The server answered with something else than what was waited for."""


class Chat:
    """One browser tab's websocket: requests out, the server's messages back."""

    def __init__(self, ws: Any, timeout: float) -> None:
        self.ws = ws
        self.timeout = timeout
        self.hello: dict[str, Any] = {}
        self.received: list[dict[str, Any]] = []

    async def next(self, timeout: float | None = None) -> dict[str, Any]:
        """The next message from the server (ChatError if the socket closes first)."""
        msg = await asyncio.wait_for(self.ws.receive(), timeout or self.timeout)
        if msg.type.name != "TEXT":
            raise ChatError(f"the socket gave {msg.type.name} ({msg.data!r}, {msg.extra!r})")
        data: dict[str, Any] = json.loads(msg.data)
        self.received.append(data)
        return data

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def ask(self, message: dict[str, Any], *expected: str) -> dict[str, Any]:
        """Send a request; its answer, which must be of one of ``expected`` types (an
        ``error`` answer is returned as it is, for the caller to check)."""
        await self.send(message)
        answer = await self.next()
        if answer["type"] not in (*expected, "error"):
            raise ChatError(f"{message['type']}: expected {expected}, got {answer}")
        return answer

    async def join(self, name: str) -> dict[str, Any]:
        return await self.ask({"type": "join", "name": name}, "joined")

    async def join_when_free(self, name: str, within: float = 5.0) -> dict[str, Any]:
        """Join, asking again while the name is taken (a tab that just closed lets its
        name go once its conversation is stored), up to ``within`` seconds."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            answer = await self.join(name)
            if answer.get("code") != "name_taken" or asyncio.get_running_loop().time() > deadline:
                return answer
            await asyncio.sleep(0.05)

    async def start(self, scenario: str) -> dict[str, Any]:
        return await self.ask({"type": "start", "scenario": scenario}, "started")

    async def reply(self, text: str, turn: int | None = None) -> dict[str, Any]:
        """A reply's verdict (or error); once the conversation ends, the debrief that
        follows the last verdict is in :attr:`debrief`."""
        message: dict[str, Any] = {"type": "reply", "text": text}
        if turn is not None:
            message["turn"] = turn
        answer = await self.ask(message, "verdict")
        self.debrief = await self.next() if answer.get("ended") else None
        return answer


@asynccontextmanager
async def open_chat(
    session: Any, url: str, *, timeout: float = 30.0, headers: dict[str, str] | None = None
) -> AsyncIterator[Chat]:
    """A connected tab (``url`` the server's address), its ``hello`` read."""
    ws = await session.ws_connect(url.rstrip("/") + "/ws", headers=headers, max_msg_size=0)
    try:
        chat = Chat(ws, timeout)
        chat.hello = await chat.next()
        if chat.hello.get("type") != "hello":
            raise ChatError(f"expected hello, got {chat.hello}")
        yield chat
    finally:
        await ws.close()
