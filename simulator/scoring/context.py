"""What a conversation has already done, as the scorer reads it.

A verdict is a pure function of the reply, this context and the rules. The context holds
the categories and rules that fired in earlier replies of the same conversation: a step
shown earlier (an acknowledgement, a fix) is not charged again as missed, and
compensation offered earlier counts for a high-value customer's later fix. Scenario
transitions and customer lines read it too (``before`` / ``not_before`` conditions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.scoring.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Context:
    """Categories and rule ids that fired in the replies before this one."""

    fired: frozenset[str] = frozenset()
    replies: int = 0

    @classmethod
    def after(cls, verdicts: Iterable[Verdict]) -> Context:
        """The context after these replies, in order."""
        ctx = EMPTY
        for verdict in verdicts:
            ctx = ctx.then(verdict)
        return ctx

    def then(self, verdict: Verdict) -> Context:
        """The context once this verdict's reply has been said too."""
        names = {name for name, cat in verdict.categories.items() if cat.fired}
        names.update(h.rule for h in verdict.hits)
        return Context(self.fired | names, self.replies + 1)

    def done(self, name: str) -> bool:
        """Did a category, or a rule, of this name fire in an earlier reply?"""
        return name in self.fired

    def to_dict(self) -> dict[str, Any]:
        return {"fired": sorted(self.fired), "replies": self.replies}


EMPTY = Context()
