"""The command line as a trainer or a script uses it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

DATA = Path(__file__).parent / "data"
MINI = ["--scenarios", str(DATA / "scenarios")]
GOOD = "I'm so sorry, I'll bring you a fresh soup right now."
GOOD2 = "It will be with you in five minutes, and the soup is on us."
BAD = "You're lucky we serve soup at this hour."


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# ---------------------------------------------------------------- library


def test_list_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *MINI, "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    mini = next(r for r in rows if r["id"] == "mini-en")
    assert (
        mini["language"] == "en" and mini["title"] == "The cold soup" and mini["source"] == "extra"
    )
    assert all({"id", "language", "title"} <= set(r) for r in rows)


def test_list_text_shows_broken_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.yaml").write_text("kind: scenario\nid: [\n")
    code, out, _ = run(capsys, "--scenarios", str(tmp_path), "list")
    assert code == 0 and "broken.yaml: 1 problem(s)" in out


def test_validate_default_library_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0, out
    assert "valid" in out


def test_schema_files_are_up_to_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli.library import schemas

    committed = Path(__file__).parents[1] / "scenarios" / "schema"
    for name, text in schemas().items():
        assert (committed / name).read_text() == text, (
            f"run: simulator schema -o scenarios/schema ({name})"
        )
    code, _out, _ = run(capsys, "schema", "-o", str(tmp_path))
    assert code == 0 and (tmp_path / "scenario.schema.json").is_file()


@pytest.mark.slow
def test_builtin_files_pass_an_independent_json_schema_validator() -> None:
    root = Path(__file__).parents[1] / "scenarios"
    scenarios = sorted(str(p) for p in (root / "en").glob("*.yaml")) + sorted(
        str(p) for p in (root / "fr").glob("*.yaml")
    )
    packs = sorted(str(p) for p in (root / "packs").rglob("pack.yaml"))
    families = sorted(
        str(p) for p in (root / "packs").rglob("*.yaml") if p.name != "pack.yaml"
    )
    assert scenarios and packs and families
    for schema, files in (
        ("scenario", scenarios),
        ("rule-pack", packs),
        ("rule-family", families),
    ):
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "check-jsonschema"),
                "--schemafile",
                str(root / "schema" / f"{schema}.schema.json"),
                *files,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_builtin_files_point_editors_at_the_schema() -> None:
    root = Path(__file__).parents[1] / "scenarios"
    for f in root.rglob("*.yaml"):
        first = f.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f
        target = (f.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), f


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_new_scaffolds_a_scenario_that_validates_tests_and_plays(
    lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"mine-{lang}.yaml"
    code, out, _ = run(capsys, "new", f"mine-{lang}", "--lang", lang, "-o", str(target))
    assert code == 0 and target.is_file()
    assert run(capsys, "validate", str(target))[0] == 0
    assert run(capsys, "test", str(target))[0] == 0
    script = tmp_path / "script.txt"
    script.write_text("Sorry. I'll fix it.\n\nOk.\n")
    code, out, _ = run(
        capsys,
        "--scenarios",
        str(tmp_path),
        "play",
        "--scenario",
        f"mine-{lang}",
        "--script",
        str(script),
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["scenario"] == f"mine-{lang}"


def test_new_goes_to_the_user_folder_by_default(
    capsys: pytest.CaptureFixture[str], _isolated_home: Path
) -> None:
    code, out, _ = run(capsys, "new", "my-own")
    assert code == 0
    assert (_isolated_home / "scenarios" / "my-own.yaml").is_file()
    code, out, _ = run(capsys, "list", "--format", "json")
    assert any(r["id"] == "my-own" and r["source"] == "user" for r in json.loads(out))


def test_new_refuses_bad_ids_and_existing_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "new", "Bad Id")[0] == 2
    assert run(capsys, "new", "hotel-ac-en")[0] == 2
    target = tmp_path / "x.yaml"
    target.write_text("keep me")
    assert run(capsys, "new", "fresh", "-o", str(target))[0] == 2
    assert target.read_text() == "keep me"


# ---------------------------------------------------------------- score / test / eval


def test_score_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *MINI, "score", "--scenario", "mini-en", BAD)
    assert code == 0
    assert "[-You're lucky-]" in out and "Better:" in out and "Leads to: angry" in out
    code, out, _ = run(capsys, *MINI, "score", "--scenario", "mini-en", "--format", "json", GOOD)
    data = json.loads(out)
    assert data["categories"]["concrete_fix"]["fired"] is True
    assert data["categories"]["last_word"]["fired"] is False
    assert isinstance(data["score"], int) and data["next"] == "waiting"


def test_score_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a pipe: bytes, not a terminal (in this process, so the scorer compiled for the
    # other tests is reused)
    piped = io.TextIOWrapper(io.BytesIO(b"Calmez-vous, monsieur."))
    monkeypatch.setattr(sys, "stdin", piped)
    code, out, _ = run(capsys, "score", "--lang", "fr", "--format", "json")
    assert code == 0
    assert json.loads(out)["categories"]["last_word"]["fired"] is True


def test_score_unknown_scenario_names_close_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "score", "--scenario", "hotel-ac", "hello")
    assert code == 2 and "hotel-ac-en" in err


def test_test_reports_failures_like_pytest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (DATA / "scenarios" / "mini.yaml").read_text()
    text = text.replace("    fires: [dismissal]", "    fires: [favour-framing]")
    f = tmp_path / "mini.yaml"
    f.write_text(text)
    code, out, _ = run(capsys, "test", str(f))
    assert code == 1
    assert "FAILURES" in out and "mini-en::examples[2] at angry" in out
    assert f"{f}:" in out and "expected 'favour-framing' to fire" in out
    assert "1 failed, 2 passed" in out


@pytest.mark.slow
def test_test_passes_on_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", "-q")
    assert code == 0, out


def test_eval_metrics_and_misclassified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {
            "reply": "You're lucky, we never do this.",
            "lang": "en",
            "last_word": True,
            "concrete_fix": False,
        },
        {
            "reply": "I'll refund you right now.",
            "lang": "en",
            "last_word": False,
            "concrete_fix": True,
        },
        {"reply": "We can't refund you.", "lang": "en", "last_word": False, "concrete_fix": True},
        {"reply": "Je vous rembourse tout de suite.", "lang": "fr", "concrete_fix": True},
    ]
    f = tmp_path / "labels.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out, _ = run(capsys, "eval", str(f), "--lang", "en", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["replies"] == 3
    fix = data["labels"]["concrete_fix"]
    assert (fix["precision"], fix["recall"], fix["support"]) == (1.0, 0.5, 2)
    assert data["labels"]["last_word"]["precision"] == 1.0
    assert [e["reply"] for e in data["errors"]] == ["We can't refund you."]
    code, out, _ = run(capsys, "eval", str(f))
    assert "Misclassified (1)" in out and "concrete_fix: expected true, got false" in out


def test_eval_bad_lines_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(
        '{"reply": "ok", "lang": "en", "last_word": false}\n{not json\n{"reply": "x", "lang": "de"}\n'
    )
    code, _out, err = run(capsys, "eval", str(f))
    assert code == 1
    assert f"{f}:2:2: not valid JSON" in err and f"{f}:3:1: 'lang' must be" in err


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_eval_on_the_shared_sample_meets_the_bar(
    lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = Path(__file__).parents[2] / "shared" / "eval" / "replies.jsonl"
    if not sample.is_file():
        pytest.skip("the shared labelled sample is not beside this checkout")
    code, out, _ = run(capsys, "eval", str(sample), "--lang", lang, "--format", "json")
    assert code == 0
    labels = json.loads(out)["labels"]
    for label in ("last_word", "concrete_fix"):
        assert labels[label]["precision"] >= 0.90, (label, labels[label])
        assert labels[label]["recall"] >= 0.85, (label, labels[label])


# ---------------------------------------------------------------- play / replay


def script(tmp_path: Path, *replies: str) -> Path:
    f = tmp_path / "script.txt"
    f.write_text("\n\n".join(replies) + "\n", encoding="utf-8")
    return f


def test_play_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = script(tmp_path, GOOD, GOOD2)
    code, out, _ = run(
        capsys, *MINI, "play", "--scenario", "mini-en", "--script", str(f), "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and data["outcome"] == "kept" and 0 <= data["score"] <= 100
    assert [t["reply"] for t in data["turns"]] == [GOOD, GOOD2]
    assert all("score" in t["verdict"] for t in data["turns"])
    assert Path(data["transcript"]).is_file()


def test_play_text_shows_feedback_and_debrief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = script(tmp_path, BAD, "Calm down, it's only soup.")
    code, out, _ = run(capsys, *MINI, "play", "--scenario", "mini-en", "--script", str(f))
    assert code == 0
    assert "CUSTOMER:" in out and "[-You're lucky-]" in out
    assert "LOST" in out and "Three changes worth making" in out


def test_play_assessment_hides_feedback_until_the_debrief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = script(tmp_path, BAD, "Calm down, it's only soup.")
    code, out, _ = run(
        capsys, *MINI, "play", "--scenario", "mini-en", "--script", str(f), "--mode", "assessment"
    )
    assert code == 0
    before_debrief = out.split("The cold soup: LOST")[0]
    assert "Score:" not in before_debrief and "Total score" in out


def test_play_script_that_runs_out_is_unfinished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = script(tmp_path, GOOD)
    code, out, _ = run(
        capsys, *MINI, "play", "--scenario", "mini-en", "--script", str(f), "--format", "json"
    )
    assert code == 0 and json.loads(out)["outcome"] == "unfinished"


def test_play_multiline_paragraphs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "s.txt"
    f.write_text("I'm so sorry.\nI'll bring you a fresh soup right now.\n\n\n" + GOOD2 + "\n")
    code, out, _ = run(
        capsys, *MINI, "play", "--scenario", "mini-en", "--script", str(f), "--format", "json"
    )
    turns = json.loads(out)["turns"]
    assert code == 0 and len(turns) == 2 and "\n" in turns[0]["reply"]


@pytest.mark.parametrize(
    "content,words",
    [
        (b"", "no replies found"),
        (b"\n\n   \n", "no replies found"),
        ("Désolé".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_play_bad_scripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, words: str
) -> None:
    f = tmp_path / "s.txt"
    f.write_bytes(content)
    code, _, err = run(capsys, *MINI, "play", "--scenario", "mini-en", "--script", str(f))
    assert code == 2 and words in err and "Traceback" not in err


def test_play_unknown_scenario_names_close_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = script(tmp_path, GOOD)
    code, _, err = run(capsys, "play", "--scenario", "supermarket-retrun-en", "--script", str(f))
    assert code == 2 and "supermarket-return-en" in err


def test_play_a_reply_of_several_megabytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = script(tmp_path, "I'm sorry. " + "soup " * 1_000_000)
    code, out, _ = run(
        capsys, *MINI, "play", "--scenario", "mini-en", "--script", str(f), "--format", "json"
    )
    turn = json.loads(out)["turns"][0]
    assert (
        code == 0
        and turn["verdict"]["notices"]
        and "only the first" in turn["verdict"]["notices"][0]
    )


def test_play_stdin_without_a_terminal() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            *MINI,
            "play",
            "--scenario",
            "mini-en",
            "--stdin",
            "--format",
            "json",
        ],
        input=f"{BAD}\n\nCalm down, it's only soup.\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "lost"


def test_play_without_terminal_or_script_explains() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "play", "--scenario", "hotel-ac-en"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--script" in proc.stderr


def _played(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    f = script(tmp_path, BAD, "I'm so sorry. I'll bring you a fresh soup right now.", GOOD2)
    transcript = tmp_path / "t.jsonl"
    code, _out, _ = run(
        capsys,
        *MINI,
        "play",
        "--scenario",
        "mini-en",
        "--script",
        str(f),
        "--transcript",
        str(transcript),
    )
    assert code == 0
    return transcript


def test_replay_reproduces_verdicts_when_rules_are_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transcript = _played(tmp_path, capsys)
    code, out, _ = run(capsys, *MINI, "replay", str(transcript), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["changed"] is False
    assert all(
        t["score_change"] == 0 and not t["added"] and not t["removed"] for t in report["turns"]
    )
    assert report["old"] == report["new"]


def test_replay_shows_the_effect_of_a_weight_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transcript = _played(tmp_path, capsys)
    changed = tmp_path / "changed"
    changed.mkdir()
    text = (DATA / "scenarios" / "mini.yaml").read_text()
    text = text.replace("  rules:\n", "  weights:\n    favour-framing: -5\n  rules:\n", 1)
    (changed / "mini.yaml").write_text(text)
    code, out, _ = run(
        capsys, "--scenarios", str(changed), "replay", str(transcript), "--format", "json"
    )
    report = json.loads(out)
    assert code == 0 and report["changed"] is True
    assert report["turns"][0]["score_change"] > 0
    code, out, _ = run(capsys, "--scenarios", str(changed), "replay", str(transcript))
    assert "turn  1:" in out and "Ending:" in out


def test_replay_of_a_damaged_or_foreign_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text("this is not json\n")
    code, _, err = run(capsys, "replay", str(f))
    assert code == 2 and "not a transcript" in err
    transcript = _played(tmp_path, capsys)
    lines = transcript.read_text().splitlines()
    transcript.write_text("\n".join(lines[:6]) + "\n" + lines[6][:20] + "\n")
    code, _out, err = run(capsys, *MINI, "replay", str(transcript))
    assert code == 0 and "damaged line" in err


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and "simulator" in capsys.readouterr().out


def test_replay_of_another_scenario_version_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = _played(tmp_path, capsys)
    newer = tmp_path / "newer"
    newer.mkdir()
    text = (DATA / "scenarios" / "mini.yaml").read_text().replace('version: "2"', 'version: "3"')
    (newer / "mini.yaml").write_text(text)
    code, _out, err = run(capsys, "--scenarios", str(newer), "replay", str(transcript))
    assert code == 0 and "recorded with version 2" in err and "version 3" in err
    assert "Traceback" not in err
