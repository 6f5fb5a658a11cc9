"""Why each rule fired, or nearly did, as lines of plain text (``score --explain`` and the
app's explanation of a verdict)."""

from __future__ import annotations

from simulator.scoring.explain import CANCELLED, CREDITED, FIRED, Explanation, Found, RuleTrace

MARKS = {FIRED: "✓", CANCELLED: "✗", CREDITED: "·"}
STATUS_WORDS = {
    FIRED: "fired",
    CANCELLED: "cancelled",
    CREDITED: "credited",
    "incomplete": "incomplete",
}


def explanation_lines(exp: Explanation) -> list[str]:
    """The explanation, one line a string: the text the rules saw, then each rule."""
    lines = [f"The rules saw: {exp.normalised}"]
    if not exp.rules:
        lines += ["", "No rule fired or nearly fired."]
    fired = exp.fired
    near = exp.near
    if fired:
        lines += ["", "Fired:"]
        for r in fired:
            lines += rule_lines(r)
    if near:
        lines += ["", "Nearly fired:"]
        for r in near:
            lines += rule_lines(r)
    return lines


def rule_lines(r: RuleTrace) -> list[str]:
    sign = "+" if r.points > 0 else ""
    points = f"{sign}{r.points:g}"
    head = f"  {MARKS.get(r.status, '~')} {r.rule} ({r.kind}, {r.category} {points}): {r.summary}"
    if r.scope and r.scope != "reply":
        head += f" [parts in one {r.scope}]"
    out = [head]
    pattern = r.kind == "regex"
    out += [found_line(f, pattern) for f in r.found]
    return out


def found_line(f: Found, pattern: bool = False) -> str:
    what = f"{'pattern' if pattern else 'phrase'} \u201c{f.phrase}\u201d" if f.phrase else "pattern"
    if f.lexicon:
        what += " (" + ", ".join(f"{{{n}}} = \u201c{e}\u201d" for n, e in f.lexicon) + ")"
    part = f"{f.part}: " if f.part else ""
    line = f"      {part}\u201c{f.words}\u201d by {what}, in clause \u201c{f.clause}\u201d"
    if f.cancelled is not None:
        line += f"\n        cancelled: {f.cancelled.detail}"
    return line
