"""The first customer line does not wait for work the briefing could do while read."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.tui.conftest import make_app, settle, type_text


def test_the_briefing_prepares_the_scorer_and_the_conversation_screen() -> None:
    async def go() -> None:
        from simulator.scoring import scorer as scoring
        from simulator.tui.screens.briefing import BriefingScreen
        from simulator.tui.screens.play import PlayScreen

        app = make_app(shared=False, scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)  # the briefing's warm-up is done
            assert isinstance(app.screen, BriefingScreen)
            play_css = str(PlayScreen.CSS_PATH)
            assert app.stylesheet.has_source(play_css, "")  # its styles are read
            sc = app.ctx.library.scenario("snap-soup-en")
            cached = scoring.scorer_for(sc, app.ctx.library.packs_for(sc))
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, PlayScreen)
            assert app.screen.session.scorer is cached  # the one compiled while reading

    asyncio.run(go())


def test_start_during_the_warm_up_waits_for_it_instead_of_compiling_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ctrl+s pressed while the packs were still compiling compiled them a second time,
    side by side with the first: the first line came after both (2.3-2.6 s)."""
    from simulator.scoring import scorer as scoring

    gate = threading.Event()
    compiled: list[str] = []
    real = scoring.rule_set

    def slow_rule_set(packs: Any, scenario: Any) -> Any:
        compiled.append(getattr(scenario, "id", ""))
        gate.wait(10)  # the compile takes as long as the test says
        return real(packs, scenario)

    monkeypatch.setattr(scoring, "rule_set", slow_rule_set)
    monkeypatch.setattr(scoring, "_CACHE", type(scoring._CACHE)())  # nothing compiled yet
    monkeypatch.setattr(scoring, "_KEYS", type(scoring._KEYS)())

    async def go() -> None:
        from simulator.tui.screens.briefing import BriefingScreen
        from simulator.tui.screens.play import PlayScreen

        app = make_app(shared=False, scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(200):  # the briefing, its warm-up compiling
                await pilot.pause(0.02)
                if isinstance(app.screen, BriefingScreen) and compiled:
                    break
            assert isinstance(app.screen, BriefingScreen) and compiled == ["snap-soup-en"]
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            assert isinstance(app.screen, BriefingScreen)  # waiting for the compile...
            assert "Starting" in str(app.screen.query_one("#start").label)
            await pilot.press("ctrl+s")  # (a second press changes nothing)
            await type_text(pilot, "I'm m")  # the reply begun meanwhile: kept, and no
            assert app.screen.mode() == "practice"  # "m" for the mode
            gate.set()
            for _ in range(200):
                await pilot.pause(0.02)
                if isinstance(app.screen, PlayScreen):
                    break
            assert isinstance(app.screen, PlayScreen)
            assert app.screen.session.customer_line
            await pilot.pause()
            assert app.screen.query_one("#reply-editor").text == "I'm m"
        assert compiled == ["snap-soup-en"]  # ...compiled once

    try:
        asyncio.run(go())
    finally:
        gate.set()


def test_the_row_the_trainee_rests_on_is_compiled_before_its_briefing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Start pressed as soon as the briefing shows found the packs still compiling: the
    scenario the trainee rests on in the list is compiled while they look at it, once."""
    from simulator.scoring import scorer as scoring

    compiled: list[str] = []
    real = scoring.rule_set

    def counting_rule_set(packs: Any, scenario: Any) -> Any:
        compiled.append(getattr(scenario, "id", ""))
        return real(packs, scenario)

    monkeypatch.setattr(scoring, "rule_set", counting_rule_set)
    monkeypatch.setattr(scoring, "_CACHE", type(scoring._CACHE)())  # nothing compiled yet
    monkeypatch.setattr(scoring, "_KEYS", type(scoring._KEYS)())

    async def go() -> None:
        from simulator.tui.screens.library import LibraryScreen
        from simulator.tui.screens.play import PlayScreen

        app = make_app(shared=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, LibraryScreen)
            await pilot.press("down")  # rests on the second row
            await pilot.pause(LibraryScreen.WARM_AFTER + 0.2)
            await settle(pilot)
            second = app.screen._current()
            # compiled while the list is shown (the first row too, if the machine is slow
            # enough for the trainee to have rested on it)
            assert compiled.count(second) == 1
            await pilot.press("enter")  # its briefing, and Start at once
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, PlayScreen)
            assert app.screen.session.scenario.id == second
        assert compiled.count(second) == 1  # once

    asyncio.run(go())
