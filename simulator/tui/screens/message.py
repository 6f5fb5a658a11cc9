"""A full-screen message (e.g. a closed workshop) with a way out."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Footer, Static

from simulator.tui.i18n import N_
from simulator.tui.screens.base import AppScreen


class MessageScreen(AppScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", N_("Quit")),
        Binding("escape", "app.quit", N_("Quit"), show=False),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(id="message-screen")
        self._title, self._text = title, text

    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="dialog", id="message-box"):
            yield Static(self._title, classes="dialog-title", id="message-title")
            yield Static(self._text, id="message-text")
        yield Footer()
