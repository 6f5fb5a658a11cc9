"""How well the built-in packs generalise: precision and recall on labelled replies.

    python bench/bench_eval.py

Reports, per language and label, the shared sample (../shared/eval, if present), the
project's labelled replies (tests/data/labelled, used as regression tests), and two sets
written apart from the rules (bench/data). heldout-2.jsonl has been used to widen the
packs, except its lines whose number is a multiple of 4 ("held": a small, rough
measure). heldout-3.jsonl has never been looked at while writing rules: it is the honest
figure ("sealed"). Only figures are printed here, never misclassified replies, so that
the held and sealed sets stay so.
The last line is JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.cli.scoring import evaluate, read_labelled
from simulator.model.library import load_library

SETS = {
    "shared sample": ROOT.parent / "shared" / "eval" / "replies.jsonl",
    "project labelled": ROOT / "tests" / "data" / "labelled" / "heldout.jsonl",
    "heldout-2": ROOT / "bench" / "data" / "heldout-2.jsonl",
    "heldout-3 (sealed)": ROOT / "bench" / "data" / "heldout-3.jsonl",
}


def main() -> int:
    lib = load_library(user=False)
    summary: dict[str, dict[str, dict[str, float]]] = {}
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
        for part, part_rows in parts.items():
            print(f"\n{part} ({len(part_rows)} replies)")
            print(f"  {'lang':<5}{'label':<14}{'precision':>10}{'recall':>8}{'f1':>6}{'support':>9}")
            for lang in ("en", "fr"):
                res = evaluate([r for r in part_rows if r["lang"] == lang], lib)
                for label, m in res["labels"].items():
                    print(
                        f"  {lang:<5}{label:<14}{m['precision']:>10.2f}{m['recall']:>8.2f}"
                        f"{m['f1']:>6.2f}{m['support']:>9}"
                    )
                    summary.setdefault(part, {})[f"{lang}.{label}"] = {
                        "precision": m["precision"],
                        "recall": m["recall"],
                    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
