"""The built-in packs on the project's own labelled replies (tests/data/labelled).

These replies were written from the rubric, apart from the rules; they now guard against
regressions. The independent set used for the published figures is bench/data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli.scoring import evaluate, read_labelled

LABELLED = Path(__file__).parent / "data" / "labelled" / "heldout.jsonl"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_packs_meet_the_bar_on_our_labelled_replies(lang: str, library) -> None:
    read = read_labelled(str(LABELLED))
    assert read is not None
    rows, problems = read
    assert problems == []
    result = evaluate([r for r in rows if r["lang"] == lang], library)
    for label in ("last_word", "concrete_fix"):
        m = result["labels"][label]
        assert m["precision"] >= 0.90 and m["recall"] >= 0.85, (label, m, result["errors"][:5])
