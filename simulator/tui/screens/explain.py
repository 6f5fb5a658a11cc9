"""Why: every rule that fired or nearly fired on a reply, and what cancelled those that
did not (the same explanation as ``simulator score --explain``)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from simulator.report.explain import explanation_lines
from simulator.scoring.explain import Explanation
from simulator.tui.i18n import N_, _
from simulator.tui.screens.base import AppModal


class ExplainScreen(AppModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", N_("Close")),
        Binding("f4", "close", N_("Close"), show=False),
        Binding("q", "close", N_("Close"), show=False),
    ]

    def __init__(self, explanation: Explanation, *, turn: int) -> None:
        super().__init__(id="explain-screen")
        self.explanation = explanation
        self.turn = turn

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="explain-dialog"):
            yield Static(
                _("Why: reply {n}").format(n=self.turn), classes="dialog-title", id="explain-title"
            )
            with VerticalScroll(id="explain-body"):
                yield Static(
                    Content("\n").join(
                        Content(line) for line in explanation_lines(self.explanation)
                    ),
                    id="explain-text",
                )
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
