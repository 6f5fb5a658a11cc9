"""The verdict on one reply: score, categories, fired rules with spans, five steps.

Score formula (documented in docs/scoring.md):

    points(category) = clamp(sum of the weights of its fired rules, -cap, +cap)
    score = clamp(round(50 + sum of points(category) + lifetime adjustment), 0, 100)

A rule counts once per reply however often it matches. Lifetime adjustment: for a
high-value customer, a concrete fix with no compensation costs 10 points and a fix with
compensation earns 5; other customers get 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.scoring.normalize import fold

BASE = 50
HIGH_VALUE_NO_COMPENSATION = -10
HIGH_VALUE_COMPENSATION = 5

# The five steps of handling a complaint (Training magazine, cited in the hotel story),
# and the category whose firing shows each one. "calm" holds when no tone rule fired.
STEP_CATEGORY: dict[str, str] = {
    "listen": "listen",
    "acknowledge": "acknowledge",
    "clarify": "clarify",
    "solve": "concrete_fix",
}
STEPS: tuple[str, ...] = ("calm", *STEP_CATEGORY)
CATEGORY_STEP: dict[str, str] = {c: s for s, c in STEP_CATEGORY.items()}
CALM_BREAKERS: frozenset[str] = frozenset({"tone"})
# How the steps are named to a trainee (English; the app translates them).
STEP_LABELS: dict[str, str] = {
    "calm": "Stay calm",
    "listen": "Show you listen",
    "acknowledge": "Acknowledge the problem",
    "clarify": "Clarify the facts",
    "solve": "Propose a solution now",
}

# Labels and caps of the built-in categories; packs may add and relabel.
DEFAULT_CATEGORIES: dict[str, tuple[str, float]] = {
    "last_word": ("Last-word phrasing", 60),
    "tone": ("Tone", 30),
    "missed_step": ("Missed step", 20),
    "concrete_fix": ("Concrete fix", 35),
    "compensation": ("Compensation", 10),
    "acknowledge": ("Acknowledgement", 15),
    "listen": ("Listening", 10),
    "clarify": ("Clarifying question", 10),
    "empathy": ("Empathy", 10),
}


# Built for every reply on the hot path: plain slotted classes (frozen dataclasses pay
# for object.__setattr__ on every field). Treat them as read-only.
@dataclass(slots=True)
class Span:
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(slots=True)
class Hit:
    """A rule that fired, with the trainee's words that made it fire."""

    rule: str
    category: str
    kind: str
    level: str
    points: float
    message: str
    suggestion: str | None
    spans: tuple[Span, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "kind": self.kind,
            "level": self.level,
            "points": self.points,
            "message": self.message,
            "suggestion": self.suggestion,
            "spans": [s.to_dict() for s in self.spans],
        }


@dataclass(slots=True)
class CategoryResult:
    name: str
    label: str
    fired: bool
    points: float
    rules: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "fired": self.fired,
            "points": self.points,
            "rules": list(self.rules),
        }


