"""Briefing: who the customer is, the context, what is expected, and how to play."""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Footer, Label, RadioButton, RadioSet, Select, Static
from textual.worker import Worker, WorkerState

from simulator.engine.session import EngineError
from simulator.model.schema import Customer
from simulator.tui import labels
from simulator.tui.i18n import N_, _, ngettext
from simulator.tui.screens.base import STYLES, AppScreen
from simulator.tui.widgets.meters import mood_bar, mood_word

TIMER_CHOICES: tuple[int, ...] = (0, 30, 60, 90, 120, 180)


class BriefingScreen(AppScreen[None]):
    HOME_FOCUS = "#start"
    CSS_PATH = STYLES / "briefing.tcss"  # read when the screen is first shown
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", N_("Start"), priority=True),
        Binding("escape", "back", N_("Back")),
        Binding("m", "toggle_mode", N_("Mode")),
        Binding("t", "cycle_timer", N_("Timer")),
    ]

    def __init__(self, scenario_id: str) -> None:
        super().__init__(id="briefing")
        self.scenario_id = scenario_id
        self._starting = False
        self._typed: list[str] = []  # letters typed while the conversation opens
        self._warm: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        sc = self.ctx.library.scenario(self.scenario_id)
        c = sc.customer
        forced_mode = self.ctx.forced_mode()
        forced_timer, limit = self.ctx.forced_time_limit()
        with Horizontal(classes="topbar"):
            yield Static(Content.assemble((_("Briefing"), "bold $primary"), "  ", (sc.title, "bold")), id="brief-title")
            yield Static(
                Content.assemble((labels.language_name(sc.language), "$secondary"), " · ",
                                 (labels.difficulty(sc.difficulty), "$secondary")),
                id="brief-meta",
            )
        with VerticalScroll(id="brief-body"):
            with Vertical(id="customer-card", classes="card"):
                yield Static(Content.styled(c.name, "bold"), classes="card-title")
                yield Static(c.situation.strip())
                value = Content.assemble(
                    (_("Lifetime value:") + " ", "bold"),
                    (labels.lifetime(c.lifetime_value), "bold $accent" if c.lifetime_value == "high" else "bold"),
                )
                if c.lifetime_note:
                    value = value.append(Content.assemble(" — ", (c.lifetime_note.strip(), "italic")))
                yield Static(value, id="lifetime")
                yield Static(self._patience(c), id="patience")
            with Vertical(classes="card", id="context-card"):
                yield Static(Content.styled(_("The situation"), "bold"), classes="card-title")
                yield Static(sc.context.strip(), id="context")
            with Vertical(classes="card", id="goals-card"):
                yield Static(Content.styled(_("What is expected"), "bold"), classes="card-title")
                for goal in sc.goals:
                    yield Static(Content.assemble(("• ", "bold $primary"), goal.strip()), classes="goal")
            with Horizontal(id="options"):
                with Vertical(id="mode-box"):
                    yield Label(_("Mode"), classes="option-label")
                    with RadioSet(id="mode", disabled=forced_mode is not None):
                        yield RadioButton(
                            _("Practice: feedback, hints, retries"), id="mode-practice",
                            value=(forced_mode or "practice") == "practice",
                        )
                        yield RadioButton(
                            _("Assessment: scored at the end"), id="mode-assessment",
                            value=forced_mode == "assessment",
                        )
                if len(sc.difficulties) > 1:
                    with Vertical(id="difficulty-box"):
                        yield Label(_("Difficulty"), classes="option-label")
                        yield Select(
                            [(labels.difficulty(d), d) for d in sc.difficulties],
                            value=sc.difficulty, allow_blank=False, id="difficulty",
                        )
                with Vertical(id="timer-box"):
                    yield Label(_("Turn timer"), classes="option-label")
                    choices: list[float] = list(TIMER_CHOICES)
                    if limit and limit not in choices:
                        choices.append(limit)
                    yield Select(
                        [(_("Off") if s == 0 else _("{s} s per reply").format(s=f"{s:g}"), s) for s in choices],
                        value=limit or 0, allow_blank=False, id="timer", disabled=forced_timer,
                    )
            if forced_mode is not None and self.ctx.workshop is not None:
                yield Static(Content.styled(_("Mode and timer are set by the workshop."), "italic $foreground 70%"))
            yield Button(_("Start the conversation"), id="start", variant="primary")
        yield Footer()

    @staticmethod
    def _patience(c: Customer) -> Content:
        return Content.assemble(
            (_("Patience:") + " ", "bold"),
            ngettext("leaves after {n} bad reply", "leaves after {n} bad replies", c.patience).format(n=c.patience),
            "   ",
            (_("Mood now:") + " ", "bold"),
            mood_bar(c.mood), f" {c.mood} ", mood_word(c.mood),
        )

    def difficulty(self) -> str | None:
        """The difficulty chosen (None: the scenario offers only its own)."""
        found = self.query("#difficulty")
        if not found:
            return None
        value = found.first(Select).value
        return value if isinstance(value, str) else None

    @on(Select.Changed, "#difficulty")
    def _difficulty_changed(self) -> None:
        sc = self.ctx.library.scenario(self.scenario_id)
        with contextlib.suppress(ValueError):
            played, _reaction = sc.played_at(self.difficulty())
            self.query_one("#patience", Static).update(self._patience(played.customer))

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus(scroll_visible=False)
        self._warm = self.warm_up()

    # ------------------------------------------------------------------ warm-up
    # While the trainee reads, everything the first customer line waits for is made
    # ready: the scenario's scorer (its packs compiled, ~1.5 s), the modules of the
    # conversation screen and of the recording, then the conversation screen's styles.
    # Start then only builds the screen (bench/bench_app.py, "first turn").
    @work(thread=True, exclusive=True, group="warm-up")
    def warm_up(self) -> None:
        self.sim.warm_up(self.scenario_id)
        import simulator.cli.play
        import simulator.store.recorder
        import simulator.tui.screens.play  # noqa: F401

        self.app.call_from_thread(self._styles_ready)

    def _styles_ready(self) -> None:
        from simulator.tui.screens.play import PlayScreen

        if self.is_attached and not self._starting:
            self.sim.preload_css(PlayScreen)

    @on(Worker.StateChanged)
    def _warm_done(self, event: Worker.StateChanged) -> None:
        if event.worker is self._warm and event.state not in (WorkerState.PENDING, WorkerState.RUNNING):
            self._warm = None

    def on_key(self, event: events.Key) -> None:
        """Once Start is pressed, letters are the reply's: kept for the editor."""
        if self._starting and event.is_printable and event.character:
            self._typed.append(event.character)
            event.stop()
            event.prevent_default()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Once Start is pressed, letters typed ahead of the conversation (a reply begun
        # while it opens) must not change the mode or the timer, nor go back.
        return not (self._starting and action in ("toggle_mode", "cycle_timer", "back"))

    # ------------------------------------------------------------------ choices
    def mode(self) -> str:
        forced = self.ctx.forced_mode()
        if forced:
            return forced
        return "assessment" if self.query_one("#mode-assessment", RadioButton).value else "practice"

    def time_limit(self) -> float | None:
        forced, limit = self.ctx.forced_time_limit()
        if forced:
            return limit
        value = self.query_one("#timer", Select).value
        return float(value) if isinstance(value, (int, float)) and value > 0 else None

    def action_toggle_mode(self) -> None:
        if self.ctx.forced_mode():
            return
        target = "#mode-practice" if self.mode() == "assessment" else "#mode-assessment"
        self.query_one(target, RadioButton).value = True

    def action_cycle_timer(self) -> None:
        select = self.query_one("#timer", Select)
        if select.disabled:
            return
        value = select.value if isinstance(select.value, (int, float)) else 0
        i = TIMER_CHOICES.index(value) if value in TIMER_CHOICES else 0
        select.value = TIMER_CHOICES[(i + 1) % len(TIMER_CHOICES)]

    # ------------------------------------------------------------------ actions
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        """Start; if the warm-up is still compiling the scorer, once it is done (starting
        at once would compile the same packs a second time, side by side with it)."""
        if self._starting:
            return
        warm = self._warm
        if warm is not None and warm.state in (WorkerState.PENDING, WorkerState.RUNNING):
            self._starting = True
            self.query_one("#start", Button).label = _("Starting…")
            self.run_worker(self._start_when_ready(warm), group="start")
            return
        self._start_now()

    async def _start_when_ready(self, warm: Worker[None]) -> None:
        with contextlib.suppress(Exception):  # a failed warm-up: the start says why
            await warm.wait()
        self._start_now()

    def _start_now(self) -> None:
        self._starting = True
        try:
            play = self.ctx.start(
                self.scenario_id, self.mode(), self.time_limit(), difficulty=self.difficulty()
            )
        except (EngineError, OSError, RuntimeError) as exc:
            self._starting = False
            self.query_one("#start", Button).label = _("Start the conversation")
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.sim.start_play(play, typed="".join(self._typed))

    def action_back(self) -> None:
        self.app.pop_screen()
