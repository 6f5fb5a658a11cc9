"""Keys reach the widget they are meant for, in a browser too (simulator serve), where
the page loses and regains the focus while screens come and go."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.tui.conftest import make_app, settle, type_text


async def _page_focus(pilot: Any, focused: bool) -> None:
    from textual import events

    pilot.app.post_message(events.AppFocus() if focused else events.AppBlur())
    await pilot.pause()


def test_the_list_takes_the_first_enter_after_the_name_even_if_the_page_lost_focus() -> None:
    """In the browser the page lost the focus while the list was shown, then the name was
    asked: back on the list nothing had the focus, and the first Enter went to the search
    box instead of opening the scenario."""

    async def go() -> None:
        from simulator.tui.screens.briefing import BriefingScreen
        from simulator.tui.screens.name import NameScreen

        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _page_focus(pilot, False)  # the page is not focused yet
            names: list[str] = []
            app.push_screen(NameScreen(), names.append)  # the welcome asks the name
            await settle(pilot)
            await _page_focus(pilot, True)  # the trainee clicks into the page
            await type_text(pilot, "Bea")
            await pilot.press("enter")
            await settle(pilot)
            assert names == ["Bea"]
            assert app.focused is app.screen.query_one("#scenarios")
            await pilot.press("enter")  # once
            await settle(pilot)
            assert isinstance(app.screen, BriefingScreen)
            assert app.focused is app.screen.query_one("#start")

    asyncio.run(go())


def test_a_screen_shown_while_the_page_had_no_focus_gets_its_keys_when_it_does() -> None:
    async def go() -> None:
        from simulator.tui.screens.briefing import BriefingScreen

        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await _page_focus(pilot, False)
            app.open_scenario("snap-soup-en")
            await settle(pilot)
            await _page_focus(pilot, True)
            assert isinstance(app.screen, BriefingScreen)
            await pilot.press("enter")  # "Start the conversation"
            await settle(pilot)
            assert app.screen.id == "play"

    asyncio.run(go())


def test_a_reply_typed_as_the_conversation_opens_goes_into_the_editor() -> None:
    """Keys typed right after Start, while the conversation screen opens, are the
    reply's: none is lost, none reaches another screen (a 'p' once opened Progress)."""

    async def go() -> None:
        from textual.widgets import TextArea

        from simulator.tui.screens.play import PlayScreen

        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await _page_focus(pilot, False)
            await _page_focus(pilot, True)
            await type_text(pilot, "\n")  # Enter on Start...
            await type_text(pilot, "soup p")  # ...and the reply, at once
            await settle(pilot)
            assert isinstance(app.screen, PlayScreen)
            editor = app.screen.query_one("#reply-editor", TextArea)
            assert editor.text == "soup p"
            assert app.focused is editor
            # the page loses the focus and gets it back: typing goes on in the editor
            await _page_focus(pilot, False)
            await _page_focus(pilot, True)
            await type_text(pilot, "er")
            assert editor.text == "soup per"

    asyncio.run(go())
