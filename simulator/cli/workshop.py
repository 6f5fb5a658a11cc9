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
from typing import TYPE_CHECKING, Any

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
    from simulator.model.library import Library
    from simulator.store.store import Store, Workshop

# ---------------------------------------------------------------------------- workshop


def cmd_workshop(args: argparse.Namespace) -> int:
    if args.action == "create":
        return _create(args)
    if args.action == "show":
        return _show(args)
    if args.action == "close":
        return _close(args)
    return _list(args)


def _rule_settings(
    args: argparse.Namespace, lib: Library, ids: list[str]
) -> tuple[list[str], dict[str, float]] | None:
    """The workshop's ``--disable`` and ``--weight`` options, each rule id checked
    against the rules its scenarios score with; None (after saying why) if refused."""
    import difflib

    known: dict[str, None] = {}
    for sid in ids:
        sc = lib.scenario(sid)
        for pack in lib.packs_for(sc):
            known.update(dict.fromkeys(r.id for r in pack.rules))
        known.update(dict.fromkeys(r.id for r in sc.scoring.rules))
    disabled = [str(r).strip() for r in getattr(args, "disable", None) or []]
    weights: dict[str, float] = {}
    bad = 0
    for item in getattr(args, "weight", None) or []:
        rid, sep, value = str(item).partition("=")
        rid = rid.strip()
        try:
            points = float(value)
        except ValueError:
            points = float("nan")
        if not sep or not rid or not -100 <= points <= 100:
            error(f"--weight {item}: give RULE_ID=N, N the points from -100 to 100 (e.g. --weight "
                  f"{rid or 'RULE_ID'}=-10)")
            bad += 1
            continue
        if rid in weights:
            error(f"--weight {rid} is given twice")
            bad += 1
        weights[rid] = points
    for rid in dict.fromkeys([*disabled, *weights]):
        if rid in known:
            continue
        close = difflib.get_close_matches(rid, list(known), n=5, cutoff=0.5)
        hint = f"; close ids: {', '.join(close)}" if close else ""
        error(f"unknown rule '{rid}': no scenario of this workshop ({', '.join(ids)}) has it{hint}")
        bad += 1
    both = [rid for rid in dict.fromkeys(disabled) if rid in weights]
    if both:
        error(f"{', '.join(both)}: a rule is either disabled or re-weighted, not both")
        bad += 1
    return None if bad else (list(dict.fromkeys(disabled)), weights)


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
    settings = _rule_settings(args, lib, ids)
    if settings is None:
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        with store:
            ws = store.create_workshop(
                args.name, ids, mode=args.mode, time_limit=args.time_limit, pass_mark=pass_mark,
                disabled_rules=settings[0], rule_weights=settings[1],
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
        from simulator.report.model import rule_settings_statement

        statement = rule_settings_statement(ws.to_dict())
        if statement:
            print(statement)
        print(f"\nJoin code: {ws.code}\n")
        print("Trainees join in a terminal with:")
        print(f"  simulator play --workshop {ws.code} --name 'Their Name'")
        print("or in a browser, once you serve it:")
        print(f"  simulator serve --workshop {ws.code} --host 0.0.0.0")
        print(f"Follow the scores with: simulator leaderboard {ws.code} --live")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from simulator.report.model import NO_RULE_SETTINGS, rule_settings_statement
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
            attempts = store.attempts(workshop=code)
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    statement = rule_settings_statement(ws.to_dict()) or NO_RULE_SETTINGS
    item = {
        **ws.to_dict(),
        "rule_settings": statement,
        "attempts": len(attempts),
        "trainees": len({a["trainee"].casefold() for a in attempts}),
    }
    if args.format == "json":
        print_json(item)
        return EXIT_OK
    titles = scenario_titles(args, ws.scenarios)
    status = f"closed since {ws.closed_at}" if ws.closed else "open"
    limit = f", {ws.time_limit:g} s per reply" if ws.time_limit else ""
    print(f"Workshop “{ws.name}” ({ws.code}): {ws.mode}{limit}, {status}")
    print(f"Created {ws.created_at[:16].replace('T', ' ')} UTC")
    print("Scenarios:")
    for sid in ws.scenarios:
        title = f": {titles[sid]}" if sid in titles else ""
        print(f"  - {sid}{title}")
    mark = ws.pass_mark if ws.pass_mark is not None else "each scenario's own"
    print(f"Pass mark: {mark}")
    print(statement)
    print(f"Trainees: {item['trainees']}, attempts: {item['attempts']}")
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
    from simulator.report.exports import XapiOptions, render_workshop, xapi_statements
    from simulator.report.xapi import DEFAULT_HOME_PAGE
    from simulator.store.store import StoreError

    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    xapi = args.format == "xapi"
    lrs = getattr(args, "lrs", None)
    problem = _xapi_usage(args, xapi)
    if problem is not None:
        error(problem)
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        with store:
            ws = store.workshop(code)
            # CSV, JSON and xAPI carry every reply; the reports need only figures and a few quotes.
            data = store.workshop_data(
                code,
                titles=scenario_titles(args, ws.scenarios),
                turns=args.format in ("csv", "json", "xapi"),
            )
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    options = XapiOptions(
        home_page=args.home_page or DEFAULT_HOME_PAGE, include_text=args.include_text
    )
    text = render_workshop(data, args.format, options)
    if args.output and args.output != "-":
        path = Path(args.output)
        failed = write_file(path, text)
        if failed is not None:
            return failed
        what = f"{len(data['attempts'])} attempts"
        if xapi:
            what = f"{len(xapi_statements(data, options))} statements, {what}"
        print(f"Wrote {path} ({args.format}, {what})", file=sys.stderr)
    elif not lrs or args.output == "-":
        sys.stdout.write(text)
    if lrs:
        return _post_to_lrs(args, xapi_statements(data, options))
    return EXIT_OK


def _xapi_usage(args: argparse.Namespace, xapi: bool) -> str | None:
    """Why the xAPI options given do not go together, or None."""
    from simulator.cli.lrs import check_endpoint

    if not xapi:
        given = [
            flag
            for flag, value in (
                ("--include-text", args.include_text),
                ("--home-page", args.home_page),
                ("--lrs", args.lrs),
                ("--lrs-user", args.lrs_user),
                ("--lrs-password", args.lrs_password),
            )
            if value
        ]
        if given:
            return f"{', '.join(given)}: only with --format xapi"
        return None
    if args.home_page is not None and check_endpoint(args.home_page) is not None:
        return f"--home-page {args.home_page!r}: give an address such as https://example.org"
    if args.lrs_batch < 1:
        return "--lrs-batch: give a number of statements of at least 1"
    if args.lrs:
        return check_endpoint(args.lrs)
    if args.lrs_user or args.lrs_password:
        return "--lrs-user and --lrs-password go with --lrs URL"
    return None


def _post_to_lrs(args: argparse.Namespace, statements: list[dict[str, Any]]) -> int:
    from simulator.cli.lrs import LrsError, post_statements

    user = args.lrs_user or os.environ.get("SIMULATOR_LRS_USER") or None
    password = args.lrs_password or os.environ.get("SIMULATOR_LRS_PASSWORD") or None
    sent = 0

    def progress(report: Any) -> None:
        nonlocal sent
        sent = report.sent

    try:
        report = post_statements(
            args.lrs, statements, user=user, password=password, batch=args.lrs_batch,
            progress=progress,
        )
    except LrsError as exc:
        error(str(exc))
        kept = f" (written to {args.output})" if args.output and args.output != "-" else ""
        if sent:
            error(
                f"{sent} of {len(statements)} statements were posted before that; posting "
                f"again is safe (the LRS keeps one copy of each){kept}"
            )
        else:
            error(f"no statement was posted{kept}")
        return EXIT_USAGE
    already = report.sent - report.stored
    note = f" ({already} already there)" if already else ""
    print(
        f"Posted {report.sent} statements to {args.lrs}: {report.stored} new{note}",
        file=sys.stderr,
    )
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
