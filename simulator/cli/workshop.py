"""Workshops: ``workshop create|show|close|list`` and ``play --workshop``.

A facilitator creates a workshop (a set of scenarios, a mode, a join code); trainees play
it in their terminal (``play --workshop CODE``) or in a browser (``serve``, in
:mod:`simulator.cli.serve`); every turn is written to the results store when it is sent;
the exports (:mod:`simulator.cli.export`) and the leaderboard
(:mod:`simulator.cli.results`) read it.

Headless play into a workshop (``play --workshop CODE --name NAME --script FILE``) is run
by :mod:`simulator.service.headless`, which says how the script's replies (and its
``---`` sections) are shared among the workshop's scenarios.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from simulator.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    OpenScreen,
    cmd_app,
    error,
    library,
    print_json,
    read_replies,
    remembered_name,
    results_store,
    scenario_titles,
    short,
    table,
    use_color,
    workshop_code,
    workshop_library,
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
    with results_store(args) as store:
        ws = store.create_workshop(
            args.name, ids, mode=args.mode, time_limit=args.time_limit, pass_mark=pass_mark,
            disabled_rules=settings[0], rule_weights=settings[1],
        )
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

    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    with results_store(args) as store:
        ws = store.workshop(code)
        attempts = store.attempts(workshop=code)
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
    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    with results_store(args) as store:
        was_closed = store.workshop(code).closed
        ws = store.close_workshop(code)
        n = len(store.attempts(workshop=code))
    if was_closed:
        print(f"Workshop {ws.code} was already closed (since {ws.closed_at}).")
    else:
        print(f"Workshop {ws.code} is closed: it accepts no new attempts ({n} recorded).")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    with results_store(args) as store:
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


# ---------------------------------------------------------------------------- play


def _web_driver() -> bool:
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def play_workshop(args: argparse.Namespace) -> int:
    code = workshop_code(args.workshop)
    if code is None:
        return EXIT_USAGE
    args.workshop = code
    with results_store(args) as store:
        ws = store.workshop(code)
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
    lib = workshop_library(args, ws)
    if lib is None:
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
