"""The app shows a node's model reply after a weak reply: at the foot of the reply's
feedback, with the hint (F2), and in the debrief, in the trainee's interface language."""

from __future__ import annotations

import asyncio

import pytest

from tests.tui.conftest import BAD, GOOD, make_app, send_reply, settle

LABEL = {"en": "A reply that would have worked here:", "fr": "Une réponse qui aurait marché ici :"}
EXAMPLE = {"en": "For example:", "fr": "Par exemple :"}


@pytest.mark.parametrize(("scenario_id", "lang"), [("hotel-ac-en", "en"), ("hotel-ac-fr", "fr")])
def test_a_weak_reply_shows_a_model_reply_and_a_good_one_does_not(
    scenario_id: str, lang: str
) -> None:
    async def go() -> None:
        from textual.widgets import Static

        from simulator.tui.screens.debrief import DebriefScreen
        from simulator.tui.screens.play import PlayScreen

        app = make_app(builtin=True, extra_dirs=[], scenario=scenario_id, ui_lang=lang)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+s")  # start the conversation
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, PlayScreen)
            session = screen.session
            language = session.scenario.language
            first = session.scenario.node(session.node)
            assert first is not None and first.model_replies

            await send_reply(pilot, GOOD[language][0])
            assert not screen.query("#feedback-1 .fb-model"), "a good reply needs no model"

            at = session.scenario.node(session.node)
            assert at is not None and at.model_replies
            await send_reply(pilot, BAD[language][0])
            shown = str(screen.query_one("#feedback-2 .fb-model", Static).render())
            assert LABEL[lang] in shown
            assert any(" ".join(m.split()) in " ".join(shown.split()) for m in at.model_replies)

            if not session.ended:
                now = session.scenario.node(session.node)
                assert now is not None
                await pilot.press("f2")
                await pilot.pause()
                hint = " ".join(str(screen.query(".hint").last().render()).split())
                assert EXAMPLE[lang] in hint
                assert any(" ".join(m.split()) in hint for m in now.model_replies)

            for reply in BAD[language] * 3:
                if session.ended:
                    break
                await send_reply(pilot, reply)
            assert session.ended
            await pilot.press("ctrl+s")  # to the debrief
            await settle(pilot)
            assert isinstance(app.screen, DebriefScreen)
            changes = " ".join(str(app.screen.query_one("#changes", Static).render()).split())
            model = app.screen.debrief.model_reply
            assert model is not None
            assert LABEL[lang] in changes and " ".join(model.reply.split()) in changes

    asyncio.run(go())
