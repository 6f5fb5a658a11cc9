"""Where the simulator keeps a user's things: scenarios, transcripts, results, profile.

Everything lives in the platform's user data folder (platformdirs), or under
``$SIMULATOR_HOME`` when it is set (tests and shared machines use it).
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    override = os.environ.get("SIMULATOR_HOME")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path("simulator", appauthor=False)


def builtin_scenarios_dir() -> Path:
    """The built-in library: inside the installed package, or the repository's top level.

    A wheel carries it as ``simulator/scenarios`` (found with ``importlib.resources``, so
    wherever the package is installed); an editable install or a checkout reads the
    top-level ``scenarios/`` folder it comes from. (The import costs the app well under a
    millisecond at start-up: what it needs, Textual has already imported.)
    """
    from importlib import resources

    packaged = resources.files("simulator").joinpath("scenarios")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "scenarios"


def cache_dir() -> Path:
    """What can be rebuilt at any time (the platform's user cache folder), or
    ``$SIMULATOR_HOME/cache`` when that is set."""
    override = os.environ.get("SIMULATOR_HOME")
    if override:
        return Path(override) / "cache"
    from platformdirs import user_cache_path

    return user_cache_path("simulator", appauthor=False)


def parsed_cache_dir() -> Path | None:
    """Where parsed library files are kept between runs (``service.parsed_cache``):
    ``$SIMULATOR_PARSED_CACHE`` when it is set (empty: nowhere, every file is parsed),
    else ``parsed`` in the cache folder."""
    override = os.environ.get("SIMULATOR_PARSED_CACHE")
    if override is not None:
        return Path(override) if override else None
    return cache_dir() / "parsed"


def scenarios_dir() -> Path:
    return data_dir() / "scenarios"


def transcripts_dir() -> Path:
    return data_dir() / "transcripts"


def profile_path() -> Path:
    return data_dir() / "profile.json"


def default_db_url() -> str:
    env = os.environ.get("SIMULATOR_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{data_dir() / 'results.sqlite'}"
