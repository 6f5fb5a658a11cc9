"""``play`` (headless with --script / --stdin, else the app) and ``replay``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    cmd_app,
    error,
    library,
    open_store,
    print_json,
    read_replies,
    short,
    use_color,
)
from simulator.model.library import UnknownScenario
from simulator.service import ServiceError, headless, sessions
from simulator.service.replay import replay

if TYPE_CHECKING:
    from simulator.model.library import Library
    from simulator.store.store import Store

__all__ = ["cmd_app", "cmd_play", "cmd_replay", "read_replies", "trainee_name"]


def cmd_play(args: argparse.Namespace) -> int:
    no_record = bool(getattr(args, "no_record", False))
    if args.workshop and no_record:
        error("--no-record cannot be used with --workshop: a workshop records every attempt")
        return EXIT_USAGE
    if args.workshop:
        from simulator.cli.workshop import play_workshop

        return int(play_workshop(args))
    if not args.scenario:
        if args.script or args.stdin:
            error("--scenario ID is required with --script or --stdin (see 'simulator list')")
            return EXIT_USAGE
        return cmd_app(args)
    if not (args.script or args.stdin):
        if sys.stdin.isatty():
            return cmd_app(args, scenario=args.scenario)
        error("no terminal: give the replies with --script FILE or --stdin")
        return EXIT_USAGE
    lib = library(args)
    try:
        scenario = lib.scenario(args.scenario)
    except UnknownScenario as exc:
        error(str(exc))
        return EXIT_USAGE
    path = Path(args.transcript) if args.transcript else None
    try:
        if path is not None:
            sessions.check_transcript_target(path)
    except ServiceError as exc:
        error(str(exc))
        return EXIT_USAGE
    replies = read_replies(args)
    if replies is None:
        return EXIT_USAGE
    name = trainee_name(args)
    store = None if no_record or not name else open_store(args)
    if store is None:
        return _play_headless(args, lib, scenario.id, replies, name, None, path)
    with store:
        return _play_headless(args, lib, scenario.id, replies, name, store, path)


def _play_headless(
    args: argparse.Namespace,
    lib: Library,
    scenario_id: str,
    replies: list[str],
    name: str,
    store: Store | None,
    path: Path | None,
) -> int:
    no_record = bool(getattr(args, "no_record", False))
    text = args.format != "json"
    try:
        play = sessions.start(
            lib, scenario_id, mode=args.mode, seed=args.seed, time_limit=args.time_limit,
            trainee=name, store=store, transcript=path, record=not no_record,
            difficulty=getattr(args, "difficulty", None),
        )
    except ServiceError as exc:
        error(str(exc))
        return EXIT_USAGE
    if play.record_error:
        error(play.record_error)
    where = play.session.log.path
    try:
        result = headless.run_script(
            play, replies, say=print if text else None, color=use_color()
        )
        play.stop()  # unfinished: kept as such, and the app offers to resume it
    except BrokenPipeError:
        raise  # the reader of our output went away: the entry point handles it
    except OSError as exc:
        error(f"{where}: cannot write the transcript: {exc.strerror}")
        return EXIT_USAGE
    except Exception as exc:
        if play.recorder is None or not _is_store_error(exc):
            raise
        error(f"the results store failed, this attempt is not fully recorded: {exc}")
        return EXIT_FAIL
    finally:
        play.session.close()
    rec = play.recorder
    result["transcript"] = str(where)
    result["trainee"] = name if rec is not None else None
    result["attempt_id"] = play.attempt_id
    if args.format == "json":
        print_json(result)
    else:
        print(f"\nTranscript: {where}")
        if rec is not None:
            print(f"Recorded in the progress of {name} ('simulator progress' lists it).")
    if rec is None and not no_record:
        why = (
            "no name; give --name NAME, or set your name in the app once"
            if not name
            else "the results store could not be used"
        )
        error(f"this attempt is not recorded in your progress: {why}")
    return EXIT_OK


def _is_store_error(exc: BaseException) -> bool:
    from simulator.store.store import StoreError  # (loads the database layer: only here)

    return isinstance(exc, StoreError)


def trainee_name(args: argparse.Namespace) -> str:
    """--name, else the name remembered in the profile (set in the app), else ''."""
    from simulator import profile

    given = getattr(args, "name", None)
    return profile.clean_name(given if given is not None else (profile.load().name or ""))


# ---------------------------------------------------------------------------- replay


def cmd_replay(args: argparse.Namespace) -> int:
    path = Path(args.transcript)
    if not path.is_file():
        error(f"{path}: no such file")
        return EXIT_USAGE
    try:
        report = replay(library(args), path)
    except ServiceError as exc:
        for line in str(exc).splitlines():
            error(line)
        return EXIT_USAGE
    if args.format == "json":
        print_json(report)
        return EXIT_OK
    for w in report["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"Replay of {path.name} ({report['scenario']}) with today's rule packs")
    if report.get("rules"):
        from simulator.report.model import rule_settings_statement

        rules = report["rules"]
        settings = {"disabled_rules": rules["disable"], "rule_weights": rules["weights"]}
        print(f"and its workshop's rule settings ({rule_settings_statement(settings)})")
    print()
    for t in report["turns"]:
        change = "same" if not t["score_change"] else f"{t['score_change']:+d}"
        new = "—" if t["new_score"] is None else str(t["new_score"])
        print(
            f"  turn {t['turn']:>2}: {t['old_score']:>3} -> {new:>3} ({change})  "
            f"{short(t['reply'], 50)}"
        )
        for rid in t["added"]:
            print(f"           + {rid} now fires")
        for rid in t["removed"]:
            print(f"           - {rid} no longer fires")
    o, n = report["old"], report["new"]
    print(f"\nEnding: {o['outcome']} ({o['ending']}) -> {n['outcome']} ({n['ending']})")
    print(f"Total score: {o['score']} -> {n['score']}")
    if report["diverged_at"]:
        print(
            f"From turn {report['diverged_at']} the conversation takes another path with "
            "today's rules."
        )
    print("Nothing changed." if not report["changed"] else "")
    return EXIT_OK
