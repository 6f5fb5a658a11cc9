"""Every built-in scenario: each ending is reached by a script, and the tuning holds.

The scripts in tests/data/endings/ were found by a breadth-first search over a small
pool of replies and are kept as data: a change to a scenario or a pack that makes an
ending unreachable, or reachable only another way, shows up here.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from simulator.engine import Session
from simulator.model.library import load_library

ENDINGS = Path(__file__).parent / "data" / "endings"
LIB = load_library(user=False)
BUILTIN = sorted(
    sid for sid, src in LIB.origin_of.items() if sid in LIB.scenarios and src.origin == "built-in"
)

GOOD = {
    "en": [
        "I'm so sorry, that's not acceptable. I'll fix it for you right now, and there will be no charge: it's on us.",
        "I'm sorry. I'll sort it out myself by 5 pm today and call you back at 5.",
        "You're right, and I apologise. Let me take care of it now: I'll have it done within the hour, at no cost to you.",
    ],
    "fr": [
        "Je suis vraiment désolé, ce n'est pas acceptable. Je m'en occupe tout de suite et ce sera sans frais, c'est pour nous.",
        "Je suis désolé. Je règle ça moi-même avant 17 h et je vous rappelle à 17 h.",
        "Vous avez raison, toutes mes excuses. Je m'en charge maintenant : ce sera fait dans l'heure, sans frais pour vous.",
    ],
}
LAST_WORD = {
    "en": [
        "You're lucky we're even talking about this. That's our policy.",
        "Calm down. As I said, there's nothing I can do.",
        "You should have checked before. It's up to you to tell me what you want.",
    ],
    "fr": [
        "Vous avez de la chance qu'on en parle encore. C'est le règlement.",
        "Calmez-vous. Comme je vous l'ai dit, je ne peux rien faire.",
        "Vous auriez dû vérifier avant. C'est à vous de me dire ce que vous voulez.",
    ],
}


def play(sid: str, replies: list[str], seed: int = 0, limit: int = 8) -> tuple[Session, int]:
    sc = LIB.scenarios[sid]
    session = Session(sc, LIB.packs_for(sc), seed=seed)
    n = 0
    for reply in itertools.islice(itertools.cycle(replies), limit):
        if session.ended:
            break
        session.reply(reply)
        n += 1
    return session, n


def test_the_eight_builtins_are_there() -> None:
    assert len(BUILTIN) == 8


@pytest.mark.parametrize("sid", BUILTIN)
def test_every_ending_has_a_script_that_reaches_it(sid: str) -> None:
    scripts = json.loads((ENDINGS / f"{sid}.json").read_text(encoding="utf-8"))
    assert set(scripts) == {e.id for e in LIB.scenarios[sid].endings}
    for ending, replies in scripts.items():
        session, _ = play(sid, replies, limit=len(replies))
        assert session.ended and session.ending is not None, (ending, session.node)
        assert session.ending.id == ending


@pytest.mark.parametrize("sid", BUILTIN)
@pytest.mark.parametrize("start", [0, 1, 2])
def test_acknowledge_and_fix_every_time_keeps_the_customer_within_six(sid: str, start: int) -> None:
    pool = GOOD[LIB.scenarios[sid].language]
    session, n = play(sid, pool[start:] + pool[:start], seed=start)
    assert session.outcome == "kept" and n <= 6, (session.outcome, n, session.node)


@pytest.mark.parametrize("sid", BUILTIN)
@pytest.mark.parametrize("start", [0, 1, 2])
def test_last_word_every_time_loses_or_escalates_within_six(sid: str, start: int) -> None:
    pool = LAST_WORD[LIB.scenarios[sid].language]
    session, n = play(sid, pool[start:] + pool[:start], seed=start)
    assert session.outcome in ("lost", "escalated") and n <= 6, (session.outcome, n)
