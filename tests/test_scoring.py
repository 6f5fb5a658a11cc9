"""What a trainee sees in a verdict: which words cost or earned points, and why."""

from __future__ import annotations

import json
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.model.schema import RulePack
from simulator.scoring import MAX_REPLY_CHARS, Scorer, scorer_for
from simulator.scoring.normalize import fold, normalize


@pytest.fixture(scope="module")
def en(library) -> Scorer:
    return scorer_for(None, library.packs_for_language("en"), "en")


@pytest.fixture(scope="module")
def fr(library) -> Scorer:
    return scorer_for(None, library.packs_for_language("fr"), "fr")


def pack(*rules: dict, language: str = "en") -> RulePack:
    return RulePack.model_validate(
        {
            "kind": "rule_pack",
            "id": "t",
            "language": language,
            "version": "1",
            "title": "t",
            "rules": list(rules),
        }
    )


def rule(**kw: object) -> dict:
    base = {"id": "r", "category": "last_word", "weight": -30, "message": "{match}"}
    base.update(kw)
    return base


# ----------------------------------------------------------------- normalisation


def test_normalisation_folds_quotes_case_and_dashes() -> None:
    n = normalize("You’re LUCKY — “really”\u00a0lucky")
    assert n.text == 'you\'re lucky - "really" lucky'
    assert len(n.text) == len(n.original) and n.origin is None


def test_offsets_survive_length_changes() -> None:
    text = "ﬁne, you’re lu\u200bcky, Straße"
    n = normalize(text)
    start = n.text.index("lucky")
    s, e = n.span(start, start + len("lucky"))
    assert text[s:e] == "lu\u200bcky"
    s, e = n.span(n.text.index("strasse"), n.text.index("strasse") + 7)
    assert text[s:e] == "Straße"


printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=300,
)


@settings(max_examples=400, deadline=None)
@given(printable)
def test_normalisation_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


@settings(max_examples=300, deadline=None)
@given(printable)
def test_spans_map_into_the_original(text: str) -> None:
    n = normalize(text)
    for i in range(0, len(n.text) + 1, 3):
        for j in range(i, min(len(n.text), i + 7) + 1, 2):
            s, e = n.span(i, j)
            assert 0 <= s <= e <= len(text)


# ----------------------------------------------------------------- rule kinds


def test_phrase_with_inserted_words_and_contractions() -> None:
    s = Scorer(
        [
            (r, r.weight)
            for r in pack(rule(kind="phrase", phrases=["you're lucky"], max_gap=2)).rules
        ],
        "en",
    )
    for reply in ("You are really very lucky", "youre lucky", "You’re lucky!", "you are lucky"):
        assert s.score(reply).fired("r"), reply
    assert not s.score("You are not at all very lucky").fired("r")  # three inserted words
    assert not s.score("unlucky").fired("r")


def test_phrase_on_unicode_word_boundaries_in_french() -> None:
    p = pack(rule(kind="phrase", phrases=["réglé"], accent_insensitive=True), language="fr")
    s = Scorer([(r, r.weight) for r in p.rules], "fr")
    assert s.score("C'est réglé.").fired("r")
    assert s.score("c'est regle").fired("r")
    assert not s.score("dérégléx").fired("r")
    assert not s.score("déréglé").fired("r")


def test_exceptions_cancel_an_overlapping_match(en: Scorer) -> None:
    v = en.score("We're lucky to have you as a guest.")
    assert not v.fired("last_word")
    assert en.score("You're lucky we're not charging you.").fired("favour-framing")


def test_negated_favour_is_not_favour(en: Scorer, fr: Scorer) -> None:
    assert not en.score("I won't tell you you're lucky, it was a terrible night.").fired(
        "last_word"
    )
    assert not fr.score("Je ne vais pas vous dire que vous avez de la chance.").fired("last_word")


@pytest.mark.parametrize(
    "reply",
    [
        "We can't refund you.",
        "There is no way to move you tonight.",
        "I can't give you a refund or an exchange on opened food, sorry.",
        "We can't refund the night or move you, but you're welcome to leave a comment.",
    ],
)
def test_a_refusal_that_names_a_remedy_is_not_a_fix(en: Scorer, reply: str) -> None:
    assert not en.score(reply).fired("concrete_fix")


