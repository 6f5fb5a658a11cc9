"""Helpers of the workshop tests (paths, the command line in-process and as subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEST_SCENARIOS = ROOT / "tests" / "data" / "scenarios"  # mini-en
WORKSHOP_SCENARIOS = HERE / "data" / "scenarios"  # long-en
PG_ENV = "SIMULATOR_TEST_DATABASE_URL"


def scenario_args() -> list[str]:
    return ["--scenarios", str(TEST_SCENARIOS), "--scenarios", str(WORKSHOP_SCENARIOS)]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command line in this process; returns (exit code, stdout, stderr)."""
    from simulator.cli import main

    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_env(db: str | None = None, home: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SIMULATOR_DATABASE_URL", None)
    if db is not None:
        env["SIMULATOR_DATABASE_URL"] = db
    if home is not None:
        env["SIMULATOR_HOME"] = home
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def simulator_cmd(*argv: str) -> list[str]:
    return [sys.executable, "-m", "simulator", *argv]


def warm_home(env: dict[str, str]) -> None:
    """Load the library once with ``env``'s SIMULATOR_HOME, as a facilitator's first
    command does, so that the trainee processes started next read it from the parsed-file
    cache (each parses every file again otherwise: a third of its start-up)."""
    done = subprocess.run(
        simulator_cmd(*scenario_args(), "list", "--format", "json"),
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr


def run_sub(argv: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        simulator_cmd(*argv), env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def stop_group(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server started in its own process group: SIGTERM, then SIGKILL if it lingers."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
