"""Workshops: ``workshop create|close|list``, ``serve``, ``export`` and ``play --workshop``.

A facilitator creates a workshop (a set of scenarios, a mode, a join code); trainees play
it in their terminal (``play --workshop CODE``) or in a browser (``serve``); every turn is
written to the results store when it is sent; the exports read it (and the leaderboard,
in :mod:`simulator.cli.results`).

Headless play into a workshop (``play --workshop CODE --name NAME --script FILE``) is run
by :mod:`simulator.service.headless`, which says how the script's replies (and its
``---`` sections) are shared among the workshop's scenarios.
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
    EXIT_OK,
    EXIT_USAGE,
    OpenScreen,
    cmd_app,
    error,
    library,
    open_store,
    print_json,
    read_replies,
    remembered_name,
    scenario_titles,
    short,
    table,
    use_color,
    workshop_code,
    write_file,
)

if TYPE_CHECKING:
    from simulator.store.store import Store, Workshop

# ---------------------------------------------------------------------------- workshop


def cmd_workshop(args: argparse.Namespace) -> int:
    if args.action == "create":
        return _create(args)
    if args.action == "close":
        return _close(args)
    return _list(args)


def _create(args: argparse.Namespace) -> int:
    from simulator.model.library import UnknownScenario
    from simulator.store.store import StoreError

    ids = [s.strip() for s in str(args.workshop_scenarios).split(",") if s.strip()]
    if not ids:
        error("--scenarios needs at least one scenario id (see 'simulator list')")
        return EXIT_USAGE
    lib = library(args)
    bad = 0
    for sid in ids:
        try:
            lib.scenario(sid)
        except UnknownScenario as exc:
            error(str(exc))
            bad += 1
    if bad:
        return EXIT_USAGE
    if args.time_limit is not None and not args.time_limit > 0:
        error("--time-limit must be a positive number of seconds")
        return EXIT_USAGE
    pass_mark = getattr(args, "pass_mark", None)
    if pass_mark is not None and not 0 <= pass_mark <= 100:
        error("--pass-mark must be a total score between 0 and 100")
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        with store:
            ws = store.create_workshop(
                args.name, ids, mode=args.mode, time_limit=args.time_limit, pass_mark=pass_mark
            )
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    if args.format == "json":
        print_json(ws.to_dict())
    elif getattr(args, "quiet", False):
        print(ws.code)
    else:
        limit = f", {ws.time_limit:g} s per reply" if ws.time_limit else ""
        print(f"Workshop “{ws.name}” created ({ws.mode}{limit}).")
        for sid in ws.scenarios:
            sc = lib.scenarios[sid]
            mark = ws.pass_mark if ws.pass_mark is not None else sc.pass_mark
            print(f"  - {sid}: {sc.title} (pass mark {mark})")
        print(f"\nJoin code: {ws.code}\n")
        print("Trainees join in a terminal with:")
        print(f"  simulator play --workshop {ws.code} --name 'Their Name'")
        print("or in a browser, once you serve it:")
        print(f"  simulator serve --workshop {ws.code} --host 0.0.0.0")
        print(f"Follow the scores with: simulator leaderboard {ws.code} --live")
    return EXIT_OK


def _close(args: argparse.Namespace) -> int:
    from simulator.store.store import StoreError

    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        with store:
            was_closed = store.workshop(code).closed
            ws = store.close_workshop(code)
            n = len(store.attempts(workshop=code))
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    if was_closed:
        print(f"Workshop {ws.code} was already closed (since {ws.closed_at}).")
    else:
        print(f"Workshop {ws.code} is closed: it accepts no new attempts ({n} recorded).")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    with store:
        items = []
        for ws in store.workshops():
            attempts = store.attempts(workshop=ws.code)
            items.append(
                {
                    **ws.to_dict(),
                    "attempts": len(attempts),
                    "trainees": len({a["trainee"].casefold() for a in attempts}),
                }
            )
    if args.format == "json":
        print_json(items)
        return EXIT_OK
    if not items:
        print("No workshops yet. Create one with: simulator workshop create NAME --scenarios ID,ID")
        return EXIT_OK
    rows = [
        [
            w["code"],
            short(w["name"], 30),
            w["mode"],
            "closed" if w["closed"] else "open",
            str(w["trainees"]),
            str(w["attempts"]),
            short(", ".join(w["scenarios"]), 40),
            w["created_at"][:16].replace("T", " "),
        ]
        for w in items
    ]
    print(
        table(
            ["Code", "Name", "Mode", "Status", "Trainees", "Attempts", "Scenarios", "Created (UTC)"],
            rows,
            right={4, 5},
        )
    )
    return EXIT_OK


# ---------------------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace) -> int:
    from simulator.report.exports import render_workshop
    from simulator.store.store import StoreError

    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        with store:
            ws = store.workshop(code)
            # CSV and JSON carry every reply; the reports need only figures and a few quotes.
            data = store.workshop_data(
                code, titles=scenario_titles(args, ws.scenarios), turns=args.format in ("csv", "json")
            )
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    text = render_workshop(data, args.format)
    if not args.output or args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK

    path = Path(args.output)
    failed = write_file(path, text)
    if failed is not None:
        return failed
    print(f"Wrote {path} ({args.format}, {len(data['attempts'])} attempts)", file=sys.stderr)
    return EXIT_OK


# ---------------------------------------------------------------------------- play


def _web_driver() -> bool:
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def play_workshop(args: argparse.Namespace) -> int:
    from simulator.store.store import StoreError

    code = workshop_code(args.workshop)
    if code is None:
        return EXIT_USAGE
    args.workshop = code
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    with store:
        try:
            ws = store.workshop(code)
        except StoreError as exc:
            error(str(exc))
            return EXIT_USAGE
        if ws.closed:
            error(f"workshop {ws.code} is closed: it accepts no new attempts")
            return EXIT_USAGE
        if args.script or args.stdin:
            return _play_headless(args, store, ws)
    if _web_driver():
        # Served by `simulator serve`: no tty, the browser is the terminal.
        raise OpenScreen("app", args)
    return int(cmd_app(args))


def _play_headless(args: argparse.Namespace, store: Store, ws: Workshop) -> int:
    from simulator.service.headless import AttemptRefused, run_workshop, split_sections
    from simulator.store.store import StoreError, clean_text

    name = clean_text(getattr(args, "name", None) or remembered_name() or "")
    if not name:
        error("give your name with --name NAME: the workshop records who played")
        return EXIT_USAGE
    lib = library(args)
    missing = [s for s in ws.scenarios if s not in lib.scenarios]
    if missing:
        error(
            f"workshop {ws.code} uses scenarios this library does not have: {', '.join(missing)} "
            "(add their folder with --scenarios DIR)"
        )
        return EXIT_USAGE
    replies = read_replies(args)
    if replies is None:
        return EXIT_USAGE
    sections = split_sections(replies)
    if sections is not None and len(sections) > len(ws.scenarios):
        error(
            f"the script has {len(sections)} sections (separated by '---') but workshop "
            f"{ws.code} has {len(ws.scenarios)} scenarios"
        )
        return EXIT_USAGE
    try:
        run = run_workshop(
            lib, store, ws, name, replies, seed=args.seed,
            say=print if args.format != "json" else None, color=use_color(),
            difficulty=getattr(args, "difficulty", None),
        )
    except AttemptRefused as exc:  # e.g. the workshop was closed meanwhile
        error(str(exc))
        return EXIT_USAGE if "closed" in str(exc) else EXIT_FAIL
    except StoreError as exc:
        error(f"the results store failed: {exc}")
        return EXIT_FAIL
    if args.format == "json":
        print_json(
            {
                "workshop": ws.code,
                "trainee": name,
                "attempts": [
                    {k: r[k] for k in ("attempt_id", "scenario", "mode", "difficulty",
                                       "outcome", "ending", "score", "pass_mark", "passed",
                                       "level", "critical", "replies_used", "transcript")}
                    for r in run.results
                ],
                "unused_replies": run.unused_replies,
            }
        )
        return EXIT_OK
    print("\n" + "=" * 60)
    print(f"Recorded in workshop {ws.code} as {name}:")
    for r in run.results:
        verdict = _pass_text(r["passed"], r["level"], r["pass_mark"], bool(r["critical"]))
        print(
            f"  {r['scenario']:<28} {r['outcome']:<10} {r['score']:>3}/100  {verdict}  "
            f"({r['replies_used']} replies)"
        )
    not_played = run.not_played(ws)
    if not_played:
        print(f"Not played (no replies left): {', '.join(not_played)}")
    if run.unused_replies:
        print(f"{run.unused_replies} replies of the script were not used.")
    return EXIT_OK


def _pass_text(passed: bool, level: str | None, pass_mark: int, critical: bool) -> str:
    if passed:
        return f"passed (mark {pass_mark})" + (f", {level}" if level else "")
    if critical:
        return "not passed (a critical rule fired)"
    return f"not passed (mark {pass_mark})"


# ---------------------------------------------------------------------------- serve

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
    from simulator.store.store import StoreError, normalise_url

    code = workshop_code(args.workshop)
    if code is None:
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        error("--port must be between 1 and 65535")
        return EXIT_USAGE
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        error("--public-url must start with http:// or https://")
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        with store:
            ws = store.workshop(code)
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
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
    command = serve_command(args, ws.code)
    local = args.host in ("127.0.0.1", "localhost", "::1")
    # Beyond this computer, a browser needs the passcode (in the link, or typed once).
    passcode = None if local else secrets.token_urlsafe(6)
    print(f"Workshop “{ws.name}” ({ws.code}, {ws.mode}) served on {args.host}:{args.port}")
    if passcode is None:
        print(f"Trainees open: {url}")
        print("Only this computer can connect; add --host 0.0.0.0 to let your network join.")
    else:
        print(f"Trainees open: {url.rstrip('/')}/?key={passcode}")
        print(f"Passcode: {passcode} (a browser without it is asked for it)")
        print("Share the link with your trainees only.")
    print("Each name plays in one browser at a time; who joins and leaves is shown below.")
    print("Press Ctrl+C to stop.", flush=True)
    raise OpenScreen(
        "serve", args, command=command, host=args.host, port=args.port,
        title=f"Simulator workshop {ws.code}", public_url=url, passcode=passcode,
        pool_argv=app_argv(args, ws.code) if getattr(args, "warm_pool", False) else None,
    )
