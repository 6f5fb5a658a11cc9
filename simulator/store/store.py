"""The results store: trainees, workshops, attempts and turns, on SQLAlchemy Core.

``Store`` is the one object callers hold: ``with Store.open(url) as store: ...``. It
checks its arguments (``validate.py``) and hands each request to the module whose job it
is: opening the database and its transactions (``connection.py``), writes
(``writes.py``), queries (``queries.py``) and the input of a workshop's export
(``reportdata.py``). Rows come back typed (``rows.py``). Every turn is written in its own
short transaction when it is sent, so a crash or a ``kill -9`` loses nothing already sent.

Outcomes: ``kept``, ``escalated`` and ``lost`` end a conversation ("finished");
``unfinished`` marks an attempt left before its end; an attempt still being played has
no outcome. Leaderboards and personal bests count finished attempts only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from simulator.store import certificates, claims, queries, reportdata, writes
from simulator.store.certificates import NotPassed
from simulator.store.connection import Database, normalise_url
from simulator.store.rows import (
    AttemptRecord,
    AttemptSummary,
    CertificateRecord,
    LeaderboardRow,
    Override,
    PhraseCount,
    ReviewTurn,
    TurnRecord,
    Workshop,
    WorkshopData,
)
from simulator.store.validate import (
    ACTIVE_WINDOW,
    CODE_ALPHABET,
    CODE_LENGTH,
    FINISHED_OUTCOMES,
    MAX_NAME,
    MAX_WORKSHOP_NAME,
    MODES,
    OUTCOMES,
    StoreError,
    clean_text,
    now,
    trainee_name,
    valid_code,
)

__all__ = [
    "ACTIVE_WINDOW",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "FINISHED_OUTCOMES",
    "MAX_NAME",
    "MAX_WORKSHOP_NAME",
    "MODES",
    "OUTCOMES",
    "NotPassed",
    "Store",
    "StoreError",
    "Workshop",
    "clean_text",
    "normalise_url",
    "now",
    "valid_code",
]


class Store(Database):
    """The results store. Writes are stamped by this module's ``now`` (looked up at each
    call, so a test can fix the clock with ``monkeypatch.setattr(store, "now", ...)``)."""

    # ------------------------------------------------------------------ trainees
    def trainee(self, name: str, conn: Connection | None = None) -> int:
        """The id of a trainee by name (created on first use; names are case-insensitive)."""
        if conn is not None:
            return writes.trainee(conn, name, now)
        trainee_name(name)  # refused before the write lock is taken
        with self.tx() as c:
            return writes.trainee(c, name, now)

    def claim_name(self, code: str, name: str) -> claims.NameClaim | None:
        """Hold ``name`` in workshop ``code`` for this process, across every host serving
        it from this database; None when another process holds it (see ``claims.py``)."""
        return claims.claim(self, code, name)

    def name_claims(self) -> claims.ClaimSet:
        """Names held by this process on one connection (one process serving many
        browsers; see ``claims.ClaimSet``)."""
        return claims.ClaimSet(self)

    # ------------------------------------------------------------------ workshops
    def create_workshop(
        self,
        name: str,
        scenarios: list[str],
        mode: str = "assessment",
        time_limit: float | None = None,
        pass_mark: int | None = None,
        disabled_rules: Sequence[str] = (),
        rule_weights: Mapping[str, float] | None = None,
    ) -> Workshop:
        """A new workshop; ``pass_mark`` (0-100) overrides its scenarios' own;
        ``disabled_rules`` are left out of its verdicts and ``rule_weights`` (rule id to
        points, -100 to 100) replace those rules' weights in them."""
        return self.workshop(
            writes.create_workshop(
                self, name, scenarios, mode, time_limit, now, pass_mark,
                disabled_rules, rule_weights,
            )
        )

    def workshop(self, code: str) -> Workshop:
        with self.read() as conn:
            return queries.workshop(conn, code)

    def workshops(self) -> list[Workshop]:
        with self.read() as conn:
            return queries.workshops(conn)

    def close_workshop(self, code: str) -> Workshop:
        ws = self.workshop(code)
        if ws.closed:
            return ws
        writes.close_workshop(self, ws.id, now)
        return self.workshop(code)

    # ------------------------------------------------------------------ attempts
    def start_attempt(
        self,
        trainee: str,
        scenario_id: str,
        scenario_version: str,
        language: str,
        mode: str,
        seed: str | int = 0,
        workshop: str | None = None,
        transcript_path: str | None = None,
        difficulty: str | None = None,
        pass_mark: int | None = None,
    ) -> int:
        """A new attempt; refused (StoreError) for a closed workshop or a foreign scenario."""
        return writes.start_attempt(
            self, trainee, scenario_id, scenario_version, language, mode, seed, workshop,
            transcript_path, now, difficulty, pass_mark,
        )

    def add_turn(self, attempt_id: int, turn: dict[str, Any], transcript: str | None = None) -> int:
        """Write one turn (a ``Turn.to_dict()``) in its own transaction; returns its seq."""
        return writes.add_turn(self, attempt_id, turn, transcript, now)

    def find_attempt(self, trainee: str, scenario_id: str, transcript_path: str) -> int | None:
        """The trainee's latest attempt (outside workshops) written to this transcript."""
        with self.read() as conn:
            return queries.find_attempt(conn, trainee, scenario_id, transcript_path)

    def resume_attempt(
        self, attempt_id: int, turns: list[dict[str, Any]], transcript: str | None = None
    ) -> int:
        """Continue an attempt left unfinished: open again, with exactly ``turns`` standing.

        ``turns`` is the whole conversation so far (``Turn.to_dict()`` each). The stored
        turns that match it (same turn number and reply, in order) stay as they are; a
        stored turn past the first difference is retracted (the transcript is the record:
        e.g. a retry the store never heard of), and the turns the store lacks (a crash
        between the transcript and the store) are added. One transaction. Returns the
        number of turns added.
        """
        return writes.resume_attempt(self, attempt_id, turns, transcript, now)

    def retract_last_turn(self, attempt_id: int) -> None:
        """A practice retry: the last standing turn no longer counts (it is kept).

        Taking back the reply that ended a conversation re-opens the attempt.
        """
        writes.retract_last_turn(self, attempt_id, now)

    def finish_attempt(
        self,
        attempt_id: int,
        outcome: str,
        score: int,
        debrief: dict[str, Any] | None = None,
        transcript: str | None = None,
        *,
        passed: bool | None = None,
        level: str | None = None,
    ) -> None:
        writes.finish_attempt(
            self, attempt_id, outcome, score, debrief, transcript, now, passed, level
        )

    def attempt(self, attempt_id: int) -> AttemptRecord:
        with self.read() as conn:
            return queries.attempt(conn, attempt_id)

    def turns(self, attempt_id: int, *, include_retracted: bool = False) -> list[TurnRecord]:
        with self.read() as conn:
            return queries.turns(conn, attempt_id, include_retracted=include_retracted)

    def attempts(
        self,
        *,
        trainee: str | None = None,
        workshop: str | None = None,
        scenario: str | None = None,
        finished: bool | None = None,
    ) -> list[AttemptSummary]:
        """Attempts with their trainee's name (and workshop code), oldest first.

        ``finished=True``: attempts whose conversation ended (kept, escalated, lost);
        ``False``: the others (still open, or left unfinished).
        """
        with self.read() as conn:
            return queries.attempts(
                conn, trainee=trainee, workshop=workshop, scenario=scenario, finished=finished
            )

    def best_scores(self, trainee: str) -> dict[str, int]:
        """Personal best per scenario (finished attempts only: kept, escalated, lost)."""
        with self.read() as conn:
            return queries.best_scores(conn, trainee)

    # ------------------------------------------------------------------ leaderboard
    def leaderboard(self, code: str) -> list[LeaderboardRow]:
        """Trainees ranked by the sum of their best finished score in each scenario.

        Each row: rank, name, total, attempts, finished, per_scenario {id: best},
        outcomes {kept, escalated, lost, unfinished}, playing (an attempt open and written
        to in the last five minutes), last_active. Ties rank by fewer attempts, then name.
        Aggregated in SQL; the turns table is not read.
        """
        with self.read() as conn:
            return queries.leaderboard(conn, queries.workshop(conn, code))

    # ------------------------------------------------------------------ certificates
    def issue_certificate(self, code: str, trainee: str) -> CertificateRecord:
        """The certificate of ``trainee`` for the assessment workshop ``code``: one passed
        attempt (their best) in each of its scenarios. Raises :class:`NotPassed` (which
        says where they stand) or StoreError (a practice workshop, an unknown name)."""
        ws = self.workshop(code)
        verification = certificates.issue(self, ws, trainee, now)
        found = self.certificate(verification)
        assert found is not None
        return found

    def certificate(self, verification: str) -> CertificateRecord | None:
        """The certificate with this verification code (case and dashes do not matter),
        or None for an unknown code."""
        with self.read() as conn:
            return certificates.find(conn, verification)

    # ------------------------------------------------------------------ reports
    def phrase_counts(self, code: str, limit: int = 10) -> list[PhraseCount]:
        """The workshop's most common last-word phrases: phrase, count, trainees."""
        with self.read() as conn:
            return queries.phrase_counts(conn, queries.workshop(conn, code).id, limit)

    def workshop_data(
        self,
        code: str,
        titles: dict[str, str] | None = None,
        *,
        turns: bool = True,
        quotes: int = 200,
    ) -> WorkshopData:
        """Everything an export of the workshop shows (``render_workshop``'s input).

        ``turns=False`` leaves each attempt's turns out and adds ``turn_count`` and
        ``quote_candidates`` instead (see ``reportdata.workshop_data``).
        """
        with self.read() as conn:
            ws = queries.workshop(conn, code)
            return reportdata.workshop_data(
                conn, ws, titles, turns=turns, quotes=quotes, clock=now
            )

    # ------------------------------------------------------------------ reviews
    def add_override(
        self,
        turn_id: int,
        labels: dict[str, bool],
        misfired: list[str] | None = None,
        note: str = "",
        reviewer: str | None = None,
    ) -> int:
        """Record a trainer's review of a reply as a new row; the verdict is not changed.
        The latest review of a turn stands (``overrides``)."""
        return writes.add_override(self, turn_id, labels, list(misfired or []), note, reviewer, now)

    def overrides(
        self, *, attempt_ids: list[int] | None = None, workshop: str | None = None
    ) -> dict[int, Override]:
        """The standing review of each reviewed turn, by turn id."""
        with self.read() as conn:
            wid = queries.workshop(conn, workshop).id if workshop is not None else None
            return queries.overrides(conn, attempt_ids=attempt_ids, workshop_id=wid)

    def override_history(self, turn_id: int) -> list[Override]:
        with self.read() as conn:
            return queries.override_history(conn, turn_id)

    def review_turns(
        self, *, attempt_ids: list[int] | None = None, workshop: str | None = None
    ) -> list[ReviewTurn]:
        """The standing replies of these attempts, or of a workshop, with their verdicts
        and standing reviews."""
        with self.read() as conn:
            wid = queries.workshop(conn, workshop).id if workshop is not None else None
            return queries.review_turns(conn, attempt_ids=attempt_ids, workshop_id=wid)

    def attempts_for_transcript(self, paths: list[str]) -> list[int]:
        with self.read() as conn:
            return queries.attempts_for_transcript(conn, paths)
