"""Agreement between two sets of yes/no labels: confusion counts, precision, recall, kappa.

``simulator eval`` uses it twice: the packs' predictions against a file's labels, and
(``--against``) one labeller's file against another's. Cohen's kappa is written out here
rather than taken from scikit-learn: for two yes/no raters it is a few lines of
arithmetic, and scikit-learn (with numpy and scipy) would multiply the install size for
it. The formula is Cohen (1960): kappa = (p_o - p_e) / (1 - p_e), where p_o is the
observed agreement and p_e the agreement expected by chance from each rater's own rate
of "yes".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Confusion:
    """Counts of one label: the reference (``truth``) against the other side (``pred``).

    ``tp``: both true; ``fn``: reference true, other false; ``fp``: reference false,
    other true; ``tn``: both false.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, pred: bool) -> None:
        if truth:
            if pred:
                self.tp += 1
            else:
                self.fn += 1
        elif pred:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def support(self) -> int:
        """How many the reference labels true."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        predicted = self.tp + self.fp
        if predicted:
            return self.tp / predicted
        return 1.0 if self.support == 0 else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def agreement(self) -> float | None:
        """The share of replies on which both sides say the same (p_o)."""
        return (self.tp + self.tn) / self.n if self.n else None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa; None when it is undefined (no replies, or both sides always
        gave one same answer, so chance agreement is already 1)."""
        n = self.n
        if not n:
            return None
        p_o = (self.tp + self.tn) / n
        ref_true = (self.tp + self.fn) / n
        other_true = (self.tp + self.fp) / n
        p_e = ref_true * other_true + (1 - ref_true) * (1 - other_true)
        if p_e >= 1:
            return None
        return (p_o - p_e) / (1 - p_e)

    def counts(self) -> dict[str, int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}

    def metrics(self) -> dict[str, Any]:
        """What ``eval --format json`` shows for a label (figures rounded to 4 places)."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "kappa": _round(self.kappa),
            "agreement": _round(self.agreement),
            "support": self.support,
            **self.counts(),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4) + 0.0  # + 0.0: never "-0.0"


def fmt(x: float | None, width: int) -> str:
    """A figure for a text table: two decimals, or ``n/a`` when undefined."""
    if x is None:
        return f"{'n/a':>{width}}"
    return f"{round(x, 2) + 0.0:>{width}.2f}"
