"""Helpers every command shares: the library, the store, JSON output, colour, exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.model.library import Library, UnknownScenario
from simulator.report.text import short as short  # the one helper that cuts text to a line
from simulator.service.library import open_library

if TYPE_CHECKING:
    from simulator.store.rows import Workshop
    from simulator.store.store import Store

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
    return open_library(getattr(args, "scenarios", []) or [])


class CommandExit(Exception):
    """A command ends here with this exit code, its message already given.

    The command line's entry point (:func:`simulator.cli.main`) returns the code.
    """

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def workshop_library(args: argparse.Namespace, ws: Workshop) -> Library | None:
    """The library, when it holds every scenario of workshop ``ws``; else None, said."""
    lib = library(args)
    missing = [s for s in ws.scenarios if s not in lib.scenarios]
    if missing:
        error(
            f"workshop {ws.code} uses scenarios this library does not have: {', '.join(missing)} "
            "(add their folder with --scenarios DIR)"
        )
        return None
    return lib


@contextmanager
def results_store(args: argparse.Namespace) -> Iterator[Store]:
    """The results store of --db, open for a command's queries, closed after them.

    The one prologue of every command that reads or writes results: a store that cannot
    be opened ends the command with exit 1 (after saying why); a :class:`StoreError`
    raised by the queries (an unknown workshop, a closed one, a name taken...) ends it
    with exit 2, its message printed. Anything else passes through unchanged.
    """
    from simulator.store.store import StoreError

    store = open_store(args)
    if store is None:
        raise CommandExit(EXIT_FAIL)
    try:
        with store:
            yield store
    except StoreError as exc:
        error(str(exc))
        raise CommandExit(EXIT_USAGE) from exc


def open_store(args: argparse.Namespace) -> Store | None:
    """The results store of --db (or the default), or None after saying why not.

    Use it as a context manager: ``with store: ...`` closes it.
    """
    from simulator.service.sessions import open_store as open_results
    from simulator.store.store import StoreError

    try:
        return open_results(getattr(args, "db", None))
    except StoreError as exc:
        error(str(exc))
        return None


def cmd_app(args: argparse.Namespace, scenario: str | None = None) -> int:
    """Open the app (it needs a terminal; the entry point opens it)."""
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        error(
            "the app needs a terminal; to play without one use "
            "'simulator play --scenario ID --script FILE' (or --stdin)"
        )
        return EXIT_USAGE
    raise OpenScreen("app", args, scenario=scenario)


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


def write_file(path: Path, text: str) -> int | None:
    """Write ``text`` to ``path`` safely; None when written, else the exit code after a
    clear error (an unsafe target is a usage error, a failed write a failure)."""
    from simulator.files import UnsafeTarget, write_text

    try:
        write_text(path, text)
    except UnsafeTarget as exc:
        error(f"{exc}: nothing was written")
        return EXIT_USAGE
    except OSError as exc:
        error(f"{path}: cannot write: {exc.strerror}")
        return EXIT_FAIL
    return None


def read_replies(args: argparse.Namespace) -> list[str] | None:
    """The replies of --script FILE or --stdin, one per paragraph (None after an error)."""
    from simulator.service.headless import split_script

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


def workshop_code(raw: str) -> str | None:
    """The canonical join code, or None after printing why it is not one."""
    from simulator.store.store import clean_text, valid_code

    code = valid_code(raw)
    if code is None:
        error(
            f"'{clean_text(raw)[:20]}' is not a workshop code (six letters and digits, like K7QMPX)"
        )
    return code


def scenario_titles(args: argparse.Namespace, ids: list[str]) -> dict[str, str]:
    """Titles of these scenarios, for display (empty if the library cannot be read)."""
    try:
        lib = library(args)
    except Exception:  # the library is only used for titles here
        return {}
    return {i: lib.scenarios[i].title for i in ids if i in lib.scenarios}


def remembered_name() -> str | None:
    """The trainee's name the app remembers (set in the app once), if any."""
    try:
        from simulator import profile
    except ImportError:  # pragma: no cover - the profile module is optional
        return None
    return profile.load().name


def table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A plain-text table; columns in ``right`` are right-aligned."""
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
