"""Offer to resume a conversation left before its end."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from simulator.tui import labels
from simulator.tui.context import Resumable
from simulator.tui.i18n import N_, _, ngettext
from simulator.tui.screens.base import AppModal


class ResumeScreen(AppModal[str]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('resume')", N_("Resume")),
        Binding("d", "choose('discard')", N_("Discard")),
        Binding("escape", "choose('later')", N_("Not now")),
    ]

    def __init__(self, item: Resumable, count: int = 1) -> None:
        super().__init__(id="resume-screen")
        self.item = item
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="resume-dialog"):
            yield Static(_("Resume your conversation?"), classes="dialog-title")
            yield Static(
                ngettext(
                    "You left {title} after {n} reply (started {when} UTC).",
                    "You left {title} after {n} replies (started {when} UTC).",
                    self.item.replies,
                ).format(
                    title=labels.quoted(self.item.title), n=self.item.replies, when=self.item.started),
                id="resume-text",
            )
            if self.count > 1:
                yield Static(ngettext(
                    "({n} other unfinished conversation is kept too.)",
                    "({n} other unfinished conversations are kept too.)",
                    self.count - 1,
                ).format(n=self.count - 1))
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Resume"), id="resume", variant="primary")
                yield Button(_("Discard"), id="discard", variant="error")
                yield Button(_("Not now"), id="later")

    def on_mount(self) -> None:
        self.query_one("#resume", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "later")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