@pytest.mark.parametrize(
    "reply",
    [
        "I'll move you to room 804 right now.",
        "I can't fix the air conditioning tonight, but I'll bring you a fan in ten minutes.",
        "Tonight's stay is refunded in full.",
        "ill bring u a fan in 10 min",
    ],
)
def test_an_owned_remedy_is_a_fix(en: Scorer, reply: str) -> None:
    assert en.score(reply).fired("concrete_fix")


@pytest.mark.parametrize(
    "reply",
    ["Je ne peux pas vous rembourser.", "On ne peut pas rembourser un produit entamé."],
)
def test_french_refusal_is_not_a_fix(fr: Scorer, reply: str) -> None:
    assert not fr.score(reply).fired("concrete_fix")


def test_french_fix_with_accents_or_without(fr: Scorer) -> None:
    assert fr.score("Je vous rembourse la nuit tout de suite, désolé.").fired("concrete_fix")
    assert fr.score("je vous rembourse la nuit tout de suite, desole").fired("concrete_fix")


def test_regex_kind_runs_in_re2_and_catastrophic_patterns_stay_fast() -> None:
    p = pack(rule(kind="regex", pattern="(a+)+$"))
    s = Scorer([(r, r.weight) for r in p.rules], "en")
    text = "a" * 3000 + "b"
    started = time.perf_counter()
    v = s.score(text)
    # Not a speed assertion: Python's backtracking engine would take longer than the
    # age of the universe here, so finishing at all is the property under test.
    assert time.perf_counter() - started < 60
    assert not v.fired("r")
    assert s.score("caaa").fired("r")


def test_regex_and_occurrence_rules_with_exceptions() -> None:
    """A rule whose own pattern takes a slot, followed by exception phrases."""
    p = pack(
        rule(
            id="rx",
            kind="regex",
            pattern="you should have [a-z]+",
            exceptions=["you should have been told", "you should have had a call"],
        ),
        rule(
            id="oc",
            kind="occurrence",
            phrases=["policy"],
            min_count=2,
            exceptions=["policy is simple"],
        ),
    )
    s = Scorer([(r, r.weight) for r in p.rules], "en")
    assert s.score("Well, you should have checked the date.").fired("rx")
    assert not s.score("I'm sorry, you should have been told at check-in.").fired("rx")
    assert not s.score("You should have had a call from us.").fired("rx")
    assert s.score("Policy is policy.").fired("oc")
    assert not s.score("Our policy is simple: the policy is to put it right.").fired("oc")


def test_case_sensitive_regex_finds_shouting(en: Scorer) -> None:
    v = en.score("THE AIR CONDITIONING IS OUT FOR THE SEASON.")
    assert v.fired("shouting") and v.fired("tone")
    assert not en.score("The AC in room 804 is fixed.").fired("tone")


def test_occurrence_counts() -> None:
    p = pack(rule(kind="occurrence", phrases=["policy"], min_count=2))
    s = Scorer([(r, r.weight) for r in p.rules], "en")
    assert not s.score("It is policy.").fired("r")
    v = s.score("It is policy. Policy is policy.")
    assert v.fired("r") and len(v.hits[0].spans) == 3


def test_question_kind_with_rhetorical_exceptions(en: Scorer) -> None:
    assert en.score("Which room are you in?").fired("clarify")
    assert not en.score("What do you want me to do about it?").fired("clarify")


def test_absence_of_acknowledgement(en: Scorer) -> None:
    assert en.score("The air conditioning is off for the season.").fired("no-acknowledgement")
    assert not en.score("I'm so sorry about the heat tonight.").fired("no-acknowledgement")


def test_cooccur_needs_one_sentence() -> None:
    r = rule(
        kind="cooccur",
        category="concrete_fix",
        weight=30,
        parts=[{"name": "owner", "phrases": ["i'll"]}, {"name": "remedy", "phrases": ["refund"]}],
    )
    s = Scorer([(x, x.weight) for x in pack(r).rules], "en")
    assert s.score("I'll refund you.").fired("r")
    assert not s.score("I'll see. A refund is unlikely.").fired("r")


# ----------------------------------------------------------------- the verdict


