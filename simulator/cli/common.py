"""Helpers every command shares: the library, JSON output, colour, exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from simulator.model.library import Library, UnknownScenario, load_library

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


class OpenScreen(Exception):
    """A command that needs a screen asks for one by raising this.

    The command line sits below the terminal UI and never imports it; the program's
    entry point (:mod:`simulator.tui.launch`) catches the request and opens the screen:
    ``app`` (the trainee app), ``leaderboard`` (the live board) or ``serve`` (browsers).
    """

    def __init__(self, screen: str, args: argparse.Namespace, **options: Any) -> None:
        super().__init__(screen)
        self.screen = screen
        self.namespace = args  # (not "args": BaseException.args must be a tuple)
        self.options = options


def library(args: argparse.Namespace) -> Library:
    return load_library([Path(p) for p in getattr(args, "scenarios", []) or []])


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def use_color(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def error(message: str) -> None:
    print(f"simulator: {message}", file=sys.stderr)


def unknown_scenario(exc: UnknownScenario) -> int:
    error(str(exc))
    return EXIT_USAGE


def read_text_file(path: str) -> str | None:
    """Text of a UTF-8 file, or None after printing a clear error."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        error(f"{path}: cannot read: {exc.strerror}")
        return None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        error(f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        return None
