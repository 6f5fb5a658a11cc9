"""Plain-text renderings for the terminal: a verdict with its highlighted words, a debrief.

With colour, the trainee's words are coloured by category; without (NO_COLOR, a pipe),
penalised words are marked [-like this-] and rewarded ones {+like this+}.
"""

from __future__ import annotations

from typing import Any

from simulator.report.text import short
from simulator.scoring.verdict import CATEGORY_STEP, STEP_LABELS, STEPS, Verdict

_COLORS = {
    "last_word": "1;31",
    "tone": "35",
    "missed_step": "33",
    "concrete_fix": "1;32",
    "compensation": "32",
    "acknowledge": "36",
    "listen": "34",
    "clarify": "34",
    "empathy": "36",
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def marks(verdict: Verdict) -> list[tuple[int, int, str, float]]:
    """Non-overlapping (start, end, category, points) of the fired rules' words, in
    order: of overlapping ones the first, longest, wins (the terminal, the app and the
    browser chat all mark these)."""
    found = sorted(
        ((s.start, s.end, h.category, h.points) for h in verdict.hits for s in h.spans),
        key=lambda m: (m[0], -(m[1] - m[0])),
    )
    out: list[tuple[int, int, str, float]] = []
    pos = 0
    for start, end, category, pts in found:
        if start < pos or end <= start:
            continue
        out.append((start, end, category, pts))
        pos = end
    return out


def highlight(verdict: Verdict, color: bool) -> str:
    """The reply with every fired rule's words marked."""
    out: list[str] = []
    pos = 0
    text = verdict.reply[: verdict.scored_chars]
    for start, end, category, points in marks(verdict):
        out.append(text[pos:start])
        words = text[start:end]
        if color:
            out.append(
                _paint(words, _COLORS.get(category, "1;33" if points < 0 else "1;32") + ";4", True)
            )
        else:
            out.append(f"[-{words}-]" if points < 0 else f"{{+{words}+}}")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def lifetime_why(adjustment: float) -> str:
    """Why a verdict's lifetime-value adjustment was made, in a line (the app's card
    says the same through its translations)."""
    if adjustment < 0:
        return "a high-value customer got a fix without compensation"
    return "a high-value customer got compensation"


def verdict_text(verdict: Verdict, color: bool, *, next_step: str | None = None) -> str:
    lines = [highlight(verdict, color), ""]
    score = _paint(f"{verdict.score}/100", "1", color)
    lines.append(f"Score: {score}")
    for notice in verdict.notices:
        lines.append(_paint(f"Note: {notice}", "33", color))
    for hit in sorted(verdict.hits, key=lambda h: h.points):
        sign = f"{hit.points:+g}"
        tag = _paint(f"{sign:>4} {hit.category}", _COLORS.get(hit.category, "0"), color)
        lines.append(f"  {tag}  {hit.message}  ({hit.rule})")
        if hit.suggestion and hit.points < 0:
            lines.append(f"        Better: {hit.suggestion}")
    if verdict.lifetime_adjustment:
        lines.append(
            f"  {verdict.lifetime_adjustment:+d} lifetime value: "
            + lifetime_why(verdict.lifetime_adjustment)
        )
    if verdict.credited:
        done = ", ".join(STEP_LABELS.get(CATEGORY_STEP.get(c, c), c) for c in verdict.credited)
        lines.append(f"  Shown in an earlier reply, not charged again: {done}")
    checks = "  ".join(f"{'✓' if verdict.steps.get(s) else '·'} {STEP_LABELS[s]}" for s in STEPS)
    lines.append("")
    lines.append(f"Five steps: {checks}")
    if next_step:
        lines.append(f"Leads to: {next_step}")
    return "\n".join(lines)


def pass_label(passed: bool | None, level: str | None) -> str:
    """"passed" / "passed (silver)" / "not passed" / "" (not judged yet)."""
    if passed is None:
        return ""
    if passed:
        return f"passed ({level})" if level else "passed"
    return "not passed"


def assessment_lines(d: Any, color: bool = False) -> list[str]:
    """The debrief's verdict on the attempt: passed or not against its mark, the level,
    the difficulty played, and each critical rule that fired (which reply, and why)."""
    finished = d.outcome in ("kept", "escalated", "lost")
    if d.passed:
        verdict = _paint(f"PASSED (pass mark {d.pass_mark})", "32", color)
    elif not finished:
        verdict = f"Not passed: the conversation did not end (pass mark {d.pass_mark})"
    elif d.failed_critical:
        verdict = _paint("NOT PASSED: a critical rule fired", "31", color)
    else:
        verdict = _paint(f"NOT PASSED: {d.score} is under the pass mark of {d.pass_mark}", "31", color)
    lines = [verdict]
    if d.level:
        lines.append(f"Level: {d.level}")
    if d.difficulty:
        lines.append(f"Difficulty: {d.difficulty}")
    if d.critical:
        head = (
            "Critical, so this attempt cannot pass:"
            if d.mode == "assessment"
            else "Critical (in an assessment this attempt could not pass):"
        )
        lines.append(head)
        for c in d.critical:
            lines.append(f"  Reply {c.turn}: “{c.quote}” — {c.message} ({c.rule})")
    return lines


MODEL_REPLY_LABEL = "A reply that would have worked here:"


def debrief_text(debrief: Any, color: bool) -> str:
    d = debrief
    lines = [
        _paint(f"{d.title}: {d.outcome.upper()}", "1", color)
        + (f" - {d.ending_title}" if d.ending_title else ""),
        f"Total score: {d.score}/100",
    ]
    lines += assessment_lines(d, color)
    if d.ending_text:
        lines += ["", d.ending_text.strip()]
    lines += ["", "Turns:"]
    for t in d.turns:
        lines.append(
            f"  {t['index']:>2}. {t['score']:>3}/100  mood {t['mood']:>3}  {short(t['reply'], 60)}"
        )
    lines += ["", "Five steps (replies that showed each):"]
    for s in STEPS:
        st = d.steps[s]
        lines.append(f"  {STEP_LABELS[s]:<26} {st['done']}/{st['of']}")
    lines.append("")
    lines.append("Mood: " + " → ".join(str(m) for m in d.mood))
    if d.changes:
        lines += ["", "Three changes worth making:"]
        for i, c in enumerate(d.changes, 1):
            lines.append(f"  {i}. Turn {c.turn}: you wrote “{c.quote}” — {c.why}")
            lines.append(f"     Better: {c.better}")
    model = getattr(d, "model_reply", None)
    if model is not None:
        lines += ["", f"Turn {model.turn}: you wrote “{model.quote}”."]
        lines.append(f"  {MODEL_REPLY_LABEL} {model.reply}")
    if d.tips:
        lines += ["", "Tips:"]
        lines += [f"  - {tip}" for tip in d.tips]
    return "\n".join(lines)

