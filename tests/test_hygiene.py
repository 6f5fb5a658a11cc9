"""The core never loads the UI or a database: headless commands start light."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("textual", "rich", "sqlalchemy", "psycopg", "aiohttp")


@pytest.mark.parametrize(
    "code",
    [
        "import simulator.model.library, simulator.model.loader",
        "import simulator.scoring",
        "import simulator.engine, simulator.engine.debrief, simulator.engine.examples",
        "from simulator.cli import main; main(['validate'])",
        "from simulator.cli import main; main(['score', '--lang', 'en', 'You are lucky'])",
        "from simulator.cli import main; main(['list'])",
        "import pathlib, tempfile; f = pathlib.Path(tempfile.mkdtemp()) / 's.txt'; "
        "f.write_text('Sorry, I will fix it now.'); from simulator.cli import main; "
        "main(['--scenarios', 'tests/data/scenarios', 'play', '--scenario', 'mini-en', "
        "'--no-record', '--script', str(f)])",
    ],
)
def test_headless_paths_do_not_import_ui_or_database(code: str) -> None:
    probe = (
        code
        + "\nimport sys\nprint('loaded:' + ','.join(m for m in "
        + repr(HEAVY)
        + " if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.strip().splitlines()[-1]
    assert loaded == "loaded:", f"{code!r} imported {loaded}"


def test_only_the_tui_imports_textual() -> None:
    from pathlib import Path

    root = Path(__file__).parents[1] / "simulator"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "tui" not in p.relative_to(root).parts
        and any(
            line.strip().startswith(("import textual", "from textual"))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` (the contracts in pyproject.toml) on the package under ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )


def test_the_import_contracts_hold() -> None:
    """Layers one way down (tui > cli > service > store, report > engine > scoring >
    model), the core free of UI and database imports, Textual in the TUI only."""
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("store/queries.py", "import simulator.report.exports", "simulator.store is not allowed to import simulator.report"),
        ("engine/flow.py", "import sqlalchemy", "The core (model, scoring, engine) imports no UI and no database BROKEN"),
        ("scoring/verdict.py", "import simulator.engine.outcomes", "simulator.scoring is not allowed to import simulator.engine"),
        ("cli/common.py", "from textual.app import App", "Only the TUI imports Textual BROKEN"),
    ],
)
def test_the_import_contracts_catch_a_wrong_import(
    tmp_path: Path, module: str, line: str, expected: str
) -> None:
    shutil.copytree(ROOT / "simulator", tmp_path / "simulator")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "simulator" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0
    assert expected in " ".join(proc.stdout.split()), proc.stdout


def test_no_module_names_an_upper_layer_in_a_string() -> None:
    """What import-linter cannot see: a module named in a string (for importlib)."""
    levels = [["paths"], ["model"], ["scoring"], ["engine"], ["store", "report", "profile"],
              ["service"], ["cli"], ["tui"]]
    root = ROOT / "simulator"
    problems = []
    for i, level in enumerate(levels):
        for layer in level:
            above = [m for lv in levels[i + 1 :] for m in lv] + [m for m in level if m != layer]
            files = [*(root / layer).rglob("*.py"), root / f"{layer}.py"]
            for p in (f for f in files if f.is_file()):
                text = p.read_text(encoding="utf-8")
                problems += [
                    f"{p.relative_to(root)} names simulator.{upper}"
                    for upper in above
                    if re.search(rf"[\"']simulator\.{upper}[.\"']", text)
                ]
    assert problems == []
