"""Load scenario and rule-pack files into validated models, with located errors.

Every problem is reported as ``file:line:column: field.path: message``, every problem of
a file at once. A broken file never stops the others from loading: it is kept, with its
problems, so the app and ``simulator validate`` can list it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from simulator.model import schema
from simulator.model.schema import RuleFamily, RulePack, Scenario, lexicon_refs
from simulator.model.yamlfile import Document, YamlError, decode, parse

Origin = Literal["built-in", "user", "extra"]


@dataclass(frozen=True)
class Problem:
    """One error a trainer can act on."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


@dataclass
class SourceFile:
    """A YAML file of the library: its model when valid, its problems otherwise."""

    path: Path
    origin: Origin
    display: str
    kind: str | None = None
    model: Scenario | RulePack | RuleFamily | None = None
    doc: Document | None = None
    problems: list[Problem] = field(default_factory=list)
    ident: str | None = None
    # A pack folder: its family files, each with the index of its first rule among the
    # pack's rules (the rules of pack.yaml itself come first).
    families: list[tuple[SourceFile, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.model is not None

    @property
    def files(self) -> list[Path]:
        """Every file this one was read from (a pack folder: pack.yaml and its families)."""
        return [self.path, *(f.path for f, _ in self.families)]

    def _owner(self, loc: list[str | int]) -> tuple[SourceFile, list[str | int]]:
        """The file that holds ``loc`` of the merged pack, and the path inside it."""
        if self.families and len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            for fam, first in reversed(self.families):
                if loc[1] >= first:
                    return fam, ["rules", loc[1] - first, *loc[2:]]
        return self, loc

    def where(self, loc: Iterable[str | int]) -> str:
        """``file:line:col`` of a field path (for a pack folder, in its family file)."""
        owner, loc = self._owner(list(loc))
        if owner.doc is None:
            return owner.display
        line, col, _ = owner.doc.locate(loc)
        return f"{owner.display}:{line}:{col}"

    def problem(self, loc: Iterable[str | int], message: str, *, key: bool = False) -> None:
        loc = list(loc)
        owner, inner = self._owner(loc)
        if owner is not self:
            owner.problem(inner, message, key=key)
            self.problems.append(owner.problems.pop())
            return
        if self.doc is None:
            line, col, dotted = 1, 1, ".".join(map(str, loc))
        elif key:
            line, col, dotted = self.doc.locate_key(loc)
        else:
            line, col, dotted = self.doc.locate(loc)
        self.problems.append(Problem(self.display, line, col, dotted, message))


def _all_field_names() -> set[str]:
    names: set[str] = set()
    seen: set[type] = set()

    def walk(cls: type[BaseModel]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for name, info in cls.model_fields.items():
            names.add(name)
            for arg in _model_args(info.annotation):
                walk(arg)

    walk(Scenario)
    walk(RulePack)
    walk(RuleFamily)
    return names


def _model_args(annotation: Any) -> list[type[BaseModel]]:
    out: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            out.append(a)
        stack.extend(getattr(a, "__args__", ()) or ())
        meta = getattr(a, "__metadata__", None)
        if meta is not None:
            stack.append(getattr(a, "__origin__", None))
    return out


_FIELD_NAMES: set[str] | None = None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _pydantic_problems(src: SourceFile, exc: ValidationError) -> None:
    global _FIELD_NAMES
    if _FIELD_NAMES is None:
        _FIELD_NAMES = _all_field_names()
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            src.problem(loc, f"unknown key '{key}'{did_you_mean(key, _FIELD_NAMES)}", key=True)
        elif kind == "missing":
            src.problem(loc[:-1], f"missing required key '{loc[-1]}'")
            # point at the parent mapping, but name the missing field in the path
            last = src.problems[-1]
            dotted = f"{last.path}.{loc[-1]}" if last.path else str(loc[-1])
            src.problems[-1] = Problem(last.file, last.line, last.column, dotted, last.message)
        elif kind == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag", "?")
            kinds = ", ".join(schema.RULE_KINDS)
            src.problem(
                [*loc, "kind"],
                f"'{tag}' is not a rule kind; use one of {kinds}"
                + did_you_mean(str(tag), schema.RULE_KINDS),
            )
        elif kind == "union_tag_not_found":
            src.problem(loc, f"missing 'kind': one of {', '.join(schema.RULE_KINDS)}")
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            got = err.get("input")
            if kind in {
                "string_type",
                "dict_type",
                "list_type",
                "int_type",
                "float_type",
                "bool_type",
                "int_parsing",
                "float_parsing",
                "bool_parsing",
                "literal_error",
                "model_type",
            }:
                msg = f"{msg} (got {_describe(got)})"
            src.problem(loc, msg)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_MODELS: dict[str, type[Scenario] | type[RulePack] | type[RuleFamily]] = {
    "scenario": Scenario,
    "rule_pack": RulePack,
    "rule_family": RuleFamily,
}
PACK_FILES = ("pack.yaml", "pack.yml")
SUFFIXES = (".yaml", ".yml")


def load_file(path: Path, origin: Origin = "extra", display: str | None = None) -> SourceFile:
    """Read, parse and validate one file; never raises for bad content.

    A ``pack.yaml`` is the head of a pack folder: the other YAML files under its folder
    are the pack's rule families, read with it as one pack (see ``load_pack_folder``).
    """
    if path.name in PACK_FILES:
        return load_pack_folder(path, origin, display)
    return _load_one(path, origin, display)


def _load_one(
    path: Path, origin: Origin, display: str | None, family: bool = False
) -> SourceFile:
    src = SourceFile(path=path, origin=origin, display=display or str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        src.problems.append(Problem(src.display, 1, 1, "", f"cannot read file: {exc.strerror}"))
        return src
    return load_text(raw, src, family=family)


def family_files(folder: Path) -> list[Path]:
    """The family files of a pack folder, in name order (the pack's rule order)."""
    heads = {folder / name for name in PACK_FILES}
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in SUFFIXES and p.is_file() and p not in heads and p.parent in _near(folder, p)
    )


def _near(folder: Path, path: Path) -> set[Path]:
    """The folders where a family file of ``folder`` may sit: the folder itself and
    its subfolders down to two levels (as ``library.pack_head`` looks up)."""
    out = {folder}
    rel = path.parent.relative_to(folder).parts if path.parent != folder else ()
    if len(rel) <= 2:
        out.add(path.parent)
    return out


def load_pack_folder(head: Path, origin: Origin = "extra", display: str | None = None) -> SourceFile:
    """A pack folder: ``pack.yaml`` (id, language, version, categories, lexicons, and
    rules of its own if any) and one file per family of rules beside it, read as one
    pack. Every problem stays located in the file (and line) that has it."""
    src = _load_one(head, origin, display)
    folder = head.parent
    disp = display or str(head)
    base = disp[: len(disp) - len(head.name)]
    families: list[SourceFile] = []
    for path in family_files(folder):
        fam = _load_one(path, origin, base + path.relative_to(folder).as_posix(), family=True)
        # Only `kind: rule_family` files are the pack's; a scenario (or another pack,
        # or a broken file) beside pack.yaml is read on its own, as anywhere else.
        if fam.kind == "rule_family":
            families.append(fam)
    pack = src.model if isinstance(src.model, RulePack) else None
    rules = list(pack.rules) if pack else []
    seen_families: dict[str, str] = {}
    for fam in families:
        src.families.append((fam, len(rules)))
        model = fam.model
        if isinstance(model, RuleFamily):
            if model.id in seen_families:
                fam.problem(["id"], f"duplicate family id '{model.id}' (also in {seen_families[model.id]})")
            seen_families[model.id] = fam.display
            rules.extend(model.rules)
        src.problems.extend(fam.problems)
        fam.problems = []
    if src.kind is not None and src.kind != "rule_pack":
        src.problem(["kind"], f"{head.name} heads a pack folder: 'kind: rule_pack'")
        src.model = None
    if pack is not None:
        merged = pack.model_copy(update={"rules": rules})
        if not families and not pack.rules:
            src.problem(["rules"], "a rule pack needs rules (or family files beside pack.yaml)")
        elif not rules:
            src.problem([], "the pack folder has no rules: its family files hold none")
        src.model = merged
        _check_pack(src, merged)
    src.problems.sort(key=lambda p: (p.file != src.display, p.file, p.line, p.column))
    return src


def load_text(raw: bytes, src: SourceFile, *, family: bool = False) -> SourceFile:
    try:
        doc = parse(decode(raw))
    except YamlError as exc:
        src.problems.append(Problem(src.display, exc.line, exc.column, exc.path, exc.message))
        return src
    src.doc = doc
    for dup in doc.duplicates:
        src.problems.append(Problem(src.display, dup.line, dup.column, dup.path, dup.message))
    data = doc.data
    if not isinstance(data, dict):
        src.problem(
            [],
            f"expected a mapping with 'kind: scenario' or 'kind: rule_pack', found {_describe(data)}",
        )
        return src
    kind = data.get("kind")
    if kind == "rule_family" and not family:
        src.kind = "rule_family"
        src.problem(
            ["kind"],
            "a rule family belongs in a pack folder, beside its pack.yaml "
            "(see docs/scenario-format.md)",
        )
        return src
    if kind not in _MODELS:
        if kind is None:
            src.problem([], "missing required key 'kind': scenario or rule_pack")
        else:
            src.problem(
                ["kind"],
                f"'{kind}' is not a file kind; use scenario or rule_pack"
                + did_you_mean(str(kind), _MODELS),
            )
        return src
    src.kind = str(kind)
    if isinstance(data.get("id"), str):
        src.ident = data["id"]
    try:
        model = _MODELS[str(kind)].model_validate(data)
    except ValidationError as exc:
        _pydantic_problems(src, exc)
        src.problems.sort(key=lambda p: (p.line, p.column))
        return src
    src.model = model
    if isinstance(model, Scenario):
        _check_scenario_graph(src, model)
    elif isinstance(model, RulePack) and src.path.name not in PACK_FILES:
        _check_pack(src, model)  # (a pack folder's head: once its families are read)
    src.problems.sort(key=lambda p: (p.line, p.column))
    return src


# ------------------------------------------------------------------- checks inside one file


def rule_phrases(rule: Any) -> list[tuple[list[str | int], str]]:
    """Every phrase of a rule with its field path (phrases, exceptions, parts)."""
    out: list[tuple[list[str | int], str]] = []
    for key in ("phrases", "exceptions"):
        for j, p in enumerate(getattr(rule, key, None) or []):
            out.append(([key, j], p))
    for k, part in enumerate(getattr(rule, "parts", None) or []):
        for j, p in enumerate(part.phrases):
            out.append((["parts", k, "phrases", j], p))
    return out


def group_problem(phrase: str) -> str | None:
    """What is wrong with a phrase's ``(a|b)`` groups, if anything: unbalanced, or one
    inside another (write the inner one out, or use a lexicon)."""
    depth = 0
    for ch in phrase:
        if ch == "(":
            depth += 1
            if depth > 1:
                return "a group inside a group: write the inner one out as alternatives"
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return "')' without its '('"
    if depth:
        return "'(' without its ')'"
    if not re.search(r"[^\s,.;:!?\"'\-\u2013\u2014\u2026()|]", phrase):
        return "the phrase holds only punctuation, which phrases do not match: write a word"
    for group in re.findall(r"\(([^()]*)\)", phrase):
        for alt in group.split("|"):
            if alt.strip() and re.fullmatch(r"[\s,.;:!?\"'\-\u2013\u2014\u2026]+", alt):
                return (
                    f"the group '({group})' has an alternative that is only punctuation "
                    f"('{alt.strip()}'), which phrases do not match; leave the alternative empty "
                    "to make the group optional"
                )
    return None


def check_lexicon_refs(
    src: SourceFile, loc: list[str | int], rule: Any, lexicons: Iterable[str]
) -> None:
    """Report each ``{name}`` of a rule's phrases that names no lexicon, at its phrase."""
    known = set(lexicons)
    for where, phrase in rule_phrases(rule):
        problem = group_problem(phrase)
        if problem:
            src.problem([*loc, *where], problem)
        for name in lexicon_refs(phrase):
            if name not in known:
                hint = did_you_mean(name, known) if known else "; the pack defines no lexicons"
                src.problem([*loc, *where], f"unknown lexicon '{{{name}}}'{hint}")


def _check_pack(src: SourceFile, pack: RulePack) -> None:
    seen: dict[str, int] = {}
    categories = {r.category for r in pack.rules}
    if not pack.rules and src.path.name not in PACK_FILES:
        src.problem(["rules"], "a rule pack needs at least one rule")
    for i, rule in enumerate(pack.rules):
        check_lexicon_refs(src, ["rules", i], rule, pack.lexicons)
        if rule.id in categories:
            src.problem(
                ["rules", i, "id"],
                f"rule id '{rule.id}' is also a category name; rename the rule (e.g. '{rule.id}-rule')",
            )
        if rule.id in seen:
            src.problem(
                ["rules", i, "id"], f"duplicate rule id '{rule.id}' (also rules[{seen[rule.id]}])"
            )
        else:
            seen[rule.id] = i


def _check_scenario_graph(src: SourceFile, sc: Scenario) -> None:
    ids: dict[str, tuple[str, int]] = {}
    for coll in ("nodes", "endings"):
        for i, item in enumerate(getattr(sc, coll)):
            if item.id in ids:
                other, j = ids[item.id]
                src.problem([coll, i, "id"], f"duplicate id '{item.id}' (also {other}[{j}])")
            else:
                ids[item.id] = (coll, i)
    targets = set(ids)
    node_ids = {n.id for n in sc.nodes}

    def check_target(loc: list[str | int], target: str | None) -> None:
        if target is not None and target not in targets:
            src.problem(loc, f"unknown node or ending '{target}'" + did_you_mean(target, targets))

    if sc.start is not None and sc.start not in node_ids:
        src.problem(["start"], f"unknown node '{sc.start}'" + did_you_mean(sc.start, node_ids))
    for i, node in enumerate(sc.nodes):
        for j, tr in enumerate(node.transitions):
            check_target(["nodes", i, "transitions", j, "goto"], tr.goto)
        if not node.transitions[-1].when.is_empty():
            src.problem(
                ["nodes", i, "transitions", len(node.transitions) - 1],
                "the last transition must have no 'when', so every reply leads somewhere",
            )
    if sc.resolution:
        check_target(["resolution", "goto"], sc.resolution.goto)
    for key in ("patience_ending", "max_turns_ending"):
        value = getattr(sc, key)
        check_target([key], value)
        if value is not None and value in node_ids:
            src.problem([key], f"'{value}' is a node; name an ending")
    for i, ex in enumerate(sc.examples):
        if ex.node is not None and ex.node not in node_ids:
            src.problem(
                ["examples", i, "node"],
                f"unknown node '{ex.node}'" + did_you_mean(ex.node, node_ids),
            )
        check_target(["examples", i, "next"], ex.next)
        if ex.score and ex.score.min > ex.score.max:
            src.problem(["examples", i, "score"], "min is greater than max")
    local: dict[str, int] = {}
    for i, rule in enumerate(sc.scoring.rules):
        if rule.id in local:
            src.problem(["scoring", "rules", i, "id"], f"duplicate rule id '{rule.id}'")
        local[rule.id] = i
    if any(p.message.startswith("unknown node") for p in src.problems):
        return
    _check_reachability(src, sc)


def _check_reachability(src: SourceFile, sc: Scenario) -> None:
    edges: dict[str, set[str]] = {n.id: {t.goto for t in n.transitions} for n in sc.nodes}
    always: set[str] = {
        sc.patience_ending or sc.default_ending("lost"),
        sc.max_turns_ending or sc.default_ending("escalated", "lost"),
    }
    if sc.resolution:
        always.add(sc.resolution.goto)
    for n in edges.values():
        n |= always
    reached = {sc.start_node}
    stack = [sc.start_node]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                stack.append(nxt)
    for i, node in enumerate(sc.nodes):
        if node.id not in reached:
            src.problem(["nodes", i, "id"], f"node '{node.id}' cannot be reached from the start")
    for i, ending in enumerate(sc.endings):
        if ending.id not in reached:
            src.problem(["endings", i, "id"], f"ending '{ending.id}' can never happen")
    # Can each node still end? Follow transitions only: patience and max_turns are
    # safety nets, not a way to finish.
    ending_ids = {e.id for e in sc.endings}
    plain: dict[str, set[str]] = {n.id: {t.goto for t in n.transitions} for n in sc.nodes}
    if sc.resolution:
        for n in plain.values():
            n.add(sc.resolution.goto)
    can_end = set(ending_ids)
    changed = True
    while changed:
        changed = False
        for nid, outs in plain.items():
            if nid not in can_end and outs & can_end:
                can_end.add(nid)
                changed = True
    for i, node in enumerate(sc.nodes):
        if node.id in reached and node.id not in can_end:
            src.problem(["nodes", i, "id"], f"no ending can be reached from node '{node.id}'")
