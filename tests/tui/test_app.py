"""Behaviour of the app that the snapshots do not show: bad input, profile, resume,
workshop mode, export, colours, the command palette and the French UI."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import (
    BROKEN,
    GOOD,
    SNAP,
    leave_mid_conversation,
    make_app,
    send_reply,
    settle,
    type_text,
)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _start(pilot: Any) -> Any:
    from simulator.tui.screens.play import PlayScreen

    await settle(pilot)
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PlayScreen)
    return pilot.app.screen


# --------------------------------------------------------------------------- library
def test_a_broken_scenario_file_is_listed_not_a_crash() -> None:
    async def go() -> None:
        app = make_app(extra_dirs=[SNAP, BROKEN])
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            text = str(app.screen.query_one("#broken-list").render())
            assert "bad.yaml" in text and "did you mean 'summary'" in text
            assert app.screen.query_one("#broken").display
            table = app.screen.query_one("#scenarios")
            assert table.row_count == 2  # the good files still load

    run(go())


def test_a_file_broken_while_playing_is_reported_and_the_session_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    shutil.copytree(SNAP, folder)

    async def go() -> None:
        from simulator.tui.screens.library import LibraryScreen

        app = make_app(shared=False, extra_dirs=[folder], scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            (folder / "soup.yaml").write_text("kind: scenario\nid: [oops\n", encoding="utf-8")
            await send_reply(pilot, "I'm so sorry. I'll bring you a fresh soup right now.")
            assert len(screen.session.turns) == 1  # the session goes on
            await pilot.press("escape")  # leave: "Leave this conversation?"
            await pilot.press("y")
            await settle(pilot)
            assert isinstance(app.screen, LibraryScreen)
            text = str(app.screen.query_one("#broken-list").render())
            assert "soup.yaml" in text
            assert app.screen.query_one("#scenarios").row_count == 1

    run(go())


def test_search_and_filters_narrow_the_list() -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#scenarios")
            assert table.row_count == 2
            await pilot.press("slash")
            await type_text(pilot, "coffee")
            assert table.row_count == 1
            await pilot.press("escape")
            assert table.row_count == 2
            await pilot.press("d")  # level: easy
            assert table.row_count == 1
            await pilot.press("d")  # medium
            assert table.row_count == 1
            await pilot.press("d", "d")  # hard, then all
            assert table.row_count == 2
            await pilot.press("l", "l")  # language: French
            assert table.row_count == 0
            assert "No scenario matches" in str(app.screen.query_one("#details-body").render())

    run(go())


# --------------------------------------------------------------------------- play
def test_an_empty_reply_is_not_sent() -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            await send_reply(pilot, "   \n  ")
            assert screen.session.turns == []
            assert any("empty" in n.message for n in app._notifications)

    run(go())


def test_enter_makes_a_new_line_and_ctrl_s_sends() -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            await type_text(pilot, "I'm so sorry.\nI'll bring you a fresh soup now.")
            assert screen.session.turns == []
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.session.turns[0].reply == "I'm so sorry.\nI'll bring you a fresh soup now."

    run(go())


def test_ctrl_s_right_after_fast_typing_sends_the_whole_reply() -> None:
    """Keys typed just before ctrl+s (a fast typist, a paste typed by a tool, a busy
    machine) are part of the reply: none is left behind in the editor."""

    async def go() -> None:
        from textual import events
        from textual.keys import _character_to_key

        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            text = "I'm so sorry. I'll bring you a fresh soup right now, and dessert is on us."
            driver = app._driver
            for ch in [*text, "ctrl+s"]:  # sent as a terminal does, without waiting
                key = events.Key(ch, None) if ch == "ctrl+s" else events.Key(
                    ch if ch.isalnum() else _character_to_key(ch), ch)
                key.set_sender(app)
                driver.send_message(key)
            await pilot.pause()
            await pilot.pause()
            assert [t.reply for t in screen.session.turns] == [text]
            assert screen.query_one("#reply-editor").text == ""

    run(go())

def test_a_huge_paste_is_scored_and_its_notice_shown() -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            huge = ("I'm so sorry. I'll bring you a fresh soup now. " * 3000).strip()
            await send_reply(pilot, huge, paste_after=0)
            turn = screen.session.turns[0]
            assert turn.reply == huge
            assert turn.verdict.notices, "the engine should say it scored only the first part"
            card = screen.query_one("#feedback-1")
            shown = " ".join(str(s.render()) for s in card.query(".fb-notice"))
            assert turn.verdict.notices[0][:30] in shown

    run(go())


def test_hint_and_retry_in_practice() -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            await pilot.press("f2")
            assert screen.session.hints_used == 1
            assert screen.query(".chat-note.hint")
            await send_reply(pilot, "You're lucky we serve soup.")
            assert len(screen.session.turns) == 1
            await pilot.press("f3")
            await pilot.pause()
            assert screen.session.turns == []
            assert not screen.query("#turn-1")
            assert screen.query_one("#reply-editor").text == "You're lucky we serve soup."

    run(go())


def test_assessment_hides_feedback_hints_and_retries() -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en", mode="assessment")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            assert screen.session.mode == "assessment"
            await send_reply(pilot, "You're lucky we serve soup.")
            assert not screen.query(".feedback")
            await pilot.press("f2", "f3")
            assert screen.session.hints_used == 0 and len(screen.session.turns) == 1

    run(go())


def test_the_turn_timer_passes_elapsed_time_and_flags_over_time() -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en", time_limit=0.05)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            assert screen.session.time_limit == 0.05
            await pilot.pause(0.1)
            await send_reply(pilot, "I'm so sorry. I'll bring you a fresh soup now.")
            turn = screen.session.turns[0]
            assert turn.elapsed is not None and turn.elapsed > 0.05
            assert turn.over_time

    run(go())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_turn_timer_and_the_mood_do_not_overlap_at_80_columns(lang: str) -> None:
    async def go() -> None:
        from textual.widgets import TextArea

        app = make_app(scenario="snap-soup-en", ui_lang=lang, time_limit=120.0)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _start(pilot)
            await send_reply(pilot, GOOD["en"][0])
            # nearly out of time, the longest the timer gets (counted from now: however
            # long the reply took to send on a busy machine)
            screen._turn_started = time.monotonic() - 119.5
            screen._tick()
            await pilot.pause()
            shown = [w for w in screen.query("#play-status > *") if w.display]
            for left, right in itertools.pairwise(shown):
                assert left.region.right <= right.region.x, f"{left.id} runs under {right.id}"
            assert shown[-1].region.right <= 80
            editor = screen.query_one("#reply-editor", TextArea)
            assert "119/120 s" in str(editor.border_title), "the time is shown where one types"

    run(go())

# --------------------------------------------------------------------------- colours
def test_no_color_is_respected(no_color_env: None) -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        assert app.no_color
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            await send_reply(pilot, "You're lucky we serve soup. I'll bring you a fresh soup.")
            reply = str(screen.query_one("#feedback-1 .fb-reply").render())
            assert "[-You're lucky-]" in reply  # colour is not the only cue
            assert "{+" in reply
            svg = app.export_screenshot()
            # the monochrome filter: every colour in the picture is a shade of grey
            import re

            def grey(c: str) -> bool:  # (the SVG frame's own text colour is #c5c8c6)
                rgb = [int(c[i : i + 2], 16) for i in (0, 2, 4)]
                return max(rgb) - min(rgb) <= 4

            colours = set(re.findall(r"fill: #([0-9a-f]{6})", svg))
            assert colours and all(grey(c) for c in colours), [c for c in colours if not grey(c)]

    run(go())


# --------------------------------------------------------------------------- profile
def test_the_name_is_asked_once_and_remembered() -> None:
    from simulator import profile

    async def first() -> None:
        app = make_app(name=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "name-screen"
            assert app.focused is not None and app.focused.id == "name-input"
            await pilot.press("enter")  # empty: refused
            assert app.screen.id == "name-screen"
            await type_text(pilot, "  Ada   Lovelace ")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.id == "library"

    async def second() -> None:
        app = make_app(name=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "library"
            assert app.ctx.trainee == "Ada Lovelace"

    run(first())
    assert profile.load().name == "Ada Lovelace"
    run(second())


def test_a_corrupt_profile_gives_the_defaults() -> None:
    from simulator import profile
    from simulator.paths import profile_path

    path = profile_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    for junk in (b"{not json", b"[1, 2]", b"\xff\xfe", b'{"name": 42, "ui_lang": "xx"}'):
        path.write_bytes(junk)
        assert profile.load() == profile.Profile()
    path.write_bytes(b"{oops")

    async def go() -> None:
        app = make_app(name=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "name-screen"

    run(go())


def test_the_theme_choice_is_remembered() -> None:
    from simulator import profile

    async def go() -> None:
        app = make_app(theme=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.theme == "simulator-dark"
            app.theme = "high-contrast"
            await pilot.pause()

    run(go())
    assert profile.load().theme == "high-contrast"


# --------------------------------------------------------------------------- the end
ENDING_REPLIES = [
    "You're lucky we serve soup at all.",
    GOOD["en"][0],
    "Two minutes, and dessert is on the house.",
]


def _footer_keys(app: Any) -> list[str]:
    """The keys the Footer shows, as the trainee reads them ("^s Debrief")."""
    from textual.widgets._footer import FooterKey

    return [
        f"{k.key_display} {k.description}".strip()
        for k in app.screen.query(FooterKey)
        if k.display and not k.disabled
    ]


def test_once_the_conversation_ends_the_play_screen_takes_no_more_replies() -> None:
    async def go() -> None:
        from textual.widgets import TextArea

        from simulator.tui.screens.debrief import DebriefScreen
        from simulator.tui.screens.play import PlayScreen

        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _start(pilot)
            keys = _footer_keys(app)
            assert "^s Send" in keys and "f2 Hint" in keys and "esc Leave" in keys
            for reply in ENDING_REPLIES:
                await send_reply(pilot, reply)
            assert screen.session.ended
            await pilot.pause()
            keys = _footer_keys(app)
            assert "^s Debrief" in keys
            assert not [k for k in keys if k.endswith(("Send", "Hint", "Leave"))], keys
            editor = screen.query_one("#reply-editor", TextArea)
            assert editor.disabled and not editor.display  # no box inviting a reply
            # Typing on, as if writing the next reply (Enter included): nothing happens.
            await type_text(pilot, "Sorry again\nrnep ")
            assert app.screen is screen and len(screen.session.turns) == 3
            assert editor.text == ""
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, DebriefScreen)
            assert not isinstance(app.screen, PlayScreen)

    run(go())


def test_taking_back_the_ending_reply_reopens_the_editor() -> None:
    async def go() -> None:
        from textual.widgets import TextArea

        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _start(pilot)
            for reply in ENDING_REPLIES:
                await send_reply(pilot, reply)
            assert screen.session.ended
            assert "f3 Retry" in _footer_keys(app)
            await pilot.press("f3")
            await pilot.pause()
            editor = screen.query_one("#reply-editor", TextArea)
            assert not screen.session.ended
            assert editor.display and not editor.disabled and app.focused is editor
            assert editor.text == ENDING_REPLIES[-1]
            assert "^s Send" in _footer_keys(app)
            assert not screen.query(".chat-note.ending")

    run(go())


def test_a_long_ending_title_is_shown_whole_beside_the_score(tmp_path: Path) -> None:
    """At 80x24 a long ending title wraps inside the result box (it was cut off, and ran
    into the score)."""
    folder = tmp_path / "snap"
    shutil.copytree(SNAP, folder)
    soup = folder / "soup.yaml"
    long_title = "Soup saved, a table kept, and a customer who comes back with friends next week"
    soup.write_text(soup.read_text(encoding="utf-8").replace("title: Soup saved", f"title: {long_title}"),
                    encoding="utf-8")

    async def go() -> None:
        from simulator.tui.screens.debrief import DebriefScreen

        app = make_app(scenario="snap-soup-en", extra_dirs=[folder])
        async with app.run_test(size=(80, 24)) as pilot:
            await _start(pilot)
            for reply in ENDING_REPLIES:
                await send_reply(pilot, reply)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, DebriefScreen)
            box = app.screen.query_one("#result")
            outcome, total = app.screen.query_one("#outcome"), app.screen.query_one("#total")
            assert box.content_region.contains_region(outcome.region), "the title is cut off"
            assert box.content_region.contains_region(total.region)
            assert outcome.region.right < total.region.x, "the title runs into the score"

    run(go())

def _footer_fits(app: Any, wanted: set[str]) -> None:
    from textual.widgets._footer import FooterKey

    keys = sorted(app.screen.query(FooterKey), key=lambda k: k.region.x)
    assert {k.key_display for k in keys} >= wanted
    for left, right in itertools.pairwise(keys):
        assert left.region.right <= right.region.x, f"{left.description} is hidden"
    assert keys[-1].region.right <= app.size.width


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_key_of_the_play_and_debrief_footers_fits_in_80_columns(lang: str) -> None:
    async def go() -> None:
        from simulator.tui.screens.debrief import DebriefScreen

        app = make_app(scenario="snap-soup-en", ui_lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await _start(pilot)
            _footer_fits(app, {"^s", "f2", "f3", "esc", "^q", "f1"})
            for reply in ENDING_REPLIES:
                await send_reply(pilot, reply)
            _footer_fits(app, {"^s", "f3", "^q", "f1"})
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, DebriefScreen)
            _footer_fits(app, {"r", "n", "e", "p", "^q", "f1"})

    run(go())

# --------------------------------------------------------------------------- resume
def test_quitting_mid_scenario_keeps_it_and_the_next_start_offers_to_resume() -> None:
    async def second() -> None:
        from simulator.tui.screens.play import PlayScreen
        from simulator.tui.screens.resume import ResumeScreen

        app = make_app(offer_resume=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ResumeScreen)
            text = str(app.screen.query_one("#resume-text").render())
            assert "“The cold soup” after 1 reply (" in text  # (not "after 1 replies")
            await pilot.press("r")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PlayScreen)
            assert len(screen.session.turns) == 1
            assert screen.query_one("#turn-1")
            await send_reply(pilot, "I'm so sorry. I'll bring you a fresh soup right now.")
            assert len(screen.session.turns) == 2

    async def third() -> None:
        app = make_app(offer_resume=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "resume-screen"  # still unfinished: offered again
            await pilot.press("d")  # discard
            await settle(pilot)
            assert app.screen.id == "library"
        app = make_app(offer_resume=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "library"

    leave_mid_conversation("You're lucky we serve soup.")
    run(second())
    run(third())


def test_a_resumed_conversation_continues_the_same_attempt_in_the_store() -> None:
    from simulator.store.store import Store

    def attempts() -> list[dict[str, Any]]:
        store = Store.open(None)
        try:
            found = store.attempts(trainee="Sam Trainee", scenario="snap-soup-en")
            return [{**a, "turns": store.turns(a["id"], include_retracted=True)} for a in found]
        finally:
            store.close()

    async def resume_and_finish() -> None:
        from simulator.tui.screens.play import PlayScreen

        app = make_app(offer_resume=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PlayScreen)
            [before] = attempts()
            assert before["outcome"] is None, "a resumed attempt is being played again"
            await send_reply(pilot, GOOD["en"][0])
            await send_reply(pilot, "Two minutes, and dessert is on the house.")
            assert screen.session.ended

    leave_mid_conversation("You're lucky we serve soup at all.")
    [left] = attempts()
    assert left["outcome"] == "unfinished" and [t["turn"] for t in left["turns"]] == [1]
    run(resume_and_finish())
    [attempt] = attempts()  # the same attempt, not a second one
    assert attempt["id"] == left["id"]
    assert [(t["seq"], t["turn"]) for t in attempt["turns"]] == [(1, 1), (2, 2), (3, 3)]
    assert attempt["turn_count"] == 3
    assert attempt["outcome"] == "kept"
    assert attempt["turns"][0]["reply"] == "You're lucky we serve soup at all."


# --------------------------------------------------------------------------- progress
def test_a_headless_attempt_counts_in_the_app_and_no_record_leaves_none(tmp_path: Path) -> None:
    from simulator.cli import main
    from simulator.store.store import Store

    replies = tmp_path / "replies.txt"
    replies.write_text("\n\n".join(ENDING_REPLIES) + "\n", encoding="utf-8")
    assert main(["--scenarios", str(SNAP), "play", "--scenario", "snap-soup-en",
                 "--name", "Sam Trainee", "--script", str(replies), "--format", "json"]) == 0

    async def look() -> None:
        from textual.widgets import DataTable

        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#scenarios", DataTable)
            best = str(table.get_cell("snap-soup-en", "best")).strip()
            assert best.isdigit(), "the headless attempt's score is the best in the library"
            await pilot.press("p")
            await settle(pilot)
            assert app.screen.query_one("#attempts", DataTable).row_count == 1

    run(look())

    async def dry_run() -> None:
        app = make_app(scenario="snap-soup-en", record=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await _start(pilot)
            await send_reply(pilot, ENDING_REPLIES[0])
            await pilot.press("ctrl+q")
            await pilot.pause()

    run(dry_run())
    with Store.open(None) as store:
        assert len(store.attempts(trainee="Sam Trainee")) == 1  # the headless one only


def test_a_headless_script_that_ran_out_is_resumed_in_the_app_as_the_same_attempt(
    tmp_path: Path,
) -> None:
    from simulator.cli import main
    from simulator.store.store import Store

    replies = tmp_path / "replies.txt"
    replies.write_text(ENDING_REPLIES[0] + "\n", encoding="utf-8")
    assert main(["--scenarios", str(SNAP), "play", "--scenario", "snap-soup-en",
                 "--name", "Sam Trainee", "--script", str(replies)]) == 0

    async def resume_it() -> None:
        from simulator.tui.screens.play import PlayScreen

        app = make_app(offer_resume=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "resume-screen"
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, PlayScreen)
            for reply in ENDING_REPLIES[1:]:
                await send_reply(pilot, reply)
            assert app.screen.session.ended

    run(resume_it())
    with Store.open(None) as store:
        [attempt] = store.attempts(trainee="Sam Trainee")
        assert attempt["outcome"] == "kept"
        assert [t["reply"] for t in store.turns(attempt["id"])] == ENDING_REPLIES


# --------------------------------------------------------------------------- workshop
def _workshop(mode: str = "assessment", close: bool = False) -> str:
    from simulator.store.store import Store

    store = Store.open(None)
    ws = store.create_workshop("Team A", ["snap-soup-en"], mode=mode, time_limit=90)
    if close:
        store.close_workshop(ws.code)
    store.close()
    return ws.code


def _args(**kw: Any) -> argparse.Namespace:
    base = {"scenarios": [str(SNAP)], "ui_lang": "en", "name": None, "db": None, "workshop": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_an_unknown_workshop_is_a_clear_message_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.tui.app import run_app

    assert run_app(_args(workshop="ABCDEF")) == 2
    assert "ABCDEF" in capsys.readouterr().err


def test_a_workshop_asks_the_name_every_time_and_forces_its_rules() -> None:
    code = _workshop()

    async def go(name: str) -> None:
        from simulator.tui.app import SimulatorApp
        from simulator.tui.context import AppConfig, Context

        cfg = AppConfig(extra_dirs=[SNAP], builtin=False, user_scenarios=False, ui_lang="en",
                        theme="simulator-dark", seed="0", workshop=code)
        ctx = Context(cfg)
        ctx.open_workshop()
        app = SimulatorApp(ctx)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "name-screen"
            await type_text(pilot, name)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.query_one("#scenarios").row_count == 1  # the workshop's only
            await pilot.press("enter")  # briefing
            await settle(pilot)
            assert app.screen.query_one("#mode").disabled
            screen = await _start(pilot)
            assert screen.session.mode == "assessment" and screen.session.time_limit == 90
            await send_reply(pilot, "You're lucky we serve soup.")
            await send_reply(pilot, "Calm down.")
            assert screen.session.ended

    run(go("Ada"))
    run(go("Grace"))  # a second trainee on the same machine is asked too
    from simulator.store.store import Store

    store = Store.open(None)
    rows = store.attempts(workshop=code)
    assert sorted(r["trainee"] for r in rows) == ["Ada", "Grace"]
    assert all(r["outcome"] in ("lost", "escalated") for r in rows)
    store.close()


def test_a_workshop_conversation_left_unfinished_is_not_offered_outside_it(
    tmp_path: Path,
) -> None:
    """Resuming it in the trainee's own app would record it as a personal attempt,
    apart from the workshop that is still waiting for it."""
    from simulator.cli import main

    code = _workshop(mode="practice")
    replies = tmp_path / "replies.txt"
    replies.write_text("You're lucky we serve soup at all.\n", encoding="utf-8")
    assert main(["--scenarios", str(SNAP), "play", "--workshop", code, "--name", "Sam Trainee",
                 "--script", str(replies)]) == 0

    async def go() -> None:
        app = make_app(offer_resume=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.screen.id == "library"

    run(go())

def test_a_closed_workshop_says_so() -> None:
    code = _workshop(close=True)

    async def go() -> None:
        from simulator.tui.app import SimulatorApp
        from simulator.tui.context import AppConfig, Context

        cfg = AppConfig(extra_dirs=[SNAP], builtin=False, user_scenarios=False, ui_lang="en",
                        workshop=code, name="Ada")
        ctx = Context(cfg)
        ctx.open_workshop()
        app = SimulatorApp(ctx)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert "is closed" in str(app.screen.query_one("#message-title").render())
            await pilot.press("q")
        assert app.return_code == 2 and app.exit_code == 2

    run(go())


# --------------------------------------------------------------------------- export
def test_export_writes_the_session_and_tells_where() -> None:
    pytest.importorskip("simulator.report.exports")
    from simulator.paths import data_dir

    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            await _start(pilot)
            await send_reply(pilot, "You're lucky we serve soup.")
            await send_reply(pilot, "Calm down.")
            await pilot.press("ctrl+s")  # debrief
            await settle(pilot)
            for fmt_key in ("md", "html", "json", "csv"):
                await pilot.press("e")
                await pilot.pause()
                options = app.screen.query_one("#export-formats")
                index = ["md", "html", "json", "csv"].index(fmt_key)
                options.highlighted = index
                await pilot.press("enter")
                await pilot.pause()
        files = sorted(p.suffix for p in (data_dir() / "exports").iterdir())
        assert files == [".csv", ".html", ".json", ".md"]
        assert all(p.name.startswith("snap-soup-en-") for p in (data_dir() / "exports").iterdir())

    run(go())


# --------------------------------------------------------------------------- palette, i18n
def test_the_command_palette_offers_the_app_commands() -> None:
    async def go() -> None:
        from simulator.tui.commands import SimulatorCommands

        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            provider = SimulatorCommands(app.screen)
            names = [name for name, _cb, _h in provider._commands()]
            assert "Open scenario: The cold soup" in names
            assert {"Switch theme", "Help: every key"} <= set(names)
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert app.screen.__class__.__name__ == "CommandPalette"
            await pilot.press("escape")
            await app.action_switch_language()  # "Switch the app's language to français"
            await settle(pilot)
            assert app.screen.query_one("#scenarios").border_title == "Scénarios"
            await app.action_switch_language()
            await settle(pilot)
            assert app.screen.query_one("#scenarios").border_title == "Scenarios"

    run(go())
    from simulator.tui.i18n import set_language

    set_language("en")


def test_the_ui_speaks_french_and_the_customer_keeps_their_language() -> None:
    async def go() -> None:
        app = make_app(ui_lang="fr", scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await _start(pilot)
            assert "Votre réponse" in str(screen.query_one("#reply-editor").border_title)
            bubble = screen.query(".bubble.customer").first()
            assert "This soup is cold" in str(bubble.render())

    run(go())
    from simulator.tui.i18n import set_language

    set_language("en")


def test_a_too_small_terminal_gets_a_clear_message_until_it_grows() -> None:
    async def go() -> None:
        from simulator.tui.screens.too_small import TooSmallScreen

        app = make_app()
        async with app.run_test(size=(60, 20)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, TooSmallScreen)
            assert "60×20" in str(app.screen.query_one("#too-small-text").render())
            await pilot.resize_terminal(100, 30)
            await settle(pilot)
            assert app.screen.id == "library"

    run(go())


def test_f4_explains_the_last_reply_and_esc_goes_back() -> None:
    from simulator.tui.screens.explain import ExplainScreen
    from simulator.tui.screens.play import PlayScreen

    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(100, 30)) as pilot:
            await _start(pilot)
            await send_reply(pilot, "If you wait an hour I'll bring you a fresh soup.")
            await settle(pilot)
            await pilot.press("f4")
            await settle(pilot)
            assert isinstance(app.screen, ExplainScreen)
            text = str(app.screen.query_one("#explain-text").render())
            assert "fix (cooccur" in text and "depends on a condition" in text
            assert "If you wait an hour" in text
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, PlayScreen)

    run(go())


def test_f4_explains_nothing_in_assessment() -> None:
    from simulator.tui.screens.play import PlayScreen

    async def go() -> None:
        app = make_app(scenario="snap-soup-en", mode="assessment")
        async with app.run_test(size=(100, 30)) as pilot:
            await _start(pilot)
            await send_reply(pilot, "If you wait an hour I'll bring you a fresh soup.")
            await settle(pilot)
            await pilot.press("f4")
            await settle(pilot)
            assert isinstance(app.screen, PlayScreen)

    run(go())
