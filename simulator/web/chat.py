"""``simulator serve --chat``: one asyncio process serves a workshop to every browser.

The page (``templates/chat.html.j2``, ``static/chat.js``, ``static/chat.css``) speaks
JSON over one websocket (``/ws``); each conversation runs in this process through the
service layer (``sessions.start``, ``Play.reply``, ``Play.stop``), recorded in the
results store and a transcript exactly as the app and ``play --workshop`` record it. The
library is loaded and the workshop's scorers compiled once, before the server listens;
every turn is scored and recorded in a thread of a small pool, so the event loop only
moves messages. A connection's messages are handled one at a time, in order.

The protocol (every message a JSON object with a ``type``), browser to server:

- ``{"type": "join", "name": "Sam"}``: the trainee's name (one browser per name);
- ``{"type": "start", "scenario": "hotel-ac-en"}``: a new conversation (a workshop's
  scenario; one in progress is left first, stored as unfinished);
- ``{"type": "reply", "text": "...", "turn": 1}``: a reply (``turn``, optional, the
  number of the reply the page believes it sends: one sent twice is refused);
- ``{"type": "hint"}``: the hint of the customer's line (practice only);
- ``{"type": "retry"}``: take the last reply back (practice only);
- ``{"type": "leave"}``: leave the conversation (unfinished); ``{"type": "ping"}``.

Server to browser: ``hello`` (the workshop, its scenarios, the limits), ``joined``,
``started`` (the briefing and the customer's first line), ``verdict`` (see
:func:`simulator.web.present.turn_result`), ``debrief`` once the conversation ends,
``hint`` (``text``, and ``example``: a reply that would work, after a weak one),
``retracted`` (the reply taken back, and where the conversation is again), ``left``,
``pong``, and ``error`` (``code``, ``message``, ``for``: the request it
answers). A refused request changes nothing.

Who may play: bound to 127.0.0.1 unless told otherwise; beyond it every request needs
the passcode (:mod:`simulator.web.shared`). A name (case-insensitive) plays in one
browser at a time: held in this process, and on PostgreSQL in the database too
(``Store.name_claims``), so that several hosts serving one workshop share the names.
A browser that closes mid-conversation leaves it as the app does: stored as unfinished.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from simulator.model.limits import MAX_REPLY_CHARS
from simulator.paths import transcripts_dir
from simulator.service import ServiceError, sessions
from simulator.store.store import StoreError, clean_text
from simulator.store.validate import MAX_NAME, name_key
from simulator.web import present
from simulator.web.shared import changes, passcode_middleware

if TYPE_CHECKING:
    from simulator.model.library import Library
    from simulator.store.claims import ClaimSet
    from simulator.store.store import Store, Workshop

T = TypeVar("T")
Say = Callable[[str], None]

HERE = Path(__file__).resolve().parent
# A reply of MAX_REPLY_CHARS characters, each written as JSON escapes, fits in a frame.
MAX_FRAME = 64 * 1024
TYPES = ("join", "start", "reply", "hint", "retry", "leave", "ping")
WORKERS = 8
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_SEQ = itertools.count(1)
ROOM_KEY: web.AppKey[Room] = web.AppKey("room")


class Refused(Exception):
    """A request refused with a message for the trainee; nothing was changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def taken_message(name: str) -> str:
    return (
        f"“{name}” is already playing in another browser. Type your own name, or close the "
        "other browser first."
    )


@dataclass(eq=False)
class Trainee:
    """One browser's connection: its name, once given, and its conversation."""

    ws: web.WebSocketResponse
    name: str | None = None
    play: sessions.Play | None = None
    shown_at: float = 0.0  # when the customer's line was sent (a reply's elapsed time)


