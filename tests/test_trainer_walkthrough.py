"""README's "For trainers: check and correct the verdicts" holds, command by command.

The section's ```sh blocks are run in order, each by a real shell, in one folder that
plays the checkout (its ``scenarios/`` is the built-in library's) with its own
SIMULATOR_HOME; the file the section shows ("saved as `NAME`:") is written there, and
the edit it describes is made to the local copy of the pack. The ```text block after a
command block is its output, line by line and in order (``...`` stands for anything).
Each step's visible result is checked too: the reviews are stored, the labelled file
holds them, the copy replaces the built-in pack, the rule fires again.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.model.library import builtin_dir

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## For trainers: check and correct the verdicts", 1)[1].split("\n## ", 1)[0]
FILES = re.findall(r"(?i)saved as\s+`([^`]+)`[^\n]*:\n\n```\w*\n(.*?)```", SECTION, re.S)
BLOCKS = re.findall(r"```sh\n(.*?)```(?:\s*```text\n(.*?)```)?", SECTION, re.S)

PHRASE = "      - you should've\n"
ADDED = "      - that's what you get\n"
EXAMPLE = "        - You booked the cheapest room, so that's what you get.\n"


def _lines_in_order(expected: str, actual: str) -> bool:
    """Each line of ``expected`` (``...``: anything) in ``actual``, in that order."""
    lines = [ln for ln in actual.splitlines() if ln.strip()]
    at = 0
    for want in (ln for ln in expected.splitlines() if ln.strip()):
        if want.strip() == "...":
            continue
        pattern = ".*".join(re.escape(p) for p in want.rstrip().split("..."))
        while at < len(lines) and not re.fullmatch(pattern, lines[at].rstrip()):
            at += 1
        if at == len(lines):
            return False
        at += 1
    return True


def _edit_the_copy(folder: Path) -> None:
    """The change the section describes, made as a trainer would in an editor."""
    family = folder / "my-packs" / "last-word" / "blame-lecturing.yaml"
    text = family.read_text(encoding="utf-8")
    assert PHRASE in text and "      fires:\n" in text
    text = text.replace(PHRASE, PHRASE + ADDED, 1)
    start = text.index("  - id: blame-lecture\n")
    fires = text.index("      fires:\n", start) + len("      fires:\n")
    family.write_text(text[:fires] + EXAMPLE + text[fires:], encoding="utf-8")


def test_the_section_shows_the_whole_loop() -> None:
    commands = "\n".join(block for block, _ in BLOCKS)
    for step in (
        "play --scenario",
        "review sam.jsonl --list",
        "--set 1",
        "--set 3",
        "--export-labelled",
        "cp -r scenarios/packs/en/last-word",
        "replay",
        "eval reviewed.jsonl",
        "test my-packs --coverage",
        "workshop create",
        "--disable",
        "--weight",
        "workshop show",
    ):
        assert step in commands, step
    assert [name for name, _ in FILES] == ["replies.txt"]
    # the edit the test makes is the one the section shows
    assert ADDED.strip() in SECTION and EXAMPLE.strip() in SECTION


@pytest.mark.slow
@pytest.mark.xdist_group("walkthrough")
def test_every_step_of_the_walkthrough(tmp_path: Path) -> None:
    folder = tmp_path / "checkout"
    folder.mkdir()
    (folder / "scenarios").symlink_to(builtin_dir(), target_is_directory=True)
    for name, body in FILES:
        (folder / name).write_text(body, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMULATOR_")}
    env.update(
        SIMULATOR_HOME=str(tmp_path / "home"),
        NO_COLOR="1",
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    for block, expected in BLOCKS:
        done = subprocess.run(
            ["bash", "-e", "-c", block],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"{block}\n{done.stdout}\n{done.stderr}"
        if expected:
            assert _lines_in_order(expected, done.stdout), f"{block}\n{done.stdout}"
        if block.startswith("simulator play"):
            assert (folder / "sam.jsonl").is_file()
        if "--set 3" in block:
            listed = subprocess.run(
                ["simulator", "review", "sam.jsonl", "--list", "--format", "json"],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            items = {it["turn"]: it for it in json.loads(listed.stdout)}
            assert items[1]["override"]["labels"]["last_word"] is True
            assert items[3]["override"]["labels"]["acknowledges"] is True
            assert items[2]["override"] is None and items[1]["last_word"] is False
        if "--export-labelled" in block:
            rows = [json.loads(ln) for ln in (folder / "reviewed.jsonl").read_text().splitlines()]
            assert [(r["last_word"], r["acknowledges"], r["source"]) for r in rows] == [
                (True, False, "review"),
                (False, True, "review"),
            ]
        if block.startswith("mkdir"):
            _edit_the_copy(folder)
            check = subprocess.run(
                ["simulator", "--scenarios", "my-packs", "validate"],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert check.returncode == 0, check.stdout
            assert check.stdout.count("rule pack 'last-word-en' replaces the built-in one") == 1
        if "workshop show" in block:
            assert "Rules disabled: no-fix; re-weighted: blame-lecture=-20" in done.stdout
