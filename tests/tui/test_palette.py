"""Every command of the palette (ctrl+p) works, or is not offered, on every screen.

Each command is run on a fresh app brought to the screen, the way the palette runs it
(the palette closes, then the command is called), and the app must still be running,
on a screen of its own, with nothing raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.tui.conftest import BAD, GOOD, make_app, send_reply, settle

SCENARIO = "snap-soup-en"


async def _library(pilot: Any) -> None:
    await settle(pilot)


async def _briefing(pilot: Any) -> None:
    await settle(pilot)
    pilot.app.open_scenario(SCENARIO)
    await settle(pilot)


async def _play(pilot: Any) -> None:
    await _briefing(pilot)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def _play_ended(pilot: Any) -> None:
    await _play(pilot)
    for reply in BAD["en"]:
        if pilot.app.screen.session.ended:
            break
        await send_reply(pilot, reply)
    await settle(pilot)
    assert pilot.app.screen.session.ended


async def _debrief(pilot: Any) -> None:
    await _play(pilot)
    await send_reply(pilot, GOOD["en"][0])
    await send_reply(pilot, GOOD["en"][1])
    await pilot.press("ctrl+s")
    await settle(pilot)


async def _help(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)


async def _progress(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)


SCREENS: dict[str, tuple[Callable[[Any], Awaitable[None]], str]] = {
    "library": (_library, "LibraryScreen"),
    "briefing": (_briefing, "BriefingScreen"),
    "play": (_play, "PlayScreen"),
    "play-ended": (_play_ended, "PlayScreen"),
    "debrief": (_debrief, "DebriefScreen"),
    "help": (_help, "HelpScreen"),
    "progress": (_progress, "ProgressScreen"),
}


def palette_commands(app: Any) -> list[tuple[str, Callable[[], Any]]]:
    """What ctrl+p lists on the current screen: (name, callback) of every provider."""
    from simulator.tui.commands import SimulatorCommands

    out = [(name, cb) for name, cb, _help in SimulatorCommands(app.screen)._commands()]
    out += [(c.title, c.callback) for c in app.get_system_commands(app.screen)]
    return out


async def _run_command(
    screen: str, name: str | Callable[[list[str]], str | None], listed: list[str] | None = None
) -> None:
    """Run one command on a fresh app brought to the screen. With ``listed``, the names
    the palette offers there (before it is opened) are added to it, and ``name`` may pick
    the command from them (None: run none)."""
    from simulator.tui.i18n import set_language

    reach, kind = SCREENS[screen]
    app = make_app()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await reach(pilot)
            commands = palette_commands(app)
            if listed is not None:
                assert type(app.screen).__name__ == kind
                listed.extend(n for n, _cb in commands)
            if not isinstance(name, str):
                picked = name([n for n, _cb in commands])
                if picked is None:
                    return
                name = picked
            callback = dict(commands)[name]
            await pilot.press("ctrl+p")  # the palette opens over the screen...
            await pilot.pause()
            assert type(app.screen).__name__ == "CommandPalette"
            await pilot.press("escape")  # ...and closes before the command runs
            await pilot.pause()
            app.call_later(callback)
            await settle(pilot)
            running = app.is_running
            if running:
                # a command that opens a list of its own (themes): close it again
                if type(app.screen).__name__ == "CommandPalette":
                    await pilot.press("escape")
                    await settle(pilot)
                assert app.screen.is_mounted
                assert app.screen.query("*")  # a screen that shows something
        assert app._exception is None, f"{name!r} on the {screen} screen raised"
        if not running and name != "Quit":
            pytest.fail(f"{name!r} on the {screen} screen closed the app")
        assert app.return_code in (None, 0)
    finally:
        set_language("en")


# Each screen's commands in two items (every other command, from the first or the
# second), so that the workers share a screen's work. The first command of an item runs
# on the app that lists the commands.
@pytest.mark.slow
@pytest.mark.parametrize("part", [0, 1])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_palette_command_works_on_every_screen(screen: str, part: int) -> None:
    names: list[str] = []
    failures = []

    def first(offered: list[str]) -> str | None:
        return offered[part] if len(offered) > part else None

    try:
        asyncio.run(_run_command(screen, first, listed=names))
    except Exception as exc:  # collect them all: the report names each
        if len(names) <= part:  # the screen was not reached, or nothing was listed
            raise
        failures.append(f"{names[part]!r}: {type(exc).__name__}: {exc}")
    assert names, "the palette offers nothing"
    for name in names[part + 2 :: 2]:
        try:
            asyncio.run(_run_command(screen, name))
        except Exception as exc:  # collect them all: the report names each
            failures.append(f"{name!r}: {type(exc).__name__}: {exc}")
    assert not failures, f"on the {screen} screen:\n" + "\n".join(failures)


def test_switching_language_from_the_briefing_keeps_the_briefing_in_the_new_language() -> None:
    async def go() -> None:
        from simulator.tui.screens.briefing import BriefingScreen
        from simulator.tui.screens.library import LibraryScreen

        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await _briefing(pilot)
            await app.action_switch_language()
            await settle(pilot)
            assert isinstance(app.screen, BriefingScreen)
            assert app.screen.scenario_id == SCENARIO
            assert "Commencer la conversation" in str(app.screen.query_one("#start").label)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, LibraryScreen)
            assert app.screen.query_one("#scenarios").border_title == "Scénarios"

    try:
        asyncio.run(go())
    finally:
        from simulator.tui.i18n import set_language

        set_language("en")


def _palette_options(app: Any) -> list[str]:
    from textual.command import CommandList

    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def _until(pilot: Any, ready: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``ready()`` (the palette searches in the background), at most ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not ready() and loop.time() < deadline:
        await pilot.pause(0.02)


def test_one_theme_command_lists_the_themes_the_readme_names() -> None:
    themes = {"simulator-dark", "simulator-light", "high-contrast"}

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            names = [n for n, _cb in palette_commands(app)]
            assert [n for n in names if "theme" in n.casefold()] == ["Switch theme"]
            app.action_change_theme()
            await settle(pilot)
            await _until(pilot, lambda: {s.split()[0] for s in _palette_options(app)} == themes)
            shown = _palette_options(app)
            assert {s.split()[0] for s in shown} == themes
            await pilot.press(*"light")
            await _until(pilot, lambda: [s.split()[0] for s in _palette_options(app)] == ["simulator-light"])
            await pilot.press("enter")
            await settle(pilot)
            assert app.theme == "simulator-light"

    asyncio.run(go())


def test_the_palette_speaks_the_interface_language() -> None:
    async def go() -> None:
        from textual.widgets import Input

        app = make_app(ui_lang="fr")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            names = [n for n, _cb in palette_commands(app)]
            assert "Quitter" in names and "Quit" not in names
            assert "Changer de thème" in names
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert app.screen.query_one(Input).placeholder == "Rechercher une commande…"

    try:
        asyncio.run(go())
    finally:
        from simulator.tui.i18n import set_language

        set_language("en")
