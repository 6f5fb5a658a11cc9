"""The workshop commands: create, close, list, play --workshop --script, leaderboard,
export, progress, and the pieces of serve that need no browser."""

from __future__ import annotations

import argparse
import csv
import io
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import run_cli, scenario_args

from simulator.store import Store

FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."
LUCKY = "You're lucky we serve soup at this hour."
CALM = "Calm down, it's only soup."


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Any:
    def run(*argv: str, db: bool = True) -> tuple[int, str, str]:
        pre = [*scenario_args(), *(["--db", sqlite_url] if db else [])]
        return run_cli([*pre, *argv], capsys)

    run.url = sqlite_url  # type: ignore[attr-defined]
    return run


def create(cli: Any, *extra: str, scenarios: str = "mini-en") -> str:
    code, out, err = cli("workshop", "create", "Team A", "--scenarios", scenarios, "-q", *extra)
    assert code == 0, err
    return out.strip()


def script(tmp_path: Path, *replies: str, name: str = "s.txt") -> str:
    path = tmp_path / name
    path.write_text("\n\n".join(replies) + "\n", encoding="utf-8")
    return str(path)


def test_create_prints_a_join_code_and_instructions(cli: Any) -> None:
    code, out, err = cli("workshop", "create", "Team A", "--scenarios", "mini-en,long-en",
                         "--mode", "practice", "--time-limit", "90")
    assert code == 0, err
    assert "Join code: " in out
    join = out.split("Join code: ")[1].split()[0]
    assert f"simulator play --workshop {join} --name" in out
    with Store.open(cli.url) as s:
        ws = s.workshop(join)
    assert ws.scenarios == ["mini-en", "long-en"] and ws.mode == "practice" and ws.time_limit == 90
    code, out, _ = cli("workshop", "create", "B", "--scenarios", "mini-en", "--format", "json")
    assert code == 0 and json.loads(out)["mode"] == "assessment"


def test_create_with_an_unknown_scenario_suggests_close_matches(cli: Any) -> None:
    code, out, err = cli("workshop", "create", "T", "--scenarios", "mini-en,mini-em,nothing-like")
    assert code == 2 and out == ""
    assert "unknown scenario 'mini-em'; did you mean mini-en" in err
    assert "unknown scenario 'nothing-like'" in err
    with Store.open(cli.url) as s:
        assert s.workshops() == []


def test_create_refuses_a_bad_time_limit(cli: Any) -> None:
    code, _, err = cli("workshop", "create", "T", "--scenarios", "mini-en", "--time-limit", "-3")
    assert code == 2 and "positive" in err


def test_play_headless_records_every_turn_and_close_refuses_more(cli: Any, tmp_path: Path) -> None:
    join = create(cli)
    code, out, err = cli("play", "--workshop", join.lower(), "--name", "Ann",
                         "--script", script(tmp_path, FIX, DONE, "unused"))
    assert code == 0, err
    assert f"Recorded in workshop {join} as Ann" in out and "1 replies of the script" in out
    with Store.open(cli.url) as s:
        (a,) = s.attempts(workshop=join)
        assert a["trainee"] == "Ann" and a["outcome"] == "kept" and a["turn_count"] == 2
        assert [t["reply"] for t in s.turns(a["id"])] == [FIX, DONE]
        assert a["mode"] == "assessment"
    code, out, err = cli("workshop", "close", join)
    assert code == 0 and "closed" in out
    code, out, err = cli("play", "--workshop", join, "--name", "Bob",
                         "--script", script(tmp_path, FIX))
    assert code == 2 and f"workshop {join} is closed: it accepts no new attempts" in err
    code, out, _ = cli("workshop", "close", join)
    assert code == 0 and "already closed" in out


