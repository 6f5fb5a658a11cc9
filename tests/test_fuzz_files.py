"""Mutated copies of the built-in files never raise: each is refused with problems at a
line and column inside the file, or loads and scores replies (bench/fuzz_files.py runs
the same checks on hundreds of mutants)."""

from __future__ import annotations

import random

import pytest

from bench import fuzz_files as fz


@pytest.fixture(scope="module")
def packs() -> dict:
    return fz.builtin_packs()


def test_mutated_builtin_files_fail_cleanly_or_score(packs: dict) -> None:
    rng = random.Random(3)
    refused = 0
    for m in fz.mutants(16, seed=5):
        out = fz.check(m, packs, rng, replies=3, limit_s=20)
        assert not out.failures, f"{m.source} {m.mutations}:\n" + "\n".join(out.failures)
        refused += out.refused
    assert 0 < refused < 16  # (this seed makes both kinds: refused and valid mutants)


@pytest.mark.parametrize(
    "mutation",
    [fz.m_byte_flip, fz.m_truncate, fz.m_indent, fz.m_delete_lines, fz.m_duplicate_key,
     fz.m_long_line, fz.m_brackets, fz.m_control, fz.m_quote, fz.m_alias, fz.m_type,
     fz.m_hostile_phrase, fz.m_hostile_regex, fz.m_many_phrases],
)
def test_each_kind_of_mutation_on_a_pack_and_a_scenario(packs: dict, mutation) -> None:
    rng = random.Random(7)
    for name in ("packs/en/acknowledge/apology.yaml", "fr/supermarket-return.yaml"):
        text = (fz.builtin_dir() / name).read_text(encoding="utf-8")
        for _ in range(1):
            raw, what = mutation(text, rng)
            data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
            m = fz.Mutant(name, [what], data)
            out = fz.check(m, packs, rng, replies=2, limit_s=20)
            assert not out.failures, f"{name} {what}:\n" + "\n".join(out.failures)


def test_the_reported_files_are_listed_with_their_place() -> None:
    """Issue 13's own cases, through the command line: located, no traceback."""
    m = fz.Mutant("x.yaml", ["unclosed quote, then an indented line"],
                  b'kind: scenario\nid: x\ntitle: "unclosed\n' + b" " * 18 + b"x\n")
    assert not fz.check_cli(m)
    src = fz.load_text(m.raw, fz.SourceFile(fz.Path("x.yaml"), "extra", "x.yaml"))
    assert src.problems and all(p.line >= 1 and p.column >= 1 for p in src.problems)
    nul = b"kind: scenario\n" + b"id: x\n" * 59 + b"title: a\x00b\n"
    src = fz.load_text(nul, fz.SourceFile(fz.Path("n.yaml"), "extra", "n.yaml"))
    assert [(p.line, p.column) for p in src.problems][:1] == [(61, 9)], src.problems
