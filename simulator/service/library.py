"""Open the scenario library: the built-in files, the trainer's folder, extra folders."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from simulator.model.library import Library, load_library


def open_library(
    extra: Iterable[str | Path] = (), *, builtin: bool = True, user: bool = True
) -> Library:
    """Every scenario and rule pack found, broken files listed in ``Library.broken``."""
    return load_library([Path(p) for p in extra], builtin=builtin, user=user)
