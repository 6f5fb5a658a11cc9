"""A trainer's copy of a built-in rule pack replaces it, with one notice, so that a change
to a built-in pack can be previewed (replay, score) before it ships."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.model.library import builtin_dir, load_library

JAB = "Honestly, you're lucky we aren't charging you."


def local_copy(tmp_path: Path, pack: str = "last-word", name: str = "mine") -> Path:
    """A copy of a built-in English pack folder with the favour-framing rule's luck
    phrases taken out."""
    folder = tmp_path / name / pack
    shutil.copytree(builtin_dir() / "packs" / "en" / pack, folder)
    family = folder / "favour-framing.yaml"
    if family.exists():
        text = family.read_text(encoding="utf-8")
        for phrase in ("you're lucky", "you are lucky", "lucky we"):
            text = text.replace(f"      - {phrase}\n", "")
        # and the phrases written with the luck lexicon
        text = "".join(ln for ln in text.splitlines(keepends=True) if "{luck}" not in ln)
        family.write_text(text, encoding="utf-8")
    return tmp_path / name


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def test_the_local_copy_replaces_the_built_in_pack(tmp_path: Path) -> None:
    lib = load_library([local_copy(tmp_path)], user=False)
    assert not lib.problems()
    assert lib.origin_of["last-word-en"].origin == "extra"
    (notice,) = lib.notices
    assert "rule pack 'last-word-en' replaces the built-in one" in notice
    assert "scenarios/packs/en/last-word/pack.yaml" in notice


def test_validate_and_list_say_it_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = local_copy(tmp_path)
    code, out, _ = run(capsys, "--scenarios", str(folder), "validate")
    assert code == 0 and out.count("replaces the built-in one") == 1
    code, out, _ = run(capsys, "--scenarios", str(folder), "validate", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["ok"] and len(data["notices"]) == 1
    code, out, _ = run(capsys, "--scenarios", str(folder), "list")
    assert code == 0 and out.count("replaces the built-in one") == 1
    code, out, err = run(capsys, "--scenarios", str(folder), "list", "--format", "json")
    assert code == 0 and isinstance(json.loads(out), list)
    assert err.count("replaces the built-in one") == 1


def test_two_trainer_packs_with_one_id_stay_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local_copy(tmp_path, name="mine")
    local_copy(tmp_path / "mine", name="again")
    code, out, _ = run(capsys, "--scenarios", str(tmp_path / "mine"), "validate")
    assert code == 1 and "duplicate rule pack id 'last-word-en'" in out


def test_score_and_replay_preview_the_changed_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = local_copy(tmp_path)
    code, out, _ = run(capsys, "score", "--scenario", "hotel-ac-en", "--format", "json", JAB)
    assert code == 0 and "favour-framing" in json.loads(out)["categories"]["last_word"]["rules"]
    args = ["--scenarios", str(folder), "score", "--scenario", "hotel-ac-en", "--format", "json"]
    code, out, _ = run(capsys, *args, JAB)
    assert code == 0 and "favour-framing" not in json.loads(out)["categories"]["last_word"]["rules"]

    script = tmp_path / "replies.txt"
    script.write_text(JAB + "\n", encoding="utf-8")
    transcript = tmp_path / "t.jsonl"
    code, _, _ = run(
        capsys,
        "play",
        "--scenario",
        "hotel-ac-en",
        "--script",
        str(script),
        "--no-record",
        "--transcript",
        str(transcript),
    )
    assert code == 0
    code, out, _ = run(capsys, "replay", str(transcript), "--format", "json")
    assert code == 0 and json.loads(out)["changed"] is False
    code, out, _ = run(
        capsys, "replay", "--scenarios", str(folder), str(transcript), "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and data["changed"] is True
    assert "favour-framing" in data["turns"][0]["removed"]
    assert data["turns"][0]["new_score"] > data["turns"][0]["old_score"]


def test_the_app_shows_the_notice_on_the_library_screen(tmp_path: Path) -> None:
    import asyncio

    from tests.tui.conftest import make_app, settle

    folder = local_copy(tmp_path)

    async def go() -> None:
        app = make_app(shared=False, extra_dirs=[folder], builtin=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            box = app.screen.query_one("#broken")
            assert box.display
            text = str(app.screen.query_one("#broken-list").render())
            assert text.count("replaces the built-in one") == 1
            assert app.screen.query_one("#scenarios").row_count == 8  # nothing lost

    asyncio.run(go())
