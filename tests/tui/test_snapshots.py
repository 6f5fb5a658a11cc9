"""Pictures of every screen at 80x24 and 120x40 (SVGs under __snapshots__/).

Deterministic: a frozen scenario and rule pack (tests/tui/data/snap), a fixed seed, a
fixed theme, the results store filled with fixed content and a fixed clock, and no clock
in the render. After an intended change of the UI, look at the report and accept with
``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import (
    BAD,
    BROKEN_REL,
    GOOD,
    SNAP,
    SNAP_REL,
    leave_mid_conversation,
    make_app,
    send_reply,
    settle,
    type_text,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
TRAINEE = "Sam Trainee"


@pytest.fixture
def seeded_store(fixed_clock: None) -> None:
    """Three attempts of the trainee, recorded through the engine and the Recorder."""
    from simulator.engine.session import Session
    from simulator.model.library import load_library
    from simulator.store.recorder import Recorder
    from simulator.store.store import Store

    lib = load_library([SNAP], builtin=False, user=False)
    store = Store.open(None)
    plays = [
        ("snap-soup-en", BAD["en"]),
        ("snap-soup-en", ["I'm so sorry. I'll bring you a fresh soup right now.", "Two minutes, on the house."]),
        ("snap-coffee-en", ["I'm so sorry, I'll replace it right now."]),
        ("snap-coffee-en", ["Our policy is one drink per order."]),
    ]
    for sid, replies in plays:
        sc = lib.scenario(sid)
        session = Session(sc, lib.packs_for(sc), seed=0)
        rec = Recorder(session, store, TRAINEE)
        for reply in replies:
            if session.ended:
                break
            session.reply(reply)
        if not session.ended:
            rec.abandon()
    store.close()


def _steady(pilot: Any) -> None:
    """Stop blinking cursors (a blink would make two pictures of one state differ)."""
    from textual.widgets import Input, TextArea

    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


async def _open_play(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("ctrl+s")
    await pilot.pause()


async def _play_to_ending(pilot: Any) -> None:
    """The cold soup, kept in three replies (the first one a jab)."""
    await _open_play(pilot)
    _steady(pilot)
    await send_reply(pilot, "You're lucky we serve soup at all.")
    await send_reply(pilot, GOOD["en"][0])
    await send_reply(pilot, "Two minutes, and dessert is on the house.")


@pytest.mark.parametrize("size", SIZES)
def test_library(snap_compare: Any, size: tuple[int, int], seeded_store: None, in_repo: None) -> None:
    app = make_app(extra_dirs=[SNAP_REL, BROKEN_REL])
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_briefing(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    app = make_app(scenario="snap-soup-en")
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_play_with_feedback(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_play(pilot)
        _steady(pilot)
        await send_reply(pilot, "You're lucky we serve soup at all. I'm sorry, I'll bring you a fresh soup.")
        await settle(pilot)

    app = make_app(scenario="snap-soup-en")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_explain_last_reply(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    """F4 after a reply: the rules that fired, and the fix a condition cancelled."""

    async def run_before(pilot: Any) -> None:
        await _open_play(pilot)
        _steady(pilot)
        await send_reply(pilot, "You're lucky it's warm. If you wait an hour I'll bring you a fresh soup.")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)

    app = make_app(scenario="snap-soup-en")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_play_ended(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    """The ending reached: no editor, the keys that still matter."""

    async def run_before(pilot: Any) -> None:
        await _play_to_ending(pilot)
        await settle(pilot)

    app = make_app(scenario="snap-soup-en")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_debrief(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    async def run_before(pilot: Any) -> None:
        await _play_to_ending(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    app = make_app(scenario="snap-soup-en")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_progress(snap_compare: Any, size: tuple[int, int], seeded_store: None) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=size, run_before=settle, press=["p"])


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=size, run_before=settle, press=["f1"])


@pytest.mark.parametrize("size", SIZES)
def test_name_prompt(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        _steady(pilot)

    app = make_app(name=None)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [pytest.param((60, 20), id="60x20"), pytest.param((100, 20), id="100x20")])
def test_too_small(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    app = make_app()
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_resume_offer(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    """The start-up offer to resume a conversation left in the middle."""
    leave_mid_conversation("You're lucky we serve soup.")

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        _steady(pilot)

    app = make_app(offer_resume=True)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog(snap_compare: Any, size: tuple[int, int], fixed_clock: None) -> None:
    async def run_before(pilot: Any) -> None:
        await _open_play(pilot)
        _steady(pilot)
        await send_reply(pilot, "You're lucky we serve soup at all.")
        await send_reply(pilot, "Calm down.")
        await pilot.press("ctrl+s")  # the debrief
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    app = make_app(scenario="snap-soup-en")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_library_in_french(snap_compare: Any, size: tuple[int, int], seeded_store: None) -> None:
    app = make_app(ui_lang="fr")
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_live_leaderboard(
    snap_compare: Any, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`simulator leaderboard CODE --live`, on fixed results and a fixed clock."""
    from datetime import datetime

    import simulator.tui.leaderboard as board

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime(2026, 11, 2, 10, 30, 0)

    monkeypatch.setattr(board, "datetime", Frozen)
    workshop = {"name": "Front desk", "code": "K7QMPX", "mode": "assessment",
                "closed": False, "scenarios": ["hotel-ac-en", "supermarket-return-en"]}
    rows = [
        {"rank": 1, "name": "Ann Lee", "total": 162, "attempts": 3, "playing": False,
         "per_scenario": {"hotel-ac-en": 88, "supermarket-return-en": 74},
         "outcomes": {"kept": 2, "escalated": 0, "lost": 1}},
        {"rank": 2, "name": "Sam Martin", "total": 91, "attempts": 2, "playing": True,
         "per_scenario": {"hotel-ac-en": 91},
         "outcomes": {"kept": 1, "escalated": 0, "lost": 0}},
        {"rank": 3, "name": "Noor", "total": 23, "attempts": 1, "playing": False,
         "per_scenario": {"supermarket-return-en": 23},
         "outcomes": {"kept": 0, "escalated": 0, "lost": 1}},
    ]
    app = board.LeaderboardApp(
        lambda: (workshop, rows),
        titles={"hotel-ac-en": "The air conditioning is out",
                "supermarket-return-en": "You're lucky"},
        interval=3600,
    )

    async def run_before(pilot: Any) -> None:
        for _ in range(100):
            if app.reads:
                break
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_review(snap_compare: Any, size: tuple[int, int], seeded_store: None) -> None:
    """`simulator review`: the trainee's first attempt, its second reply under the cursor,
    a label set right, a rule marked misfired and a note typed (not yet saved)."""
    from simulator.service.review import for_attempt
    from simulator.store.store import Store
    from simulator.tui.review import ReviewApp, ReviewSource

    store = Store.open(None)
    store.add_override(1, {"last_word": False}, [], "Said with a smile; fine here.", "Kim")

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        _steady(pilot)
        await pilot.press("down")
        await pilot.press("a")
        await pilot.press("m", "space")
        await pilot.press("n")
        await type_text(pilot, "Good apology")
        await pilot.pause()

    try:
        app = ReviewApp(ReviewSource(store, for_attempt(1)))
        assert snap_compare(app, terminal_size=size, run_before=run_before)
    finally:
        store.close()
