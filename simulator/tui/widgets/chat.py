"""The conversation as chat bubbles: the customer on the left, the trainee on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from simulator.tui.i18n import _

BUBBLE_LIMIT = 1500  # characters shown of a very long reply (all of it is scored)


def shorten(text: str, limit: int = BUBBLE_LIMIT) -> str:
    if len(text) <= limit:
        return text
    more = len(text) - limit
    return text[:limit].rstrip() + "… " + _("({n} more characters)").format(n=more)


class Bubble(Static):
    """One message; ``side`` is customer, trainee or note."""

    def __init__(self, who: str, text: str | Content, *, side: str, id: str | None = None) -> None:
        body = Content(shorten(text)) if isinstance(text, str) else text
        super().__init__(body, id=id, classes=f"bubble {side}", markup=False)
        self.border_title = who


class ChatRow(Horizontal):
    """A bubble placed on its side of the conversation."""

    def __init__(self, bubble: Static, *, side: str) -> None:
        super().__init__(classes=f"chat-row {side}-row")
        self._bubble = bubble

    def compose(self) -> ComposeResult:
        yield self._bubble


def customer_row(name: str, text: str) -> ChatRow:
    return ChatRow(Bubble(name, text, side="customer"), side="customer")


def trainee_row(name: str, text: str) -> ChatRow:
    return ChatRow(Bubble(name, text, side="trainee"), side="trainee")


def note_row(text: str | Content, *, kind: str = "note") -> Static:
    return Static(text, classes=f"chat-note {kind}", markup=False)


class TurnGroup(Vertical):
    """Everything one reply added: the reply, its feedback, the customer's answer.

    A practice retry removes the last group whole.
    """

    def __init__(self, index: int, *children: Widget) -> None:
        super().__init__(*children, classes="turn-group", id=f"turn-{index}")
        self.index = index
