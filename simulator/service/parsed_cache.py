"""Parsed library files kept on disk, so that a process does not parse them again.

Reading the YAML of the built-in library and validating it into models costs a process
about 0.2-0.3 s and some 10 MB that stay (parser garbage, and pydantic validators built
for the models); a command, a trainee's app or a workshop's trainee process loads it
every time it starts. Each parsed file is kept as a pickle named by a digest of the
file's path, origin, display name and bytes (``model.library`` computes it), in a folder
named by a digest of the code that parses and of the versions of pydantic and PyYAML: a
file edited, or a simulator upgraded, is simply parsed again. Pickle is used because it
brings models back without validating them again, which is the saving; JSON would have to
validate.

A pickle runs code when it is read, so an entry is read only from a folder and a file
owned by this user and writable by nobody else (what a user's own cache folder is); any
other, or one that cannot be read, is ignored and the file parsed again. Writes go to a
temporary file renamed into place, so a process never reads half an entry written by
another. Nothing here is needed: with the cache unwritable, or switched off
(``SIMULATOR_PARSED_CACHE=`` empty), every file is parsed as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pydantic

import simulator.model
from simulator.files import UnsafeTarget, write_bytes
from simulator.model.loader import SourceFile

_KEEP = 400  # entries kept in the folder (a trainer's edits each make one)


@cache
def code_version() -> str:
    """A digest of what decides a parse: the model package's source, Python, pydantic
    and PyYAML versions (PyYAML's from its installed metadata: importing it would load
    it whole, see ``model.yamlfile``), and the pickle protocol."""
    h = hashlib.sha256()
    for part in (sys.version, pydantic.VERSION, version("PyYAML"), str(pickle.HIGHEST_PROTOCOL)):
        h.update(part.encode() + b"\0")
    for source in sorted(Path(simulator.model.__file__).parent.glob("*.py")):
        h.update(source.name.encode() + b"\0" + source.read_bytes())
    return h.hexdigest()[:16]


def _trusted(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else (where the system has owners)."""
    if not hasattr(os, "getuid"):
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class ParsedCache:
    """A ``model.library.ParsedStore`` in a folder (one sub-folder per code version)."""

    def __init__(self, folder: Path) -> None:
        self.root = folder
        self.folder = folder / code_version()
        self._checked: bool | None = None

    def _folder_trusted(self) -> bool:
        if self._checked is None:
            try:
                self._checked = _trusted(self.folder.stat())
            except OSError:
                return False  # (not there yet: asked again after a write)
        return self._checked

    def get(self, key: str) -> SourceFile | None:
        path = self.folder / f"{key}.pickle"
        try:
            with path.open("rb") as f:
                if not (self._folder_trusted() and _trusted(os.fstat(f.fileno()))):
                    return None
                data = f.read()
        except OSError:
            return None
        try:
            src = pickle.loads(data)  # (a trusted file of ours: see above)
        except Exception:  # a damaged or foreign entry is parsed again, whatever it raises
            return None
        return src if isinstance(src, SourceFile) else None

    def put(self, key: str, src: SourceFile) -> None:
        try:
            data = pickle.dumps(src, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # (a model that cannot be pickled is simply not kept)
            return
        try:
            fresh = not self.folder.is_dir()
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if fresh:
                self._drop_other_versions()
            else:
                self._prune()
            write_bytes(self.folder / f"{key}.pickle", data)
        except (OSError, UnsafeTarget):
            return  # an unwritable cache costs a parse next time, nothing else

    def _drop_other_versions(self) -> None:
        for other in self.root.iterdir():
            if other.is_dir() and other.name != self.folder.name:
                for entry in other.iterdir():
                    with contextlib.suppress(OSError):
                        entry.unlink()
                with contextlib.suppress(OSError):
                    other.rmdir()

    def _prune(self) -> None:
        entries = list(os.scandir(self.folder))
        if len(entries) <= _KEEP:
            return
        aged: list[tuple[float, str]] = []
        for entry in entries:
            with contextlib.suppress(OSError):  # (another process may prune too)
                aged.append((entry.stat().st_mtime, entry.path))
        for _, path in sorted(aged)[: len(aged) - _KEEP // 2]:
            with contextlib.suppress(OSError):
                os.unlink(path)
