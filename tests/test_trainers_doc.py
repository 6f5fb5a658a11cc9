"""docs/trainers.md stays true: its files are written, its commands run, its outputs hold.

A ```sh block's ``simulator`` lines are run in a folder holding the files the page
shows ("saved as `NAME`:" before a block); a ```text block right after it is the
output, line by line and in order (blank lines aside, ``...`` standing for anything).
A command ends with ``# exit N`` when it is expected to exit with N, else 0.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from simulator.cli import main

DOC = Path(__file__).parents[1] / "docs" / "trainers.md"
TEXT = DOC.read_text(encoding="utf-8")

FILES = re.findall(r"(?i)saved as\s+`([^`]+)`[^\n]*:\n\n```\w*\n(.*?)```", TEXT, re.S)
RUNS = re.findall(r"```sh\n(.*?)```(?:\s*```text\n(.*?)```)?", TEXT, re.S)
COMMANDS = [
    (line, expected)
    for block, expected in RUNS
    for line in block.splitlines()
    if line.startswith("simulator ")
]


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(p) for p in expected.strip().split("..."))
    return re.fullmatch(pattern, actual.strip()) is not None


def test_the_page_has_files_and_commands() -> None:
    names = [name for name, _ in FILES]
    assert {"ann.jsonl", "ben.jsonl", "umbrella.yaml", "scripts/umbrella-en.json"} <= set(names)
    assert len(COMMANDS) >= 5 and sum(1 for _, e in COMMANDS if e) >= 4


@pytest.mark.parametrize(("command", "expected"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_command_of_the_page(
    command: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, body in FILES:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    line, _, comment = command.partition("#")
    status = int(m.group(1)) if (m := re.search(r"exit (\d+)", comment)) else 0
    code = main(shlex.split(line)[1:])
    out = capsys.readouterr().out
    assert code == status, out
    if "--format json" in line:
        json.loads(out)
    lines = iter(out.splitlines())
    for want in (w for w in expected.splitlines() if w.strip()):
        assert any(_matches(want, got) for got in lines), f"not in the output, in order: {want!r}"