def test_verdict_shows_the_trainees_own_words(en: Scorer) -> None:
    reply = "Honestly, you’re lucky we aren't charging you."
    v = en.score(reply)
    hit = next(h for h in v.hits if h.rule == "favour-framing")
    (span,) = hit.spans
    assert reply[span.start : span.end] == span.text == "you’re lucky"
    assert "“you’re lucky”" in hit.message
    assert hit.suggestion and hit.points < 0


def test_verdict_is_json_and_has_the_contract_keys(en: Scorer) -> None:
    v = en.score("I'm sorry. I'll move you to a cooler room now.")
    data = json.loads(json.dumps(v.to_dict()))
    assert 0 <= data["score"] <= 100
    for name in ("last_word", "concrete_fix", "acknowledge"):
        assert isinstance(data["categories"][name]["fired"], bool)
    assert set(data["steps"]) == {"calm", "listen", "acknowledge", "clarify", "solve"}
    assert data["steps"]["solve"] and data["steps"]["acknowledge"]


def test_score_formula(en: Scorer) -> None:
    good = en.score("I'm so sorry. I'll move you to a cooler room right now.")
    bad = en.score("You're lucky, calm down.")
    neutral = en.score("Thank you for your patience.")
    assert good.score > neutral.score > bad.score
    # formula: 50 + capped category points
    expected = 50 + sum(c.points for c in good.categories.values()) + good.lifetime_adjustment
    assert good.score == max(0, min(100, round(expected)))


def test_lifetime_value_adjustment(library) -> None:
    sc = library.scenario("hotel-ac-en")
    assert sc.customer.lifetime_value == "high"
    s = scorer_for(sc, library.packs_for(sc))
    plain = s.score("I'm sorry. I'll move you to another room right now.")
    generous = s.score("I'm sorry. I'll move you to another room right now and refund the night.")
    assert plain.lifetime_adjustment == -10
    assert generous.lifetime_adjustment == 5


def test_a_huge_reply_is_scored_on_its_first_part_with_a_notice(en: Scorer) -> None:
    reply = "You're lucky. " + "word " * 300_000
    v = en.score(reply)
    assert v.fired("favour-framing")
    assert v.scored_chars <= MAX_REPLY_CHARS
    assert v.notices and "only the first" in v.notices[0]


weird = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(list("\u202e\u200f\u0301\u0308👍🏽\x00\x07\t\r\nﬁß’«»İ")),
    ),
    max_size=600,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(weird)
def test_scoring_never_raises_and_spans_are_valid(en: Scorer, fr: Scorer, text: str) -> None:
    for scorer in (en, fr):
        v = scorer.score(text)
        assert 0 <= v.score <= 100
        for h in v.hits:
            for sp in h.spans:
                assert 0 <= sp.start <= sp.end <= len(text)
                assert text[sp.start : sp.end] == sp.text


def test_one_megabyte_of_anything(en: Scorer) -> None:
    text = ("é\u0301👍 lucky " * 110_000)[:1_000_000]
    v = en.score(text)
    assert 0 <= v.score <= 100 and v.notices


def test_normalised_text_is_nfkc_casefolded() -> None:
    for text in ("ＦＵＬＬ width", "Ǆ digraph", "e\u0301cole"):
        out = fold(text)
        assert unicodedata.is_normalized("NFKC", out)


def test_a_verdict_is_the_same_in_every_process() -> None:
    """Category order and everything else in the JSON verdict do not depend on Python's
    hash seed (a transcript replays byte for byte)."""
    import os
    import subprocess
    import sys

    outs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator",
                "score",
                "--scenario",
                "hotel-ac-en",
                "--format",
                "json",
                "You're lucky, calm down. I'll move you now.",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outs.add(done.stdout)
    assert len(outs) == 1


# ------------------------------------------------------------------ concept rules


def lexicon_pack(*rules: dict, language: str = "en", **lexicons: list[str]) -> RulePack:
    return RulePack.model_validate(
        {
            "kind": "rule_pack",
            "id": "t",
            "language": language,
            "version": "1",
            "title": "t",
            "lexicons": lexicons,
            "rules": [{"kind": "phrase", **r} for r in rules],
        }
    )


def scorer(p: RulePack) -> Scorer:
    return scorer_for(None, [p], p.language)


