"""Exports of a trainee's session and of a whole workshop: Markdown, HTML, JSON, CSV.

Two entry points, both pure functions from plain dicts to text (no database, no UI):

``render_session(debrief, turns, fmt)``
    One conversation. ``debrief`` is ``Debrief.to_dict()``, ``turns`` are
    ``Turn.to_dict()`` items (the standing replies, in order).

``render_workshop(data, fmt)``
    A workshop's results. ``data`` is what ``simulator.store.reportdata.workshop_data``
    builds::

        {"workshop": {"code", "name", "scenarios", "mode", "time_limit", "created_at",
                      "closed_at", "closed"},
         "generated_at": "2026-11-23T10:00:00.000+00:00",
         "titles": {scenario_id: title},                      # optional
         "leaderboard": [{"rank", "name", "total", "attempts", "finished",
                          "per_scenario": {id: best}, "outcomes": {...}}],
         "attempts": [{"id", "trainee", "scenario_id", "language", "mode", "started_at",
                       "finished_at", "outcome", "score", "turn_count",
                       "turns": [{"turn", "node", "customer", "reply", "score",
                                  "verdict": {...}, "mood_after", "elapsed",
                                  "over_time", "created_at"}]}]}

Safety: every piece of free text (replies, names, customer lines, workshop names) is
HTML-escaped in HTML and Markdown, and neutralised against spreadsheet formula injection
in CSV (a cell starting with = + - @, a tab or a carriage return gets a leading
apostrophe). The HTML files are self-contained: inline CSS and SVG charts, no script,
and a Content-Security-Policy that forbids loading anything from the network.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from simulator.scoring.normalize import fold
from simulator.scoring.verdict import STEP_LABELS, STEPS

FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")

OUTCOMES: tuple[str, ...] = ("kept", "escalated", "lost", "unfinished")
FINISHED: frozenset[str] = frozenset({"kept", "escalated", "lost"})
BEST_MIN = 60  # a reply quoted among the best scored at least this
WORST_BELOW = 50  # a reply quoted among those to rework scored less than this


class ExportError(ValueError):
    """An unknown format or unusable data; the message says which."""


# ---------------------------------------------------------------------------- escaping

# Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"), with
# their full-width forms, which some spreadsheets also accept.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula. Numbers pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def h(value: Any) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: Any) -> str:
    """Inline Markdown text: one line, no markup, no raw HTML."""
    text = " ".join(("" if value is None else str(value)).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format '{fmt}' (use one of: {', '.join(FORMATS)})")


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(stamp: Any) -> str:
    """An ISO timestamp as people read it: 2026-11-23 09:32 UTC."""
    text = str(stamp or "")
    if len(text) >= 16 and text[10] == "T":
        zone = " UTC" if text.endswith(("+00:00", "Z")) else ""
        return f"{text[:10]} {text[11:16]}{zone}"
    return text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([csv_safe(v) for v in row])
    return out.getvalue()


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def phrase_key(text: str) -> str:
    """A last-word span reduced to a comparable phrase: folded, trimmed, spaced once."""
    folded = " ".join(fold(text).split())
    return folded.strip(" \t\n.,;:!?¡¿\"'()[]«»…")


def last_word_phrases(verdict: dict[str, Any]) -> list[str]:
    """The normalised texts of a verdict's last-word spans (each phrase once)."""
    seen: list[str] = []
    for hit in verdict.get("hits") or []:
        if hit.get("category") != "last_word":
            continue
        for span in hit.get("spans") or []:
            key = phrase_key(str(span.get("text", "")))
            if key and key not in seen:
                seen.append(key)
    return seen


# ---------------------------------------------------------------------------- HTML pieces

