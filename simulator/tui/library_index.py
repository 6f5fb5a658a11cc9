"""What the library screen lists, cached so that the app starts without loading the library.

Loading the library validates every file (PyYAML, pydantic, RE2): a few hundred
milliseconds and tens of megabytes before the first screen. The library screen needs
only each scenario's title, language, difficulty, tags and summary, and the errors of
the broken files. Those are kept in ``<data folder>/cache/library-index.json`` with the
name, size and modification time of every file they came from; when nothing changed,
the app shows the list from the cache at once and loads the library itself in the
background. Any change (a file added, removed, edited) means a full load, as before.

This module imports neither Textual nor the model (pydantic).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.paths import builtin_scenarios_dir, data_dir, scenarios_dir

if TYPE_CHECKING:
    from simulator.model.library import Library

FORMAT = 1
Signature = list[list[Any]]


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    language: str
    difficulty: str
    tags: tuple[str, ...]
    summary: str
    customer: str
    lifetime_value: str


@dataclass(frozen=True)
class BrokenFile:
    display: str
    problems: tuple[str, ...]


@dataclass
class Index:
    entries: list[Entry] = field(default_factory=list)
    broken: list[BrokenFile] = field(default_factory=list)


def roots(extra: list[Path], builtin: bool, user: bool) -> list[Path]:
    out = list(extra)
    if builtin:
        out.append(builtin_scenarios_dir())
    if user:
        out.append(scenarios_dir())
    return out


def signature(folders: list[Path]) -> Signature:
    """Name, size and modification time of every YAML file under ``folders``."""
    out: Signature = []
    for root in folders:
        if root.is_file():
            files = [root]
        elif root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            out.append([str(root), -1, -1])
            continue
        for f in files:
            try:
                st = f.stat()
            except OSError:
                continue
            out.append([str(f), st.st_size, st.st_mtime_ns])
    return out


def from_library(lib: Library) -> Index:
    entries = [
        Entry(
            id=sc.id,
            title=sc.title,
            language=sc.language,
            difficulty=sc.difficulty,
            tags=tuple(sc.tags),
            summary=sc.summary.strip(),
            customer=sc.customer.name,
            lifetime_value=sc.customer.lifetime_value,
        )
        for sc in lib.scenarios.values()
    ]
    broken = [BrokenFile(f.display, tuple(str(p) for p in f.problems)) for f in lib.broken]
    return Index(entries, broken)


def cache_path() -> Path:
    return data_dir() / "cache" / "library-index.json"


def _key(folders: list[Path]) -> str:
    return "|".join(str(p.resolve()) for p in folders) + f"|cwd={os.getcwd()}"


def read(folders: list[Path], sig: Signature | None = None) -> Index | None:
    """The cached index of these folders, if no file changed since it was written."""
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
        entry = data["indexes"][_key(folders)]
        if data.get("format") != FORMAT or entry["signature"] != (sig or signature(folders)):
            return None
        return Index(
            [Entry(**{**e, "tags": tuple(e["tags"])}) for e in entry["entries"]],
            [BrokenFile(b["display"], tuple(b["problems"])) for b in entry["broken"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(folders: list[Path], sig: Signature, index: Index) -> None:
    """Remember ``index`` for these folders (best effort: a read-only folder is fine)."""
    path = cache_path()
    try:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or not isinstance(data.get("indexes"), dict):
                raise ValueError
        except (OSError, ValueError):
            data = {"format": FORMAT, "indexes": {}}
        indexes: dict[str, Any] = data["indexes"]
        indexes[_key(folders)] = {
            "signature": sig,
            "entries": [asdict(e) for e in index.entries],
            "broken": [asdict(b) for b in index.broken],
        }
        while len(indexes) > 8:  # a few folder combinations; drop the oldest
            indexes.pop(next(iter(indexes)))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass
