"""Scripted replies played without a screen: ``play --script`` and ``play --workshop``.

A script holds one reply per paragraph (blank lines separate replies). For a workshop the
scenarios are played in the workshop's order and the replies consumed in order: each
scenario takes replies until its conversation ends, and the next one starts with the next
reply. A paragraph that is just ``---`` splits the script into sections, section N for
scenario N: replies left over in a section are dropped (and counted), a section that runs
out leaves that scenario unfinished, and a scenario with no reply left is not started.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.engine.debrief import model_reply_for
from simulator.report.console import MODEL_REPLY_LABEL, debrief_text, verdict_text
from simulator.service import sessions

if TYPE_CHECKING:
    from simulator.model.library import Library
    from simulator.store.store import Store, Workshop

SECTION_BREAK = "---"


class AttemptRefused(Exception):
    """The store would not start an attempt (e.g. the workshop was closed meanwhile)."""

_PARAGRAPH = re.compile(r"\n[ \t]*\n")

Say = Callable[[str], None]


def _silent(_text: str) -> None:
    return None


def split_script(text: str) -> list[str]:
    """One reply per paragraph: blank lines separate replies, single newlines stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in _PARAGRAPH.split(text) if p.strip()]


def split_sections(replies: list[str]) -> list[list[str]] | None:
    """Replies grouped by ``---`` paragraphs, or None when the script has no break."""
    if SECTION_BREAK not in replies:
        return None
    sections: list[list[str]] = [[]]
    for r in replies:
        if r == SECTION_BREAK:
            sections.append([])
        else:
            sections[-1].append(r)
    return sections


def run_script(
    play: sessions.Play, replies: list[str], *, say: Say | None = None, color: bool = False
) -> dict[str, Any]:
    """Play replies in order until an ending or the script runs out; ``say`` prints."""
    say = say or _silent
    session = play.session
    practice = session.mode == "practice"
    say(f"{session.scenario.title} ({session.scenario.id}, {session.mode})\n")
    used = 0
    for reply in replies:
        if session.ended:
            break
        say(f"CUSTOMER: {session.customer_line}\n")
        say(f"YOU: {reply}\n")
        result = play.reply(reply)
        used += 1
        if practice:
            say(_indent(verdict_text(result.turn.verdict, color)) + "\n")
            model = model_reply_for(session.scenario, result.turn)
            if model is not None:
                say(_indent(f"{MODEL_REPLY_LABEL} {model}") + "\n")
        elif result.turn.verdict.notices:
            say(_indent("\n".join(result.turn.verdict.notices)) + "\n")
    if session.ended:
        if session.customer_line:
            say(f"CUSTOMER: {session.customer_line}\n")
    else:
        say(f"(the script ran out after {used} replies; the customer is still waiting)\n")
    debrief = session.debrief()
    say(debrief_text(debrief, color))
    return {
        "scenario": session.scenario.id,
        "mode": session.mode,
        "outcome": session.outcome,
        "ending": debrief.ending,
        "score": debrief.score,
        "turns": [
            {
                **t.to_dict(),
                "model_reply": model_reply_for(session.scenario, t) if practice else None,
            }
            for t in session.turns
        ],
        "unused_replies": len(replies) - used,
        "difficulty": debrief.difficulty,
        "pass_mark": debrief.pass_mark,
        "passed": debrief.passed,
        "level": debrief.level,
        "critical": [c.to_dict() for c in debrief.critical],
        "debrief": debrief.to_dict(),
    }


def _offered(library: Library, scenario_id: str, difficulty: str | None) -> str | None:
    """``difficulty`` where the scenario offers it, else None (its own level)."""
    if difficulty is None:
        return None
    return difficulty if difficulty in library.scenario(scenario_id).difficulties else None


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.splitlines())


@dataclass
class WorkshopRun:
    """What a scripted workshop run recorded: one result per scenario played."""

    results: list[dict[str, Any]] = field(default_factory=list)
    unused_replies: int = 0

    def not_played(self, ws: Workshop) -> list[str]:
        played = {r["scenario"] for r in self.results}
        return [s for s in ws.scenarios if s not in played]


def run_workshop(
    library: Library,
    store: Store,
    ws: Workshop,
    trainee: str,
    replies: list[str],
    *,
    seed: int | str,
    say: Say | None = None,
    color: bool = False,
    difficulty: str | None = None,
) -> WorkshopRun:
    """Play a script through a workshop's scenarios, each attempt recorded as it goes.

    An attempt the store refuses to start (a workshop closed meanwhile) raises
    :class:`AttemptRefused`; a store failure during play raises StoreError. The attempts
    recorded before either stay. The caller checks the script's sections first.
    """
    from simulator.store.store import StoreError

    say = say or _silent
    sections = split_sections(replies)
    queue = list(replies)
    out = WorkshopRun()
    dropped = 0
    for i, sid in enumerate(ws.scenarios):
        mine = (sections[i] if i < len(sections) else []) if sections is not None else queue
        if not mine:
            continue
        try:
            play = sessions.start(
                library, sid, mode=ws.mode, seed=seed, time_limit=ws.time_limit,
                trainee=trainee, store=store, workshop=ws.code, required=True,
                pass_mark=ws.pass_mark, difficulty=_offered(library, sid, difficulty),
                rules=ws.rule_settings,
            )
        except StoreError as exc:
            raise AttemptRefused(str(exc)) from exc
        try:
            if i:
                say("\n" + "=" * 60 + "\n")
            result = run_script(play, mine, say=say, color=color)
            play.stop()  # an attempt the script left unfinished is stored as such
        finally:
            play.session.close()
        unused = int(result["unused_replies"])
        if sections is None:
            queue = queue[len(mine) - unused :]
        else:
            dropped += unused
        result.update(
            attempt_id=play.attempt_id,
            transcript=str(play.session.log.path),
            outcome=play.session.outcome,
            replies_used=len(mine) - unused,
        )
        out.results.append(result)
    out.unused_replies = dropped + (len(queue) if sections is None else 0)
    return out
