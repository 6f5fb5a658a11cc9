"""Help: every key, screen by screen (built from the screens' own bindings)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from simulator.tui.i18n import N_, _
from simulator.tui.screens.base import AppModal

EDITOR_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", N_("New line")),
    ("ctrl+z / ctrl+y", N_("Undo / redo")),
    ("ctrl+a / ctrl+e", N_("Start / end of the line")),
    ("ctrl+w", N_("Delete the word before the cursor")),
    ("ctrl+u / ctrl+k", N_("Delete to the start / end of the line")),
    ("ctrl+x / ctrl+c / ctrl+v", N_("Cut / copy / paste")),
    ("tab", N_("Leave the editor (to the Send button)")),
)
EVERYWHERE: tuple[tuple[str, str], ...] = (
    ("f1", N_("This help")),
    ("ctrl+p", N_("Command palette: open a scenario, switch theme, export, help…")),
    ("tab / shift+tab", N_("Move between fields and buttons")),
    ("ctrl+q", N_("Quit (a conversation in progress is kept to resume)")),
)
# docs/scoring.md ("The score", "The debrief") and the engine's flow, in short.
SCORE_LINES: tuple[str, ...] = (
    N_("A reply starts at 50. Each kind of phrasing that fired adds or takes its points, "
       "capped per kind (a concrete fix earns at most 35, however many of its rules fire), "
       "and a high-value customer adds or takes a few for compensation. The total stays "
       "within 0-100. The feedback under each reply shows every step of it."),
    N_("During the conversation the top bar shows the average of your replies; at the end, "
       "and in the debrief, the score is 0.7 × that average + 30 if the customer stays, "
       "10 if the conversation is escalated, 0 if the customer leaves."),
    N_("Patience: every bad reply (last-word phrasing, a score under 40, or over the time "
       "limit) costs one point. When none is left the customer leaves, however the mood "
       "stood, and the mood drops with them."),
)
# Where a key's Footer label needs more words in the help.
LONGER: dict[str, str] = {
    "debrief": N_("The debrief, once the conversation has ended"),
    "next": N_("Next scenario"),
}
EXTRA: dict[str, tuple[tuple[str, str], ...]] = {
    "library": (("↑ / ↓", N_("Move in the list")), ("Enter", N_("Read the briefing of a scenario"))),
    "debrief": (("tab", N_("Move between the buttons")),),
}


def _sections() -> list[tuple[str, type[Any], tuple[tuple[str, str], ...]]]:
    from simulator.tui.screens.briefing import BriefingScreen
    from simulator.tui.screens.debrief import DebriefScreen
    from simulator.tui.screens.library import LibraryScreen
    from simulator.tui.screens.play import PlayScreen
    from simulator.tui.screens.progress import ProgressScreen

    return [
        (N_("Library"), LibraryScreen, EXTRA["library"]),
        (N_("Briefing"), BriefingScreen, ()),
        (N_("Conversation"), PlayScreen, ()),
        (N_("Reply editor"), type(None), EDITOR_KEYS),
        (N_("Debrief"), DebriefScreen, EXTRA["debrief"]),
        (N_("Progress"), ProgressScreen, ()),
    ]


class HelpScreen(AppModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", N_("Close")),
        Binding("f1", "close", N_("Close"), show=False),
        Binding("q", "close", N_("Close"), show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Static(_("Keys"), classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield from self._section(_("Everywhere"), [(k, _(d)) for k, d in EVERYWHERE])
                for title, screen, extra in _sections():
                    rows: list[tuple[str, str]] = []
                    seen: set[str] = set()
                    for b in Binding.make_bindings(getattr(screen, "BINDINGS", [])):
                        if b.action in seen:
                            continue
                        seen.add(b.action)
                        keys = [self.app.get_key_display(x) for x in Binding.make_bindings(screen.BINDINGS)
                                if x.action == b.action]
                        rows.append((" / ".join(keys), _(LONGER.get(b.action, b.description))))
                    rows += [(k, _(d)) for k, d in extra]
                    yield from self._section(_(title), rows)
                yield Static(Content.styled(
                    _("ctrl+enter also sends where the terminal reports it. The mouse works too, but is never needed."),
                    "italic $foreground 70%"))
                yield Static(Content.styled(_("How scores are made"), "bold $primary"),
                             classes="help-title", id="help-scores")
                for line in SCORE_LINES:
                    yield Static(Content.assemble(("• ", "$primary"), _(line)), classes="help-score")
        yield Footer()

    @staticmethod
    def _section(title: str, rows: list[tuple[str, str]]) -> ComposeResult:
        yield Static(Content.styled(title, "bold $primary"), classes="help-title")
        for key, what in rows:
            with Horizontal(classes="help-row"):
                yield Static(Content.styled(key, "bold $accent"), classes="help-key")
                yield Static(what, classes="help-what")

    def action_close(self) -> None:
        self.dismiss(None)
