"""The Textual app: start-up, navigation between screens, themes, the too-small guard.

Screens own their layout and talk to :class:`~simulator.tui.context.Context`; the engine
owns every decision. ``run_app`` is what ``simulator`` (no arguments) and
``simulator play --scenario ID`` in a terminal call.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.reactive import Initialize, Reactive

from simulator.tui.context import AppConfig, Context, Play
from simulator.tui.i18n import N_, _, detect_language, set_language
from simulator.tui.screens.base import translate_bindings
from simulator.tui.themes import DEFAULT_THEME, THEMES

if TYPE_CHECKING:
    import argparse

MIN_WIDTH, MIN_HEIGHT = 80, 24
STYLES = Path(__file__).parent / "styles"
READY_ENV = "SIMULATOR_EXIT_WHEN_READY"  # bench: write timings to this file and exit


def _commands() -> Any:
    from simulator.tui.commands import SimulatorCommands

    return SimulatorCommands


def _initial_theme(app: SimulatorApp) -> str:
    """The theme the app starts with: the command line's, else the profile's, else ours.

    The initial value of the ``theme`` reactive, which Textual reads while App.__init__
    builds the style sheet's variables, the colour filter and the dark/light classes:
    setting ``theme`` after __init__ instead re-parses and re-applies every style sheet
    before the first screen (~7 ms of the start-up, bench/bench_app.py).
    """
    for theme in THEMES:
        app.register_theme(theme)
    wanted = app.ctx.config.theme or app.ctx.profile.theme or DEFAULT_THEME
    return wanted if wanted in app.available_themes else DEFAULT_THEME


class SimulatorApp(App[int]):
    TITLE = "simulator"
    # Shared and library styles; each other screen brings its own file when first shown.
    CSS_PATH = [STYLES / "app.tcss", STYLES / "library.tcss"]  # noqa: RUF012
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", N_("Help"), tooltip=N_("Every key of every screen")),
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
    ]
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {_commands}
    theme: Reactive[str] = Reactive(Initialize(_initial_theme))

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx  # before App.__init__, which reads the theme (_initial_theme)
        super().__init__()
        translate_bindings(self)
        self.active: Play | None = None
        self.exit_code = 0  # 2 when the app can only say why it cannot be used
        self._too_small: Any = None
        self._sized = False
        self._ready_reported = False
        # Scorers compiled ahead (warm_up): one compile at a time, each scenario once.
        self._warm_lock = threading.Lock()
        self._compile_lock = threading.Lock()
        self._warmed: dict[tuple[str, int], tuple[threading.Event, Any]] = {}

    # ------------------------------------------------------------------ start-up
    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.ctx.workshop is not None and self.ctx.workshop.closed:
            from simulator.tui.screens.message import MessageScreen

            self.exit_code = 2
            self.push_screen(
                MessageScreen(
                    _("Workshop {code} is closed").format(code=self.ctx.workshop.code),
                    _("It accepts no new attempts. Ask your trainer for a new code."),
                )
            )
            return
        from simulator.tui.screens.library import LibraryScreen

        self.push_screen(LibraryScreen(classes=self._breakpoint_class(self.size.width)))
        self._sized = True
        self.call_after_refresh(self._check_size, self.size.width, self.size.height)
        # The welcome (name, resume offer) waits for library_ready: looking for an
        # interrupted conversation imports the engine and loads the library in a thread,
        # which would slow the first screen down (bench/bench_app.py).

    def _breakpoint_class(self, width: int) -> str:
        """The class Textual gives a screen this wide on its first resize (breakpoints).

        Given to the library screen when it is made, so that its first styles are the
        right ones: that class, added on the first resize, restyled every widget of the
        screen once more before the first screen was shown (~5 ms of the start-up).
        """
        for breakpoint, name in sorted(self.HORIZONTAL_BREAKPOINTS, reverse=True):
            if width >= breakpoint:
                return name
        return ""

    async def _welcome(self) -> None:
        """Ask the name (once, or every time in a workshop), offer to resume, open a scenario."""
        from simulator.tui.screens.name import NameScreen

        await asyncio.sleep(0)
        while self._too_small is not None:  # the message stays on top until it can be read
            await asyncio.sleep(0.2)
        if not self.ctx.trainee:
            from simulator.tui.serve import claim_name

            def refuse(name: str) -> str | None:  # (served: one browser per name)
                ws = self.ctx.workshop
                store = self.ctx.open_store() if ws is not None else None
                if claim_name(name, store=store, workshop=ws.code if ws else None):
                    return None
                return _(
                    "“{name}” is already playing in another browser. Type your own name, "
                    "or close the other browser first."
                ).format(name=name)

            name = await self.push_screen_wait(
                NameScreen(workshop=self.ctx.workshop, refuse=refuse)
            )
            self.ctx.set_name(name)
            self.refresh_library()
        if self.ctx.config.offer_resume and self.ctx.workshop is None:
            found = await asyncio.to_thread(self.ctx.resumable)  # (loads the library)
            if found:
                from simulator.tui.screens.resume import ResumeScreen

                choice = await self.push_screen_wait(ResumeScreen(found[0], len(found)))
                if choice == "resume":
                    self.resume(found[0])
                    return
                if choice == "discard":
                    self.ctx.discard(found[0])
        if self.ctx.config.scenario:
            self.open_scenario(self.ctx.config.scenario)

    def library_ready(self) -> None:
        """Called by the library screen once its list is on screen: the welcome starts.

        With SIMULATOR_EXIT_WHEN_READY (start-up benchmark), the app reports this moment
        and exits instead.
        """
        if self._ready_reported:
            return
        self._ready_reported = True
        target = os.environ.get(READY_ENV)
        if not target:
            self.run_worker(self._welcome(), exclusive=True, group="welcome")
            return
        import resource

        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu = time.process_time()
        Path(target).write_text(f"{time.time()} {peak_kib} {cpu}\n", encoding="utf-8")
        self.exit(0)

    def refresh_library(self) -> None:
        from simulator.tui.screens.library import LibraryScreen

        for screen in self.screen_stack:
            if isinstance(screen, LibraryScreen):
                screen.refresh_list(reload=False)

    # ------------------------------------------------------------------ navigation
    def open_scenario(self, scenario_id: str) -> None:
        from simulator.model.library import UnknownScenario
        from simulator.tui.screens.briefing import BriefingScreen

        try:
            scenario = self.ctx.library.scenario(scenario_id)
        except UnknownScenario as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if self.ctx.workshop is not None and scenario.id not in self.ctx.workshop.scenarios:
            self.notify(_("This scenario is not part of the workshop."), severity="error")
            return
        self.navigate(BriefingScreen(scenario.id))

    def navigate(self, screen: Any) -> None:
        """Show ``screen`` just above the library, replacing what was there.

        The library itself is not shown on the way (it reloads when it is shown). A
        screen that replaces one of its own kind (a briefing opened from a briefing,
        through the palette) waits until the one it replaces is gone: two screens of
        one id cannot be mounted at once.
        """
        from simulator.tui.screens.library import LibraryScreen

        base = next(
            (i for i, s in enumerate(self.screen_stack) if isinstance(s, LibraryScreen)), None
        )
        if base is None:
            self.push_screen(screen)
            return
        while len(self.screen_stack) > base + 2:
            self.pop_screen()
        if len(self.screen_stack) < base + 2:
            self.push_screen(screen)
        elif screen.id is None or self.screen_stack[-1].id != screen.id:
            self.switch_screen(screen)
        else:

            async def replace() -> None:
                await self.pop_screen()
                await self.push_screen(screen)

            self.call_later(replace)

    def back_to_library(self) -> None:
        from simulator.tui.screens.library import LibraryScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, LibraryScreen):
            self.pop_screen()

    def warm_up(self, scenario_id: str) -> None:
        """(In a thread.) Compile a scenario's scorer ahead of its conversation.

        Asked by the library (the row the trainee rests on) and by the briefing: the
        first asker compiles, a later one waits for it instead of compiling the same
        packs side by side; compiles of different scenarios take turns (two at once
        only slow each other down). Keyed by the scenario object: a reloaded library
        compiles again.
        """
        sc = self.ctx.library.scenarios.get(scenario_id)
        if sc is None:
            return
        key = (scenario_id, id(sc))
        with self._warm_lock:
            found = self._warmed.get(key)
            if found is None:
                if len(self._warmed) > 64:
                    self._warmed.clear()
                self._warmed[key] = (threading.Event(), sc)  # (keeps sc, so its id)
        if found is not None:
            found[0].wait(60)
            return
        try:
            with self._compile_lock:
                self.ctx.warm_up(scenario_id)
        finally:
            self._warmed[key][0].set()

    def preload_css(self, screen_class: Any) -> None:
        """Read a screen's style sheet now, as showing it first would (Textual re-parses
        every style sheet then: ~0.1 s that the first customer line used to wait for)."""
        paths = screen_class.CSS_PATH
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths or [])
        new = [p for p in paths if not self.stylesheet.has_source(str(Path(p).resolve()), "")]
        if not new:
            return
        for path in new:
            self.stylesheet.read(path)
        self.stylesheet.reparse()
        self.stylesheet.update(self)

    def start_play(self, play: Play, typed: str = "") -> None:
        """The conversation screen; ``typed``: the reply begun while it was opening."""
        from simulator.tui.screens.play import PlayScreen

        self.active = play
        self.navigate(PlayScreen(play, typed=typed))

    def resume(self, item: Any) -> None:
        from simulator.engine.session import EngineError

        try:
            play = self.ctx.resume(item)
        except (EngineError, OSError) as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.start_play(play)

    def show_debrief(self, play: Play) -> None:
        from simulator.tui.screens.debrief import DebriefScreen

        self.active = None
        self.navigate(DebriefScreen(play))

    def on_app_focus(self) -> None:
        """The browser page has the focus again (``simulator serve``): a screen shown
        while it had not has no focus at all; give it its home widget (AppScreen)."""
        screen = self.screen
        if screen.focused is None and hasattr(screen, "focus_home"):
            screen.focus_home()

    # ------------------------------------------------------------------ actions
    def action_help(self) -> None:
        from simulator.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_progress(self) -> None:
        from simulator.tui.screens.progress import ProgressScreen

        if not isinstance(self.screen, ProgressScreen):
            self.push_screen(ProgressScreen())

    async def action_switch_language(self) -> None:
        """English <-> French for the app's own text (the customers keep theirs).

        Not during a conversation (the palette does not offer it there). The library is
        made anew in the new language; a briefing or a debrief that was open is made
        anew above it; a help or progress screen on top is closed.
        """
        from simulator.tui.i18n import language
        from simulator.tui.screens.briefing import BriefingScreen
        from simulator.tui.screens.debrief import DebriefScreen
        from simulator.tui.screens.library import LibraryScreen

        if self.active is not None:
            return
        lang = "en" if language() == "fr" else "fr"
        set_language(lang)
        self.ctx.remember(ui_lang=lang)
        translate_bindings(self)
        reopen: Any = None
        for screen in self.screen_stack:
            if isinstance(screen, BriefingScreen):
                reopen = partial(self.open_scenario, screen.scenario_id)
            elif isinstance(screen, DebriefScreen):
                reopen = partial(self.show_debrief, screen.play)
        # Each screen is gone before the next step: a library made anew while the old
        # one still took messages (its list refreshed while recomposing) crashed.
        while len(self.screen_stack) > 1 and not isinstance(self.screen, LibraryScreen):
            await self.pop_screen()
        if isinstance(self.screen, LibraryScreen):
            await self.pop_screen()
            await self.push_screen(LibraryScreen(classes=self._breakpoint_class(self.size.width)))
        if reopen is not None:
            reopen()
        self.refresh_bindings()
        self.notify(_("Interface language: English"))

    # ------------------------------------------------------------------ palette
    def action_command_palette(self) -> None:
        """The palette, its placeholder in the interface language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=_("Search for commands…"))
            )

    def get_system_commands(self, screen: Any) -> Iterable[SystemCommand]:
        """Textual's own palette commands, in the interface language.

        Not its "Theme" (our "Switch theme" lists the app's themes), nor "Screenshot"
        (it writes a file into whatever folder the app was started from, unsaid).
        """
        yield SystemCommand(_("Quit"), _("Quit the simulator (a conversation in progress is kept)"),
                            self.action_quit)
        if screen.query("HelpPanel"):
            yield SystemCommand(_("Keys"), _("Hide the keys panel"), self.action_hide_help_panel)
        else:
            yield SystemCommand(_("Keys"), _("Show the keys of this screen in a panel"),
                                self.action_show_help_panel)
        if screen.maximized is not None:
            yield SystemCommand(_("Minimize"), _("Back to the normal layout"), screen.action_minimize)
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand(_("Maximize"), _("Give the focused part the whole screen"),
                                screen.action_maximize)

    def action_change_theme(self) -> None:
        """Pick one of the app's themes (those the README names), by name."""
        from textual.command import SimpleCommand

        labels = {
            "simulator-dark": _("dark (default)"),
            "simulator-light": _("light"),
            "high-contrast": _("high contrast"),
        }
        self.search_commands(
            [
                SimpleCommand(
                    theme.name,
                    partial(setattr, self, "theme", theme.name),
                    labels.get(theme.name, "") + (" ✓" if theme.name == self.theme else ""),
                )
                for theme in THEMES
            ],
            placeholder=_("Search for themes…"),
        )

    async def action_quit(self) -> None:
        self.leave_play()
        self.exit(self.exit_code, return_code=self.exit_code)

    def leave_play(self) -> None:
        if self.active is not None:
            self.active.abandon()
            self.active = None

    def _theme_changed(self, theme: Any) -> None:
        name = getattr(theme, "name", None)
        if name and name != self.ctx.profile.theme and self.ctx.config.theme is None:
            self.ctx.remember(theme=name)

    # ------------------------------------------------------------------ size guard
    def on_resize(self, event: Resize) -> None:
        if self._sized:
            self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        from simulator.tui.screens.too_small import TooSmallScreen

        small = width < MIN_WIDTH or height < MIN_HEIGHT
        shown = self._too_small
        if small:
            if shown is None:
                self._too_small = TooSmallScreen()
                self.push_screen(self._too_small)
            elif shown.is_mounted:
                shown.update_size(width, height)
        elif shown is not None:
            if self.screen is shown:
                self._too_small = None
                self.pop_screen()
            elif shown not in self.screen_stack:
                self._too_small = None


