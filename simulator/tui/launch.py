"""The program's entry point: the command line, and the screens it asks for.

Headless commands run without importing Textual; a command that needs a screen raises
:class:`simulator.cli.common.OpenScreen` and this module opens it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from simulator.cli import main as cli_main
from simulator.cli.common import OpenScreen

SCREENS = {
    "app": ("simulator.tui.app", "run_app"),
    "leaderboard": ("simulator.tui.leaderboard", "run_live"),
    "serve": ("simulator.tui.serve", "serve"),
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return cli_main(argv)
    except OpenScreen as request:
        module, name = SCREENS[request.screen]
        opener = getattr(importlib.import_module(module), name)
        try:
            return int(opener(request.args, **request.options) or 0)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
