"""``play`` (headless with --script / --stdin, else the app), ``replay``, and the app."""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulator.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    OpenScreen,
    error,
    library,
    print_json,
    read_text_file,
    use_color,
)
from simulator.engine import EngineError, Session
from simulator.engine import transcript as tr
from simulator.model.library import UnknownScenario
from simulator.paths import transcripts_dir
from simulator.report.console import debrief_text, verdict_text

_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def split_script(text: str) -> list[str]:
    """One reply per paragraph: blank lines separate replies, single newlines stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in _PARAGRAPH.split(text) if p.strip()]


def new_transcript_path(scenario_id: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    return transcripts_dir() / f"{stamp}-{scenario_id}.jsonl"


def cmd_app(args: argparse.Namespace, scenario: str | None = None) -> int:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        error(
            "the app needs a terminal; to play without one use "
            "'simulator play --scenario ID --script FILE' (or --stdin)"
        )
        return EXIT_USAGE
    raise OpenScreen("app", args, scenario=scenario)


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
    replies = read_replies(args)
    if replies is None:
        return EXIT_USAGE
    name = trainee_name(args)
    store = None if no_record or not name else open_store(args)
    path = Path(args.transcript) if args.transcript else new_transcript_path(scenario.id)
    session = Session(
        scenario,
        lib.packs_for(scenario),
        mode=args.mode,
        seed=args.seed,
        time_limit=args.time_limit,
        transcript=path,
        trainee=name or None,
    )
    rec = None
    try:
        if store is not None:
            rec = start_recording(session, store, name)
        try:
            result = play_script(session, replies, text=args.format != "json", color=use_color())
            if rec is not None and not session.ended:
                rec.abandon()  # unfinished: kept as such, and the app offers to resume it
        except Exception as exc:
            if rec is None or not _is_store_error(exc):
                raise
            error(f"the results store failed, this attempt is not fully recorded: {exc}")
            return EXIT_FAIL
    finally:
        session.close()
        if store is not None:
            store.close()
    result["transcript"] = str(path)
    result["trainee"] = name if rec is not None else None
    result["attempt_id"] = rec.attempt_id if rec is not None else None
    if args.format == "json":
        print_json(result)
    else:
        print(f"\nTranscript: {path}")
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


def trainee_name(args: argparse.Namespace) -> str:
    """--name, else the name remembered in the profile (set in the app), else ''."""
    from simulator import profile

    given = getattr(args, "name", None)
    return profile.clean_name(given if given is not None else (profile.load().name or ""))


def open_store(args: argparse.Namespace) -> Any:
    """The results store of --db (or the default), or None after saying why not."""
    from simulator.store.store import Store, StoreError

    try:
        return Store.open(getattr(args, "db", None))
    except StoreError as exc:
        error(str(exc))
        return None


def start_recording(session: Session, store: Any, name: str) -> Any:
    """A Recorder for a headless session, or None after saying why it cannot record."""
    from simulator.store.recorder import Recorder
    from simulator.store.store import StoreError

    try:
        return Recorder(session, store, name)
    except StoreError as exc:
        error(str(exc))
        return None


def _is_store_error(exc: BaseException) -> bool:
    from simulator.store.store import StoreError

    return isinstance(exc, StoreError)


def read_replies(args: argparse.Namespace) -> list[str] | None:
    if args.script:
        text = read_text_file(args.script)
        if text is None:
            return None
        where = args.script
    else:
        raw = sys.stdin.buffer.read()
        try:
            text = raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            error(f"standard input, line {line}: not valid UTF-8; send UTF-8 text")
            return None
        where = "standard input"
    replies = split_script(text)
    if not replies:
        error(
            f"{where}: no replies found (write one reply per paragraph, separated by a blank line)"
        )
        return None
    return replies


def play_script(session: Session, replies: list[str], *, text: bool, color: bool) -> dict[str, Any]:
    """Play replies in order until an ending or the script runs out."""
    say = print if text else (lambda *a, **k: None)
    practice = session.mode == "practice"
    say(f"{session.scenario.title} ({session.scenario.id}, {session.mode})\n")
    used = 0
    for reply in replies:
        if session.ended:
            break
        say(f"CUSTOMER: {session.customer_line}\n")
        say(f"YOU: {reply}\n")
        started = time.perf_counter()
        try:
            result = session.reply(reply, elapsed=None)
        except EngineError as exc:  # pragma: no cover - empty replies are filtered out above
            error(str(exc))
            continue
        del started
        used += 1
        if practice:
            say(_indent(verdict_text(result.turn.verdict, color)) + "\n")
        elif result.turn.verdict.notices:
            say(_indent("\n".join(result.turn.verdict.notices)) + "\n")
    if session.ended:
        if session.customer_line:
            say(f"CUSTOMER: {session.customer_line}\n")
    else:
        say(f"(the script ran out after {used} replies; the customer is still waiting)\n")
    debrief = session.debrief()
    say(debrief_text(debrief, color))
    left = len(replies) - used
    return {
        "scenario": session.scenario.id,
        "mode": session.mode,
        "outcome": session.outcome,
        "ending": debrief.ending,
        "score": debrief.score,
        "turns": [t.to_dict() for t in session.turns],
        "unused_replies": left,
        "debrief": debrief.to_dict(),
    }


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.splitlines())


# ---------------------------------------------------------------------------- replay


def accepted_replies(events: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(reply event, verdict event) of the replies that stood (retries removed)."""
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    pending: dict[str, Any] | None = None
    for e in events:
        if e.get("type") == "reply":
            pending = e
        elif e.get("type") == "verdict" and pending is not None:
            out.append((pending, e))
            pending = None
        elif e.get("type") == "retry" and out:
            out.pop()
    return out


