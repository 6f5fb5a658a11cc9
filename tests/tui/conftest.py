"""Helpers for the app's tests: build the app on test data, type like a keyboard.

Every test runs with SIMULATOR_HOME in a temporary folder (the top-level conftest), never
the user's data folder. Nothing here needs a terminal: Textual runs headless.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SNAP = DATA / "snap"
BROKEN = DATA / "broken"
# As a trainer would type them (file names in error messages are shown as given).
SNAP_REL = Path("tests/tui/data/snap")
BROKEN_REL = Path("tests/tui/data/broken")

# Generic replies: acknowledge + a concrete fix with an owner and a time (good), and
# last-word replies (bad), in each language the built-in scenarios use.
GOOD = {
    "en": [
        "I'm so sorry, you're right: this is not acceptable and it's our fault. I will fix it "
        "right now: I'll personally arrange a replacement for you within ten minutes, and I'll "
        "refund you today.",
        "I understand, and I'm sorry. Could you tell me what would help you most? I will "
        "personally take care of it within the hour and call you back by 5 pm today with a "
        "confirmation.",
        "Thank you for telling me. I'll do it now: I'll send you a written confirmation within "
        "ten minutes, and I'll refund you today.",
    ],
    "fr": [
        "Je suis vraiment désolé, vous avez raison : ce n'est pas acceptable et c'est de notre "
        "faute. Je m'en occupe tout de suite : je vous organise personnellement un remplacement "
        "dans les dix minutes, et je vous rembourse aujourd'hui.",
        "Je comprends, et je suis désolé. Pouvez-vous me dire ce qui vous aiderait le plus ? Je "
        "m'en occupe personnellement dans l'heure et je vous rappelle avant 17 h aujourd'hui "
        "pour vous confirmer.",
        "Merci de me l'avoir dit. Je le fais maintenant : je vous envoie une confirmation écrite "
        "dans les dix minutes, et je vous rembourse aujourd'hui.",
    ],
}
BAD = {
    "en": [
        "You're lucky we even talk to you.",
        "Calm down, please.",
        "That's our policy, nothing I can do.",
    ],
    "fr": [
        "Vous avez de la chance qu'on vous parle encore.",
        "Calmez-vous, s'il vous plaît.",
        "C'est la politique de la maison, je ne peux rien faire.",
    ],
}


def config(**overrides: Any) -> Any:
    """An AppConfig for tests: fixed seed, theme, language and name; no user scenarios."""
    from simulator.tui.context import AppConfig

    base: dict[str, Any] = {
        "extra_dirs": [SNAP],
        "builtin": False,
        "user_scenarios": False,
        "ui_lang": "en",
        "theme": "simulator-dark",
        "seed": "0",
        "name": "Sam Trainee",
        "offer_resume": False,
    }
    base.update(overrides)
    return AppConfig(**base)


_LIBRARIES: dict[tuple[Any, ...], Any] = {}


def make_app(*, shared: bool = True, **overrides: Any) -> Any:
    """The app on test data. ``shared``: reuse one loaded library per source list across
    tests (compiled scorers stay warm: a scenario's rules compile once per run)."""
    from simulator.model.library import load_library
    from simulator.tui.app import make_app as _make

    cfg = config(**overrides)
    if not shared:
        return _make(cfg)
    key = (tuple(cfg.extra_dirs), cfg.builtin, cfg.user_scenarios)
    if key not in _LIBRARIES:
        _LIBRARIES[key] = load_library(cfg.extra_dirs, builtin=cfg.builtin, user=cfg.user_scenarios)
    cfg.reuse_library = True
    return _make(cfg, _LIBRARIES[key])


async def settle(pilot: Any) -> None:
    """Wait until background work (best scores) is done and the screen is drawn."""
    await pilot.pause()
    # The start-up dialogue (name, resume) waits for the trainee: not for it.
    busy = [w for w in pilot.app.workers if w.group != "welcome"]
    if busy:  # (an empty list would mean "all of them")
        await pilot.app.workers.wait_for_complete(busy)
    await pilot.pause()


async def type_text(pilot: Any, text: str, *, paste_after: int | None = None) -> None:
    """Send the text as key events, the way a terminal reports typing (newline = Enter).

    The events go through the driver like ``pilot.press``, but without waiting for the
    app to idle after each one (that costs ~40 ms a key); then wait once. With
    ``paste_after=N`` the first N characters are typed and the rest arrives as one
    bracketed paste, as a terminal sends a paste (each key costs the app ~2 ms of
    binding checks, so long replies are pasted to keep the suite fast).
    """
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    driver = app._driver
    assert driver is not None
    typed = text if paste_after is None else text[:paste_after]
    for ch in typed:
        if ch == "\n":
            key, char = "enter", "\r"
        elif ch.isalnum():
            key, char = ch, ch
        else:
            key, char = _character_to_key(ch), ch
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
    if paste_after is not None and text[paste_after:]:
        paste = events.Paste(text[paste_after:])
        paste.set_sender(app)
        driver.send_message(paste)
    await pilot.pause()


async def send_reply(pilot: Any, text: str, *, paste_after: int | None = 24) -> None:
    await type_text(pilot, text, paste_after=paste_after)
    await pilot.press("ctrl+s")
    await pilot.pause()


def leave_mid_conversation(reply: str, scenario: str = "snap-soup-en") -> None:
    """Start a conversation, send one reply and quit the app: what the next start offers
    to resume."""
    import asyncio

    async def go() -> None:
        app = make_app(scenario=scenario)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+s")  # start the conversation
            await pilot.pause()
            await send_reply(pilot, reply)
            await pilot.press("ctrl+q")
            await pilot.pause()

    asyncio.run(go())


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times written by the store and the transcripts, fixed (snapshots show dates)."""
    import itertools

    import simulator.engine.transcript as transcript
    import simulator.store.store as store

    minutes = itertools.count()

    def now() -> str:
        m = next(minutes)
        return f"2026-11-{2 + m // 600:02d}T{9 + (m // 60) % 10:02d}:{m % 60:02d}:00.000+00:00"

    monkeypatch.setattr(store, "now", now)
    monkeypatch.setattr(transcript, "now", lambda: "2026-11-02T09:00:00.000+00:00")
    yield


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """File names in error messages are relative to the repository."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def no_color_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NO_COLOR", "1")
    yield
    os.environ.pop("NO_COLOR", None)


@pytest.fixture(autouse=True)
def _english_interface() -> Iterator[None]:
    """Each test starts in English, whatever language an earlier test's app switched to
    (the interface language is one per process, and the workers share theirs)."""
    from simulator.tui import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")