_CSS = """
:root{--ink:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#f6f7fa;--good:#1f8a4c;--bad:#c0392b;
--mid:#d68910;--accent:#2d5fa8}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);
background:var(--bg);margin:0;padding:24px}
main{max-width:1040px;margin:0 auto}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:16px 0 6px}
.sub{color:var(--muted);margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:24px}
.card span{color:var(--muted);font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px;flex:1 1 440px}
.chart h3{margin-top:0}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f6;font-size:13px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.kept{color:var(--good);font-weight:600}.lost{color:var(--bad);font-weight:600}
.escalated{color:var(--mid);font-weight:600}.unfinished{color:var(--muted)}
blockquote{margin:8px 0;padding:8px 12px;background:#fff;border-left:4px solid var(--line);
border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
blockquote.good{border-left-color:var(--good)}blockquote.bad{border-left-color:var(--bad)}
.who{color:var(--muted);font-size:13px}
.turn{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:10px 0}
.turn .cust{color:var(--muted)}
mark.neg{background:#f9d6d2;text-decoration:underline wavy var(--bad)}
mark.pos{background:#d4efdd}
ul.hits{margin:6px 0 0;padding-left:20px}
.score{font-weight:700}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;margin-top:32px}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _page(title: str, body: str, lang: str = "en") -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{h(lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{h(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _score_color(score: float) -> str:
    if score >= 70:
        return "#1f8a4c"
    if score >= 40:
        return "#d68910"
    return "#c0392b"


def svg_hbars(items: Sequence[tuple[str, float, str]], vmax: float = 100, unit: str = "") -> str:
    """Horizontal bars: (label, value, note) each; labels escaped."""
    if not items:
        return '<p class="empty">No data yet.</p>'
    row, label_w, bar_w = 28, 220, 300
    height = row * len(items) + 10
    width = label_w + bar_w + 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" style="max-width:{width}px">'
    ]
    for i, (label, value, note) in enumerate(items):
        y = 5 + i * row
        w = 0 if vmax <= 0 else max(0.0, min(1.0, value / vmax)) * bar_w
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="13" '
            f'fill="#1d2330">{h(_short(label, 30))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" fill="#eef1f6"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="18" '
            f'fill="{_score_color(value)}"><title>{h(label)}: {value:.1f}{h(unit)}</title></rect>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 18}" font-size="13" fill="#1d2330">'
            f"{value:.0f}{h(unit)} {h(note)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_histogram(bins: Sequence[tuple[str, int]]) -> str:
    """Vertical bars of counts, one per (label, count)."""
    total = sum(c for _, c in bins)
    if not total:
        return '<p class="empty">No finished attempts yet.</p>'
    top = max(c for _, c in bins)
    bw, gap, chart_h, base = 40, 8, 160, 30
    width = len(bins) * (bw + gap) + gap + 30
    height = chart_h + base + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" style="max-width:{width}px">',
        f'<line x1="24" y1="{chart_h + 10}" x2="{width}" y2="{chart_h + 10}" stroke="#9aa3b2"/>',
    ]
    for i, (label, count) in enumerate(bins):
        x = 24 + gap + i * (bw + gap)
        bh = 0 if top == 0 else count / top * (chart_h - 14)
        y = chart_h + 10 - bh
        lo = int(label.split("–")[0]) if label[:1].isdigit() else 0
        parts.append(
            f'<rect x="{x}" y="{y:.1f}" width="{bw}" height="{bh:.1f}" '
            f'fill="{_score_color(lo + 5)}"><title>{h(label)}: {count}</title></rect>'
            f'<text x="{x + bw / 2}" y="{y - 3:.1f}" text-anchor="middle" font-size="12">'
            f"{count if count else ''}</text>"
            f'<text x="{x + bw / 2}" y="{chart_h + 26}" text-anchor="middle" font-size="11" '
            f'fill="#5b6475">{h(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_line(values: Sequence[float], vmax: float = 100, label: str = "") -> str:
    """A small line chart (e.g. the customer's mood after each turn)."""
    if not values:
        return '<p class="empty">No data.</p>'
    width, height, pad = 520, 170, 30
    n = len(values)
    step = (width - 2 * pad) / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - max(0.0, min(1.0, v / vmax)) * (height - 2 * pad)

    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" style="max-width:{width}px">'
        f"<title>{h(label)}</title>",
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#9aa3b2"/>',
        f'<text x="4" y="{pad + 4}" font-size="11" fill="#5b6475">{vmax:.0f}</text>'
        f'<text x="4" y="{height - pad + 4}" font-size="11" fill="#5b6475">0</text>',
        f'<polyline points="{pts}" fill="none" stroke="#2d5fa8" stroke-width="2.5"/>',
    ]
    for i, v in enumerate(values):
        x, y = xy(i, v)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{_score_color(v)}">'
            f"<title>{i}: {v:.0f}</title></circle>"
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
            f'fill="#5b6475">{i}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def highlight_html(verdict: dict[str, Any], reply: str) -> str:
    """The reply, escaped, with each fired rule's words marked (penalised or rewarded)."""
    text = str(verdict.get("reply") or reply)
    marks: list[tuple[int, int, float, str]] = []
    for hit in verdict.get("hits") or []:
        for span in hit.get("spans") or []:
            try:
                s, e = int(span["start"]), int(span["end"])
            except (KeyError, TypeError, ValueError):
                continue
            if 0 <= s < e <= len(text):
                marks.append((s, e, float(hit.get("points", 0)), str(hit.get("message", ""))))
    marks.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    out: list[str] = []
    pos = 0
    for s, e, points, message in marks:
        if s < pos:
            continue
        out.append(h(text[pos:s]))
        cls = "neg" if points < 0 else "pos"
        out.append(f'<mark class="{cls}" title="{h(message)}">{h(text[s:e])}</mark>')
        pos = e
    out.append(h(text[pos:]))
    return "".join(out)


