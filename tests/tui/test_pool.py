"""Browsers forked from the warm pool (``serve --warm-pool``) under a room's load.

With thirty trainees joining on two busy cores, the conversation screen takes seconds
to open, and a trainee (or the load bench) presses the start key again meanwhile. That
key reached the conversation screen before its editor was there: the app ended (exit
code 1) while starting the conversation, and the browser showed nothing more.
"""

from __future__ import annotations

import asyncio

from tests.tui.conftest import make_app, settle


def test_the_start_key_pressed_again_while_the_conversation_opens_does_not_end_the_app() -> None:
    async def go() -> None:
        from simulator.tui.screens.briefing import BriefingScreen
        from simulator.tui.screens.play import PlayScreen

        app = make_app(shared=False, scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            briefing = app.screen
            assert isinstance(briefing, BriefingScreen)
            briefing._start_now()  # the start key: the conversation screen opens...
            assert isinstance(app.screen, PlayScreen)
            assert not app.screen.query("#reply-editor")  # ...not built yet
            await app._check_bindings("ctrl+s", priority=True)  # pressed again
            await settle(pilot)
            assert app.return_code is None  # the app still runs
            screen = app.screen
            assert isinstance(screen, PlayScreen)
            assert screen.query("#reply-editor") and screen.session.customer_line
            assert not screen.session.turns  # and the extra key sent nothing

    asyncio.run(go())


def test_serve_forks_from_the_warm_pool_unless_told_to_start_cold() -> None:
    from simulator.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["serve", "--workshop", "K7QMPX"]).warm_pool is True
    cold = parser.parse_args(["serve", "--workshop", "K7QMPX", "--no-warm-pool"])
    assert cold.warm_pool is False