def make_app(config: AppConfig, library: Any = None) -> SimulatorApp:
    """The app for ``config`` (tests and the benchmark build it this way)."""
    ctx = Context(config, library)
    set_language(config.ui_lang or ctx.profile.ui_lang or detect_language())
    return SimulatorApp(ctx)


# Compiled scorers the app keeps: the scenario being played, the one the trainee rests on
# in the library and one more (compiling again takes about 0.1 s).
_SCORERS_KEPT = 3


def run_app(args: argparse.Namespace | None, scenario: str | None = None) -> int:
    """The app, as the command line asks (``args`` None: ``simulator`` with no arguments)."""
    config = AppConfig() if args is None else AppConfig.from_args(args, scenario)
    ctx = Context(config)
    set_language(config.ui_lang or ctx.profile.ui_lang or detect_language())
    if config.workshop:
        from simulator.store.store import StoreError

        try:
            ctx.open_workshop()
        except StoreError as exc:
            print(f"simulator: {exc}", file=sys.stderr)
            return 2
    # One trainee plays one scenario at a time: the scorers of the rows they rested on
    # need not all stay compiled (see scoring.keep_scorers).
    from simulator.scoring.scorer import keep_scorers

    keep_scorers(_SCORERS_KEPT)
    app = SimulatorApp(ctx)
    try:
        app.run()
    finally:
        app.leave_play()
    return int(app.return_code or 0)
