"""Exports of a trainee's session and of a whole workshop: Markdown, HTML, JSON, CSV
(and, for a workshop, xAPI statements: ``xapi.py``).

Two entry points, both pure functions from plain dicts to text (no database, no UI):

``render_session(debrief, turns, fmt)``
    One conversation. ``debrief`` is ``Debrief.to_dict()``, ``turns`` are
    ``Turn.to_dict()`` items (the standing replies, in order).

``render_workshop(data, fmt, xapi=None)``
    A workshop's results (``xapi``: the options of the xapi format). ``data`` is what ``Store.workshop_data`` builds::

        {"workshop": {"code", "name", "scenarios", "mode", "time_limit", "created_at",
                      "closed_at", "closed", "pass_mark", "disabled_rules",
                      "rule_weights"},
         "generated_at": "2026-11-23T10:00:00.000+00:00",
         "titles": {scenario_id: title},                      # optional
         "leaderboard": [{"rank", "name", "total", "attempts", "finished",
                          "per_scenario": {id: best}, "outcomes": {...}}],
         "attempts": [{"id", "trainee", "scenario_id", "language", "mode", "started_at",
                       "finished_at", "outcome", "score", "turn_count",
                       "turns": [{"turn", "node", "customer", "reply", "score",
                                  "verdict": {...}, "mood_after", "elapsed",
                                  "over_time", "created_at"}]}]}

A workshop with rule settings (rules disabled, re-weighted) says so in every format:
``model.rule_settings_statement``'s line at the top of HTML and Markdown, the
``rule_settings`` column of the CSV and key of the JSON.

HTML and Markdown are templates (``templates/``, see ``render.py``) laid over one report
model (``model.py``) built once per export; JSON and CSV are written here.

Safety: every piece of free text (replies, names, customer lines, workshop names) is
HTML-escaped in HTML and Markdown, and neutralised against spreadsheet formula injection
in CSV (``text.csv_safe``). The HTML files are self-contained: inline CSS and SVG charts,
no script, and a Content-Security-Policy that forbids loading anything from the network.
"""

from __future__ import annotations

from typing import Any

from simulator.report.model import rule_settings_statement, session_report, workshop_report
from simulator.report.render import render
from simulator.report.summary import summarise
from simulator.report.text import (
    FORMATS,
    WORKSHOP_FORMATS,
    ExportError,
    check_format,
    csv_safe,
    csv_text,
    h,
    json_text,
    md,
    when,
)
from simulator.report.xapi import XapiOptions, xapi_statements
from simulator.scoring.verdict import last_word_phrases, phrase_key

__all__ = [
    "FORMATS",
    "WORKSHOP_FORMATS",
    "ExportError",
    "XapiOptions",
    "csv_safe",
    "h",
    "last_word_phrases",
    "md",
    "phrase_key",
    "render_session",
    "render_workshop",
    "summarise",
    "when",
    "xapi_statements",
]

_csv = csv_text  # the name the workshop command imports


def _rules(verdict: dict[str, Any]) -> str:
    return " ".join(str(hit.get("rule")) for hit in verdict.get("hits") or [])


def _phrases(verdict: dict[str, Any]) -> str:
    return " | ".join(last_word_phrases(verdict))


# ---------------------------------------------------------------------------- one session


def render_session(debrief: dict[str, Any], turns: list[dict[str, Any]], fmt: str) -> str:
    """One trainee's conversation and debrief as md, html, json or csv."""
    check_format(fmt)
    if fmt == "json":
        return json_text({"debrief": debrief, "turns": turns})
    if fmt == "csv":
        return _session_csv(debrief, turns)
    return render("session", fmt, session_report(debrief, turns))


_SESSION_CSV_HEADER = (
    "scenario", "outcome", "total_score", "turn", "node", "customer", "reply", "score",
    "mood_before", "mood_after", "elapsed", "over_time", "fired_rules", "last_word_phrases",
    "passed", "level", "difficulty",
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
                bool(t.get("over_time")), _rules(v), _phrases(v),
                debrief.get("passed"), debrief.get("level"), debrief.get("difficulty"),
            )
        )
    return csv_text(_SESSION_CSV_HEADER, rows)


# ---------------------------------------------------------------------------- a workshop


def render_workshop(data: dict[str, Any], fmt: str, xapi: XapiOptions | None = None) -> str:
    """A workshop's results as md, html, json, csv (one row per reply) or xapi (a JSON
    array of statements; ``data`` needs the turns)."""
    check_format(fmt, WORKSHOP_FORMATS)
    if fmt == "xapi":
        return json_text(xapi_statements(data, xapi))
    if fmt == "csv":
        return _workshop_csv(data)
    summary = summarise(data)
    if fmt == "json":
        settings = rule_settings_statement(data.get("workshop") or {})
        extra = {"rule_settings": settings} if settings else {}
        return json_text({**data, **extra, "summary": summary})
    return render("workshop", fmt, workshop_report(data, summary))


_WORKSHOP_CSV_HEADER = (
    "workshop", "trainee", "attempt", "scenario", "mode", "started_at", "finished_at",
    "outcome", "attempt_score", "turn", "node", "customer", "reply", "score", "mood_after",
    "elapsed", "over_time", "fired_rules", "last_word_phrases", "sent_at",
    "trainer_labels", "trainer_misfired", "trainer_note",
    "difficulty", "pass_mark", "passed", "level", "rule_settings",
)


def _review_cells(t: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The trainer's review of a reply for CSV: labels set (``last_word=false``), rules
    marked misfired, the note; empty when the reply was not reviewed."""
    r = t.get("review")
    if not r:
        return (None, None, None)
    labels = " ".join(f"{k}={'true' if v else 'false'}" for k, v in (r.get("labels") or {}).items())
    return (labels, " ".join(r.get("misfired") or []), r.get("note") or None)


def _workshop_csv(data: dict[str, Any]) -> str:
    code = (data.get("workshop") or {}).get("code")
    settings = rule_settings_statement(data.get("workshop") or {}) or None
    rows = []
    for a in data.get("attempts") or []:
        base = (
            code, a.get("trainee"), a.get("id"), a.get("scenario_id"), a.get("mode"),
            a.get("started_at"), a.get("finished_at"), a.get("outcome") or "unfinished",
            a.get("score"),
        )
        judged = (
            a.get("difficulty"), a.get("pass_mark"), a.get("passed"), a.get("level"), settings,
        )
        ts = a.get("turns") or []
        if not ts:
            rows.append((*base, *([None] * 14), *judged))
        for t in ts:
            v = t.get("verdict") or {}
            rows.append(
                (
                    *base, t.get("turn"), t.get("node"), t.get("customer"), t.get("reply"),
                    t.get("score"), t.get("mood_after"), t.get("elapsed"), bool(t.get("over_time")),
                    _rules(v), _phrases(v), t.get("created_at"), *_review_cells(t), *judged,
                )
            )
    return csv_text(_WORKSHOP_CSV_HEADER, rows)