def _outcome_html(outcome: Any) -> str:
    o = str(outcome or "unfinished")
    cls = o if o in OUTCOMES else "unfinished"
    return f'<span class="{cls}">{h(o)}</span>'


# ---------------------------------------------------------------------------- one session


def render_session(debrief: dict[str, Any], turns: list[dict[str, Any]], fmt: str) -> str:
    """One trainee's conversation and debrief as md, html, json or csv."""
    _check(fmt)
    if fmt == "json":
        return _json({"debrief": debrief, "turns": turns})
    if fmt == "csv":
        return _session_csv(debrief, turns)
    if fmt == "md":
        return _session_md(debrief, turns)
    return _session_html(debrief, turns)


_SESSION_CSV_HEADER = (
    "scenario", "outcome", "total_score", "turn", "node", "customer", "reply", "score",
    "mood_before", "mood_after", "elapsed", "over_time", "fired_rules", "last_word_phrases",
)


def _session_csv(debrief: dict[str, Any], turns: list[dict[str, Any]]) -> str:
    rows = []
    for t in turns:
        v = t.get("verdict") or {}
        rows.append(
            (
                debrief.get("scenario"), debrief.get("outcome"), debrief.get("score"),
                t.get("index"), t.get("node"), t.get("customer"), t.get("reply"),
                v.get("score"), t.get("mood_before"), t.get("mood_after"), t.get("elapsed"),
                bool(t.get("over_time")),
                " ".join(str(hit.get("rule")) for hit in v.get("hits") or []),
                " | ".join(last_word_phrases(v)),
            )
        )
    return _csv(_SESSION_CSV_HEADER, rows)


def _hit_lines_md(verdict: dict[str, Any]) -> list[str]:
    out = []
    for hit in sorted(verdict.get("hits") or [], key=lambda x: float(x.get("points", 0))):
        words = ", ".join(f"“{md(s.get('text', ''))}”" for s in hit.get("spans") or [])
        line = f"- {float(hit.get('points', 0)):+g} {md(hit.get('category'))}: {md(hit.get('message'))}"
        if words:
            line += f" ({words})"
        out.append(line)
        if hit.get("suggestion") and float(hit.get("points", 0)) < 0:
            out.append(f"  - Better: {md(hit.get('suggestion'))}")
    return out


