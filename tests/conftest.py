"""Shared fixtures: every test runs with its own data folder, never the user's."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# The app's tests allocate many short-lived objects beside large long-lived ones (the
# loaded libraries, compiled scorers): with the default thresholds (700, 10, 10) the
# collector ran so often that it took about a third of a played conversation's CPU.
# Collect the young generation less often; reference counting still frees at once
# whatever is not in a cycle.
gc.set_threshold(50_000, 20, 10)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _shared_parsed_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One parsed-file cache for the whole run, its workers and their subprocesses (each
    test's own data folder would hold a cold one): a command started by a test then
    reads the built-in library from it, as a user's second run does. It starts empty
    every run. A ``SIMULATOR_PARSED_CACHE`` set by the caller is kept."""
    if "SIMULATOR_PARSED_CACHE" in os.environ:
        yield
        return
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    os.environ["SIMULATOR_PARSED_CACHE"] = str(root / "parsed-cache")
    from simulator.service.library import open_library

    # filled at once with what the tests' commands load (the built-in library and the
    # test folders), so that thirty trainees started together do not all parse it
    open_library([DATA / "scenarios", ROOT / "tests" / "workshop" / "data" / "scenarios"], user=False)
    try:
        yield
    finally:
        os.environ.pop("SIMULATOR_PARSED_CACHE", None)


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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores this process may use. Much of a test's
    time is spent waiting (on a subprocess, a browser, a database, the app going idle),
    and a third worker fills it: on two cores the suite took 242 s with two workers,
    207 s with three and 213 s with four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        cores = os.cpu_count() or 1
    return cores + 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (otherwise in collection order): the workers take tests in
    that order, so a slow one no longer starts last while the other worker sits idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
