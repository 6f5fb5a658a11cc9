"""``regex``: a trainer's RE2 pattern (checked at load time), never Python's backtracking
engine, so no pattern can make scoring slow."""

from __future__ import annotations

from typing import Any

from simulator.model import safe_regex
from simulator.scoring.reply import Reply
from simulator.scoring.rules.base import Matcher, Span

BOUNDARY_L = r"(?:^|[^\pL\pN\pM_])("
BOUNDARY_R = r")(?:[^\pL\pN\pM_]|$)"


def wrap(pattern: str, words: bool) -> str:
    return f"{BOUNDARY_L}{pattern}{BOUNDARY_R}" if words else f"({pattern})"


class RegexMatcher(Matcher):
    def __init__(self, rule: Any, language: str, weight: float) -> None:
        super().__init__(rule, language, weight)
        self.case_sensitive: bool = rule.case_sensitive
        self._pattern = wrap(rule.pattern, rule.words)
        self._compiled: Any = None
        # The prefilter's entry leaves the word boundaries out: it matches wherever the
        # rule's pattern does (and ``find`` confirms with the pattern), and RE2 compiles
        # the Unicode classes of a boundary into thousands of instructions each (the
        # built-in regex rules took 0.1 s to compile with them, 0.02 s without).
        loose = wrap(rule.pattern, False)
        if self.case_sensitive:
            self.cased_prefilter = loose
        else:
            self.prefilter.append("(?i)" + loose)
        self.add_exceptions()

    @property
    def compiled(self) -> Any:
        """The rule's pattern, compiled the first time the prefilter finds it (the
        loader has checked that RE2 takes it)."""
        if self._compiled is None:
            self._compiled = safe_regex.compile_(self._pattern, self.case_sensitive)
        return self._compiled

    def find(self, reply: Reply, slots: list[int], fired: set[str]) -> list[Span] | None:
        text = reply.cased if self.case_sensitive else reply.text
        spans = iter_spans(self.compiled, text)
        if self.case_sensitive:  # offsets are in the original: map them to folded ones
            spans = [to_folded(reply, s, e) for s, e in spans]
        return self._without_exceptions(reply, spans, slots) or None


def iter_spans(compiled: Any, text: str, limit: int = 200) -> list[Span]:
    """Spans of group 1, each search resuming after the previous match's group."""
    spans: list[Span] = []
    pos = 0
    while pos <= len(text) and len(spans) < limit:
        m = compiled.search(text, pos)
        if m is None:
            break
        s, e = m.span(1)
        if e > s:
            spans.append((s, e))
        pos = max(e, m.start() + 1)
    return spans


def to_folded(reply: Reply, start: int, end: int) -> Span:
    origin = reply.norm.origin
    if origin is None:
        return start, end
    fs = next((i for i, (os, _) in enumerate(origin) if os >= start), len(origin))
    fe = next((i for i, (_, oe) in enumerate(origin) if oe >= end), len(origin) - 1) + 1
    return fs, max(fs, fe)
