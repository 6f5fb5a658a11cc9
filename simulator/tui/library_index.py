"""What the library screen lists, cached so that the app starts without loading the library.

Loading the library validates every file (PyYAML, pydantic, RE2): a few hundred
milliseconds and tens of megabytes before the first screen. The library screen needs
only each scenario's title, language, difficulty, tags and summary, and the errors of
the broken files. Those are kept in ``library-index.json`` in the cache folder
(:func:`simulator.paths.cache_dir`) with the name, size and modification time of every
file they came from; when nothing changed, the app shows the list from the cache at once
and loads the library itself in the background. Any change (a file added, removed,
edited) means a full load, as before; so does another version of the program (its
checks may have changed); a cache file that cannot be read or does not hold what this
module writes is ignored (then rewritten).

This module imports neither Textual nor the model (pydantic).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator import __version__
from simulator.paths import builtin_scenarios_dir, cache_dir, scenarios_dir

if TYPE_CHECKING:
    from simulator.model.library import Library

FORMAT = 2
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
    # built-in rule packs a trainer's pack replaces (Library.notices)
    notices: list[str] = field(default_factory=list)


def roots(extra: list[Path], builtin: bool, user: bool) -> list[Path]:
    out = list(extra)
    if builtin:
        out.append(builtin_scenarios_dir())
    if user:
        out.append(scenarios_dir())
    return out


MODEL = Path(__file__).resolve().parents[1] / "model"


def signature(folders: list[Path]) -> Signature:
    """Name, size and modification time of every YAML file under ``folders``, and of the
    model's modules that check them (a check changed in a checkout, where the version
    number stays the same, must not leave a stale list)."""
    out: Signature = []
    for root in [*folders, MODEL]:
        if root.is_file():
            files = [root]
        elif root.is_dir():
            suffixes = (".py",) if root == MODEL else (".yaml", ".yml")
            files = sorted(p for p in root.rglob("*") if p.suffix in suffixes)
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
    return Index(entries, broken, list(lib.notices))


def cache_path() -> Path:
    return cache_dir() / "library-index.json"


def _key(folders: list[Path]) -> str:
    return "|".join(str(p.resolve()) for p in folders) + f"|cwd={os.getcwd()}"


def _load() -> dict[str, Any] | None:
    """The cache file's content, if it is one this version of the program wrote."""
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
        return None
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or data.get("version") != __version__
        or not isinstance(data.get("indexes"), dict)
    ):
        return None
    return data


def _strings(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError("not a list of strings")
    return tuple(values)


def _entry(e: Any) -> Entry:
    fields = ("id", "title", "language", "difficulty", "summary", "customer", "lifetime_value")
    if not isinstance(e, dict) or set(e) != {*fields, "tags"}:
        raise TypeError("not an entry")
    _strings([e[f] for f in fields])
    return Entry(**{f: e[f] for f in fields}, tags=_strings(e["tags"]))


def _broken(b: Any) -> BrokenFile:
    if not isinstance(b, dict) or not isinstance(b.get("display"), str):
        raise TypeError("not a broken file")
    return BrokenFile(b["display"], _strings(b.get("problems")))


def read(folders: list[Path], sig: Signature | None = None) -> Index | None:
    """The cached index of these folders, if no file changed since it was written."""
    data = _load()
    if data is None:
        return None
    entry = data["indexes"].get(_key(folders))
    try:
        if not isinstance(entry, dict) or entry.get("signature") != (sig or signature(folders)):
            return None
        return Index(
            [_entry(e) for e in entry["entries"]],
            [_broken(b) for b in entry["broken"]],
            list(_strings(entry["notices"])),
        )
    except (KeyError, TypeError):  # written by hand, or by another program: not ours
        return None


def write(folders: list[Path], sig: Signature, index: Index) -> None:
    """Remember ``index`` for these folders (best effort: a read-only folder is fine)."""
    path = cache_path()
    data = _load() or {"format": FORMAT, "version": __version__, "indexes": {}}
    try:
        indexes: dict[str, Any] = data["indexes"]
        indexes[_key(folders)] = {
            "signature": sig,
            "entries": [asdict(e) for e in index.entries],
            "broken": [asdict(b) for b in index.broken],
            "notices": index.notices,
        }
        while len(indexes) > 8:  # a few folder combinations; drop the oldest
            indexes.pop(next(iter(indexes)))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, path)  # readers see the old file or the new one, never half
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
