"""``score``, ``test`` and ``eval``: verdicts, examples, and measuring rule packs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simulator.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    error,
    library,
    print_json,
    read_text_file,
    use_color,
)
from simulator.model.library import Library, UnknownScenario, load_library
from simulator.report.console import verdict_text
from simulator.scoring import Scorer, scorer_for
from simulator.scoring.context import EMPTY

EVAL_LABELS = {
    "last_word": "last_word",
    "concrete_fix": "concrete_fix",
    "acknowledges": "acknowledge",
}


def cmd_score(args: argparse.Namespace) -> int:
    lib = library(args)
    reply = args.reply
    if reply is None:
        if sys.stdin.isatty():
            error("give the reply as an argument, or pipe it on standard input")
            return EXIT_USAGE
        reply = sys.stdin.read()
    if not reply.strip():
        error("the reply is empty")
        return EXIT_USAGE
    scenario = None
    if args.scenario:
        try:
            scenario = lib.scenario(args.scenario)
        except UnknownScenario as exc:
            error(str(exc))
            return EXIT_USAGE
        scorer = scorer_for(scenario, lib.packs_for(scenario))
    else:
        lang = args.lang or "en"
        scorer = scorer_for(None, lib.packs_for_language(lang), lang)
    context = EMPTY
    if args.after:
        from simulator.cli.play import split_script

        text = read_text_file(args.after)
        if text is None:
            return EXIT_USAGE
        earlier = split_script(text)
        if not earlier:
            error(f"{args.after}: no replies in it (one reply per paragraph)")
            return EXIT_USAGE
        for before in earlier:
            context = context.then(scorer.score(before, context))
    verdict = scorer.score(reply, context)
    step = None
    if scenario is not None:
        from simulator.engine import flow

        node = args.node or scenario.start_node
        if scenario.node(node) is None:
            error(
                f"unknown node '{node}' in {scenario.id}; nodes: {', '.join(n.id for n in scenario.nodes)}"
            )
            return EXIT_USAGE
        mood = flow.next_mood(scenario.customer.mood, verdict)
        patience = scenario.customer.patience - (1 if flow.is_bad(verdict) else 0)
        step = flow.decide(
            scenario,
            node,
            verdict,
            mood=mood,
            visits=1,
            patience_left=patience,
            turn=context.replies + 1,
            before=context,
        )
    if args.format == "json":
        data = verdict.to_dict()
        if args.after:
            data["context"] = context.to_dict()
        if step is not None:
            data["next"] = step.goto
        print_json(data)
    else:
        print(verdict_text(verdict, use_color(), next_step=step.goto if step else None))
    return EXIT_OK


# ---------------------------------------------------------------------------- test


def cmd_test(args: argparse.Namespace) -> int:
    from simulator.engine.examples import run_pack, run_scenario

    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            error(f"{p}: no such file or folder")
            return EXIT_USAGE
    lib = load_library([*(Path(d) for d in getattr(args, "scenarios", []) or []), *paths])
    if paths:
        wanted = {q.resolve() for p in paths for q in ([p] if p.is_file() else p.rglob("*.y*ml"))}
        files = [f for f in lib.files if f.path.resolve() in wanted]
    else:
        files = lib.files
    results = []
    broken = [f for f in files if f.problems]
    for f in files:
        if not f.ok:
            continue
        if f.kind == "scenario" and f.ident in lib.scenarios:
            sc = lib.scenarios[f.ident]
            results += [(f, r) for r in run_scenario(sc, lib.packs_for(sc))]
        elif f.kind == "rule_pack" and f.ident in lib.packs:
            results += [(f, r) for r in run_pack(lib.packs[f.ident], lib.packs.values())]
    failed = [(f, r) for f, r in results if not r.passed]
    if args.format == "json":
        print_json(
            {
                "passed": len(results) - len(failed),
                "failed": len(failed),
                "broken_files": [p.to_dict() for f in broken for p in f.problems],
                "failures": [
                    {
                        "example": r.label,
                        "file": _where(f, r.loc),
                        "reply": r.reply,
                        "failures": r.failures,
                    }
                    for f, r in failed
                ],
            }
        )
        return EXIT_FAIL if failed or broken else EXIT_OK
    if not args.quiet:
        line = "".join("." if r.passed else "F" for _, r in results)
        for i in range(0, len(line), 80):
            print(line[i : i + 80])
    if failed:
        print("\n" + "=" * 30 + " FAILURES " + "=" * 30)
    for f, r in failed:
        print(f"\n___ {r.label} ___")
        print(f"{_where(f, r.loc)}")
        print(f"  reply: {r.reply}")
        for msg in r.failures:
            print(f"  E {msg}")
    for f in broken:
        print(f"\n{f.display}: not tested, it has errors:")
        for p in f.problems:
            print(f"  {p}")
    summary = f"{len(results) - len(failed)} passed"
    if failed:
        summary = f"{len(failed)} failed, " + summary
    if broken:
        summary += f", {len(broken)} file(s) with errors"
    print(f"\n{summary}")
    return EXIT_FAIL if failed or broken else EXIT_OK


def _where(f: Any, loc: list[str | int]) -> str:
    if f.doc is None:
        return f.display
    line, col, _ = f.doc.locate(loc)
    return f"{f.display}:{line}:{col}"


# ---------------------------------------------------------------------------- eval


def read_labelled(path: str) -> tuple[list[dict[str, Any]], list[str]] | None:
    text = read_text_file(path)
    if text is None:
        return None
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{n}:{exc.colno}: not valid JSON: {exc.msg}")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("reply"), str):
            problems.append(f"{path}:{n}:1: expected an object with a string 'reply'")
            continue
        if row.get("lang") not in ("en", "fr"):
            problems.append(f'{path}:{n}:1: \'lang\' must be "en" or "fr"')
            continue
        bad = [k for k in EVAL_LABELS if k in row and not isinstance(row[k], bool)]
        if bad:
            problems.append(f"{path}:{n}:1: label '{bad[0]}' must be true or false")
            continue
        row["_line"] = n
        rows.append(row)
    return rows, problems


def evaluate(rows: list[dict[str, Any]], lib: Library) -> dict[str, Any]:
    """Precision, recall and F1 per label, and the misclassified replies."""
    counts = {k: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for k in EVAL_LABELS}
    errors: list[dict[str, Any]] = []
    warnings: list[str] = []
    scorers: dict[str, Scorer] = {}
    for row in rows:
        sid = row.get("scenario_id")
        key = sid if sid in lib.scenarios else f"lang:{row['lang']}"
        if sid and sid not in lib.scenarios and f"unknown:{sid}" not in scorers:
            warnings.append(
                f"unknown scenario_id '{sid}': scored with the {row['lang']} packs alone"
            )
            scorers[f"unknown:{sid}"] = None  # type: ignore[assignment]
        if key not in scorers:
            if sid in lib.scenarios:
                sc = lib.scenarios[sid]
                scorers[key] = scorer_for(sc, lib.packs_for(sc))
            else:
                scorers[key] = scorer_for(None, lib.packs_for_language(row["lang"]), row["lang"])
        verdict = scorers[key].score(row["reply"])
        wrong = []
        for label, category in EVAL_LABELS.items():
            if label not in row:
                continue
            truth = row[label]
            pred = verdict.fired(category)
            cell = ("tp" if pred else "fn") if truth else ("fp" if pred else "tn")
            counts[label][cell] += 1
            if pred != truth:
                wrong.append({"label": label, "expected": truth, "got": pred})
        if wrong:
            errors.append(
                {
                    "id": row.get("id"),
                    "line": row["_line"],
                    "lang": row["lang"],
                    "reply": row["reply"],
                    "wrong": wrong,
                    "fired": verdict.fired_rules,
                }
            )
    labels = {}
    for label, c in counts.items():
        support = c["tp"] + c["fn"]
        predicted = c["tp"] + c["fp"]
        if support + c["fp"] + c["tn"] == 0:
            continue
        p = c["tp"] / predicted if predicted else (1.0 if support == 0 else 0.0)
        r = c["tp"] / support if support else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        labels[label] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "support": support,
            **c,
        }
    return {"replies": len(rows), "labels": labels, "errors": errors, "warnings": warnings}


def cmd_eval(args: argparse.Namespace) -> int:
    read = read_labelled(args.file)
    if read is None:
        return EXIT_USAGE
    rows, problems = read
    if args.lang:
        rows = [r for r in rows if r["lang"] == args.lang]
    lib = library(args)
    result = evaluate(rows, lib)
    result["problems"] = problems
    if args.format == "json":
        print_json(result)
        return EXIT_FAIL if problems else EXIT_OK
    for p in problems:
        print(p, file=sys.stderr)
    for w in result["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"{result['replies']} labelled replies" + (f" ({args.lang})" if args.lang else ""))
    print(f"\n{'label':<14} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
    for label, m in result["labels"].items():
        print(
            f"{label:<14} {m['precision']:>9.2f} {m['recall']:>7.2f} {m['f1']:>6.2f} {m['support']:>8}"
        )
    if result["errors"]:
        print(f"\nMisclassified ({len(result['errors'])}):")
        for e in result["errors"]:
            what = ", ".join(
                f"{w['label']}: expected {str(w['expected']).lower()}, got {str(w['got']).lower()}"
                for w in e["wrong"]
            )
            print(f"  line {e['line']} [{e['lang']}] {what}")
            print(f"    {e['reply']}")
            print(f"    fired: {', '.join(e['fired']) or 'nothing'}")
    return EXIT_FAIL if problems else EXIT_OK
