"""Verdicts in context: what the conversation already did changes what a reply is charged.

The verdict stays a pure function of (reply, context, rules); the engine passes the
context of the replies before; transitions and customer lines read it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.engine.session import Session
from simulator.scoring import scorer_for
from simulator.scoring.context import EMPTY, Context

APOLOGY = "I'm so sorry, 24 degrees at one in the morning is no way to sleep."
COMPENSATED = "I'm so sorry. I'm moving you to a cooler room, and tonight is on us."
FIX_ONLY = "I'm moving you to room 1108 on the shaded side right now."


@pytest.fixture(scope="module")
def hotel(library):
    sc = library.scenario("hotel-ac-en")
    return sc, library.packs_for(sc), scorer_for(sc, library.packs_for(sc))


def test_an_apology_given_earlier_is_not_charged_again(hotel) -> None:
    _, _, scorer = hotel
    alone = scorer.score(FIX_ONLY)
    after = scorer.score(FIX_ONLY, Context.after([scorer.score(APOLOGY)]))
    assert "no-acknowledgement" in alone.fired_rules
    assert "no-acknowledgement" not in after.fired_rules
    assert after.credited == ("acknowledge",)
    assert after.score == alone.score - next(
        h.points for h in alone.hits if h.rule == "no-acknowledgement"
    )
    assert after.to_dict()["credited"] == ["acknowledge"]


def test_a_missed_fix_is_still_charged_after_an_earlier_fix(hotel) -> None:
    """Each customer turn asks for a result: only steps marked `once` are credited."""
    _, _, scorer = hotel
    ctx = Context.after([scorer.score(COMPENSATED)])
    later = scorer.score("Okay. I understand what you are saying about all of this.", ctx)
    assert "no-fix" in later.fired_rules


def test_compensation_offered_earlier_counts_for_a_high_value_guest(hotel) -> None:
    _, _, scorer = hotel
    assert scorer.score(FIX_ONLY).lifetime_adjustment == -10
    ctx = Context.after([scorer.score(COMPENSATED)])
    assert scorer.score(FIX_ONLY, ctx).lifetime_adjustment == 5


def test_the_session_scores_each_reply_after_the_ones_before(hotel) -> None:
    sc, packs, _ = hotel
    session = Session(sc, packs)
    session.reply(APOLOGY)
    second = session.reply(FIX_ONLY).turn.verdict
    assert "no-acknowledgement" not in second.fired_rules
    assert session.context.done("acknowledge") and session.context.replies == 2


def test_taking_a_reply_back_takes_its_context_back(hotel) -> None:
    sc, packs, _ = hotel
    session = Session(sc, packs)
    session.reply(APOLOGY)
    session.retry()
    assert session.context == EMPTY
    assert "no-acknowledgement" in session.reply(FIX_ONLY).turn.verdict.fired_rules


def test_the_customer_told_a_time_does_not_ask_when(hotel) -> None:
    sc, packs, _ = hotel
    timed = Session(sc, packs)
    timed.reply("I'm so sorry. A portable unit will be in your room within ten minutes.")
    assert timed.node == "cooling" and "hold you to that" in timed.customer_line
    untimed = Session(sc, packs)
    untimed.reply("I'm so sorry. I'll bring you a fan.")
    assert untimed.node == "cooling" and "hold you to that" not in untimed.customer_line


def test_compensation_offered_earlier_is_not_demanded_again(hotel) -> None:
    sc, packs, _ = hotel
    session = Session(sc, packs)
    session.reply(COMPENSATED)
    assert session.node == "cooling"
    session.reply("The porter will be at your door with the key within ten minutes.")
    assert session.node == "loyalty"
    assert "thank you for sorting out the bill" in session.customer_line
    session.reply("You're right, and I'm sorry. I'll make sure the fan is really working in the next ten minutes.")
    assert session.node == "checkout"  # not loyalty-push, which asks for compensation


def test_resume_rebuilds_the_context(hotel, tmp_path: Path) -> None:
    from simulator.engine.session import resume

    sc, packs, _ = hotel
    path = tmp_path / "t.jsonl"
    session = Session(sc, packs, transcript=path)
    session.reply(APOLOGY)
    session.close()
    again = resume(path, sc, packs)
    assert again.context.done("acknowledge")
    assert "no-acknowledgement" not in again.reply(FIX_ONLY).turn.verdict.fired_rules
    again.close()


WORDS = ["sorry", "I'll", "refund", "now", "you're lucky", "policy", "tonight is on us",
         "the", "room", "fan", "calm down", "as I said", "minutes", "within ten", "?", "."]
texts = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=20).map(" ".join)


@settings(max_examples=120, deadline=None)
@given(reply=texts, earlier=st.lists(texts, max_size=3))
def test_context_only_removes_charges_and_never_lowers_the_score(hotel, reply, earlier) -> None:
    """Whatever came before, context can only take back a `once` missed step and count
    earlier compensation: no new hit, never a lower score, and the same verdict twice."""
    _, _, scorer = hotel
    ctx = EMPTY
    for text in earlier:
        ctx = ctx.then(scorer.score(text, ctx))
    plain = scorer.score(reply)
    inside = scorer.score(reply, ctx)
    assert set(inside.fired_rules) <= set(plain.fired_rules)
    assert set(plain.fired_rules) - set(inside.fired_rules) <= {"no-acknowledgement"}
    assert inside.score >= plain.score
    assert inside == scorer.score(reply, ctx)


def test_score_after_a_file_of_earlier_replies(tmp_path: Path, capsys) -> None:
    earlier = tmp_path / "before.txt"
    earlier.write_text(APOLOGY + "\n\n" + "Tonight is refunded in full.\n")
    code = main(
        ["score", "--scenario", "hotel-ac-en", "--node", "stalling", "--after", str(earlier),
         "--format", "json", FIX_ONLY]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["credited"] == ["acknowledge"]
    assert data["context"]["replies"] == 2 and "compensation" in data["context"]["fired"]
    assert data["lifetime_adjustment"] == 5


def test_score_after_an_empty_or_missing_file(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert main(["score", "--lang", "en", "--after", str(empty), "Hello."]) == 2
    assert "no replies in it" in capsys.readouterr().err
    assert main(["score", "--lang", "en", "--after", str(tmp_path / "nope.txt"), "Hi."]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_unknown_names_in_so_far_and_lines_are_located(tmp_path: Path, capsys) -> None:
    mini = (Path(__file__).parent / "data" / "scenarios" / "mini.yaml").read_text()
    text = mini.replace(
        "      - when: {fired: [last_word]}",
        "      - when: {so_far: [compensaton]}\n        goto: cold\n      - when: {fired: [last_word]}",
        1,
    ).replace(
        "    hint: Apologise and bring a hot soup now.",
        "    lines:\n      - when: {not_so_far: [acknowlege]}\n        customer: [Still cold.]\n"
        "    hint: Apologise and bring a hot soup now.",
        1,
    )
    f = tmp_path / "s.yaml"
    f.write_text(text)
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr().out
    assert "when.so_far[0]: unknown rule or category 'compensaton'; did you mean 'compensation'" in out
    assert "lines[0].when.not_so_far[0]: unknown rule or category 'acknowlege'" in out


def test_once_needs_a_missing_category(tmp_path: Path, capsys) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text(
        "kind: rule_pack\nid: p\nlanguage: en\nversion: '1'\ntitle: P\nrules:\n"
        "  - id: no-thanks\n    kind: absence\n    category: missed_step\n    weight: -5\n"
        "    message: No thanks.\n    phrases: [thank you]\n    once: true\n"
    )
    assert main(["validate", str(pack)]) == 1
    assert "`once` needs `missing_category`" in capsys.readouterr().out
