"""Feedback that fits the story: no "Better:" line of one story speaks of another's.

Every example reply of a built-in scenario and of the packs it uses, and every model
reply of its nodes, is scored with that scenario's rules; each suggestion a trainee would
read must fit the scenario's setting (a shared pack's generic suggestion, or the
scenario's own in ``scoring.suggestions``), and so must each model reply itself.
"""

from __future__ import annotations

import re

import pytest

# Words that belong to one story's setting and would be wrong in another's, by language.
HOTEL = {
    "en": ["fan", "room", "air conditioning", "thermostat", "degrees", "1 a.m.", "suite"],
    "fr": ["ventilateur", "chambre", "climatisation", "degrés", "thermostat"],
}
SHOP = {
    "en": ["swap", "exchange it", "item", "store credit", "receipt", "till", "yoghurt"],
    "fr": ["échange", "article", "un avoir", "en caisse", "ticket de caisse", "yaourt"],
}
FORBIDDEN = {
    "hotel-ac": (SHOP,),
    "supermarket-return": (HOTEL,),
    "b2b-consultant": (HOTEL, SHOP),
    "agency-deadline": (HOTEL, SHOP),
}


def _story(scenario_id: str) -> str:
    return scenario_id.rsplit("-", 1)[0]


def _replies(scenario, packs) -> list[str]:
    replies = [ex.reply for ex in scenario.examples]
    replies += [r for node in scenario.nodes for r in node.model_replies]
    for pack in packs:
        for rule in pack.rules:
            replies += [*rule.examples.fires, *rule.examples.passes]
    for rule in scenario.scoring.rules:
        replies += [*rule.examples.fires, *rule.examples.passes]
    return replies


def _patterns(scenario) -> list[re.Pattern[str]]:
    lists = FORBIDDEN.get(_story(scenario.id), ())
    words = [w for lexicon in lists for w in lexicon[scenario.language]]
    return [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.I) for w in words]


def offending(library) -> list[str]:
    from simulator.scoring import scorer_for

    out: list[str] = []
    for sid, scenario in sorted(library.scenarios.items()):
        if _story(sid) not in FORBIDDEN:
            continue
        patterns = _patterns(scenario)
        packs = library.packs_for(scenario)
        scorer = scorer_for(scenario, packs)
        seen: set[tuple[str, str]] = set()
        for reply in _replies(scenario, packs):
            for hit in scorer.score(reply).hits:
                if not hit.suggestion or (hit.rule, hit.suggestion) in seen:
                    continue
                seen.add((hit.rule, hit.suggestion))
                for pat in patterns:
                    if pat.search(hit.suggestion):
                        out.append(f"{sid}: {hit.rule}: {pat.pattern!r} in {hit.suggestion!r}")
                        break
    return out


BUILTIN = ["hotel-ac", "supermarket-return", "b2b-consultant", "agency-deadline"]


def test_every_built_in_story_is_checked(library) -> None:
    assert {_story(s) for s in library.scenarios} >= set(BUILTIN)


def test_better_lines_fit_the_story(library) -> None:
    assert offending(library) == []


def test_model_replies_fit_the_story(library) -> None:
    out = []
    for sid, scenario in sorted(library.scenarios.items()):
        assert _story(sid) in FORBIDDEN, sid
        patterns = _patterns(scenario)
        for node in scenario.nodes:
            assert node.model_replies, f"{sid}:{node.id} has no model reply"
            for reply in node.model_replies:
                out += [
                    f"{sid}:{node.id}: {p.pattern!r} in {reply!r}"
                    for p in patterns
                    if p.search(reply)
                ]
    assert out == []


def test_a_scenario_suggestion_replaces_the_packs(library) -> None:
    from simulator.scoring import scorer_for

    scenario = library.scenario("supermarket-return-en")
    packs = library.packs_for(scenario)
    scorer = scorer_for(scenario, packs)
    ours = scenario.scoring.suggestions
    assert ours, "the supermarket story gives its own better phrasing"
    rule_id, text = next(iter(ours.items()))
    rule = next(r for p in packs for r in p.rules if r.id == rule_id)
    assert rule.suggestion != text
    fired = [h for ex in rule.examples.fires for h in scorer.score(ex).hits if h.rule == rule_id]
    assert fired and all(h.suggestion == text for h in fired)


@pytest.mark.parametrize("key", ["suggestions", "weights"])
def test_an_unknown_rule_in_suggestions_is_located(tmp_path, capsys, key: str) -> None:
    from pathlib import Path

    from simulator.cli import main

    mini = (Path(__file__).parent / "data" / "scenarios" / "mini.yaml").read_text()
    assert "scoring:" in mini
    value = '"Say it plainly."' if key == "suggestions" else "3"
    text = mini.replace("scoring:\n", f"scoring:\n  {key}:\n    favour-framin: {value}\n", 1)
    f = tmp_path / "s.yaml"
    f.write_text(text)
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr().out
    line = text.splitlines().index("    favour-framin: " + value) + 1
    assert f":{line}:5: scoring.{key}.favour-framin: unknown rule 'favour-framin'" in out, out
