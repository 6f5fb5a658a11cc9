"""The program's entry point: the command line, and the screens it asks for.

Headless commands run without importing Textual; a command that needs a screen raises
:class:`simulator.cli.common.OpenScreen` and this module opens it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

SCREENS = {
    "app": ("simulator.tui.app", "run_app"),
    "leaderboard": ("simulator.tui.leaderboard", "run_live"),
    "serve": ("simulator.tui.serve", "serve"),
    "review": ("simulator.tui.review", "run_review"),
}


def _app_alone(argv: list[str]) -> int | None:
    """``simulator`` with no command opens the app straight away.

    The same as ``cli.play.cmd_app`` (through OpenScreen), without importing the command
    line's modules first: they load the library and the engine, which the app loads in
    the background after its first screen (start-up time is measured: bench/bench_app.py).
    None when this is not that case.
    """
    if any(a in ("-h", "--help", "--version") for a in argv):
        return None
    args: argparse.Namespace | None
    if argv:
        from simulator.cli import build_parser

        args = build_parser().parse_args(argv)
        if args.command is not None:
            return None
    else:  # no arguments: the app's defaults, without building the parser (~20 ms)
        args = None  # nor importing argparse and the command line's package
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        print(
            "simulator: the app needs a terminal; to play without one use "
            "'simulator play --scenario ID --script FILE' (or --stdin)",
            file=sys.stderr,
        )
        return 2
    from simulator.tui.app import run_app

    try:
        return int(run_app(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    alone = _app_alone(argv)
    if alone is not None:
        return alone
    from simulator.cli import main as cli_main
    from simulator.cli.common import OpenScreen

    try:
        return cli_main(argv)
    except OpenScreen as request:
        module, name = SCREENS[request.screen]
        opener = getattr(importlib.import_module(module), name)
        try:
            return int(opener(request.namespace, **request.options) or 0)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
