"""One reply of a conversation and what it did (the record the engine and the debrief share)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from simulator.scoring import Verdict

Outcome = Literal["kept", "lost", "escalated", "unfinished"]


@dataclass(frozen=True)
class Turn:
    index: int
    node: str
    customer: str
    reply: str
    verdict: Verdict
    mood_before: int
    mood_after: int
    patience_left: int
    goto: str
    reason: str
    elapsed: float | None = None
    over_time: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "node": self.node,
            "customer": self.customer,
            "reply": self.reply,
            "verdict": self.verdict.to_dict(),
            "mood_before": self.mood_before,
            "mood_after": self.mood_after,
            "patience_left": self.patience_left,
            "goto": self.goto,
            "reason": self.reason,
            "elapsed": self.elapsed,
            "over_time": self.over_time,
        }
