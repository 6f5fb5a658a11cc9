"""Trainer-written patterns run only in RE2, a linear-time engine that cannot hang.

This module checks a pattern at load time and explains, in words a trainer can act on,
why RE2 refuses it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2


def options(max_mem: int = 8 << 20) -> Any:
    """RE2 options for every compile: quiet (errors are explained, not logged) and a
    memory budget, past which RE2 refuses a pattern instead of growing."""
    opts = re2.Options()
    opts.log_errors = False
    opts.max_mem = max_mem
    return opts


_OPTIONS = options()

_EXPLAIN = (
    (re.compile(r"\(\?[=!]"), "lookahead `(?=` / `(?!` is not supported by the safe regex engine"),
    (
        re.compile(r"\(\?<[=!]"),
        "lookbehind `(?<=` / `(?<!` is not supported by the safe regex engine",
    ),
    (
        re.compile(r"\\[1-9]"),
        "backreferences such as `\\1` are not supported by the safe regex engine",
    ),
    (re.compile(r"\(\?>"), "atomic groups `(?>` are not supported by the safe regex engine"),
    (
        re.compile(r"[*+?}][+]"),
        "possessive quantifiers such as `a++` are not supported by the safe regex engine",
    ),
)
_ASCII_B = re.compile(r"(?<!\\)(?:\\\\)*\\[bB]")


def check(pattern: str) -> str | None:
    """None if RE2 can run ``pattern``, else a message saying what to change."""
    if _ASCII_B.search(pattern):
        return (
            "`\\b` only knows ASCII letters in the safe regex engine, so it misreads accented "
            "words such as 'réglé'; remove it and set `words: true` for Unicode word boundaries"
        )
    for probe, message in _EXPLAIN:
        if probe.search(pattern):
            return message + "; rewrite the pattern without it"
    try:
        compile_(pattern, True)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return f"the safe regex engine (RE2) cannot compile this pattern: {detail}"
    return None


@lru_cache(maxsize=4096)
def compile_(pattern: str, case_sensitive: bool) -> Any:
    """Compile once, cached: the scorer never compiles on its hot path."""
    flags = "" if case_sensitive else "(?i)"
    return re2.compile(flags + pattern, _OPTIONS)
