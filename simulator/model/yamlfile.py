"""Safe YAML reading that remembers where every value came from.

PyYAML's composer keeps a start mark (line, column) on every node. We compose with the
C parser, turn the node tree into plain Python values ourselves (so we can refuse
duplicate keys, alias bombs and absurd nesting), and keep the tree to find the line and
column of any field path later, when a validation error names one. No maintained library
maps pydantic error locations onto YAML positions, hence this module.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from simulator.model import limits


def _lazy_module(name: str) -> Any:
    """``name``, imported the first time one of its attributes is read (the standard
    library's lazy loader); the module itself when it is already imported."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"No module named {name!r}")
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# PyYAML is imported the first time a file is parsed, not when this module is: a process
# that reads the library from the parsed-file cache never needs it (some 2 MiB and 15 ms
# less at every start).
if TYPE_CHECKING:
    import yaml
else:
    yaml = _lazy_module("yaml")


@cache
def _loader() -> Any:
    """The C parser, much faster; the pure-Python one where PyYAML was built without it."""
    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

MAX_BYTES = limits.MAX_FILE_BYTES
MAX_DEPTH = limits.MAX_DEPTH
MAX_VALUES = limits.MAX_VALUES

_STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class YamlError(Exception):
    """A problem at a position of a YAML text (1-based line and column)."""

    line: int
    column: int
    message: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass
class Document:
    """Plain data read from YAML, with the text to locate any field path in it.

    The node tree that locates a field is composed again from the text the first time a
    location is asked for, and kept: most files are never asked (a valid library's
    problems are few), and keeping every file's tree held most of a loaded library's
    memory (nodes and marks, some 185,000 objects for the built-in library).
    """

    data: Any
    text: str
    duplicates: list[YamlError]
    _root: yaml.Node | None = field(default=None, repr=False, compare=False)

    @property
    def root(self) -> yaml.Node | None:
        if self._root is None:
            self._root = _compose(self.text)
        return self._root

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int, str]:
        """Line, column and dotted path of the deepest node along ``loc`` that exists.

        Parts of ``loc`` that are not in the data (pydantic adds union tags such as
        ``phrase``) are skipped; a missing key points at the mapping that lacks it.
        """
        node = self.root
        if node is None:
            return 1, 1, ".".join(str(p) for p in loc)
        path: list[str] = []
        for part in loc:
            nxt = _child(node, part)
            if nxt is None:
                continue
            node, is_key = nxt
            path.append(f"[{part}]" if isinstance(part, int) else str(part))
            if is_key:
                break
        dotted = ".".join(path).replace(".[", "[")
        return node.start_mark.line + 1, node.start_mark.column + 1, dotted

    def locate_key(self, loc: Sequence[str | int]) -> tuple[int, int, str]:
        """Like :meth:`locate` but for an unknown key: point at the key itself."""
        parent = list(loc[:-1])
        key = loc[-1] if loc else ""
        line, col, dotted = self.locate(parent)
        node = self.root
        for part in parent:
            nxt = _child(node, part) if node is not None else None
            if nxt is not None:
                node = nxt[0]
        if isinstance(node, yaml.MappingNode):
            for k, _v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key:
                    return (
                        k.start_mark.line + 1,
                        k.start_mark.column + 1,
                        f"{dotted}.{key}" if dotted else str(key),
                    )
        return line, col, dotted


def _child(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node, bool] | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                return v, False
    elif (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part], False
    return None


