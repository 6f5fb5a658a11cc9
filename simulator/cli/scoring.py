"""``score``, ``test`` and ``eval``: verdicts, examples, and measuring rule packs."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
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
from simulator.engine.agreement import Confusion, fmt
from simulator.model.library import Library, UnknownScenario
from simulator.report.console import verdict_text
from simulator.scoring import Scorer, scorer_for
from simulator.scoring.context import EMPTY
from simulator.scoring.normalize import clean

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
        raw = sys.stdin.buffer.read()
        try:
            reply = raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            error(f"standard input, line {line}: not valid UTF-8; send UTF-8 text")
            return EXIT_USAGE
    elif clean(reply) != reply:  # undecodable bytes in the argument (or a lone surrogate)
        error("the reply is not valid UTF-8 text; give it as UTF-8")
        return EXIT_USAGE
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
        packs = lib.packs_for(scenario)
        scorer = scorer_for(scenario, packs)
    else:
        lang = args.lang or "en"
        packs = lib.packs_for_language(lang)
        scorer = scorer_for(None, packs, lang)
    context = EMPTY
    if args.after:
        from simulator.service.headless import split_script

        text = read_text_file(args.after)
        if text is None:
            return EXIT_USAGE
        earlier = split_script(text)
        if not earlier:
            error(f"{args.after}: no replies in it (one reply per paragraph)")
            return EXIT_USAGE
        for before in earlier:
            context = context.then(scorer.score(before, context))
    explanation = None
    if args.explain:
        from simulator.scoring.explain import explain

        explanation = explain(scorer, reply, context, packs=packs, scenario=scenario)
        verdict = explanation.verdict
    else:
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
        if explanation is not None:
            trace = explanation.to_dict()
            data["explain"] = {"normalised": trace["normalised"], "rules": trace["rules"]}
        print_json(data)
    else:
        print(verdict_text(verdict, use_color(), next_step=step.goto if step else None))
        if explanation is not None:
            from simulator.report.explain import explanation_lines

            print("\nWhy:\n" + "\n".join(explanation_lines(explanation)))
    return EXIT_OK


# ---------------------------------------------------------------------------- test


def cmd_test(args: argparse.Namespace) -> int:
    from simulator.cli import coverage
    from simulator.cli.library import selected_files
    from simulator.engine.examples import run_pack, run_scenario

    bad = coverage.check_args(args)
    if bad:
        error(bad)
        return EXIT_USAGE
    selected = selected_files(args)
    if selected is None:
        return EXIT_USAGE
    lib, files = selected
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
    cov = None
    if args.coverage:
        try:
            cov = coverage.measure(args, lib, files)
        except coverage.ScriptError as exc:
            error(str(exc))
            return EXIT_USAGE
    status = EXIT_FAIL if failed or broken else EXIT_OK
    if cov is not None and args.strict and not cov.complete:
        status = EXIT_FAIL
    if args.format == "json":
        print_json(
            {
                **(cov.to_json(_where) if cov is not None else {}),
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
        return status
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
    if cov is not None:
        coverage.print_text(cov, _where)
    return status


def _where(f: Any, loc: list[str | int]) -> str:
    return str(f.where(loc))


# ---------------------------------------------------------------------------- eval


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


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
        if clean(row["reply"]) != row["reply"]:
            at = _SURROGATE_ESCAPE.search(line)
            col = at.start() + 1 if at else 1
            problems.append(
                f"{path}:{n}:{col}: the reply holds an escape such as \\ud800 that is no "
                "character (half of a UTF-16 pair); write the character itself"
            )
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


def _scorers(lib: Library) -> tuple[Callable[[dict[str, Any]], Scorer], list[str]]:
    """A function from a labelled row to the scorer it is measured with, and warnings."""
    scorers: dict[str, Scorer] = {}
    warned: set[str] = set()
    warnings: list[str] = []

    def scorer(row: dict[str, Any]) -> Scorer:
        sid = row.get("scenario_id")
        known = isinstance(sid, str) and sid in lib.scenarios
        if sid and not known and str(sid) not in warned:
            warned.add(str(sid))
            warnings.append(
                f"unknown scenario_id '{sid}': scored with the {row['lang']} packs alone"
            )
        key = f"scenario:{sid}" if known else f"lang:{row['lang']}"
        if key not in scorers:
            if known:
                sc = lib.scenarios[sid]
                scorers[key] = scorer_for(sc, lib.packs_for(sc))
            else:
                scorers[key] = scorer_for(None, lib.packs_for_language(row["lang"]), row["lang"])
        return scorers[key]

    return scorer, warnings


MISSING = "(missing)"


def group_key(row: dict[str, Any], field: str) -> str:
    """The value of ``field`` in a row, as ``--by`` names its group."""
    if field not in row or row[field] is None:
        return MISSING
    value = row[field]
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _label_table(counts: dict[str, Confusion]) -> dict[str, dict[str, Any]]:
    return {label: c.metrics() for label, c in counts.items() if c.n}


def evaluate(rows: list[dict[str, Any]], lib: Library, by: str | None = None) -> dict[str, Any]:
    """Per label: precision, recall, F1, Cohen's kappa and the confusion counts of the
    packs' verdicts against the rows' labels; the misclassified replies; and with ``by``,
    the same figures for each value of that field."""
    scorer, warnings = _scorers(lib)
    counts = {k: Confusion() for k in EVAL_LABELS}
    groups: dict[str, tuple[int, dict[str, Confusion]]] = {}
    errors: list[dict[str, Any]] = []
    for row in rows:
        verdict = scorer(row).score(row["reply"])
        group = None
        if by is not None:
            key = group_key(row, by)
            n, group = groups.get(key, (0, {k: Confusion() for k in EVAL_LABELS}))
            groups[key] = (n + 1, group)
        wrong = []
        for label, category in EVAL_LABELS.items():
            if label not in row:
                continue
            truth = row[label]
            pred = verdict.fired(category)
            counts[label].add(truth, pred)
            if group is not None:
                group[label].add(truth, pred)
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
                    **({"group": group_key(row, by)} if by is not None else {}),
                }
            )
    result: dict[str, Any] = {
        "replies": len(rows),
        "labels": _label_table(counts),
        "errors": errors,
        "warnings": warnings,
    }
    if by is not None:
        result["by"] = {
            "field": by,
            "groups": {
                key: {"replies": n, "labels": _label_table(group)}
                for key, (n, group) in sorted(groups.items())
            },
        }
    return result


def cmd_eval(args: argparse.Namespace) -> int:
    if getattr(args, "against", None):
        from simulator.cli.calibrate import cmd_calibrate

        return cmd_calibrate(args)
    read = read_labelled(args.file)
    if read is None:
        return EXIT_USAGE
    rows, problems = read
    if args.lang:
        rows = [r for r in rows if r["lang"] == args.lang]
    lib = library(args)
    result = evaluate(rows, lib, by=args.by)
    result["problems"] = problems
    if args.format == "json":
        print_json(result)
        return EXIT_FAIL if problems else EXIT_OK
    for p in problems:
        print(p, file=sys.stderr)
    for w in result["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"{result['replies']} labelled replies" + (f" ({args.lang})" if args.lang else ""))
    print()
    print_label_table(result["labels"])
    if args.by:
        groups = result["by"]["groups"]
        print(f"\nBy {args.by} ({len(groups)} value(s)):")
        for key, g in groups.items():
            print(f"\n{args.by} = {key} ({g['replies']} replies)")
            print_label_table(g["labels"])
    if result["errors"]:
        print(f"\nMisclassified ({len(result['errors'])}):")
        for e in result["errors"]:
            what = ", ".join(
                f"{w['label']}: expected {str(w['expected']).lower()}, got {str(w['got']).lower()}"
                for w in e["wrong"]
            )
            group = f" [{args.by} = {e['group']}]" if "group" in e else ""
            print(f"  line {e['line']} [{e['lang']}]{group} {what}")
            print(f"    {e['reply']}")
            print(f"    fired: {', '.join(e['fired']) or 'nothing'}")
    return EXIT_FAIL if problems else EXIT_OK


def print_label_table(labels: dict[str, dict[str, Any]]) -> None:
    """precision, recall, F1, kappa, support and the confusion counts, one label a line."""
    print(
        f"{'label':<14} {'precision':>9} {'recall':>7} {'f1':>6} {'kappa':>6} {'support':>8}"
        f" {'tp':>5} {'fp':>5} {'fn':>5} {'tn':>5}"
    )
    for label, m in labels.items():
        print(
            f"{label:<14} {m['precision']:>9.2f} {m['recall']:>7.2f} {m['f1']:>6.2f}"
            f" {fmt(m['kappa'], 6)} {m['support']:>8}"
            f" {m['tp']:>5} {m['fp']:>5} {m['fn']:>5} {m['tn']:>5}"
        )
