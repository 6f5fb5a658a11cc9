"""A compact filter: one line, cycles through its choices (Enter, space, arrows, click)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class CycleFilter(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space,right", "step(1)", show=False),
        Binding("left", "step(-1)", show=False),
    ]

    index: reactive[int] = reactive(0)

    class Changed(Message):
        def __init__(self, control: CycleFilter, value: str) -> None:
            super().__init__()
            self.filter = control
            self.value = value

        @property
        def control(self) -> CycleFilter:
            return self.filter

    def __init__(
        self, label: str, choices: Sequence[tuple[str, str]], *, key: str, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.choices = list(choices)
        self.key = key

    @property
    def value(self) -> str:
        return self.choices[self.index][1]

    def render(self) -> Content:
        shown = self.choices[self.index][0]
        return Content.assemble(
            (f"{self.label}: ", "bold"), (shown, "$accent"), " ▸", (f"  ({self.key})", "$foreground 50%")
        )

    def action_step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.choices)
        self.post_message(self.Changed(self, self.value))

    def on_click(self) -> None:
        self.action_step(1)
