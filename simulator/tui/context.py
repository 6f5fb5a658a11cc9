"""What the app knows and does outside its widgets: library, store, profile, sessions.

Screens ask this object for data and hand it the trainee's actions; the engine decides
scores and transitions, the store keeps results. Nothing here imports Textual, so it is
tested (and benchmarked) without a terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator import profile as profiles
from simulator.paths import data_dir
from simulator.service import sessions
from simulator.service.sessions import Play, Resumable
from simulator.tui import library_index

if TYPE_CHECKING:
    import argparse

    from simulator.engine.session import Session
    from simulator.model.library import Library
    from simulator.model.schema import Scenario
    from simulator.store.store import Store, Workshop

__all__ = ["EXPORT_FORMATS", "AppConfig", "Context", "Play", "Resumable"]

EXPORT_FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")


@dataclass
class AppConfig:
    """How the app was started (from the command line, or by a test)."""

    extra_dirs: list[Path] = field(default_factory=list)
    builtin: bool = True
    user_scenarios: bool = True
    ui_lang: str | None = None
    name: str | None = None
    db: str | None = None
    scenario: str | None = None
    mode: str | None = None
    seed: str | None = None
    time_limit: float | None = None
    workshop: str | None = None
    theme: str | None = None
    save_profile: bool = True
    offer_resume: bool = True
    record: bool = True  # False: attempts are not written to the results store
    reuse_library: bool = False  # tests: never reload (keeps compiled scorers warm)

    @classmethod
    def from_args(cls, args: argparse.Namespace, scenario: str | None = None) -> AppConfig:
        def get(name: str, default: Any = None) -> Any:
            return getattr(args, name, default)

        seed = get("seed")
        time_limit = get("time_limit")
        return cls(
            extra_dirs=[Path(p) for p in (get("scenarios") or [])],
            ui_lang=get("ui_lang"),
            name=get("name"),
            db=get("db"),
            scenario=scenario or get("scenario"),
            # `simulator play` always has a mode (default practice): only force it there.
            mode=get("mode") if scenario else None,
            seed=str(seed) if seed is not None and scenario else None,
            time_limit=float(time_limit) if time_limit else None,
            workshop=get("workshop"),
            record=not get("no_record", False),
        )


class Context:
    def __init__(self, config: AppConfig, library: Library | None = None) -> None:
        self.config = config
        self.profile = profiles.load()
        self.trainee: str | None = config.name or (None if config.workshop else self.profile.name)
        self.workshop: Workshop | None = None
        self._library: Library | None = library
        self._loaded_signature: library_index.Signature | None = None
        self._index: library_index.Index | None = None
        self._lock = threading.RLock()
        self._store: Store | None = None
        self.store_error: str | None = None
        self.listeners: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ library
    @property
    def library(self) -> Library:
        if self._library is None:
            self.reload_library()
        assert self._library is not None
        return self._library

    def folders(self) -> list[Path]:
        c = self.config
        return library_index.roots(list(c.extra_dirs), c.builtin, c.user_scenarios)

    @property
    def loaded(self) -> bool:
        return self._library is not None

    def reload_library(self, *, if_changed: bool = False) -> Library:
        """Load the library again (a trainer may have edited a file meanwhile).

        With ``if_changed``, only when a file was added, removed or modified: the loaded
        scenarios are kept otherwise, with their compiled scorers. Thread-safe: the app
        loads it in the background after the first screen.
        """
        from simulator.service.library import open_library

        with self._lock:
            if self.config.reuse_library and self._library is not None:
                return self._library
            folders = self.folders()
            sig = library_index.signature(folders)
            if if_changed and self._library is not None and sig == self._loaded_signature:
                return self._library
            lib = open_library(
                self.config.extra_dirs, builtin=self.config.builtin, user=self.config.user_scenarios
            )
            self._library, self._loaded_signature = lib, sig
            self._index = library_index.from_library(lib)
            library_index.write(folders, sig, self._index)
            return lib

    def index(self) -> library_index.Index:
        """What the library screen lists: from the loaded library, else from the cache
        (nothing changed since it was written), else from a load now."""
        if self._library is not None and self._index is None:
            self._index = library_index.from_library(self._library)
        if self._index is None:
            self._index = library_index.read(self.folders())
            if self._index is None:
                self.reload_library()
        assert self._index is not None
        return self._index

    def entries(self) -> list[library_index.Entry]:
        """The scenarios the trainee may play, as listed (a workshop's only, in its order)."""
        entries = self.index().entries
        if self.workshop is not None:
            by_id = {e.id: e for e in entries}
            return [by_id[s] for s in self.workshop.scenarios if s in by_id]
        return list(entries)

    def warm_up(self, scenario_id: str) -> None:
        """Compile a scenario's scorer ahead of time (it is cached), so Start is instant."""
        from simulator.scoring import scorer_for

        lib = self.library
        sc = lib.scenarios.get(scenario_id)
        if sc is not None:
            # a workshop's sessions score with its rule settings: compile that scorer
            settings = self.workshop.rule_settings if self.workshop is not None else None
            scorer_for(sc.with_rule_settings(settings), lib.packs_for(sc))

    def scenarios(self) -> list[Scenario]:
        """The scenarios the trainee may play (a workshop's only, in its order)."""
        lib = self.library
        if self.workshop is not None:
            return [lib.scenarios[s] for s in self.workshop.scenarios if s in lib.scenarios]
        return list(lib.scenarios.values())

    def missing_workshop_scenarios(self) -> list[str]:
        if self.workshop is None:
            return []
        known = {e.id for e in self.index().entries}
        return [s for s in self.workshop.scenarios if s not in known]

    # ------------------------------------------------------------------ store
    def open_store(self) -> Store | None:
        """The results store, opened on first use; None (with ``store_error``) if it fails."""
        if self._store is None and self.store_error is None:
            from simulator.store.store import StoreError

            try:
                self._store = sessions.open_store(self.config.db)
            except StoreError as exc:
                self.store_error = str(exc)
        return self._store

    def open_workshop(self) -> Workshop:
        """Read the workshop of ``config.workshop`` (raises StoreError)."""
        from simulator.store.store import StoreError

        if self._store is None:
            self._store = sessions.open_store(self.config.db)
        if not self.config.workshop:
            raise StoreError("no workshop code")
        self.workshop = self._store.workshop(self.config.workshop)
        return self.workshop

    def best_scores(self) -> dict[str, int]:
        store = self.open_store()
        if store is None or not self.trainee:
            return {}
        try:
            return store.best_scores(self.trainee)
        except Exception as exc:
            self.store_error = str(exc)
            return {}

    def attempts(self) -> list[dict[str, Any]]:
        store = self.open_store()
        if store is None or not self.trainee:
            return []
        try:
            return store.attempts(trainee=self.trainee)
        except Exception as exc:
            self.store_error = str(exc)
            return []

    def trainer_notes(self, attempt_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """By attempt: the trainer's notes on its replies (empty when there are none)."""
        from simulator.service.review import trainer_notes

        store = self.open_store()
        if store is None or not attempt_ids:
            return {}
        try:
            return trainer_notes(store, attempt_ids)
        except Exception as exc:
            self.store_error = str(exc)
            return {}

    def review_target(self, attempt_id: int) -> Any:
        """The store and the review target of one attempt (the review screen's source)."""
        from simulator.service.review import for_attempt

        return self.open_store(), for_attempt(attempt_id)

    # ------------------------------------------------------------------ profile
    def set_name(self, name: str) -> None:
        self.trainee = profiles.clean_name(name)
        if self.config.save_profile and not self.config.workshop:
            self.profile = profiles.update(name=self.trainee)

    def remember(self, **changes: Any) -> None:
        if self.config.save_profile and not self.config.workshop:
            self.profile = profiles.update(**changes)

    # ------------------------------------------------------------------ sessions
    def forced_mode(self) -> str | None:
        if self.workshop is not None:
            return self.workshop.mode
        return self.config.mode

    def forced_time_limit(self) -> tuple[bool, float | None]:
        if self.workshop is not None:
            return True, self.workshop.time_limit
        return False, self.config.time_limit

    def start(
        self, scenario_id: str, mode: str, time_limit: float | None, difficulty: str | None = None
    ) -> Play:
        """A new conversation, its transcript in the data folder, recorded in the store."""
        import secrets

        from simulator.store.store import StoreError

        seed: str | int = self.config.seed if self.config.seed is not None else secrets.randbelow(10**6)
        try:
            play = sessions.start(
                self.library, scenario_id, mode=mode, seed=seed, time_limit=time_limit,
                trainee=self.trainee, workshop=self.workshop.code if self.workshop else None,
                pass_mark=self.workshop.pass_mark if self.workshop else None,
                rules=self.workshop.rule_settings if self.workshop else None,
                difficulty=difficulty,
                **self._recording(),
            )
        except StoreError as exc:  # a workshop's attempt that cannot be recorded
            self.store_error = str(exc)
            raise
        self._note(play)
        return play

    def _recording(self) -> dict[str, Any]:
        """How the service records a conversation of this app: a workshop's must be."""
        record = self.config.record
        store = self.open_store() if record else None
        return {"store": store, "record": record, "required": self.workshop is not None}

    def _note(self, play: Play) -> None:
        if play.record_error:
            self.store_error = play.record_error

    def resumable(self) -> list[Resumable]:
        """Interrupted conversations of this trainee that the library can still continue
        (of the scenario the app was opened on, if any)."""
        return sessions.resumable(self.library, self.trainee, scenario=self.config.scenario)

    def resume(self, item: Resumable) -> Play:
        play = sessions.resume(self.library, item, trainee=self.trainee, **self._recording())
        self._note(play)
        return play

    def discard(self, item: Resumable) -> None:
        """Close an interrupted transcript so it is not offered again."""
        sessions.discard(item)

    # ------------------------------------------------------------------ export
    def export(self, session: Session, fmt: str, now: datetime | None = None) -> Path:
        """Write this session as md/html/json/csv under the data folder; returns the path."""
        from simulator.report.exports import render_session

        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format '{fmt}'")
        debrief = session.debrief().to_dict()
        turns = [t.to_dict() for t in session.turns]
        text = render_session(debrief, turns, fmt)
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        folder = data_dir() / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{session.scenario.id}-{stamp}.{fmt}"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{session.scenario.id}-{stamp}-{n}.{fmt}"
        path.write_text(text, encoding="utf-8")
        return path

