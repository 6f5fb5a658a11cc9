"""How well the built-in packs generalise: precision and recall on labelled replies.

    python bench/bench_eval.py

Reports, per language and label, the shared sample (../shared/eval, if present), the
project's labelled replies (tests/data/labelled, used as regression tests), the sets
written apart from the rules (bench/data) and the real support replies. Which of them
measure generalisation is said in each heading:

- heldout-2 to heldout-5 were each written blind, scored before and after one or two
  rounds of rule changes, and then opened for tuning (heldout-5 from the third round of
  2026-12-02): their figures are a measure of fit.
- heldout-6 and heldout-7 were written blind and scored, never tuned on, through the
  second to fourth rounds of 2026-12-02; they were opened for tuning in the fifth round
  (2026-12-03): their figures are now a measure of fit.
- study-10 and study-11 were written blind to the rules for the fifth round and opened for tuning
  from the start: their figures after the round are fit, their figures before it (in
  docs/scoring.md) a first look at unseen phrasing.
- heldout-8 was the sealed set of the fourth round (2026-12-02), written blind to the
  rules and scored once before any rule of that round changed; its misses have never
  been read and it is not tuned on.
- heldout-9 was the sealed set of the fifth round (2026-12-03), written blind to the
  rules and scored once before any rule of that round changed; its misses have never
  been read and it is not tuned on.
- heldout-10 was the sealed set of the sixth round (2026-12-03), written blind to the
  rules and scored once before any rule of that round changed; its misses have never
  been read and it is not tuned on. study-12 was written blind beside it, for reading
  and tuning.
- heldout-11 is the sealed set of the seventh round (2026-12-03), written blind to the
  rules and scored once, with the rules as they stood (commit 4b69a38), before any rule
  of that round changed; that round's rules were written from study-12's misses.
  It stays sealed: scored, never read.
- heldout-12 is the sealed set of the eighth round (2026-12-06), written blind to the
  rules by four writers and scored once, with the rules of commit 616fb80, before any
  rule of that round changed; that round's rules were written from study-13's misses
  (study-13 is now tuning data). It stays sealed: scored, never read.
- heldout-13 is the sealed set of the ninth round (2026-12-07), a new genre (public
  replies to reviews, marketplace and rental messages, tradespeople's texts), written
  blind to the rules and scored once, with the rules of commit 955914d, before any rule
  of that round changed; that round's rules were written from the misses of study-14
  (same genre, other writers), which is tuning data. It stays sealed: scored, never read.
- heldout-14 is the sealed set of the tenth round (2026-12-07): brands' short public
  replies on social media, the genre of the real replies, written blind and scored once,
  with the rules of commit 3e35b51, before any rule of that round changed; that round's
  rules were written from the misses of study-15 (same genre, other writers), which
  is tuning data. It stays sealed: scored, never read.
- heldout-15 is the sealed set of the eleventh round (2026-12-07): support-desk
  replies by email and live chat, in English and French, written blind and scored once,
  with the rules of commit 6a561cf, before any rule of that round changed; that round's
  rules (and a matcher fix) were written from the misses of study-16 (same genre, other
  writers), which is tuning data.
- A set that is absent is skipped, saying so.
- ../shared/eval/real-train.jsonl comes from two brands (its `source` field). Since
  2026-12-02 the rules are changed from the misses of delta-2015 only: amazon-2016's
  misses are not read, so its figures measure transfer to a brand the changes did not
  see (earlier rounds had looked at both, so the transfer is partly fit).

Only figures are printed here, never misclassified replies, so the sealed sets stay so.
Files under ../shared are skipped when that folder is absent.
The last line is JSON: {set: {"LANG.LABEL": {"precision", "recall", "kappa"}}}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.cli.scoring import evaluate, group_key, read_labelled
from simulator.engine.agreement import fmt
from simulator.model.library import load_library

SETS = {
    "shared sample": ROOT.parent / "shared" / "eval" / "replies.jsonl",
    "project labelled": ROOT / "tests" / "data" / "labelled" / "heldout.jsonl",
    "heldout-2 (tuning)": ROOT / "bench" / "data" / "heldout-2.jsonl",
    "heldout-3 (tuning)": ROOT / "bench" / "data" / "heldout-3.jsonl",
    "heldout-4 (tuning)": ROOT / "bench" / "data" / "heldout-4.jsonl",
    "heldout-5 (tuning)": ROOT / "bench" / "data" / "heldout-5.jsonl",
    "heldout-6 (tuning)": ROOT / "bench" / "data" / "heldout-6.jsonl",
    "heldout-7 (tuning)": ROOT / "bench" / "data" / "heldout-7.jsonl",
    "study-10 (tuning)": ROOT / "bench" / "data" / "study-10.jsonl",
    "study-11 (tuning)": ROOT / "bench" / "data" / "study-11.jsonl",
    "study-12 (tuning)": ROOT / "bench" / "data" / "study-12.jsonl",
    "heldout-8 (not tuned on)": ROOT / "bench" / "data" / "heldout-8.jsonl",
    "heldout-9 (not tuned on)": ROOT / "bench" / "data" / "heldout-9.jsonl",
    "heldout-10 (not tuned on)": ROOT / "bench" / "data" / "heldout-10.jsonl",
    "study-13 (tuning)": ROOT / "bench" / "data" / "study-13.jsonl",
    "heldout-11 (not tuned on)": ROOT / "bench" / "data" / "heldout-11.jsonl",
    "heldout-12 (not tuned on)": ROOT / "bench" / "data" / "heldout-12.jsonl",
    "study-14 (tuning)": ROOT / "bench" / "data" / "study-14.jsonl",
    "heldout-13 (not tuned on)": ROOT / "bench" / "data" / "heldout-13.jsonl",
    "study-15 (tuning)": ROOT / "bench" / "data" / "study-15.jsonl",
    "heldout-14 (not tuned on)": ROOT / "bench" / "data" / "heldout-14.jsonl",
    "study-16 (tuning)": ROOT / "bench" / "data" / "study-16.jsonl",
    "heldout-15 (sealed, fresh)": ROOT / "bench" / "data" / "heldout-15.jsonl",
    "real-train": ROOT.parent / "shared" / "eval" / "real-train.jsonl",
}


# What each source of the real replies is for; a new source is reported as unseen.
SOURCE_ROLES = {
    "delta-2015": "tuning source",
    "amazon-2016": "transfer: its misses are not read",
}


def split_by_source(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One part per source of the real replies, named for what it measures."""
    sources = sorted({group_key(r, "source") for r in rows})
    return {
        f"real-train {src} ({SOURCE_ROLES.get(src, 'unseen source')})": [
            r for r in rows if group_key(r, "source") == src
        ]
        for src in sources
    }


def main() -> int:
    lib = load_library(user=False)
    summary: dict[str, dict[str, dict[str, float | None]]] = {}
    for name, path in SETS.items():
        if not path.is_file():
            print(f"{name}: {path} not found, skipped")
            continue
        read = read_labelled(str(path))
        assert read is not None
        rows, _ = read
        parts = {name: rows}
        if name == "real-train":
            parts = split_by_source(rows)
        for part, part_rows in parts.items():
            print(f"\n{part} ({len(part_rows)} replies)")
            print(
                f"  {'lang':<5}{'label':<14}{'precision':>10}{'recall':>8}{'f1':>6}"
                f"{'kappa':>7}{'support':>9}"
            )
            for lang in ("en", "fr"):
                res = evaluate([r for r in part_rows if r["lang"] == lang], lib)
                for label, m in res["labels"].items():
                    print(
                        f"  {lang:<5}{label:<14}{m['precision']:>10.2f}{m['recall']:>8.2f}"
                        f"{m['f1']:>6.2f}{fmt(m['kappa'], 7)}{m['support']:>9}"
                    )
                    summary.setdefault(part, {})[f"{lang}.{label}"] = {
                        "precision": m["precision"],
                        "recall": m["recall"],
                        "kappa": m["kappa"],
                    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
