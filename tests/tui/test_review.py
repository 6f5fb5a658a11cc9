"""The review screen: a trainer moves through replies, sets labels right, marks a rule
as misfired, writes a note and saves; the verdict stays as recorded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.tui.conftest import SNAP, make_app, settle, type_text

TRAINEE = "Sam Trainee"
LUCKY = "You're lucky we serve soup at all."
FIX = "I'm so sorry. I'll bring you a fresh soup right now."


@pytest.fixture
def reviewed_store(fixed_clock: None) -> Iterator[Any]:
    """One workshop attempt of two replies, recorded through the engine and the Recorder."""
    from simulator.engine.session import Session
    from simulator.model.library import load_library
    from simulator.store.recorder import Recorder
    from simulator.store.store import Store

    lib = load_library([SNAP], builtin=False, user=False)
    store = Store.open(None)
    sc = lib.scenario("snap-soup-en")
    session = Session(sc, lib.packs_for(sc), seed=0)
    rec = Recorder(session, store, TRAINEE)
    for reply in (LUCKY, FIX):
        if not session.ended:
            session.reply(reply)
    if not session.ended:
        rec.abandon()
    yield store
    store.close()


def _app(store: Any) -> Any:
    from simulator.service.review import for_attempt
    from simulator.tui.review import ReviewApp, ReviewSource

    return ReviewApp(ReviewSource(store, for_attempt(1), reviewer="Kim"))


def _verdicts(store: Any) -> list[str]:
    return [t["verdict"] for t in store.turns(1)]


def test_set_a_label_right_with_a_note_and_save(reviewed_store: Any) -> None:
    asyncio.run(_set_a_label_right_with_a_note_and_save(reviewed_store))


async def _set_a_label_right_with_a_note_and_save(reviewed_store: Any) -> None:
    store = reviewed_store
    before = _verdicts(store)
    app = _app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#replies").row_count == 2
        assert "lucky" in str(screen.query_one("#reply-text").render()).lower()
        assert screen.query_one("#label-last_word").value is True
        await pilot.press("l")  # the verdict said last word: the trainer says no
        assert screen.query_one("#label-last_word").value is False
        await pilot.press("n")
        await type_text(pilot, "Fair point, said kindly.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved your review of reply 1" in str(screen.query_one("#review-status").render())
    found = store.overrides(attempt_ids=[1])
    assert list(found) == [1]
    assert found[1]["labels"] == {"last_word": False}
    assert found[1]["note"] == "Fair point, said kindly." and found[1]["reviewer"] == "Kim"
    assert _verdicts(store) == before  # the recorded verdicts are not touched


def test_move_to_the_next_reply_and_mark_a_rule_misfired(reviewed_store: Any) -> None:
    asyncio.run(_move_to_the_next_reply_and_mark_a_rule_misfired(reviewed_store))


async def _move_to_the_next_reply_and_mark_a_rule_misfired(reviewed_store: Any) -> None:
    store = reviewed_store
    app = _app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("down")
        await settle(pilot)
        assert screen.current["reply"] == FIX
        fired = screen.current["rules"]
        assert fired
        await pilot.press("m")  # the list of fired rules
        await pilot.press("space")  # the first rule: misfired
        await pilot.press("ctrl+s")
        await settle(pilot)
    found = store.overrides(attempt_ids=[1])
    (review,) = found.values()
    assert review["misfired"] == [fired[0]] and review["labels"] == {}


def test_nothing_changed_is_not_saved(reviewed_store: Any) -> None:
    asyncio.run(_nothing_changed_is_not_saved(reviewed_store))


async def _nothing_changed_is_not_saved(reviewed_store: Any) -> None:
    store = reviewed_store
    app = _app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing to save" in str(app.screen.query_one("#review-status").render())
    assert store.overrides(attempt_ids=[1]) == {}


def test_progress_view_opens_the_review_of_an_attempt(reviewed_store: Any) -> None:
    asyncio.run(_progress_view_opens_the_review_of_an_attempt(reviewed_store))


async def _progress_view_opens_the_review_of_an_attempt(reviewed_store: Any) -> None:
    """From the app's progress view, v reviews the attempt under the cursor."""
    from simulator.tui.review import ReviewScreen

    app = make_app(extra_dirs=[SNAP], name=TRAINEE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.run_action("progress")
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.query_one("#replies").row_count == 2
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ReviewScreen)


def test_the_trainers_note_shows_in_progress(reviewed_store: Any) -> None:
    asyncio.run(_the_trainers_note_shows_in_progress(reviewed_store))


async def _the_trainers_note_shows_in_progress(reviewed_store: Any) -> None:
    reviewed_store.add_override(1, {"last_word": False}, [], "Kind, and firm.", "Kim")
    app = make_app(extra_dirs=[SNAP], name=TRAINEE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.run_action("progress")
        await settle(pilot)
        text = str(app.screen.query_one("#trainer-notes").render())
        assert "Your trainer's note" in text and "Kind, and firm." in text
    assert json.loads(reviewed_store.turns(1)[0]["verdict"])["score"] >= 0


def test_the_trainers_note_shows_in_the_debrief(fixed_clock: None) -> None:
    asyncio.run(_note_in_debrief())


async def _note_in_debrief() -> None:
    from tests.tui.conftest import GOOD, send_reply

    app = make_app(scenario="snap-soup-en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await send_reply(pilot, LUCKY)
        await send_reply(pilot, GOOD["en"][0])
        await send_reply(pilot, "Two minutes, and dessert is on the house.")
        store = app.ctx.open_store()
        attempt = store.attempts(trainee=TRAINEE)[-1]["id"]
        first = store.turns(attempt)[0]["id"]
        store.add_override(first, {}, [], "Start with the soup, not the favour.", "Kim")
        await pilot.press("ctrl+s")  # the debrief
        await settle(pilot)
        text = str(app.screen.query_one("#trainer-notes").render())
        assert "Your trainer's note" in text and "Start with the soup" in text
        assert LUCKY[:20] in text


def test_the_live_board_opens_the_review_of_the_workshop(reviewed_store: Any) -> None:
    asyncio.run(_board_review(reviewed_store))


async def _board_review(store: Any) -> None:
    from simulator.service.review import Target
    from simulator.tui.leaderboard import LeaderboardApp, store_loader
    from simulator.tui.review import ReviewScreen, ReviewSource

    ws = store.create_workshop("Front desk", ["snap-soup-en"])
    aid = store.start_attempt("Noor", "snap-soup-en", "1", "en", "assessment", workshop=ws.code)
    store.add_turn(
        aid,
        {
            "index": 1,
            "node": "start",
            "customer": "Cold soup.",
            "reply": LUCKY,
            "mood_after": 20,
            "verdict": json.loads(store.turns(1)[0]["verdict"]),
        },
    )
    source = ReviewSource(store, Target("workshop", ws.code, workshop=ws.code))
    app = LeaderboardApp(store_loader(store, ws.code), interval=60, review=source)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        table = app.screen.query_one("#replies")
        assert table.row_count == 1  # the workshop's reply only, not the practice ones
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)
        assert "Scores as recorded; no reply reviewed" in str(app.query_one("#heading").render())
