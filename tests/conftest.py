"""Shared fixtures: every test runs with its own data folder, never the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SIMULATOR_HOME", str(home))
    monkeypatch.delenv("SIMULATOR_DATABASE_URL", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield home


@pytest.fixture(scope="session")
def library():
    from simulator.model.library import load_library

    return load_library(user=False)


@pytest.fixture(scope="session")
def mini():
    from simulator.model.library import load_library

    lib = load_library([DATA / "scenarios"], user=False)
    sc = lib.scenario("mini-en")
    return sc, lib.packs_for(sc)