def decode(raw: bytes) -> str:
    """UTF-8 text of a file, or a located error for the first bad byte."""
    if len(raw) > MAX_BYTES:
        raise YamlError(
            1,
            1,
            f"file is {len(raw) / 1_000_000:.1f} MB; a scenario or rule pack may be at most "
            f"{MAX_BYTES / 1_000_000:g} MB",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise YamlError(
            line,
            col,
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


_BRACKETS = re.compile(r"[\[\]{}]")


def _could_nest_deeply(text: str) -> bool:
    """A cheap upper bound of the nesting depth, from indentation, inline '- ' and
    'key: ' starts, and flow brackets; False means the text is certainly shallow."""
    if len(text) >= 200_000:
        return True
    depth = 0
    for m in _BRACKETS.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(0, depth - 1)
        if depth > MAX_DEPTH // 2:
            return True
    # Each level of block nesting needs a column of indentation or an inline "- " or
    # "key: " on the line; bound the two separately (only long lines can hold many).
    half = MAX_DEPTH // 4
    if re.search(rf"^[ \t]{{{half}}}", text, re.M):
        return True
    return any(
        line.count("- ") + line.count(": ") > half
        for line in text.splitlines()
        if len(line) > 2 * half
    )


def _depth_guard(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the (recursive, C) composer sees it.

    Only a text that could nest deeply is scanned event by event, which never recurses.
    """
    if not _could_nest_deeply(text):
        return
    depth = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise YamlError(line, col, f"data is nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _mark_error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    problem = exc.problem or exc.context or "invalid YAML"
    if "nesting depth" in problem:  # the parser's own limit, below or above ours
        return YamlError(line, col, f"data is nested more than {MAX_DEPTH} levels deep")
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        return YamlError(line, col, "tab character: YAML indentation must use spaces")
    if exc.context and exc.problem:
        problem = f"{exc.context}, {problem}"
    ctx = exc.context_mark
    if ctx is not None and mark is not None and (ctx.line, ctx.column) != (mark.line, mark.column):
        problem += f" (it starts at line {ctx.line + 1}, column {ctx.column + 1})"
    return YamlError(line, col, f"YAML syntax error: {problem}")


def _reader_error(exc: yaml.reader.ReaderError, text: str) -> YamlError:
    """A character YAML refuses (NUL, other control characters): its line and column.

    The reader only knows the character's offset in the text, so count the lines here.
    """
    pos = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character  # an int from libyaml, a str from the pure-Python reader
    code = ord(char) if isinstance(char, str) and char else char
    what = f"control character U+{code:04X}" if isinstance(code, int) else "a control character"
    return YamlError(line, col, f"{what} is not allowed in YAML; remove it")


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def parse(text: str) -> Document:
    """Parse one YAML document safely; raise YamlError with a position on failure."""
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise YamlError(1, 1, "file is empty: expected a scenario or a rule pack")
    # Every error the YAML library can raise, in the depth guard or the composer, and
    # whatever its version adds (libyaml 0.2.5 under PyYAML 6.0.4 has its own nesting
    # limit), becomes a located message here and nowhere else.
    try:
        _depth_guard(text)
        root = yaml.compose(text, Loader=_loader())
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        raise _mark_error(exc, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text) from None
    except yaml.YAMLError as exc:
        raise YamlError(1, 1, f"YAML error: {exc}") from None
    except RecursionError:
        raise YamlError(1, 1, f"data is nested more than {MAX_DEPTH} levels deep") from None
    if root is None:
        raise YamlError(1, 1, "file is empty: expected a scenario or a rule pack")
    builder = _Builder()
    data = builder.build(root, 0)
    return Document(data, text, builder.duplicates)


def _compose(text: str) -> yaml.Node | None:
    """The node tree of a text ``parse`` read without error, merge keys flattened as
    ``parse`` leaves them."""
    root = yaml.compose(text, Loader=_loader())
    if root is not None:
        _Builder().build(root, 0)
    return root


class _Builder:
    def __init__(self) -> None:
        self.count = 0
        self.duplicates: list[YamlError] = []
        # one per document: a constructor remembers every node it built
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            m = node.start_mark
            raise YamlError(
                m.line + 1,
                m.column + 1,
                f"document expands to more than {MAX_VALUES:,} values "
                "(aliases repeated over and over?)",
            )
        if depth > MAX_DEPTH:
            m = node.start_mark
            raise YamlError(
                m.line + 1, m.column + 1, f"data is nested more than {MAX_DEPTH} levels deep"
            )
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:  # most values: no constructor needed
                return node.value
            try:
                value = self.scalars.construct_object(node, deep=True)
            except yaml.constructor.ConstructorError as exc:
                m = node.start_mark
                raise YamlError(m.line + 1, m.column + 1, f"bad value: {exc.problem}") from None
            # Dates and binary stay text: no field of ours is a date.
            if not isinstance(value, str | int | float | bool | type(None)):
                return node.value
            return value
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, depth + 1) for child in node.value]
        if isinstance(node, yaml.MappingNode):
            try:
                self.scalars.flatten_mapping(node)
            except yaml.constructor.ConstructorError as exc:
                m = node.start_mark
                raise YamlError(m.line + 1, m.column + 1, f"bad merge: {exc.problem}") from None
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, depth + 1)
                if isinstance(key, list | dict):
                    m = key_node.start_mark
                    raise YamlError(m.line + 1, m.column + 1, "a key must be a plain value")
                if key in out:
                    m = key_node.start_mark
                    self.duplicates.append(
                        YamlError(m.line + 1, m.column + 1, f"duplicate key {key!r}", str(key))
                    )
                out[key] = self.build(value_node, depth + 1)
            return out
        raise YamlError(1, 1, f"unsupported YAML node {type(node).__name__}")  # pragma: no cover
