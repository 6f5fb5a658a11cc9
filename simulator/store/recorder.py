"""Record a session into the store as it happens: each turn when it is sent, the
transcript with it, the result at the end.

The recorder listens to the session's transcript events. A reply becomes a turn row in
its own committed transaction as soon as it is scored, together with the customer's
answer (the ``transition`` and ``customer`` events that ``Session.reply`` emits before
it returns), so the turn is stored before the trainee sees the answer; a practice retry marks the last turn retracted; the
``end`` event writes the outcome and the debrief. A store failure is raised to the
caller (the reply is then not confirmed), never swallowed: a turn the trainee saw as
sent is a turn in the store.
"""

from __future__ import annotations

from typing import Any

from simulator.engine import transcript as tr
from simulator.engine.session import Session
from simulator.store.store import Store


class Recorder:
    """Listens to a session's transcript events and writes them to the store."""

    def __init__(
        self,
        session: Session,
        store: Store,
        trainee: str,
        workshop: str | None = None,
        *,
        attempt_id: int | None = None,
    ) -> None:
        """Record ``session`` as a new attempt, or go on with ``attempt_id`` (see resume)."""
        self.session = session
        self.store = store
        self.lines: list[str] = self._initial_lines(session)
        if attempt_id is None:
            attempt_id = store.start_attempt(
                trainee,
                session.scenario.id,
                session.scenario.version,
                session.scenario.language,
                session.mode,
                session.seed,
                workshop=workshop,
                transcript_path=str(session.log.path) if session.log.path else None,
                difficulty=session.difficulty,
                pass_mark=session.pass_mark,
            )
        self.attempt_id = attempt_id
        self.turns_written = 0
        self._pending = False
        session.log.listeners.append(self._on_event)

    @classmethod
    def resume(cls, session: Session, store: Store, trainee: str) -> Recorder:
        """Record a session resumed from its transcript (``engine.session.resume``).

        The attempt that recorded it before it was left goes on: opened again, its turns
        brought in line with the transcript (none stored twice). Without one (it was
        played unrecorded, or under another name) the whole conversation so far is
        stored as a new attempt.
        """
        path = session.log.path
        found = (
            store.find_attempt(trainee, session.scenario.id, str(path)) if path is not None else None
        )
        rec = cls(session, store, trainee, attempt_id=found)
        turns = [turn.to_dict() for turn in session.turns]
        if found is not None:
            store.resume_attempt(found, turns, transcript=rec.transcript())
        else:
            for turn in turns:
                store.add_turn(rec.attempt_id, turn, transcript=rec.transcript())
        return rec

    @staticmethod
    def _initial_lines(session: Session) -> list[str]:
        """The transcript so far: the file's events if there is one, else what it holds."""
        path = session.log.path
        if path is not None and path.is_file():
            found = tr.lines(tr.read(path))
            if found:
                return found
        events: list[dict[str, Any]] = [session.header()]
        if not session.turns:
            events.append(
                {"type": "customer", "turn": 1, "node": session.node, "text": session.customer_line}
            )
        return [tr.line(e) for e in events]

    def transcript(self) -> str:
        return "\n".join(self.lines) + "\n"

    def _on_event(self, event: dict[str, Any]) -> None:
        self.lines.append(tr.line(event))
        kind = event.get("type")
        if kind == "transition":
            # Written with the customer's answer, the very next event of the same reply.
            self._pending = True
            return
        self.flush()
        if kind == "retry":
            self.store.retract_last_turn(self.attempt_id)
        elif kind == "end":
            debrief = self.session.debrief()
            self.store.finish_attempt(
                self.attempt_id,
                debrief.outcome,
                debrief.score,
                debrief.to_dict(),
                transcript=self.transcript(),
                passed=debrief.passed,
                level=debrief.level,
            )

    def flush(self) -> None:
        """Write the scored reply not yet written (normally done by the next event)."""
        if self._pending:
            self._pending = False
            self.store.add_turn(
                self.attempt_id, self.session.turns[-1].to_dict(), transcript=self.transcript()
            )
            self.turns_written += 1

    def abandon(self) -> None:
        """Mark an attempt left before its end (the transcript stays resumable)."""
        self.flush()
        if not self.session.ended:
            debrief = self.session.debrief()
            self.store.finish_attempt(
                self.attempt_id,
                "unfinished",
                debrief.score,
                debrief.to_dict(),
                transcript=self.transcript(),
            )

    def detach(self) -> None:
        """Stop listening (the session goes on unrecorded)."""
        if self._on_event in self.session.log.listeners:
            self.session.log.listeners.remove(self._on_event)