@dataclass
class Room:
    """The workshop being served: the library, the store, who plays, the worker threads."""

    library: Library
    store: Store
    workshop: Workshop
    say: Say = print
    claims: ClaimSet | None = None
    names: dict[str, str] = field(default_factory=dict)  # name key -> name as given
    trainees: set[Trainee] = field(default_factory=set)
    pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(WORKERS, thread_name_prefix="chat")
    )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def playing(self) -> list[str]:
        return sorted(self.names.values(), key=str.casefold)

    # ------------------------------------------------------------------ names
    async def claim(self, raw: object) -> str:
        """Take a name for a browser; Refused when it is empty, too long or taken."""
        if not isinstance(raw, str):
            raise Refused("bad_name", "Give your name as text.")
        name = clean_text(raw)
        if not name:
            raise Refused("bad_name", "Please type your name (at least one letter).")
        if len(name) > MAX_NAME:
            raise Refused("bad_name", f"A name may be at most {MAX_NAME} characters.")
        key = name_key(name)
        before = self.playing()
        if key in self.names:
            raise Refused("name_taken", taken_message(name))
        self.names[key] = name  # held here at once: a second browser cannot slip in
        if self.claims is not None:
            try:
                got = await self.run(self.claims.take, self.workshop.code, name)
            except Exception as exc:  # the database is failing: say so, hold nothing
                del self.names[key]
                raise Refused("store", f"The results database cannot be reached: {exc}") from None
            if not got:
                del self.names[key]
                raise Refused("name_taken", taken_message(name))
        self._said(before)
        return name

    async def release(self, name: str) -> None:
        before = self.playing()
        self.names.pop(name_key(name), None)
        if self.claims is not None:
            await self.run(self.claims.release, self.workshop.code, name)
        self._said(before)

    def _said(self, before: list[str]) -> None:
        for line in changes(before, self.playing()):
            self.say(line)

    # ------------------------------------------------------------------ conversations
    def start(self, name: str, scenario_id: str) -> sessions.Play:
        """A new recorded conversation of the workshop (in a worker thread)."""
        ws = self.workshop
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        path = transcripts_dir() / f"{stamp}-{ws.code}-{os.getpid()}-{next(_SEQ)}-{scenario_id}.jsonl"
        return sessions.start(
            self.library, scenario_id, mode=ws.mode, seed=secrets.randbelow(10**6),
            time_limit=ws.time_limit, trainee=name, store=self.store, workshop=ws.code,
            transcript=path, required=True, pass_mark=ws.pass_mark, rules=ws.rule_settings,
        )

    def warm(self) -> int:
        """Compile the workshop's scorers and open their phrase buckets by scoring each
        node's model replies (nothing recorded), so the first trainees wait for nothing.
        Returns the replies scored."""
        from simulator.scoring import scorer_for

        n = 0
        for sid in self.workshop.scenarios:
            sc = self.library.scenarios.get(sid)
            if sc is None:
                continue
            scorer = scorer_for(sc.with_rule_settings(self.workshop.rule_settings),
                                self.library.packs_for(sc))
            for node in sc.nodes:
                for reply in node.model_replies:
                    scorer.score(reply)
                    n += 1
        return n


async def _send(t: Trainee, message: dict[str, Any]) -> None:
    if not t.ws.closed:
        await t.ws.send_str(json.dumps(message, ensure_ascii=False))


def _hello(room: Room) -> dict[str, Any]:
    ws = room.workshop
    return {
        "type": "hello",
        "workshop": {"code": ws.code, "name": ws.name, "mode": ws.mode,
                     "time_limit": ws.time_limit, "pass_mark": ws.pass_mark},
        "scenarios": [present.scenario_card(room.library.scenarios[s])
                      for s in ws.scenarios if s in room.library.scenarios],
        "max_reply": MAX_REPLY_CHARS,
        "max_name": MAX_NAME,
        "types": list(TYPES),
    }


async def _handle(room: Room, t: Trainee, data: str) -> None:
    try:
        msg = json.loads(data)
    except ValueError:
        raise Refused("bad_json", "That message was not JSON; reload the page.") from None
    if not isinstance(msg, dict):
        raise Refused("bad_json", "A message is a JSON object with a type.")
    kind = msg.get("type")
    if kind == "ping":
        await _send(t, {"type": "pong"})
    elif kind == "join":
        if t.name is not None:
            raise Refused("already_joined", f"You have joined as “{t.name}”.")
        t.name = await room.claim(msg.get("name"))
        await _send(t, {"type": "joined", "name": t.name})
    elif kind == "start":
        await _start(room, t, msg.get("scenario"))
    elif kind == "reply":
        await _reply(room, t, msg.get("text"), msg.get("turn"))
    elif kind == "hint":
        await _hint(room, t)
    elif kind == "retry":
        await _retry(room, t)
    elif kind == "leave":
        await _leave(room, t)
        await _send(t, {"type": "left"})
    else:
        raise Refused(
            "unknown_type",
            f"Unknown message type {str(kind)[:40]!r}; this server understands: "
            f"{', '.join(TYPES)}.",
        )


