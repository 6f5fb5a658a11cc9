"""Shown instead of the app while the terminal is smaller than 80×24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from simulator.tui.i18n import _
from simulator.tui.screens.base import AppScreen


class TooSmallScreen(AppScreen[None]):
    def __init__(self) -> None:
        super().__init__(id="too-small")

    def compose(self) -> ComposeResult:
        yield Static(id="too-small-text")

    def on_mount(self) -> None:
        self.update_size(self.app.size.width, self.app.size.height)

    def update_size(self, width: int, height: int) -> None:
        self.query_one("#too-small-text", Static).update(
            _("This terminal is {w}×{h}.\nThe simulator needs at least 80×24.\n"
              "Enlarge the window or make the font smaller.\n\nctrl+q quits.").format(w=width, h=height)
        )
