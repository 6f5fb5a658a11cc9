"""``score --explain``: for every rule that fired or nearly fired, the words, the phrase
(and lexicon entry), the clause, and what cancelled it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.cli import main


def explain_json(capsys: pytest.CaptureFixture[str], reply: str, *args: str) -> dict[str, Any]:
    code = main(["score", "--explain", "--format", "json", *args, reply])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    found = [r for r in data["explain"]["rules"] if r["rule"] == rule_id]
    assert found, [r["rule"] for r in data["explain"]["rules"]]
    return found[0]


def test_a_refusal_shows_the_remedy_cancelled_by_the_negation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = explain_json(capsys, "We can't refund you.", "--scenario", "hotel-ac-en")
    assert data["explain"]["normalised"] == "we can't refund you."
    offer = rule(data, "compensation-offered")
    assert offer["status"] == "cancelled"
    (found,) = offer["found"]
    assert found["words"] == "refund" and found["clause"] == "We can't refund you."
    assert found["cancelled"]["reason"] == "negation" and found["cancelled"]["words"] == "can't"
    assert "compensation-offered" not in [h["rule"] for h in data["hits"]]


def test_a_condition_the_customer_must_meet_cancels_the_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reply = "if you send the receipt I'll refund you"
    data = explain_json(capsys, reply, "--scenario", "hotel-ac-en")
    fix = rule(data, "agent-will-remedy")
    assert fix["status"] == "cancelled" and fix["scope"] == "clause"
    parts = {f["part"]: f for f in fix["found"]}
    assert parts["remedy"]["lexicon"] == [{"lexicon": "remedy_base", "entry": "refund"}]
    assert parts["agent"]["words"] == "I'll"
    for f in fix["found"]:
        assert f["cancelled"]["reason"] == "condition"
        assert f["cancelled"]["words"].startswith("if you send the receipt")
    code = main(["score", "--explain", "--scenario", "hotel-ac-en", reply])
    out = capsys.readouterr().out
    assert code == 0
    assert "agent-will-remedy" in out and "cancelled: depends on a condition" in out


def test_a_fired_rule_shows_its_words_phrase_lexicon_entry_and_clause(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = explain_json(
        capsys, "I'm sorry, I will refund the night today.", "--scenario", "hotel-ac-en"
    )
    fix = rule(data, "agent-will-remedy")
    assert fix["status"] == "fired"
    parts = {f["part"]: f for f in fix["found"]}
    assert parts["agent"]["lexicon"] == [{"lexicon": "agent", "entry": "i"}]
    assert parts["remedy"]["phrase"] == "{remedy_base}"
    assert parts["remedy"]["clause"] == "I will refund the night today."
    assert all(f["cancelled"] is None for f in fix["found"])


def test_a_lexicon_entry_is_named_only_when_the_words_hold_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A phrase whose group holds a lexicon and plain words ("the wall") names no entry
    of the lexicon when the plain word matched; one of two attenuating words is the one
    the trainee wrote."""
    data = explain_json(
        capsys, "The weight limit? It's on the wall by the door.", "--scenario", "hotel-ac-en"
    )
    told = rule(data, "we-did-tell-you")
    (found,) = told["found"]
    assert "wall" in found["words"] and found["lexicon"] == []
    data = explain_json(
        capsys,
        "Vous reconnaîtrez quand même que la commande a été passée la veille.",
        "--lang",
        "fr",
    )
    (found,) = rule(data, "vous-en-conviendrez")["found"]
    entries = {e["lexicon"]: e["entry"] for e in found["lexicon"]}
    assert entries.get("attenuant") == "quand même"


def test_an_exception_of_the_rule_is_shown(capsys: pytest.CaptureFixture[str]) -> None:
    data = explain_json(capsys, "I'll check the label myself next time.", "--lang", "en")
    advice = rule(data, "advice-next-time")
    assert advice["status"] == "cancelled"
    (found,) = advice["found"]
    assert found["cancelled"]["reason"] == "exception"
    assert "i'll *" in found["cancelled"]["detail"] and found["cancelled"]["words"] == "I'll check"


def test_a_negated_jab_is_shown_as_nearly_fired_in_plain_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["score", "--explain", "--lang", "en", "I won't tell you you're lucky."])
    out = capsys.readouterr().out
    assert code == 0
    near = out.split("Nearly fired:")[1]
    assert "favour-framing" in near and "negated by \u201cwon't\u201d" in near


def test_without_explain_the_verdict_is_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--format", "json", "--lang", "en", "We can't refund you."]) == 0
    plain = json.loads(capsys.readouterr().out)
    explained = explain_json(capsys, "We can't refund you.", "--lang", "en")
    assert "explain" not in plain
    assert {k: v for k, v in explained.items() if k != "explain"} == plain


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_trace_agrees_with_the_verdict_on_every_example(library: Any, language: str) -> None:
    """What the trace says fired, on which words, is what the verdict found, on every
    example reply of the built-in packs and scenarios (one language per test, so that
    the two run side by side)."""
    from simulator.scoring import scorer_for
    from simulator.scoring.explain import FIRED, explain

    checked = 0
    languages: set[str] = set()
    for sc in library.scenarios.values():
        if sc.language != language:
            continue
        packs = library.packs_for(sc)
        scorer = scorer_for(sc, packs)
        replies = [ex.reply for ex in sc.examples]
        if sc.language not in languages:  # the packs' examples once per language
            languages.add(sc.language)
            replies += [
                t for p in packs for r in p.rules for t in (*r.examples.fires, *r.examples.passes)
            ]
        for text in replies:
            exp = explain(scorer, text, packs=packs, scenario=sc)
            hits = {h.rule: {(s.start, s.end) for s in h.spans} for h in exp.verdict.hits}
            fired = {r.rule: r for r in exp.rules if r.status == FIRED}
            assert set(fired) == set(hits), text
            for rid, r in fired.items():
                if r.kind != "absence":
                    kept = {(f.start, f.end) for f in r.found if f.cancelled is None}
                    assert kept == hits[rid], (text, rid)
            checked += 1
    assert checked > 250
