"""Choose the format of a session export."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from simulator.tui.i18n import N_, _
from simulator.tui.screens.base import AppModal


class ExportScreen(AppModal[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(_("Export this session"), classes="dialog-title")
            yield OptionList(
                Option(_("Markdown (.md): to read or paste in a document"), id="md"),
                Option(_("HTML (.html): to open in a browser or print"), id="html"),
                Option(_("JSON (.json): every detail, for tools"), id="json"),
                Option(_("CSV (.csv): one row per reply, for a spreadsheet"), id="csv"),
                id="export-formats",
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
