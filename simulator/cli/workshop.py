"""Workshops: ``workshop create|close|list``, ``serve``, ``leaderboard``, ``export``,
``progress`` and ``play --workshop``.

A facilitator creates a workshop (a set of scenarios, a mode, a join code); trainees play
it in their terminal (``play --workshop CODE``) or in a browser (``serve``); every turn is
written to the results store when it is sent; the leaderboard and the exports read it.

Headless play into a workshop (``play --workshop CODE --name NAME --script FILE``):
the script holds one reply per paragraph (blank lines separate replies). The workshop's
scenarios are played in the workshop's order and the replies are consumed in order: each
scenario takes replies until its conversation ends, and the next scenario starts with the
next reply. To give each scenario its own replies whatever happens, separate the script
into sections with a paragraph that is just ``---``: section N goes to scenario N, replies
left over in a section are dropped (and reported), and a section that runs out leaves
that scenario's attempt unfinished. A scenario with no reply left is not started.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    OpenScreen,
    error,
    library,
    print_json,
    use_color,
)

if TYPE_CHECKING:
    from simulator.model.library import Library
    from simulator.store.store import Store

SECTION_BREAK = "---"
LIVE_INTERVAL = 2.0  # seconds between two reads of the store by `leaderboard --live`


# ---------------------------------------------------------------------------- helpers


def _open_store(args: argparse.Namespace) -> Store | None:
    from simulator.store.store import Store, StoreError

    try:
        return Store.open(getattr(args, "db", None))
    except StoreError as exc:
        error(str(exc))
        return None


def _code(raw: str) -> str | None:
    """The canonical join code, or None after printing why it is not one."""
    from simulator.store.store import clean_text, valid_code

    code = valid_code(raw)
    if code is None:
        error(
            f"'{clean_text(raw)[:20]}' is not a workshop code (six letters and digits, like K7QMPX)"
        )
    return code


def _titles(args: argparse.Namespace, ids: list[str]) -> dict[str, str]:
    try:
        lib = library(args)
    except Exception:  # the library is only used for titles here
        return {}
    return {i: lib.scenarios[i].title for i in ids if i in lib.scenarios}


def _profile_name() -> str | None:
    try:
        from simulator import profile
    except ImportError:  # pragma: no cover - the profile module is optional
        return None
    return profile.load().name


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    right = right or set()
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    out = []
    for row in [header, *rows]:
        cells = [
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        out.append("  ".join(cells).rstrip())
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


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
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        ws = store.create_workshop(args.name, ids, mode=args.mode, time_limit=args.time_limit)
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    finally:
        store.close()
    if args.format == "json":
        print_json(ws.to_dict())
    elif getattr(args, "quiet", False):
        print(ws.code)
    else:
        limit = f", {ws.time_limit:g} s per reply" if ws.time_limit else ""
        print(f"Workshop “{ws.name}” created ({ws.mode}{limit}).")
        for sid in ws.scenarios:
            print(f"  - {sid}: {lib.scenarios[sid].title}")
        print(f"\nJoin code: {ws.code}\n")
        print("Trainees join in a terminal with:")
        print(f"  simulator play --workshop {ws.code} --name 'Their Name'")
        print("or in a browser, once you serve it:")
        print(f"  simulator serve --workshop {ws.code} --host 0.0.0.0")
        print(f"Follow the scores with: simulator leaderboard {ws.code} --live")
    return EXIT_OK


def _close(args: argparse.Namespace) -> int:
    from simulator.store.store import StoreError

    code = _code(args.code)
    if code is None:
        return EXIT_USAGE
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        was_closed = store.workshop(code).closed
        ws = store.close_workshop(code)
        n = len(store.attempts(workshop=code))
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    finally:
        store.close()
    if was_closed:
        print(f"Workshop {ws.code} was already closed (since {ws.closed_at}).")
    else:
        print(f"Workshop {ws.code} is closed: it accepts no new attempts ({n} recorded).")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
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
    finally:
        store.close()
    if args.format == "json":
        print_json(items)
        return EXIT_OK
    if not items:
        print("No workshops yet. Create one with: simulator workshop create NAME --scenarios ID,ID")
        return EXIT_OK
    rows = [
        [
            w["code"],
            _short(w["name"], 30),
            w["mode"],
            "closed" if w["closed"] else "open",
            str(w["trainees"]),
            str(w["attempts"]),
            _short(", ".join(w["scenarios"]), 40),
            w["created_at"][:16].replace("T", " "),
        ]
        for w in items
    ]
    print(
        _table(
            ["Code", "Name", "Mode", "Status", "Trainees", "Attempts", "Scenarios", "Created (UTC)"],
            rows,
            right={4, 5},
        )
    )
    return EXIT_OK


# ---------------------------------------------------------------------------- leaderboard


def leaderboard_csv(rows: list[dict[str, Any]], scenarios: list[str]) -> str:
    from simulator.report.exports import _csv

    header = ["rank", "name", "total", *scenarios, "attempts", "finished",
              "kept", "escalated", "lost", "unfinished"]
    body = []
    for r in rows:
        o = r["outcomes"]
        body.append(
            [r["rank"], r["name"], r["total"], *(r["per_scenario"].get(s) for s in scenarios),
             r["attempts"], r["finished"], o["kept"], o["escalated"], o["lost"], o["unfinished"]]
        )
    return _csv(header, body)


def leaderboard_text(rows: list[dict[str, Any]], scenarios: list[str]) -> str:
    if not rows:
        return "No attempts yet."
    header = ["#", "Trainee", "Total", *scenarios, "Tries", "Kept", "Esc.", "Lost", "Status"]
    body = []
    for r in rows:
        o = r["outcomes"]
        body.append(
            [str(r["rank"]), _short(r["name"], 28), str(r["total"]),
             *(str(r["per_scenario"].get(s, "—")) for s in scenarios),
             str(r["attempts"]), str(o["kept"]), str(o["escalated"]), str(o["lost"]),
             "playing" if r.get("playing") else ""]
        )
    n = len(scenarios)
    return _table(header, body, right={0, 2, *range(3, 3 + n + 4)})


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from simulator.store.store import StoreError

    code = _code(args.code)
    if code is None:
        return EXIT_USAGE
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        ws = store.workshop(code)
    except StoreError as exc:
        store.close()
        error(str(exc))
        return EXIT_USAGE
    if args.live:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            store.close()
            error("--live needs a terminal; without one use --format text, json or csv")
            return EXIT_USAGE
        store.close()
        # The live board is a Textual screen: the entry point (simulator.tui.launch) opens it.
        raise OpenScreen(
            "leaderboard", args, code=ws.code, titles=_titles(args, ws.scenarios),
            interval=LIVE_INTERVAL,
        )
    try:
        rows = store.leaderboard(code)
    finally:
        store.close()
    if args.format == "json":
        print_json(rows)
    elif args.format == "csv":
        sys.stdout.write(leaderboard_csv(rows, ws.scenarios))
    else:
        status = "closed" if ws.closed else "open"
        print(f"{ws.name} ({ws.code}, {ws.mode}, {status})\n")
        print(leaderboard_text(rows, ws.scenarios))
        print("\nTotal: the sum of each trainee's best finished score per scenario.")
    return EXIT_OK


# ---------------------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace) -> int:
    from simulator.report.exports import render_workshop
    from simulator.store.store import StoreError

    code = _code(args.code)
    if code is None:
        return EXIT_USAGE
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        ws = store.workshop(code)
        # CSV and JSON carry every reply; the reports need only figures and a few quotes.
        data = store.workshop_data(
            code, titles=_titles(args, ws.scenarios), turns=args.format in ("csv", "json")
        )
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    finally:
        store.close()
    text = render_workshop(data, args.format)
    if not args.output or args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(args.output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except OSError as exc:
        error(f"{path}: cannot write: {exc.strerror}")
        return EXIT_FAIL
    print(f"Wrote {path} ({args.format}, {len(data['attempts'])} attempts)", file=sys.stderr)
    return EXIT_OK


# ---------------------------------------------------------------------------- progress


def cmd_progress(args: argparse.Namespace) -> int:
    name = getattr(args, "name", None) or _profile_name()
    if not name:
        error("whose progress? give --name NAME (or set your name in the app once)")
        return EXIT_USAGE
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        attempts = store.attempts(trainee=name)
        best = store.best_scores(name)
    finally:
        store.close()
    if args.format == "json":
        print_json(
            {
                "name": name,
                "attempts": [
                    {k: a[k] for k in ("id", "workshop", "scenario_id", "mode", "started_at",
                                       "finished_at", "outcome", "score", "turn_count")}
                    for a in attempts
                ],
                "best": best,
            }
        )
        return EXIT_OK
    if not attempts:
        print(f"No attempts recorded for {name} yet.")
        return EXIT_OK
    print(f"Progress of {attempts[-1]['trainee']}: {len(attempts)} attempts\n")
    rows = [
        [
            (a["started_at"] or "")[:16].replace("T", " "),
            a["workshop"] or "",
            a["scenario_id"],
            a["mode"],
            a["outcome"] or "playing",
            "" if a["score"] is None else str(a["score"]),
            str(a["turn_count"]),
        ]
        for a in attempts
    ]
    print(_table(["Started (UTC)", "Workshop", "Scenario", "Mode", "Outcome", "Score", "Replies"],
                 rows, right={5, 6}))
    if best:
        print("\nPersonal bests:")
        width = max(len(s) for s in best)
        for sid, score in sorted(best.items()):
            print(f"  {sid.ljust(width)}  {score:>3}/100")
    return EXIT_OK


# ---------------------------------------------------------------------------- play


def split_sections(replies: list[str]) -> list[list[str]] | None:
    """Replies grouped by ``---`` paragraphs, or None when the script has no break."""
    if SECTION_BREAK not in replies:
        return None
    sections: list[list[str]] = [[]]
    for r in replies:
        if r == SECTION_BREAK:
            sections.append([])
        else:
            sections[-1].append(r)
    return sections


def workshop_transcript_path(code: str, scenario_id: str) -> Path:
    from simulator.paths import transcripts_dir

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    return transcripts_dir() / f"{stamp}-{code}-{os.getpid()}-{scenario_id}.jsonl"


def _web_driver() -> bool:
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def play_workshop(args: argparse.Namespace) -> int:
    from simulator.store.store import StoreError

    code = _code(args.workshop)
    if code is None:
        return EXIT_USAGE
    args.workshop = code
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        try:
            ws = store.workshop(code)
        except StoreError as exc:
            error(str(exc))
            return EXIT_USAGE
        if ws.closed:
            error(f"workshop {ws.code} is closed: it accepts no new attempts")
            return EXIT_USAGE
        if not (args.script or args.stdin):
            store.close()
            if _web_driver():
                # Served by `simulator serve`: no tty, the browser is the terminal.
                raise OpenScreen("app", args)
            from simulator.cli.play import cmd_app

            return int(cmd_app(args))
        return _play_headless(args, store, ws)
    finally:
        store.close()


def _play_headless(args: argparse.Namespace, store: Store, ws: Any) -> int:
    from simulator.cli.play import play_script, read_replies
    from simulator.engine import Session
    from simulator.store.recorder import Recorder
    from simulator.store.store import StoreError, clean_text

    name = clean_text(getattr(args, "name", None) or _profile_name() or "")
    if not name:
        error("give your name with --name NAME: the workshop records who played")
        return EXIT_USAGE
    lib: Library = library(args)
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
    text = args.format != "json"
    queue = list(replies)
    results: list[dict[str, Any]] = []
    dropped = 0
    for i, sid in enumerate(ws.scenarios):
        mine = (sections[i] if i < len(sections) else []) if sections is not None else queue
        if not mine:
            continue
        scenario = lib.scenario(sid)
        path = workshop_transcript_path(ws.code, sid)
        session = Session(
            scenario,
            lib.packs_for(scenario),
            mode="assessment" if ws.mode == "assessment" else "practice",
            seed=args.seed,
            time_limit=ws.time_limit,
            transcript=path,
            trainee=name,
            meta={"workshop": ws.code},
        )
        try:
            try:
                rec = Recorder(session, store, name, workshop=ws.code)
            except StoreError as exc:
                error(str(exc))
                return EXIT_USAGE if "closed" in str(exc) else EXIT_FAIL
            if text and i:
                print("\n" + "=" * 60 + "\n")
            result = play_script(session, mine, text=text, color=use_color())
            used = len(mine) - int(result["unused_replies"])
            if not session.ended:
                rec.abandon()
            if sections is None:
                queue = queue[used:]
            else:
                dropped += int(result["unused_replies"])
        except StoreError as exc:
            error(f"the results store failed: {exc}")
            return EXIT_FAIL
        finally:
            session.close()
        result.update(
            attempt_id=rec.attempt_id,
            transcript=str(path),
            outcome=session.outcome,
            replies_used=used,
        )
        results.append(result)
    left = dropped + (len(queue) if sections is None else 0)
    if args.format == "json":
        print_json(
            {
                "workshop": ws.code,
                "trainee": name,
                "attempts": [
                    {k: r[k] for k in ("attempt_id", "scenario", "mode", "outcome", "ending",
                                       "score", "replies_used", "transcript")}
                    for r in results
                ],
                "unused_replies": left,
            }
        )
        return EXIT_OK
    print("\n" + "=" * 60)
    print(f"Recorded in workshop {ws.code} as {name}:")
    for r in results:
        print(f"  {r['scenario']:<28} {r['outcome']:<10} {r['score']:>3}/100  ({r['replies_used']} replies)")
    not_played = [s for s in ws.scenarios if s not in {r["scenario"] for r in results}]
    if not_played:
        print(f"Not played (no replies left): {', '.join(not_played)}")
    if left:
        print(f"{left} replies of the script were not used.")
    return EXIT_OK


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


def serve_command(args: argparse.Namespace, code: str) -> str:
    """The shell command textual-serve runs for each browser: every part quoted."""
    from simulator.store.store import valid_code

    if valid_code(code) != code:  # never let anything but a join code reach the shell
        raise ValueError(f"not a workshop code: {code!r}")
    parts = [sys.executable, "-m", "simulator"]
    for d in getattr(args, "scenarios", None) or []:
        parts += ["--scenarios", str(Path(d).resolve())]
    ui_lang = getattr(args, "ui_lang", None)
    if ui_lang in ("en", "fr"):
        parts += ["--ui-lang", ui_lang]
    parts += ["play", "--workshop", code]
    return shlex.join(parts)


def cmd_serve(args: argparse.Namespace) -> int:
    from simulator.store.store import StoreError, normalise_url

    code = _code(args.workshop)
    if code is None:
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        error("--port must be between 1 and 65535")
        return EXIT_USAGE
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        error("--public-url must start with http:// or https://")
        return EXIT_USAGE
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    try:
        ws = store.workshop(code)
    except StoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    finally:
        store.close()
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
    print(f"Workshop “{ws.name}” ({ws.code}, {ws.mode}) served on {args.host}:{args.port}")
    print(f"Trainees open: {url}")
    if args.host in ("127.0.0.1", "localhost", "::1"):
        print("Only this computer can connect; add --host 0.0.0.0 to let your network join.")
    else:
        print("Anyone who can reach this address can play: share it with your trainees only.")
    print("Press Ctrl+C to stop.", flush=True)
    raise OpenScreen(
        "serve", args, command=command, host=args.host, port=args.port,
        title=f"Simulator workshop {ws.code}", public_url=url,
    )
