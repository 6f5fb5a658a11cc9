"""How well the built-in packs generalise: precision and recall on labelled replies.

    python bench/bench_eval.py

Reports, per language and label, the shared sample (../shared/eval, if present), the
project's labelled replies (tests/data/labelled, used as regression tests), and two sets
written apart from the rules (bench/data). heldout-2.jsonl has been used to widen the
packs, except its lines whose number is a multiple of 4 ("held": a small, rough
measure). heldout-3.jsonl has never been looked at while writing rules: it is the honest
figure ("sealed"). heldout-4.jsonl, when present, is a fresh sealed set written before
the packs were rewritten by concept; it is skipped, saying so, when absent. Only
figures are printed here, never misclassified replies, so that the held and sealed sets
stay so.

The real support replies of ../shared/eval/real-train.jsonl come from two brands (its
`source` field). The packs are tuned on one source at a time, so the bench measures
transfer: the figures on each source are given as "measured on X, tuned on the other".
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
    "heldout-2": ROOT / "bench" / "data" / "heldout-2.jsonl",
    "heldout-3 (sealed)": ROOT / "bench" / "data" / "heldout-3.jsonl",
    "heldout-4 (sealed, fresh)": ROOT / "bench" / "data" / "heldout-4.jsonl",
    "real-train": ROOT.parent / "shared" / "eval" / "real-train.jsonl",
}


def split_by_source(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One part per source of the real replies, named for the transfer it measures."""
    sources = sorted({group_key(r, "source") for r in rows})
    parts = {}
    for src in sources:
        others = ", ".join(s for s in sources if s != src) or "nothing else"
        parts[f"real-train measured on {src}, tuned on {others}"] = [
            r for r in rows if group_key(r, "source") == src
        ]
    return parts


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
        if name == "heldout-2":
            parts = {
                "heldout-2 held (id % 4 == 0)": [r for r in rows if int(r["id"][3:]) % 4 == 0],
                "heldout-2 used for tuning (other ids)": [
                    r for r in rows if int(r["id"][3:]) % 4 != 0
                ],
            }
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
