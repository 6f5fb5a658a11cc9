"""The core (model, scoring, engine) stays mypy-clean under --strict (see pyproject)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_core_is_mypy_clean() -> None:
    root = Path(__file__).parents[1]
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
