"""Re-score a past conversation with today's rules and say what changed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.engine import transcript as tr
from simulator.service import ServiceError

if TYPE_CHECKING:
    from simulator.model.library import Library


def replay(library: Library, path: Path) -> dict[str, Any]:
    """The same replies played again from the start with today's rule packs (and the
    rule settings of its workshop, as its header recorded them).

    Returns the report ``simulator replay --format json`` prints. Raises
    :class:`ServiceError` (naming the path) for a missing file, a file that is not a
    transcript, or a scenario the library does not have.
    """
    from simulator.engine.session import Session
    from simulator.model.library import UnknownScenario

    if not path.is_file():
        raise ServiceError(f"{path}: no such file")
    log = tr.read(path)
    warnings = list(log.warnings)
    header = log.header
    if header is None:
        raise ServiceError("\n".join([*warnings, f"{path}: not a transcript of the simulator"]))
    try:
        scenario = library.scenario(str(header.get("scenario")))
    except UnknownScenario as exc:
        raise ServiceError(f"{path}: {exc}") from None
    if str(header.get("scenario_version")) != scenario.version:
        warnings.append(
            f"recorded with version {header.get('scenario_version')} of '{scenario.id}', the "
            f"library has version {scenario.version}: nodes and lines may differ"
        )
    packs = library.packs_for(scenario)
    old_packs = header.get("packs") or {}
    for p in packs:
        if p.id in old_packs and str(old_packs[p.id]) != p.version:
            warnings.append(f"rule pack '{p.id}': recorded {old_packs[p.id]}, now {p.version}")
    pairs = log.accepted()
    if not pairs:
        warnings.append("no replies were recorded")
    difficulty = header.get("difficulty")
    session = Session(
        scenario,
        packs,
        mode=header.get("mode", "practice"),
        seed=header.get("seed", 0),
        difficulty=difficulty if difficulty in scenario.difficulties else None,
        pass_mark=header.get("pass_mark") if isinstance(header.get("pass_mark"), int) else None,
        # a workshop's session is scored again with that workshop's rule settings
        rules=header.get("rules") if isinstance(header.get("rules"), dict) else None,
    )
    turns: list[dict[str, Any]] = []
    diverged_at: int | None = None
    for reply_event, verdict_event in pairs:
        old = verdict_event["verdict"]
        node = reply_event.get("node")
        if session.ended:
            turns.append(_row(reply_event, old, None, node))
            diverged_at = diverged_at or int(reply_event.get("turn", 0))
            continue
        if node != session.node and diverged_at is None:
            diverged_at = session.turn_number
        result = session.reply(reply_event["text"], elapsed=reply_event.get("elapsed"))
        turns.append(_row(reply_event, old, result.turn.verdict.to_dict(), node))
    old_end = log.end
    new_debrief = session.debrief()
    report: dict[str, Any] = {
        "transcript": str(path),
        "scenario": scenario.id,
        "warnings": warnings,
        "turns": turns,
        "old": {
            "outcome": old_end["outcome"] if old_end else "unfinished",
            "ending": old_end.get("ending") if old_end else None,
            "score": old_end.get("score") if old_end else None,
        },
        "new": {
            "outcome": session.outcome,
            "ending": new_debrief.ending,
            "score": new_debrief.score,
        },
        "diverged_at": diverged_at,
        "rules": session.rules,  # the workshop's rule settings it was scored with, if any
    }
    report["changed"] = (
        any(t["score_change"] or t["added"] or t["removed"] for t in turns)
        or report["old"]["outcome"] != report["new"]["outcome"]
        or report["old"]["ending"] != report["new"]["ending"]
    )
    return report


def _row(
    reply_event: dict[str, Any], old: dict[str, Any], new: dict[str, Any] | None, node: Any
) -> dict[str, Any]:
    old_rules = {h["rule"] for h in old.get("hits", [])}
    new_rules = {h["rule"] for h in new.get("hits", [])} if new else set()
    return {
        "turn": reply_event.get("turn"),
        "node": node,
        "reply": reply_event.get("text", ""),
        "old_score": old.get("score"),
        "new_score": new.get("score") if new else None,
        "score_change": (new["score"] - old["score"]) if new else 0,
        "added": sorted(new_rules - old_rules) if new else [],
        "removed": sorted(old_rules - new_rules) if new else [],
    }
