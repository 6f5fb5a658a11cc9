"""Exports of a session and of a workshop: every format, escaping, formula injection,
self-contained HTML."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from simulator.engine import Session
from simulator.report.exports import (
    FORMATS,
    ExportError,
    csv_safe,
    last_word_phrases,
    md,
    phrase_key,
    render_session,
    render_workshop,
    summarise,
)
from simulator.store import Store
from simulator.store.recorder import Recorder

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "＝1+1", "  =HYPERLINK(1)"]
LUCKY = "You're lucky we serve soup at this hour."
FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    c = _Collector()
    c.feed(html)
    return c.tags


def assert_self_contained(html: str) -> None:
    tags = _tags(html)
    names = [t for t, _ in tags]
    assert "script" not in names and "link" not in names and "iframe" not in names
    assert "img" not in names  # no trainee text became a tag
    for _, attrs in tags:
        for key, value in attrs.items():
            assert not key.startswith("on"), key
            if key in ("src", "href") and value:
                assert not re.match(r"(?i)\s*(https?:|//|javascript:)", value), value
    assert not re.search(r"(?i)@import|url\(\s*['\"]?(https?:|//)", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<svg" in html


def _session(wlib: Any, replies: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sc = wlib.scenario("mini-en")
    s = Session(sc, wlib.packs_for(sc))
    for r in replies:
        if not s.ended:
            s.reply(r)
    return s.debrief().to_dict(), [t.to_dict() for t in s.turns]


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_session_every_format(wlib: Any, fmt: str) -> None:
    debrief, turns = _session(wlib, [LUCKY, FIX, DONE])
    text = render_session(debrief, turns, fmt)
    assert text.endswith("\n")
    if fmt == "json":
        assert json.loads(text) == {"debrief": debrief, "turns": turns}
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["reply"] for r in rows] == [LUCKY, FIX, DONE]
        assert rows[0]["last_word_phrases"] == "you're lucky"
        assert rows[0]["outcome"] == "kept"
    elif fmt == "md":
        assert "# The cold soup" in text and "Outcome: **kept**" in text
        assert "## The five steps" in text
    else:
        assert_self_contained(text)
        assert "The cold soup" in text and 'class="neg"' in text and 'class="pos"' in text


def test_render_session_with_no_reply(wlib: Any) -> None:
    debrief, turns = _session(wlib, [])
    for fmt in FORMATS:
        assert render_session(debrief, turns, fmt)
    assert "No reply was sent" in render_session(debrief, turns, "html")


def test_unknown_format() -> None:
    with pytest.raises(ExportError, match="unknown export format"):
        render_session({}, [], "pdf")
    with pytest.raises(ExportError):
        render_workshop({}, "xlsx")


def test_session_escapes_trainee_text(wlib: Any) -> None:
    debrief, turns = _session(wlib, [f"{XSS} you're lucky", "=HYPERLINK(\"http://x\") " + FIX])
    html = render_session(debrief, turns, "html")
    assert_self_contained(html)
    assert "&lt;script&gt;" in html
    mdtext = render_session(debrief, turns, "md")
    assert "<script>" not in mdtext and "<img" not in mdtext
    rows = list(csv.reader(io.StringIO(render_session(debrief, turns, "csv"))))
    assert rows[2][6].startswith("'=HYPERLINK")


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_safe_neutralises_formulas(value: str) -> None:
    out = csv_safe(value)
    assert out == "'" + value


@pytest.mark.parametrize("value", ["Ann", "I'm sorry", "5 minutes", "", "a=b", "e-mail"])
def test_csv_safe_leaves_plain_text(value: str) -> None:
    assert csv_safe(value) == value


def test_csv_safe_keeps_numbers() -> None:
    assert csv_safe(-5) == -5 and csv_safe(3.5) == 3.5 and csv_safe(None) == ""
    assert csv_safe(True) == "true"


def test_md_escapes_markup() -> None:
    assert md("<b>x</b> *y* [a](http://e) `c` | d") == (
        "&lt;b&gt;x&lt;/b&gt; \\*y\\* \\[a\\](http://e) \\`c\\` \\| d"
    )
    assert md("two\nlines") == "two lines"


def test_phrase_normalisation() -> None:
    assert phrase_key("  YOU’RE   Lucky! ") == "you're lucky"
    verdict = {"hits": [
        {"category": "last_word", "spans": [{"text": "You're lucky"}, {"text": "you’re LUCKY"}]},
        {"category": "concrete_fix", "spans": [{"text": "I'll"}]},
        {"category": "last_word", "spans": [{"text": "Calm down,"}]},
    ]}
    assert last_word_phrases(verdict) == ["you're lucky", "calm down"]


# ---------------------------------------------------------------------------- workshop


@pytest.fixture
def data(sqlite_url: str, wlib: Any) -> dict[str, Any]:
    sc = wlib.scenario("mini-en")
    with Store.open(sqlite_url) as store:
        ws = store.create_workshop(f"Team {XSS}", ["mini-en"])
        for name, replies in [("Ann", [LUCKY, FIX, DONE]), (XSS, [LUCKY, "Calm down."]),
                              ("=1+1", [f"=cmd|' /C calc'!A0 {XSS}", FIX, DONE]),
                              ("Dee", [FIX])]:
            s = Session(sc, wlib.packs_for(sc), mode="assessment")
            Recorder(s, store, name, workshop=ws.code)
            for r in replies:
                if not s.ended:
                    s.reply(r)
        return store.workshop_data(ws.code, titles={"mini-en": "The cold soup"})


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_workshop_every_format(data: dict[str, Any], fmt: str) -> None:
    text = render_workshop(data, fmt)
    if fmt == "json":
        parsed = json.loads(text)
        assert parsed["summary"]["trainees"] == 4
        assert parsed["summary"]["last_word_phrases"][0] == {
            "phrase": "you're lucky", "count": 2, "trainees": 2}
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 3 + 2 + 3 + 1
        assert {r["trainee"] for r in rows} == {"Ann", XSS, "'=1+1", "Dee"}
        assert any(r["reply"].startswith("'=cmd") for r in rows)
        for r in rows:
            for v in r.values():
                assert not (v and v[0] in "=+-@\t\r"), v
    elif fmt == "md":
        assert "<script>" not in text and "## Leaderboard" in text
        assert "“you're lucky” | 2 | 2" in text
    else:
        assert_self_contained(text)
        assert "<script>" not in text and text.count("&lt;script&gt;") >= 3
        for heading in ("Leaderboard", "Score distribution", "Average score per scenario",
                        "Most common last-word phrases", "Best replies", "Replies to rework"):
            assert heading in text
        assert "you&#x27;re lucky" in text


def test_summary_figures(data: dict[str, Any]) -> None:
    s = summarise(data)
    finished = [a for a in data["attempts"] if a["outcome"] in ("kept", "lost", "escalated")]
    assert s["finished"] == len(finished) == 3 and s["attempts"] == 4
    assert sum(b["count"] for b in s["distribution"]) == 3
    (per,) = s["per_scenario"]
    assert per["title"] == "The cold soup"
    assert per["average"] == round(sum(a["score"] for a in finished) / 3, 1)
    assert all(q["score"] >= 60 for q in s["best_replies"])
    assert all(q["score"] < 50 for q in s["worst_replies"])
    assert len({q["reply"] for q in s["best_replies"]}) == len(s["best_replies"])
    # computed without the database's counts, the phrases are the same
    again = summarise({k: v for k, v in data.items() if k != "last_word_phrases"})
    assert again["last_word_phrases"] == s["last_word_phrases"]


def test_reports_without_turns_show_the_same(sqlite_url: str, data: dict[str, Any]) -> None:
    """HTML/Markdown exports read figures and quotes with SQL instead of every turn."""
    with Store.open(sqlite_url) as store:
        light = store.workshop_data(data["workshop"]["code"], titles=data["titles"],
                                    turns=False)
    assert all("turns" not in a for a in light["attempts"])
    full, lean = summarise(data), summarise(light)
    assert lean == full
    for fmt in ("md", "html"):
        a = render_workshop(data, fmt).split("report generated")[-1]
        b = render_workshop(light, fmt).split("report generated")[-1]
        assert re.sub(r"Generated .*", "", a) == re.sub(r"Generated .*", "", b)


def test_empty_workshop(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as store:
        ws = store.create_workshop("Empty", ["mini-en"])
        d = store.workshop_data(ws.code)
    for fmt in FORMATS:
        assert render_workshop(d, fmt)
    html = render_workshop(d, "html")
    assert "No attempts yet" in html and "No finished attempts yet" in html


def test_template_values_are_escaped_in_text_and_attributes(wlib: Any, data: dict[str, Any]) -> None:
    """Every value a template lays out is escaped for its format, in attributes too."""
    debrief, turns = _session(wlib, [LUCKY, FIX])
    evil = '"><script>alert(1)</script> *bold* | `x`'
    debrief = {**debrief, "title": evil, "ending_title": evil, "tips": [evil]}
    html = render_session(debrief, turns, "html")
    assert_self_contained(html)
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html
    mdtext = render_session(debrief, turns, "md")
    assert "<script>" not in mdtext and "\\*bold\\* \\| \\`x\\`" in mdtext
    titled = {**data, "titles": {"mini-en": evil}}
    page = render_workshop(titled, "html")
    assert_self_contained(page)
    assert f'title="{evil}"' not in page and 'title="&quot;&gt;&lt;script&gt;' in page
    assert "<script>" not in render_workshop(titled, "md")


def test_a_verdict_names_its_last_word_phrases(wlib: Any) -> None:
    """The verdict says which last-word phrases it holds; a stored one says the same."""
    from simulator.scoring import scorer_for

    sc = wlib.scenario("mini-en")
    verdict = scorer_for(sc, wlib.packs_for(sc)).score("YOU’RE LUCKY! Calm down, you're lucky.")
    assert verdict.last_word_phrases() == ["you're lucky", "calm down"]
    assert last_word_phrases(verdict.to_dict()) == verdict.last_word_phrases()
