"""Debrief: outcome, score, per-turn table, mood over the turns, the five steps, the
three most useful changes in the trainee's own words; try again, next, export."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, DataTable, Footer, Static

from simulator.engine.debrief import Debrief
from simulator.engine.session import EngineError
from simulator.report.text import short
from simulator.scoring.verdict import STEPS
from simulator.tui import labels
from simulator.tui.context import Play
from simulator.tui.i18n import N_, _, ngettext
from simulator.tui.screens.base import STYLES, AppScreen
from simulator.tui.widgets.charts import BarChart

OUTCOME_STYLE = {"kept": "$success", "lost": "$error", "escalated": "$warning", "unfinished": "$foreground"}


def step_bar(done: int, of: int, width: int = 10) -> Content:
    filled = round(width * done / of) if of else 0
    return Content.assemble(("█" * filled, "$success"), ("░" * (width - filled), "$foreground 30%"))


class DebriefScreen(AppScreen[None]):
    HOME_FOCUS = "#debrief-body"
    CSS_PATH = STYLES / "debrief.tcss"  # read when the screen is first shown
    BINDINGS: ClassVar[list[BindingType]] = [
        # Short labels and a compact Footer: every key fits in 80 columns, in French too.
        # (Esc is not shown there: the Library button says it, and F1 lists it.)
        Binding("r", "again", N_("Try again")),
        Binding("n", "next", N_("Next")),
        Binding("e", "export", N_("Export")),
        Binding("p", "app.progress", N_("Progress")),
        Binding("escape", "library", N_("Library"), show=False),
    ]

    def __init__(self, play: Play) -> None:
        super().__init__(id="debrief")
        self.play = play
        self.session = play.session
        self.debrief: Debrief = play.session.debrief()

    def compose(self) -> ComposeResult:
        d = self.debrief
        style = OUTCOME_STYLE.get(d.outcome, "")
        with Horizontal(classes="topbar"):
            yield Static(Content.assemble((_("Debrief"), "bold $primary"), "  ", (d.title, "bold")),
                         id="debrief-title")
            yield Static(Content.assemble((labels.mode(self.session.mode), "$secondary")), id="debrief-mode")
        with VerticalScroll(id="debrief-body"):
            with Horizontal(id="result"):
                yield Static(
                    Content.assemble(
                        ("■ " + labels.outcome(d.outcome).upper(), f"bold {style}"),
                        (f"  {d.ending_title}" if d.ending_title else "", "bold"),
                    ),
                    id="outcome",
                )
                yield Static(Content.assemble((_("Score") + " ", "bold"), (f"{d.score}", f"bold {style}"), "/100"),
                             id="total")
            yield Static(self._formula(), id="score-formula")
            yield Static(self._assessment(), id="assessment")
            if d.ending_text:
                yield Static(d.ending_text.strip(), id="ending-text")
            if d.last_straw is not None:
                yield Static(self._last_straw(d.last_straw), id="last-straw")
            with Horizontal(id="debrief-grid"):
                with Vertical(id="debrief-left"):
                    with Vertical(classes="card", id="turns-card"):
                        yield Static(Content.styled(_("Your replies"), "bold"), classes="card-title")
                        yield DataTable(id="turns-table", cursor_type="row", show_cursor=False)
                    with Vertical(classes="card", id="mood-card"):
                        yield Static(Content.styled(_("The customer's mood, reply by reply"), "bold"),
                                     classes="card-title")
                        yield BarChart(d.mood, [_("start"), *(str(i) for i in range(1, len(d.mood)))],
                                       bar=5, id="mood-chart")
                        yield Static(Content.styled(
                            _("0 furious, 100 won over: at the start, then after each reply."),
                            "italic $foreground 60%"), id="mood-caption")
                with Vertical(id="debrief-right"):
                    with Vertical(classes="card", id="steps-card"):
                        yield Static(Content.styled(_("The five steps (replies that showed each)"), "bold"),
                                     classes="card-title")
                        yield Static(self._steps(), id="steps")
                    with Vertical(classes="card", id="changes-card"):
                        yield Static(Content.styled(_("Three changes worth making"), "bold"), classes="card-title")
                        yield Static(self._changes(), id="changes")
                    notes = self._trainer_notes()
                    if notes is not None:
                        with Vertical(classes="card", id="notes-card"):
                            yield Static(Content.styled(_("Your trainer's note"), "bold"),
                                         classes="card-title")
                            yield Static(notes, id="trainer-notes")
                    if d.tips:
                        with Vertical(classes="card", id="tips-card"):
                            yield Static(Content.styled(_("Tips"), "bold"), classes="card-title")
                            yield Static(Content("\n").join(
                                Content.assemble(("• ", "$primary"), t.strip()) for t in d.tips))
            yield Static(id="export-path")
        with Horizontal(id="debrief-actions"):
            yield Button(_("Try again"), id="again", variant="primary", compact=True)
            yield Button(_("Next scenario"), id="next", compact=True)
            yield Button(_("Export"), id="export", compact=True)
            yield Button(_("Library"), id="library", compact=True)
        yield Footer(compact=True)

    def _formula(self) -> Content:
        """How the total is made, in one line (the engine's figures; F1 says more)."""
        t = self.debrief.total_points()
        n = len(self.debrief.turns)
        if not n:
            body = Content(_("No reply was sent: the score is 0."))
        else:
            mean = f"{t.mean:.1f}".rstrip("0").rstrip(".")
            body = Content.assemble(
                (f"{t.score} = ", "bold"),
                f"{t.share:g} × {mean} ",
                (ngettext("(your reply's score)", "(average of {n} replies)", n).format(n=n),
                 "$foreground 70%"),
                f" + {t.outcome_points} ",
                (f"({labels.outcome(t.outcome)})", "$foreground 70%"),
            )
        return Content.assemble(body, ("  " + _("F1 explains"), "italic $foreground 60%"))

    def _assessment(self) -> Content:
        """Passed or not against the pass mark, the level and the difficulty; then each
        critical rule that fired: which reply, and why."""
        d = self.debrief
        if d.passed:
            head = Content.assemble(
                ("✓ " + _("Passed"), "bold $success"),
                " " + _("(pass mark {mark})").format(mark=d.pass_mark),
                (("  " + _("Level: {level}").format(level=d.level)) if d.level else "", "bold"),
            )
        elif d.failed_critical:
            head = Content.assemble(
                ("✗ " + _("Not passed: a critical rule fired"), "bold $error"),
            )
        elif d.outcome == "unfinished":
            head = Content.assemble(
                ("· " + _("Not passed: the conversation did not end"), "bold"),
                " " + _("(pass mark {mark})").format(mark=d.pass_mark),
            )
        else:
            head = Content.assemble(
                ("✗ " + _("Not passed"), "bold $error"),
                " " + _("(pass mark {mark})").format(mark=d.pass_mark),
            )
        parts = [
            Content.assemble(head, ("  " + _("Difficulty: {level}").format(
                level=labels.difficulty(d.difficulty)) if d.difficulty else "", "$foreground 70%"))
        ]
        for c in d.critical:
            parts.append(
                Content.assemble(
                    ("▲ ", "bold $error"),
                    (_("Reply {n}, critical:").format(n=c.turn), "bold"),
                    " ", (f"“{c.quote}”", "italic $warning"), f" {c.message}",
                )
            )
        return Content("\n").join(parts)

    def _last_straw(self, n: int) -> Content:
        row = next((t for t in self.debrief.turns if t["index"] == n), None)
        quote = short(row["reply"], 90) if row else ""
        return Content.assemble(
            ("▲ ", "bold $error"),
            (_("Reply {n} cost the customer's last point of patience, and they left:").format(n=n), "bold"),
            " ", (f"“{quote}”", "italic $warning"),
        )

    def _steps(self) -> Content:
        rows = []
        for s in STEPS:
            st = self.debrief.steps.get(s, {"done": 0, "of": 0})
            rows.append(Content.assemble(
                step_bar(st["done"], st["of"]), f" {st['done']}/{st['of']}  ", labels.step(s)))
        return Content("\n").join(rows)

    def _changes(self) -> Content:
        if not self.debrief.changes:
            return Content.styled(_("Nothing to change: every reply did its job."), "$success")
        rows: list[Content] = []
        for i, c in enumerate(self.debrief.changes, 1):
            rows.append(Content.assemble(
                (f"{i}. ", "bold"), (_("Reply {n}:").format(n=c.turn) + " ", "bold"),
                _("you wrote") + " ", (f"“{c.quote}”", "italic $warning"),
            ))
            rows.append(Content.assemble("   ", c.why))
            rows.append(Content.assemble("   ", (_("Better:") + " ", "bold $success"), c.better))
        model = self.debrief.model_reply
        if model is not None:
            rows.append(Content.assemble(
                (_("Reply {n}:").format(n=model.turn) + " ", "bold"),
                (_("A reply that would have worked here:") + " ", "bold $success"), model.reply,
            ))
        return Content("\n").join(rows)

    def _trainer_notes(self) -> Content | None:
        """The trainer's notes on this attempt's replies (a resumed or reopened attempt
        can have been reviewed meanwhile); None when there are none."""
        attempt = self.play.attempt_id
        if attempt is None:
            return None
        notes = self.ctx.trainer_notes([attempt]).get(attempt) or []
        lines = []
        for n in notes:
            lines.append(Content.assemble(
                (_("Reply {n}").format(n=n["number"]) + ": ", "bold"),
                (f"“{short(n['reply'], 70)}”", "italic"),
            ))
            if n["note"]:
                lines.append(Content.assemble("   ", (_("Your trainer's note:") + " ", "bold $success"),
                                              n["note"]))
        return Content("\n").join(lines) if lines else None

    def on_mount(self) -> None:
        table = self.query_one("#turns-table", DataTable)
        table.add_column("#", key="n")
        table.add_column(_("Score"), key="score")
        table.add_column(_("Mood"), key="mood")
        table.add_column(_("Reply"), key="reply")
        w = self.app.size.width
        width = max(16, ((w - 8) // 2 if w >= 110 else w - 10) - 24)
        for row in self.debrief.turns:
            flag = "  (" + _("over time") + ")" if row.get("over_time") else ""
            table.add_row(
                str(row["index"]),
                Content.styled(f"{row['score']:>3}", "$success" if row["score"] >= 60 else
                               ("$warning" if row["score"] >= 40 else "$error")),
                f"{row['mood']:>3}",
                short(row["reply"], width) + flag,
            )
        self.query_one("#debrief-body", VerticalScroll).focus()  # arrows and PageDown scroll

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#again")
    def action_again(self) -> None:
        s = self.session
        try:
            play = self.ctx.start(s.scenario.id, s.mode, s.time_limit)
        except (EngineError, OSError, RuntimeError) as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.sim.start_play(play)

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        ids = [sc.id for sc in self.ctx.scenarios()]
        if not ids:
            self.action_library()
            return
        here = self.session.scenario.id
        nxt = ids[(ids.index(here) + 1) % len(ids)] if here in ids else ids[0]
        self.sim.open_scenario(nxt)

    @on(Button.Pressed, "#library")
    def action_library(self) -> None:
        self.sim.back_to_library()

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        from simulator.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(), self._export)

    def _export(self, fmt: str | None) -> None:
        if not fmt:
            return
        try:
            path = self.ctx.export(self.session, fmt)
        except ImportError:
            self.notify(_("Export is not available in this version."), severity="error")
            return
        except (OSError, ValueError) as exc:
            self.notify(_("Could not export: {error}").format(error=exc), severity="error", timeout=10)
            return
        self.query_one("#export-path", Static).update(
            Content.assemble(("✓ " + _("Saved to") + " ", "bold $success"), str(path)))
        self.notify(_("Saved to {path}").format(path=path), timeout=10)