async def _start(room: Room, t: Trainee, scenario: object) -> None:
    if t.name is None:
        raise Refused("not_joined", "Give your name first.")
    ws = room.workshop
    if not isinstance(scenario, str) or scenario not in ws.scenarios:
        raise Refused("unknown_scenario", "That scenario is not part of this workshop.")
    if scenario not in room.library.scenarios:
        raise Refused("unknown_scenario", "This server's library does not have that scenario.")
    try:
        play = await room.run(room.start, t.name, scenario)
    except StoreError as exc:  # the workshop was closed meanwhile, the database is down...
        raise Refused("store", f"The attempt cannot be recorded: {exc}") from None
    except ServiceError as exc:
        raise Refused("start", str(exc)) from None
    await _leave(room, t)  # (only now: a refused start leaves the conversation as it was)
    t.play = play
    t.shown_at = time.monotonic()
    await _send(t, present.started(t.play.session, t.play.attempt_id))


async def _reply(room: Room, t: Trainee, text: object, turn: object) -> None:
    play = t.play
    if play is None:
        raise Refused("no_conversation", "Start a conversation first.")
    session = play.session
    if session.ended:
        raise Refused("ended", "The conversation has ended; start it again to try once more.")
    if not isinstance(text, str) or not text.strip():
        raise Refused("empty_reply", "The reply is empty: write something to the customer first.")
    if len(text) > MAX_REPLY_CHARS:
        raise Refused(
            "too_long",
            f"Your reply is {len(text):,} characters long; at most {MAX_REPLY_CHARS:,} can be "
            "sent and scored. Shorten it and send it again (nothing was sent).",
        )
    if turn is not None and turn != session.turn_number:
        raise Refused(
            "out_of_turn",
            f"That was reply {turn}, but the customer is waiting for reply "
            f"{session.turn_number} (it was sent already?).",
        )
    elapsed = round(time.monotonic() - t.shown_at, 1)

    def reply() -> tuple[dict[str, Any], dict[str, Any] | None]:
        result = play.reply(text, elapsed=elapsed)
        out = present.turn_result(session, result)
        return out, present.debrief(session.debrief()) if result.ended else None

    try:
        out, debrief = await room.run(reply)
    except StoreError as exc:
        raise Refused("store", f"Your reply could not be recorded: {exc}") from None
    t.shown_at = time.monotonic()
    await _send(t, out)
    if debrief is not None:
        await _send(t, debrief)


async def _hint(room: Room, t: Trainee) -> None:
    """The node's hint (practice only), with an example reply after a weak reply; the
    debrief counts the hints taken, as in the app."""
    from simulator.engine.session import EngineError

    if t.play is None:
        raise Refused("no_conversation", "Start a conversation first.")
    session = t.play.session

    def hint() -> tuple[str, str | None]:
        return session.hint(), session.hint_example()

    try:
        text, example = await room.run(hint)
    except EngineError as exc:
        raise Refused("no_hint", f"No hint: {exc}.") from None
    await _send(t, {"type": "hint", "text": text, "example": example})


async def _retry(room: Room, t: Trainee) -> None:
    """Take the last reply back (practice only, as F3 in the app: even the reply that
    ended the conversation, which re-opens it); the store marks its turn retracted."""
    from simulator.engine.session import EngineError

    if t.play is None:
        raise Refused("no_conversation", "Start a conversation first.")
    session = t.play.session
    try:
        undone = await room.run(session.retry)
    except EngineError as exc:
        raise Refused("no_retry", f"Nothing taken back: {exc}.") from None
    except StoreError as exc:
        raise Refused("store", f"Taking the reply back could not be recorded: {exc}") from None
    t.shown_at = time.monotonic()
    await _send(t, {"type": "retracted", "turn": undone.index, "reply": undone.reply,
                    "customer": session.customer_line, "mood": session.mood,
                    "patience": session.patience_left, "next_turn": session.turn_number})


async def _leave(room: Room, t: Trainee) -> None:
    """Leave the conversation in progress, if any (stored as unfinished)."""
    play, t.play = t.play, None
    if play is not None:
        await room.run(play.abandon)