@dataclass(frozen=True)
class Verdict:
    score: int
    categories: dict[str, CategoryResult]
    hits: tuple[Hit, ...]
    steps: dict[str, bool]
    lifetime_adjustment: int
    language: str
    reply: str
    scored_chars: int
    notices: tuple[str, ...] = field(default_factory=tuple)
    # Steps this reply did not show but an earlier reply did: not charged as missed.
    credited: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def build(
        cls,
        score: int,
        categories: dict[str, CategoryResult],
        hits: tuple[Hit, ...],
        steps: dict[str, bool],
        lifetime_adjustment: int,
        language: str,
        reply: str,
        scored_chars: int,
        notices: tuple[str, ...],
        credited: tuple[str, ...] = (),
    ) -> Verdict:
        """The same as calling the class with these fields, for the scorer's hot path: a
        frozen dataclass sets each field through ``object.__setattr__``, which costs more
        than the rest of the verdict's assembly; filling ``__dict__`` at once does not."""
        verdict = object.__new__(cls)
        verdict.__dict__.update(
            score=score,
            categories=categories,
            hits=hits,
            steps=steps,
            lifetime_adjustment=lifetime_adjustment,
            language=language,
            reply=reply,
            scored_chars=scored_chars,
            notices=notices,
            credited=credited,
        )
        return verdict

    def fired(self, name: str) -> bool:
        """Did a category, or a rule, of this name fire?"""
        cat = self.categories.get(name)
        if cat is not None:
            return cat.fired
        return any(h.rule == name for h in self.hits)

    @property
    def fired_rules(self) -> list[str]:
        return [h.rule for h in self.hits]

    @property
    def gains(self) -> list[Hit]:
        return [h for h in self.hits if h.points > 0]

    @property
    def losses(self) -> list[Hit]:
        return [h for h in self.hits if h.points < 0]

    def last_word_phrases(self) -> list[str]:
        """The last-word phrases the trainee used, each once (see :func:`phrase_key`)."""
        return distinct_phrases(
            s.text for h in self.hits if h.category == LAST_WORD for s in h.spans
        )

    def to_dict(self) -> dict[str, Any]:
        out = {
            "score": self.score,
            "language": self.language,
            "reply": self.reply,
            "scored_chars": self.scored_chars,
            "categories": {k: v.to_dict() for k, v in self.categories.items()},
            "hits": [h.to_dict() for h in self.hits],
            "steps": dict(self.steps),
            "lifetime_adjustment": self.lifetime_adjustment,
            "notices": list(self.notices),
        }
        if self.credited:  # only after earlier replies: transcripts of one reply stay as they were
            out["credited"] = list(self.credited)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        cats = {
            k: CategoryResult(k, v["label"], v["fired"], v["points"], tuple(v["rules"]))
            for k, v in data["categories"].items()
        }
        hits = tuple(
            Hit(
                h["rule"],
                h["category"],
                h["kind"],
                h["level"],
                h["points"],
                h["message"],
                h.get("suggestion"),
                tuple(Span(s["start"], s["end"], s["text"]) for s in h["spans"]),
            )
            for h in data["hits"]
        )
        return cls(
            score=data["score"],
            categories=cats,
            hits=hits,
            steps=dict(data["steps"]),
            lifetime_adjustment=data.get("lifetime_adjustment", 0),
            language=data.get("language", "en"),
            reply=data.get("reply", ""),
            scored_chars=data.get("scored_chars", len(data.get("reply", ""))),
            notices=tuple(data.get("notices", ())),
            credited=tuple(data.get("credited", ())),
        )


LAST_WORD = "last_word"  # the category whose spans are the phrases exports count
_PHRASE_ENDS = " \t\n.,;:!?¡¿\"'()[]«»…"


def phrase_key(text: str) -> str:
    """A last-word span reduced to a comparable phrase: folded, trimmed, spaced once."""
    return " ".join(fold(text).split()).strip(_PHRASE_ENDS)


def distinct_phrases(texts: Iterable[str]) -> list[str]:
    """The phrase keys of span texts, each once, in order of first use."""
    seen: dict[str, None] = {}
    for text in texts:
        key = phrase_key(text)
        if key:
            seen.setdefault(key)
    return list(seen)


def last_word_phrases(verdict: Mapping[str, Any]) -> list[str]:
    """:meth:`Verdict.last_word_phrases` of a stored verdict (its ``to_dict()``), read
    leniently: a missing or partial field gives fewer phrases, never an error."""
    return distinct_phrases(
        str(span.get("text", ""))
        for hit in verdict.get("hits") or []
        if hit.get("category") == LAST_WORD
        for span in hit.get("spans") or []
    )


def lifetime_adjustment(value: str, fired: set[str], *, compensated_before: bool = False) -> int:
    """A high-value customer's fix with no compensation, in this reply or an earlier one,
    costs points; with compensation it earns some. Other customers: 0."""
    if value != "high" or "concrete_fix" not in fired:
        return 0
    if compensated_before or "compensation" in fired:
        return HIGH_VALUE_COMPENSATION
    return HIGH_VALUE_NO_COMPENSATION


def steps(fired: set[str]) -> dict[str, bool]:
    """Each of the five steps, in STEPS order, shown by this reply or not."""
    out = {"calm": fired.isdisjoint(CALM_BREAKERS)}
    for step, category in STEP_CATEGORY.items():
        out[step] = category in fired
    return out


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# The labels a reply is judged by (``simulator eval`` measures them, a trainer's review
# sets them right), and the verdict category each one reads.
LABEL_CATEGORIES: dict[str, str] = {
    "last_word": "last_word",
    "concrete_fix": "concrete_fix",
    "acknowledges": "acknowledge",
}


def verdict_labels(verdict: Mapping[str, Any]) -> dict[str, bool]:
    """The labels a stored verdict (its ``to_dict()``) gives: did each category fire?"""
    cats = verdict.get("categories") or {}
    return {
        label: bool((cats.get(cat) or {}).get("fired")) for label, cat in LABEL_CATEGORIES.items()
    }
