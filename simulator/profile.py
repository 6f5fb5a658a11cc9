"""The trainee's profile: name, language of the app's own text, theme.

A small JSON file at ``paths.profile_path()``. Reading never fails: a missing, unreadable
or corrupt file gives the defaults (and the next save rewrites it whole). Saving writes a
temporary file and renames it over the old one, so a crash never leaves half a profile.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from simulator.paths import profile_path

UI_LANGUAGES: tuple[str, ...] = ("en", "fr")
MAX_NAME = 120


@dataclass
class Profile:
    name: str | None = None
    ui_lang: str | None = None
    theme: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_name(name: str) -> str:
    """A name as the store keeps it: single spaces, no ends."""
    return " ".join(name.split())


def _text(value: Any, limit: int = MAX_NAME) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:limit] if text else None


def load(path: Path | None = None) -> Profile:
    """The saved profile, or the defaults when there is none or it cannot be read."""
    path = path or profile_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return Profile()
    if not isinstance(data, dict):
        return Profile()
    lang = data.get("ui_lang")
    return Profile(
        name=_text(data.get("name")),
        ui_lang=lang if lang in UI_LANGUAGES else None,
        theme=_text(data.get("theme"), 60),
    )


def save(profile: Profile, path: Path | None = None) -> bool:
    """Write the profile; False (and nothing changed) when the folder is not writable."""
    path = path or profile_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".profile-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(profile.to_dict(), fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError:
        return False
    return True


def update(**changes: Any) -> Profile:
    """Load, change some fields, save; returns the new profile."""
    profile = load()
    for key, value in changes.items():
        if hasattr(profile, key):
            setattr(profile, key, value)
    save(profile)
    return profile
