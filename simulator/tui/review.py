"""The review screen: a trainer goes through recorded replies and overrides verdicts.

Every reply of the target (a workshop, a transcript's attempts, or one attempt chosen in
the app's progress view) is listed with its verdict; the one under the cursor shows the
customer's line, the reply with the words each rule matched highlighted, the three
labels (a change from the verdict is a correction), the rules that fired (select those
that misfired) and a note. ctrl+s saves the review of that reply through the service
(``simulator.service.review``): a new row beside the turn, the verdict kept as recorded.

``simulator review CODE|TRANSCRIPT`` opens it as an app of its own (:func:`run_review`);
the app's progress view and the live leaderboard push :class:`ReviewScreen`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from simulator.report.text import short
from simulator.service import ServiceError
from simulator.service import review as rv

if TYPE_CHECKING:
    from simulator.service.review import Target
    from simulator.store.store import Store

LABEL_NAMES = {
    "last_word": "Last word",
    "concrete_fix": "Concrete fix",
    "acknowledges": "Acknowledges",
}
LABEL_KEYS = {"last_word": "l", "concrete_fix": "f", "acknowledges": "a"}
SHORT = {"last_word": "LW", "concrete_fix": "FX", "acknowledges": "AK"}


class ReviewSource:
    """The replies of one target in the results store, and the saving of a review."""

    def __init__(self, store: Store, target: Target, reviewer: str | None = None) -> None:
        self.store = store
        self.target = target
        self.reviewer = reviewer

    @property
    def title(self) -> str:
        t = self.target
        if t.kind == "workshop":
            return f"workshop {t.name}"
        if t.kind == "attempt":
            return f"attempt {t.name}"
        return t.name

    def load(self) -> list[dict[str, Any]]:
        return rv.items(self.store, self.target)

    def save(
        self, turn: int, labels: dict[str, bool], misfired: list[str], note: str
    ) -> dict[str, Any]:
        return rv.record(
            self.store,
            self.target,
            turn,
            labels=labels,
            misfired=misfired,
            note=note,
            reviewer=self.reviewer,
            replace=True,
        )


def highlighted(reply: str, highlights: list[dict[str, Any]]) -> Content:
    """The reply with each matched span styled: red for words that cost points, green
    for words that earned them."""
    parts: list[Any] = []
    at = 0
    for h in highlights:
        start, end = max(h["start"], at), h["end"]
        if end <= start or start >= len(reply):
            continue
        parts.append(reply[at:start])
        style = "bold $error underline" if float(h.get("points") or 0) < 0 else "bold $success"
        parts.append((reply[start:end], style))
        at = end
    parts.append(reply[at:])
    return Content.assemble(*parts)


class ReviewScreen(Screen[None]):
    """Go through the replies, set labels right, mark misfired rules, write a note, save."""

    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    #review-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    #review-main { height: 1fr; }
    #replies { width: 44; height: 1fr; }
    #detail { width: 1fr; padding: 0 1; }
    #reply-head { color: $text-muted; }
    #reply-text { border: round $primary; padding: 0 1; height: auto; }
    .section { margin-top: 1; text-style: bold; }
    #labels { height: auto; }
    #labels Checkbox { width: auto; }
    #misfired { height: auto; max-height: 8; }
    #review-actions { height: auto; margin-top: 1; }
    #review-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("l", "toggle('last_word')", "Last word"),
        Binding("f", "toggle('concrete_fix')", "Fix"),
        Binding("a", "toggle('acknowledges')", "Ack."),
        Binding("m", "focus_misfired", "Misfired"),
        Binding("n", "focus_note", "Note"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, source: ReviewSource) -> None:
        super().__init__(id="review")
        self.source = source
        self.items: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Review · {self.source.title}", id="review-title")
        with Horizontal(id="review-main"):
            yield DataTable(id="replies", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="detail"):
                yield Static(id="reply-head")
                yield Static(id="customer")
                yield Static(id="reply-text")
                yield Static("Labels (a change from the verdict corrects it)", classes="section")
                with Vertical(id="labels"):
                    for name in rv.LABELS:
                        yield Checkbox(LABEL_NAMES[name], id=f"label-{name}", compact=True)
                yield Static("Rules that fired (select the misfired)", classes="section")
                yield SelectionList[str](id="misfired", compact=True)
                yield Static("Your note to the trainee", classes="section")
                yield Input(placeholder="what to keep, what to change", id="note")
                with Horizontal(id="review-actions"):
                    yield Button("Save review (ctrl+s)", id="save", variant="primary", compact=True)
        yield Static("", id="review-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#replies", DataTable)
        for key, title, width in (
            ("id", "Id", 3),
            ("trainee", "Trainee", 10),
            ("score", "Score", 5),
            ("verdict", "Verdict", 8),
            ("review", "Review", 6),
        ):
            table.add_column(title, key=key, width=width)
        self.reload()
        table.focus()

    # ------------------------------------------------------------------ data
    def reload(self, keep: int | None = None) -> None:
        try:
            self.items = self.source.load()
        except Exception as exc:  # the store failed: say so, keep the screen
            self.status(f"Could not read the replies: {exc}")
            return
        table = self.query_one("#replies", DataTable)
        table.clear()
        for it in self.items:
            table.add_row(*self._cells(it), key=str(it["turn"]))
        reviewed = sum(1 for it in self.items if it["override"] is not None)
        self.status(
            f"{len(self.items)} replies, {reviewed} reviewed · verdicts and scores stay as recorded"
            if self.items
            else "No replies recorded yet."
        )
        if not self.items:
            self._show(None)
            return
        row = 0
        if keep is not None:
            row = next((i for i, it in enumerate(self.items) if it["turn"] == keep), 0)
        table.move_cursor(row=row)
        self._show(self.items[row])

    def _cells(self, it: dict[str, Any]) -> list[Any]:
        flags = " ".join(SHORT[k] if it["labels"][k] else "··" for k in rv.LABELS)
        corrected = any(it["labels"][k] != it[k] for k in rv.LABELS)
        mark = "fixed" if corrected else ("noted" if it["override"] is not None else "")
        return [
            str(it["turn"]),
            short(it["trainee"], 10),
            str(it["score"]),
            Content.styled(flags, "$warning" if corrected else ""),
            mark,
        ]

    def _show(self, it: dict[str, Any] | None) -> None:
        self.current = it
        head = self.query_one("#reply-head", Static)
        if it is None:
            head.update("")
            self.query_one("#customer", Static).update("")
            self.query_one("#reply-text", Static).update("")
            return
        head.update(
            f"{it['trainee']} · {it['scenario']} · reply {it['number']} · "
            f"{it['score']}/100 as recorded"
        )
        self.query_one("#customer", Static).update(
            Content.assemble(("Customer: ", "bold"), short(it["customer"], 400))
        )
        self.query_one("#reply-text", Static).update(highlighted(it["reply"], it["highlights"]))
        with self.prevent(Checkbox.Changed):
            for name in rv.LABELS:
                box = self.query_one(f"#label-{name}", Checkbox)
                box.value = bool(it["labels"][name])
                box.label = f"{LABEL_NAMES[name]} · verdict: {'yes' if it[name] else 'no'}"
        misfired = set((it["override"] or {}).get("misfired") or [])
        points = {}
        for h in it["fired"]:
            points.setdefault(h["rule"], h["points"])
        sel = self.query_one("#misfired", SelectionList)
        sel.clear_options()
        sel.add_options(
            [Selection(self._rule_text(r, points.get(r)), r, r in misfired) for r in it["rules"]]
        )
        self.query_one("#note", Input).value = (it["override"] or {}).get("note") or ""

    @staticmethod
    def _rule_text(rule: str, points: Any) -> str:
        return rule if points is None else f"{rule} ({float(points):+g})"

    def status(self, text: str) -> None:
        self.query_one("#review-status", Static).update(text)

    # ------------------------------------------------------------------ events
    @on(DataTable.RowHighlighted, "#replies")
    def _row(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        it = next((x for x in self.items if str(x["turn"]) == key), None)
        if it is not None and it is not self.current:
            self._show(it)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Input.Submitted, "#note")
    def _note_submitted(self) -> None:
        self.action_save()

    # ------------------------------------------------------------------ actions
    def action_toggle(self, name: str) -> None:
        if self.current is None:
            return
        box = self.query_one(f"#label-{name}", Checkbox)
        box.value = not box.value

    def action_focus_misfired(self) -> None:
        sel = self.query_one("#misfired", SelectionList)
        if sel.highlighted is None and sel.option_count:
            sel.highlighted = 0
        sel.focus()

    def action_focus_note(self) -> None:
        self.query_one("#note", Input).focus()

    def action_back(self) -> None:
        table = self.query_one("#replies", DataTable)
        if self.focused is not table:
            table.focus()
        elif len(self.app.screen_stack) > 2 or not isinstance(self.app, ReviewApp):
            self.app.pop_screen()
        else:
            self.app.exit()

    def review_state(self) -> tuple[dict[str, bool], list[str], str]:
        """The labels set, the rules marked misfired and the note, as the screen shows them."""
        it = self.current
        assert it is not None
        before = (it["override"] or {}).get("labels") or {}
        labels = {}
        for name in rv.LABELS:
            value = self.query_one(f"#label-{name}", Checkbox).value
            if value != it[name] or name in before:
                labels[name] = value
        misfired = list(self.query_one("#misfired", SelectionList).selected)
        note = self.query_one("#note", Input).value
        return labels, misfired, note

    def action_save(self) -> None:
        it = self.current
        if it is None:
            return
        labels, misfired, note = self.review_state()
        if (
            it["override"] is None
            and not any(v != it[k] for k, v in labels.items())
            and not misfired
            and not note.strip()
        ):
            self.status("Nothing to save: change a label, mark a rule or write a note.")
            return
        try:
            saved = self.source.save(int(it["turn"]), labels, misfired, note)
        except ServiceError as exc:
            self.status(f"Not saved: {exc}")
            return
        self.reload(keep=int(saved["turn"]))
        self.status(f"Saved your review of reply {saved['turn']} · its verdict stays as recorded")


class ReviewApp(App[int]):
    """``simulator review CODE|TRANSCRIPT`` in a terminal: the review screen alone."""

    TITLE = "Review"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", show=False)]

    def __init__(self, source: ReviewSource) -> None:
        super().__init__()
        self.source = source

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.source))


def run_review(args: argparse.Namespace, *, target: Target) -> int:
    """Open the review screen on ``target`` (asked for by ``simulator review``)."""
    from simulator.store.store import Store, StoreError

    try:
        store = Store.open(getattr(args, "db", None))
    except StoreError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 1
    try:
        ReviewApp(ReviewSource(store, target, getattr(args, "reviewer", None))).run()
    finally:
        store.close()
    return 0
