"""A trainee plays `simulator serve --chat` in a real headless Chromium: joins with a
name, opens the scenario, replies, reads the verdict with her words highlighted, reaches
the debrief and tries again; what she wrote stays text, and every turn is in the store.

Needs Debian's Chromium (/usr/bin/chromium, or $SIMULATOR_TEST_CHROMIUM) and Playwright
for Python (the `test` extra); skips with the reason when either is missing (as
test_browser.py does). The chat page is plain HTML, so the test reads it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import CHROMIUM_FLAGS, _chromium
from workshop_helpers import ROOT, TEST_SCENARIOS, simulator_cmd, stop_group, subprocess_env

from simulator.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("heavy")]

EVIL = "<img src=x onerror=\"window.pwned=1\">Bea"
GOOD = "I'm so sorry, I'll bring you a fresh soup right now. <b>promise</b>"
TIME = "I'm so sorry. I'll bring it myself within five minutes, and it is on us."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chat_served(tmp_path: Path, sqlite_url: str) -> Iterator[dict[str, Any]]:
    with Store.open(sqlite_url) as store:
        code = store.create_workshop("Soup <i>night</i>", ["mini-en"], mode="practice").code
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        simulator_cmd("--scenarios", str(TEST_SCENARIOS), "serve", "--chat", "--workshop", code,
                      "--port", str(port), "--db", sqlite_url),
        env=subprocess_env(home=str(tmp_path / "home")), stdout=log, stderr=subprocess.STDOUT,
        cwd=ROOT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while "Press Ctrl+C" not in (tmp_path / "serve.log").read_text():
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve --chat did not start"
            time.sleep(0.1)
        yield {"url": f"http://127.0.0.1:{port}/", "code": code, "db": sqlite_url, "proc": proc}
    finally:
        if proc.poll() is None:
            stop_group(proc)
        log.close()


def test_a_trainee_plays_the_chat_page_in_chromium(chat_served: dict[str, Any], tmp_path: Path) -> None:
    chromium = _chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (the test extra)")
    # (Playwright's locators, not wait_for_function: the page's CSP forbids evaluating strings)
    expect = sync_api.expect
    code = chat_served["code"]
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(chat_served["url"])
        assert page.locator("h1").text_content() == "Soup <i>night</i>"  # escaped, shown as text
        page.wait_for_selector("#name", state="visible", timeout=15_000)
        page.fill("#name", EVIL)
        page.click("#join-form button")
        page.wait_for_selector("#pick", state="visible", timeout=15_000)
        assert page.locator("#who").text_content() == f"Playing as {EVIL}"
        page.click("button.start")
        page.wait_for_selector("#chat li.customer", timeout=15_000)
        first_line = page.locator("#chat li.customer .text").first.text_content()
        assert first_line in ("This soup is cold. Again!", "Cold soup, for the second time. Really?")
        page.click("#hint")  # practice: a hint, as F2 gives in the app
        page.wait_for_selector("#chat li.hint-note", timeout=15_000)
        assert "Apologise and bring a hot soup now." in (
            page.locator("#chat li.hint-note").text_content() or "")
        page.fill("#reply", GOOD)
        page.click("#send")
        page.wait_for_selector("#chat li.feedback", timeout=15_000)
        page.screenshot(path=str(tmp_path / "1-verdict.png"))
        mine = page.locator("#chat li.trainee .text").first
        mine.wait_for(timeout=15_000)
        assert mine.text_content() == GOOD  # the reply as she wrote it, tags and all
        assert page.locator("#chat li.trainee b").count() == 0  # ... as text, not markup
        helped = page.locator("#chat li.trainee ins.hit").all_text_contents()
        assert helped and all(w in GOOD for w in helped)  # her words that earned points
        card = page.locator("#chat li.feedback").first.text_content() or ""
        assert "Score " in card and "Concrete fix" in card
        assert "Fine. How long will it take?" in (page.locator("#chat").text_content() or "")
        # practice: take it back (F3 in the app), it comes back to the box, send it again
        page.click("#takeback")
        expect(page.locator("#chat li.trainee")).to_have_count(0, timeout=15_000)
        assert page.locator("#chat li.customer").count() == 1  # the first line, waiting again
        assert page.input_value("#reply") == GOOD
        page.click("#send")
        page.wait_for_selector("#chat li.feedback", timeout=15_000)
        # an empty reply is refused on the page, nothing sent
        page.fill("#reply", "   ")
        page.click("#send")
        assert "empty" in (page.locator("#reply-error").text_content() or "")
        page.fill("#reply", TIME)
        page.focus("#reply")
        page.keyboard.press("Control+Enter")  # (or Send)
        page.wait_for_selector("#debrief", state="visible", timeout=15_000)
        page.screenshot(path=str(tmp_path / "2-debrief.png"), full_page=True)
        debrief = page.locator("#debrief").text_content() or ""
        assert "KEPT" in debrief and "Soup saved" in debrief and "Total score" in debrief
        assert page.evaluate("window.pwned") is None  # nothing she typed ran
        page.click("#retry")  # try again: a new conversation
        page.wait_for_selector("#reply-form", state="visible", timeout=15_000)
        expect(page.locator("#chat li")).to_have_count(1, timeout=15_000)
        page.fill("#reply", "Half a reply, typed when serve stops")
        proc = chat_served["proc"]
        os.killpg(proc.pid, signal.SIGTERM)  # the facilitator stops serve
        proc.wait(timeout=30)
        expect(page.locator("#reply-error")).to_contain_text("connection", timeout=15_000)
        assert page.input_value("#reply") == "Half a reply, typed when serve stops"  # kept
        assert page.locator("#send").is_disabled()
        browser.close()
    assert problems == []  # no script error, no Content-Security-Policy refusal
    with Store.open(chat_served["db"]) as store:
        deadline = time.monotonic() + 15
        while not all(a["outcome"] for a in store.attempts(workshop=code)):
            assert time.monotonic() < deadline, "the closed tab's attempt was not finished"
            time.sleep(0.2)
        kept, left = sorted(store.attempts(workshop=code), key=lambda a: a["id"])
        assert kept["trainee"] == EVIL and kept["outcome"] == "kept"
        assert [t["reply"] for t in store.turns(kept["id"])] == [GOOD, TIME]
        assert left["outcome"] == "unfinished"  # serve stopped mid-conversation
