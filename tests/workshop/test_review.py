"""`simulator review`: list recorded replies with their verdicts, override a verdict with
a note (kept beside it, never over it), see it in exports, the leaderboard, progress,
and export the reviewed replies as labelled data that `simulator eval` reads. Every test
drives the real commands, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from simulator.store import Store

LUCKY = "You're lucky we serve soup at this hour."
FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."


@pytest.fixture
def played(cli: Any, tmp_path: Path) -> str:
    """A workshop where Ann played mini-en in three replies (the first a jab)."""
    code, out, err = cli("workshop", "create", "Team A", "--scenarios", "mini-en", "-q")
    assert code == 0, err
    join = out.strip()
    script = tmp_path / "ann.txt"
    script.write_text(f"{LUCKY}\n\n{FIX}\n\n{DONE}\n", encoding="utf-8")
    code, _, err = cli("play", "--workshop", join, "--name", "Ann", "--script", str(script))
    assert code == 0, err
    return join


def listed(cli: Any, target: str) -> list[dict[str, Any]]:
    code, out, err = cli("review", target, "--list", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def by_reply(items: list[dict[str, Any]], reply: str) -> dict[str, Any]:
    return next(it for it in items if it["reply"] == reply)


def test_list_gives_every_reply_with_its_verdict(cli: Any, played: str) -> None:
    items = listed(cli, played)
    assert [it["reply"] for it in items] == [LUCKY, FIX, DONE]
    lucky = items[0]
    assert lucky["trainee"] == "Ann" and lucky["scenario"] == "mini-en"
    assert (lucky["last_word"], lucky["concrete_fix"], lucky["acknowledges"]) == (
        True,
        False,
        False,
    )
    assert lucky["labels"] == {"last_word": True, "concrete_fix": False, "acknowledges": False}
    assert "favour-framing" in lucky["rules"] and lucky["override"] is None
    assert {"rule": "favour-framing", "text": "You're lucky"}.items() <= lucky["highlights"][
        0
    ].items()
    assert items[1]["concrete_fix"] is True
    code, out, _ = cli("review", played, "--list")
    assert code == 0 and "3 replies in" in out and "0 reviewed" in out and LUCKY in out


def test_set_records_an_override_beside_the_verdict(cli: Any, played: str) -> None:
    items = listed(cli, played)
    turn = by_reply(items, LUCKY)["turn"]
    with Store.open(cli.url) as s:
        verdicts_before = [t["verdict"] for t in s.turns(items[0]["attempt"])]
        board_before = s.leaderboard(played)
    code, out, err = cli(
        "review",
        played,
        "--set",
        str(turn),
        "last_word=false",
        "--note",
        "Said with a smile; fine here.",
        "--format",
        "json",
    )
    assert code == 0, err
    it = json.loads(out)
    assert it["turn"] == turn and it["last_word"] is True  # the verdict, as recorded
    assert it["labels"]["last_word"] is False  # the trainer's label
    assert it["note"] == "Said with a smile; fine here."
    # a second review of the same reply adds to it: the note stays, a label is added
    code, out, err = cli("review", played, "--set", str(turn), "acknowledges=true")
    assert code == 0, err
    assert "set right last word: no, acknowledges: yes" in out
    again = by_reply(listed(cli, played), LUCKY)
    assert again["override"]["labels"] == {"last_word": False, "acknowledges": True}
    assert again["note"] == "Said with a smile; fine here."
    with Store.open(cli.url) as s:
        assert [t["verdict"] for t in s.turns(items[0]["attempt"])] == verdicts_before
        assert s.leaderboard(played) == board_before  # scores as recorded
        assert len(s.override_history(turn)) == 2  # each review is its own row


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "999", "last_word=false"], "no reply 999 in workshop"),
        (["--set", "abc", "last_word=false"], "'abc' is not a reply id"),
        (["--set", "{turn}", "lastword=false"], "unknown label 'lastword'"),
        (
            ["--set", "{turn}", "last_word=perhaps"],
            "last_word=perhaps: the value must be true or false",
        ),
        (["--set", "{turn}", "last_word"], "'last_word' is not LABEL=VALUE"),
        (["--set", "{turn}", "--misfired", "apology"], "rule 'apology' did not fire on reply"),
        (["--set", "{turn}"], "nothing to record"),
        (["--note", "hello"], "--misfired and --note go with --set TURN"),
        (["--list", "--export-labelled", "x.jsonl"], "give one of --list, --set"),
    ],
)
def test_a_bad_review_is_refused_with_exit_2_and_nothing_written(
    cli: Any, played: str, argv: list[str], message: str
) -> None:
    turn = str(listed(cli, played)[0]["turn"])
    code, out, err = cli("review", played, *[a.replace("{turn}", turn) for a in argv])
    assert code == 2 and message in err and out == ""
    with Store.open(cli.url) as s:
        assert s.overrides(workshop=played) == {}


def test_an_unknown_target_is_refused(cli: Any, played: str, tmp_path: Path) -> None:
    code, _, err = cli("review", "ZZZZZZ", "--list")
    assert code == 2 and "no workshop with code ZZZZZZ" in err
    code, _, err = cli("review", str(tmp_path / "nothing.jsonl"), "--list")
    assert code == 2 and "no such transcript, and not a workshop code" in err


def test_review_a_transcript_of_a_session_played_alone(cli: Any, tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text(f"{LUCKY}\n\n{FIX}\n", encoding="utf-8")
    transcript = tmp_path / "t.jsonl"
    code, _, err = cli(
        "play",
        "--scenario",
        "mini-en",
        "--name",
        "Bo",
        "--script",
        str(script),
        "--transcript",
        str(transcript),
    )
    assert code == 0, err
    items = listed(cli, str(transcript))
    assert [it["reply"] for it in items] == [LUCKY, FIX] and items[0]["workshop"] is None
    code, _, err = cli(
        "review",
        str(transcript),
        "--set",
        str(items[1]["turn"]),
        "--misfired",
        items[1]["rules"][0],
        "--note",
        "Good.",
    )
    assert code == 0, err
    code, out, err = cli("progress", "--name", "Bo")
    assert code == 0, err
    assert "Your trainer's notes:" in out and "your trainer's note: Good." in out
    code, out, _ = cli("progress", "--name", "Bo", "--format", "json")
    (attempt,) = json.loads(out)["attempts"]
    assert attempt["trainer_notes"][0]["note"] == "Good."
    # a conversation played without recording has nothing to review
    dry = tmp_path / "dry.jsonl"
    code, _, err = cli(
        "play",
        "--scenario",
        "mini-en",
        "--no-record",
        "--script",
        str(script),
        "--transcript",
        str(dry),
    )
    assert code == 0, err
    code, _, err = cli("review", str(dry), "--list")
    assert code == 2 and "not in the results store" in err


def test_exports_and_the_leaderboard_show_the_review(cli: Any, played: str) -> None:
    items = listed(cli, played)
    lucky, done = by_reply(items, LUCKY), by_reply(items, DONE)
    for turn, extra in (
        (lucky["turn"], ["last_word=false", "--note", "Fine <b>here</b>."]),
        (done["turn"], ["--misfired", done["rules"][0], "--note", "=1+2"]),
    ):
        code, _, err = cli("review", played, "--set", str(turn), *extra)
        assert code == 0, err
    code, out, _ = cli("leaderboard", played)
    assert code == 0 and "Scores as recorded; 2 replies reviewed" in out
    code, out, _ = cli("export", played, "--format", "json")
    data = json.loads(out)
    assert data["scoring"] == {"scores": "as recorded", "reviewed": 2}
    turns = data["attempts"][0]["turns"]
    assert turns[0]["review"]["labels"] == {"last_word": False}
    assert turns[0]["score"] == lucky["score"]  # the recorded score, unchanged
    assert "review" not in turns[1]
    code, out, _ = cli("export", played, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["trainer_labels"] == "last_word=false"
    assert rows[0]["trainer_note"] == "Fine <b>here</b>."
    assert rows[2]["trainer_misfired"] == done["rules"][0]
    assert rows[2]["trainer_note"] == "'=1+2"  # a formula is neutralised
    code, out, _ = cli("export", played, "--format", "md")
    assert "## Trainer's reviews" in out and "Scores as recorded; 2 replies reviewed" in out
    assert "last word: no (set right)" in out and "Fine &lt;b&gt;here&lt;/b&gt;." in out
    code, out, _ = cli("export", played, "--format", "html")
    assert "Trainer&#x27;s reviews" in out or "Trainer's reviews" in out
    assert "Fine &lt;b&gt;here&lt;/b&gt;." in out and "<b>here</b>" not in out


def test_export_labelled_round_trip_through_eval(cli: Any, played: str, tmp_path: Path) -> None:
    """Two verdicts overridden, exported as labelled replies, measured by eval: the packs
    disagree with the trainer exactly where the trainer corrected them."""
    items = listed(cli, played)
    lucky, done = by_reply(items, LUCKY), by_reply(items, DONE)
    fix_rules = [f["rule"] for f in done["fired"] if f["category"] == "concrete_fix"]
    code, _, err = cli(
        "review",
        played,
        "--set",
        str(lucky["turn"]),
        "last_word=false",
        "--note",
        "Playful, the guest laughed.",
    )
    assert code == 0, err
    code, _, err = cli(
        "review",
        played,
        "--set",
        str(done["turn"]),
        *[x for r in fix_rules for x in ("--misfired", r)],
        "--note",
        "No fix yet.",
    )
    assert code == 0, err
    out_file = tmp_path / "reviewed.jsonl"
    code, out, err = cli("review", played, "--export-labelled", str(out_file))
    assert code == 0, err and "2 reviewed replies" in out
    rows = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    assert [r["reply"] for r in rows] == [LUCKY, DONE]
    assert rows[0] == {
        "id": f"review-{lucky['turn']}",
        "reply": LUCKY,
        "lang": "en",
        "last_word": False,
        "concrete_fix": False,
        "acknowledges": False,
        "scenario_id": "mini-en",
        "note": "Playful, the guest laughed.",
        "misfired": [],
        "source": "review",
    }
    assert rows[1]["concrete_fix"] is False  # every fix rule marked misfired
    code, out, err = cli("eval", str(out_file), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["replies"] == 2
    assert result["labels"]["last_word"]["fp"] == 1
    assert result["labels"]["concrete_fix"]["fp"] == 1
    assert {e["reply"] for e in result["errors"]} == {LUCKY, DONE}


def test_export_labelled_refuses_an_unsafe_target(cli: Any, played: str, tmp_path: Path) -> None:
    code, _, err = cli("review", played, "--export-labelled", str(tmp_path))
    assert code == 2 and "is a folder" in err and "nothing was written" in err


def test_the_review_screen_needs_a_terminal(cli: Any, played: str) -> None:
    code, _, err = cli("review", played)
    assert code == 2 and "needs a terminal" in err and "--list" in err