def test_a_lexicon_states_a_concept_once_for_every_phrase_that_uses_it() -> None:
    p = lexicon_pack(
        rule(phrases=["the {rule_noun} (doesn't|does not|won't) (allow|let|permit)"]),
        rule_noun=["policy", "terms and conditions", "regulation", "system", "procedure"],
    )
    s = scorer(p)
    assert s.score("Sorry, the regulation won't allow it.").fired("r")
    assert s.score("The terms and conditions do not permit that.").fired("r") is False
    assert s.score("the terms and conditions doesn't let me").fired("r")
    assert s.score("The system doesnt allow refunds.").fired("r")
    assert not s.score("The manager doesn't allow it.").fired("r")
    hit = s.score("The procedure does not permit it").hits[0]
    assert hit.spans[0].text == "The procedure does not permit"


def test_an_empty_alternative_makes_a_group_optional() -> None:
    s = scorer(lexicon_pack(rule(phrases=["(it's|it is|) (just|only) a scratch"])))
    assert s.score("Just a scratch, really.").fired("r")
    assert s.score("It's only a scratch.").fired("r")
    assert not s.score("A scratch.").fired("r")


def test_an_elided_french_word_in_a_group_joins_the_next_word() -> None:
    p = lexicon_pack(
        rule(phrases=["(le|la|l') {texte} (ne|n') (permet|autorise) pas"]),
        language="fr",
        texte=["règlement", "assurance", "accord"],
    )
    _judges(
        scorer(p),
        fires=[
            "Désolé, le règlement ne permet pas un échange.",
            "L'assurance ne permet pas ce remboursement.",
            "l’accord n'autorise pas de remise",
            "la assurance n autorise pas ça",
        ],
        passes=["L'assurance permet un remboursement.", "Laccord, je ne sais pas."],
    )


def _judges(s: Scorer, *, fires: list[str], passes: list[str]) -> None:
    """Rule ``r`` of scorer ``s`` fires on each of ``fires`` and on none of ``passes``."""
    for reply in fires:
        assert s.score(reply).fired("r"), reply
    for reply in passes:
        assert not s.score(reply).fired("r"), reply


def test_a_wildcard_word_is_also_an_amount_with_its_currency_sign() -> None:
    s = scorer(lexicon_pack(rule(phrases=["the (* |* * |)fee applies", "a * voucher"])))
    _judges(
        s,
        fires=[
            "The £25 relocation fee applies whenever a scooter is left outside a bay.",
            "The $1,240.50 fee applies.",
            "the €15 fee applies",
            "Here is a £10 voucher.",
        ],
        # an amount is one word, not a sentence: the full stop still ends it
        passes=["The fee never applies.", "Pay the £25. Fee applies later."],
    )
    hit = s.score("Sorry: the £1,240 fee applies.").hits[0]
    assert hit.spans[0].text == "the £1,240 fee applies"


def test_an_elided_word_before_a_group_joins_the_group_as_in_writing() -> None:
    s = scorer(
        lexicon_pack(
            rule(phrases=["on ne peut qu'(attendre|patienter)", "pas normal qu' {pronom}"]),
            language="fr",
            pronom=["il", "elle"],
        )
    )
    _judges(
        s,
        fires=[
            "Malheureusement, on ne peut qu'attendre.",
            "On ne peut qu’patienter.",
            "on ne peut qu' attendre",
            "Ce n'est pas normal qu'il pleuve dedans.",
        ],
        passes=["On ne peut que vous aider."],
    )


def test_an_optional_group_with_an_elided_word_may_be_left_out_mid_phrase() -> None:
    s = scorer(
        lexicon_pack(rule(phrases=["je remplis (le|la|les|l'|) formulaire"]), language="fr")
    )
    for reply in (
        "Je remplis formulaire et dossier pour vous.",
        "Je remplis le formulaire à votre place.",
        "je remplis l'formulaire",
    ):
        assert s.score(reply).fired("r"), reply
    assert not s.score("Je remplis un formulaire.").fired("r")


def test_an_elided_word_may_end_a_phrase() -> None:
    s = scorer(
        lexicon_pack(
            rule(phrases=["ne s'appliquent (que|qu')", "le préavis est (de|d')"]), language="fr"
        )
    )
    for reply in (
        "Les remises ne s'appliquent qu'à partir de 50 €.",
        "Le préavis est d'un mois.",
        "Les remises ne s'appliquent que le lundi.",
        "Le préavis est de deux mois.",
    ):
        assert s.score(reply).fired("r"), reply
    assert not s.score("Les remises ne s'appliquent jamais.").fired("r")


