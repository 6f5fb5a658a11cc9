"""Small gauges: the customer's mood, their patience, the running score."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from simulator.tui.i18n import _


def mood_style(mood: int) -> str:
    if mood < 30:
        return "$error"
    if mood < 60:
        return "$warning"
    return "$success"


def mood_word(mood: int) -> str:
    if mood < 20:
        return _("furious")
    if mood < 40:
        return _("angry")
    if mood < 60:
        return _("tense")
    if mood < 80:
        return _("calmer")
    return _("won over")


def mood_bar(mood: int, width: int = 10) -> Content:
    filled = max(0, min(width, round(mood * width / 100)))
    return Content.assemble(
        ("█" * filled, f"bold {mood_style(mood)}"),
        ("░" * (width - filled), "$foreground 30%"),
    )


class MoodMeter(Static):
    """The customer's mood, 0 (furious) to 100 (won over)."""

    mood: reactive[int] = reactive(50, layout=True)

    def __init__(self, mood: int = 50, *, width: int = 10, id: str | None = None) -> None:
        super().__init__(id=id)
        self._bar_width = width
        self.set_reactive(MoodMeter.mood, mood)

    def render(self) -> Content:
        return Content.assemble(
            (_("Mood") + " ", "bold"),
            mood_bar(self.mood, self._bar_width),
            f" {self.mood:>3} ",
            (mood_word(self.mood), mood_style(self.mood)),
        )


def patience_dots(left: int, total: int) -> Content:
    left = max(0, left)
    return Content.assemble(
        (_("Patience") + " ", "bold"),
        ("●" * min(left, total), "$accent"),
        ("○" * max(0, total - left), "$foreground 40%"),
    )
