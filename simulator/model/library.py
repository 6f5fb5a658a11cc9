"""The scenario library: built-in files, the user's data folder, and extra folders.

Ids are unique across every source; a clash, an unknown rule pack or an unknown rule id
is reported in the file that makes the reference.
"""

from __future__ import annotations

import difflib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from simulator.model.loader import (
    PACK_FILES,
    Origin,
    Problem,
    SourceFile,
    check_lexicon_refs,
    did_you_mean,
    load_file,
    load_text,
)
from simulator.model.schema import RulePack, Scenario
from simulator.paths import builtin_scenarios_dir, scenarios_dir

SUFFIXES = (".yaml", ".yml")


def builtin_dir() -> Path:
    """The built-in library (:func:`simulator.paths.builtin_scenarios_dir`)."""
    return builtin_scenarios_dir()


def user_dir() -> Path:
    """Where a trainer's own scenarios live (created on demand, never required)."""
    return scenarios_dir()


def _files_under(root: Path) -> list[Path]:
    """The files to load under ``root``: a pack folder counts as its ``pack.yaml`` alone
    (which reads the family files beside it); a family file given on its own stands
    for its pack folder."""
    if root.is_file():
        head = pack_head(root)
        return [head, root] if head else [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def pack_head(path: Path) -> Path | None:
    """The ``pack.yaml`` of the pack folder holding ``path`` (None outside one)."""
    real = path.resolve()
    for parent in list(real.parents)[:3]:  # a family file sits in its folder or just below
        for name in PACK_FILES:
            head = parent / name
            if head.is_file() and head != real:
                return head
    return None


@dataclass
class Library:
    files: list[SourceFile] = field(default_factory=list)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    packs: dict[str, RulePack] = field(default_factory=dict)
    origin_of: dict[str, SourceFile] = field(default_factory=dict)
    # A trainer's pack with a built-in pack's id replaces it: (built-in, trainer's file)
    shadowed: list[tuple[SourceFile, SourceFile]] = field(default_factory=list)

    @property
    def notices(self) -> list[str]:
        """One line per built-in rule pack a trainer's pack replaces."""
        return [
            f"{mine.display}: rule pack '{mine.ident}' replaces the built-in one "
            f"({builtin.display}) in this library"
            for builtin, mine in self.shadowed
        ]

    @property
    def broken(self) -> list[SourceFile]:
        return [f for f in self.files if f.problems]

    def problems(self, only: Iterable[SourceFile] | None = None) -> list[Problem]:
        files = self.files if only is None else list(only)
        return [p for f in files for p in f.problems]

    def scenario(self, scenario_id: str) -> Scenario:
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            raise UnknownScenario(scenario_id, self.close_ids(scenario_id)) from None

    def close_ids(self, scenario_id: str) -> list[str]:
        known = sorted(self.scenarios)
        close = difflib.get_close_matches(scenario_id, known, n=3, cutoff=0.4)
        return close or [k for k in known if scenario_id in k][:3]

    def packs_for(self, scenario: Scenario) -> list[RulePack]:
        return [self.packs[p] for p in scenario.scoring.packs if p in self.packs]

    def packs_for_language(self, language: str) -> list[RulePack]:
        return [p for p in self.packs.values() if p.language == language]


class ParsedStore(Protocol):
    """Where parsed files can be kept between processes, by key (a digest of a file's
    path, origin, display name and bytes): ``simulator.service.parsed_cache`` keeps them
    on disk. ``get`` returns None for a key it does not hold or cannot read."""

    def get(self, key: str) -> SourceFile | None: ...

    def put(self, key: str, src: SourceFile) -> None: ...


class UnknownScenario(LookupError):
    def __init__(self, scenario_id: str, close: Sequence[str]) -> None:
        self.scenario_id = scenario_id
        self.close = list(close)
        hint = f"; did you mean {', '.join(self.close)}?" if self.close else ""
        super().__init__(f"unknown scenario '{scenario_id}'{hint}")


def load_library(
    extra: Sequence[Path] = (),
    *,
    builtin: bool = True,
    user: bool = True,
    store: ParsedStore | None = None,
) -> Library:
    """Load every source; broken files are kept with their problems. With ``store``, a
    file parsed by an earlier process from the same bytes is taken from it, not parsed
    again, and a file parsed now is put in it."""
    sources: list[tuple[Path, Origin]] = []
    if builtin:
        sources.append((builtin_dir(), "built-in"))
    if user:
        sources.append((user_dir(), "user"))
    sources.extend((Path(p), "extra") for p in extra)
    seen: set[Path] = set()
    lib = Library()
    for root, origin in sources:
        base = root if root.is_dir() else root.parent
        for path in _files_under(root):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            display = _display(path, base, origin)
            head = pack_head(path) if path.name not in PACK_FILES else None
            if head is not None:
                # a pack folder's head first: it reads the family files beside it
                if head.resolve() not in seen:
                    seen.add(head.resolve())
                    lib.files.append(_load_file(head, origin, _display(head, base, origin), store))
                if any(real == f.resolve() for h in lib.files for f in h.files[1:]):
                    continue  # a family of that pack
            lib.files.append(_load_file(path, origin, display, store))
        if not root.exists() and origin == "extra":
            lib.files.append(
                SourceFile(
                    path=root,
                    origin=origin,
                    display=str(root),
                    problems=[Problem(str(root), 1, 1, "", "no such file or folder")],
                )
            )
    _link(lib)
    return lib


# Parsed files by path, origin, display name and a digest of their bytes (a modification
# time can stay the same across two quick edits): a library loaded again in the same
# process (each in-process command loads one) parses only what changed, and gets the same
# models back, so their compiled scorers are reused too. Linking adds problems to a file,
# so each load gets its own copy of the pristine parse.
_PARSED: OrderedDict[tuple[str, str, str, bytes], SourceFile] = OrderedDict()
_PARSED_LOCK = threading.Lock()


def _load_file(
    path: Path, origin: Origin, display: str, store: ParsedStore | None = None
) -> SourceFile:
    try:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw)
        if path.name in PACK_FILES:  # a pack folder's head reads its families too
            for family in sorted(path.parent.glob("*.y*ml")):
                if family != path:
                    digest.update(family.name.encode() + b"\0" + family.read_bytes())
    except OSError:
        return load_file(path, origin, display)  # it says why
    key = (str(path), origin, display, digest.digest())
    with _PARSED_LOCK:
        src = _PARSED.get(key)
        if src is not None:
            _PARSED.move_to_end(key)
    if src is None:
        stored = _store_key(key)
        src = store.get(stored) if store is not None else None
        if src is None:
            if path.name in PACK_FILES:
                src = load_file(path, origin, display)
            else:
                src = load_text(raw, SourceFile(path=path, origin=origin, display=display))
            if store is not None:
                store.put(stored, src)
        with _PARSED_LOCK:
            _PARSED[key] = src
            while len(_PARSED) > 512:
                _PARSED.popitem(last=False)
    return replace(src, problems=list(src.problems))


