"""`simulator serve --chat`: the chat page and its JSON websocket protocol, on real servers.

Each test serves a workshop from a real results store (SQLite, and PostgreSQL with
SIMULATOR_TEST_DATABASE_URL) on a loopback port, in this process (the web application of
``simulator.web.chat``) or as the command a facilitator runs, and plays it as trainees do
(tests/workshop/chat_driver.py): what the page would show comes back in the messages,
and what was played is read back from the store.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from chat_driver import open_chat
from workshop_helpers import ROOT, TEST_SCENARIOS, simulator_cmd, stop_group, subprocess_env

from simulator.store import Store
from simulator.web import chat
from simulator.web.shared import COOKIE

GOOD = "I'm so sorry, I'll bring you a fresh soup right now."
TIME = "I'm so sorry. I'll bring it myself within five minutes, and it is on us."
LAST_WORD = "You're lucky we serve soup at all at this hour."


@asynccontextmanager
async def served(
    lib: Any, store: Store, code: str, *, passcode: str | None = None,
    lines: list[str] | None = None,
) -> AsyncIterator[str]:
    """The chat of workshop ``code`` on a free loopback port: its URL."""
    room = chat.open_room(lib, store, store.workshop(code),
                          say=(lines.append if lines is not None else lambda _l: None))
    room.warm()
    app = chat.make_app(room, title=f"Workshop {code}", passcode=passcode)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        chat.close_room(room)


def run(coro: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(coro(), 120))


async def until(pred: Callable[[], Any], what: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(pred)
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_trainee_plays_to_the_debrief_and_every_turn_is_recorded(
    store: Store, wlib: Any
) -> None:
    code = store.create_workshop("Soup", ["mini-en"], mode="practice").code
    lines: list[str] = []

    async def body() -> None:
        async with served(wlib, store, code, lines=lines) as url, aiohttp.ClientSession() as s:
            async with open_chat(s, url) as tab:
                hello = tab.hello
                assert hello["workshop"]["code"] == code and hello["max_reply"] == 4000
                assert [c["id"] for c in hello["scenarios"]] == ["mini-en"]
                assert (await tab.join("  Sam   Martin ")) == {"type": "joined", "name": "Sam Martin"}
                started = await tab.start("mini-en")
                assert started["type"] == "started" and started["turn"] == 1
                assert started["customer"] in ("This soup is cold. Again!",
                                               "Cold soup, for the second time. Really?")
                assert started["scenario"]["customer"] == "Ms Test"
                (attempt,) = store.attempts(workshop=code)  # recorded from the start
                assert attempt["trainee"] == "Sam Martin" and attempt["outcome"] is None

                hint = await tab.ask({"type": "hint"}, "hint")
                assert hint == {"type": "hint", "text": "Apologise and bring a hot soup now.",
                                "example": None}  # (no weak reply yet: no example)
                first = await tab.reply(GOOD, turn=1)
                assert first["type"] == "verdict" and not first["ended"]
                fb = first["feedback"]
                # the reply, cut at the words that made rules fire, is the reply itself
                assert "".join(s["text"] for s in fb["segments"]) == GOOD
                marked = [s for s in fb["segments"] if s.get("category")]
                assert any(s["category"] == "concrete_fix" and s["points"] > 0 for s in marked)
                assert fb["score"] == store.turns(attempt["id"])[0]["score"]
                fix = next(r for r in fb["rows"] if r["category"] == "concrete_fix")
                assert fix["points"] > 0 and fix["rules"][0]["message"]
                assert fb["base"] + fb["gained"] + fb["lost"] == pytest.approx(fb["unclamped"], abs=1)
                assert [s["step"] for s in fb["steps"]] == ["calm", "listen", "acknowledge",
                                                            "clarify", "solve"]
                assert first["customer"] == "Fine. How long will it take?"

                second = await tab.reply(TIME, turn=2)
                assert second["ended"] and second["outcome"] == "kept"
                assert second["customer"] == "Thank you, that's kind."
                debrief = tab.debrief
                assert debrief is not None and debrief["type"] == "debrief"
                assert debrief["outcome"] == "kept" and debrief["ending_title"] == "Soup saved"
                assert [t["reply"] for t in debrief["turns"]] == [GOOD, TIME]
                assert debrief["formula"]["outcome_points"] == 30
                assert debrief["assessment"] and debrief["tips"] == ["Fix first, explain later."]
                assert debrief["hints_used"] == 1
                # ... and a reply once it has ended is refused, saying why
                late = await tab.reply("Anything else?")
                assert late["type"] == "error" and late["code"] == "ended"
                # try again: a new attempt
                again = await tab.start("mini-en")
                assert again["type"] == "started" and again["attempt"] != attempt["id"]
            # the tab closed during the second attempt: left unfinished, as in the app
            await until(lambda: all(a["outcome"] for a in store.attempts(workshop=code)),
                        "the closed tab's attempt to be finished")

    run(body)
    done, left = sorted(store.attempts(workshop=code), key=lambda a: a["id"])
    assert done["outcome"] == "kept" and left["outcome"] == "unfinished"
    assert done["score"] == tab_score(store, done["id"])
    turns = store.turns(done["id"])
    assert [t["reply"] for t in turns] == [GOOD, TIME]
    verdict = json.loads(turns[0]["verdict"])
    assert any(h["category"] == "concrete_fix" for h in verdict["hits"])
    assert [r["name"] for r in store.leaderboard(code)] == ["Sam Martin"]
    assert "+ Sam Martin joined" in lines and "- Sam Martin left" in lines


def tab_score(store: Store, attempt_id: int) -> int:
    return int(store.attempt(attempt_id)["score"])


def test_bad_input_gets_a_clear_message_and_loses_nothing(store: Store, wlib: Any) -> None:
    code = store.create_workshop("Soup", ["mini-en"], mode="practice").code

    async def body() -> None:
        async with served(wlib, store, code) as url, aiohttp.ClientSession() as s, \
                open_chat(s, url) as tab:
                async def refused(message: Any, code: str) -> str:
                    if isinstance(message, str):
                        await tab.ws.send_str(message)
                    else:
                        await tab.send(message)
                    answer = await tab.next()
                    assert answer["type"] == "error" and answer["code"] == code, answer
                    return str(answer["message"])

                assert "name first" in await refused({"type": "start", "scenario": "mini-en"},
                                                     "not_joined")
                assert "at least one letter" in await refused({"type": "join", "name": "  "},
                                                              "bad_name")
                assert "at most 120" in await refused({"type": "join", "name": "A" * 121},
                                                      "bad_name")
                assert "JSON" in await refused("{not json", "bad_json")
                why = await refused({"type": "dance"}, "unknown_type")
                assert "'dance'" in why and "join, start, reply, hint" in why
                await tab.join("Ann")
                assert "not part of" in await refused({"type": "start", "scenario": "hotel-ac-en"},
                                                      "unknown_scenario")
                assert "Start a conversation" in await refused({"type": "reply", "text": GOOD},
                                                               "no_conversation")
                started = await tab.start("mini-en")
                (attempt,) = store.attempts(workshop=code)
                assert "empty" in await refused({"type": "reply", "text": " \n "}, "empty_reply")
                long = "word " * 900  # 4,500 characters
                why = await refused({"type": "reply", "text": long}, "too_long")
                assert "4,500 characters" in why and "4,000" in why and "nothing was sent" in why
                assert "reply 3" in await refused({"type": "reply", "text": GOOD, "turn": 3},
                                                  "out_of_turn")
                assert store.turns(attempt["id"]) == []  # nothing refused was recorded
                # ... and the conversation goes on where it was
                verdict = await tab.reply(GOOD, turn=started["turn"])
                assert verdict["type"] == "verdict" and verdict["turn"] == 1
                assert await refused({"type": "join", "name": "Bob"}, "already_joined")
                (turn,) = store.turns(attempt["id"])
                assert turn["reply"] == GOOD

    run(body)


def test_a_name_plays_in_one_browser_at_a_time(store: Store, wlib: Any) -> None:
    code = store.create_workshop("Soup", ["mini-en"], mode="practice").code

    async def body() -> None:
        async with served(wlib, store, code) as url, aiohttp.ClientSession() as s:
            async with open_chat(s, url) as first, open_chat(s, url) as second:
                assert (await first.join("Ann Lee"))["type"] == "joined"
                taken = await second.join("  ann   LEE")  # case and spaces do not matter
                assert taken["type"] == "error" and taken["code"] == "name_taken"
                assert "“ann LEE” is already playing in another browser" in taken["message"]
                assert (await second.join("Bob"))["type"] == "joined"
                await first.start("mini-en")
                await first.reply(GOOD)
            # Ann's tab closed: her attempt is left unfinished, then her name is free again
            await until(lambda: store.attempts(workshop=code)[0]["outcome"] == "unfinished",
                        "Ann's closed tab to leave her attempt unfinished")
            async with open_chat(s, url) as third:
                assert (await third.join_when_free("Ann Lee"))["type"] == "joined"

    run(body)


def test_beyond_this_computer_the_passcode_is_needed(sqlite_url: str, wlib: Any) -> None:
    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Soup", ["mini-en"], mode="practice").code

        async def body() -> None:
            async with served(wlib, store, code, passcode="s3cret-Key") as url:
                jar = aiohttp.CookieJar(unsafe=True)  # (cookies of an IP address)
                async with aiohttp.ClientSession(cookie_jar=jar) as s:
                    async with s.get(url + "/") as r:
                        assert r.status == 403
                        assert "needs the passcode" in await r.text()
                    async with s.get(url + "/?key=wrong") as r:
                        assert r.status == 403 and "not this workshop's" in await r.text()
                    for path in ("/static/chat.js", "/ws"):
                        async with s.get(url + path) as r:
                            assert r.status == 403, path
                    with pytest.raises(aiohttp.WSServerHandshakeError):
                        await s.ws_connect(url + "/ws")
                    async with s.get(url + "/?key=s3cret-Key", allow_redirects=False) as r:
                        assert r.status == 303 and r.headers["Location"] == "/"  # key off the URL
                        assert COOKIE in r.cookies
                    async with s.get(url + "/") as r:  # the cookie holds it now
                        assert r.status == 200 and "Your name" in await r.text()
                    async with open_chat(s, url) as tab:
                        assert (await tab.join("Ann"))["type"] == "joined"
                    # a page of another site cannot open the socket, cookie or not
                    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                        await s.ws_connect(url + "/ws", headers={"Origin": "http://evil.example"})
                    assert refused.value.status == 403

        run(body)


def test_names_and_replies_come_back_as_text(sqlite_url: str, wlib: Any) -> None:
    evil = "<script>alert('x')</script>"
    with Store.open(sqlite_url) as store:
        code = store.create_workshop(f"{evil} & co", ["mini-en"], mode="practice").code

        async def body() -> None:
            async with served(wlib, store, code) as url, aiohttp.ClientSession() as s:
                async with s.get(url + "/") as r:
                    page = await r.text()
                    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
                assert evil not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in page
                async with open_chat(s, url) as tab:
                    assert tab.hello["workshop"]["name"] == f"{evil} & co"  # JSON, as text
                    assert (await tab.join(evil))["name"] == evil
                    await tab.start("mini-en")
                    verdict = await tab.reply(f"{GOOD} {evil}")
                    assert verdict["reply"] == f"{GOOD} {evil}"
                    assert "".join(x["text"] for x in verdict["feedback"]["segments"]) == f"{GOOD} {evil}"

        run(body)
        (attempt,) = store.attempts(workshop=code)
        assert attempt["trainee"] == evil
        assert store.turns(attempt["id"])[0]["reply"] == f"{GOOD} {evil}"
    # the page's script puts text in with textContent only
    script = (ROOT / "simulator" / "web" / "static" / "chat.js").read_text()
    assert ".innerHTML" not in script and ".outerHTML" not in script
    assert "insertAdjacentHTML" not in script and "document.write" not in script


def test_an_assessment_shows_no_verdict_until_the_debrief(sqlite_url: str, wlib: Any) -> None:
    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Soup", ["mini-en"], mode="assessment", time_limit=90,
                                     pass_mark=75).code

        async def body() -> None:
            async with served(wlib, store, code) as url, aiohttp.ClientSession() as s, \
                    open_chat(s, url) as tab:
                    async with s.get(url + "/") as r:
                        page = await r.text()
                    assert "assessment · 90 s per reply · pass mark 75" in page
                    assert 'id="hint"' not in page and 'id="takeback"' not in page
                    await tab.join("Ann")
                    started = await tab.start("mini-en")
                    assert started["time_limit"] == 90 and started["pass_mark"] == 75
                    first = await tab.reply(LAST_WORD)
                    assert first["feedback"] is None and first["model_reply"] is None
                    no = await tab.ask({"type": "hint"}, "hint")
                    assert no["code"] == "no_hint" and "assessment" in no["message"]
                    while not first["ended"]:
                        first = await tab.reply(LAST_WORD)
                    assert tab.debrief is not None and tab.debrief["outcome"] == "lost"
                    assert tab.debrief["changes"]  # what to change, quoting her words

        run(body)
        (attempt,) = store.attempts(workshop=code)
        assert attempt["outcome"] == "lost" and attempt["mode"] == "assessment"


@pytest.mark.postgres
def test_two_hosts_on_one_database_share_the_names(pg_url: str, wlib: Any) -> None:
    first, second = Store.open(pg_url), Store.open(pg_url)
    try:
        code = first.create_workshop("Two rooms", ["mini-en"], mode="practice").code

        async def body() -> None:
            async with served(wlib, first, code) as a, served(wlib, second, code) as b, \
                    aiohttp.ClientSession() as s:
                async with open_chat(s, a) as ann:
                    assert (await ann.join("Ann Lee"))["type"] == "joined"
                    async with open_chat(s, b) as other:
                        taken = await other.join("ANN LEE")
                        assert taken["code"] == "name_taken"
                        assert (await other.join("Bob"))["type"] == "joined"
                        await other.start("mini-en")
                        await other.reply(GOOD)
                    await ann.start("mini-en")
                    await ann.reply(GOOD)
                async with open_chat(s, b) as again:  # Ann left host A: free on host B
                    assert (await again.join_when_free("Ann Lee"))["type"] == "joined"

        run(body)
        board = {r["name"] for r in first.leaderboard(code)}
        assert board == {"Ann Lee", "Bob"}
    finally:
        first.close()
        second.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_the_command_serves_the_chat_and_leaves_open_conversations_unfinished(
    tmp_path: Path, sqlite_url: str
) -> None:
    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Soup", ["mini-en"], mode="practice").code
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            simulator_cmd("--scenarios", str(TEST_SCENARIOS), "serve", "--chat", "--workshop",
                          code, "--port", str(port), "--db", sqlite_url),
            env=subprocess_env(home=str(tmp_path / "home")), stdout=out,
            stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "Press Ctrl+C" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        text = log.read_text()
        assert f"Trainees open: http://127.0.0.1:{port}" in text
        assert "Only this computer can connect" in text

        async def body() -> None:
            async with aiohttp.ClientSession() as s, open_chat(s, f"http://127.0.0.1:{port}") as tab:
                await tab.join("Sam")
                await tab.start("mini-en")
                assert (await tab.reply(GOOD))["type"] == "verdict"
                os.killpg(proc.pid, signal.SIGTERM)  # the facilitator stops serve mid-conversation
                await asyncio.to_thread(proc.wait, 30)

        run(body)
        assert proc.returncode == 0, log.read_text()
        assert "+ Sam joined" in log.read_text()
        with Store.open(sqlite_url) as store:
            (attempt,) = store.attempts(workshop=code)
            assert attempt["outcome"] == "unfinished"
            assert [t["reply"] for t in store.turns(attempt["id"])] == [GOOD]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.mark.postgres
def test_a_chat_host_and_an_app_host_share_the_names(pg_url: str) -> None:
    """The chat holds its names with ``ClaimSet`` (one connection, a lock per name); the
    app's processes with ``claim_name``: the same lock, so either refuses the other's."""
    chat_host, app_host = Store.open(pg_url), Store.open(pg_url)
    try:
        code = chat_host.create_workshop("Mixed", ["mini-en"]).code
        names = chat_host.name_claims()
        assert names.take(code, "Ann Lee") and names.take(code, "Bob")
        assert app_host.claim_name(code, "ann lee") is None  # held by the chat host
        zoe = app_host.claim_name(code, "Zoe")
        assert zoe is not None
        assert not names.take(code, "ZOE")  # held by an app's process
        names.release(code, "Ann Lee")
        ann = app_host.claim_name(code, "Ann Lee")  # let go: free for the other host
        assert ann is not None
        names.close()  # the chat host stops: every name it held is free
        bob = app_host.claim_name(code, "Bob")
        assert bob is not None
        for c in (zoe, ann, bob):
            c.release()
    finally:
        chat_host.close()
        app_host.close()


def test_a_workshop_closed_while_served_takes_no_new_attempt(sqlite_url: str, wlib: Any) -> None:
    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Soup", ["mini-en"], mode="practice").code

        async def body() -> None:
            async with served(wlib, store, code) as url, aiohttp.ClientSession() as s, \
                    open_chat(s, url) as tab:
                await tab.join("Ann")
                await tab.start("mini-en")
                await asyncio.to_thread(store.close_workshop, code)  # the facilitator closes it
                refused = await tab.start("mini-en")
                assert refused["type"] == "error" and refused["code"] == "store"
                assert "closed" in refused["message"]
                # the conversation started before goes on: a refused start changed nothing
                assert (await tab.reply(GOOD))["type"] == "verdict"

        run(body)
        (attempt,) = store.attempts(workshop=code)  # the one started before, left unfinished
        assert attempt["outcome"] == "unfinished"
        assert [t["reply"] for t in store.turns(attempt["id"])] == [GOOD]


def _serve_chat(code: str, db: str, home: Path, log: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """`simulator serve --chat` as a facilitator starts it; (the process, its URL) once
    it says it listens."""
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            simulator_cmd("--scenarios", str(TEST_SCENARIOS), "serve", "--chat", "--workshop",
                          code, "--port", str(port), "--db", db, *extra),
            env=subprocess_env(home=str(home)), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while "Press Ctrl+C" not in log.read_text():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


@pytest.mark.slow
@pytest.mark.postgres
def test_two_chat_hosts_serve_one_workshop_from_one_postgresql_database(
    pg_url: str, tmp_path: Path
) -> None:
    with Store.open(pg_url) as store:
        code = store.create_workshop("Two rooms", ["mini-en"], mode="practice").code
    hosts = [_serve_chat(code, pg_url, tmp_path / f"home{i}", tmp_path / f"serve{i}.log")
             for i in range(2)]
    try:
        (_, first), (_, second) = hosts

        async def body() -> None:
            async with aiohttp.ClientSession() as s, open_chat(s, first) as ann, \
                    open_chat(s, second) as bob, open_chat(s, second) as other:
                assert (await ann.join("Ann Lee"))["type"] == "joined"
                taken = await other.join("ann LEE")  # on the other host: refused
                assert taken["code"] == "name_taken"
                assert "is already playing in another browser" in taken["message"]
                assert (await bob.join("Bob Stone"))["type"] == "joined"
                for tab in (ann, bob):
                    await tab.start("mini-en")
                    assert (await tab.reply(GOOD))["type"] == "verdict"
                    assert (await tab.reply(TIME))["ended"]

        run(body)
        with Store.open(pg_url) as store:
            board = {row["name"]: row for row in store.leaderboard(code)}
            data = store.workshop_data(code)
        assert set(board) == {"Ann Lee", "Bob Stone"}  # one leaderboard, both hosts
        assert {a["trainee"] for a in data["attempts"]} == {"Ann Lee", "Bob Stone"}  # one export
        assert "+ Ann Lee joined" in (tmp_path / "serve0.log").read_text()
        assert "+ Bob Stone joined" in (tmp_path / "serve1.log").read_text()
    finally:
        for proc, _ in hosts:
            stop_group(proc)


@pytest.mark.slow
def test_served_beyond_this_computer_the_command_prints_a_link_with_the_passcode(
    tmp_path: Path, sqlite_url: str
) -> None:
    import re
    import urllib.error
    import urllib.request

    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Soup", ["mini-en"], mode="practice").code
    proc, _url = _serve_chat(code, sqlite_url, tmp_path / "home", tmp_path / "serve.log",
                            "--host", "0.0.0.0")
    try:
        text = (tmp_path / "serve.log").read_text()
        found = re.search(r"Trainees open: http://\S+:(\d+)/\?key=(\S+)", text)
        assert found and f"Passcode: {found[2]}" in text, text
        local = f"http://127.0.0.1:{found[1]}/"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(local, timeout=10)
        assert refused.value.code == 403
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(f"{local}?key={found[2]}", timeout=10) as page:  # (-> / with the cookie)
            assert page.status == 200 and page.url == local
            assert "Your name" in page.read().decode()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def test_practice_takes_a_reply_back_as_the_app_does(sqlite_url: str, wlib: Any) -> None:
    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Soup", ["mini-en"], mode="practice").code

        async def body() -> None:
            async with served(wlib, store, code) as url, aiohttp.ClientSession() as s, \
                    open_chat(s, url) as tab:
                await tab.join("Ann")
                started = await tab.start("mini-en")
                (attempt,) = store.attempts(workshop=code)
                nothing = await tab.ask({"type": "retry"}, "retracted")
                assert nothing["code"] == "no_retry"
                await tab.reply(LAST_WORD)
                back = await tab.ask({"type": "retry"}, "retracted")
                assert back["turn"] == 1 and back["reply"] == LAST_WORD
                assert back["next_turn"] == 1 and back["customer"] == started["customer"]
                assert back["mood"] == started["mood"] and back["patience"] == started["patience"]
                assert [t["retracted"] for t in store.turns(attempt["id"], include_retracted=True)] == [True]
                assert (await tab.reply(GOOD, turn=1))["turn"] == 1
                assert (await tab.reply(TIME, turn=2))["ended"]
                assert store.attempt(attempt["id"])["outcome"] == "kept"
                # even the reply that ended it, which opens the conversation again
                back = await tab.ask({"type": "retry"}, "retracted")
                assert back["turn"] == 2 and back["customer"] == "Fine. How long will it take?"
                assert store.attempt(attempt["id"])["outcome"] is None
                assert (await tab.reply(TIME, turn=2))["ended"]

        run(body)
        (attempt,) = store.attempts(workshop=code)
        assert attempt["outcome"] == "kept"
        turns = store.turns(attempt["id"], include_retracted=True)
        assert [(t["reply"], bool(t["retracted"])) for t in turns] == [
            (LAST_WORD, True), (GOOD, False), (TIME, True), (TIME, False)]
