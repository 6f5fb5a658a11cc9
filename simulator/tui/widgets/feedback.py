"""Why a reply scored as it did: the trainee's words highlighted by category, each
fired rule's message and better phrasing, points gained and lost, the five steps.

Colour is never the only cue: penalised words are also underlined, rewarded ones bold;
with NO_COLOR they are marked [-like this-] and {+like this+}.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from simulator.engine.debrief import reply_points
from simulator.report.console import marks
from simulator.scoring.verdict import STEPS, Hit, Verdict
from simulator.tui import labels
from simulator.tui.i18n import _

HIGHLIGHT_LIMIT = 1500

CATEGORY_STYLE: dict[str, str] = {
    "last_word": "$error",
    "tone": "$warning",
    "missed_step": "$warning",
    "concrete_fix": "$success",
    "compensation": "$success",
    "acknowledge": "$primary",
    "listen": "$secondary",
    "clarify": "$secondary",
    "empathy": "$primary",
}


def category_style(category: str, points: float) -> str:
    return CATEGORY_STYLE.get(category, "$error" if points < 0 else "$success")


def highlight(verdict: Verdict, *, no_color: bool = False, limit: int = HIGHLIGHT_LIMIT) -> Content:
    """The scored part of the reply with every fired rule's words marked."""
    text = verdict.reply[: verdict.scored_chars]
    parts: list[Content | str | tuple[str, str]] = []
    pos = 0
    for start, end, category, pts in marks(verdict):
        if start >= limit:
            break
        parts.append(text[pos:start])
        words = text[start:end]
        if no_color:
            words = f"[-{words}-]" if pts < 0 else f"{{+{words}+}}"
        style = "bold underline" if pts < 0 else "bold"
        parts.append((words, f"{style} {category_style(category, pts)}"))
        pos = end
    rest = text[pos:]
    shown = max(0, limit - pos)
    if len(rest) > shown:
        more = len(text) - (pos + shown)
        parts.append(rest[:shown] + "… ")
        parts.append((_("({n} more characters)").format(n=more), "italic $foreground 60%"))
    else:
        parts.append(rest)
    return Content.assemble(*parts)


def summary(verdict: Verdict) -> Content:
    """The score and how it is made: 50, plus the capped points gained, minus those lost
    (docs/scoring.md, "The score"), and the 0-100 bounds when they applied."""
    parts = reply_points(verdict)
    out: list[Content | str | tuple[str, str]] = [
        (_("Score") + f" {verdict.score}/100", "bold"),
        f" = {parts.base} ",
        (f"{labels.points(parts.gained) if parts.gained else '+0'} " + _("gained"), "$success"),
        " ",
        (f"{labels.points(parts.lost) if parts.lost else '−0'} " + _("lost"), "$error"),
    ]
    if parts.clamped:
        out.append(("  " + _("(= {n}, kept within 0-100)").format(n=round(parts.unclamped)),
                    "italic $foreground 70%"))
    return Content.assemble(*out)


def _rule_text(hit: Hit, *, label: str | None, style: str) -> Content:
    quote = hit.spans[0].text if hit.spans else ""
    parts: list[Content | str | tuple[str, str]] = []
    if label is not None:
        parts += [(label, f"bold {style}")]
    else:
        parts += [("· ", style)]
    if quote and quote not in hit.message:
        parts += [" " if label is not None else "", (f"“{quote}”", "italic"), ": "]
    elif label is not None:
        parts += [": "]
    parts += [hit.message]
    if hit.suggestion and hit.points < 0:
        parts += ["\n", (_("Better:") + " ", "bold $success"), hit.suggestion]
    return Content.assemble(*parts)


def hit_rows(verdict: Verdict) -> list[tuple[Content, Content]]:
    """(points, explanation) rows: one per category with the points that count (capped),
    then one per rule of it when several fired; the lifetime value last."""
    out: list[tuple[Content, Content]] = []
    for cat in reply_points(verdict).categories:
        style = category_style(cat.category, cat.points)
        pts = Content.styled(labels.points(cat.points), f"bold {style}")
        note = ""
        if len(cat.hits) > 1 or cat.capped:
            each = " ".join(labels.points(h.points) for h in cat.hits)
            note = _("rules {each}").format(each=each) if len(cat.hits) > 1 else each
            if cat.capped:
                note += ", " + _("capped at {cap}").format(cap=labels.points(cat.points))
        if len(cat.hits) == 1:
            text = _rule_text(cat.hits[0], label=cat.label, style=style)
            if note:
                text = Content.assemble(text, (f"  ({note})", "italic $foreground 70%"))
            out.append((pts, text))
            continue
        out.append((pts, Content.assemble((cat.label, f"bold {style}"),
                                          (f"  ({note})", "italic $foreground 70%"))))
        for hit in cat.hits:
            out.append((Content(""), _rule_text(hit, label=None, style=style)))
    if verdict.lifetime_adjustment:
        adj = verdict.lifetime_adjustment
        why = (
            _("a high-value customer got a fix without compensation")
            if adj < 0
            else _("a high-value customer got compensation")
        )
        out.append((
            Content.styled(labels.points(adj), "bold $warning" if adj < 0 else "bold $success"),
            Content.assemble((_("Lifetime value"), "bold"), ": ", why),
        ))
    return out


def steps_line(steps: dict[str, bool]) -> Content:
    parts: list[Content | str | tuple[str, str]] = []
    for s in STEPS:
        done = steps.get(s, False)
        parts.append(("✓ " if done else "· ", "bold $success" if done else "$foreground 50%"))
        parts.append((labels.step(s), "" if done else "$foreground 60%"))
        parts.append("  ")
    return Content.assemble(*parts)


class FeedbackCard(Vertical):
    """The verdict on one reply (practice mode)."""

    def __init__(
        self,
        verdict: Verdict,
        *,
        turn: int,
        over_time: bool = False,
        no_color: bool = False,
        model_reply: str | None = None,
    ) -> None:
        super().__init__(classes="feedback", id=f"feedback-{turn}")
        self.verdict = verdict
        self.model_reply = model_reply
        self.over_time = over_time
        self.no_color = no_color
        self.border_title = _("Feedback on reply {n}").format(n=turn)
        self.border_subtitle = _("F4: why (last reply)")

    def compose(self) -> ComposeResult:
        v = self.verdict
        yield Static(summary(v), classes="fb-summary")
        yield Static(highlight(v, no_color=self.no_color), classes="fb-reply")
        for notice in v.notices:
            yield Static(Content.assemble(("▲ ", "bold $warning"), notice), classes="fb-notice")
        if self.over_time:
            yield Static(
                Content.assemble(("▲ ", "bold $warning"), _("Over the time limit: the customer waited.")),
                classes="fb-notice",
            )
        for pts, text in hit_rows(v):
            with Horizontal(classes="fb-hit"):
                yield Static(pts, classes="fb-points")
                yield Static(text, classes="fb-text")
        yield Static(steps_line(v.steps), classes="fb-steps")
        if self.model_reply:
            yield Static(
                Content.assemble(
                    (_("A reply that would have worked here:") + " ", "bold $success"),
                    self.model_reply,
                ),
                classes="fb-model",
            )


class NoticeCard(Static):
    """Assessment mode shows no verdict, only what the trainee must know (notices)."""

    def __init__(self, verdict: Verdict, *, over_time: bool = False) -> None:
        notes = list(verdict.notices)
        if over_time:
            notes.append(_("Over the time limit: the customer waited."))
        super().__init__(
            Content("\n").join(Content.assemble(("▲ ", "bold $warning"), n) for n in notes),
            classes="chat-note notice",
        )
