"""Play: the conversation, the mood meter, turn and score, the reply editor, feedback.

Every decision (score, mood, next line, ending) comes from the engine's ``Session``; this
screen shows it. A reply is sent with ctrl+s (or ctrl+enter where the terminal reports
it, or the Send button); Enter makes a new line.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Footer, Static, TextArea

from simulator.engine.debrief import model_reply_for
from simulator.engine.session import EngineError, Turn, TurnResult
from simulator.tui import labels
from simulator.tui.context import Play
from simulator.tui.i18n import N_, _
from simulator.tui.screens.base import STYLES, AppScreen
from simulator.tui.widgets.chat import TurnGroup, customer_row, note_row, trainee_row
from simulator.tui.widgets.feedback import FeedbackCard, NoticeCard
from simulator.tui.widgets.meters import MoodMeter, patience_dots


class PlayScreen(AppScreen[None]):
    HOME_FOCUS = "#reply-editor"
    CSS_PATH = STYLES / "play.tcss"  # read when the screen is first shown
    BINDINGS: ClassVar[list[BindingType]] = [
        # Once an ending is reached, the send keys open the debrief instead (and say so).
        Binding("ctrl+s", "send", N_("Send"), priority=True),
        Binding("ctrl+s", "debrief", N_("Debrief"), priority=True),
        Binding("ctrl+enter", "send", N_("Send"), show=False, priority=True),
        Binding("ctrl+enter", "debrief", N_("Debrief"), show=False, priority=True),
        Binding("f2", "hint", N_("Hint")),
        Binding("ctrl+g", "hint", N_("Hint"), show=False),
        Binding("f3", "retry", N_("Retry")),
        Binding("f4", "explain", N_("Why each rule of your last reply fired or nearly fired"),
                show=False),
        Binding("ctrl+r", "retry", N_("Retry"), show=False),
        Binding("escape", "leave", N_("Leave")),
        Binding("escape", "debrief", N_("Debrief"), show=False),
        # The conversation scrolls from the editor (whose own PageUp/PageDown would only
        # move its cursor a few lines): earlier feedback without leaving the reply.
        # (Not in the Footer, which has no room left at 80 columns in French: the editor's
        # border and F1 say it.)
        Binding("pageup", "scroll_chat(-1)", N_("Scroll the conversation up"), show=False,
                priority=True),
        Binding("ctrl+up", "scroll_chat(-1)", N_("Scroll the conversation up"), show=False,
                priority=True),
        Binding("pagedown", "scroll_chat(1)", N_("Scroll the conversation down"), show=False,
                priority=True),
        Binding("ctrl+down", "scroll_chat(1)", N_("Scroll the conversation down"), show=False,
                priority=True),
    ]

    def __init__(self, play: Play, *, typed: str = "") -> None:
        super().__init__(id="play")
        self.typed = typed  # the reply begun before the screen was there
        self.play = play
        self.session = play.session
        self._turn_started = time.monotonic()
        self._you = _("You")
        self._key_state: bool | None = None
        self._send_queued = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        s = self.session
        sc = s.scenario
        with Horizontal(id="play-status", classes="topbar"):
            yield Static(id="turn")
            yield Static(id="score")
            yield Static(id="patience")
            yield MoodMeter(s.mood, id="mood")
        with Horizontal(id="play-main"):
            chat = VerticalScroll(id="chat")
            chat.border_title = sc.title
            chat.border_subtitle = labels.mode(s.mode)
            with chat:
                yield from self._history()
            with Vertical(id="side"):
                yield Static(id="side-customer", classes="card")
                yield Static(id="side-steps", classes="card")
        with Horizontal(id="composer"):
            editor = TextArea(
                id="reply-editor",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder=_("Write your reply to {name}…").format(name=sc.customer.name),
            )
            editor.border_title = _("Your reply")
            editor.border_subtitle = _("ctrl+s send · Enter new line · PgUp/PgDn scroll")
            yield editor
            yield Static(id="ended-note")  # in the editor's place once the conversation ends
            yield Button(_("Send"), id="send", variant="primary")
        yield Footer(compact=True)  # every key fits in 80 columns, in French too

    def _history(self) -> ComposeResult:
        """The conversation so far (a resumed session starts with its past turns)."""
        s = self.session
        for notice in self.play.notices:
            yield note_row(notice, kind="notice")
        turns = s.turns
        first = turns[0].customer if turns else s.customer_line
        yield customer_row(s.scenario.customer.name, first)
        for i, turn in enumerate(turns):
            nxt = turns[i + 1].customer if i + 1 < len(turns) else s.customer_line
            yield self._group(turn, nxt, last=i + 1 == len(turns))

    def _group(self, turn: Turn, next_line: str, *, last: bool) -> TurnGroup:
        children: list[Widget] = [trainee_row(self._you, turn.reply)]
        if self.session.mode == "practice":
            children.append(FeedbackCard(turn.verdict, turn=turn.index, over_time=turn.over_time,
                                         no_color=self.app.no_color,
                                         model_reply=model_reply_for(self.session.scenario, turn)))
        elif turn.verdict.notices or turn.over_time:
            children.append(NoticeCard(turn.verdict, over_time=turn.over_time))
        if next_line:
            children.append(customer_row(self.session.scenario.customer.name, next_line))
        if last and self.session.ended:
            children.append(self._ending_note())
        return TurnGroup(turn.index, *children)

    def _ending_note(self) -> Static:
        s = self.session
        ending = s.ending
        title = ending.title if ending else ""
        style = {"kept": "$success", "lost": "$error", "escalated": "$warning"}.get(s.outcome, "")
        return note_row(
            Content.assemble(
                ("■ ", f"bold {style}"),
                (labels.outcome(s.outcome), f"bold {style}"),
                (f" — {title}" if title else "", "bold"),
                "   ",
                (_("Press ctrl+s for the debrief."), "italic"),
            ),
            kind="ending",
        )

    def on_mount(self) -> None:
        self._refresh_status()
        self._set_ended(self.session.ended)
        editor = self.query_one("#reply-editor", TextArea)
        if self.typed and not self.session.ended:
            editor.insert(self.typed)
        editor.focus()
        self.query_one("#chat", VerticalScroll).anchor()
        if self.session.time_limit:
            self.set_interval(1.0, self._tick)
        self._tick()

    def focus_home(self) -> None:
        """The editor; once the conversation has ended, the conversation (to scroll it)."""
        target = "#chat" if self.session.ended else "#reply-editor"
        self.set_focus(self.query_one(target), scroll_visible=False)

    def on_key(self, event: events.Key) -> None:
        """A letter that reaches the screen itself, not the editor (typed while the screen
        was opening, or after the browser page lost the focus): it is the reply's, so it
        goes into the editor, which takes the focus back, instead of being lost."""
        found = self.query("#reply-editor")
        if not found or self.session.ended or not event.is_printable or not event.character:
            return
        editor = found.first(TextArea)
        if editor.has_focus:
            return
        if self.focused is not None and self.focused is not self.query_one("#chat"):
            return  # the Send button, say: its own keys
        event.stop()
        event.prevent_default()
        editor.focus(scroll_visible=False)
        editor.insert(event.character)

    # ------------------------------------------------------------------ status
    def _refresh_status(self) -> None:
        s = self.session
        practice = s.mode == "practice"
        n = len(s.turns) if s.ended else s.turn_number
        self.query_one("#turn", Static).update(
            Content.assemble((_("Turn") + " ", "bold"), f"{n}/{s.scenario.max_turns}")
        )
        # During the conversation: the average of the replies so far; once it has ended,
        # the total the debrief gives (docs/scoring.md, "The debrief"), not another number.
        if s.ended:
            label, score = _("Score"), str(s.debrief().score) if practice else "—"
        else:
            label, score = _("Average"), str(s.running_score) if practice and s.turns else "—"
        self.query_one("#score", Static).update(Content.assemble((label + " ", "bold"), score))
        self.query_one("#patience", Static).update(
            patience_dots(s.patience_left, s.scenario.customer.patience)
        )
        self.query_one("#mood", MoodMeter).mood = s.mood
        c = s.scenario.customer
        card = [
            Content.styled(c.name, "bold"),
            Content.assemble((_("Lifetime value:") + " ", "bold"), labels.lifetime(c.lifetime_value)),
            patience_dots(s.patience_left, c.patience),
        ]
        if practice:
            card.append(Content.assemble((_("Hints used:") + " ", "bold"), str(s.hints_used)))
        self.query_one("#side-customer", Static).update(Content("\n").join(card))
        last = s.turns[-1] if s.turns else None
        if last is not None and practice:
            self.query_one("#side-steps", Static).update(
                Content("\n").join([
                    Content.styled(_("Five steps, last reply"), "bold"),
                    *self._step_lines(last.verdict.steps),
                ])
            )
        else:
            self.query_one("#side-steps", Static).update(
                Content("\n").join([Content.styled(_("The five steps"), "bold"),
                                    *self._step_lines({})])
            )

    @staticmethod
    def _step_lines(steps: dict[str, bool]) -> list[Content]:
        from simulator.scoring.verdict import STEPS

        return [
            Content.assemble(
                ("✓ " if steps.get(st) else "· ", "bold $success" if steps.get(st) else "$foreground 50%"),
                labels.step(st),
            )
            for st in STEPS
        ]

    def _tick(self) -> None:
        """The turn timer, on the editor's border where the trainee is looking (at 80
        columns the status bar has no room for it beside the mood)."""
        editor = self.query_one("#reply-editor", TextArea)
        limit = self.session.time_limit
        if not limit or self.session.ended:
            editor.border_title = _("Your reply")
            return
        elapsed = int(time.monotonic() - self._turn_started)
        style = "bold $error" if elapsed > limit else ("bold $warning" if elapsed > 0.75 * limit else "")
        editor.border_title = Content.assemble(
            _("Your reply"), " · ", (_("Time") + " ", "bold"), (f"{elapsed}/{int(limit)} s", style)
        )

    def _set_ended(self, ended: bool) -> None:
        """After an ending the screen takes no more replies: the editor gives way to a
        note saying what the keys now do, and focus goes to the conversation (arrows
        scroll it; letters and Enter typed on do nothing)."""
        editor = self.query_one("#reply-editor", TextArea)
        if editor.disabled != ended:
            editor.disabled = ended
            editor.display = not ended
            note = self.query_one("#ended-note", Static)
            note.display = ended
            if ended:
                keys = [_("ctrl+s: your debrief.")]
                if self.session.mode == "practice":
                    keys.append(_("F3: take your last reply back."))
                note.update(Content.assemble(
                    (_("The conversation is over.") + " ", "bold"), " ".join(keys)))
            send = self.query_one("#send", Button)
            send.label = _("Debrief") if ended else _("Send")
            if ended:
                self.query_one("#chat", VerticalScroll).focus()
        if ended != self._key_state:  # the footer only changes when this does
            self._key_state = ended
            self.refresh_bindings()

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            # A key pressed while the screen opens (the start key pressed again, with a
            # busy server) finds no editor or chat yet to act on: it does nothing.
            return False
        practice = self.session.mode == "practice"
        ended = self.session.ended
        if action == "hint":
            return practice and not ended
        if action == "explain":
            return practice and bool(self.session.turns)
        if action == "retry":
            return practice  # always offered in practice (says so when nothing to take back)
        if action in ("send", "leave"):
            return not ended
        if action == "debrief":
            return ended
        return True

    def action_scroll_chat(self, direction: int) -> None:
        """A page of the conversation up or down, the editor keeping the focus."""
        chat = self.query_one("#chat", VerticalScroll)
        if direction < 0:
            chat.scroll_page_up(animate=False)
        else:
            chat.scroll_page_down(animate=False)

    def action_debrief(self) -> None:
        if self.session.ended:
            self.sim.show_debrief(self.play)

    @on(Button.Pressed, "#send")
    def action_send(self) -> None:
        if self.session.ended:  # the button, which reads "Debrief" by then
            self.action_debrief()
            return
        # ctrl+s is a priority key, handled at once; keys typed just before it may still
        # wait in the editor's queue. Send once the editor has taken them all.
        if not self._send_queued:
            self._send_queued = True
            self.query_one("#reply-editor", TextArea).call_later(self._send_now)

    def _send_now(self) -> None:
        self._send_queued = False
        if self.session.ended:
            return
        editor = self.query_one("#reply-editor", TextArea)
        text = editor.text
        if not text.strip():
            self.notify(_("Write a reply first: an empty reply is not sent."), severity="warning")
            editor.focus()
            return
        elapsed = round(time.monotonic() - self._turn_started, 3)
        try:
            result = self.session.reply(text, elapsed=elapsed)
        except EngineError as exc:
            self.notify(str(exc), severity="error")
            return
        editor.clear()
        self._show(result)

    def _show(self, result: TurnResult) -> None:
        group = self._group(result.turn, result.next_line, last=True)
        chat = self.query_one("#chat", VerticalScroll)
        chat.mount(group)
        self._turn_started = time.monotonic()
        self._refresh_status()
        self._set_ended(result.ended)
        if self.session.time_limit:
            self._tick()
        chat.scroll_end(animate=False)

    def action_hint(self) -> None:
        try:
            text = self.session.hint()
        except EngineError as exc:
            self.notify(str(exc), severity="warning")
            return
        chat = self.query_one("#chat", VerticalScroll)
        example = self.session.hint_example()
        if example:
            text = Content.assemble(text, "\n", (_("For example:") + " ", "bold $success"), example)
        chat.mount(note_row(Content.assemble(("★ " + _("Hint:") + " ", "bold $accent"), text), kind="hint"))
        chat.scroll_end(animate=False)
        self._refresh_status()

    def action_explain(self) -> None:
        """The explanation of the last reply: the rules that fired or nearly fired."""
        from simulator.scoring.context import Context
        from simulator.scoring.explain import explain
        from simulator.tui.screens.explain import ExplainScreen

        s = self.session
        turns = s.turns
        if not turns:
            return
        last = turns[-1]
        before = Context.after(t.verdict for t in turns[:-1])
        why = explain(s.scorer, last.reply, before, packs=s.packs, scenario=s.scenario)
        self.app.push_screen(ExplainScreen(why, turn=last.index))

    def action_retry(self) -> None:
        try:
            undone = self.session.retry()
        except EngineError as exc:
            self.notify(str(exc), severity="warning")
            return
        for group in self.query(f"#turn-{undone.index}"):
            group.remove()
        editor = self.query_one("#reply-editor", TextArea)
        self._set_ended(False)
        editor.text = undone.reply
        editor.move_cursor(editor.document.end)
        editor.focus()
        self._turn_started = time.monotonic()
        self._refresh_status()
        self.notify(_("Reply {n} taken back: edit it and send again.").format(n=undone.index))

    def action_leave(self) -> None:  # (once ended, Esc is the debrief key: check_action)
        from simulator.tui.screens.confirm import ConfirmScreen

        def done(leave: bool | None) -> None:
            if leave:
                self.sim.leave_play()
                self.sim.back_to_library()

        self.app.push_screen(
            ConfirmScreen(
                _("Leave this conversation?"),
                _("It is saved: the next time you start the simulator you can resume it."),
                yes=_("Leave"),
                no=_("Stay"),
            ),
            done,
        )