def test_play_consumes_replies_across_the_workshop_scenarios(cli: Any, tmp_path: Path) -> None:
    join = create(cli, scenarios="mini-en,long-en")
    replies = [FIX, DONE, "OK then, I'll serve you now.", "OK."]
    code, out, err = cli("play", "--workshop", join, "--name", "Ann", "--format", "json",
                         "--script", script(tmp_path, *replies))
    assert code == 0, err
    res = json.loads(out)
    first, second = res["attempts"]
    assert (first["scenario"], first["replies_used"], first["outcome"]) == ("mini-en", 2, "kept")
    assert (second["scenario"], second["replies_used"]) == ("long-en", 2)
    assert second["outcome"] == "unfinished"  # the script ran out before its end
    with Store.open(cli.url) as s:
        rows = s.turns(second["attempt_id"])
        assert [r["reply"] for r in rows] == replies[2:]
        assert s.attempt(second["attempt_id"])["outcome"] == "unfinished"


def test_play_sections_give_each_scenario_its_replies(cli: Any, tmp_path: Path) -> None:
    join = create(cli, scenarios="mini-en,long-en")
    replies = [LUCKY, CALM, "extra, dropped", "---", "OK.", "OK again."]
    code, out, err = cli("play", "--workshop", join, "--name", "Ann", "--format", "json",
                         "--script", script(tmp_path, *replies))
    assert code == 0, err
    res = json.loads(out)
    first, second = res["attempts"]
    assert first["outcome"] == "lost" and first["replies_used"] == 2
    assert second["replies_used"] == 2 and res["unused_replies"] == 1
    code, _, err = cli("play", "--workshop", join, "--name", "Ann",
                       "--script", script(tmp_path, "a", "---", "b", "---", "c", name="3.txt"))
    assert code == 2 and "3 sections" in err


def test_play_needs_a_name_and_a_known_workshop(cli: Any, tmp_path: Path) -> None:
    join = create(cli)
    code, _, err = cli("play", "--workshop", join, "--script", script(tmp_path, FIX))
    assert code == 2 and "--name" in err
    code, _, err = cli("play", "--workshop", "ZZZZZZ", "--name", "A",
                       "--script", script(tmp_path, FIX))
    assert code == 2 and "no workshop with code ZZZZZZ" in err
    code, _, err = cli("play", "--workshop", "$(reboot)", "--name", "A",
                       "--script", script(tmp_path, FIX))
    assert code == 2 and "not a workshop code" in err


def test_play_uses_the_profile_name(cli: Any, tmp_path: Path) -> None:
    from simulator import profile

    profile.update(name="Pat Profile")
    join = create(cli)
    code, out, _ = cli("play", "--workshop", join, "--script", script(tmp_path, FIX, DONE))
    assert code == 0 and "as Pat Profile" in out


def _played(cli: Any, tmp_path: Path) -> str:
    join = create(cli, scenarios="mini-en,long-en")
    for name, replies in [("Ann", [FIX, DONE]), ("=cmd|' /C calc'!A0", [LUCKY, CALM]),
                          ("<b>Bob</b>", [FIX, FIX, DONE])]:
        code, _, err = cli("play", "--workshop", join, "--name", name,
                           "--script", script(tmp_path, *replies))
        assert code == 0, err
    return join


def test_leaderboard_formats(cli: Any, tmp_path: Path) -> None:
    join = _played(cli, tmp_path)
    code, out, _ = cli("leaderboard", join, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert isinstance(rows, list) and all({"name", "total", "attempts"} <= set(r) for r in rows)
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert [r["total"] for r in rows] == sorted((r["total"] for r in rows), reverse=True)
    assert rows[-1]["name"] == "=cmd|' /C calc'!A0"  # JSON keeps names as they are
    code, out, _ = cli("leaderboard", join, "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:4] == ["rank", "name", "total", "mini-en"]
    names = [r[1] for r in table[1:]]
    assert "'=cmd|' /C calc'!A0" in names  # neutralised
    code, out, _ = cli("leaderboard", join)
    assert code == 0 and "Ann" in out and "Total: the sum" in out
    code, _, err = cli("leaderboard", "NOPE")
    assert code == 2 and "not a workshop code" in err


def test_leaderboard_live_needs_a_terminal(cli: Any, tmp_path: Path) -> None:
    join = create(cli)
    code, _, err = cli("leaderboard", join, "--live")
    assert code == 2 and "terminal" in err


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "html"])
def test_export_formats(cli: Any, tmp_path: Path, fmt: str) -> None:
    join = _played(cli, tmp_path)
    out_file = tmp_path / "out" / f"report.{fmt}"
    code, _, err = cli("export", join, "--format", fmt, "-o", str(out_file))
    assert code == 0, err
    assert f"Wrote {out_file}" in err
    text = out_file.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
        assert data["workshop"]["code"] == join and len(data["attempts"]) == 4  # Bob: 2 scenarios
        assert data["summary"]["trainees"] == 3
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 7  # one per reply
        assert {r["trainee"] for r in rows} == {"Ann", "'=cmd|' /C calc'!A0", "<b>Bob</b>"}
    elif fmt == "html":
        assert "<b>Bob</b>" not in text and "&lt;b&gt;Bob&lt;/b&gt;" in text
        assert "The cold soup" in text  # titles from the library
    else:
        assert "<b>Bob</b>" not in text
    code, out, _ = cli("export", join, "--format", fmt)
    assert code == 0 and out.replace("\r\n", "\n").split("\n")[0] == text.replace(
        "\r\n", "\n").split("\n")[0]