def cmd_replay(args: argparse.Namespace) -> int:
    path = Path(args.transcript)
    if not path.is_file():
        error(f"{path}: no such file")
        return EXIT_USAGE
    log = tr.read(path)
    warnings = list(log.warnings)
    header = log.header
    if header is None:
        for w in warnings:
            error(w)
        error(f"{path}: not a transcript of the simulator")
        return EXIT_USAGE
    lib = library(args)
    try:
        scenario = lib.scenario(str(header.get("scenario")))
    except UnknownScenario as exc:
        error(f"{path}: {exc}")
        return EXIT_USAGE
    if str(header.get("scenario_version")) != scenario.version:
        warnings.append(
            f"recorded with version {header.get('scenario_version')} of '{scenario.id}', the "
            f"library has version {scenario.version}: nodes and lines may differ"
        )
    packs = lib.packs_for(scenario)
    old_packs = header.get("packs") or {}
    for p in packs:
        if p.id in old_packs and str(old_packs[p.id]) != p.version:
            warnings.append(f"rule pack '{p.id}': recorded {old_packs[p.id]}, now {p.version}")
    pairs = accepted_replies(log.events)
    if not pairs:
        warnings.append("no replies were recorded")
    # Re-play the same replies from the start with today's rules.
    session = Session(
        scenario, packs, mode=header.get("mode", "practice"), seed=header.get("seed", 0)
    )
    turns: list[dict[str, Any]] = []
    diverged_at: int | None = None
    for reply_event, verdict_event in pairs:
        old = verdict_event["verdict"]
        node = reply_event.get("node")
        if session.ended:
            turns.append(_replay_row(reply_event, old, None, node, None))
            diverged_at = diverged_at or int(reply_event.get("turn", 0))
            continue
        if node != session.node and diverged_at is None:
            diverged_at = session.turn_number
        result = session.reply(reply_event["text"], elapsed=reply_event.get("elapsed"))
        turns.append(
            _replay_row(reply_event, old, result.turn.verdict.to_dict(), node, session.node)
        )
    old_end = next((e for e in log.events if e.get("type") == "end"), None)
    old_outcome = old_end["outcome"] if old_end else "unfinished"
    new_debrief = session.debrief()
    old_score = old_end.get("score") if old_end else None
    report = {
        "transcript": str(path),
        "scenario": scenario.id,
        "warnings": warnings,
        "turns": turns,
        "old": {
            "outcome": old_outcome,
            "ending": old_end.get("ending") if old_end else None,
            "score": old_score,
        },
        "new": {
            "outcome": session.outcome,
            "ending": new_debrief.ending,
            "score": new_debrief.score,
        },
        "diverged_at": diverged_at,
    }
    report["changed"] = (
        any(t["score_change"] or t["added"] or t["removed"] for t in turns)
        or report["old"]["outcome"] != report["new"]["outcome"]
        or report["old"]["ending"] != report["new"]["ending"]
    )
    if args.format == "json":
        print_json(report)
        return EXIT_OK
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"Replay of {path.name} ({scenario.id}) with today's rule packs\n")
    for t in turns:
        change = "same" if not t["score_change"] else f"{t['score_change']:+d}"
        new = "—" if t["new_score"] is None else str(t["new_score"])
        print(
            f"  turn {t['turn']:>2}: {t['old_score']:>3} -> {new:>3} ({change})  {_short(t['reply'])}"
        )
        for rid in t["added"]:
            print(f"           + {rid} now fires")
        for rid in t["removed"]:
            print(f"           - {rid} no longer fires")
    o, n = report["old"], report["new"]
    print(f"\nEnding: {o['outcome']} ({o['ending']}) -> {n['outcome']} ({n['ending']})")
    print(f"Total score: {o['score']} -> {n['score']}")
    if diverged_at:
        print(f"From turn {diverged_at} the conversation takes another path with today's rules.")
    print("Nothing changed." if not report["changed"] else "")
    return EXIT_OK


def _replay_row(
    reply_event: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any] | None,
    node: Any,
    now_at: Any,
) -> dict[str, Any]:
    old_rules = {h["rule"] for h in old.get("hits", [])}
    new_rules = {h["rule"] for h in new.get("hits", [])} if new else set()
    return {
        "turn": reply_event.get("turn"),
        "node": node,
        "reply": reply_event.get("text", ""),
        "old_score": old.get("score"),
        "new_score": new.get("score") if new else None,
        "score_change": (new["score"] - old["score"]) if new else 0,
        "added": sorted(new_rules - old_rules) if new else [],
        "removed": sorted(old_rules - new_rules) if new else [],
    }


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
