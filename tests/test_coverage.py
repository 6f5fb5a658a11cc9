"""``simulator test --coverage``: rules no example exercises, unreached story, dead ends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main

DATA = Path(__file__).parent / "data"
MINI = DATA / "scenarios" / "mini.yaml"
COV = DATA / "coverage"
GOOD = "I'm so sorry, I'll bring you a fresh soup right now."
GOOD2 = "It will be with you in five minutes, and the soup is on us."


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def cover(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, *args, "--format", "json")
    return code, json.loads(out)


def ids(data: dict, kind: str, scenario: str) -> set[str]:
    return {u["id"] for u in data["unreached"] if u["kind"] == kind and u["scenario"] == scenario}


def test_mini_coverage_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = cover(capsys, "--scenarios", str(MINI.parent), "test", "--coverage", str(MINI))
    assert code == 0  # a report, not a failure, without --strict
    assert data["passed"] == 3 and data["failed"] == 0
    # soup-remedy has no examples of its own and no scenario example names it
    assert [(g["rule"], g["missing"]) for g in data["uncovered_rules"]] == [
        ("soup-remedy", ["fires", "passes"])
    ]
    assert data["uncovered_rules"][0]["file"].endswith("mini.yaml:22:7")
    # the examples go cold -> waiting, cold -> angry, angry -> gone: nothing reaches
    # 'happy' or 'manager'
    assert ids(data, "ending", "mini-en") == {"happy", "manager"}
    assert ids(data, "node", "mini-en") == set()
    assert "cold[1] -> waiting" not in ids(data, "transition", "mini-en")
    assert "waiting[0] -> happy" in ids(data, "transition", "mini-en")
    assert data["dead_ends"] == []
    (play,) = data["playthroughs"]["scenarios"]
    assert play["scenario"] == "mini-en" and play["walks"] == 20
    assert sum(play["endings"].values()) == 20


def test_a_scripted_path_reaches_what_the_examples_do_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mini-en.json").write_text(json.dumps({"happy": [GOOD, GOOD2]}))
    code, data = cover(
        capsys,
        "--scenarios",
        str(MINI.parent),
        "test",
        "--coverage",
        str(MINI),
        "--scripts",
        str(tmp_path),
    )
    assert code == 0 and data["scripts"] == {"mini-en": 1}
    assert ids(data, "ending", "mini-en") == {"manager"}
    assert "waiting[0] -> happy" not in ids(data, "transition", "mini-en")


def test_strict_fails_on_gaps_and_passes_when_covered(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--scenarios", str(COV), "test", "--coverage", "--strict"]
    code, data = cover(capsys, *args, str(COV / "covered.yaml"))
    assert code == 0, data
    assert data["uncovered_rules"] == [] and data["unreached"] == [] and data["dead_ends"] == []
    code, _ = cover(capsys, *args, str(COV / "gaps.yaml"))
    assert code == 1


def test_an_ending_no_example_reaches_and_a_dead_end(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = cover(
        capsys, "--scenarios", str(COV), "test", "--coverage", str(COV / "gaps.yaml")
    )
    assert code == 0 and data["failed"] == 0
    assert ids(data, "ending", "coverage-gaps-en") == {"stormed-off"}
    assert ids(data, "node", "coverage-gaps-en") == {"sulking"}
    assert [g["rule"] for g in data["uncovered_rules"]] == ["magic-word"]
    # nothing in the pool says the magic word, so 'sulking' never lets go
    (dead,) = data["dead_ends"]
    assert dead["node"] == "sulking" and "only back to itself" in dead["message"]
    assert dead["file"].endswith("gaps.yaml:36:9")


def test_coverage_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--scenarios", str(COV), "test", "-q", "--coverage", str(COV / "gaps.yaml")
    )
    assert code == 0
    assert "coverage-gaps-en::magic-word (acknowledge): no example fires it or passes it" in out
    assert "coverage-gaps-en: ending stormed-off" in out
    assert "dead end at node 'sulking'" in out
    assert out.rstrip().endswith(
        "Coverage: 1 rule(s) not exercised, 6 part(s) of scenarios not reached, 1 dead end(s)"
    )


def test_playthroughs_are_reproducible_and_follow_the_seed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--scenarios", str(MINI.parent), "test", "--coverage", str(MINI), "--walks", "6"]
    _, first = cover(capsys, *args)
    _, again = cover(capsys, *args)
    assert first["playthroughs"] == again["playthroughs"]
    seeds = [cover(capsys, *args, "--seed", str(s))[1]["playthroughs"] for s in range(1, 4)]
    assert any(p["scenarios"] != first["playthroughs"]["scenarios"] for p in seeds)


def test_a_rule_named_by_a_scenario_example_is_exercised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINI.read_text()
    text = text.replace(
        "    fires: [concrete_fix, acknowledge]\n", "    fires: [soup-remedy, acknowledge]\n", 1
    )
    text += '  - reply: "Soup of the day is leek."\n    not_fires: [concrete_fix]\n'
    f = tmp_path / "mini.yaml"
    f.write_text(text)
    code, data = cover(capsys, "--scenarios", str(tmp_path), "test", "--coverage", str(f))
    assert code == 0 and data["failed"] == 0, data["failures"]
    assert data["uncovered_rules"] == []


@pytest.mark.slow
def test_the_library_is_fully_exercised_by_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = cover(capsys, "test", "--coverage", "--walks", "3")
    assert code == 0 and data["failed"] == 0
    assert data["uncovered_rules"] == []
    assert data["dead_ends"] == []
    assert len(data["playthroughs"]["scenarios"]) == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"happy": [', "mini-en.json:1:"),
        ('{"happy": "not a list"}', "expected an object of lists of replies"),
        ("[1, 2]", "expected an object of lists of replies"),
    ],
)
def test_bad_scripts_are_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (tmp_path / "mini-en.json").write_text(content)
    code, _out, err = run(
        capsys,
        "--scenarios",
        str(MINI.parent),
        "test",
        "--coverage",
        str(MINI),
        "--scripts",
        str(tmp_path),
    )
    assert code == 2 and message in err


def test_scripts_folder_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "test", "--coverage", "--scripts", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strict"], "--strict go(es) with --coverage"),
        (["--scripts", "."], "--scripts go(es) with --coverage"),
        (["--coverage", "--walks", "-1"], "--walks must be between 0 and 1000"),
        (["--coverage", "--walks", "5000"], "--walks must be between 0 and 1000"),
    ],
)
def test_coverage_options_misused(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _out, err = run(capsys, "test", *args)
    assert code == 2 and message in err


def test_a_scenario_rule_is_exercised_only_by_its_own_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # two scenarios each with a rule of the same id; only the first names it in an example
    text = MINI.read_text()
    named = text.replace(
        "    fires: [concrete_fix, acknowledge]\n", "    fires: [soup-remedy, acknowledge]\n", 1
    ).replace(
        "    fires: [last_word]\n", "    fires: [last_word]\n    not_fires: [soup-remedy]\n", 1
    )
    (tmp_path / "a.yaml").write_text(named.replace("id: mini-en", "id: mini-a", 1))
    (tmp_path / "b.yaml").write_text(text.replace("id: mini-en", "id: mini-b", 1))
    code, data = cover(capsys, "--scenarios", str(tmp_path), "test", "--coverage", str(tmp_path))
    assert code == 0 and data["failed"] == 0, data["failures"]
    assert [(g["owner"], g["rule"]) for g in data["uncovered_rules"]] == [("mini-b", "soup-remedy")]
