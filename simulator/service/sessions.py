"""Conversations as the product plays them: each with its transcript and its recorder.

A :class:`Play` is a session (the engine's conversation), the transcript file it appends
to, and the recorder that writes each turn to the results store as it is sent. The
command line and the app start, resume and leave conversations only through here, so a
conversation is recorded the same way whichever front end plays it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.engine import transcript as tr
from simulator.paths import transcripts_dir
from simulator.service import ServiceError

if TYPE_CHECKING:
    from simulator.engine.session import Session, TurnResult
    from simulator.model.library import Library
    from simulator.store.recorder import Recorder
    from simulator.store.store import Store

RESUME_SCAN = 40  # newest transcripts looked at for an interrupted conversation
DRY_RUN = "dry_run"  # header meta of a conversation played unrecorded: never offered again


def open_store(url: str | None) -> Store:
    """The results store at ``url`` (default: the local SQLite file); raises StoreError."""
    from simulator.store.store import Store

    return Store.open(url)


def read_transcript(path: Path) -> tr.Transcript:
    """One conversation's events, read up to any damage (see ``Transcript.warnings``)."""
    return tr.read(path)


def new_transcript_path(scenario_id: str, workshop: str | None = None) -> Path:
    """A fresh file in the data folder's transcripts (never one that exists)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    tag = f"{workshop}-{os.getpid()}-" if workshop else ""
    return transcripts_dir() / f"{stamp}-{tag}{scenario_id}.jsonl"


def check_transcript_target(path: Path) -> None:
    """Refuse a ``--transcript`` path that cannot hold a new conversation.

    A transcript holds one conversation: the path must be new, or an empty file. A
    folder, a device, a file that is not a transcript or one that already holds a
    conversation is refused (raises :class:`ServiceError` naming the path) and left
    as it is.
    """
    if path.is_dir():
        raise ServiceError(f"{path}: is a folder; give a file name for the transcript")
    if not (path.exists() or path.is_symlink()):
        return
    if not path.is_file():
        raise ServiceError(f"{path}: not a regular file; give a new file name for the transcript")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ServiceError(f"{path}: cannot use it for the transcript: {exc.strerror}") from None
    if size == 0:
        return
    head = tr.read(path).header
    if head is None:
        raise ServiceError(
            f"{path}: exists and is not a transcript; give a new file name (nothing was written)"
        )
    raise ServiceError(
        f"{path}: already holds a conversation (scenario '{head.get('scenario')}'); a transcript "
        "holds one conversation: give a new file name"
    )


@dataclass
class Play:
    """A conversation in progress and what records it."""

    session: Session
    recorder: Recorder | None = None
    notices: list[str] = field(default_factory=list)
    record_error: str | None = None  # why it is not recorded, when it was meant to be

    @property
    def attempt_id(self) -> int | None:
        return self.recorder.attempt_id if self.recorder is not None else None

    def reply(self, text: str, elapsed: float | None = None) -> TurnResult:
        """Score a reply and move on; the recorder stores the turn before this returns."""
        return self.session.reply(text, elapsed=elapsed)

    def stop(self) -> None:
        """Close the conversation; one left before its end is stored as unfinished
        (its transcript stays, resumable). A store failure is raised, after closing."""
        try:
            if self.recorder is not None and not self.session.ended:
                self.recorder.abandon()
        finally:
            self.session.close()

    def abandon(self) -> None:
        """:meth:`stop` for a trainee leaving: a store failure must not keep them in."""
        with contextlib.suppress(Exception):
            self.stop()
        self.session.close()


def start(
    library: Library,
    scenario_id: str,
    *,
    mode: str,
    seed: int | str,
    time_limit: float | None,
    trainee: str | None,
    store: Store | None = None,
    workshop: str | None = None,
    transcript: Path | None = None,
    record: bool = True,
    required: bool = False,
    difficulty: str | None = None,
    pass_mark: int | None = None,
    rules: dict[str, Any] | None = None,
) -> Play:
    """A new conversation with its transcript (``transcript``, else a new file in the
    data folder), recorded in ``store`` under ``trainee`` when both are given.

    ``record=False`` is a dry run: nothing is stored and the conversation is never
    offered for resume. If the recorder cannot start, the conversation goes on
    unrecorded (``Play.record_error`` says why), or with ``required`` the error is
    raised. A transcript path that cannot be written raises :class:`ServiceError`, as
    does a ``difficulty`` the scenario does not offer. ``pass_mark`` (a workshop's)
    overrides the scenario's own; ``rules`` (a workshop's ``rule_settings``: rules
    disabled and re-weighted) applies to every verdict.
    """
    from simulator.engine.session import Session

    scenario = library.scenario(scenario_id)
    meta: dict[str, Any] = {}
    if workshop:
        meta["workshop"] = workshop
    if not record:
        meta[DRY_RUN] = True
    if difficulty is not None and difficulty not in scenario.difficulties:
        raise ServiceError(
            f"scenario '{scenario.id}' has no '{difficulty}' level "
            f"(it offers {', '.join(scenario.difficulties)})"
        )
    path = transcript or new_transcript_path(scenario.id, workshop)
    try:
        session = Session(
            scenario,
            library.packs_for(scenario),
            mode="assessment" if mode == "assessment" else "practice",
            seed=seed,
            time_limit=time_limit,
            transcript=path,
            trainee=trainee or None,
            meta=meta or None,
            difficulty=difficulty,
            pass_mark=pass_mark,
            rules=rules,
        )
    except OSError as exc:
        raise ServiceError(f"{path}: cannot write the transcript: {exc.strerror}") from None
    play = Play(session)
    if record and store is not None and trainee:
        _attach(play, required, lambda: _new_recorder(session, store, trainee, workshop))
    return play


def _new_recorder(session: Session, store: Store, trainee: str, workshop: str | None) -> Recorder:
    from simulator.store.recorder import Recorder

    return Recorder(session, store, trainee, workshop=workshop)


def _attach(play: Play, required: bool, make: Callable[[], Recorder]) -> None:
    """Give ``play`` its recorder; if it cannot start, raise (``required``) or say why."""
    try:
        play.recorder = make()
    except Exception as exc:
        if required:
            play.session.close()
            raise
        play.record_error = str(exc)


@dataclass(frozen=True)
class Resumable:
    """A conversation left before its end that the library can still continue."""

    path: Path
    scenario: str
    title: str
    replies: int
    started: str


def resumable(
    library: Library, trainee: str | None, scenario: str | None = None
) -> list[Resumable]:
    """The newest conversations left unfinished by ``trainee`` (of ``scenario`` only,
    when given), newest first. A workshop's attempt is not offered outside the workshop,
    nor a dry run, nor a conversation of another version of its scenario."""
    folder = transcripts_dir()
    if not folder.is_dir():
        return []
    found: list[Resumable] = []
    for path in sorted(folder.glob("*.jsonl"), reverse=True)[:RESUME_SCAN]:
        log = tr.read(path)
        head = log.header
        if head is None or log.ended:
            continue
        if trainee and head.get("trainee") not in (None, trainee):
            continue
        meta = head.get("meta")
        if isinstance(meta, dict) and (meta.get("workshop") or meta.get(DRY_RUN)):
            continue  # a workshop's attempt would leave the workshop's open; a dry run is none
        sid = str(head.get("scenario"))
        if scenario is not None and sid != scenario:
            continue
        sc = library.scenarios.get(sid)
        if sc is None or str(head.get("scenario_version")) != sc.version:
            continue
        replies = len(log.accepted())
        if replies == 0:
            continue
        started = str(log.events[0].get("t", ""))[:16].replace("T", " ")
        found.append(Resumable(path, sc.id, sc.title, replies, started))
    return found


def resume(
    library: Library,
    item: Resumable,
    *,
    trainee: str | None,
    store: Store | None = None,
    record: bool = True,
    required: bool = False,
) -> Play:
    """Continue a conversation from its transcript, appending to the same file.

    The attempt that recorded it goes on (or, if none was stored, a new one holds the
    whole conversation). A conversation whose last reply ended it but whose ``end`` was
    lost (the program was killed in between) is finished now, once: its end written to
    the transcript and its outcome and score to the store.
    Raises ``ResumeError`` (an ``EngineError``) if it cannot be resumed.
    """
    from simulator.engine.session import resume as resume_session

    scenario = library.scenario(item.scenario)
    session = resume_session(item.path, scenario, library.packs_for(scenario))
    play = Play(session, notices=list(session.resumed_warnings))
    if record and store is not None and trainee:
        _attach(play, required, lambda: _resumed_recorder(session, store, trainee))
    if session.ended:
        _record_lost_end(play, required)
    return play


def _record_lost_end(play: Play, required: bool) -> None:
    """Write the ``end`` a kill lost; the recorder stores the outcome with it. If the
    store fails, the transcript is left without it too (offered again next time)."""
    session = play.session
    ending = session.ending
    event = {
        "type": "end",
        "outcome": session.outcome,
        "ending": ending.id if ending else None,
        "score": session.debrief().score,
        "reason": "recorded on resume",
    }
    try:
        session.log.write(event, sync=True)
    except Exception as exc:
        if required or play.recorder is None:
            raise
        play.recorder.detach()
        play.recorder = None
        play.record_error = str(exc)


def _resumed_recorder(session: Session, store: Store, trainee: str) -> Recorder:
    from simulator.store.recorder import Recorder

    return Recorder.resume(session, store, trainee)


def discard(item: Resumable) -> None:
    """Close an interrupted transcript so it is not offered again."""
    log = tr.TranscriptWriter(item.path)
    try:
        log.write(
            {"type": "end", "outcome": "unfinished", "ending": None, "score": 0,
             "reason": "discarded"},
            sync=True,
        )
    finally:
        log.close()