def test_progress_text_and_json(cli: Any, tmp_path: Path) -> None:
    _played(cli, tmp_path)
    code, out, _ = cli("progress", "--name", "ann", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["name"] == "ann" and len(data["attempts"]) == 1
    assert data["best"] == {"mini-en": data["attempts"][0]["score"]}
    code, out, _ = cli("progress", "--name", "Ann")
    assert code == 0 and "Personal bests" in out and "mini-en" in out
    code, out, _ = cli("progress", "--name", "Nobody")
    assert code == 0 and "No attempts recorded for Nobody" in out
    code, _, err = cli("progress")
    assert code == 2 and "--name" in err


def test_progress_defaults_to_the_profile_name(cli: Any, tmp_path: Path) -> None:
    from simulator import profile

    _played(cli, tmp_path)
    profile.update(name="Ann")
    code, out, _ = cli("progress", "--format", "json")
    assert code == 0 and json.loads(out)["name"] == "Ann"


def test_workshop_list(cli: Any, tmp_path: Path) -> None:
    code, out, _ = cli("workshop", "list")
    assert code == 0 and "No workshops yet" in out
    join = _played(cli, tmp_path)
    code, out, _ = cli("workshop", "list", "--format", "json")
    (w,) = json.loads(out)
    assert w["code"] == join and w["trainees"] == 3 and w["attempts"] == 4
    code, out, _ = cli("workshop", "list")
    assert join in out and "open" in out


def test_db_option_after_the_action(cli: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    code, out, _ = cli("workshop", "create", "T", "--scenarios", "mini-en", "-q", "--db", url,
                       db=False)
    assert code == 0
    with Store.open(url) as s:
        assert s.workshop(out.strip()).name == "T"


# ---------------------------------------------------------------------------- serve pieces


def test_serve_command_quotes_everything(tmp_path: Path) -> None:
    from simulator.cli.serve import serve_command

    weird = tmp_path / "my scenarios; rm -rf ~"
    weird.mkdir()
    args = argparse.Namespace(scenarios=[str(weird)], ui_lang="fr")
    cmd = serve_command(args, "K7QMPX")
    parts = shlex.split(cmd)
    assert parts[-3:] == ["play", "--workshop", "K7QMPX"]
    assert str(weird) in parts and "--ui-lang" in parts
    for bad in ("K7QMP;", "k7qmpx", "$(id)", "K7QMPX "):
        with pytest.raises(ValueError):
            serve_command(args, bad)


def test_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.cli import serve as w

    monkeypatch.setattr(w, "lan_address", lambda: "192.168.1.20")
    assert w.public_url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert w.public_url_for("0.0.0.0", 8080) == "http://192.168.1.20:8080"
    assert w.public_url_for("10.0.0.5", 80) == "http://10.0.0.5:80"
    assert w.public_url_for("::1", 9000) == "http://[::1]:9000"
    assert w.public_url_for("0.0.0.0", 1, "https://train.example.org/") == "https://train.example.org"


def test_serve_refuses_closed_or_unknown_workshops(cli: Any) -> None:
    join = create(cli)
    cli("workshop", "close", join)
    code, _, err = cli("serve", "--workshop", join, "--port", "0")
    assert code == 2
    code, _, err = cli("serve", "--workshop", join, "--port", "8123")
    assert code == 2 and "closed" in err
    code, _, err = cli("serve", "--workshop", "'; ls", "--port", "8123")
    assert code == 2 and "not a workshop code" in err
    code, _, err = cli("serve", "--workshop", join, "--public-url", "ftp://x")
    assert code == 2


# ------------------------------------------------------------------- play outside workshops
def _mine(url: str, name: str) -> list[dict[str, Any]]:
    with Store.open(url) as s:
        return s.attempts(trainee=name)


def test_headless_play_counts_in_the_profile_name_progress(cli: Any, tmp_path: Path) -> None:
    from simulator import profile

    profile.update(name="Pat Profile")
    code, out, err = cli("play", "--scenario", "mini-en", "--script", script(tmp_path, FIX, DONE))
    assert code == 0, err
    assert "Recorded in the progress of Pat Profile" in out and "not recorded" not in err
    [a] = _mine(cli.url, "Pat Profile")
    assert a["outcome"] == "kept" and a["workshop"] is None and a["turn_count"] == 2
    with Store.open(cli.url) as s:
        assert [t["reply"] for t in s.turns(a["id"])] == [FIX, DONE]
        assert s.best_scores("Pat Profile") == {"mini-en": a["score"]}
    code, out, _ = cli("progress", "--format", "json")
    assert code == 0 and [x["id"] for x in json.loads(out)["attempts"]] == [a["id"]]


def test_headless_play_records_under_name_and_an_unfinished_script(
    cli: Any, tmp_path: Path
) -> None:
    from simulator import profile

    profile.update(name="Pat Profile")
    code, out, err = cli("play", "--scenario", "mini-en", "--name", "Ann", "--format", "json",
                         "--script", script(tmp_path, LUCKY))
    assert code == 0, err
    data = json.loads(out)
    [a] = _mine(cli.url, "Ann")
    assert data["outcome"] == "unfinished" and data["attempt_id"] == a["id"]
    assert data["trainee"] == "Ann" and a["outcome"] == "unfinished" and a["turn_count"] == 1
    assert _mine(cli.url, "Pat Profile") == []


def test_no_record_leaves_the_progress_alone(cli: Any, tmp_path: Path) -> None:
    from simulator import profile

    profile.update(name="Pat Profile")
    code, out, err = cli("play", "--scenario", "mini-en", "--no-record", "--format", "json",
                         "--script", script(tmp_path, FIX, DONE))
    assert code == 0, err
    assert json.loads(out)["attempt_id"] is None and "not recorded" not in err
    assert _mine(cli.url, "Pat Profile") == []
    code, _, err = cli("play", "--workshop", "K7QMPX", "--no-record",
                       "--script", script(tmp_path, FIX))
    assert code == 2 and "--no-record" in err


def test_headless_play_without_a_name_says_it_is_not_recorded(cli: Any, tmp_path: Path) -> None:
    code, out, err = cli("play", "--scenario", "mini-en", "--script", script(tmp_path, FIX, DONE))
    assert code == 0 and "KEPT" in out
    assert "not recorded in your progress" in err and "--name" in err
    with Store.open(cli.url) as s:
        assert s.attempts() == []


def test_headless_play_records_in_the_data_folder_by_default(
    cli: Any, tmp_path: Path, _isolated_home: Path
) -> None:
    # Tests run with SIMULATOR_HOME in a temporary folder: never the user's own.
    code, _, err = cli("play", "--scenario", "mini-en", "--name", "Ann",
                       "--script", script(tmp_path, FIX, DONE), db=False)
    assert code == 0, err
    assert len(_mine(f"sqlite:///{_isolated_home / 'results.sqlite'}", "Ann")) == 1
    assert list((_isolated_home / "transcripts").glob("*-mini-en.jsonl"))
