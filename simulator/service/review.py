"""A trainer's review of recorded replies: list them with their verdicts, override a
label or mark a rule as misfired with a note, and turn the reviewed replies into
labelled test data (the ``simulator eval`` format).

A review is stored as a new row beside the turn (``Store.add_override``); the recorded
verdict and score are never changed, and the latest review of a reply stands. The
command line (``simulator review``) and the app's review screen both go through here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.scoring.verdict import LABEL_CATEGORIES, verdict_labels
from simulator.service import ServiceError

if TYPE_CHECKING:
    from simulator.store.rows import Override, ReviewTurn
    from simulator.store.store import Store

# The labels a trainer can set, and the verdict category each one reads (the same
# labels ``simulator eval`` measures).
LABELS: dict[str, str] = LABEL_CATEGORIES
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")
SOURCE = "review"  # the ``source`` of the labelled replies a review exports


@dataclass(frozen=True)
class Target:
    """What is reviewed: a workshop's replies, or those of one transcript's attempts."""

    kind: str  # "workshop" or "transcript"
    name: str  # the join code, or the transcript's path as given
    workshop: str | None = None
    attempt_ids: tuple[int, ...] = ()

    def turns(self, store: Store) -> list[ReviewTurn]:
        if self.workshop is not None:
            return store.review_turns(workshop=self.workshop)
        return store.review_turns(attempt_ids=list(self.attempt_ids))


def resolve(store: Store, target: str) -> Target:
    """A workshop code, or the path of a recorded transcript; ServiceError otherwise."""
    from simulator.store.store import StoreError, valid_code

    path = Path(target)
    code = valid_code(target)
    if code is not None and not path.exists():
        try:
            ws = store.workshop(code)
        except StoreError as exc:
            raise ServiceError(str(exc)) from exc
        return Target("workshop", ws.code, workshop=ws.code)
    if not path.exists():
        raise ServiceError(
            f"{target}: no such transcript, and not a workshop code (six letters and "
            "digits, like K7QMPX)"
        )
    if path.is_dir():
        raise ServiceError(f"{target} is a folder; give a transcript file or a workshop code")
    ids = store.attempts_for_transcript(sorted({str(path), str(path.resolve())}))
    if not ids:
        raise ServiceError(
            f"{target}: this conversation is not in the results store (played with "
            "--no-record, or recorded in another --db): there is nothing to review"
        )
    return Target("transcript", target, attempt_ids=tuple(ids))


def for_attempt(attempt_id: int) -> Target:
    """One attempt's replies (the app's progress view reviews the attempt chosen)."""
    return Target("attempt", str(attempt_id), attempt_ids=(attempt_id,))


# ---------------------------------------------------------------------------- labels


def predicted(verdict: dict[str, Any]) -> dict[str, bool]:
    """The labels the verdict gives: did each label's category fire?"""
    return verdict_labels(verdict)


def fired_rules(verdict: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(str(h.get("rule")) for h in verdict.get("hits") or []))


def corrected(verdict: dict[str, Any], override: Override | None) -> dict[str, bool]:
    """The labels with the trainer's corrections applied: a label the trainer set is
    theirs; a label whose category fired only through rules marked misfired is false."""
    labels = predicted(verdict)
    if override is None:
        return labels
    misfired = set(override["misfired"])
    if misfired:
        for label, cat in LABELS.items():
            rules = {
                str(h.get("rule")) for h in verdict.get("hits") or [] if h.get("category") == cat
            }
            if labels[label] and rules and rules <= misfired:
                labels[label] = False
    labels.update({k: v for k, v in override["labels"].items() if k in LABELS})
    return labels


def parse_labels(assignments: Iterable[str]) -> dict[str, bool]:
    """``last_word=true concrete_fix=false`` into labels; ServiceError naming what is wrong."""
    labels: dict[str, bool] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            raise ServiceError(
                f"'{item}' is not LABEL=VALUE (for example last_word=false; labels: "
                f"{', '.join(LABELS)})"
            )
        if name not in LABELS:
            raise ServiceError(f"unknown label '{name}' (use {', '.join(LABELS)})")
        word = value.strip().lower()
        if word in TRUE_WORDS:
            labels[name] = True
        elif word in FALSE_WORDS:
            labels[name] = False
        else:
            raise ServiceError(f"{name}={value}: the value must be true or false")
    return labels


def parse_turn(raw: str) -> int:
    try:
        value = int(raw.strip().lstrip("#"))
    except ValueError:
        raise ServiceError(
            f"'{raw}' is not a reply id (the 'turn' number of 'simulator review CODE --list')"
        ) from None
    if value <= 0:
        raise ServiceError(f"'{raw}' is not a reply id (they are positive numbers)")
    return value


# ---------------------------------------------------------------------------- items


def highlights(verdict: dict[str, Any]) -> list[dict[str, Any]]:
    """The trainee's words each rule matched, in reading order."""
    out = [
        {
            "rule": str(h.get("rule")),
            "category": str(h.get("category")),
            "points": h.get("points", 0),
            "start": int(s.get("start", 0)),
            "end": int(s.get("end", 0)),
            "text": str(s.get("text", "")),
        }
        for h in verdict.get("hits") or []
        for s in h.get("spans") or []
    ]
    return sorted(out, key=lambda x: (x["start"], x["end"]))


