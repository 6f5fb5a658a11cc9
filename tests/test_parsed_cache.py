"""The parsed-file cache: a process reads the library parsed by an earlier one instead of
parsing it again, gets the same library and the same verdicts, never a stale file, and
ignores an entry it cannot trust or read."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.model import library as library_mod
from simulator.model import loader
from simulator.scoring import scorer_for
from simulator.service.parsed_cache import ParsedCache

DATA = Path(__file__).resolve().parent / "data" / "scenarios"
REPLY = "I'm so sorry, I'll bring you a fresh soup right now."


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    shutil.copytree(DATA, lib)
    return lib


def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process parsed, as a new process would."""
    monkeypatch.setattr(library_mod, "_PARSED", type(library_mod._PARSED)())


@pytest.fixture(autouse=True)
def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_process(monkeypatch)


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real_text, real_file = loader.load_text, loader.load_file

    def text(raw: bytes, src: loader.SourceFile) -> loader.SourceFile:
        parsed.append(src.display)
        return real_text(raw, src)

    def file(path: Path, *args: object) -> loader.SourceFile:
        parsed.append(str(path))
        return real_file(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(library_mod, "load_text", text)
    monkeypatch.setattr(library_mod, "load_file", file)
    return parsed


def _load(folder: Path, cache: ParsedCache) -> library_mod.Library:
    return library_mod.load_library([folder], user=False, store=cache)


def test_a_second_process_reads_the_parsed_files_and_gets_the_same_verdicts(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ParsedCache(tmp_path / "cache")
    first = _load(folder, cache)
    sc = first.scenario("mini-en")
    verdict = scorer_for(sc, first.packs_for(sc)).score(REPLY)

    _fresh_process(monkeypatch)
    parsed = _no_parsing(monkeypatch)
    again = _load(folder, ParsedCache(tmp_path / "cache"))
    assert parsed == []  # nothing parsed: every file came from the cache
    assert again.scenario("mini-en") == sc and again.scenario("mini-en") is not sc
    assert again.packs == first.packs
    sc2 = again.scenario("mini-en")
    assert scorer_for(sc2, again.packs_for(sc2)).score(REPLY) == verdict


def test_an_edited_file_is_parsed_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ParsedCache(tmp_path / "cache")
    _load(folder, cache)
    path = next(p for p in folder.rglob("*.yaml") if "mini-en" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    stat_before = path.stat()
    path.write_text(text.replace("title:", "title: Edited", 1), encoding="utf-8")
    os.utime(path, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns))  # same mtime

    _fresh_process(monkeypatch)
    parsed = _no_parsing(monkeypatch)
    again = _load(folder, cache)
    assert str(path) in parsed
    assert again.scenario("mini-en").title.startswith("Edited")


def test_an_entry_writable_by_others_or_damaged_is_ignored(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "getuid"):
        pytest.skip("no file owners here")
    cache = ParsedCache(tmp_path / "cache")
    first = _load(folder, cache)
    entries = sorted(cache.folder.glob("*.pickle"))
    assert entries
    entries[0].chmod(entries[0].stat().st_mode | stat.S_IWOTH)  # anyone could have written it
    entries[1].write_bytes(b"\x80\x05 not a pickle")

    _fresh_process(monkeypatch)
    parsed = _no_parsing(monkeypatch)
    again = _load(folder, ParsedCache(tmp_path / "cache"))
    assert len(parsed) == 2  # those two parsed again, the others read
    assert again.scenarios == first.scenarios and again.packs == first.packs


def test_a_cache_that_cannot_be_written_costs_nothing_but_a_parse(
    folder: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder would be", encoding="utf-8")
    lib = _load(folder, ParsedCache(blocked))
    assert "mini-en" in lib.scenarios and not lib.broken


def test_switched_off_no_folder_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.service.library import open_library

    monkeypatch.setenv("SIMULATOR_PARSED_CACHE", "")
    monkeypatch.setenv("SIMULATOR_HOME", str(tmp_path / "home"))
    lib = open_library([DATA], user=False)
    assert "mini-en" in lib.scenarios
    assert not (tmp_path / "home" / "cache").exists()


def test_a_command_fills_the_cache_and_the_next_one_reads_it(tmp_path: Path) -> None:
    env = {**os.environ, "SIMULATOR_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    env.pop("SIMULATOR_PARSED_CACHE", None)  # the default place, in the data folder
    argv = [sys.executable, "-m", "simulator", "score", "--format", "json", "--lang", "en",
            "We can't refund you, it's our policy."]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    entries = list((tmp_path / "home" / "cache" / "parsed").glob("*/*.pickle"))
    assert first.returncode == 0 and entries
    second = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and second.stdout == first.stdout