async def _socket(request: web.Request) -> web.WebSocketResponse:
    room = request.app[ROOM_KEY]
    _same_origin(request)
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    t = Trainee(ws)
    room.trainees.add(t)
    try:
        await _send(t, _hello(room))
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                try:
                    await _handle(room, t, msg.data)
                except Refused as exc:
                    kind = None
                    with contextlib.suppress(ValueError, AttributeError):
                        kind = json.loads(msg.data).get("type")
                    await _send(t, {"type": "error", "code": exc.code, "message": exc.message,
                                    "for": kind if isinstance(kind, str) else None})
            elif msg.type == WSMsgType.BINARY:
                await _send(t, {"type": "error", "code": "bad_json",
                                "message": "Messages are JSON text.", "for": None})
    finally:
        room.trainees.discard(t)
        try:
            await _leave(room, t)  # (the name is held until its conversation is stored)
        finally:
            if t.name is not None:
                await room.release(t.name)
    return ws


def _same_origin(request: web.Request) -> None:
    """A websocket opened by a page of another site is refused (a page anywhere could
    otherwise play in a trainee's name on a server that asks no passcode)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser
    allowed = {request.host}
    public = request.app.get(PUBLIC_KEY)
    if public:
        allowed.add(urlsplit(public).netloc)
    if urlsplit(origin).netloc not in allowed:
        raise web.HTTPForbidden(text="This page may only be used from the workshop's own address.")


PUBLIC_KEY: web.AppKey[str | None] = web.AppKey("public_url")
PAGE_KEY: web.AppKey[bytes] = web.AppKey("page")


def render_page(room: Room, title: str) -> str:
    """The chat page (Jinja2, autoescaped): the workshop and its scenarios."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    ws = room.workshop
    cards = [present.scenario_card(room.library.scenarios[s])
             for s in ws.scenarios if s in room.library.scenarios]
    return env.get_template("chat.html.j2").render(
        title=title, workshop=ws, scenarios=cards, max_reply=MAX_REPLY_CHARS, max_name=MAX_NAME,
    )


async def _page(request: web.Request) -> web.Response:
    return web.Response(body=request.app[PAGE_KEY], content_type="text/html",
                        charset="utf-8", headers=HEADERS)


def _static(name: str, content_type: str) -> Callable[[web.Request], Any]:
    body = (HERE / "static" / name).read_bytes()

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type, charset="utf-8",
                            headers={**HEADERS, "Cache-Control": "no-cache"})

    return handler


async def _no_icon(_request: web.Request) -> web.Response:
    return web.Response(status=204)


def make_app(
    room: Room, *, title: str, passcode: str | None = None, public_url: str | None = None
) -> web.Application:
    """The chat's web application (the tests serve it on a loopback port)."""
    app = web.Application(
        middlewares=[passcode_middleware(passcode, title, redirect=True)] if passcode else [],
        client_max_size=MAX_FRAME,
    )
    app[ROOM_KEY] = room
    app[PUBLIC_KEY] = public_url
    app[PAGE_KEY] = render_page(room, title).encode("utf-8")
    app.router.add_get("/", _page)
    app.router.add_get("/ws", _socket)
    app.router.add_get("/static/chat.js", _static("chat.js", "text/javascript"))
    app.router.add_get("/static/chat.css", _static("chat.css", "text/css"))
    app.router.add_get("/favicon.ico", _no_icon)

    async def shutdown(app: web.Application) -> None:
        for t in list(room.trainees):
            await t.ws.close(code=1001, message=b"the workshop's server is stopping")

    app.on_shutdown.append(shutdown)
    return app


def open_room(library: Library, store: Store, workshop: Workshop, say: Say = print) -> Room:
    """The room of a workshop, with name claims in the database when it is PostgreSQL's."""
    claims = store.name_claims() if store.dialect == "postgresql" else None
    return Room(library, store, workshop, say=say, claims=claims)


def close_room(room: Room) -> None:
    room.pool.shutdown(wait=True)
    if room.claims is not None:
        room.claims.close()


def serve(
    room: Room, *, host: str, port: int, title: str, passcode: str | None = None,
    public_url: str | None = None, ready: Callable[[], None] | None = None,
) -> int:
    """Serve until Ctrl+C (or SIGTERM), calling ``ready`` once listening; every
    conversation left open is stored as unfinished on the way out."""
    import signal

    app = make_app(room, title=title, passcode=passcode, public_url=public_url)

    async def main() -> None:
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=10.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            if ready is not None:
                ready()
            await stop.wait()
        finally:
            await runner.cleanup()  # (closes every socket: their conversations are left)

    try:
        asyncio.run(main())
    finally:
        close_room(room)
    return 0
