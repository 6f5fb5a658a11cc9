"""Fuzz the loader and the scorer with mutated copies of the built-in files.

    python bench/fuzz_files.py [--mutants 500] [--replies 20] [--seed 1] [--cli 25]

Each mutant is a built-in scenario or rule pack with one or more mutations: byte flips,
truncation, indentation changes, deleted or duplicated lines (duplicate keys), very long
lines, brackets and deep nesting, control characters, bad UTF-8, unclosed quotes,
aliases, wrong value types, and hostile trainer patterns (phrases of many wildcards with
inserted words, backtracking regexes, lookarounds, thousands of phrases). Every mutant
must load without an exception: either valid, or refused with problems located at a
line and column >= 1 inside the file. A valid mutant is compiled and scores random
replies (arbitrary text, lone surrogates included) within a bound. Every ``--cli``-th
mutant is also put in a scenarios folder of its own and run through ``simulator
validate`` and ``list`` in-process, which must not raise.

Prints the counts (mutants, refused, valid, replies scored, hostile patterns tried,
failures, the slowest reply) and, for each failure, the mutation and what went wrong;
the last line is JSON. Exit status 1 when anything failed. tests/test_fuzz_files.py runs
the same checks on a few dozen mutants.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.model.library import builtin_dir, load_library
from simulator.model.loader import SourceFile, load_text
from simulator.model.schema import RulePack, Scenario
from simulator.scoring.scorer import Scorer, rule_set

# ------------------------------------------------------------------ mutations

HOSTILE_PHRASES = [
    " ".join(["*"] * 30),
    " ".join(["*"] * 8),
    "* " * 7 + "you",
    "you " + "* " * 8 + "lucky",
    "a" * 200,
    "'" * 50,
    "- - - - - - - - - -",
    "€ % * € % * € % *",
    "été * été * été * été",
]
HOSTILE_REGEXES = [
    "(a+)+$",
    "(a|a?)+b",
    "(.*a){20}",
    "(?=you)you",
    "(?<!x)lucky",
    "(a)\\1",
    "a++",
    "\\blucky\\b",
    "(?:" + "|".join(f"w{i}" for i in range(3000)) + ")",
    "[",
    "(((((((((((((((((((((((((((((((((x)))))))))))))))))))))))))))))))))",
    "x{1000}{1000}",
]
CONTROL = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\ud800"]


@dataclass
class Mutant:
    source: str
    mutations: list[str]
    raw: bytes
    hostile: int = 0  # hostile patterns put in


def _lines(text: str) -> list[str]:
    return text.split("\n")


def m_byte_flip(text: str, rng: random.Random) -> tuple[bytes | str, str]:
    data = bytearray(text.encode("utf-8", "surrogateescape"))
    n = rng.randint(1, 8)
    for _ in range(n):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data), f"flip {n} bytes"


def m_truncate(text: str, rng: random.Random) -> tuple[str, str]:
    cut = rng.randrange(len(text))
    return text[:cut], f"truncate at {cut}"


def m_indent(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    how = rng.choice(["more", "less", "tab", "deep"])
    if how == "more":
        lines[i] = " " * rng.randint(1, 6) + lines[i]
    elif how == "less":
        lines[i] = lines[i].lstrip(" ")[: len(lines[i])] if rng.random() < 0.5 else lines[i][1:]
    elif how == "tab":
        lines[i] = "\t" + lines[i]
    else:
        lines[i] = " " * rng.randint(16, 80) + lines[i].lstrip()
    return "\n".join(lines), f"indent {how} line {i + 1}"


def m_delete_lines(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    n = rng.randint(1, 4)
    del lines[i : i + n]
    return "\n".join(lines), f"delete lines {i + 1}-{i + n}"


def m_duplicate_key(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    i = rng.choice(keyed) if keyed else 0
    lines.insert(i + 1, lines[i])
    return "\n".join(lines), f"duplicate line {i + 1}"


def m_long_line(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    n = rng.choice([5_000, 100_000, 200_001, 1_100_000])
    lines.insert(i, rng.choice(["x" * n, "- " + "y" * n, "k: " + "z" * n, "# " + "c" * n]))
    return "\n".join(lines), f"line of {n:,} characters at {i + 1}"


def m_brackets(text: str, rng: random.Random) -> tuple[str, str]:
    pos = rng.randrange(len(text))
    n = rng.choice([1, 3, 33, 70, 5000])
    piece = rng.choice(["[" * n, "{" * n, "]" * n, "}" * n, "[{" * n, "{a: " * n])
    return text[:pos] + piece + text[pos:], f"{piece[:4]}... x{n} at {pos}"


def m_control(text: str, rng: random.Random) -> tuple[str, str]:
    pos = rng.randrange(len(text))
    ch = rng.choice(CONTROL)
    if ch == "\ud800":
        data = text[:pos].encode("utf-8", "surrogateescape") + b"\xed\xa0\x80" + text[pos:].encode("utf-8", "surrogateescape")
        return data.decode("utf-8", "surrogateescape"), "encoded surrogate"
    return text[:pos] + ch + text[pos:], f"control {ch!r} at {pos}"


def m_quote(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + rng.choice(['"', "'", ' "unclosed', ": '"])
    if rng.random() < 0.5:
        lines.insert(i + 1, " " * 18 + "x")
    return "\n".join(lines), f"unclosed quote line {i + 1}"


def m_alias(text: str, rng: random.Random) -> tuple[str, str]:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    return text + "\n" + rng.choice([bomb, "x: *undefined\n", "y: &y\n  z: *y\n"]), "aliases"


def m_type(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    keyed = [i for i, line in enumerate(lines) if ": " in line]
    i = rng.choice(keyed)
    key = lines[i].split(": ", 1)[0]
    value = rng.choice(["[1, 2]", "{a: 1}", "null", "-1e309", "999999999999999999999", "yes", "''"])
    lines[i] = f"{key}: {value}"
    return "\n".join(lines), f"value of line {i + 1} -> {value}"


def m_hostile_phrase(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    items = [i for i, line in enumerate(lines) if line.lstrip().startswith("- ") and ":" not in line]
    if not items:
        return m_hostile_regex(text, rng)
    i = rng.choice(items)
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    phrase = rng.choice(HOSTILE_PHRASES)
    lines[i] = f"{indent}- {json.dumps(phrase)}"
    gaps = [k for k in range(max(0, i - 80), i) if lines[k].strip().startswith("max_gap:")]
    if gaps:
        lines[gaps[-1]] = lines[gaps[-1]].split("max_gap:")[0] + "max_gap: 5"
    return "\n".join(lines), f"hostile phrase {phrase[:30]!r} line {i + 1}"


def m_hostile_regex(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    items = [i for i, line in enumerate(lines) if line.lstrip().startswith("pattern:")]
    regex = rng.choice(HOSTILE_REGEXES)
    if not items:
        return m_many_phrases(text, rng)
    i = rng.choice(items)
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = f"{indent}pattern: {json.dumps(regex)}"
    return "\n".join(lines), f"hostile regex {regex[:30]!r} line {i + 1}"


def m_many_phrases(text: str, rng: random.Random) -> tuple[str, str]:
    lines = _lines(text)
    items = [i for i, line in enumerate(lines) if line.strip() == "phrases:"]
    if not items:
        return m_hostile_phrase_inline(text, rng)
    i = rng.choice(items)
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())] + "  "
    n = rng.choice([500, 2001, 20_000])
    lines[i + 1 : i + 1] = [f"{indent}- w{k} other{k}" for k in range(n)]
    return "\n".join(lines), f"{n:,} phrases at line {i + 1}"


def m_hostile_phrase_inline(text: str, rng: random.Random) -> tuple[str, str]:
    return text.replace("phrases: [", f"phrases: [{json.dumps(rng.choice(HOSTILE_PHRASES))}, ", 1), "inline phrase"


MUTATIONS: list[tuple[Callable[[str, random.Random], tuple[Any, str]], bool]] = [
    (m_byte_flip, False),
    (m_truncate, False),
    (m_indent, False),
    (m_delete_lines, False),
    (m_duplicate_key, False),
    (m_long_line, False),
    (m_brackets, False),
    (m_control, False),
    (m_quote, False),
    (m_alias, False),
    (m_type, False),
    (m_hostile_phrase, True),
    (m_hostile_regex, True),
    (m_many_phrases, True),
]


def sources() -> list[Path]:
    return sorted(builtin_dir().rglob("*.yaml"))


def mutants(n: int, seed: int) -> Iterator[Mutant]:
    rng = random.Random(seed)
    files = [(p, p.read_text(encoding="utf-8")) for p in sources()]
    for _ in range(n):
        path, text = rng.choice(files)
        done: list[str] = []
        hostile = 0
        current: str | bytes = text
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            func, is_hostile = rng.choice(MUTATIONS)
            if isinstance(current, bytes):  # (after a byte flip: work on what decodes)
                current = current.decode("utf-8", "surrogateescape")
            current, what = func(current, rng)
            hostile += is_hostile
            done.append(what)
        raw = (
            current
            if isinstance(current, bytes)
            else current.encode("utf-8", "surrogateescape")
        )
        yield Mutant(str(path.relative_to(builtin_dir())), done, raw, hostile)


# ------------------------------------------------------------------ checks


REPLY_PARTS = [
    "You're lucky we even talk to you.", "I'm so sorry, I'll refund you today.",
    "Calm down.", "Je suis désolé, je vous rembourse aujourd'hui.", "vous avez de la chance",
    "* * *", "a " * 40, "\ud800", "\x00", "é" * 30, "'" * 20, "?" * 10, "ﬁ ß İ", "\n\n",
]


def random_reply(rng: random.Random) -> str:
    if rng.random() < 0.1:  # one word too few for a phrase of wildcards: the costly miss
        return "a " * rng.choice([7, 20, 29]) + "!"
    parts = []
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.7:
            parts.append(rng.choice(REPLY_PARTS))
        else:
            parts.append("".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(1, 30))))
    text = " ".join(parts)
    return text * rng.choice([1, 1, 1, 50]) if rng.random() < 0.2 else text


@dataclass
class Outcome:
    refused: bool = False
    replies: int = 0
    slowest: float = 0.0
    failures: list[str] = field(default_factory=list)


class Timeout(Exception):
    pass


@contextlib.contextmanager
def bound(seconds: int) -> Iterator[None]:
    """Raise Timeout after ``seconds`` (a hang counts as a failure, not a stalled run)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def ring(*_: Any) -> None:
        raise Timeout(f"more than {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check(m: Mutant, packs: dict[str, RulePack], rng: random.Random, replies: int,
          limit_s: int = 30) -> Outcome:
    out = Outcome()
    try:
        with bound(limit_s):
            src = load_text(m.raw, SourceFile(Path(m.source), "extra", m.source))
    except Exception:
        out.failures.append("load raised:\n" + traceback.format_exc(limit=-3))
        return out
    text_lines = m.raw.count(b"\n") + 1
    if src.problems:
        out.refused = True
        for p in src.problems:
            if not (1 <= p.line <= text_lines + 1 and p.column >= 1):
                out.failures.append(f"problem not located inside the file: {p}")
            if "Traceback" in p.message:
                out.failures.append(f"a traceback in a message: {p}")
        return out
    model = src.model
    try:
        with bound(limit_s):
            if isinstance(model, Scenario):
                used = [packs[p] for p in model.scoring.packs if p in packs]
                rules, cats = rule_set(used, model)
                scorer = Scorer(rules, model.language, cats, model.customer.lifetime_value)
            else:
                assert isinstance(model, RulePack)
                rules, cats = rule_set([model])
                scorer = Scorer(rules, model.language, cats)
    except Exception:
        out.failures.append("compiling the scorer raised:\n" + traceback.format_exc(limit=-3))
        return out
    for _ in range(replies):
        reply = random_reply(rng)
        start = time.perf_counter()
        try:
            with bound(limit_s):
                v = scorer.score(reply)
            json.dumps(v.to_dict(), ensure_ascii=False).encode("utf-8")
            if not 0 <= v.score <= 100:
                out.failures.append(f"score {v.score} out of range")
        except Exception:
            out.failures.append(f"scoring {reply[:60]!r} raised:\n" + traceback.format_exc(limit=-3))
            break
        out.slowest = max(out.slowest, time.perf_counter() - start)
        out.replies += 1
    return out