def _session_md(d: dict[str, Any], turns: list[dict[str, Any]]) -> str:
    lines = [f"# {md(d.get('title') or d.get('scenario'))}", ""]
    ending = f" ({md(d.get('ending_title'))})" if d.get("ending_title") else ""
    lines += [
        f"- Scenario: {md(d.get('scenario'))}",
        f"- Outcome: **{md(d.get('outcome'))}**{ending}",
        f"- Total score: **{d.get('score', 0)}/100**",
        f"- Hints used: {d.get('hints_used', 0)}, replies taken back: {d.get('retries', 0)}",
    ]
    if d.get("ending_text"):
        lines += ["", md(d["ending_text"])]
    lines += ["", "## Turns", ""]
    if not turns:
        lines.append("No reply was sent.")
    for t in turns:
        v = t.get("verdict") or {}
        lines += [
            f"### Turn {t.get('index')}: {v.get('score', '?')}/100",
            "",
            f"> **Customer:** {md(t.get('customer'))}",
            ">",
            f"> **You:** {md(t.get('reply'))}",
            "",
        ]
        hits = _hit_lines_md(v)
        if hits:
            lines += [*hits, ""]
        lines.append(f"Mood {t.get('mood_before')} → {t.get('mood_after')}.")
        lines.append("")
    steps = d.get("steps") or {}
    lines += ["## The five steps", "", "| Step | Replies that showed it |", "|---|---|"]
    for s in STEPS:
        st = steps.get(s) or {}
        lines.append(f"| {STEP_LABELS[s]} | {st.get('done', 0)}/{st.get('of', 0)} |")
    mood = d.get("mood") or []
    if mood:
        lines += ["", "Mood: " + " → ".join(str(m) for m in mood)]
    changes = d.get("changes") or []
    if changes:
        lines += ["", "## Changes worth making", ""]
        for i, c in enumerate(changes, 1):
            lines.append(
                f"{i}. Turn {c.get('turn')}: you wrote “{md(c.get('quote'))}”. {md(c.get('why'))}"
            )
            lines.append(f"   Better: {md(c.get('better'))}")
    tips = d.get("tips") or []
    if tips:
        lines += ["", "## Tips", ""] + [f"- {md(tip)}" for tip in tips]
    return "\n".join(lines) + "\n"


def _session_html(d: dict[str, Any], turns: list[dict[str, Any]]) -> str:
    title = str(d.get("title") or d.get("scenario") or "Session")
    b: list[str] = [f"<h1>{h(title)}</h1>"]
    ending = f" — {h(d.get('ending_title'))}" if d.get("ending_title") else ""
    b.append(f'<p class="sub">Scenario {h(d.get("scenario"))}</p>')
    b.append(
        '<div class="cards">'
        f'<div class="card"><b>{h(d.get("score", 0))}/100</b><span>total score</span></div>'
        f'<div class="card"><b>{_outcome_html(d.get("outcome"))}</b><span>outcome{ending}</span></div>'
        f'<div class="card"><b>{len(turns)}</b><span>replies</span></div>'
        f'<div class="card"><b>{h(d.get("hints_used", 0))}</b><span>hints used</span></div>'
        "</div>"
    )
    if d.get("ending_text"):
        b.append(f"<p>{h(d['ending_text'])}</p>")
    b.append('<div class="charts">')
    b.append(
        '<div class="chart"><h3>Customer mood</h3>'
        + svg_line([float(m) for m in d.get("mood") or []], 100, "mood after each turn")
        + "</div>"
    )
    b.append(
        '<div class="chart"><h3>Score of each reply</h3>'
        + svg_hbars(
            [
                (f"Turn {t.get('index')}", float((t.get("verdict") or {}).get("score", 0)), "")
                for t in turns
            ]
        )
        + "</div>"
    )
    b.append("</div><h2>Turns</h2>")
    if not turns:
        b.append('<p class="empty">No reply was sent.</p>')
    for t in turns:
        v = t.get("verdict") or {}
        score = v.get("score", 0)
        b.append(
            f'<div class="turn"><h3>Turn {h(t.get("index"))}: '
            f'<span class="score" style="color:{_score_color(float(score))}">{h(score)}/100</span></h3>'
            f'<p class="cust"><b>Customer:</b> {h(t.get("customer"))}</p>'
            f'<blockquote>{highlight_html(v, str(t.get("reply", "")))}</blockquote><ul class="hits">'
        )
        for hit in sorted(v.get("hits") or [], key=lambda x: float(x.get("points", 0))):
            pts = float(hit.get("points", 0))
            better = (
                f"<br><i>Better:</i> {h(hit.get('suggestion'))}"
                if hit.get("suggestion") and pts < 0
                else ""
            )
            b.append(
                f"<li><b>{pts:+g}</b> {h(hit.get('category'))}: {h(hit.get('message'))}{better}</li>"
            )
        b.append(f"</ul><p class=\"who\">Mood {h(t.get('mood_before'))} → {h(t.get('mood_after'))}</p></div>")
    steps = d.get("steps") or {}
    b.append("<h2>The five steps</h2><table><tr><th>Step</th><th class=n>Replies that showed it</th></tr>")
    for s in STEPS:
        st = steps.get(s) or {}
        b.append(f"<tr><td>{h(STEP_LABELS[s])}</td><td class=n>{h(st.get('done', 0))}/{h(st.get('of', 0))}</td></tr>")
    b.append("</table>")
    changes = d.get("changes") or []
    if changes:
        b.append("<h2>Changes worth making</h2><ol>")
        for c in changes:
            b.append(
                f"<li>Turn {h(c.get('turn'))}: you wrote “{h(c.get('quote'))}”. {h(c.get('why'))}"
                f"<br><i>Better:</i> {h(c.get('better'))}</li>"
            )
        b.append("</ol>")
    tips = d.get("tips") or []
    if tips:
        b.append("<h2>Tips</h2><ul>" + "".join(f"<li>{h(tip)}</li>" for tip in tips) + "</ul>")
    b.append("<footer>Choose the result, not the last word.</footer>")
    return _page(f"{title}: debrief", "".join(b))


