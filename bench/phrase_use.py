"""How many tuning replies each phrase of the built-in packs catches.

    python bench/phrase_use.py [--lang en] [--list 0|1] [--pack ID]

A phrase "catches" a reply when, scoring that reply, the phrase matched and nothing
(a negation, an exception, a condition or a quotation) took that match away. The
tuning replies are the project's regression set (tests/data/labelled/heldout.jsonl),
the concept probes, bench/data/heldout-2 to -7, study-10 to study-12, and, when ../shared/eval is
present, the shared sample and the delta-2015 rows of real-train.jsonl. The sealed sets
(heldout-8, heldout-9), the fresh settings and the amazon-2016 rows are not read: they
measure transfer.

Prints, per pack: its phrases (in phrase rules and cooccur parts; lexicon entries and
exceptions aside) and how many catch 0, 1, or 2 and more tuning replies. ``--list 0``
or ``--list 1`` also prints those phrases, each with its rule and the ids it catches.
The last line is JSON: {pack: {"phrases", "0", "1", "2+"}}.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.cli.scoring import read_labelled
from simulator.model.library import load_library
from simulator.scoring.explain import explain
from simulator.scoring.scorer import scorer_for

SHARED = ROOT.parent / "shared" / "eval"
TUNING = [
    ROOT / "tests" / "data" / "labelled" / "heldout.jsonl",
    ROOT / "bench" / "data" / "heldout-2.jsonl",
    ROOT / "bench" / "data" / "heldout-3.jsonl",
    ROOT / "bench" / "data" / "heldout-4.jsonl",
    ROOT / "bench" / "data" / "heldout-5.jsonl",
    ROOT / "bench" / "data" / "heldout-6.jsonl",
    ROOT / "bench" / "data" / "heldout-7.jsonl",
    ROOT / "bench" / "data" / "study-10.jsonl",
    ROOT / "bench" / "data" / "study-11.jsonl",
    ROOT / "bench" / "data" / "study-12.jsonl",
    ROOT / "tests" / "data" / "labelled" / "concepts-en.jsonl",
    ROOT / "tests" / "data" / "labelled" / "concepts-fr.jsonl",
    SHARED / "replies.jsonl",
    SHARED / "real-train.jsonl",
]
TUNING_SOURCES = {None, "delta-2015"}  # of real-train, only delta-2015 is tuning data


def tuning_rows(lang: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in TUNING:
        if not path.is_file():
            continue
        read = read_labelled(str(path))
        assert read is not None
        for row in read[0]:
            if row["lang"] != lang:
                continue
            if path.name == "real-train.jsonl" and row.get("source") not in TUNING_SOURCES:
                continue
            row["_key"] = f"{path.name}:{row.get('id', row['_line'])}"
            rows.append(row)
    return rows


def pack_phrases(pack: Any) -> list[tuple[str, str | None, str]]:
    """(rule, part, phrase) for every phrase a pack's rules hold."""
    out: list[tuple[str, str | None, str]] = []
    for rule in pack.rules:
        for phrase in getattr(rule, "phrases", None) or []:
            out.append((rule.id, None, phrase))
        for part in getattr(rule, "parts", None) or []:
            for phrase in part.phrases:
                out.append((rule.id, part.name, phrase))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", default="en")
    ap.add_argument("--list", choices=["0", "1"], help="print the phrases catching 0 or 1")
    ap.add_argument("--pack", help="only this pack")
    args = ap.parse_args()

    lib = load_library(user=False)
    packs = [p for p in lib.packs_for_language(args.lang) if not args.pack or p.id == args.pack]
    caught: dict[tuple[str, str | None, str], set[str]] = defaultdict(set)
    for row in tuning_rows(args.lang):
        sid = row.get("scenario_id")
        scenario = lib.scenarios.get(sid) if isinstance(sid, str) else None
        if scenario is not None:
            row_packs = lib.packs_for(scenario)
            scorer = scorer_for(scenario, row_packs)
        else:
            row_packs = lib.packs_for_language(args.lang)
            scorer = scorer_for(None, row_packs, args.lang)
        ex = explain(scorer, row["reply"], packs=row_packs, scenario=scenario)
        for trace in ex.rules:
            for found in trace.found:
                if found.cancelled is None:
                    caught[(trace.rule, found.part, found.phrase)].add(row["_key"])

    summary: dict[str, dict[str, int]] = {}
    for pack in packs:
        counts = {"phrases": 0, "0": 0, "1": 0, "2+": 0}
        for key in pack_phrases(pack):
            n = len(caught.get(key, ()))
            counts["phrases"] += 1
            bucket = "0" if n == 0 else "1" if n == 1 else "2+"
            counts[bucket] += 1
            if args.list == bucket:
                rule, part, phrase = key
                where = f"{rule}/{part}" if part else rule
                ids = " ".join(sorted(caught.get(key, ())))
                print(f"  {pack.id}\t{where}\t{phrase}\t{ids}")
        summary[pack.id] = counts
        print(
            f"{pack.id}: {counts['phrases']} phrases; catching 0 tuning replies: "
            f"{counts['0']}, 1: {counts['1']}, 2+: {counts['2+']}"
        )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
