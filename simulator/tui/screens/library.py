"""Library: the scenarios (language, difficulty, tags, best score), filter and search,
and the files that could not be loaded, with their errors."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from simulator.tui import labels
from simulator.tui.i18n import N_, _, ngettext
from simulator.tui.library_index import Entry
from simulator.tui.screens.base import AppScreen
from simulator.tui.widgets.filters import CycleFilter

ALL = "all"


def matches(sc: Entry, query: str, lang: str, level: str) -> bool:
    if lang != ALL and sc.language != lang:
        return False
    if level != ALL and sc.difficulty != level:
        return False
    if not query:
        return True
    hay = " ".join([sc.id, sc.title, sc.summary, *sc.tags]).casefold()
    return all(word in hay for word in query.casefold().split())


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _plain(text: str) -> Text:
    """A cell shown as written. DataTable reads a str cell as Rich markup: a title with
    brackets ("Refund [urgent]") would lose them, and parsing pulls in Rich's emoji table
    (~8 ms of the start-up). The same Text it would make of plain words, not parsed."""
    return Text(text, no_wrap=True, end="")


class LibraryScreen(AppScreen[None]):
    HOME_FOCUS = "#scenarios"  # Enter opens the highlighted scenario, at once
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", N_("Search")),
        Binding("l", "filter('#lang-filter')", N_("Language"), show=False),
        Binding("d", "filter('#level-filter')", N_("Level"), show=False),
        Binding("p", "app.progress", N_("Progress")),
        Binding("r", "reload", N_("Reload")),
        Binding("escape", "clear_search", N_("Clear search"), show=False),
        Binding("q", "app.quit", N_("Quit"), show=False),
    ]

    def __init__(self, classes: str | None = None) -> None:
        super().__init__(id="library", classes=classes)
        self._best: dict[str, int] = {}
        self._shown: list[str] = []
        self._resumes = 0
        self._laid_out_for: tuple[int, int] | None = None  # column widths of the list
        self._warm_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        ctx = self.ctx
        title = Content.assemble(
            ("simulator", "bold $primary"),
            "  ",
            (_("choose a result over the last word"), "italic $foreground 70%"),
        )
        if ctx.workshop is not None:
            title = title.append(Content.assemble("   ", (_("Workshop {code}").format(code=ctx.workshop.code), "bold $accent")))
        with Horizontal(id="lib-header", classes="topbar"):
            yield Static(title, id="lib-title")
            yield Static(id="lib-trainee")
        with Horizontal(id="filters"):
            yield Input(placeholder=_("Search title, tag or id  ( / )"), id="search")
            with Vertical(id="filter-box"):
                yield CycleFilter(
                    _("Language"),
                    [(_("all"), ALL), *((labels.language_name(c), c) for c in ("en", "fr"))],
                    key="l", id="lang-filter",
                )
                yield CycleFilter(
                    _("Level"),
                    [(_("all"), ALL), *((labels.difficulty(d), d) for d in ("easy", "medium", "hard"))],
                    key="d", id="level-filter",
                )
        with Horizontal(id="lib-main"):
            table: DataTable[Text | Content] = DataTable(id="scenarios", cursor_type="row", zebra_stripes=True)
            table.border_title = _("Scenarios")
            yield table
            with VerticalScroll(id="details"):
                yield Static(id="details-body")
        with Vertical(id="broken"):
            yield Static(id="broken-list")
        yield Footer()

    def on_mount(self) -> None:
        self.after_compose()
        self.call_after_refresh(self._ready)

    def after_compose(self) -> None:
        self.refresh_list(reload=False)
        self.query_one("#scenarios", DataTable).focus()

    def _ready(self) -> None:
        self.sim.library_ready()
        # Then, in the background: the library itself (if the list came from the cache),
        # and the trainee's best scores from the store.
        self.load_best()

    def on_screen_resume(self) -> None:
        # A trainer may have edited a file meanwhile: reload (broken files get listed).
        self._resumes += 1
        if self._resumes > 1:  # not on the first showing: it was loaded just before
            self.refresh_list(reload=True)
            self.load_best()

    @work(thread=True, exclusive=True, group="best")
    def load_best(self) -> None:
        self.ctx.library  # noqa: B018 - loads it (thread-safe) when the list came from the cache
        best = self.ctx.best_scores()
        self.app.call_from_thread(self._set_best, best)

    def _set_best(self, best: dict[str, int]) -> None:
        self._best = best
        self.refresh_list(reload=False)
        self._rest_on_row()

    # The scenario the trainee rests on is compiled ahead (its briefing would start it
    # anyway): Start on its briefing then opens the conversation at once, even pressed
    # as soon as the briefing shows. Only once the library itself is loaded (never
    # loaded here for it), and only while this screen is the one shown.
    WARM_AFTER = 0.4  # seconds on a row

    def _rest_on_row(self) -> None:
        if self._warm_timer is not None:
            self._warm_timer.stop()
        self._warm_timer = self.set_timer(self.WARM_AFTER, self._warm_current)

    def _warm_current(self) -> None:
        sid = self._current()
        if sid is not None and self.ctx.loaded and self.app.screen is self:
            self._warm(sid)

    @work(thread=True, group="warm-up")
    def _warm(self, scenario_id: str) -> None:
        self.sim.warm_up(scenario_id)

    # ------------------------------------------------------------------ list
    def refresh_list(self, *, reload: bool) -> None:
        if reload:
            self.ctx.reload_library(if_changed=True)
        table = self.query_one("#scenarios", DataTable)
        query = self.query_one("#search", Input).value
        lang = self.query_one("#lang-filter", CycleFilter).value
        level = self.query_one("#level-filter", CycleFilter).value
        current = self._current()
        table.clear(columns=True)
        title_w, tags_w = self._widths()
        self._laid_out_for = (title_w, tags_w)
        table.add_column(Text(_("Scenario")), key="title", width=title_w)
        table.add_column(Text(_("Lang")), key="lang", width=4)
        table.add_column(Text(_("Level")), key="level", width=9)
        table.add_column(Text(_("Tags")), key="tags", width=tags_w)
        table.add_column(Text(_("Best")), key="best", width=max(4, len(_("Best"))))
        self._shown = []
        entries = self.ctx.entries()
        for sc in entries:
            if not matches(sc, query, lang, level):
                continue
            best = self._best.get(sc.id)
            table.add_row(
                _plain(_fit(sc.title, title_w)),
                _plain(sc.language.upper()),
                _plain(labels.difficulty(sc.difficulty)),
                _plain(_fit(", ".join(sc.tags), tags_w)),
                Content.styled(f"{best:>3}", "bold $success") if best is not None else Content.styled("  —", "$foreground 50%"),
                key=sc.id,
            )
            self._shown.append(sc.id)
        if current in self._shown:
            table.move_cursor(row=self._shown.index(current))
        total = len(entries)
        table.border_subtitle = (
            _("{shown} of {total}").format(shown=len(self._shown), total=total)
            if len(self._shown) != total
            else _("{total} scenarios").format(total=total)
        )
        self._show_details()
        self._show_broken()
        who = self.ctx.trainee
        self.query_one("#lib-trainee", Static).update(
            Content.assemble((_("Trainee:") + " ", "$foreground 60%"), (who, "bold")) if who else ""
        )

    def _widths(self) -> tuple[int, int]:
        """Widths of the title and tags columns so that the table fits without scrolling."""
        width = self.app.size.width
        table_w = width * 3 // 5 if width >= 110 else width
        rest = max(20, table_w - 2 - 1 - 10 - (4 + 9 + max(4, len(_("Best")))))
        tags = max(8, min(28, rest * 2 // 5))
        return rest - tags, tags

    def on_resize(self) -> None:
        # The first resize comes right after mount, at the size the list was made for.
        if self._widths() != self._laid_out_for:
            self.refresh_list(reload=False)

    def _current(self) -> str | None:
        table = self.query_one("#scenarios", DataTable)
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def _show_details(self) -> None:
        body = self.query_one("#details-body", Static)
        sid = self._current()
        if sid is None:
            body.update(
                _("No scenario matches the search.") if self.ctx.entries()
                else _("No scenario could be loaded. See the errors below.")
            )
            return
        sc = next(e for e in self.ctx.entries() if e.id == sid)
        best = self._best.get(sid)
        lines = [
            Content.styled(sc.title, "bold $primary"),
            Content.assemble(
                (labels.language_name(sc.language), "$secondary"), " · ",
                (labels.difficulty(sc.difficulty), "$secondary"), " · ",
                (sid, "$foreground 60%"),
            ),
            Content(""),
            Content(sc.summary),
            Content(""),
            Content.assemble((_("Customer:") + " ", "bold"), sc.customer, " — ",
                             _("lifetime value") + " ", (labels.lifetime(sc.lifetime_value), "bold")),
            Content.assemble((_("Your best:") + " ", "bold"),
                             f"{best}/100" if best is not None else _("not played yet")),
            Content(""),
            Content.styled(_("Enter: read the briefing"), "italic $foreground 60%"),
        ]
        body.update(Content("\n").join(lines))

    def _show_broken(self) -> None:
        box = self.query_one("#broken", Vertical)
        broken = self.ctx.index().broken
        notices = self.ctx.index().notices
        missing = self.ctx.missing_workshop_scenarios()
        box.display = bool(broken or missing or notices)
        if not (broken or missing or notices):
            return
        lines: list[Content] = [Content.assemble(("ℹ ", "bold $accent"), n) for n in notices]
        if broken:
            lines.append(Content.styled(
                ngettext(
                    "{n} file could not be loaded (fix it, then press r):",
                    "{n} files could not be loaded (fix them, then press r):",
                    len(broken),
                ).format(n=len(broken)),
                "bold $error",
            ))
        for f in broken:
            for p in f.problems[:3]:
                lines.append(Content.assemble(("✗ ", "bold $error"), p))
            if len(f.problems) > 3:
                lines.append(Content.styled(
                    "  " + _("… and {n} more in {file}").format(n=len(f.problems) - 3, file=f.display),
                    "$foreground 60%",
                ))
        for sid in missing:
            lines.append(Content.assemble(("✗ ", "bold $error"),
                         _("The workshop's scenario '{id}' is not in the library.").format(id=sid)))
        self.query_one("#broken-list", Static).update(Content("\n").join(lines))
        box.border_title = _("Problems") if broken or missing else _("Notices")

    # ------------------------------------------------------------------ events
    @on(DataTable.RowHighlighted, "#scenarios")
    def _highlighted(self) -> None:
        self._show_details()
        self._rest_on_row()

    @on(DataTable.RowSelected, "#scenarios")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.sim.open_scenario(str(event.row_key.value))

    @on(Input.Changed, "#search")
    @on(CycleFilter.Changed)
    def _filter(self) -> None:
        self.refresh_list(reload=False)

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#scenarios", DataTable).focus()

    def action_filter(self, selector: str) -> None:
        self.query_one(selector, CycleFilter).action_step(1)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        self.query_one("#scenarios", DataTable).focus()

    def action_reload(self) -> None:
        self.ctx.reload_library()
        self.refresh_list(reload=False)
        self.load_best()
        n = len(self.ctx.index().broken)
        self.notify(
            _("Library reloaded.") if not n else ngettext("Library reloaded: {n} file with errors.", "Library reloaded: {n} files with errors.", n).format(n=n),
            severity="information" if not n else "warning",
        )
