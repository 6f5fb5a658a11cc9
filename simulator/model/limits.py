"""What a scenario or rule-pack file may hold at most (docs/limits.md lists them).

Each limit is checked when the file is loaded, with a message located at
``file:line:column``, so a file that validates can always be scored: no phrase rule can
make scoring slow (phrases run in RE2, in time linear in the reply) or too big for the
scorer's one-pass set of every phrase.
"""

from __future__ import annotations

from typing import Any

# A file: bigger files are refused before parsing, and so is data nested deeper (lists and
# mappings inside one another) or made of more values (see yamlfile).
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_VALUES = 200_000
# Phrases of one rule: its phrases, every part's phrases and its exceptions together. The
# largest built-in rule has about 600.
MAX_PHRASES_PER_RULE = 2000
# Characters of one phrase (schema.Phrase), and `*` wildcards in one phrase.
MAX_PHRASE_CHARS = 200
MAX_WILDCARDS = 8
# Words a phrase rule may insert between the words of a phrase (schema: max_gap).
MAX_GAP = 5
# Characters of a reply that are scored (the rest is cut, with a notice).
MAX_REPLY_CHARS = 4000


def wildcards(phrase: str) -> str:
    """The phrase, if it has no more than MAX_WILDCARDS wildcards (a pydantic validator)."""
    count = phrase.count("*")  # (each `*` is a wildcard token, spaced or not)
    if count > MAX_WILDCARDS:
        raise ValueError(
            f"this phrase has {count} `*` wildcards; at most {MAX_WILDCARDS} are allowed "
            "(a phrase of wildcards matches almost any reply)"
        )
    return phrase


def phrase_count(rule: Any) -> int:
    """Every phrase a rule looks for: its phrases, its parts' phrases, its exceptions."""
    n = len(getattr(rule, "phrases", None) or ()) + len(getattr(rule, "exceptions", None) or ())
    for part in getattr(rule, "parts", None) or ():
        n += len(part.phrases)
    return n


def check_phrase_count(rule: Any) -> None:
    n = phrase_count(rule)
    if n > MAX_PHRASES_PER_RULE:
        raise ValueError(
            f"this rule has {n:,} phrases (with its parts and exceptions); at most "
            f"{MAX_PHRASES_PER_RULE:,} are allowed: split it into several rules"
        )
