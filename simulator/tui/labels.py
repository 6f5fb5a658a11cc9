"""Words the app shows for the engine's values (translated at display time)."""

from __future__ import annotations

from simulator.tui.i18n import N_, _

STEP_LABELS: dict[str, str] = {
    "calm": N_("Stay calm"),
    "listen": N_("Show you listen"),
    "acknowledge": N_("Acknowledge the problem"),
    "clarify": N_("Clarify the facts"),
    "solve": N_("Propose a solution now"),
}

OUTCOMES: dict[str, str] = {
    "kept": N_("Customer kept"),
    "lost": N_("Customer lost"),
    "escalated": N_("Escalated"),
    "unfinished": N_("Unfinished"),
}

OUTCOMES_SHORT: dict[str, str] = {
    "kept": N_("kept"),
    "lost": N_("lost"),
    "escalated": N_("escalated"),
    "unfinished": N_("unfinished"),
}

DIFFICULTY: dict[str, str] = {
    "easy": N_("easy"),
    "medium": N_("medium"),
    "hard": N_("hard"),
}

LIFETIME: dict[str, str] = {
    "low": N_("low"),
    "standard": N_("standard"),
    "high": N_("high"),
}

MODES: dict[str, str] = {
    "practice": N_("Practice"),
    "assessment": N_("Assessment"),
}

LANGUAGE_NAMES: dict[str, str] = {
    "en": N_("English"),
    "fr": N_("French"),
}


def step(name: str) -> str:
    return _(STEP_LABELS.get(name, name))


def outcome(name: str) -> str:
    return _(OUTCOMES.get(name, name))


def outcome_short(name: str) -> str:
    return _(OUTCOMES_SHORT.get(name, name))


def difficulty(name: str) -> str:
    return _(DIFFICULTY.get(name, name))


def lifetime(name: str) -> str:
    return _(LIFETIME.get(name, name))


def mode(name: str) -> str:
    return _(MODES.get(name, name))


def language_name(code: str) -> str:
    return _(LANGUAGE_NAMES.get(code, code))


def points(value: float) -> str:
    """+12 / −40 (a real minus sign) / 0."""
    n = round(value)
    if n > 0:
        return f"+{n}"
    if n < 0:
        return f"−{-n}"
    return "0"


def quoted(text: str) -> str:
    """A title in the interface language's quotation marks, the inner kind when the
    title itself opens with the outer kind (no « « … » »)."""
    from simulator.tui.i18n import language

    if language() == "fr":
        return f"“{text}”" if "«" in text else f"« {text} »"
    return f"‘{text}’" if "“" in text else f"“{text}”"
