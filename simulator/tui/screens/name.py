"""The trainee's name: asked once (kept in the profile), or at each start in a workshop."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Input, Label, Static

from simulator.profile import MAX_NAME, clean_name
from simulator.tui.i18n import N_, _
from simulator.tui.screens.base import AppScreen


class NameScreen(AppScreen[str]):
    HOME_FOCUS = "#name-input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "app.quit", N_("Quit"))]

    def __init__(self, workshop: Any = None, refuse: Any = None) -> None:
        super().__init__(id="name-screen")
        self.workshop = workshop
        # refuse(name): why this name cannot be taken (served: another browser has it)
        self.refuse = refuse

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="name-box", classes="dialog"):
            yield Static(_("Welcome to the simulator"), classes="dialog-title")
            if self.workshop is not None:
                yield Static(Content.assemble(
                    (_("Workshop {code}").format(code=self.workshop.code), "bold $accent"),
                    f" — {self.workshop.name}"))
                why = _("Your name appears with your results on the workshop's leaderboard.")
            else:
                why = _("Your name is kept with your results on this computer; it is asked only once.")
            yield Static(_("Practise answering angry customers: choose a result over the last word."))
            yield Static(Content.styled(why, "$foreground 70%"))
            yield Label(_("Your name"), id="name-label")
            yield Input(placeholder=_("e.g. Sam Martin"), id="name-input", max_length=MAX_NAME)
            yield Static(id="name-error")
            yield Button(_("Continue"), id="name-ok", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#name-input", Input).focus()

    @on(Input.Submitted, "#name-input")
    @on(Button.Pressed, "#name-ok")
    def _submit(self) -> None:
        name = clean_name(self.query_one("#name-input", Input).value)
        problem = None if name else _("Please type your name (at least one letter).")
        if name and self.refuse is not None:
            problem = self.refuse(name)
        if problem:
            error = self.query_one("#name-error", Static)
            error.update(Content.styled(problem, "bold $error"))
            error.add_class("-shown")
            self.query_one("#name-input", Input).focus()
            return
        self.dismiss(name)
