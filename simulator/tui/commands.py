"""Command palette entries: open a scenario, switch theme, export, help, progress…"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from simulator.tui import labels
from simulator.tui.i18n import _, language

if TYPE_CHECKING:
    from simulator.tui.app import SimulatorApp


class SimulatorCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: SimulatorApp = self.app  # type: ignore[assignment]
        ctx = app.ctx
        out: list[tuple[str, Callable[[], object], str]] = []
        if app.active is None:
            for sc in ctx.entries():
                out.append((
                    _("Open scenario: {title}").format(title=sc.title),
                    partial(app.open_scenario, sc.id),
                    f"{labels.language_name(sc.language)} · {labels.difficulty(sc.difficulty)} · {sc.id}",
                ))
        out.append((_("Switch theme"), app.action_change_theme,
                     _("Dark, light or high contrast")))
        screen = app.screen
        from simulator.tui.screens.debrief import DebriefScreen

        if isinstance(screen, DebriefScreen):
            out.append((_("Export this session"), screen.action_export,
                         _("Markdown, HTML, JSON or CSV in your data folder")))
        from simulator.tui.screens.progress import ProgressScreen

        if isinstance(screen, ProgressScreen):
            out.append((_("Review the replies of an attempt"), screen.action_review,
                         _("Set a verdict right, mark a rule misfired, write a note")))
        out.append((_("Help: every key"), app.action_help, _("The keys of every screen")))
        out.append((_("Progress: past attempts and personal bests"), app.action_progress, ""))
        if app.active is None:
            other = "English" if language() == "fr" else "français"
            out.append((_("Switch the app's language to {lang}").format(lang=other),
                        app.action_switch_language, _("The customers keep their own language")))
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text or None)
