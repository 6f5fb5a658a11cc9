"""The core never loads the UI or a database: headless commands start light."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

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


def test_lower_layers_never_import_upper_ones() -> None:
    from pathlib import Path

    order = ["model", "scoring", "engine", "report", "store", "service", "cli", "tui"]
    root = Path(__file__).parents[1] / "simulator"
    problems = []
    for i, layer in enumerate(order):
        for p in (root / layer).rglob("*.py") if (root / layer).is_dir() else []:
            text = p.read_text(encoding="utf-8")
            for upper in order[i + 1 :]:
                # an import statement, or a module named by string for importlib
                if re.search(rf"^\s*(from|import) simulator\.{upper}\b", text, re.M) or re.search(
                    rf"[\"']simulator\.{upper}[.\"']", text
                ):
                    problems.append(f"{p.relative_to(root)} imports simulator.{upper}")
    assert problems == []
