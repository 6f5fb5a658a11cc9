"""The live leaderboard screen (`leaderboard CODE --live`): polls and redraws."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from simulator.engine import Session
from simulator.store import Store
from simulator.store.recorder import Recorder
from simulator.tui.leaderboard import LeaderboardApp, store_loader

FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."


def _play(store: Store, wlib: Any, code: str, name: str, replies: list[str]) -> None:
    sc = wlib.scenario("mini-en")
    s = Session(sc, wlib.packs_for(sc), mode="assessment")
    Recorder(s, store, name, workshop=code)
    for r in replies:
        s.reply(r)


async def _wait_for(pred: Any, pilot: Any, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if pred():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


def _cells(app: LeaderboardApp) -> list[list[str]]:
    table = app.query_one("#board", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.slow
def test_live_leaderboard_refreshes_from_the_store(sqlite_url: str, wlib: Any) -> None:
    async def scenario() -> None:
        store = Store.open(sqlite_url)
        ws = store.create_workshop("Live", ["mini-en"])
        _play(store, wlib, ws.code, "Ann", [FIX])  # still playing
        app = LeaderboardApp(store_loader(store, ws.code), titles={"mini-en": "Soup"},
                             interval=0.2)
        async with app.run_test(size=(120, 30)) as pilot:
            await _wait_for(lambda: app.reads >= 1, pilot)
            assert _cells(app) == [["1", "Ann", "0", "—", "1", "0", "0", "0", "playing"]]
            heading = str(app.query_one("#heading", Static).render())
            assert ws.code in heading and "open" in heading
            # a turn lands in the store: the next poll shows it, with an arrow
            _play(store, wlib, ws.code, "Bob", [FIX, DONE])
            await _wait_for(lambda: len(_cells(app)) == 2, pilot)
            bob = _cells(app)[0]
            assert bob[1] == "Bob" and bob[2] != "0" and bob[5] == "1"
            store.close_workshop(ws.code)
            await _wait_for(lambda: "closed" in str(app.query_one("#heading", Static).render()),
                            pilot)
            before = app.reads
            await pilot.press("r")
            await _wait_for(lambda: app.reads > before, pilot)
            await pilot.press("q")
        store.close()

    asyncio.run(scenario())


def test_live_leaderboard_survives_a_failing_read() -> None:
    calls = {"n": 0}

    def load() -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database is locked")
        return ({"code": "K7QMPX", "name": "W", "scenarios": ["a"], "mode": "practice"},
                [{"rank": 1, "name": "Ann", "total": 10 * calls["n"], "attempts": 1,
                  "per_scenario": {"a": 10 * calls["n"]}, "outcomes": {"kept": 1}}])

    async def scenario() -> None:
        # Reads when asked (r), not on a short timer: a fast poll could read a fourth time
        # before the check on a busy machine.
        app = LeaderboardApp(load, interval=3600)
        async with app.run_test() as pilot:
            await _wait_for(lambda: app.reads == 1, pilot)
            await pilot.press("r")  # this read fails
            await _wait_for(lambda: app.last_error is not None, pilot)
            assert _cells(app)[0][2] == "10"  # the last good table stays
            assert "database is locked" in str(app.query_one("#status", Static).render())
            await pilot.press("r")  # and the next one works again
            await _wait_for(lambda: app.last_error is None and app.reads >= 2, pilot)
            assert _cells(app)[0][2] == "30 ▲"
            assert calls["n"] == 3

    asyncio.run(scenario())
