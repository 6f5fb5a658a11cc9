"""``serve``: a workshop in the browsers of the local network, each browser its own app.

The command checks the workshop and the address, prints the link (and, beyond this
computer, a passcode) and asks the entry point for the serving screen
(:mod:`simulator.tui.serve`), handing it the shell command each browser's app starts with.
With ``--chat`` it serves the light chat page instead (:mod:`simulator.web.chat`): one
process for every browser, started here, without the app.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import shlex
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.cli.common import (
    EXIT_FAIL,
    EXIT_USAGE,
    OpenScreen,
    error,
    results_store,
    workshop_code,
    workshop_library,
)

if TYPE_CHECKING:
    from simulator.store.store import Workshop

_ANY_HOST = {"0.0.0.0", "::", ""}


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or 127.0.0.1."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))  # routing lookup only: UDP connect sends nothing
        addr = str(s.getsockname()[0])
    except OSError:
        addr = "127.0.0.1"
    finally:
        s.close()
    return addr


def public_url_for(host: str, port: int, public_url: str | None = None) -> str:
    if public_url:
        return public_url.rstrip("/")
    shown = lan_address() if host in _ANY_HOST else host
    try:
        if ipaddress.ip_address(shown).version == 6:
            shown = f"[{shown}]"
    except ValueError:
        pass  # a host name
    return f"http://{shown}:{port}"


def app_argv(args: argparse.Namespace, code: str) -> list[str]:
    """The ``simulator`` arguments of each browser's app (a join code, folders, language)."""
    from simulator.store.store import valid_code

    if valid_code(code) != code:  # never let anything but a join code reach the shell
        raise ValueError(f"not a workshop code: {code!r}")
    parts: list[str] = []
    for d in getattr(args, "scenarios", None) or []:
        parts += ["--scenarios", str(Path(d).resolve())]
    ui_lang = getattr(args, "ui_lang", None)
    if ui_lang in ("en", "fr"):
        parts += ["--ui-lang", ui_lang]
    return [*parts, "play", "--workshop", code]


def serve_command(args: argparse.Namespace, code: str) -> str:
    """The shell command that starts a browser's app cold: every part quoted."""
    return shlex.join([sys.executable, "-m", "simulator", *app_argv(args, code)])


def cmd_serve(args: argparse.Namespace) -> int:
    from simulator.store.store import normalise_url

    code = workshop_code(args.workshop)
    if code is None:
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        error("--port must be between 1 and 65535")
        return EXIT_USAGE
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        error("--public-url must start with http:// or https://")
        return EXIT_USAGE
    with results_store(args) as store:
        ws = store.workshop(code)
    if ws.closed:
        error(f"workshop {ws.code} is closed: it accepts no new attempts")
        return EXIT_USAGE
    # Every browser's process writes to the same database: hand it over by environment
    # (a URL may hold a password, which a command line would show to `ps`).
    os.environ["SIMULATOR_DATABASE_URL"] = normalise_url(getattr(args, "db", None))
    try:
        probe = socket.create_server((args.host, args.port), reuse_port=False)
        probe.close()
    except OSError as exc:
        error(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
        return EXIT_FAIL
    url = public_url_for(args.host, args.port, args.public_url)
    local = args.host in ("127.0.0.1", "localhost", "::1")
    # Beyond this computer, a browser needs the passcode (in the link, or typed once).
    passcode = None if local else secrets.token_urlsafe(6)
    if getattr(args, "chat", False):
        return _serve_chat(args, ws, url=url, passcode=passcode)
    command = serve_command(args, ws.code)
    _announce(ws, args.host, args.port, url, passcode)
    raise OpenScreen(
        "serve", args, command=command, host=args.host, port=args.port,
        title=f"Simulator workshop {ws.code}", public_url=url, passcode=passcode,
        pool_argv=app_argv(args, ws.code) if getattr(args, "warm_pool", False) else None,
    )


def _announce(ws: Workshop, host: str, port: int, url: str, passcode: str | None) -> None:
    print(f"Workshop “{ws.name}” ({ws.code}, {ws.mode}) served on {host}:{port}")
    if passcode is None:
        print(f"Trainees open: {url}")
        print("Only this computer can connect; add --host 0.0.0.0 to let your network join.")
    else:
        print(f"Trainees open: {url.rstrip('/')}/?key={passcode}")
        print(f"Passcode: {passcode} (a browser without it is asked for it)")
        print("Share the link with your trainees only.")
    print("Each name plays in one browser at a time; who joins and leaves is shown below.")
    print("Press Ctrl+C to stop.", flush=True)


def _serve_chat(args: argparse.Namespace, ws: Workshop, *, url: str, passcode: str | None) -> int:
    """``serve --chat``: the chat page, every trainee's conversation in this process
    (:mod:`simulator.web.chat`), the library and the scorers loaded once, here."""
    from simulator.service import sessions
    from simulator.web import chat

    lib = workshop_library(args, ws)
    if lib is None:
        return EXIT_USAGE
    store = sessions.open_store(getattr(args, "db", None))
    room = chat.open_room(lib, store, ws)
    try:
        room.warm()
        return chat.serve(room, host=args.host, port=args.port,
                          title=f"Simulator workshop {ws.code}", passcode=passcode,
                          public_url=args.public_url,
                          ready=lambda: _announce(ws, args.host, args.port, url, passcode))
    finally:
        store.close()
