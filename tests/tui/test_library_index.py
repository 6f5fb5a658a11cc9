"""The library list's cache: used only while nothing changed, never trusted blindly."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from simulator.tui import library_index
from simulator.tui.context import AppConfig, Context

SNAP = Path(__file__).resolve().parent / "data" / "snap"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "scenarios"
    shutil.copytree(SNAP, out)
    return out


def _context(folder: Path) -> Context:
    return Context(AppConfig(extra_dirs=[folder], builtin=False, user_scenarios=False))


def _titles(ctx: Context) -> dict[str, str]:
    return {e.id: e.title for e in ctx.entries()}


def test_an_unchanged_library_is_listed_from_the_cache(folder: Path) -> None:
    first = _context(folder)
    listed = _titles(first)
    assert first.loaded  # no cache yet: loaded, then remembered
    assert library_index.cache_path().is_file()
    second = _context(folder)
    assert _titles(second) == listed
    assert not second.loaded  # from the cache: the library loads later, in the background


def test_an_edited_file_is_read_again(folder: Path) -> None:
    _titles(_context(folder))
    coffee = folder / "coffee.yaml"
    stat = coffee.stat()
    # Same size, same second: only the nanoseconds of the modification time differ.
    coffee.write_text(coffee.read_text().replace("The wrong coffee order", "The wrong coffee ORDER"))
    os.utime(coffee, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    ctx = _context(folder)
    assert _titles(ctx)["snap-coffee-en"] == "The wrong coffee ORDER"
    assert ctx.loaded


def test_a_file_added_or_removed_is_seen(folder: Path) -> None:
    _titles(_context(folder))
    (folder / "soup.yaml").rename(folder.parent / "soup.yaml")
    assert "snap-soup-en" not in _titles(_context(folder))
    (folder.parent / "soup.yaml").rename(folder / "soup.yaml")
    assert "snap-soup-en" in _titles(_context(folder))


def test_a_file_broken_by_an_edit_is_listed_with_its_errors(folder: Path) -> None:
    _titles(_context(folder))
    (folder / "coffee.yaml").write_text("kind: scenario\nid: [unclosed\n")
    ctx = _context(folder)
    assert "snap-coffee-en" not in _titles(ctx)
    assert [b.display for b in ctx.index().broken if "coffee" in b.display]
    again = _context(folder)  # the broken file, unchanged, comes from the cache
    assert [b.display for b in again.index().broken] == [b.display for b in ctx.index().broken]
    assert not again.loaded


def test_another_version_of_the_program_does_not_trust_the_cache(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _titles(_context(folder))
    monkeypatch.setattr(library_index, "__version__", "0.0.0-other")
    ctx = _context(folder)
    assert _titles(ctx)
    assert ctx.loaded


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'"a string"',
        b'{"format": 1}',
        b'{"format": 1, "version": "VERSION", "indexes": []}',
        b'{"format": 1, "version": "VERSION", "indexes": {"KEY": "nope"}}',
        b'{"format": 1, "version": "VERSION", "indexes": {"KEY": {"signature": "SIG",'
        b' "entries": [{"id": 1}], "broken": []}}}',
        b'{"format": 1, "version": "VERSION", "indexes": {"KEY": {"signature": "SIG",'
        b' "entries": "abc", "broken": []}}}',
        b'{"format": 1, "version": "VERSION", "indexes": {"KEY": {"signature": "SIG",'
        b' "entries": [], "broken": [{"display": "x", "problems": [1]}]}}}',
    ],
)
def test_a_corrupt_cache_is_ignored_then_replaced(folder: Path, content: bytes) -> None:
    expected = _titles(_context(folder))
    path = library_index.cache_path()
    # The real key and signature, so that only the bad part makes the cache unusable.
    folders = [folder]
    key = json.dumps(library_index._key(folders))[1:-1].encode()
    sig = json.dumps(library_index.signature(folders)).encode()
    content = (
        content.replace(b"VERSION", library_index.__version__.encode())
        .replace(b"KEY", key)
        .replace(b'"SIG"', sig)
    )
    path.write_bytes(content)
    ctx = _context(folder)
    assert _titles(ctx) == expected
    assert ctx.loaded
    again = _context(folder)
    assert _titles(again) == expected
    assert not again.loaded  # rewritten: usable again


def test_an_unwritable_cache_folder_is_not_an_error(folder: Path) -> None:
    library_index.cache_path().parent.parent.mkdir(parents=True, exist_ok=True)
    library_index.cache_path().parent.write_text("a file where the folder should be")
    ctx = _context(folder)
    assert _titles(ctx)
    assert _titles(_context(folder)) == _titles(ctx)


def test_a_changed_check_in_the_model_reads_the_files_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model = tmp_path / "model"
    shutil.copytree(library_index.MODEL, model, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(library_index, "MODEL", model)
    _titles(_context(folder))
    unchanged = _context(folder)
    _titles(unchanged)
    assert not unchanged.loaded
    (model / "schema.py").write_text((model / "schema.py").read_text() + "\n# a new check\n")
    changed = _context(folder)
    _titles(changed)
    assert changed.loaded