def item(row: ReviewTurn) -> dict[str, Any]:
    """One reply as ``simulator review --list --format json`` shows it."""
    verdict = row["verdict"]
    ov = row["override"]
    guess = predicted(verdict)
    return {
        "turn": row["turn_id"],
        "attempt": row["attempt_id"],
        "number": row["turn"],
        "trainee": row["trainee"],
        "scenario": row["scenario_id"],
        "lang": row["language"],
        "workshop": row["workshop"],
        "customer": row["customer"],
        "reply": row["reply"],
        "score": row["score"],
        **guess,
        "labels": corrected(verdict, ov),
        "rules": fired_rules(verdict),
        "fired": [
            {
                "rule": str(h.get("rule")),
                "category": str(h.get("category")),
                "points": h.get("points", 0),
                "message": h.get("message"),
            }
            for h in verdict.get("hits") or []
        ],
        "highlights": highlights(verdict),
        "override": None
        if ov is None
        else {
            "labels": ov["labels"],
            "misfired": ov["misfired"],
            "note": ov["note"],
            "reviewer": ov["reviewer"],
            "at": ov["created_at"],
        },
        "note": ov["note"] if ov else None,
    }


def items(store: Store, target: Target) -> list[dict[str, Any]]:
    return [item(r) for r in target.turns(store)]


def record(
    store: Store,
    target: Target,
    turn: int,
    *,
    labels: dict[str, bool] | None = None,
    misfired: Iterable[str] = (),
    note: str | None = None,
    reviewer: str | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Record a review of reply ``turn`` of ``target``; returns the reply as it now
    stands. It adds to the reply's standing review: labels and misfired rules given
    are added, a note given replaces the note (``replace``: the review given is the
    whole review, as the review screen saves it). ServiceError for a reply not in the
    target, a rule that did not fire on it, or a review that says nothing."""
    from simulator.store.store import StoreError

    labels = dict(labels or {})
    misfired = list(dict.fromkeys(misfired))
    unknown = [k for k in labels if k not in LABELS]
    if unknown:
        raise ServiceError(f"unknown label '{unknown[0]}' (use {', '.join(LABELS)})")
    if not replace and not labels and not misfired and note is None:
        raise ServiceError(
            "nothing to record: give a label (last_word=false), --misfired RULE or --note TEXT"
        )
    rows = {r["turn_id"]: r for r in target.turns(store)}
    row = rows.get(turn)
    if row is None:
        where = f"workshop {target.name}" if target.kind == "workshop" else target.name
        raise ServiceError(
            f"no reply {turn} in {where} (see 'simulator review {target.name} --list')"
        )
    fired = fired_rules(row["verdict"])
    for rule in misfired:
        if rule not in fired:
            raise ServiceError(
                f"rule '{rule}' did not fire on reply {turn}; rules that fired: "
                f"{', '.join(fired) or 'none'}"
            )
    before = None if replace else row["override"]
    merged_labels = {**(before["labels"] if before else {}), **labels}
    merged_misfired = list(dict.fromkeys([*(before["misfired"] if before else []), *misfired]))
    text = note if note is not None else (before["note"] if before else "")
    try:
        store.add_override(turn, merged_labels, merged_misfired, text, reviewer)
    except StoreError as exc:
        raise ServiceError(str(exc)) from exc
    return next(item(r) for r in target.turns(store) if r["turn_id"] == turn)


# ---------------------------------------------------------------------------- labelled data


def labelled_rows(reviewed: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reviewed replies (items with an override) in ``simulator eval``'s format."""
    out = []
    for it in reviewed:
        ov = it.get("override")
        if ov is None:
            continue
        out.append(
            {
                "id": f"review-{it['turn']}",
                "reply": it["reply"],
                "lang": it["lang"],
                **{label: bool(it["labels"][label]) for label in LABELS},
                "scenario_id": it["scenario"],
                "note": ov["note"],
                "misfired": ov["misfired"],
                "source": SOURCE,
            }
        )
    return out


def labelled_jsonl(reviewed: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labelled_rows(reviewed))


# ---------------------------------------------------------------------------- for trainees


def trainer_notes(store: Store, attempt_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """By attempt: the trainer's notes on its replies (reply, note, labels set right)."""
    if not attempt_ids:
        return {}
    found = store.overrides(attempt_ids=attempt_ids)
    if not found:
        return {}
    out: dict[int, list[dict[str, Any]]] = {}
    for row in store.review_turns(attempt_ids=sorted({o["attempt_id"] for o in found.values()})):
        ov = row["override"]
        if ov is None:
            continue
        out.setdefault(row["attempt_id"], []).append(
            {
                "turn": row["turn_id"],
                "number": row["turn"],
                "reply": row["reply"],
                "note": ov["note"],
                "labels": ov["labels"],
                "misfired": ov["misfired"],
            }
        )
    return out
