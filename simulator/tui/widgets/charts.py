"""A bar chart on a fixed 0-100 scale (a sparkline would stretch 30-31 to look huge)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from simulator.tui.widgets.meters import mood_style

EIGHTHS = " ▁▂▃▄▅▆▇█"


class BarChart(Static):
    """One bar per value (0-100), coloured by level, with a label under each bar."""

    def __init__(
        self,
        values: Sequence[int],
        labels: Sequence[str] | None = None,
        *,
        rows: int = 4,
        bar: int = 3,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.values = [max(0, min(100, int(v))) for v in values]
        self.labels = list(labels) if labels is not None else [str(v) for v in self.values]
        self.rows = rows
        self.bar = bar

    def set_data(self, values: Sequence[int], labels: Sequence[str] | None = None) -> None:
        self.values = [max(0, min(100, int(v))) for v in values]
        self.labels = list(labels) if labels is not None else [str(v) for v in self.values]
        self.refresh(layout=True)

    def get_content_height(self, *_: object) -> int:
        return self.rows + 2

    def render(self) -> Content:
        step = self.bar + 1
        width = max(step, self.content_size.width or 80)
        keep = max(1, width // step)
        values, labels = self.values[-keep:], self.labels[-keep:]
        lines: list[Content] = []
        for r in range(self.rows):
            floor = (self.rows - 1 - r) * 8
            parts: list[tuple[str, str] | str] = []
            for v in values:
                eighths = max(0, min(8, round(v * self.rows * 8 / 100) - floor))
                parts.append((EIGHTHS[eighths] * self.bar, mood_style(v)))
                parts.append(" ")
            lines.append(Content.assemble(*parts))
        lines.append(Content.assemble(*(f"{v!s:^{self.bar}} " for v in values)))
        lines.append(Content.styled("".join(f"{lab[: self.bar]:^{self.bar}} " for lab in labels),
                                    "$foreground 60%"))
        return Content("\n").join(lines)
