"""Do verdicts stay byte-identical? Full verdict JSON of many replies, written or checked.

    python bench/verdict_oracle.py --write verdicts.jsonl   # before a change
    python bench/verdict_oracle.py --check verdicts.jsonl   # after it: exit 1 on a change

Replies: every labelled reply of tests/data/labelled and of bench/data/heldout-2..4, and
the scoring bench's generated replies (``--generated``, default 4000). Each is scored by
every built-in scenario of its language and by all the packs of its language, once with
no conversation before it and once after the previous reply of the same scorer (so the
verdicts that depend on the context are compared too). A line per verdict:
``{"key": .., "verdict": ..}``; ``--check`` names the first differences and counts them.
The last line is JSON: {"verdicts": .., "changed": .., "sha256": ..}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scoring import generate

from simulator.model.library import load_library
from simulator.scoring import scorer_for
from simulator.scoring.context import EMPTY

FILES = [
    *sorted((ROOT / "tests" / "data" / "labelled").glob("*.jsonl")),
    *(ROOT / "bench" / "data" / f"heldout-{n}.jsonl" for n in (2, 3, 4)),
]


def replies(generated: int) -> list[tuple[str, str, str]]:
    """(source, language, text) of every reply compared."""
    out: list[tuple[str, str, str]] = []
    for path in FILES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line) if line.strip() else {}
            if "reply" in row:  # (pruned-phrases.jsonl lists phrases, not replies)
                out.append((f"{path.name}:{n + 1}", row["lang"], row["reply"]))
    out += [(f"generated:{i}", lang, text) for i, (lang, text) in enumerate(generate(generated, 1))]
    return out


def verdicts(generated: int) -> list[str]:
    lib = load_library(user=False)
    scorers: dict[str, list[tuple[str, Any]]] = {}
    for lang in ("en", "fr"):
        named = [("packs", scorer_for(None, lib.packs_for_language(lang), lang))]
        named += [
            (sid, scorer_for(sc, lib.packs_for(sc)))
            for sid, sc in sorted(lib.scenarios.items())
            if sc.language == lang
        ]
        scorers[lang] = named
    previous: dict[str, Any] = {}
    lines = []
    for source, lang, text in replies(generated):
        for name, scorer in scorers[lang]:
            v = scorer.score(text)
            lines.append(
                json.dumps({"key": f"{source} {name}", "verdict": v.to_dict()}, ensure_ascii=False)
            )
            before = previous.get(name)
            if before is not None:
                after = scorer.score(text, EMPTY.then(before))
                lines.append(
                    json.dumps(
                        {"key": f"{source} {name} after", "verdict": after.to_dict()},
                        ensure_ascii=False,
                    )
                )
            previous[name] = v
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the verdicts to this file")
    group.add_argument("--check", type=Path, help="compare the verdicts with this file")
    ap.add_argument("--generated", type=int, default=4000, help="generated replies (default 4000)")
    args = ap.parse_args()
    lines = verdicts(args.generated)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    changed = 0
    if args.write:
        args.write.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        known = args.check.read_text(encoding="utf-8").splitlines()
        if len(known) != len(lines):
            print(f"{len(known)} verdicts in {args.check}, {len(lines)} now")
        for old, new in zip(known, lines, strict=False):
            if old != new:
                changed += 1
                if changed <= 5:
                    print(f"changed: {json.loads(old)['key']}\n  was {old}\n  now {new}")
        changed += abs(len(known) - len(lines))
    print(json.dumps({"verdicts": len(lines), "changed": changed, "sha256": digest}))
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