def test_a_contraction_written_as_a_group_alternative_joins_the_word_before() -> None:
    s = scorer(lexicon_pack(rule(phrases=["you (will|'ll) need to (call|ring) them"])))
    for reply in (
        "You'll need to ring them yourself.",
        "you will need to call them",
        "youll need to call them",
    ):
        assert s.score(reply).fired("r"), reply
    assert not s.score("You need to call them.").fired("r")


def test_an_english_contraction_after_a_lexicon_matches_both_ways() -> None:
    p = lexicon_pack(
        rule(category="concrete_fix", weight=20, phrases=["{agent} will {remedy} you"]),
        agent=["i", "we", "our team"],
        remedy=["refund", "call", "rebook"],
    )
    s = scorer(p)
    for reply in ("I'll refund you today.", "We will call you at 5.", "our team will rebook you"):
        assert s.score(reply).fired("r"), reply
    assert not s.score("They will call you.").fired("r")


def test_roles_an_agent_and_a_remedy_in_one_clause_in_any_tense() -> None:
    p = lexicon_pack(
        rule(
            id="owned",
            category="concrete_fix",
            weight=20,
            kind="cooccur",
            scope="clause",
            ordered=True,
            parts=[
                {"name": "agent", "phrases": ["{agent}", "(claire|tom)"]},
                {"name": "remedy", "phrases": ["{remedy_verb}"]},
            ],
        ),
        agent=["i", "we", "i've", "we've", "our team", "the engineer"],
        remedy_verb=["added", "refunded", "will call", "will have", "call", "issued", "fix"],
    )
    s = scorer(p)
    for reply in (
        "I've added it to your order.",
        "Claire will call you at 12:30.",
        "The engineer will have your room fixed by 6 p.m.",
    ):
        assert s.score(reply).fired("owned"), reply
    # the agent in one clause, the remedy in another: not one role
    assert not s.score("I know, refunded items take time.").fired("owned")
    # in the wrong order: the remedy before the agent
    assert not s.score("Refunded by the engineer? No.").fired("owned")


def test_cooccur_parts_may_share_words_but_not_serve_twice() -> None:
    p = lexicon_pack(
        rule(
            category="concrete_fix",
            weight=20,
            kind="cooccur",
            parts=[
                {"name": "owner", "phrases": ["i'll send"]},
                {"name": "remedy", "phrases": ["send a new one"]},
            ],
        )
    )
    s = scorer(p)
    # "send" belongs to both parts: before, the owner took it and the remedy was lost
    assert s.score("I'll send a new one today.").fired("r")
    same = lexicon_pack(
        rule(
            category="concrete_fix",
            weight=20,
            kind="cooccur",
            parts=[{"name": "a", "phrases": ["refund"]}, {"name": "b", "phrases": ["refund"]}],
        )
    )
    assert not scorer(same).score("A refund.").fired("r")


def test_a_phrases_own_elided_negation_does_not_cancel_it_with_max_gap() -> None:
    p = lexicon_pack(
        rule(phrases=["on n'est pas obligés"], max_gap=2, unless_negated=True), language="fr"
    )
    s = scorer(p)
    assert s.score("On n'est pas obligés de vous le reprendre.").fired("r")
    assert s.score("On n'est vraiment pas obligés, vous savez.").fired("r")
    assert not s.score("Je ne dirai jamais qu'on n'est pas obligés.").fired("r")


@pytest.mark.parametrize(
    "reply",
    [
        "If you send us a photo of the damage, we will refund you.",
        "We'll refund you once you return the item.",
        "Provided that you return the broken router, we will send a new one.",
    ],
)
def test_a_remedy_under_the_customers_condition_is_not_a_fix(en: Scorer, reply: str) -> None:
    v = en.score(reply)
    assert not v.fired("concrete_fix"), v.fired_rules
    assert any("condition" in n for n in v.notices), v.notices


