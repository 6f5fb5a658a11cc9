"""``simulator test --coverage``: the report of what the examples leave untested.

The analysis is :mod:`simulator.engine.coverage`; this module reads the scripted paths,
runs it over the files ``test`` selected, and prints the text or JSON report.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.cli.common import read_text_file
from simulator.engine.coverage import (
    Playthroughs,
    RuleGap,
    Unreached,
    playthroughs,
    reach,
    rule_gaps,
    unreached,
)
from simulator.model.library import Library
from simulator.model.loader import SourceFile


class ScriptError(ValueError):
    pass


@dataclass
class Coverage:
    rules: list[tuple[SourceFile, RuleGap]] = field(default_factory=list)
    unreached: list[tuple[SourceFile, Unreached]] = field(default_factory=list)
    plays: list[tuple[SourceFile, Playthroughs]] = field(default_factory=list)
    scripts: dict[str, int] = field(default_factory=dict)  # scenario id -> scripts played
    walks: int = 0
    seed: str = "0"

    @property
    def dead_ends(self) -> int:
        return sum(len(p.dead_ends) for _, p in self.plays)

    @property
    def complete(self) -> bool:
        return not (self.rules or self.unreached or self.dead_ends)

    def to_json(self, where: Any) -> dict[str, Any]:
        return {
            "uncovered_rules": [{**g.to_dict(), "file": where(f, g.loc)} for f, g in self.rules],
            "unreached": [{**u.to_dict(), "file": where(f, u.loc)} for f, u in self.unreached],
            "dead_ends": [
                {**d.to_dict(), "file": where(f, d.loc)} for f, p in self.plays for d in p.dead_ends
            ],
            "playthroughs": {
                "walks": self.walks,
                "seed": self.seed,
                "scenarios": [p.to_dict() for _, p in self.plays],
            },
            "scripts": self.scripts,
        }


def read_scripts(folders: list[str], scenario_id: str) -> list[list[str]]:
    """The scripted paths of a scenario: ``FOLDER/SCENARIO-ID.json`` in each folder, an
    object of named lists of replies (``{"kept": ["...", "..."]}``), a list of such lists,
    or one list of replies."""
    scripts: list[list[str]] = []
    for folder in folders:
        path = Path(folder) / f"{scenario_id}.json"
        if not path.is_file():
            continue
        text = read_text_file(str(path))
        if text is None:
            raise ScriptError(f"{path}: cannot be read")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScriptError(
                f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
            ) from None
        if isinstance(data, dict):
            paths = list(data.values())
        elif isinstance(data, list) and all(isinstance(x, str) for x in data):
            paths = [data]
        else:
            paths = data if isinstance(data, list) else [data]
        for p in paths:
            if not isinstance(p, list) or not all(isinstance(x, str) for x in p):
                raise ScriptError(
                    f"{path}: expected an object of lists of replies (strings), "
                    'e.g. {"kept": ["I am sorry...", "..."]}'
                )
            scripts.append(p)
    return scripts


MAX_WALKS = 1000


def check_args(args: argparse.Namespace) -> str | None:
    """What is wrong with the coverage options, if anything (defaults filled in)."""
    given = [
        name
        for name, value in (
            ("--strict", args.strict),
            ("--scripts", args.scripts),
            ("--walks", args.walks),
            ("--seed", args.seed),
        )
        if value
    ]
    if not args.coverage:
        return f"{', '.join(given)} go(es) with --coverage" if given else None
    args.walks = 20 if args.walks is None else args.walks
    args.seed = "0" if args.seed is None else args.seed
    if not 0 <= args.walks <= MAX_WALKS:
        return f"--walks must be between 0 and {MAX_WALKS}"
    for folder in args.scripts:
        if not Path(folder).is_dir():
            return f"{folder}: no such folder (--scripts takes a folder of SCENARIO-ID.json files)"
    return None


def measure(args: argparse.Namespace, lib: Library, files: list[SourceFile]) -> Coverage:
    cov = Coverage(walks=args.walks, seed=str(args.seed))
    packs = [
        (f, lib.packs[f.ident])
        for f in files
        if f.ok and f.kind == "rule_pack" and f.ident in lib.packs
    ]
    scenarios = [
        (f, lib.scenarios[f.ident])
        for f in files
        if f.ok and f.kind == "scenario" and f.ident in lib.scenarios
    ]
    by_owner = {p.id: f for f, p in packs} | {s.id: f for f, s in scenarios}
    gaps = rule_gaps([p for _, p in packs], [s for _, s in scenarios], lib.scenarios.values())
    cov.rules = [(by_owner[g.owner], g) for g in gaps]
    for f, sc in scenarios:
        sc_packs = lib.packs_for(sc)
        scripts = read_scripts(args.scripts, sc.id)
        if scripts:
            cov.scripts[sc.id] = len(scripts)
        cov.unreached += [(f, u) for u in unreached(sc, reach(sc, sc_packs, scripts))]
        cov.plays.append((f, playthroughs(sc, sc_packs, walks=args.walks, seed=args.seed)))
    return cov


def print_text(cov: Coverage, where: Any) -> None:
    print("\n" + "=" * 30 + " COVERAGE " + "=" * 30)
    if cov.rules:
        print(f"\nRules no example exercises ({len(cov.rules)}):")
        for f, g in cov.rules:
            what = " or ".join({"fires": "fires it", "passes": "passes it"}[m] for m in g.missing)
            print(f"  {where(f, g.loc)}: {g.owner}::{g.rule} ({g.category}): no example {what}")
        print(
            "  (give the rule examples.fires / examples.passes, or name it in a scenario "
            "example's fires / not_fires)"
        )
    else:
        print("\nEvery rule has an example that fires it and one that passes it.")
    if cov.unreached:
        print(f"\nNot reached by any example or script ({len(cov.unreached)}):")
        for f, u in cov.unreached:
            print(f"  {where(f, u.loc)}: {u.scenario}: {u.kind} {u.id}")
    elif cov.plays:
        print("\nEvery node, transition and ending is reached by an example or a script.")
    if cov.scripts:
        shown = ", ".join(f"{sid} {n}" for sid, n in cov.scripts.items())
        print(f"(scripted paths played: {shown})")
    if cov.plays:
        print(
            f"\nRandom playthroughs: {cov.walks} per scenario, seed {cov.seed}, replies "
            "picked from the scenario's and its packs' examples:"
        )
    for f, p in cov.plays:
        ends = ", ".join(f"{e} {n}" for e, n in p.endings.items()) or "none"
        print(
            f"  {p.scenario}: endings {ends}"
            + (f"; nodes never visited: {', '.join(p.unvisited)}" if p.unvisited else "")
        )
        for d in p.dead_ends:
            print(f"    {where(f, d.loc)}: {d.message}")
    parts = [
        f"{len(cov.rules)} rule(s) not exercised",
        f"{len(cov.unreached)} part(s) of scenarios not reached",
        f"{cov.dead_ends} dead end(s)",
    ]
    print(f"\nCoverage: {', '.join(parts)}")
