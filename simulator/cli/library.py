"""``list``, ``validate``, ``schema`` and ``new``: the library and its files."""

from __future__ import annotations

import argparse
import json
import re
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
    short,
)
from simulator.model.library import SUFFIXES, Library, user_dir
from simulator.model.loader import SourceFile, load_file
from simulator.model.schema import ID_PATTERN, RuleFamily, RulePack, Scenario
from simulator.service.library import open_library

SCHEMA_FILES = {
    "scenario.schema.json": Scenario,
    "rule-pack.schema.json": RulePack,
    "rule-family.schema.json": RuleFamily,
}


def cmd_list(args: argparse.Namespace) -> int:
    lib = library(args)
    rows: list[dict[str, Any]] = []
    for sid, sc in lib.scenarios.items():
        src = lib.origin_of[sid]
        rows.append(
            {
                "id": sid,
                "language": sc.language,
                "title": sc.title,
                "difficulty": sc.difficulty,
                "difficulties": sc.difficulties,
                "pass_mark": sc.pass_mark,
                "levels": [lv.model_dump() for lv in sc.levels],
                "tags": sc.tags,
                "summary": sc.summary,
                "source": src.origin,
                "path": src.display,
            }
        )
    broken = lib.broken
    if args.format == "json":
        for notice in lib.notices:  # (the JSON stays the list of scenarios)
            print(f"notice: {notice}", file=sys.stderr)
        print_json(rows)
        return EXIT_OK
    if not rows:
        print("No scenarios found.")
    else:
        w_id = max(len(r["id"]) for r in rows)
        w_title = min(48, max(len(r["title"]) for r in rows))
        print(f"{'ID':<{w_id}}  LANG  {'TITLE':<{w_title}}  DIFFICULTY  LEVELS TO PLAY    SOURCE")
        for r in rows:
            title = short(str(r["title"]), w_title)
            offered = "/".join(r["difficulties"])
            print(
                f"{r['id']:<{w_id}}  {r['language']:<4}  {title:<{w_title}}  {r['difficulty']:<10}  "
                f"{offered:<16}  {r['source']}"
            )
    if lib.notices:
        print()
        for notice in lib.notices:
            print(f"notice: {notice}")
    if broken:
        print(f"\n{len(broken)} file(s) with errors (run 'simulator validate'):")
        for f in broken:
            print(f"  {f.display}: {len(f.problems)} problem(s)")
    return EXIT_OK


def selected_files(args: argparse.Namespace) -> tuple[Library, list[SourceFile]] | None:
    """The library with the PATHs of ``validate`` and ``test`` loaded too, and the files
    those PATHs name (every file of the library without PATHs); None after an error."""
    paths = [Path(p) for p in args.paths]
    for p in paths:
        if not p.exists():
            error(f"{p}: no such file or folder")
            return None
    lib = open_library([*(getattr(args, "scenarios", []) or []), *paths])
    if not paths:
        return lib, list(lib.files)
    wanted = {q.resolve() for p in paths for q in ([p] if p.is_file() else _yaml_under(p))}
    return lib, [f for f in lib.files if any(q.resolve() in wanted for q in f.files)]


def cmd_validate(args: argparse.Namespace) -> int:
    selected = selected_files(args)
    if selected is None:
        return EXIT_USAGE
    lib, files = selected
    problems = [p for f in files for p in f.problems]
    notices = shadow_notices(lib, files)
    if args.format == "json":
        print_json(
            {
                "ok": not problems,
                "files": [_file_json(f) for f in files],
                "problems": [p.to_dict() for p in problems],
                "notices": notices,
            }
        )
        return EXIT_FAIL if problems else EXIT_OK
    for notice in notices:
        print(f"notice: {notice}")
    for p in problems:
        print(p)
    scenarios = sum(1 for f in files if f.kind == "scenario")
    packs = sum(1 for f in files if f.kind == "rule_pack")
    bad = sum(1 for f in files if f.problems)
    if problems:
        print(f"\n{len(problems)} problem(s) in {bad} of {len(files)} file(s).")
        return EXIT_FAIL
    print(f"{len(files)} file(s) valid: {scenarios} scenario(s), {packs} rule pack(s).")
    return EXIT_OK


def shadow_notices(lib: Library, files: list[SourceFile]) -> list[str]:
    """The library's notices of built-in packs replaced, for those the files concern."""
    chosen = {id(f) for f in files}
    return [
        notice
        for (builtin, mine), notice in zip(lib.shadowed, lib.notices, strict=True)
        if id(builtin) in chosen or id(mine) in chosen
    ]


def _yaml_under(p: Path) -> list[Path]:
    return [q for q in p.rglob("*") if q.suffix in SUFFIXES and q.is_file()]


def _file_json(f: SourceFile) -> dict[str, object]:
    return {
        "file": f.display,
        "kind": f.kind,
        "id": f.ident,
        "ok": f.ok,
        "problems": [p.to_dict() for p in f.problems],
    }


def schemas() -> dict[str, str]:
    """The JSON Schema texts, as ``simulator schema`` writes them."""
    out = {}
    for name, model in SCHEMA_FILES.items():
        doc = model.model_json_schema()
        doc = {"$schema": "https://json-schema.org/draft/2020-12/schema", **doc}
        out[name] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return out


def cmd_schema(args: argparse.Namespace) -> int:
    out = Path(args.output or "schema")
    out.mkdir(parents=True, exist_ok=True)
    files = schemas()
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        print(out / name)
    print(
        f"\nWrote {len(files)} schema files to {out.resolve()}"
        + (
            ""
            if args.output
            else " (a 'schema' folder in the current folder; -o DIR writes elsewhere)"
        )
    )
    print(
        "\nStart a scenario file with\n"
        f"  # yaml-language-server: $schema={(out / 'scenario.schema.json').as_posix()}\n"
        "so that editors with the YAML language server complete and check it."
    )
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    sid: str = args.id
    if not re.match(ID_PATTERN, sid):
        error(f"'{sid}' is not a valid id: use lower-case letters, digits, '-' and '_'")
        return EXIT_USAGE
    lib = open_library(getattr(args, "scenarios", []) or [])
    if sid in lib.scenarios:
        error(f"a scenario '{sid}' already exists ({lib.origin_of[sid].display})")
        return EXIT_USAGE
    target = Path(args.output) if args.output else user_dir() / f"{sid}.yaml"
    if target.exists() and not args.force:
        error(f"{target} exists; use --force to overwrite it")
        return EXIT_USAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(scaffold(sid, args.lang), encoding="utf-8")
    check = load_file(target)
    if check.problems:  # pragma: no cover - the template is tested
        for p in check.problems:
            print(p)
        return EXIT_FAIL
    print(f"Created {target}")
    print(f"Edit it, then: simulator validate {target} && simulator test {target}")
    if args.output:
        print(f"Play it with: simulator --scenarios {target.parent} play --scenario {sid}")
    else:
        print(f"Play it with: simulator play --scenario {sid}")
    return EXIT_OK


def scaffold(sid: str, lang: str) -> str:
    from simulator.cli.templates import TEMPLATES
    from simulator.model.library import builtin_dir

    schema = (builtin_dir() / "schema" / "scenario.schema.json").resolve().as_uri()
    return TEMPLATES[lang].format(id=sid, schema=schema)
