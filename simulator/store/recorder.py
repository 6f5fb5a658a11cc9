"""Record a session into the store as it happens: each turn when it is sent, the
transcript with it, the result at the end."""

from __future__ import annotations

import json
from typing import Any

from simulator.engine.session import Session
from simulator.store.store import Store


class Recorder:
    """Listens to a session's transcript events and writes them to the store."""

    def __init__(
        self, session: Session, store: Store, trainee: str, workshop: str | None = None
    ) -> None:
        self.session = session
        self.store = store
        self.lines: list[str] = [json.dumps(session.header(), ensure_ascii=False)]
        self.attempt_id = store.start_attempt(
            trainee,
            session.scenario.id,
            session.scenario.version,
            session.scenario.language,
            session.mode,
            session.seed,
            workshop=workshop,
            transcript_path=str(session.log.path) if session.log.path else None,
        )
        session.log.listeners.append(self._on_event)

    def _on_event(self, event: dict[str, Any]) -> None:
        self.lines.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
        kind = event.get("type")
        text = "\n".join(self.lines) + "\n"
        if kind == "transition":
            self.store.add_turn(self.attempt_id, self.session.turns[-1].to_dict(), transcript=text)
        elif kind == "retry":
            self.store.retract_last_turn(self.attempt_id)
        elif kind == "end":
            debrief = self.session.debrief()
            self.store.finish_attempt(
                self.attempt_id, debrief.outcome, debrief.score, debrief.to_dict(), transcript=text
            )

    def abandon(self) -> None:
        """Mark an attempt left before its end (the transcript stays resumable)."""
        if not self.session.ended:
            self.store.finish_attempt(
                self.attempt_id, "unfinished", self.session.debrief().score,
                self.session.debrief().to_dict(), transcript="\n".join(self.lines) + "\n",
            )