def _store_key(key: tuple[str, str, str, bytes]) -> str:
    """A parsed file's key in a ``ParsedStore``: hex, the same in every process."""
    path, origin, display, digest = key
    named = "\0".join((path, origin, display)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(named + b"\0" + digest).hexdigest()


def _display(path: Path, base: Path, origin: Origin) -> str:
    if origin == "built-in":
        return f"scenarios/{path.relative_to(base).as_posix()}"
    return str(path)  # as the user wrote it (folders walked keep their prefix)


def _link(lib: Library) -> None:
    """Register ids and check references across files."""
    owners: dict[tuple[str, str], SourceFile] = {}
    for src in lib.files:
        if src.kind is None or src.ident is None:
            continue
        key = (src.kind, src.ident)
        first = owners.get(key)
        if (
            first is not None
            and src.kind == "rule_pack"
            and first.origin == "built-in"
            and src.origin != "built-in"
        ):
            # A local copy of a built-in pack shadows it (to preview a change to it).
            lib.shadowed.append((first, src))
            owners[key] = src
            continue
        if first is not None:
            src.problem(
                ["id"],
                f"duplicate {src.kind.replace('_', ' ')} id '{src.ident}' (also in {first.display})",
            )
            continue
        owners[key] = src
    for (kind, ident), src in owners.items():
        if not src.ok:
            continue
        lib.origin_of[ident] = src
        if kind == "rule_pack":
            assert isinstance(src.model, RulePack)
            lib.packs[ident] = src.model
    broken_packs = {
        ident for (kind, ident), src in owners.items() if kind == "rule_pack" and not src.ok
    }
    for (kind, ident), src in owners.items():
        if kind != "scenario" or not src.ok:
            continue
        assert isinstance(src.model, Scenario)
        _check_references(src, src.model, lib, broken_packs)
        if src.ok:
            lib.scenarios[ident] = src.model
    lib.scenarios = dict(sorted(lib.scenarios.items()))


def _check_references(src: SourceFile, sc: Scenario, lib: Library, broken_packs: set[str]) -> None:
    rule_ids: dict[str, str] = {}
    categories: set[str] = set()
    for i, pack_id in enumerate(sc.scoring.packs):
        pack = lib.packs.get(pack_id)
        if pack is None:
            if pack_id in broken_packs:
                src.problem(
                    ["scoring", "packs", i], f"rule pack '{pack_id}' has errors (see its file)"
                )
            else:
                src.problem(
                    ["scoring", "packs", i],
                    f"unknown rule pack '{pack_id}'" + did_you_mean(pack_id, lib.packs),
                )
            continue
        if pack.language != sc.language:
            src.problem(
                ["scoring", "packs", i],
                f"rule pack '{pack_id}' is in '{pack.language}', the scenario in '{sc.language}'",
            )
        for rule in pack.rules:
            if rule.id in rule_ids:
                src.problem(
                    ["scoring", "packs", i],
                    f"rule id '{rule.id}' is in both '{rule_ids[rule.id]}' and '{pack_id}'",
                )
            rule_ids[rule.id] = pack_id
            categories.add(rule.category)
    lexicons = {name for p in sc.scoring.packs if p in lib.packs for name in lib.packs[p].lexicons}
    for i, rule in enumerate(sc.scoring.rules):
        check_lexicon_refs(src, ["scoring", "rules", i], rule, lexicons)
        if rule.id in rule_ids:
            src.problem(
                ["scoring", "rules", i, "id"],
                f"rule id '{rule.id}' is already in rule pack '{rule_ids[rule.id]}'",
            )
        rule_ids[rule.id] = "scenario"
        categories.add(rule.category)
    if not rule_ids:
        src.problem(["scoring"], "no rules: name rule packs in 'packs' or write 'rules'")
    pack_rules = {r for r, owner in rule_ids.items() if owner != "scenario"}
    for key in ("weights", "suggestions"):
        for rid in getattr(sc.scoring, key):
            if rid not in pack_rules:
                src.problem(
                    ["scoring", key, rid],
                    f"unknown rule '{rid}'" + did_you_mean(rid, pack_rules),
                    key=True,
                )
    for i, rid in enumerate(sc.scoring.disable):
        if rid not in pack_rules:
            src.problem(
                ["scoring", "disable", i], f"unknown rule '{rid}'" + did_you_mean(rid, pack_rules)
            )
    names = set(rule_ids) | categories
    clash = set(rule_ids) & categories
    for name in sorted(clash):
        src.problem(["scoring"], f"'{name}' is both a rule id and a category; rename the rule")

    def check_names(loc: list[str | int], values: list[str]) -> None:
        for k, name in enumerate(values):
            if name not in names:
                src.problem(
                    [*loc, k], f"unknown rule or category '{name}'" + did_you_mean(name, names)
                )

    keys = ("fired", "all_fired", "not_fired", "so_far", "not_so_far")
    for i, node in enumerate(sc.nodes):
        for j, tr in enumerate(node.transitions):
            for key in keys:
                check_names(["nodes", i, "transitions", j, "when", key], getattr(tr.when, key))
        for j, lines in enumerate(node.lines):
            for key in keys:
                check_names(["nodes", i, "lines", j, "when", key], getattr(lines.when, key))
    if sc.resolution:
        for key in keys:
            check_names(["resolution", "when", key], getattr(sc.resolution.when, key))
    for i, ex in enumerate(sc.examples):
        check_names(["examples", i, "fires"], ex.fires)
        check_names(["examples", i, "not_fires"], ex.not_fires)
