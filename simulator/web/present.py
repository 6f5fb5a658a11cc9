"""What the chat page shows, as JSON: a scenario's briefing, a turn's verdict, a debrief.

Every figure comes from the engine and the report code the terminal and the app use
(``reply_points``, ``model_reply_for``, ``Session.debrief``, ``report.console.marks`` and
``assessment_lines``); nothing here scores. Text is sent as text: the page puts it in
the document with ``textContent`` only. The trainee's reply is sent cut into segments
(plain, or marked with the category and points of the rule that fired on it), so the
page needs no character offsets (Python counts code points, JavaScript UTF-16 units).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.engine.debrief import OUTCOME_POINTS, TURN_SHARE, model_reply_for, reply_points
from simulator.report.console import assessment_lines, lifetime_why, marks, pass_label
from simulator.scoring.verdict import CATEGORY_STEP, STEP_LABELS, STEPS

if TYPE_CHECKING:
    from simulator.engine.debrief import Debrief
    from simulator.engine.session import Session, TurnResult
    from simulator.model.schema import Scenario
    from simulator.scoring.verdict import Verdict

def scenario_card(sc: Scenario) -> dict[str, Any]:
    """The briefing: who the customer is, the setting, what is expected."""
    c = sc.customer
    return {
        "id": sc.id,
        "title": sc.title,
        "language": sc.language,
        "summary": sc.summary,
        "difficulty": sc.difficulty,
        "customer": c.name,
        "situation": c.situation,
        "lifetime_value": c.lifetime_value,
        "lifetime_note": c.lifetime_note,
        "patience": c.patience,
        "context": sc.context,
        "goals": list(sc.goals),
    }


def started(session: Session, attempt_id: int | None) -> dict[str, Any]:
    """The message that opens a conversation: the briefing and the customer's first line."""
    return {
        "type": "started",
        "scenario": scenario_card(session.scenario),
        "mode": session.mode,
        "time_limit": session.time_limit,
        "pass_mark": session.pass_mark,
        "attempt": attempt_id,
        "turn": session.turn_number,
        "customer": session.customer_line,
        "mood": session.mood,
        "patience": session.patience_left,
    }


def segments(verdict: Verdict) -> list[dict[str, Any]]:
    """The scored part of the reply, cut at the fired rules' words (``marks``); the part
    past the scoring limit, if any, last and unmarked."""
    text = verdict.reply[: verdict.scored_chars]
    out: list[dict[str, Any]] = []
    pos = 0
    for start, end, category, points in marks(verdict):
        if start > pos:
            out.append({"text": text[pos:start]})
        out.append({"text": text[start:end], "category": category, "points": points})
        pos = end
    if pos < len(text):
        out.append({"text": text[pos:]})
    rest = verdict.reply[verdict.scored_chars :]
    if rest:
        out.append({"text": rest, "unscored": True})
    return out


def feedback(verdict: Verdict) -> dict[str, Any]:
    """A verdict as the app's feedback card shows it: the score and how it adds up, the
    trainee's words marked, each category's points with its rules (message, the words
    that fired it, the better phrasing of a penalised one), the five steps."""
    parts = reply_points(verdict)
    rows: list[dict[str, Any]] = []
    for cat in parts.categories:
        rows.append({
            "category": cat.category,
            "label": cat.label,
            "points": cat.points,
            "capped": cat.capped,
            "rules": [
                {
                    "rule": h.rule,
                    "points": h.points,
                    "message": h.message,
                    "quote": h.spans[0].text if h.spans else "",
                    "better": h.suggestion if h.suggestion and h.points < 0 else None,
                }
                for h in cat.hits
            ],
        })
    adj = verdict.lifetime_adjustment
    return {
        "score": verdict.score,
        "base": parts.base,
        "gained": parts.gained,
        "lost": parts.lost,
        "clamped": parts.clamped,
        "unclamped": round(parts.unclamped),
        "segments": segments(verdict),
        "rows": rows,
        "lifetime": {"points": adj, "why": lifetime_why(adj)} if adj else None,
        "notices": list(verdict.notices),
        "credited": [STEP_LABELS.get(CATEGORY_STEP.get(c, c), c) for c in verdict.credited],
        "steps": [{"step": s, "label": STEP_LABELS[s], "done": bool(verdict.steps.get(s))}
                  for s in STEPS],
    }


def turn_result(session: Session, result: TurnResult) -> dict[str, Any]:
    """The message after a reply: in practice the verdict (and, after a weak reply, a
    reply that would have worked); in an assessment only the notices; then what the
    customer says next, and whether the conversation ended."""
    turn = result.turn
    practice = session.mode == "practice"
    return {
        "type": "verdict",
        "turn": turn.index,
        "reply": turn.reply,
        "feedback": feedback(turn.verdict) if practice else None,
        "notices": list(turn.verdict.notices),
        "over_time": turn.over_time,
        "model_reply": model_reply_for(session.scenario, turn) if practice else None,
        "customer": result.next_line,
        "ended": result.ended,
        "outcome": session.outcome if result.ended else None,
        "mood": session.mood,
        "patience": session.patience_left,
        "next_turn": session.turn_number,
    }


def debrief(d: Debrief) -> dict[str, Any]:
    """The debrief (``Session.debrief``) with the lines the terminal prints for it: the
    assessment's verdict, how the total is made, the steps' labels."""
    total = d.total_points()
    data = d.to_dict()
    data.update(
        type="debrief",
        assessment=assessment_lines(d),
        pass_label=pass_label(d.passed if d.outcome != "unfinished" else None, d.level),
        formula={
            "share": TURN_SHARE,
            "mean": round(total.mean, 1),
            "outcome_points": total.outcome_points,
            "outcome_table": OUTCOME_POINTS,
            "score": total.score,
        },
        step_labels=dict(STEP_LABELS),
        last_straw=d.last_straw,
    )
    return data
