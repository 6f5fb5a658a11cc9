"""The figures of a workshop report, computed once and shared by every format.

``summarise(data)`` takes what ``Store.workshop_data`` returns and gives the trainee and
attempt counts, the score distribution, the averages per scenario, the most common
last-word phrases and the replies to quote (best and to rework). The JSON export carries
it as its ``summary``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from simulator.engine.outcomes import FINISHED_OUTCOMES, OUTCOMES
from simulator.scoring.normalize import fold
from simulator.scoring.verdict import last_word_phrases

BEST_MIN = 60  # a reply quoted among the best scored at least this
WORST_BELOW = 50  # a reply quoted among those to rework scored less than this


def summarise(data: dict[str, Any], *, quotes: int = 5, phrases: int = 10) -> dict[str, Any]:
    """Figures every workshop format shares: distribution, averages, phrases, quotes."""
    attempts: list[dict[str, Any]] = list(data.get("attempts") or [])
    titles: dict[str, str] = dict(data.get("titles") or {})
    finished = [a for a in attempts if a.get("outcome") in FINISHED_OUTCOMES and a.get("score") is not None]
    bins = [0] * 10
    for a in finished:
        bins[min(9, max(0, int(a["score"]) // 10))] += 1
    distribution = [
        {"range": f"{i * 10}–{i * 10 + 9 if i < 9 else 100}", "count": c} for i, c in enumerate(bins)
    ]
    ws = data.get("workshop") or {}
    order = list(ws.get("scenarios") or [])
    for a in attempts:
        if a.get("scenario_id") not in order:
            order.append(a.get("scenario_id"))
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in finished:
        per[str(a["scenario_id"])].append(a)
    per_scenario = []
    for sid in order:
        done = per.get(str(sid), [])
        outcomes = Counter(str(a["outcome"]) for a in done)
        per_scenario.append(
            {
                "scenario": sid,
                "title": titles.get(str(sid), sid),
                "attempts": sum(1 for a in attempts if a.get("scenario_id") == sid),
                "finished": len(done),
                "average": round(sum(int(a["score"]) for a in done) / len(done), 1) if done else None,
                "outcomes": {o: outcomes.get(o, 0) for o in FINISHED_OUTCOMES},
            }
        )
    phrase_count: Counter[str] = Counter()
    phrase_people: dict[str, set[str]] = defaultdict(set)
    candidates: list[dict[str, Any]] = []
    n_turns = 0
    for a in attempts:
        for t in a.get("turns") or []:
            n_turns += 1
            v = t.get("verdict") or {}
            for key in last_word_phrases(v):
                phrase_count[key] += 1
                phrase_people[key].add(str(a.get("trainee", "")).casefold())
            candidates.append(_candidate(t, a.get("trainee"), a.get("scenario_id")))
    if data.get("quote_candidates") is not None:  # chosen by the database, turns left out
        n_turns = int(data.get("turn_count") or 0)
        candidates = [
            _candidate(t, t.get("trainee"), t.get("scenario_id"))
            for t in data["quote_candidates"]
        ]
    if data.get("last_word_phrases") is not None:  # counted by the database
        common = list(data["last_word_phrases"])[:phrases]
    else:
        common = [
            {"phrase": p, "count": c, "trainees": len(phrase_people[p])}
            for p, c in sorted(phrase_count.items(), key=lambda kv: (-kv[1], kv[0]))[:phrases]
        ]
    # Best: the highest-scoring replies that did well (60+); worst: the lowest under 50.
    best = _pick_quotes(
        sorted((c for c in candidates if c["score"] >= BEST_MIN), key=lambda c: -c["score"]), quotes
    )
    worst = _pick_quotes(
        sorted((c for c in candidates if c["score"] < WORST_BELOW), key=lambda c: c["score"]), quotes
    )
    trainees = {str(a.get("trainee", "")).casefold() for a in attempts}
    return {
        "trainees": len(trainees),
        "attempts": len(attempts),
        "finished": len(finished),
        "turns": n_turns,
        "average": round(sum(int(a["score"]) for a in finished) / len(finished), 1)
        if finished
        else None,
        "outcomes": {o: sum(1 for a in attempts if (a.get("outcome") or "unfinished") == o) for o in OUTCOMES},
        "distribution": distribution,
        "per_scenario": per_scenario,
        "last_word_phrases": common,
        "best_replies": best,
        "worst_replies": worst,
    }


def _candidate(t: dict[str, Any], trainee: Any, scenario: Any) -> dict[str, Any]:
    v = t.get("verdict") or {}
    return {
        "trainee": trainee,
        "scenario": scenario,
        "turn": t.get("turn"),
        "customer": t.get("customer"),
        "reply": t.get("reply"),
        "score": int(t.get("score", v.get("score", 0)) or 0),
        "why": _worst_reason(v),
        "good": _best_reason(v),
        "note": (t.get("review") or {}).get("note") or None,
    }


def _worst_reason(v: dict[str, Any]) -> str:
    neg = [x for x in v.get("hits") or [] if float(x.get("points", 0)) < 0]
    neg.sort(key=lambda x: float(x.get("points", 0)))
    return str(neg[0].get("message", "")) if neg else ""


def _best_reason(v: dict[str, Any]) -> str:
    pos = [x for x in v.get("hits") or [] if float(x.get("points", 0)) > 0]
    pos.sort(key=lambda x: -float(x.get("points", 0)))
    return str(pos[0].get("message", "")) if pos else ""


def _pick_quotes(ranked: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The first n replies of a ranking, each distinct text once."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for c in ranked:
        key = " ".join(fold(str(c.get("reply") or "")).split())
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(c)
        if len(out) >= n:
            break
    return out
