"""Progress: past attempts per scenario, personal bests, the trend over time."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from simulator.tui import labels
from simulator.tui.i18n import N_, _
from simulator.tui.screens.base import STYLES, AppScreen
from simulator.tui.widgets.charts import BarChart

BLOCKS = "▁▂▃▄▅▆▇█"


def spark(values: list[int]) -> str:
    """A one-line trend of scores 0-100."""
    return "".join(BLOCKS[min(7, max(0, v * 8 // 101))] for v in values[-12:])


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def summarise(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario: attempts, finished, best, last, scores in order, outcomes."""
    rows: dict[str, dict[str, Any]] = {}
    for a in attempts:
        r = rows.setdefault(a["scenario_id"], {
            "scenario": a["scenario_id"], "attempts": 0, "scores": [], "best": None, "last": None,
            "kept": 0, "lost": 0, "escalated": 0,
        })
        r["attempts"] += 1
        if a.get("finished_at") and a.get("score") is not None and a.get("outcome") != "unfinished":
            r["scores"].append(int(a["score"]))
            r["best"] = max(r["best"] or 0, int(a["score"]))
            r["last"] = int(a["score"])
            if a.get("outcome") in ("kept", "lost", "escalated"):
                r[a["outcome"]] += 1
    return sorted(rows.values(), key=lambda r: r["scenario"])


class ProgressScreen(AppScreen[None]):
    HOME_FOCUS = "#bests"
    CSS_PATH = STYLES / "progress.tcss"  # read when the screen is first shown
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("p", "back", N_("Back"), show=False),
        Binding("v", "review", N_("Review replies")),
    ]

    def __init__(self) -> None:
        super().__init__(id="progress")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="topbar"):
            yield Static(Content.assemble((_("Progress"), "bold $primary"), "  ",
                                          (self.ctx.trainee or "", "bold")))
        with VerticalScroll(id="progress-body"):
            yield Static(id="progress-note")
            with Vertical(classes="card", id="bests-card"):
                yield Static(Content.styled(_("Personal bests"), "bold"), classes="card-title")
                yield DataTable(id="bests", cursor_type="row", zebra_stripes=True)
            with Vertical(classes="card", id="trend-card"):
                yield Static(Content.styled(_("Your scores over time"), "bold"), classes="card-title")
                yield BarChart([], id="trend")
                yield Static(id="trend-caption")
            with Vertical(classes="card", id="notes-card"):
                yield Static(Content.styled(_("Your trainer's notes"), "bold"), classes="card-title")
                yield Static(id="trainer-notes")
            with Vertical(classes="card", id="attempts-card"):
                yield Static(Content.styled(_("Past attempts, latest first"), "bold"), classes="card-title")
                yield DataTable(id="attempts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        attempts = self.ctx.attempts()
        lib = self.ctx.library
        note = self.query_one("#progress-note", Static)
        if self.ctx.store_error:
            note.update(Content.styled(_("Results cannot be read: {error}").format(error=self.ctx.store_error),
                                       "$error"))
        elif not attempts:
            note.update(_("No attempt yet: play a scenario and your results appear here."))
        else:
            note.display = False
        bests = self.query_one("#bests", DataTable)
        for key, title in (("scenario", _("Scenario")), ("attempts", _("Tries")), ("best", _("Best")),
                           ("last", _("Last")), ("trend", _("Trend")), ("outcomes", _("Kept/lost/esc."))):
            bests.add_column(title, key=key)
        for r in summarise(attempts):
            sc = lib.scenarios.get(r["scenario"])
            bests.add_row(
                _fit(sc.title if sc else r["scenario"], 28),
                str(r["attempts"]),
                Content.styled(str(r["best"]) if r["best"] is not None else "—", "bold $success"),
                str(r["last"]) if r["last"] is not None else "—",
                Content.styled(spark(r["scores"]), "$primary"),
                f"{r['kept']}/{r['lost']}/{r['escalated']}",
            )
        scores = [int(a["score"]) for a in attempts
                  if a.get("finished_at") and a.get("score") is not None and a.get("outcome") != "unfinished"]
        self.query_one("#trend", BarChart).set_data(scores, [str(i) for i in range(1, len(scores) + 1)])
        caption = self.query_one("#trend-caption", Static)
        if len(scores) >= 2:
            first = sum(scores[:3]) / len(scores[:3])
            last = sum(scores[-3:]) / len(scores[-3:])
            caption.update(_("{n} finished attempts · first three average {a:.0f} · last three average {b:.0f}")
                           .format(n=len(scores), a=first, b=last))
        else:
            caption.update(_("Finish at least two attempts to see a trend."))
        table = self.query_one("#attempts", DataTable)
        for key, title in (("when", _("When (UTC)")), ("scenario", _("Scenario")), ("mode", _("Mode")),
                           ("outcome", _("Outcome")), ("score", _("Score")), ("turns", _("Replies"))):
            table.add_column(title, key=key, width=18 if key == "scenario" else None)
        self._notes(attempts)
        for a in reversed(attempts[-200:]):
            table.add_row(
                str(a.get("started_at") or "")[:16].replace("T", " "),
                _fit(lib.scenarios[a["scenario_id"]].title if a["scenario_id"] in lib.scenarios
                     else a["scenario_id"], 18),
                labels.mode(a.get("mode") or ""),
                labels.outcome_short(a.get("outcome") or "unfinished"),
                str(a["score"]) if a.get("score") is not None else "—",
                str(a.get("turn_count") or 0),
                key=str(a["id"]),
            )
        bests.focus()

    def _notes(self, attempts: list[dict[str, Any]]) -> None:
        """The trainer's notes on the trainee's replies, latest attempt first."""
        notes = self.ctx.trainer_notes([int(a["id"]) for a in attempts])
        card = self.query_one("#notes-card", Vertical)
        if not notes:
            card.display = False
            return
        lib = self.ctx.library
        lines: list[Content] = []
        for a in reversed(attempts):
            for n in notes.get(int(a["id"]), []):
                sc = lib.scenarios.get(a["scenario_id"])
                lines.append(Content.assemble(
                    (_fit(sc.title if sc else a["scenario_id"], 30), "bold"),
                    " · ", _("reply {n}").format(n=n["number"]), ": ",
                    (f"“{_fit(' '.join(n['reply'].split()), 60)}”", "italic"),
                ))
                if n["note"]:
                    lines.append(Content.assemble(
                        "   ", (_("Your trainer's note:") + " ", "bold $success"), n["note"]))
                for label, value in n["labels"].items():
                    lines.append(Content.assemble(
                        "   ", _("Your trainer's label:") + " ",
                        f"{label.replace('_', ' ')}: {_('yes') if value else _('no')}"))
        self.query_one("#trainer-notes", Static).update(Content("\n").join(lines))

    def action_review(self) -> None:
        """Review the replies of the attempt under the cursor (the latest one otherwise)."""
        from simulator.tui.review import ReviewScreen, ReviewSource

        table = self.query_one("#attempts", DataTable)
        if table.row_count == 0:
            self.notify(_("No attempt to review yet."))
            return
        row = table.cursor_row if self.focused is table else 0
        key = table.coordinate_to_cell_key((row, 0)).row_key.value
        store, target = self.ctx.review_target(int(key or 0))
        if store is None:
            self.notify(_("Results cannot be read: {error}").format(error=self.ctx.store_error))
            return
        self.app.push_screen(ReviewScreen(ReviewSource(store, target)))

    def action_back(self) -> None:
        self.app.pop_screen()
