"""Serve the app to browsers with textual-serve (`simulator serve`).

textual-serve runs ``command`` through a shell once per browser connection, each in its
own process with the web driver; the command line (``simulator.cli.workshop.cmd_serve``)
builds that command from validated, shell-quoted parts and asks the entry point
(:mod:`simulator.tui.launch`) to open this "screen".
"""

from __future__ import annotations

import argparse

from textual_serve.server import Server


def serve(
    args: argparse.Namespace, *, command: str, host: str, port: int, title: str, public_url: str
) -> int:
    """Serve until Ctrl+C (or SIGTERM); returns the exit code."""
    Server(command, host=host, port=port, title=title, public_url=public_url).serve()
    return 0
