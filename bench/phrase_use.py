"""How many labelled replies each phrase of the built-in packs matches.

    python bench/phrase_use.py [--lang fr] [--list 0|1] [--pack ID]

A phrase that matches one labelled reply or none is a candidate to go: it was most
likely written to catch one sentence, not to state its rule's concept. For each pack of
the language this prints the number of phrases (the entries of `phrases` and of cooccur
`parts`, as written, lexicons not counted) and how many of them match 0, 1, or 2 and
more of the tuning replies: tests/data/labelled/heldout.jsonl, bench/data/heldout-2, -3
and -4, and, when ../shared is present, the shared sample and the delta-2015 rows of
the real replies. The sealed sets (heldout-5, heldout-6), the fresh settings and the
amazon-2016 rows are not read: they measure the rules, they do not shape them.

A phrase "matches" a reply when its words appear there on word boundaries (lexicons
written out, inserted words as its rule allows), whatever negations or exceptions then
make of it. `--list 0` or `--list 1` also prints those phrases (rule and phrase, never
a reply). The last line is JSON: {pack: {"phrases", "0", "1", "2+"}}.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.model.library import load_library
from simulator.model.schema import expand_lexicons
from simulator.scoring import phrases as ph
from simulator.scoring.reply import Reply

TUNING = [
    ROOT / "tests" / "data" / "labelled" / "heldout.jsonl",
    ROOT / "bench" / "data" / "heldout-2.jsonl",
    ROOT / "bench" / "data" / "heldout-3.jsonl",
    ROOT / "bench" / "data" / "heldout-4.jsonl",
    ROOT.parent / "shared" / "eval" / "replies.jsonl",
    ROOT.parent / "shared" / "eval" / "real-train.jsonl",
]
# Of the real replies, only this source is tuning data (the other measures transfer).
REAL_TUNING_SOURCE = "delta-2015"


def tuning_replies(lang: str) -> list[str]:
    out: list[str] = []
    for path in TUNING:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("lang") != lang:
                continue
            if path.name == "real-train.jsonl" and row.get("source") != REAL_TUNING_SOURCE:
                continue
            out.append(row["reply"])
    return out


def rule_phrases(rule: Any) -> Iterator[tuple[str, int]]:
    """Each phrase a rule holds (as written) and the inserted words it allows."""
    for p in getattr(rule, "phrases", None) or []:
        yield p, getattr(rule, "max_gap", 0) or 0
    for part in getattr(rule, "parts", None) or []:
        for p in part.phrases:
            yield p, part.max_gap


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", default="fr", choices=["en", "fr"])
    ap.add_argument("--list", choices=["0", "1"], help="also list the phrases with this count")
    ap.add_argument("--pack", help="only this pack id")
    args = ap.parse_args(argv)

    lib = load_library(user=False)
    packs = [p for p in lib.packs_for_language(args.lang) if not args.pack or p.id == args.pack]
    lexicons: dict[str, list[str]] = {}
    for pack in lib.packs_for_language(args.lang):
        for name, words in pack.lexicons.items():
            lexicons.setdefault(name, list(words))
    replies = [Reply(text, args.lang) for text in tuning_replies(args.lang)]
    print(f"{len(replies)} tuning replies ({args.lang})")
    print(f"{'pack':<24}{'phrases':>8}{'0':>7}{'1':>7}{'2+':>7}")
    summary: dict[str, dict[str, int]] = {}
    for pack in packs:
        counts = {"phrases": 0, "0": 0, "1": 0, "2+": 0}
        listed: list[str] = []
        for rule in pack.rules:
            accents = bool(
                rule.accent_insensitive
                if rule.accent_insensitive is not None
                else pack.accent_insensitive
            )
            for phrase, gap in rule_phrases(rule):
                try:
                    written = expand_lexicons(phrase, lexicons)
                except KeyError:
                    written = phrase
                _, exact, unaccented = ph.compile_phrase(
                    written, args.lang, max_gap=gap, accents=accents
                )
                n = sum(1 for r in replies if r.words(exact, unaccented))
                key = "2+" if n >= 2 else str(n)
                counts["phrases"] += 1
                counts[key] += 1
                if args.list == key:
                    listed.append(f"  {rule.id}: {phrase}")
        summary[pack.id] = counts
        print(
            f"{pack.id:<24}{counts['phrases']:>8}{counts['0']:>7}{counts['1']:>7}{counts['2+']:>7}"
        )
        for line in listed:
            print(line)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
