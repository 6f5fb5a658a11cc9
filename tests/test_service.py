"""Sessions as the product plays them: started, resumed, finished, read back.

Through the command line and the app's context (no terminal needed): what is offered for
resume, what a conversation killed at its end leaves behind, and what ``--transcript``
accepts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.service.sessions import read_transcript

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
MINI = ["--scenarios", str(DATA / "scenarios")]
LUCKY = "You're lucky we serve soup at this hour."
FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def script(tmp_path: Path, *replies: str) -> str:
    path = tmp_path / "script.txt"
    path.write_text("\n\n".join(replies) + "\n", encoding="utf-8")
    return str(path)


def context(**overrides: object):  # type: ignore[no-untyped-def]
    from simulator.tui.context import AppConfig, Context

    base: dict[str, object] = {
        "extra_dirs": [DATA / "scenarios"],
        "builtin": True,
        "user_scenarios": False,
        "name": "Ann",
        "save_profile": False,
    }
    base.update(overrides)
    return Context(AppConfig(**base))  # type: ignore[arg-type]


def attempts(name: str) -> list[dict[str, object]]:
    from simulator.store.store import Store

    with Store.open(None) as store:
        return store.attempts(trainee=name)


# ---------------------------------------------------------------- what is offered for resume


def test_a_dry_run_is_not_offered_for_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *MINI, "play", "--scenario", "mini-en", "--name", "Ann",
                       "--no-record", "--script", script(tmp_path, LUCKY))
    assert code == 0, err
    assert attempts("Ann") == []
    assert context().resumable() == [], "a trainer's dry run came back as the trainee's"


def test_a_dry_run_in_the_app_is_not_offered_for_resume() -> None:
    ctx = context(record=False)
    play = ctx.start("mini-en", "practice", None)
    play.session.reply(LUCKY)
    play.abandon()  # the trainee quits mid-conversation
    assert attempts("Ann") == []
    assert context().resumable() == []


def test_a_recorded_script_that_ran_out_is_still_offered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *MINI, "play", "--scenario", "mini-en", "--name", "Ann",
                       "--script", script(tmp_path, LUCKY))
    assert code == 0, err
    [item] = context().resumable()
    assert item.scenario == "mini-en" and item.replies == 1


def test_play_of_one_scenario_offers_only_that_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *MINI, "play", "--scenario", "mini-en", "--name", "Ann",
                       "--script", script(tmp_path, LUCKY))
    assert code == 0, err
    assert context(scenario="hotel-ac-en").resumable() == []
    assert [r.scenario for r in context(scenario="mini-en").resumable()] == ["mini-en"]


def test_a_conversation_whose_ending_reply_was_taken_back_is_offered_again() -> None:
    """Practice: the reply that lost the customer is retried, then the trainee quits.
    The store re-opened the attempt; the transcript must not say it ended either."""
    ctx = context()
    play = ctx.start("mini-en", "practice", None)
    play.session.reply(LUCKY)
    play.session.reply(LUCKY)
    assert play.session.ended
    play.session.retry()
    play.abandon()
    [attempt] = attempts("Ann")
    assert attempt["outcome"] == "unfinished"
    [item] = context().resumable()
    assert item.replies == 1
    again = context().resume(item)
    assert not again.session.ended and len(again.session.turns) == 1
    again.abandon()


# ---------------------------------------------------------------- killed at the end

KILL_AT_END = """
import os, signal, sys
from simulator.engine import transcript
original = transcript.TranscriptWriter.write
def write(self, event, *, sync=False):
    if event.get("type") == "end":
        os.kill(os.getpid(), signal.SIGKILL)
    return original(self, event, sync=sync)
