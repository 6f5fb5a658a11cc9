"""``leaderboard`` and ``progress``: a workshop's ranking and a trainee's own results."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simulator.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    OpenScreen,
    error,
    print_json,
    remembered_name,
    results_store,
    scenario_titles,
    short,
    table,
    workshop_code,
)
from simulator.report.console import pass_label

LIVE_INTERVAL = 2.0  # seconds between two reads of the store by `leaderboard --live`


# ---------------------------------------------------------------------------- leaderboard


def leaderboard_csv(rows: list[dict[str, Any]], scenarios: list[str]) -> str:
    from simulator.report.exports import _csv

    header = ["rank", "name", "total", *scenarios, "passed", "attempts", "finished",
              "kept", "escalated", "lost", "unfinished"]
    body = []
    for r in rows:
        o = r["outcomes"]
        body.append(
            [r["rank"], r["name"], r["total"], *(r["per_scenario"].get(s) for s in scenarios),
             "yes" if r.get("passed") else "no", r["attempts"], r["finished"], o["kept"], o["escalated"], o["lost"], o["unfinished"]]
        )
    return _csv(header, body)


def leaderboard_text(rows: list[dict[str, Any]], scenarios: list[str]) -> str:
    if not rows:
        return "No attempts yet."
    header = ["#", "Trainee", "Total", *scenarios, "Passed", "Tries", "Kept", "Esc.", "Lost",
              "Status"]
    body = []
    for r in rows:
        o = r["outcomes"]
        body.append(
            [str(r["rank"]), short(r["name"], 28), str(r["total"]),
             *(str(r["per_scenario"].get(s, "—")) for s in scenarios),
             _passed_cell(r, len(scenarios)), str(r["attempts"]), str(o["kept"]), str(o["escalated"]), str(o["lost"]),
             "playing" if r.get("playing") else ""]
        )
    n = len(scenarios)
    return table(header, body, right={0, 2, *range(3, 3 + n), *range(4 + n, 4 + n + 4)})


def _passed_cell(row: dict[str, Any], scenarios: int) -> str:
    """"yes" when every scenario has a passed attempt, else how many of them do."""
    if row.get("passed"):
        return "yes"
    done = len(row.get("passed_scenarios") or [])
    return f"no ({done}/{scenarios})" if scenarios > 1 else "no"


def cmd_leaderboard(args: argparse.Namespace) -> int:
    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    with results_store(args) as store:
        ws = store.workshop(code)
        rows = [] if args.live else store.leaderboard(code)
        reviewed = 0 if args.live else len(store.overrides(workshop=code))
    if args.live:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            error("--live needs a terminal; without one use --format text, json or csv")
            return EXIT_USAGE
        # The live board is a Textual screen: the entry point (simulator.tui.launch) opens it.
        raise OpenScreen(
            "leaderboard", args, code=ws.code, titles=scenario_titles(args, ws.scenarios),
            interval=LIVE_INTERVAL,
        )
    if args.format == "json":
        print_json(rows)
    elif args.format == "csv":
        sys.stdout.write(leaderboard_csv(rows, ws.scenarios))
    else:
        status = "closed" if ws.closed else "open"
        print(f"{ws.name} ({ws.code}, {ws.mode}, {status})\n")
        print(leaderboard_text(rows, ws.scenarios))
        from simulator.report.model import reviewed_statement

        print("\nTotal: the sum of each trainee's best finished score per scenario.")
        print(reviewed_statement(reviewed))
        marks = "its own pass mark" if ws.pass_mark is None else f"a pass mark of {ws.pass_mark}"
        print(f"Passed: a passed attempt in every scenario ({marks}; a critical rule fails one).")
    return EXIT_OK


# ---------------------------------------------------------------------------- progress


def cmd_progress(args: argparse.Namespace) -> int:
    name = getattr(args, "name", None) or remembered_name()
    if not name:
        error("whose progress? give --name NAME (or set your name in the app once)")
        return EXIT_USAGE
    from simulator.service.review import trainer_notes

    with results_store(args) as store:
        attempts = store.attempts(trainee=name)
        best = store.best_scores(name)
        notes = trainer_notes(store, [a["id"] for a in attempts])
    if args.format == "json":
        print_json(
            {
                "name": name,
                "attempts": [
                    {
                        **{k: a[k] for k in ("id", "workshop", "scenario_id", "mode", "difficulty",
                                             "started_at", "finished_at", "outcome", "score",
                                             "pass_mark", "passed", "level", "turn_count")},
                        "trainer_notes": notes.get(a["id"], []),
                    }
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
            pass_label(a["passed"], a["level"]),
            str(a["turn_count"]),
        ]
        for a in attempts
    ]
    print(table(["Started (UTC)", "Workshop", "Scenario", "Mode", "Outcome", "Score", "Result",
                 "Replies"], rows, right={5, 7}))
    if best:
        print("\nPersonal bests:")
        width = max(len(s) for s in best)
        for sid, score in sorted(best.items()):
            print(f"  {sid.ljust(width)}  {score:>3}/100")
    if notes:
        print("\nYour trainer's notes:")
        for a in attempts:
            for n in notes.get(a["id"], []):
                when = (a["started_at"] or "")[:16].replace("T", " ")
                print(f"  {a['scenario_id']} ({when}), reply {n['number']}: {short(n['reply'], 70)}")
                if n["note"]:
                    print(f"    your trainer's note: {n['note']}")
                changed = ", ".join(
                    f"{k.replace('_', ' ')}: {'yes' if v else 'no'}" for k, v in n["labels"].items()
                )
                if changed:
                    print(f"    your trainer's labels: {changed}")
                if n["misfired"]:
                    print(f"    rules your trainer says fired wrongly: {', '.join(n['misfired'])}")
    return EXIT_OK
