"""Open the scenario library: the built-in files, the trainer's folder, extra folders."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from simulator.model.library import Library, load_library
from simulator.paths import parsed_cache_dir


def open_library(
    extra: Iterable[str | Path] = (), *, builtin: bool = True, user: bool = True
) -> Library:
    """Every scenario and rule pack found, broken files listed in ``Library.broken``.
    Files parsed by an earlier run from the same bytes come from the parsed-file cache
    (``service.parsed_cache``), unless ``SIMULATOR_PARSED_CACHE`` is set empty."""
    from simulator.service.parsed_cache import ParsedCache

    folder = parsed_cache_dir()
    store = ParsedCache(folder) if folder is not None else None
    return load_library([Path(p) for p in extra], builtin=builtin, user=user, store=store)