# ---------------------------------------------------------------------------- a workshop


def summarise(data: dict[str, Any], *, quotes: int = 5, phrases: int = 10) -> dict[str, Any]:
    """Figures every workshop format shares: distribution, averages, phrases, quotes."""
    attempts: list[dict[str, Any]] = list(data.get("attempts") or [])
    titles: dict[str, str] = dict(data.get("titles") or {})
    finished = [a for a in attempts if a.get("outcome") in FINISHED and a.get("score") is not None]
    bins = [0] * 10
    for a in finished:
        bins[min(9, max(0, int(a["score"]) // 10))] += 1
    distribution = [
        {"range": f"{i * 10}–{i * 10 + 9 if i < 9 else 100}", "count": c} for i, c in enumerate(bins)
    ]
    ws = data.get("workshop") or {}
    order = list(ws.get("scenarios") or [])
    for a in attempts:
        if a.get("scenario_id") not in order:
            order.append(a.get("scenario_id"))
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in finished:
        per[str(a["scenario_id"])].append(a)
    per_scenario = []
    for sid in order:
        done = per.get(str(sid), [])
        outcomes = Counter(str(a["outcome"]) for a in done)
        per_scenario.append(
            {
                "scenario": sid,
                "title": titles.get(str(sid), sid),
                "attempts": sum(1 for a in attempts if a.get("scenario_id") == sid),
                "finished": len(done),
                "average": round(sum(int(a["score"]) for a in done) / len(done), 1) if done else None,
                "outcomes": {o: outcomes.get(o, 0) for o in ("kept", "escalated", "lost")},
            }
        )
    phrase_count: Counter[str] = Counter()
    phrase_people: dict[str, set[str]] = defaultdict(set)
    candidates: list[dict[str, Any]] = []
    n_turns = 0
    for a in attempts:
        for t in a.get("turns") or []:
            n_turns += 1
            v = t.get("verdict") or {}
            for key in last_word_phrases(v):
                phrase_count[key] += 1
                phrase_people[key].add(str(a.get("trainee", "")).casefold())
            candidates.append(_candidate(t, a.get("trainee"), a.get("scenario_id")))
    if data.get("quote_candidates") is not None:  # chosen by the database, turns left out
        n_turns = int(data.get("turn_count") or 0)
        candidates = [
            _candidate(t, t.get("trainee"), t.get("scenario_id"))
            for t in data["quote_candidates"]
        ]
    if data.get("last_word_phrases") is not None:  # counted by the database
        common = list(data["last_word_phrases"])[:phrases]
    else:
        common = [
            {"phrase": p, "count": c, "trainees": len(phrase_people[p])}
            for p, c in sorted(phrase_count.items(), key=lambda kv: (-kv[1], kv[0]))[:phrases]
        ]
    # Best: the highest-scoring replies that did well (60+); worst: the lowest under 50.
    best = _pick_quotes(
        sorted((c for c in candidates if c["score"] >= BEST_MIN), key=lambda c: -c["score"]), quotes
    )
    worst = _pick_quotes(
        sorted((c for c in candidates if c["score"] < WORST_BELOW), key=lambda c: c["score"]), quotes
    )
    trainees = {str(a.get("trainee", "")).casefold() for a in attempts}
    return {
        "trainees": len(trainees),
        "attempts": len(attempts),
        "finished": len(finished),
        "turns": n_turns,
        "average": round(sum(int(a["score"]) for a in finished) / len(finished), 1)
        if finished
        else None,
        "outcomes": {o: sum(1 for a in attempts if (a.get("outcome") or "unfinished") == o) for o in OUTCOMES},
        "distribution": distribution,
        "per_scenario": per_scenario,
        "last_word_phrases": common,
        "best_replies": best,
        "worst_replies": worst,
    }


def _candidate(t: dict[str, Any], trainee: Any, scenario: Any) -> dict[str, Any]:
    v = t.get("verdict") or {}
    return {
        "trainee": trainee,
        "scenario": scenario,
        "turn": t.get("turn"),
        "customer": t.get("customer"),
        "reply": t.get("reply"),
        "score": int(t.get("score", v.get("score", 0)) or 0),
        "why": _worst_reason(v),
        "good": _best_reason(v),
    }


def _worst_reason(v: dict[str, Any]) -> str:
    neg = [x for x in v.get("hits") or [] if float(x.get("points", 0)) < 0]
    neg.sort(key=lambda x: float(x.get("points", 0)))
    return str(neg[0].get("message", "")) if neg else ""


def _best_reason(v: dict[str, Any]) -> str:
    pos = [x for x in v.get("hits") or [] if float(x.get("points", 0)) > 0]
    pos.sort(key=lambda x: -float(x.get("points", 0)))
    return str(pos[0].get("message", "")) if pos else ""


def _pick_quotes(ranked: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The first n replies of a ranking, each distinct text once."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for c in ranked:
        key = " ".join(fold(str(c.get("reply") or "")).split())
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(c)
        if len(out) >= n:
            break
    return out


def render_workshop(data: dict[str, Any], fmt: str) -> str:
    """A workshop's results as md, html, json or csv (one row per reply)."""
    _check(fmt)
    if fmt == "csv":
        return _workshop_csv(data)
    summary = summarise(data)
    if fmt == "json":
        return _json({**data, "summary": summary})
    if fmt == "md":
        return _workshop_md(data, summary)
    return _workshop_html(data, summary)


_WORKSHOP_CSV_HEADER = (
    "workshop", "trainee", "attempt", "scenario", "mode", "started_at", "finished_at",
    "outcome", "attempt_score", "turn", "node", "customer", "reply", "score", "mood_after",
    "elapsed", "over_time", "fired_rules", "last_word_phrases", "sent_at",
)


def _workshop_csv(data: dict[str, Any]) -> str:
    code = (data.get("workshop") or {}).get("code")
    rows = []
    for a in data.get("attempts") or []:
        base = (
            code, a.get("trainee"), a.get("id"), a.get("scenario_id"), a.get("mode"),
            a.get("started_at"), a.get("finished_at"), a.get("outcome") or "unfinished",
            a.get("score"),
        )
        ts = a.get("turns") or []
        if not ts:
            rows.append((*base, *([None] * 11)))
        for t in ts:
            v = t.get("verdict") or {}
            rows.append(
                (
                    *base, t.get("turn"), t.get("node"), t.get("customer"), t.get("reply"),
                    t.get("score"), t.get("mood_after"), t.get("elapsed"), bool(t.get("over_time")),
                    " ".join(str(x.get("rule")) for x in v.get("hits") or []),
                    " | ".join(last_word_phrases(v)), t.get("created_at"),
                )
            )
    return _csv(_WORKSHOP_CSV_HEADER, rows)


def _ws_title(ws: dict[str, Any]) -> str:
    return f"{ws.get('name') or 'Workshop'} ({ws.get('code', '?')})"


def _workshop_md(data: dict[str, Any], s: dict[str, Any]) -> str:
    ws = data.get("workshop") or {}
    status = "closed" if ws.get("closed") else "open"
    lines = [
        f"# Workshop {md(ws.get('name'))} ({md(ws.get('code'))})",
        "",
        f"- Mode: {md(ws.get('mode'))}, {status}; created {when(ws.get('created_at'))}",
        f"- Scenarios: {', '.join(md(x) for x in ws.get('scenarios') or [])}",
        f"- Trainees: {s['trainees']}, attempts: {s['attempts']} ({s['finished']} finished), "
        f"replies: {s['turns']}",
        f"- Average score of finished attempts: {s['average'] if s['average'] is not None else '—'}",
        f"- Generated {when(data.get('generated_at'))}",
        "",
        "## Leaderboard",
        "",
    ]
    scen = list(ws.get("scenarios") or [])
    lb = data.get("leaderboard") or []
    if lb:
        lines.append("| # | Trainee | Total | " + " | ".join(md(x) for x in scen) + " | Attempts | Kept | Escalated | Lost |")
        lines.append("|---:|---|---:|" + "---:|" * len(scen) + "---:|---:|---:|---:|")
        for r in lb:
            per = r.get("per_scenario") or {}
            o = r.get("outcomes") or {}
            cells = " | ".join(str(per.get(x, "—")) for x in scen)
            lines.append(
                f"| {r.get('rank')} | {md(r.get('name'))} | {r.get('total')} | {cells} | "
                f"{r.get('attempts')} | {o.get('kept', 0)} | {o.get('escalated', 0)} | {o.get('lost', 0)} |"
            )
    else:
        lines.append("No attempts yet.")
    lines += ["", "## Score distribution (finished attempts)", "", "| Score | Attempts |", "|---|---:|"]
    lines += [f"| {b['range']} | {b['count']} |" for b in s["distribution"]]
    lines += ["", "## Per scenario", "", "| Scenario | Attempts | Finished | Average | Kept | Escalated | Lost |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for p in s["per_scenario"]:
        avg = "—" if p["average"] is None else p["average"]
        o = p["outcomes"]
        lines.append(
            f"| {md(p['title'])} | {p['attempts']} | {p['finished']} | {avg} | "
            f"{o['kept']} | {o['escalated']} | {o['lost']} |"
        )
    lines += ["", "## Most common last-word phrases", ""]
    if s["last_word_phrases"]:
        lines += ["| Phrase | Times | Trainees |", "|---|---:|---:|"]
        lines += [
            f"| “{md(p['phrase'])}” | {p['count']} | {p['trainees']} |" for p in s["last_word_phrases"]
        ]
    else:
        lines.append("None: nobody reached for the last word.")
    for heading, key, reason in (
        ("Best replies", "best_replies", "good"),
        ("Replies to rework", "worst_replies", "why"),
    ):
        lines += ["", f"## {heading}", ""]
        if not s[key]:
            lines.append("No replies yet.")
        for q in s[key]:
            lines.append(
                f"> {md(q['reply'])}\n>\n> — {md(q['trainee'])}, {md(q['scenario'])} turn "
                f"{q['turn']}: **{q['score']}/100**" + (f". {md(q[reason])}" if q[reason] else "")
            )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _workshop_html(data: dict[str, Any], s: dict[str, Any]) -> str:
    ws = data.get("workshop") or {}
    scen = list(ws.get("scenarios") or [])
    titles = dict(data.get("titles") or {})
    status = "closed" if ws.get("closed") else "open"
    b: list[str] = [
        f"<h1>Workshop {h(ws.get('name'))}</h1>",
        f'<p class="sub">Code {h(ws.get("code"))} · {h(ws.get("mode"))} mode · {status} · '
        f"created {h(when(ws.get('created_at')))} · "
        f"report generated {h(when(data.get('generated_at')))}</p>",
        '<div class="cards">',
        f'<div class="card"><b>{s["trainees"]}</b><span>trainees</span></div>',
        f'<div class="card"><b>{s["attempts"]}</b><span>attempts ({s["finished"]} finished)</span></div>',
        f'<div class="card"><b>{s["turns"]}</b><span>replies scored</span></div>',
        f'<div class="card"><b>{h(s["average"] if s["average"] is not None else "—")}</b>'
        "<span>average score</span></div>",
        f'<div class="card"><b class="kept">{s["outcomes"]["kept"]}</b><span>customers kept</span></div>',
        f'<div class="card"><b class="lost">{s["outcomes"]["lost"]}</b><span>customers lost</span></div>',
        "</div>",
        '<div class="charts">',
        '<div class="chart"><h3>Score distribution (finished attempts)</h3>'
        + svg_histogram([(d["range"], d["count"]) for d in s["distribution"]])
        + "</div>",
        '<div class="chart"><h3>Average score per scenario</h3>'
        + svg_hbars(
            [
                (str(p["title"]), float(p["average"]), f"({p['finished']})")
                for p in s["per_scenario"]
                if p["average"] is not None
            ]
        )
        + "</div></div>",
        "<h2>Leaderboard</h2>",
    ]
    lb = data.get("leaderboard") or []
    if lb:
        b.append(
            "<table><tr><th class=n>#</th><th>Trainee</th><th class=n>Total</th>"
            + "".join(
                f'<th class=n title="{h(titles.get(x, x))}">{h(_short(titles.get(x, x), 24))}</th>'
                for x in scen
            )
            + "<th class=n>Attempts</th><th class=n>Kept</th><th class=n>Escalated</th>"
            "<th class=n>Lost</th></tr>"
        )
        for r in lb:
            per = r.get("per_scenario") or {}
            o = r.get("outcomes") or {}
            b.append(
                f"<tr><td class=n>{h(r.get('rank'))}</td><td>{h(r.get('name'))}</td>"
                f"<td class=n><b>{h(r.get('total'))}</b></td>"
                + "".join(f"<td class=n>{h(per.get(x, '—'))}</td>" for x in scen)
                + f"<td class=n>{h(r.get('attempts'))}</td><td class=n>{h(o.get('kept', 0))}</td>"
                f"<td class=n>{h(o.get('escalated', 0))}</td><td class=n>{h(o.get('lost', 0))}</td></tr>"
            )
        b.append("</table>")
    else:
        b.append('<p class="empty">No attempts yet.</p>')
    b.append(
        "<h2>Per scenario</h2><table><tr><th>Scenario</th><th class=n>Attempts</th>"
        "<th class=n>Finished</th><th class=n>Average</th><th class=n>Kept</th>"
        "<th class=n>Escalated</th><th class=n>Lost</th></tr>"
    )
    for p in s["per_scenario"]:
        o = p["outcomes"]
        b.append(
            f"<tr><td>{h(p['title'])}<br><span class=who>{h(p['scenario'])}</span></td>"
            f"<td class=n>{p['attempts']}</td><td class=n>{p['finished']}</td>"
            f"<td class=n>{h('—' if p['average'] is None else p['average'])}</td>"
            f"<td class=n>{o['kept']}</td><td class=n>{o['escalated']}</td><td class=n>{o['lost']}</td></tr>"
        )
    b.append("</table><h2>Most common last-word phrases</h2>")
    if s["last_word_phrases"]:
        b.append("<table><tr><th>Phrase</th><th class=n>Times</th><th class=n>Trainees</th></tr>")
        for p in s["last_word_phrases"]:
            b.append(
                f"<tr><td>“{h(p['phrase'])}”</td><td class=n>{p['count']}</td>"
                f"<td class=n>{p['trainees']}</td></tr>"
            )
        b.append("</table>")
    else:
        b.append('<p class="empty">None: nobody reached for the last word.</p>')
    for heading, key, reason, cls in (
        ("Best replies", "best_replies", "good", "good"),
        ("Replies to rework", "worst_replies", "why", "bad"),
    ):
        b.append(f"<h2>{heading}</h2>")
        if not s[key]:
            b.append('<p class="empty">No replies yet.</p>')
        for q in s[key]:
            b.append(
                f'<p class="who">{h(q["trainee"])} · {h(titles.get(str(q["scenario"]), q["scenario"]))}'
                f" · turn {h(q['turn'])} · "
                f'<b style="color:{_score_color(q["score"])}">{q["score"]}/100</b></p>'
                f'<p class="cust">Customer: {h(q["customer"])}</p>'
                f'<blockquote class="{cls}">{h(q["reply"])}</blockquote>'
                + (f'<p class="who">{h(q[reason])}</p>' if q[reason] else "")
            )
    b.append("<footer>Choose the result, not the last word. Generated by the simulator.</footer>")
    return _page(f"Workshop {_ws_title(ws)}", "".join(b))
