"""The numbers a trainee sees add up from what is on the screen: a reply's feedback,
the conversation's top bar, the debrief's total; patience and mood tell one story."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tui.conftest import GOOD, make_app, send_reply, settle

HOTEL_FIX = (
    "I'm so sorry, you're right: this is not acceptable and it's our fault. I will fix it "
    "right now: I'll personally arrange a replacement room for you within ten minutes, and "
    "I'll refund you the night today."
)
SUMMARY = re.compile(r"Score (\d+)/100 = 50 ([+−]\d+) gained ([+−]\d+) lost")


def _num(text: str) -> int:
    return int(text.replace("−", "-").replace("+", ""))


def _plain(content: Any) -> str:
    return str(content.plain if hasattr(content, "plain") else content)


def _hotel_verdict(library: Any, reply: str) -> Any:
    from simulator.scoring import scorer_for

    sc = library.scenarios["hotel-ac-en"]
    return scorer_for(sc, library.packs_for(sc)).score(reply)


def test_the_feedback_shows_capped_points_one_line_per_rule(library: Any) -> None:
    """It said "gained +99" beside "100/100", and "+30 Concrete fix" twice (cap 35)."""
    from simulator.tui.widgets.feedback import hit_rows, summary

    v = _hotel_verdict(library, HOTEL_FIX)
    line = _plain(summary(v))
    assert line.startswith("Score 100/100 = 50 +65 gained −0 lost"), line
    assert "115, kept within 0-100" in line
    rows = [(_plain(p), _plain(t)) for p, t in hit_rows(v)]
    fix = [r for r in rows if r[1].startswith("Concrete fix")]
    assert fix == [("+35", fix[0][1])] and "capped at +35" in fix[0][1]
    # one line for the category, every fix rule's points listed in it, their sum over the cap
    listed = [int(p) for p in fix[0][1].split("(rules ", 1)[1].split(",")[0].split()]
    assert len(listed) >= 2 and sum(listed) > 35
    assert all(p != "+30" for p, _t in rows)  # no rule's own weight in the points column
    # each fired rule once, under its category
    rule_lines = [t for p, t in rows if p == ""]
    assert len(rule_lines) == len(v.hits) - sum(
        1 for c in {h.category for h in v.hits} if sum(h.category == c for h in v.hits) == 1
    )


PHRASES = [
    "You're lucky we even talk to you.", "Calm down.", "That's our policy, nothing I can do.",
    "I'm so sorry.", "You're right, it's our fault.", "I will fix it right now.",
    "I'll personally arrange a replacement room within ten minutes.",
    "I'll refund you the night today.", "Could you tell me your room number?", "OK.",
    "YOU SHOULD HAVE CALLED EARLIER!!", "Normally I should charge you for the night.",
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=6).map(" ".join))
def test_what_the_feedback_shows_adds_up_to_its_score(library: Any, reply: str) -> None:
    from simulator.tui.widgets.feedback import hit_rows, summary

    v = _hotel_verdict(library, reply)
    m = SUMMARY.match(_plain(summary(v)))
    assert m, _plain(summary(v))
    score, gained, lost = (_num(g) for g in m.groups())
    assert score == v.score == max(0, min(100, 50 + gained + lost))
    shown = [_num(_plain(p)) for p, _t in hit_rows(v) if _plain(p)]
    assert sum(x for x in shown if x > 0) == gained
    assert sum(x for x in shown if x < 0) == lost


def _score_text(screen: Any) -> str:
    return str(screen.query_one("#score").render())


def test_the_top_bar_and_the_debrief_give_the_same_score() -> None:
    """The top bar said 91 (the replies' average) while the debrief said 94."""

    async def go() -> None:
        from simulator.tui.screens.debrief import DebriefScreen

        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            play = app.screen
            await send_reply(pilot, GOOD["en"][0])
            assert _score_text(play).startswith("Average ")
            await send_reply(pilot, "Two minutes, and dessert is on the house.")
            assert play.session.ended
            top = _score_text(play)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, DebriefScreen)
            d = app.screen.debrief
            assert top == f"Score {d.score}"
            formula = str(app.screen.query_one("#score-formula").render())
            mean = sum(t["score"] for t in d.turns) / len(d.turns)
            assert formula.startswith(f"{d.score} = 0.7 × {mean:g} (average of 2 replies) + 30")
            assert "F1" in formula

    asyncio.run(go())


def test_the_help_says_how_scores_are_made() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("f1")
            await settle(pilot)
            text = " ".join(str(s.render()) for s in app.screen.query(".help-score"))
            assert "0.7 ×" in text and "at most 35" in text and "costs one point" in text

    asyncio.run(go())


def test_a_customer_who_runs_out_of_patience_is_not_shown_won_over() -> None:
    """Two good replies sent too late: patience gone, the customer leaves. The meter said
    "won over" (mood 79); it now says furious, and the debrief names the reply."""

    async def go() -> None:
        from simulator.tui.screens.debrief import DebriefScreen

        app = make_app(scenario="snap-soup-en", time_limit=30)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            play = app.screen
            for reply in (GOOD["en"][0], "Two minutes, and dessert is on the house. I'm sorry."):
                play._turn_started -= 100  # the trainee took 100 s more than they did
                await send_reply(pilot, reply)
            assert play.session.ended and play.session.outcome == "lost"
            meter = str(play.query_one("#mood").render())
            assert "furious" in meter and "won over" not in meter
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, DebriefScreen)
            straw = str(app.screen.query_one("#last-straw").render())
            assert "Reply 2 cost the customer's last point of patience" in straw
            assert "Two minutes" in straw

    asyncio.run(go())


def test_the_conversation_scrolls_from_the_editor() -> None:
    """At 80x24, earlier feedback took Shift+Tab then PageUp; PageUp now scrolls the
    conversation and the editor keeps the focus (and the reply being written)."""

    async def go() -> None:
        from textual.widgets import TextArea

        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            play = app.screen
            await send_reply(pilot, "I'm sorry, the kitchen is slow tonight.")
            chat = play.query_one("#chat")
            editor = play.query_one("#reply-editor", TextArea)
            editor.insert("Half a reply")
            await settle(pilot)
            bottom = chat.scroll_y
            assert bottom > 0 and chat.max_scroll_y == bottom
            await pilot.press("pageup")
            await settle(pilot)
            assert chat.scroll_y < bottom
            assert app.focused is editor and editor.text == "Half a reply"
            await pilot.press("ctrl+down", "ctrl+down", "pagedown")
            await settle(pilot)
            assert chat.scroll_y == bottom
            assert "PgUp/PgDn" in str(editor.border_subtitle)

    asyncio.run(go())


def test_the_french_mood_words_fit_a_woman_as_well_as_a_man() -> None:
    """Mme Garnier was "furieux": the French meter uses words without gender."""
    from simulator.tui.i18n import set_language
    from simulator.tui.widgets.meters import mood_word

    masculine_only = {"furieux", "fâché", "tendu", "conquis", "calmé", "énervé", "satisfait", "apaisé"}
    try:
        set_language("fr")
        words = {mood_word(m) for m in range(101)}
    finally:
        set_language("en")
    assert len(words) == 5
    assert not words & masculine_only, words
