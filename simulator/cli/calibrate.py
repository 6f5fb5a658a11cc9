"""``eval A.jsonl --against B.jsonl``: how far two sets of labels on the same replies agree.

Two trainers label the same replies (or a trainer's labels meet an earlier file): this
matches the replies, gives Cohen's kappa and the agreement per label, a confusion table
(A's answer against B's), and the list of replies on which they disagree, to settle.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simulator.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, error, print_json
from simulator.cli.scoring import EVAL_LABELS, group_key, read_labelled
from simulator.engine.agreement import Confusion, fmt


def _key(row: dict[str, Any], by_id: bool) -> str:
    if by_id:
        return str(row["id"])
    return " ".join(row["reply"].split())


def _index(
    rows: list[dict[str, Any]], path: str, by_id: bool, problems: list[str]
) -> dict[str, dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    what = "id" if by_id else "reply"
    for row in rows:
        key = _key(row, by_id)
        if key in seen:
            shown = f"'{key}'" if by_id else "the same reply"
            problems.append(
                f"{path}:{row['_line']}:1: {shown} is also on line {seen[key]['_line']}; "
                f"each {what} must appear once (this line is left out)"
            )
            continue
        seen[key] = row
    return seen


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {"line": row["_line"], "id": row.get("id"), "reply": row["reply"]}


def compare(
    rows_a: list[dict[str, Any]],
    rows_b: list[dict[str, Any]],
    path_a: str = "A",
    path_b: str = "B",
    by: str | None = None,
) -> dict[str, Any]:
    """Match the replies of two labelled files and measure how their labels agree.

    Replies are matched by ``id`` when every row of both files has one, else by the
    reply's text (spacing aside). A's labels are the reference of the confusion table.
    """
    problems: list[str] = []
    warnings: list[str] = []
    by_id = all("id" in r and r["id"] is not None for r in [*rows_a, *rows_b])
    a = _index(rows_a, path_a, by_id, problems)
    b = _index(rows_b, path_b, by_id, problems)
    counts = {label: Confusion() for label in EVAL_LABELS}
    groups: dict[str, dict[str, Confusion]] = {}
    disagreements: list[dict[str, Any]] = []
    matched = 0
    compared = 0  # matched replies with at least one label in both files
    all_agree = 0
    for key, ra in a.items():
        rb = b.get(key)
        if rb is None:
            continue
        matched += 1
        if by_id and " ".join(ra["reply"].split()) != " ".join(rb["reply"].split()):
            warnings.append(
                f"id '{key}': the reply differs ({path_a} line {ra['_line']}, "
                f"{path_b} line {rb['_line']}); compared all the same"
            )
        group = None
        if by is not None:
            group = groups.setdefault(group_key(ra, by), {k: Confusion() for k in EVAL_LABELS})
        differ: dict[str, dict[str, bool]] = {}
        shared = [label for label in EVAL_LABELS if label in ra and label in rb]
        if shared:
            compared += 1
        for label in shared:
            counts[label].add(ra[label], rb[label])
            if group is not None:
                group[label].add(ra[label], rb[label])
            if ra[label] != rb[label]:
                differ[label] = {"a": ra[label], "b": rb[label]}
        if differ:
            disagreements.append(
                {
                    "id": ra.get("id"),
                    "reply": ra["reply"],
                    "line_a": ra["_line"],
                    "line_b": rb["_line"],
                    "labels": differ,
                }
            )
        elif shared:
            all_agree += 1
    result: dict[str, Any] = {
        "a": path_a,
        "b": path_b,
        "matched_by": "id" if by_id else "reply",
        "replies": matched,
        "exact_agreement": round(all_agree / compared, 4) if compared else None,
        "labels": {label: _label(c) for label, c in counts.items() if c.n},
        "disagreements": disagreements,
        "only_in_a": [_brief(r) for k, r in a.items() if k not in b],
        "only_in_b": [_brief(r) for k, r in b.items() if k not in a],
        "warnings": warnings,
        "problems": problems,
    }
    if by is not None:
        result["by"] = {
            "field": by,
            "groups": {
                key: {"labels": {lb: _label(c) for lb, c in g.items() if c.n}}
                for key, g in sorted(groups.items())
            },
        }
    return result


def _label(c: Confusion) -> dict[str, Any]:
    m = c.metrics()
    return {
        "kappa": m["kappa"],
        "agreement": m["agreement"],
        "replies": c.n,
        "a_true": c.tp + c.fn,
        "b_true": c.tp + c.fp,
        "confusion": {
            "a_true": {"b_true": c.tp, "b_false": c.fn},
            "a_false": {"b_true": c.fp, "b_false": c.tn},
        },
    }


def cmd_calibrate(args: argparse.Namespace) -> int:
    reads = [read_labelled(args.file), read_labelled(args.against)]
    if reads[0] is None or reads[1] is None:
        return EXIT_USAGE
    (rows_a, problems_a), (rows_b, problems_b) = reads[0], reads[1]
    if args.lang:
        rows_a = [r for r in rows_a if r["lang"] == args.lang]
        rows_b = [r for r in rows_b if r["lang"] == args.lang]
    result = compare(rows_a, rows_b, args.file, args.against, by=args.by)
    result["problems"] = [*problems_a, *problems_b, *result["problems"]]
    status = EXIT_FAIL if result["problems"] or not result["replies"] else EXIT_OK
    if args.format == "json":
        print_json(result)
        return status
    for p in result["problems"]:
        print(p, file=sys.stderr)
    for w in result["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    if not result["replies"]:
        error(
            f"no reply of {args.file} is in {args.against} (matched by "
            f"{result['matched_by']}): nothing to compare"
        )
        return status
    _print_text(result, args.by)
    return status


def _print_text(result: dict[str, Any], by: str | None) -> None:
    a, b = result["a"], result["b"]
    print(f"A = {a}\nB = {b}")
    agree = result["exact_agreement"]
    print(
        f"{result['replies']} replies in both (matched by {result['matched_by']}); "
        + (
            "no label is given in both files"
            if agree is None
            else f"all labels agree on {agree:.0%} of them"
        )
    )
    print(
        f"\n{'label':<14} {'kappa':>6} {'agreement':>10} {'replies':>8} {'A true':>7} {'B true':>7}"
    )
    for label, m in result["labels"].items():
        print(
            f"{label:<14} {fmt(m['kappa'], 6)} {fmt(m['agreement'], 10)} {m['replies']:>8}"
            f" {m['a_true']:>7} {m['b_true']:>7}"
        )
    for label, m in result["labels"].items():
        c = m["confusion"]
        print(f"\n{label:<14}{'B true':>8}{'B false':>9}")
        for side in ("a_true", "a_false"):
            name = "  A " + side[2:]
            print(f"{name:<14}{c[side]['b_true']:>8}{c[side]['b_false']:>9}")
    if by is not None:
        for key, g in result["by"]["groups"].items():
            shown = ", ".join(
                f"{label} kappa {fmt(m['kappa'], 0).strip()} agreement {fmt(m['agreement'], 0).strip()}"
                for label, m in g["labels"].items()
            )
            print(f"\n{by} = {key}: {shown}")
    if result["disagreements"]:
        print(f"\nDisagreements to settle ({len(result['disagreements'])}):")
        for d in result["disagreements"]:
            ident = f"id {d['id']}, " if d["id"] is not None else ""
            what = ", ".join(
                f"{label}: A {str(v['a']).lower()}, B {str(v['b']).lower()}"
                for label, v in d["labels"].items()
            )
            print(f"  {ident}A line {d['line_a']}, B line {d['line_b']}: {what}")
            print(f"    {d['reply']}")
    for name, path, side in (("A", a, "only_in_a"), ("B", b, "only_in_b")):
        if result[side]:
            print(f"\nOnly in {name} ({path}): {len(result[side])}")
            for r in result[side]:
                ident = f" id {r['id']}" if r["id"] is not None else ""
                print(f"  line {r['line']}{ident}: {r['reply']}")
