"""What both ways of serving a workshop share: the passcode, and who joins and leaves.

``simulator serve`` (the Textual app per browser, :mod:`simulator.tui.serve`) and
``simulator serve --chat`` (:mod:`simulator.web.chat`) serve beyond this computer only
with a passcode: every request must carry it, in the link ``serve`` prints
(``?key=...``) and then in a cookie, or gets a page that asks for it and nothing else.
"""

from __future__ import annotations

import hmac
import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (aiohttp is imported when a server starts: the app's processes use
    # this module for its names only)
    from aiohttp import web
    from aiohttp.typedefs import Handler, Middleware

COOKIE = "simulator_key"

ASK_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title></head><body style="font-family: sans-serif; margin: 3em">
<h1>{title}</h1><p>{why}</p>
<form method="get" action="/"><label>Passcode <input name="key" autofocus></label>
<button>Join</button></form></body></html>"""

NEEDS_PASSCODE = "This workshop needs the passcode your facilitator gave you."
WRONG_PASSCODE = "That passcode is not this workshop's. Try again."


def same(given: str | None, passcode: str) -> bool:
    """``given`` is the passcode (compared in constant time)."""
    return given is not None and hmac.compare_digest(given.encode(), passcode.encode())


def ask_page(title: str, why: str) -> web.Response:
    """The page a browser without the passcode gets (403)."""
    from aiohttp import web

    return web.Response(
        status=403,
        text=ASK_PAGE.format(title=html.escape(title), why=html.escape(why, quote=False)),
        content_type="text/html",
        headers={"Referrer-Policy": "no-referrer"},
    )


def passcode_middleware(passcode: str, title: str, *, redirect: bool = False) -> Middleware:
    """Let through a request with the passcode (in ``?key=``, which sets the cookie, or in
    the cookie); anything else gets :func:`ask_page`. With ``redirect``, a page opened
    with ``?key=`` is sent on to the same path without it (the cookie holds it from
    then on), so the passcode does not stay in the address bar."""
    from aiohttp import web

    @web.middleware
    async def needs_passcode(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.query.get("key")
        if same(given, passcode):
            response: web.StreamResponse
            if redirect and request.method == "GET":
                response = web.Response(status=303, headers={"Location": request.rel_url.path})
            else:
                response = await handler(request)
            response.set_cookie(COOKIE, passcode, httponly=True, samesite="Strict")
            return response
        if same(request.cookies.get(COOKIE), passcode):
            return await handler(request)
        return ask_page(title, WRONG_PASSCODE if given is not None else NEEDS_PASSCODE)

    return needs_passcode


def changes(before: list[str], now: list[str]) -> list[str]:
    """Lines for the facilitator: who joined, who left, who plays."""
    lines = [f"+ {n} joined" for n in now if n not in before]
    lines += [f"- {n} left" for n in before if n not in now]
    if lines:
        lines.append(f"  playing now ({len(now)}): {', '.join(now) or 'nobody'}")
    return lines