def check_cli(m: Mutant) -> list[str]:
    """``validate`` and ``list`` with the mutant in a scenarios folder: no exception."""
    from simulator.cli import main as cli_main

    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "mutant.yaml").write_bytes(m.raw)
        for cmd in (["validate"], ["list"]):
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    cli_main(["--scenarios", tmp, *cmd])
            except SystemExit:
                pass
            except Exception:
                failures.append(f"simulator {cmd[0]} raised:\n" + traceback.format_exc(limit=-3))
    return failures


def builtin_packs() -> dict[str, RulePack]:
    return dict(load_library(user=False).packs)


def run(n: int, seed: int, replies: int, cli_every: int = 0, limit_s: int = 30) -> dict[str, Any]:
    packs = builtin_packs()
    rng = random.Random(seed + 1)
    totals: dict[str, Any] = {
        "mutants": 0, "refused": 0, "valid": 0, "replies": 0, "patterns": 0,
        "failures": 0, "slowest_reply_ms": 0.0, "cli_checked": 0,
    }
    failed: list[tuple[Mutant, list[str]]] = []
    for k, m in enumerate(mutants(n, seed)):
        out = check(m, packs, rng, replies, limit_s)
        if cli_every and k % cli_every == 0:
            out.failures += check_cli(m)
            totals["cli_checked"] += 1
        totals["mutants"] += 1
        totals["refused" if out.refused else "valid"] += 1
        totals["replies"] += out.replies
        totals["patterns"] += m.hostile
        totals["slowest_reply_ms"] = max(totals["slowest_reply_ms"], round(out.slowest * 1000, 1))
        if out.failures:
            totals["failures"] += 1
            failed.append((m, out.failures))
    totals["failed"] = [
        {"source": m.source, "mutations": m.mutations, "what": f} for m, f in failed
    ]
    return totals


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutants", type=int, default=500)
    ap.add_argument("--replies", type=int, default=20, help="replies scored per valid mutant")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cli", type=int, default=25, help="run validate and list on every N-th mutant (0: never)")
    args = ap.parse_args()
    start = time.perf_counter()
    totals = run(args.mutants, args.seed, args.replies, args.cli)
    took = time.perf_counter() - start
    for f in totals["failed"]:
        print(f"FAIL {f['source']} {f['mutations']}")
        for what in f["what"]:
            print("    " + what.replace("\n", "\n    "))
    print(
        f"{totals['mutants']} mutants ({totals['refused']} refused with located problems, "
        f"{totals['valid']} valid), {totals['replies']} replies scored, "
        f"{totals['patterns']} hostile patterns tried, {totals['cli_checked']} run through "
        f"validate and list, {totals['failures']} failures; slowest reply "
        f"{totals['slowest_reply_ms']} ms; {took:.0f} s"
    )
    print(json.dumps({k: v for k, v in totals.items() if k != "failed"}))
    return 1 if totals["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
