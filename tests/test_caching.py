"""In-process commands reuse the parsed library and the compiled scorers (cached by
content), and an edited file is never served from the cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from simulator.model.library import load_library
from simulator.scoring import scorer_for

DATA = Path(__file__).resolve().parent / "data" / "scenarios"
REPLY = "I'm so sorry, I'll bring you a fresh soup right now."


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "lib"
    shutil.copytree(DATA, folder)
    return folder


def test_a_library_loaded_again_gives_the_same_models(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    first = load_library([folder], user=False)
    again = load_library([folder], user=False)
    assert again is not first
    assert again.scenario("mini-en") is first.scenario("mini-en")
    assert again.packs["last-word-en"] is first.packs["last-word-en"]
    # each load links its own copies: a problem found in one is not carried to another
    assert again.files[0] is not first.files[0]


def test_the_scorer_of_a_library_loaded_again_is_not_compiled_again(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    lib = load_library([folder], user=False)
    sc = lib.scenario("mini-en")
    scorer = scorer_for(sc, lib.packs_for(sc))
    lib2 = load_library([folder], user=False)
    sc2 = lib2.scenario("mini-en")
    assert scorer_for(sc2, lib2.packs_for(sc2)) is scorer
    # equal content, other objects (e.g. a copy): still the same compiled scorer
    copy = sc.model_copy(deep=True)
    assert scorer_for(copy, [p.model_copy(deep=True) for p in lib.packs_for(sc)]) is scorer


def test_an_edited_file_is_read_again_even_with_the_same_size_and_time(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "mini.yaml"
    lib = load_library([folder], user=False)
    sc = lib.scenario("mini-en")
    before = scorer_for(sc, lib.packs_for(sc)).score(REPLY).score
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "      weight: 30\n" in text
    path.write_text(text.replace("      weight: 30\n", "      weight: -9\n", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time
    assert path.stat().st_size == stat.st_size
    lib2 = load_library([folder], user=False)
    sc2 = lib2.scenario("mini-en")
    assert sc2 is not sc
    after = scorer_for(sc2, lib2.packs_for(sc2)).score(REPLY)
    # the edited weight is the one scored (the total may be capped by other fix rules)
    assert [h.points for h in after.hits if h.rule == "soup-remedy"] == [-9]
    assert after.score <= before



def test_the_app_keeps_few_scorers_and_a_dropped_one_is_freed_at_once(library: Any) -> None:
    """A trainee resting on each row of the library compiles each scenario ahead; the
    app keeps three scorers (``keep_scorers``), and one dropped from the cache is freed
    then, not when the collector next looks for cycles, so browsing does not grow the
    app by a scorer a scenario."""
    import gc
    import weakref

    from simulator.scoring import scorer as sc_mod

    before = sc_mod._MAX
    gc.disable()
    try:
        sc_mod.keep_scorers(2)
        compiled = []
        for sid in ("hotel-ac-en", "agency-deadline-en", "supermarket-return-fr"):
            sc = library.scenario(sid)
            scorer = sc_mod.scorer_for(sc, library.packs_for(sc))
            scorer.score("I'm sorry, I'll refund you today.")
            compiled.append(weakref.ref(scorer))
            del scorer
        assert len(sc_mod._CACHE) == 2
        assert compiled[0]() is None  # the least recently used went, and was freed
        assert compiled[1]() is not None and compiled[2]() is not None
    finally:
        gc.enable()
        sc_mod.keep_scorers(before)
