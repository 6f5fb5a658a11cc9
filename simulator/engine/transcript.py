"""JSON Lines transcripts: every event appended and flushed as it happens.

A crash, Ctrl+C or ``kill -9`` loses at most the reply being typed: each event is one
``write`` followed by a flush, and the end of each turn is synced to disk. Reading stops
at the first damaged line, with a warning naming it, and keeps everything before.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

FORMAT = 1


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class TranscriptWriter:
    """Appends events to a file (or to nothing, when ``path`` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the session
            # A file cut off mid-line by a crash: start the next event on a fresh line.
            if path.stat().st_size and not _ends_with_newline(path):
                self._fh.write("\n")
        self.listeners: list[Any] = []

    def write(self, event: dict[str, Any], *, sync: bool = False) -> None:
        event.setdefault("t", now())
        for listener in self.listeners:
            listener(event)
        if self._fh is None:
            return
        self._fh.write(line(event) + "\n")
        self._fh.flush()
        if sync:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


@dataclass
class Transcript:
    """The events of one conversation, as :func:`read` found them."""

    events: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def header(self) -> dict[str, Any] | None:
        return next((e for e in self.events if e.get("type") == "session"), None)

    @property
    def ended(self) -> bool:
        return self.end is not None

    @property
    def end(self) -> dict[str, Any] | None:
        """The ``end`` event that stands, if the conversation reached one: a practice
        retry of the reply that ended it takes that end back (the store re-opens the
        attempt the same way)."""
        end: dict[str, Any] | None = None
        for e in self.events:
            kind = e.get("type")
            if kind == "end":
                end = e
            elif kind == "retry":
                end = None
        return end

    def accepted(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(reply event, verdict event) of the replies that stood (retries removed)."""
        out: list[tuple[dict[str, Any], dict[str, Any]]] = []
        pending: dict[str, Any] | None = None
        for e in self.events:
            kind = e.get("type")
            if kind == "reply":
                pending = e
            elif kind == "verdict" and pending is not None:
                out.append((pending, e))
                pending = None
            elif kind == "retry" and out:
                out.pop()
        return out


def read(path: Path) -> Transcript:
    """Read one conversation's transcript.

    Reading stops at the first damaged line, and at a second ``session`` header (a file
    reused for another conversation), with a warning saying where: what is returned is
    always one conversation, never two mixed.
    """
    out = Transcript()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        out.warnings.append(f"{path}: cannot read: {exc.strerror}")
        return out
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line.decode("utf-8"))
            if not isinstance(event, dict) or "type" not in event:
                raise ValueError("not an event")
        except (ValueError, UnicodeDecodeError):
            out.warnings.append(
                f"{path}:{n}: damaged line; the transcript was read up to line {n - 1}"
            )
            break
        if event.get("type") == "session" and out.header is not None:
            out.warnings.append(
                f"{path}:{n}: a second conversation starts here (the file was reused); "
                f"only the first one, up to line {n - 1}, was read"
            )
            break
        out.events.append(event)
    if out.events and out.header is None:
        out.warnings.append(f"{path}: no session header; this is not a transcript")
    return out


def lines(transcript: Transcript) -> list[str]:
    """The events as the file holds them: one compact JSON object a line."""
    return [line(e) for e in transcript.events]


def line(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))
