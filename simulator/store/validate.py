"""What the store accepts: names, join codes, modes, outcomes, and the error it raises.

Everything here is checked before a transaction starts, so a refused request writes
nothing and its message says what to change.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from simulator.engine.outcomes import FINISHED_OUTCOMES, OUTCOMES
from simulator.model.schema import ID_PATTERN

__all__ = ["FINISHED_OUTCOMES", "OUTCOMES"]

# Join codes avoid letters and digits that are easy to confuse when read aloud.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MODES = ("assessment", "practice")
MAX_NAME = 120
MAX_WORKSHOP_NAME = 200
ACTIVE_WINDOW = timedelta(minutes=5)  # an open attempt written to this recently is "playing"


class StoreError(RuntimeError):
    """A request the store cannot satisfy; the message says why."""


def now() -> str:
    """The time of a write, as stored: ISO 8601 in UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def active_since() -> str:
    """The stamp after which an open attempt counts as being played now."""
    return (datetime.now(UTC) - ACTIVE_WINDOW).isoformat(timespec="milliseconds")


def clean_text(value: str) -> str:
    """Single spaces, no ends, no control or format characters (names reach terminals)."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def valid_code(code: str) -> str | None:
    """The code in canonical form (upper case) if it is a well-formed join code."""
    c = code.strip().upper()
    if len(c) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in c):
        return c
    return None


def new_code() -> str:
    """A random join code (the caller retries on the rare clash)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def trainee_name(name: str) -> tuple[str, str]:
    """A trainee's name as stored, and its key (names are case-insensitive)."""
    name = clean_text(name)
    if not name:
        raise StoreError("a trainee needs a name")
    if len(name) > MAX_NAME:
        raise StoreError(f"a name may be at most {MAX_NAME} characters")
    return name, name.casefold()


def name_key(name: str) -> str:
    """The key a trainee is looked up by (no check: an unknown name finds nothing)."""
    return clean_text(name).casefold()


def workshop_fields(
    name: str, scenarios: list[str], mode: str, time_limit: float | None
) -> tuple[str, list[str]]:
    """A new workshop's name and scenario ids (each once, in order), or StoreError."""
    name = clean_text(name)
    if not name:
        raise StoreError("a workshop needs a name")
    if len(name) > MAX_WORKSHOP_NAME:
        raise StoreError(f"a workshop name may be at most {MAX_WORKSHOP_NAME} characters")
    ids = list(dict.fromkeys(s.strip() for s in scenarios if s.strip()))
    if not ids:
        raise StoreError("a workshop needs at least one scenario")
    if mode not in MODES:
        raise StoreError(f"unknown mode '{mode}' (use assessment or practice)")
    if time_limit is not None and not time_limit > 0:
        raise StoreError("the time limit must be a positive number of seconds")
    return name, ids


def rule_settings_fields(
    disabled: Sequence[str], weights: Mapping[str, float]
) -> tuple[list[str], dict[str, float]]:
    """A workshop's rule settings as stored: rule ids (each once, in order) left out, and
    weights by rule id (each between -100 and 100), or StoreError. A rule cannot be both.
    Whether each id names a rule of the workshop's scenarios is the caller's to check."""
    ids = list(dict.fromkeys(disabled))
    for rid in [*ids, *weights]:
        if not isinstance(rid, str) or not re.fullmatch(ID_PATTERN, rid):
            raise StoreError(f"'{clean_text(str(rid))[:80]}' is not a rule id")
    out: dict[str, float] = {}
    for rid, w in weights.items():
        if isinstance(w, bool) or not isinstance(w, int | float) or not -100 <= w <= 100:
            raise StoreError(f"the weight of {rid} must be a number between -100 and 100")
        out[rid] = float(w)
    both = [rid for rid in ids if rid in out]
    if both:
        raise StoreError(f"{', '.join(both)}: a rule cannot be both disabled and re-weighted")
    return ids, out


def workshop_code(code: str) -> str:
    """A join code in canonical form, or StoreError saying what one looks like."""
    canonical = valid_code(code)
    if canonical is None:
        raise StoreError(
            f"'{clean_text(code)[:20]}' is not a workshop code (six letters and digits, "
            "like K7QMPX)"
        )
    return canonical


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise StoreError(f"unknown outcome '{outcome}' (use {', '.join(OUTCOMES)})")
