"""Play every built-in scenario to a good and a bad ending, through the keyboard.

The built-ins are discovered when the tests are collected, so a scenario added to
``scenarios/`` is played too. (Without any, the snapshot scenario stands in.)
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.tui.conftest import BAD, GOOD, SNAP, make_app, send_reply, settle


def _builtins() -> list[str]:
    from simulator.model.library import load_library

    lib = load_library(builtin=True, user=False)
    return sorted(
        sid for sid, src in lib.origin_of.items() if src.origin == "built-in" and sid in lib.scenarios
    )


BUILTINS = _builtins()
CASES = BUILTINS or ["snap-soup-en"]


async def _play(scenario_id: str, replies: dict[str, list[str]]) -> dict[str, Any]:
    from simulator.tui.screens.briefing import BriefingScreen
    from simulator.tui.screens.debrief import DebriefScreen
    from simulator.tui.screens.play import PlayScreen

    extra = [] if BUILTINS else [SNAP]
    app = make_app(builtin=bool(BUILTINS), extra_dirs=extra, scenario=scenario_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen), app.screen
        await pilot.press("ctrl+s")  # start the conversation
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayScreen)
        session = screen.session
        lines = replies[session.scenario.language]
        for i in range(session.scenario.max_turns + 1):
            if session.ended:
                break
            assert app.focused is not None and app.focused.id == "reply-editor"
            await send_reply(pilot, lines[i % len(lines)])
            assert len(session.turns) == i + 1, "the reply was not sent"
            # practice mode: the verdict of each reply is on screen
            assert screen.query_one(f"#feedback-{i + 1}")
        assert session.ended, "no ending within the scenario's turn limit"
        await pilot.press("ctrl+s")  # to the debrief
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        store = app.ctx.open_store()
        assert store is not None
        attempts = store.attempts(trainee="Sam Trainee", scenario=scenario_id)
        return {"outcome": session.outcome, "attempts": attempts}


@pytest.mark.parametrize("scenario_id", CASES)
def test_good_replies_keep_the_customer(scenario_id: str) -> None:
    result = asyncio.run(_play(scenario_id, GOOD))
    assert result["outcome"] == "kept"
    assert [a["outcome"] for a in result["attempts"]] == ["kept"]


@pytest.mark.parametrize("scenario_id", CASES)
def test_last_word_replies_lose_the_customer(scenario_id: str) -> None:
    result = asyncio.run(_play(scenario_id, BAD))
    assert result["outcome"] in ("lost", "escalated")
    assert result["attempts"][-1]["outcome"] in ("lost", "escalated")

