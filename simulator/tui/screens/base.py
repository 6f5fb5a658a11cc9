"""What every screen shares: translated key descriptions and access to the context."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import BindingsMap
from textual.screen import ModalScreen, Screen

from simulator.tui.i18n import _

if TYPE_CHECKING:
    from simulator.tui.app import SimulatorApp
    from simulator.tui.context import Context

T = TypeVar("T")
STYLES = Path(__file__).resolve().parents[1] / "styles"


def translate_bindings(node: Any) -> None:
    """Key descriptions are written in English (N_) and shown in the UI language.

    Keeps the English bindings aside the first time, and starts from them, so it can
    run again after the language changes.
    """
    originals = node.__dict__.setdefault("_english_bindings", node._bindings)
    node._bindings = BindingsMap.from_keys(
        {
            key: [
                replace(
                    b,
                    description=_(b.description) if b.description else b.description,
                    tooltip=_(b.tooltip) if b.tooltip else b.tooltip,
                )
                for b in bindings
            ]
            for key, bindings in originals.key_to_bindings.items()
        }
    )


class _InApp:
    """What every screen of the app reaches: the app and its context; translated keys."""

    app: Any

    def _setup(self) -> None:
        translate_bindings(self)

    @property
    def sim(self) -> SimulatorApp:
        return self.app  # type: ignore[no-any-return]

    @property
    def ctx(self) -> Context:
        return self.sim.ctx


class AppScreen(_InApp, Screen[T]):
    """A screen of the app. ``HOME_FOCUS`` names the widget keys are meant for when the
    screen is shown with nothing focused (``focus_home``).

    In a browser (``simulator serve``) the page can lose focus: Textual then takes the
    focus off the screen shown, and gives it back only if that screen is still shown
    when the page gets it back. A screen shown again meanwhile (the library, once the
    name is given) had no focus: its first key went to the first field (the search box
    took the first Enter). So a screen shown, or the app focused, with nothing focused
    gets its home widget.
    """

    # Textual's own auto-focus scrolls to the widget it focuses (a briefing opened at its
    # Start button, at the bottom): the screens focus theirs without scrolling.
    AUTO_FOCUS: ClassVar[str | None] = ""
    HOME_FOCUS: ClassVar[str] = "*"  # the first widget that can take the focus

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._setup()

    def focus_home(self) -> None:
        """Focus the widget this screen's keys are meant for (see HOME_FOCUS)."""
        for widget in self.query(self.HOME_FOCUS):
            if widget.focusable:
                self.set_focus(widget, scroll_visible=False)
                return

    def on_screen_resume(self) -> None:
        if self.focused is None:
            self.focus_home()


class AppModal(_InApp, ModalScreen[T]):
    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._setup()
