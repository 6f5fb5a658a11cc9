"""The command line: ``simulator`` opens the app; subcommands do the rest headless.

Each group of commands lives in its own module and is imported only when used, so
``simulator score`` or ``simulator validate`` start without loading the UI or a database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from simulator import __version__

EPILOG = """\
commands:
  (none)        open the app: pick a scenario and talk to the customer
  play          play a scenario (in the app, or headless with --script / --stdin)
  replay        re-score a past session with today's rules and show what changed
  list          the scenario library
  validate      check scenario and rule-pack files (file:line:column errors)
  test          run the examples written in scenarios and rule packs (--coverage: what they miss)
  score         score one reply and explain the verdict
  eval          measure the rule packs on labelled replies (precision, recall, kappa),
                or compare two label sets (--against)
  schema        write JSON Schema files for editors
  new           scaffold a new scenario
  workshop      create, show, list or close a scored team session
  serve         serve the app to browsers for a workshop
  leaderboard   rank the trainees of a workshop (live with --live)
  export        export a workshop's results (csv, json, md, html, xapi; --lrs posts xapi)
  review        review recorded replies, override verdicts with a note, export them labelled
  progress      your past attempts and personal bests

Run 'simulator COMMAND --help' for the options of a command."""


def _common(top: bool = False) -> argparse.ArgumentParser:
    # Options accepted before and after the command. Below the top level they default
    # to SUPPRESS, or argparse would let a subcommand's default erase the top-level value.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--scenarios",
        metavar="DIR",
        action="append",
        default=[] if top else argparse.SUPPRESS,
        help="also load scenarios and rule packs from DIR (repeatable)",
    )
    return p


def _shared(p: argparse.ArgumentParser, *names: str) -> None:
    helps = {
        "--db": ("URL", "results database (default: a local SQLite file)"),
        "--name": ("NAME", "your name as a trainee (default: the one the app remembers)"),
        "--ui-lang": (None, "language of the app's own text (en or fr)"),
    }
    for name in names:
        metavar, text = helps[name]
        if name == "--ui-lang":
            p.add_argument(name, choices=("en", "fr"), default=argparse.SUPPRESS, help=text)
        else:
            p.add_argument(name, metavar=metavar, default=argparse.SUPPRESS, help=text)


def _fmt(p: argparse.ArgumentParser, *choices: str) -> None:
    p.add_argument(
        "--format",
        choices=("text", *choices),
        default="text",
        help="output format (default: text)",
    )


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="simulator",
        description="Practise answering angry customers: choose a result over the last word.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"simulator {__version__}")
    parser.add_argument("--ui-lang", choices=("en", "fr"), help="language of the app's own text")
    parser.add_argument("--name", help="your name as a trainee (asked once otherwise)")
    parser.add_argument(
        "--db", metavar="URL", help="results database (default: a local SQLite file)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("play", parents=[common], help="play a scenario")
    p.add_argument("--scenario", metavar="ID", help="scenario id (see 'simulator list')")
    p.add_argument(
        "--script", metavar="FILE", help="replies, one per paragraph (blank-line separated)"
    )
    p.add_argument("--stdin", action="store_true", help="read the replies from standard input")
    p.add_argument("--mode", choices=("practice", "assessment"), default="practice")
    p.add_argument("--seed", default="0", help="picks the customer's line variants (default: 0)")
    p.add_argument("--time-limit", type=float, metavar="SECONDS", help="per-turn time limit")
    p.add_argument("--transcript", metavar="FILE", help="where to write the transcript")
    p.add_argument("--workshop", metavar="CODE", help="play a workshop's scenarios, scored")
    p.add_argument(
        "--difficulty",
        choices=("easy", "medium", "hard"),
        help="the level to play, among those the scenario offers (default: its own)",
    )
    p.add_argument(
        "--no-record",
        action="store_true",
        help="do not record this attempt in your progress (a trainer's dry run)",
    )
    _shared(p, "--name", "--db", "--ui-lang")
    _fmt(p, "json")

    p = sub.add_parser("replay", parents=[common], help="re-score a past session")
    p.add_argument("transcript", metavar="TRANSCRIPT")
    _fmt(p, "json")

    p = sub.add_parser("list", parents=[common], help="the scenario library")
    _fmt(p, "json")

    p = sub.add_parser("validate", parents=[common], help="check scenario and rule-pack files")
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: the library)"
    )
    _fmt(p, "json")

    p = sub.add_parser("test", parents=[common], help="run scenario and rule examples")
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: the library)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print failures and the summary only")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="also report rules no example exercises, nodes, transitions and endings no "
        "example or script reaches, and dead ends found by random playthroughs",
    )
    p.add_argument(
        "--scripts",
        metavar="DIR",
        action="append",
        default=[],
        help="with --coverage: scripted paths, DIR/SCENARIO-ID.json (repeatable)",
    )
    p.add_argument(
        "--walks",
        type=int,
        default=None,
        metavar="N",
        help="with --coverage: random playthroughs per scenario (default: 20)",
    )
    p.add_argument(
        "--seed", default=None, help="with --coverage: seed of the playthroughs (default: 0)"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="with --coverage: exit 1 when anything is uncovered or a dead end is found",
    )
    _fmt(p, "json")

    p = sub.add_parser("score", parents=[common], help="score one reply")
    p.add_argument("--scenario", metavar="ID", help="scenario whose rules apply")
    p.add_argument("--lang", choices=("en", "fr"), help="without a scenario: the language's packs")
    p.add_argument("--node", metavar="NODE", help="node the reply answers (shows where it leads)")
    p.add_argument(
        "--after",
        metavar="FILE",
        help="earlier replies of the conversation, one per paragraph: the reply is scored after them",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="show why each rule fired or nearly fired: the words, the phrase, the clause, "
        "and the negation, condition or exception that cancelled it",
    )
    p.add_argument("reply", nargs="?", help="the reply (default: read standard input)")
    _fmt(p, "json")

    p = sub.add_parser("eval", parents=[common], help="measure rule packs on labelled replies")
    p.add_argument("file", metavar="FILE.jsonl")
    p.add_argument("--lang", choices=("en", "fr"), help="only replies in this language")
    p.add_argument(
        "--by",
        metavar="FIELD",
        help="also give the figures for each value of FIELD (e.g. source, scenario_id)",
    )
    p.add_argument(
        "--against",
        metavar="B.jsonl",
        help="compare the labels of FILE with those of B on the same replies (kappa, "
        "agreement, disagreements) instead of scoring",
    )
    _fmt(p, "json")

    p = sub.add_parser("schema", parents=[common], help="write JSON Schema files")
    p.add_argument("-o", "--output", metavar="DIR", default=None, help="folder (default: ./schema)")

    p = sub.add_parser("new", parents=[common], help="scaffold a scenario")
    p.add_argument("id", metavar="ID")
    p.add_argument("--lang", choices=("en", "fr"), default="en")
    p.add_argument(
        "-o", "--output", metavar="PATH", help="file to write (default: your scenarios folder)"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file")

    p = sub.add_parser("workshop", parents=[common], help="manage workshops")
    _shared(p, "--db")
    wsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    w = wsub.add_parser("create", help="create a workshop and print its join code")
    w.add_argument("name")
    w.add_argument(
        "--scenarios",
        dest="workshop_scenarios",
        required=True,
        metavar="ID,ID",
        help="the scenarios to play, in order (extra folders: 'simulator --scenarios DIR workshop ...')",
    )
    w.add_argument(
        "--mode",
        choices=("practice", "assessment"),
        default="assessment",
        help="assessment: no hints, no retries (default); practice: both allowed",
    )
    w.add_argument("--time-limit", type=float, metavar="SECONDS", help="per-reply time limit")
    w.add_argument(
        "--pass-mark",
        type=int,
        metavar="N",
        help="total score (0-100) an attempt needs to pass (default: each scenario's, 70)",
    )
    w.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="RULE_ID",
        help="leave this rule out of every verdict of the workshop (repeatable)",
    )
    w.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="RULE_ID=N",
        help="score this rule with N points (-100 to 100) in the workshop (repeatable)",
    )
    w.add_argument("-q", "--quiet", action="store_true", help="print the join code only")
    _shared(w, "--db")
    _fmt(w, "json")
    w = wsub.add_parser("show", help="show a workshop: its scenarios, pass mark and rule settings")
    w.add_argument("code")
    _shared(w, "--db")
    _fmt(w, "json")
    w = wsub.add_parser("close", help="close a workshop to new attempts")
    w.add_argument("code")
    _shared(w, "--db")
    w = wsub.add_parser("list", help="list workshops")
    _shared(w, "--db")
    _fmt(w, "json")

    p = sub.add_parser("serve", parents=[common], help="serve the app to browsers")
    p.add_argument("--workshop", metavar="CODE", required=True)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--public-url", metavar="URL", help="address browsers use, if not host:port")
    p.add_argument(
        "--warm-pool", action=argparse.BooleanOptionalAction, default=True,
        help="fork each browser's app from a warm process (the default: quicker joins;"
        " --no-warm-pool starts each cold; see README)",
    )
    p.add_argument(
        "--chat", action="store_true",
        help="serve a light chat page instead of the app: one process for every browser"
        " (a room of 50 and more on one machine; see README)",
    )
    _shared(p, "--db")

    p = sub.add_parser("leaderboard", parents=[common], help="rank a workshop's trainees")
    p.add_argument("code")
    p.add_argument("--live", action="store_true", help="refresh live in the terminal")
    _shared(p, "--db")
    _fmt(p, "json", "csv")

    from simulator.report.text import WORKSHOP_FORMATS

    p = sub.add_parser("export", parents=[common], help="export a workshop's results")
    p.add_argument("code")
    p.add_argument(
        "--format",
        choices=WORKSHOP_FORMATS,
        default="html",
        help="html (default), md, json, csv, or xapi: xAPI 1.0.3 statements for a learning platform",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="file to write (default: standard output)"
    )
    x = p.add_argument_group("xapi")
    x.add_argument(
        "--include-text",
        action="store_true",
        help="put the trainees' names and their replies in the statements (default: "
        "a pseudonym per trainee, no reply text)",
    )
    x.add_argument(
        "--home-page",
        metavar="URL",
        help="your organisation's address: the trainees' accounts and the activities' "
        "ids live under it (default: https://simulator.invalid)",
    )
    x.add_argument(
        "--lrs",
        metavar="URL",
        help="post the statements to this learning record store (its xAPI address, "
        "e.g. https://lrs.example.org/xAPI/)",
    )
    x.add_argument("--lrs-user", metavar="USER", help="the LRS's user (or SIMULATOR_LRS_USER)")
    x.add_argument(
        "--lrs-password",
        metavar="PASSWORD",
        help="the LRS's password (better: SIMULATOR_LRS_PASSWORD, which no process list shows)",
    )
    x.add_argument(
        "--lrs-batch",
        metavar="N",
        type=int,
        default=100,
        help="statements per request (default: 100)",
    )
    _shared(p, "--db")

    p = sub.add_parser(
        "review", parents=[common], help="review replies and override their verdicts"
    )
    p.add_argument(
        "target", metavar="CODE|TRANSCRIPT", help="a workshop's join code, or a recorded transcript"
    )
    p.add_argument("--list", action="store_true", help="print every reply with its verdict")
    p.add_argument(
        "--set",
        dest="set",
        nargs="+",
        metavar=("TURN", "LABEL=VALUE"),
        help="record a review of reply TURN (its 'turn' in --list): labels set right, "
        "e.g. last_word=false concrete_fix=true (labels: last_word, concrete_fix, acknowledges)",
    )
    p.add_argument(
        "--misfired",
        metavar="RULE",
        action="append",
        default=[],
        help="with --set: a rule that fired wrongly on the reply (repeatable)",
    )
    p.add_argument("--note", metavar="TEXT", help="with --set: your comment to the trainee")
    p.add_argument(
        "--export-labelled",
        metavar="FILE.jsonl",
        help="write the reviewed replies, corrected, as labelled replies for 'simulator eval'",
    )
    p.add_argument(
        "--reviewer", metavar="NAME", help="with --set: who reviews (shown beside the note)"
    )
    _shared(p, "--db")
    _fmt(p, "json")

    p = sub.add_parser(
        "certificate", parents=[common], help="a certificate for a trainee who passed a workshop"
    )
    p.add_argument("code", metavar="WORKSHOP")
    p.add_argument("--name", dest="trainee", required=True, help="the trainee's name")
    p.add_argument(
        "-o", "--output", metavar="FILE.html", required=True, help="the HTML file to write"
    )
    _shared(p, "--db")
    _fmt(p, "json")

    p = sub.add_parser("verify", parents=[common], help="check a certificate's verification code")
    p.add_argument("verification", metavar="CODE")
    _shared(p, "--db")
    _fmt(p, "json")

    p = sub.add_parser("progress", parents=[common], help="your attempts and personal bests")
    _shared(p, "--name", "--db")
    _fmt(p, "json")
    return parser


_HANDLERS = {
    "list": ("simulator.cli.library", "cmd_list"),
    "validate": ("simulator.cli.library", "cmd_validate"),
    "schema": ("simulator.cli.library", "cmd_schema"),
    "new": ("simulator.cli.library", "cmd_new"),
    "score": ("simulator.cli.scoring", "cmd_score"),
    "test": ("simulator.cli.scoring", "cmd_test"),
    "eval": ("simulator.cli.scoring", "cmd_eval"),
    "play": ("simulator.cli.play", "cmd_play"),
    "replay": ("simulator.cli.play", "cmd_replay"),
    "workshop": ("simulator.cli.workshop", "cmd_workshop"),
    "serve": ("simulator.cli.serve", "cmd_serve"),
    "leaderboard": ("simulator.cli.results", "cmd_leaderboard"),
    "export": ("simulator.cli.export", "cmd_export"),
    "progress": ("simulator.cli.results", "cmd_progress"),
    "review": ("simulator.cli.review", "cmd_review"),
    "certificate": ("simulator.cli.assess", "cmd_certificate"),
    "verify": ("simulator.cli.assess", "cmd_verify"),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from simulator.cli.common import cmd_app

        return cmd_app(args)
    module, name = _HANDLERS[args.command]
    import importlib

    handler = getattr(importlib.import_module(module), name)
    from simulator.cli.common import CommandExit

    try:
        return int(handler(args) or 0)
    except CommandExit as exc:
        return exc.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