@pytest.mark.parametrize(
    "reply",
    [
        "Dès que vous nous aurez envoyé la photo, je vous rembourserai.",
        "Si vous nous renvoyez la box, nous vous en enverrons une neuve.",
        "À condition que vous rapportiez le ticket, je vous rembourse.",
    ],
)
def test_french_remedy_under_a_condition_is_not_a_fix(fr: Scorer, reply: str) -> None:
    v = fr.score(reply)
    assert not v.fired("concrete_fix"), v.fired_rules


def test_an_offer_is_not_a_condition(en: Scorer, fr: Scorer) -> None:
    assert en.score("If you'd like, I'll refund you right now.").fired("concrete_fix")
    assert fr.score("Si vous le souhaitez, je vous rembourse tout de suite.").fired("concrete_fix")


def test_the_condition_notice_is_in_the_json_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    code = main(
        [
            "score",
            "--lang",
            "en",
            "--format",
            "json",
            "Once you send the photo, we will refund you.",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and not data["categories"]["concrete_fix"]["fired"]
    assert any("Once you send the photo" in n and "not a fix" in n for n in data["notices"])


def test_a_jab_in_reported_speech_is_not_said() -> None:
    s = scorer(lexicon_pack(rule(phrases=["you're lucky", "calm down"])))
    assert not s.score("She said \"you're lucky\" and I'm sorry she did.").fired("r")
    assert not s.score('"Calm down", the driver told her, which was wrong.').fired("r")
    v = s.score('My colleague wrote: "calm down". I apologise for that.')
    assert not v.fired("r") and any("someone else" in n for n in v.notices)
    # the trainee's own words, quoted or not, still count
    assert s.score('As I said: "calm down".').fired("r")
    assert s.score("Calm down, you're lucky we answer.").fired("r")


def test_french_reported_speech() -> None:
    s = scorer(lexicon_pack(rule(phrases=["vous avez de la chance"]), language="fr"))
    assert not s.score(
        "Le caissier vous a dit « vous avez de la chance » : c'est inacceptable."
    ).fired("r")
    assert s.score("Vous avez de la chance, franchement.").fired("r")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(["policy", "terms", "the rules", "our system", "regulation"]),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    st.sampled_from(["policy", "terms", "the rules", "our system", "regulation", "manager"]),
)
def test_a_lexicon_matches_exactly_what_its_entries_written_out_match(
    entries: list[str], word: str
) -> None:
    grouped = scorer(lexicon_pack(rule(phrases=["says {noun} no"]), noun=entries))
    written = scorer(lexicon_pack(rule(phrases=[f"says {e} no" for e in entries])))
    reply = f"It says {word} no, sadly."
    assert grouped.score(reply).fired("r") == written.score(reply).fired("r") == (word in entries)


# --------------------------------------------------------------- built-in packs


def test_every_built_in_rule_states_its_concept_and_proves_it(library) -> None:
    """One rule, one concept: a description of it, and replies where it fires and
    where it must not (which `simulator test` runs)."""
    lacking = [
        f"{pack.id}::{r.id}"
        for pack in library.packs.values()
        for r in pack.rules
        if not (r.description and r.examples.fires and r.examples.passes)
    ]
    assert lacking == []


def test_english_and_french_packs_name_their_families_alike() -> None:
    from pathlib import Path

    packs = Path(__file__).parents[1] / "scenarios" / "packs"
    pairs = {
        "last-word": "dernier-mot",
        "concrete-fix": "solution",
        "acknowledge": "reconnaissance",
        "five-steps": "cinq-etapes",
    }
    for en, fr in pairs.items():
        en_files = sorted(p.name for p in (packs / "en" / en).glob("*.yaml"))
        fr_files = sorted(p.name for p in (packs / "fr" / fr).glob("*.yaml"))
        assert en_files == fr_files and len(en_files) > 1, (en, fr)


def test_replies_once_caught_by_a_single_phrase_are_caught_by_concepts(library) -> None:
    """Phrases that matched one labelled reply and no example were removed: the reply
    each caught must still get its labels from the rules that remain (those a removal
    gave up are marked ``judged_right_after: false`` and stay in the regression set)."""
    from pathlib import Path

    root = Path(__file__).parents[1]
    files = {
        "tests/data/labelled/heldout.jsonl": root / "tests/data/labelled/heldout.jsonl",
        "bench/data/heldout-2.jsonl": root / "bench/data/heldout-2.jsonl",
        "bench/data/heldout-3.jsonl": root / "bench/data/heldout-3.jsonl",
        "bench/data/heldout-4.jsonl": root / "bench/data/heldout-4.jsonl",
        "shared/eval/replies.jsonl": root.parent / "shared/eval/replies.jsonl",
    }
    rows = {}
    for name, path in files.items():
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                r = json.loads(line)
                rows[(name, r["id"])] = r
    pruned = (root / "tests/data/labelled/pruned-phrases.jsonl").read_text(encoding="utf-8")
    wrong = []
    for line in pruned.splitlines():
        p = json.loads(line)
        r = rows.get((p["file"], p["caught"]))
        if r is None or not p.get("judged_right_after", p["judged_right_before"]):
            continue
        sid = r.get("scenario_id")
        if sid in library.scenarios:
            sc = library.scenarios[sid]
            s = scorer_for(sc, library.packs_for(sc))
        else:
            s = scorer_for(None, library.packs_for_language(r["lang"]), r["lang"])
        v = s.score(r["reply"])
        for label, cat in (("last_word", "last_word"), ("concrete_fix", "concrete_fix")):
            if label in r and v.fired(cat) != r[label]:
                wrong.append((p["caught"], label, p["phrase"]))
    assert wrong == []


def _en_scorer(library):
    from simulator.scoring import scorer_for

    return scorer_for(None, library.packs_for_language("en"), "en")


def test_an_amount_with_a_decimal_point_does_not_end_the_sentence(library) -> None:
    from simulator.scoring.lang import sentences

    text = "roaming charges of $86.40 reversed today. thanks"
    assert [text[s:e] for s, e in sentences(text)] == [
        "roaming charges of $86.40 reversed today.",
        "thanks",
    ]
    # so the remedy noun and its done verb, either side of the amount, are one clause
    assert _en_scorer(library).score("Roaming charges of $86.40 reversed today.").fired(
        "concrete_fix"
    )
    # and a rule whose parts must share a sentence finds them either side of it, as
    # lang.sentences has the sentence (the fee and "been reversed" here)
    verdict = _en_scorer(library).score("Your late fee of £12.50 has been reversed.")
    assert "charge-removed" in verdict.fired_rules


def test_a_remedy_that_waits_on_how_things_turn_out_is_not_a_fix(library) -> None:
    """"If it hasn't arrived by Friday, I'll send one" promises nothing yet; the condition
    governs what follows it, so a firm remedy before it, across a ';', still counts."""
    en = _en_scorer(library)
    owed = en.score("If it hasn't arrived by Friday, I'll send a replacement.")
    assert not owed.fired("concrete_fix") and any("depends on a condition" in n for n in owed.notices)
    firm = en.score("The engineer will be there by 2 pm; if that doesn't fix it, I'll move you.")
    assert firm.fired("concrete_fix")
    assert en.score("Even if it was late, I've refunded the delivery charge.").fired("concrete_fix")
    assert en.score(
        "If the courier had called, it would have gone fine, but I've refunded the postage."
    ).fired("concrete_fix")
    fr = scorer_for(None, library.packs_for_language("fr"), "fr")
    assert not fr.score("Si le colis n'est pas arrivé demain, je vous rembourse.").fired("concrete_fix")
    assert fr.score("Même si le colis est arrivé, je vous rembourse les frais de port.").fired(
        "concrete_fix"
    )
    assert fr.score("Ce n'est pas de votre faute si la carte a été bloquée, je la débloque.").fired(
        "concrete_fix"
    )


def test_a_past_event_after_the_customer_acted_is_not_a_condition(library) -> None:
    scorer = _en_scorer(library)
    done = scorer.score("Price dropped two days after you ordered, so I've refunded the £18 difference.")
    assert done.fired("concrete_fix") and not done.notices
    owed = scorer.score("After you send the photo, I'll refund you.")
    assert not owed.fired("concrete_fix") and owed.notices


def test_an_offer_if_the_customer_fancies_it_is_not_a_condition(library) -> None:
    verdict = _en_scorer(library).score(
        "I'll pop the £3.10 back on your card now, and if you fancy the vanilla, it's on the house."
    )
    assert verdict.fired("concrete_fix")
