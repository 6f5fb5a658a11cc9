"""``review``: a trainer reads recorded replies, overrides verdicts, exports them labelled.

``simulator review CODE|TRANSCRIPT`` opens the review screen; ``--list`` prints every
reply with its verdict, ``--set TURN LABEL=VALUE ... [--misfired RULE] --note TEXT``
records a review (the recorded verdict is kept as it is), and ``--export-labelled
FILE.jsonl`` writes the reviewed replies for ``simulator eval``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simulator.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    OpenScreen,
    error,
    print_json,
    results_store,
    short,
    write_file,
)
from simulator.service import ServiceError
from simulator.service import review as rv


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def item_text(it: dict[str, Any]) -> str:
    """One reply of ``--list`` as text: who, the reply, the verdict, the review."""
    head = (
        f"[{it['turn']}] {it['trainee']} · {it['scenario']} · reply {it['number']} · "
        f"score {it['score']}"
    )
    lines = [head, f"    {short(it['reply'], 200)}"]
    verdict = "  ".join(f"{name.replace('_', ' ')}: {_yes(it[name])}" for name in rv.LABELS)
    lines.append(f"    verdict: {verdict}")
    lines.append(f"    fired: {', '.join(it['rules']) or 'nothing'}")
    ov = it["override"]
    if ov is not None:
        set_right = [
            f"{k.replace('_', ' ')}: {_yes(v)}" for k, v in ov["labels"].items() if v != it[k]
        ]
        agreed = [k.replace("_", " ") for k, v in ov["labels"].items() if v == it[k]]
        parts = []
        if set_right:
            parts.append("set right " + ", ".join(set_right))
        if agreed:
            parts.append("confirmed " + ", ".join(agreed))
        if ov["misfired"]:
            parts.append("misfired " + ", ".join(ov["misfired"]))
        who = f" ({ov['reviewer']})" if ov["reviewer"] else ""
        lines.append(f"    trainer{who}: {'; '.join(parts) or 'reviewed'}")
        if ov["note"]:
            lines.append(f"    note: {short(ov['note'], 200)}")
    return "\n".join(lines)


def cmd_review(args: argparse.Namespace) -> int:
    actions = [bool(args.list), args.set is not None, args.export_labelled is not None]
    if sum(actions) > 1:
        error("give one of --list, --set and --export-labelled")
        return EXIT_USAGE
    if args.set is None and (args.misfired or args.note is not None):
        error("--misfired and --note go with --set TURN")
        return EXIT_USAGE
    if not any(actions) and not (sys.stdin.isatty() and sys.stdout.isatty()):
        error(
            "the review screen needs a terminal; without one use --list, "
            "--set TURN LABEL=VALUE --note TEXT, or --export-labelled FILE"
        )
        return EXIT_USAGE
    labels: dict[str, bool] = {}
    turn = 0
    if args.set is not None:
        try:
            turn = rv.parse_turn(args.set[0])
            labels = rv.parse_labels(args.set[1:])
        except ServiceError as exc:
            error(str(exc))
            return EXIT_USAGE
    with results_store(args) as store:
        try:
            target = rv.resolve(store, args.target)
        except ServiceError as exc:
            error(str(exc))
            return EXIT_USAGE
        if not any(actions):
            raise OpenScreen("review", args, target=target)
        if args.set is not None:
            try:
                it = rv.record(
                    store,
                    target,
                    turn,
                    labels=labels,
                    misfired=args.misfired,
                    note=args.note,
                    reviewer=args.reviewer,
                )
            except ServiceError as exc:
                error(str(exc))
                return EXIT_USAGE
            if args.format == "json":
                print_json(it)
            else:
                print(f"Recorded your review of reply {turn} (its verdict is kept as recorded).")
                print(item_text(it))
            return EXIT_OK
        found = rv.items(store, target)
    if args.list:
        if args.format == "json":
            print_json(found)
            return EXIT_OK
        if not found:
            print(f"No replies recorded in {target.name} yet.")
            return EXIT_OK
        reviewed = sum(1 for it in found if it["override"] is not None)
        print(f"{len(found)} replies in {target.name}, {reviewed} reviewed\n")
        print("\n\n".join(item_text(it) for it in found))
        return EXIT_OK
    return _export(args, found)


def _export(args: argparse.Namespace, found: list[dict[str, Any]]) -> int:

    text = rv.labelled_jsonl(found)
    count = text.count("\n")
    if args.export_labelled == "-":
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(args.export_labelled)
    failed = write_file(path, text)
    if failed is not None:
        return failed
    if args.format == "json":
        print_json({"file": str(path), "replies": count})
    else:
        print(f"Wrote {path}: {count} reviewed replies, labelled (simulator eval {path})")
    return EXIT_OK