transcript.TranscriptWriter.write = write
from simulator.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="needs SIGKILL")
def test_a_conversation_killed_after_its_last_reply_is_finished_once_on_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.engine import transcript as tr

    proc = subprocess.run(
        [sys.executable, "-c", KILL_AT_END, *MINI, "play", "--scenario", "mini-en",
         "--name", "Ann", "--script", script(tmp_path, FIX, DONE)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert proc.returncode == -9, proc.stderr  # killed between the last reply and its end
    [left] = attempts("Ann")
    assert left["outcome"] is None and left["score"] is None and left["turn_count"] == 2

    ctx = context()
    [item] = ctx.resumable()
    play = ctx.resume(item)
    assert play.session.ended and play.session.outcome == "kept"
    play.abandon()  # the trainee reads the debrief and leaves

    [done] = attempts("Ann")
    assert done["id"] == left["id"] and done["outcome"] == "kept"
    assert done["score"] == play.session.debrief().score
    log = tr.read(item.path)
    ends = [e for e in log.events if e["type"] == "end"]
    assert len(ends) == 1 and ends[0]["outcome"] == "kept"
    assert ends[0]["score"] == done["score"]
    assert context().resumable() == [], "an ended conversation is offered again"
    code, out, _ = run(capsys, "progress", "--name", "Ann", "--format", "json")
    assert code == 0 and json.loads(out)["attempts"][0]["outcome"] == "kept"


# ---------------------------------------------------------------- odd --transcript paths


def _play_to(capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str,
             scenario: str = "mini-en") -> tuple[int, str, str]:
    return run(capsys, *MINI, "play", "--scenario", scenario, "--no-record",
               "--script", script(tmp_path, LUCKY), "--transcript", target)


def test_a_folder_as_transcript_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "here"
    folder.mkdir()
    code, _, err = _play_to(capsys, tmp_path, str(folder))
    assert code == 2 and str(folder) in err and "folder" in err
    assert "Traceback" not in err and list(folder.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_device_as_transcript_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _play_to(capsys, tmp_path, "/dev/full")
    assert code == 2 and "/dev/full" in err and "Traceback" not in err


def test_a_transcript_in_a_path_that_cannot_be_written_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "t.jsonl"  # a folder that is a file
    code, _, err = _play_to(capsys, tmp_path, str(target))
    assert code == 2 and str(target) in err


def test_a_file_that_is_not_a_transcript_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    code, _, err = _play_to(capsys, tmp_path, str(notes))
    assert code == 2 and str(notes) in err and "not a transcript" in err
    assert notes.read_text(encoding="utf-8") == "my notes\n"


def test_a_transcript_is_not_reused_for_a_second_conversation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "t.jsonl"
    code, _, err = _play_to(capsys, tmp_path, str(target))
    assert code == 0, err
    before = target.read_bytes()
    code, _, err = _play_to(capsys, tmp_path, str(target), scenario="hotel-ac-en")
    assert code == 2 and str(target) in err
    assert target.read_bytes() == before


def test_replay_of_a_transcript_holding_two_conversations_reads_the_first_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files written before the check above: the second header is not silently mixed in."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert _play_to(capsys, tmp_path, str(first))[0] == 0
    assert _play_to(capsys, tmp_path, str(second), scenario="hotel-ac-en")[0] == 0
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(first.read_bytes() + second.read_bytes())
    code, out, _err = run(capsys, *MINI, "replay", str(mixed), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["scenario"] == "mini-en"
    assert len(report["turns"]) == 1
    assert any("second conversation" in w for w in report["warnings"])


# ---------------------------------------------------------------- the one transcript reader

_ACTIONS = st.lists(st.sampled_from(["lucky", "fix", "done", "retry", "hint"]), max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=_ACTIONS)
def test_the_reader_sees_the_replies_that_stood_and_resume_restores_them(
    mini, tmp_path_factory: pytest.TempPathFactory, actions: list[str]
) -> None:
    """Whatever a trainee does (replies, retries, hints, in any order), the transcript
    read back holds exactly the replies that stood, and resuming it restores them."""
    from simulator.engine.session import EngineError, Session, resume

    sc, packs = mini
    path = tmp_path_factory.mktemp("t") / "t.jsonl"
    session = Session(sc, packs, transcript=path)
    text = {"lucky": LUCKY, "fix": FIX, "done": DONE}
    for action in actions:
        try:
            if action == "retry":
                session.retry()
            elif action == "hint":
                session.hint()
            else:
                session.reply(text[action])
        except EngineError:
            pass  # nothing to take back, or the conversation has ended
    session.close()
    log = read_transcript(path)
    assert [r["text"] for r, _ in log.accepted()] == [t.reply for t in session.turns]
    assert log.ended == session.ended
    if not session.ended:
        again = resume(path, sc, packs)
        again.close()
        assert [t.reply for t in again.turns] == [t.reply for t in session.turns]
        assert again.node == session.node


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(min_size=1, max_size=400))
def test_an_existing_file_is_never_written_over_by_a_new_transcript(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    from simulator.service import ServiceError
    from simulator.service.sessions import check_transcript_target

    target = tmp_path_factory.mktemp("x") / "t.jsonl"
    target.write_bytes(content)
    with pytest.raises(ServiceError) as exc:
        check_transcript_target(target)
    assert str(target) in str(exc.value)
    assert target.read_bytes() == content
    log = read_transcript(target)  # and reading it never raises, whatever it holds
    assert sum(1 for e in log.events if e.get("type") == "session") <= 1
