"""Assessment that counts: pass marks, levels, critical rules and difficulty levels, as a
facilitator and a trainee see them on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import run_cli, scenario_args

from simulator.engine import Session
from simulator.store import Store

FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."
CALM = "Calm down, it's only soup."
LUCKY = "You're lucky we serve soup at this hour."


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path) -> Any:
    extra = tmp_path / "graded"
    extra.mkdir()
    mini = (Path(__file__).resolve().parents[1] / "data" / "scenarios" / "mini.yaml").read_text()
    graded = mini.replace("id: mini-en", "id: graded-en").replace(
        "title: The cold soup", "title: The graded soup"
    )
    graded += (
        "\npass_mark: 80\n"
        "levels:\n  - {name: bronze, min: 50}\n  - {name: silver, min: 75}\n"
        "  - {name: gold, min: 90}\n"
        "variants:\n  hard:\n    patience: 1\n    mood: 5\n    mood_reaction: 1.5\n"
        '    lines:\n      cold: ["Cold. Again. I have ten minutes left for lunch."]\n'
    )
    (extra / "graded.yaml").write_text(graded, encoding="utf-8")

    def run(*argv: str) -> tuple[int, str, str]:
        pre = [*scenario_args(), "--scenarios", str(extra), "--db", sqlite_url]
        return run_cli([*pre, *argv], capsys)

    run.url = sqlite_url  # type: ignore[attr-defined]
    return run


def _script(tmp_path: Path, *replies: str, name: str = "s.txt") -> str:
    path = tmp_path / name
    path.write_text("\n\n".join(replies) + "\n", encoding="utf-8")
    return str(path)


def _create(cli: Any, *extra: str, scenarios: str = "mini-en") -> str:
    code, out, err = cli("workshop", "create", "Front desk", "--scenarios", scenarios, "-q", *extra)
    assert code == 0, err
    return out.strip()


def _play_json(cli: Any, join: str, name: str, script: str) -> dict[str, Any]:
    code, out, err = cli(
        "play", "--workshop", join, "--name", name, "--script", script, "--format", "json"
    )
    assert code == 0, err
    return json.loads(out)


def test_the_workshop_pass_mark_decides_who_passed(cli: Any, tmp_path: Path) -> None:
    join = _create(cli, "--pass-mark", "80")
    good = _play_json(cli, join, "Ann", _script(tmp_path, FIX, DONE))
    (attempt,) = good["attempts"]
    assert attempt["outcome"] == "kept" and attempt["score"] >= 80
    assert attempt["passed"] is True and attempt["pass_mark"] == 80 and "level" in attempt
    # 75 passes the scenario's default mark of 70, not this workshop's 80
    other = _play_json(cli, join, "Bob", _script(tmp_path, LUCKY, FIX, DONE, name="b.txt"))
    (b,) = other["attempts"]
    assert b["outcome"] == "kept" and 70 <= b["score"] < 80
    assert b["passed"] is False

    _, out, _ = cli("leaderboard", join, "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["Ann"]["passed"] is True and rows["Bob"]["passed"] is False
    _, out, _ = cli("leaderboard", join)
    header, _rule, *lines = out.split("\n\n", 1)[1].splitlines()
    assert "Passed" in header.split()
    ann = next(line for line in lines if "Ann" in line)
    bob = next(line for line in lines if "Bob" in line)
    assert " yes " in f"{ann} " and " no" in bob
    _code, out, _ = cli("leaderboard", join, "--format", "csv")
    assert "passed" in out.splitlines()[0].split(",")


def test_a_critical_rule_fails_an_assessment_whatever_the_score(cli: Any, tmp_path: Path) -> None:
    join = _create(cli)  # the default pass mark, 70
    code, out, err = cli(
        "play", "--workshop", join, "--name", "Cal", "--script", _script(tmp_path, CALM, FIX, DONE)
    )
    assert code == 0, err
    assert "NOT PASSED: a critical rule fired" in out
    assert "Reply 1: “Calm down”" in out and "(dismissal)" in out
    with Store.open(cli.url) as s:
        (a,) = s.attempts(workshop=join)
        assert a["outcome"] == "kept" and a["score"] >= 70  # a pass mark it would have met
        assert a["passed"] is False and a["level"] is None
    # In practice the same replies pass: the debrief only warns
    practice = _create(cli, "--mode", "practice")
    result = _play_json(cli, practice, "Cal", _script(tmp_path, CALM, FIX, DONE, name="p.txt"))
    (p,) = result["attempts"]
    assert p["passed"] is True and [c["rule"] for c in p["critical"]] == ["dismissal"]


def test_levels_and_the_scenario_pass_mark(cli: Any, tmp_path: Path) -> None:
    code, out, err = cli(
        "play",
        "--scenario",
        "graded-en",
        "--mode",
        "assessment",
        "--name",
        "Ann",
        "--script",
        _script(tmp_path, FIX, DONE),
        "--format",
        "json",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["pass_mark"] == 80 and result["score"] >= 90
    assert result["passed"] is True and result["level"] == "gold"
    code, out, err = cli(
        "play",
        "--scenario",
        "graded-en",
        "--name",
        "Ann",
        "--script",
        _script(tmp_path, LUCKY, FIX, DONE, name="b.txt"),
    )
    assert code == 0, err
    assert "NOT PASSED: 75 is under the pass mark of 80" in out
    code, out, _ = cli("progress", "--name", "Ann", "--format", "json")
    attempts = json.loads(out)["attempts"]
    assert [a["passed"] for a in attempts] == [True, False]
    assert attempts[0]["level"] == "gold"
    code, out, _ = cli("progress", "--name", "Ann")
    assert "passed (gold)" in out and "not passed" in out


def test_difficulty_changes_the_customer_and_is_recorded(cli: Any, tmp_path: Path) -> None:
    code, out, err = cli(
        "play",
        "--scenario",
        "graded-en",
        "--difficulty",
        "hard",
        "--name",
        "Ann",
        "--script",
        _script(tmp_path, LUCKY),
        "--format",
        "json",
    )
    assert code == 0, err
    hard = json.loads(out)
    assert hard["difficulty"] == "hard"
    assert hard["turns"][0]["customer"] == "Cold. Again. I have ten minutes left for lunch."
    # patience 1: one bad reply and the customer is gone
    assert hard["outcome"] == "lost" and len(hard["turns"]) == 1
    code, out, err = cli(
        "play",
        "--scenario",
        "graded-en",
        "--name",
        "Ann",
        "--script",
        _script(tmp_path, LUCKY, name="e.txt"),
        "--format",
        "json",
    )
    easy = json.loads(out)
    assert easy["difficulty"] == "easy" and easy["outcome"] != "lost"
    with Store.open(cli.url) as s:
        assert [a["difficulty"] for a in s.attempts(trainee="Ann")] == ["hard", "easy"]
    code, out, err = cli(
        "play",
        "--scenario",
        "mini-en",
        "--difficulty",
        "hard",
        "--script",
        _script(tmp_path, LUCKY, name="m.txt"),
    )
    assert code == 2 and "no 'hard' level" in err and "offers easy" in err


def test_the_mood_reacts_more_strongly_on_a_harder_level(library: Any) -> None:
    sc = library.scenario("hotel-ac-en")
    fix = "I'm so sorry. I'll move you to a cool room right now, and tonight is refunded."
    moves = {}
    for level in ("easy", "medium", "hard"):
        s = Session(sc, library.packs_for(sc), difficulty=level)
        start = s.mood
        s.reply(fix)
        moves[level] = s.turns[0].mood_after - start
    assert 0 < moves["easy"] < moves["medium"] < moves["hard"]


def test_every_built_in_scenario_offers_two_levels_at_least(library: Any) -> None:
    for sc in library.scenarios.values():
        assert len(sc.difficulties) >= 2, sc.id


@pytest.mark.parametrize(
    ("scenario", "reply"),
    [
        ("hotel-ac-en", "Calm down, sir."),
        ("hotel-ac-en", "You should have called the desk earlier, that's your own fault."),
        ("hotel-ac-fr", "Calmez-vous, monsieur."),
        ("hotel-ac-fr", "C'est de votre faute, vous auriez dû appeler plus tôt."),
    ],
)
def test_dismissal_and_blame_are_critical_in_the_built_in_packs(
    library: Any, scenario: str, reply: str
) -> None:
    sc = library.scenario(scenario)
    s = Session(sc, library.packs_for(sc), mode="assessment")
    s.reply(reply)
    d = s.debrief()
    assert d.critical and d.critical[0].turn == 1 and d.failed_critical
