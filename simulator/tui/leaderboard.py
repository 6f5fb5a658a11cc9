"""`simulator leaderboard CODE --live`: a small Textual app that re-reads the store.

Every ``interval`` seconds (2 by default) it reads the workshop's leaderboard in a worker
thread, so a slow database never freezes the screen, and redraws the table: rank,
trainee, total, best score per scenario, attempts and outcomes, who is playing now, and
an arrow on the rows whose total rose since the last read. A failed read keeps the last
table and says why in the status line. Keys: r refreshes now, q quits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import DataTable, Footer, Header, Static

from simulator.report.model import reviewed_statement
from simulator.report.text import short

if TYPE_CHECKING:
    from simulator.store.store import Store
    from simulator.tui.review import ReviewSource

Snapshot = tuple[dict[str, Any], list[dict[str, Any]]]  # (workshop.to_dict(), leaderboard)


class BoardCommands(Provider):
    """The live board's palette: review the workshop's replies."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        if not isinstance(app, LeaderboardApp) or app.review is None:
            return []
        return [
            (
                "Review the workshop's replies",
                app.action_review,
                "Set a verdict right, mark a rule misfired, write a note",
            )
        ]

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class LeaderboardApp(App[int]):
    """Polls ``load`` and shows the ranking; ``load`` runs in a worker thread. With
    ``review``, v (and the palette) opens the review of the workshop's replies."""

    COMMANDS = App.COMMANDS | {BoardCommands}

    TITLE = "Leaderboard"
    CSS = """
    #heading { padding: 0 1; height: auto; text-style: bold; }
    #board { height: 1fr; }
    #status { padding: 0 1; height: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh_now", "Refresh now"),
        Binding("v", "review", "Review replies"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        load: Callable[[], Snapshot],
        *,
        titles: dict[str, str] | None = None,
        interval: float = 2.0,
        review: ReviewSource | None = None,
    ) -> None:
        super().__init__()
        self.load = load
        self.review = review
        self.titles = dict(titles or {})
        self.interval = interval
        self.totals: dict[str, int] = {}
        self.rows: list[dict[str, Any]] = []
        self.workshop: dict[str, Any] = {}
        self.reads = 0
        self.last_error: str | None = None
        self._columns: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the results…", id="heading")
        yield DataTable(id="board", zebra_stripes=True, cursor_type="row")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(self.interval, self.poll)

    def action_refresh_now(self) -> None:
        self.poll()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review":
            return self.review is not None
        return True

    def action_review(self) -> None:
        from simulator.tui.review import ReviewScreen

        if self.review is not None:
            self.push_screen(ReviewScreen(self.review))

    @work(thread=True, exclusive=True, group="poll")
    def poll(self) -> None:
        try:
            snapshot = self.load()
        except Exception as exc:  # shown in the status line; the next poll tries again
            self.call_from_thread(self.show_error, str(exc))
            return
        self.call_from_thread(self.show, snapshot)

    def _covered(self) -> bool:
        """Another screen (the review) is on top: the board is redrawn when it shows again."""
        return len(self.screen_stack) > 1

    def show_error(self, message: str) -> None:
        if self._covered():
            return
        self.last_error = message
        stamp = datetime.now().strftime("%H:%M:%S")
        self.query_one("#status", Static).update(
            f"{stamp}  could not read the results: {message[:200]} (retrying)"
        )

    def show(self, snapshot: Snapshot) -> None:
        if self._covered():
            return
        workshop, rows = snapshot
        self.workshop, self.rows = workshop, rows
        self.reads += 1
        self.last_error = None
        scenarios = list(workshop.get("scenarios") or [])
        status = "closed" if workshop.get("closed") else "open"
        self.sub_title = f"{workshop.get('name', '')} ({workshop.get('code', '')})"
        self.query_one("#heading", Static).update(
            f"Workshop {workshop.get('name', '')} · code {workshop.get('code', '')} · "
            f"{workshop.get('mode', '')} · {status}\n"
            + reviewed_statement(int(workshop.get("reviewed") or 0))
        )
        table = self.query_one("#board", DataTable)
        columns = ["#", "Trainee", "Total"]
        columns += [short(self.titles.get(s, s), 18) for s in scenarios]
        columns += ["Tries", "Kept", "Esc.", "Lost", "Now"]
        if columns != self._columns:
            table.clear(columns=True)
            table.add_columns(*columns)
            self._columns = columns
        else:
            table.clear()
        playing = 0
        for r in rows:
            key = str(r["name"]).casefold()
            before = self.totals.get(key)
            rose = before is not None and r["total"] > before
            self.totals[key] = int(r["total"])
            o = r.get("outcomes") or {}
            now = "playing" if r.get("playing") else ""
            playing += bool(r.get("playing"))
            table.add_row(
                str(r["rank"]),
                short(str(r["name"]), 30),
                f"{r['total']}{' ▲' if rose else ''}",
                *(str(r["per_scenario"].get(s, "—")) for s in scenarios),
                str(r["attempts"]),
                str(o.get("kept", 0)),
                str(o.get("escalated", 0)),
                str(o.get("lost", 0)),
                now,
            )
        stamp = datetime.now().strftime("%H:%M:%S")
        self.query_one("#status", Static).update(
            f"Updated {stamp} · {len(rows)} trainees, {playing} playing now · "
            f"refreshing every {self.interval:g} s · total = best finished score per scenario"
        )


def store_loader(store: Store, code: str) -> Callable[[], Snapshot]:
    def load() -> Snapshot:
        workshop = {
            **store.workshop(code).to_dict(),
            "reviewed": len(store.overrides(workshop=code)),
        }
        return workshop, store.leaderboard(code)

    return load


def run_live(
    args: argparse.Namespace,
    *,
    code: str,
    titles: dict[str, str] | None = None,
    interval: float = 2.0,
) -> int:
    """Open the live board of workshop ``code`` (asked for by ``leaderboard --live``)."""
    from simulator.store.store import Store, StoreError

    try:
        store = Store.open(getattr(args, "db", None))
    except StoreError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 1
    try:
        from simulator.service.review import Target
        from simulator.tui.review import ReviewSource

        review = ReviewSource(store, Target("workshop", code, workshop=code))
        app = LeaderboardApp(
            store_loader(store, code), titles=titles, interval=interval, review=review
        )
        app.run()
    finally:
        store.close()
    return 0
