"""Model replies on scenario nodes: written for every built-in node, each one itself a
reply the packs score well, shown after a weak reply (feedback, hint, debrief, headless
play and its JSON), and checked by ``simulator test`` with a located error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.engine import flow
from simulator.engine.debrief import model_reply_for
from simulator.engine.examples import MODEL_MIN_SCORE, check_model_replies, run_scenario
from simulator.engine.session import Session
from simulator.scoring import scorer_for

DATA = Path(__file__).parent / "data"
LUCKY = "You're lucky we're not charging you for checking out early."
GOOD = (
    "I'm so sorry, 24 degrees at one in the morning is no way to sleep. I'm moving you to a "
    "cooler room on the shaded side right now."
)


def test_every_built_in_node_has_model_replies(library) -> None:
    bare = [
        f"{sid}:{n.id}"
        for sid, sc in library.scenarios.items()
        for n in sc.nodes
        if not 1 <= len(n.model_replies) <= 3
    ]
    assert len(library.scenarios) >= 8
    assert bare == []


def test_every_built_in_model_reply_passes_its_scenario(library) -> None:
    failed = []
    for _sid, sc in sorted(library.scenarios.items()):
        results = run_scenario(sc, library.packs_for(sc))
        models = [r for r in results if "model_replies" in r.loc]
        assert len(models) == sum(len(n.model_replies) for n in sc.nodes)
        failed += [f"{r.label}: {r.failures}" for r in models if not r.passed]
    assert failed == []


def test_a_model_reply_moves_its_story_on(library) -> None:
    """As the first reply at its node, a model reply never loses the customer, never sends
    them over the trainee's head, and never leaves them asking the same thing again."""
    stuck = []
    for sid, sc in sorted(library.scenarios.items()):
        scorer = scorer_for(sc, library.packs_for(sc))
        for node in sc.nodes:
            for reply in node.model_replies:
                verdict = scorer.score(reply)
                mood = flow.next_mood(sc.customer.mood, verdict)
                step = flow.decide(
                    sc,
                    node.id,
                    verdict,
                    mood=mood,
                    visits=1,
                    patience_left=sc.customer.patience,
                    turn=1,
                )
                ending = sc.ending(step.goto)
                if step.goto == node.id or (ending and ending.outcome != "kept"):
                    stuck.append(f"{sid}:{node.id} -> {step.goto}: {reply[:50]}")
    assert stuck == []


def _with_model(tmp_path: Path, reply: str) -> Path:
    text = (DATA / "scenarios" / "mini.yaml").read_text()
    anchor = "    hint: Apologise and bring a hot soup now.\n"
    assert anchor in text
    f = tmp_path / "mini.yaml"
    f.write_text(text.replace(anchor, anchor + f'    model_replies:\n      - "{reply}"\n', 1))
    return f


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        ("You're lucky I'm here, I'll bring you a fresh soup now.", "must not use last-word"),
        ("I'm so sorry about that, it must be annoying.", "expects a concrete fix"),
    ],
)
def test_a_weak_model_reply_fails_the_test_where_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reply: str, says: str
) -> None:
    f = _with_model(tmp_path, reply)
    assert main(["test", str(f)]) == 1
    out = capsys.readouterr().out
    line = f.read_text().splitlines().index(f'      - "{reply}"') + 1
    assert f"{f}:{line}:9" in out, out
    assert "mini-en::nodes[cold].model_replies[0]" in out
    assert says in out


def test_a_good_model_reply_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _with_model(tmp_path, "I'm so sorry. I'll bring you a fresh soup within five minutes.")
    assert main(["test", str(f)]) == 0, capsys.readouterr().out


def test_a_model_reply_is_judged_as_the_first_reply_at_its_node(library) -> None:
    sc = library.scenario("hotel-ac-en")
    scorer = scorer_for(sc, library.packs_for(sc))
    results = check_model_replies(sc, scorer)
    assert results and all(r.passed for r in results)
    for r in results:
        assert scorer.score(r.reply).score >= MODEL_MIN_SCORE


# ------------------------------------------------------------------ shown after a weak reply


def _hotel(library, **kw) -> Session:  # type: ignore[no-untyped-def]
    sc = library.scenario("hotel-ac-en")
    return Session(sc, library.packs_for(sc), **kw)


def test_a_weak_reply_gets_its_node_model_reply_and_a_good_one_none(library) -> None:
    s = _hotel(library)
    good = s.reply(GOOD).turn
    assert model_reply_for(s.scenario, good) is None
    assert s.debrief().model_reply is None
    weak = s.reply("Calm down, it will be fine.").turn
    cooling = s.scenario.node("cooling")
    assert cooling is not None and weak.node == "cooling"
    assert model_reply_for(s.scenario, weak) in cooling.model_replies


def test_the_debrief_names_the_reply_that_cost_most(library) -> None:
    s = _hotel(library)
    s.reply("Let me see what I can do.")  # weak, at night-desk
    s.reply("Calm down, sir. It's only one night.")  # the costliest, at stalling
    d = s.debrief()
    stalling = s.scenario.node("stalling")
    assert d.model_reply is not None and stalling is not None
    assert (d.model_reply.turn, d.model_reply.node) == (2, "stalling")
    assert d.model_reply.reply in stalling.model_replies
    assert d.to_dict()["model_reply"]["quote"] == "Calm down, sir. It's only one night."


def test_the_hint_after_a_weak_reply_gives_an_example(library) -> None:
    s = _hotel(library)
    assert s.hint_example() is None  # nothing sent yet
    s.reply("Let me see what I can do.")
    stalling = s.scenario.node(s.node)
    assert stalling is not None and s.node == "stalling"
    s.hint()
    assert s.hint_example() in stalling.model_replies


def test_headless_play_shows_the_model_reply_in_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.txt"
    script.write_text("Let me see what I can do.\n\n" + GOOD + "\n")
    args = ["play", "--scenario", "hotel-ac-en", "--no-record", "--script", str(script)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count("A reply that would have worked here:") == 2, out  # the turn, the debrief
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first, second = data["turns"]
    assert first["model_reply"] and second["model_reply"] is None
    assert data["debrief"]["model_reply"]["reply"] == first["model_reply"]
    assert data["debrief"]["model_reply"]["turn"] == 1
