"""The small things of the first hour: quotes, headers, cut titles, readable borders."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.tui.conftest import make_app, settle


def _contrast(a: Any, b: Any) -> float:
    def lum(c: Any) -> float:
        def ch(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b)

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["simulator-dark", "simulator-light", "high-contrast"])
def test_border_titles_can_be_read_in_every_theme(theme: str) -> None:
    """The light theme drew the conversation's title in the faint border colour."""

    async def go() -> None:
        app = make_app(scenario="snap-soup-en", theme=theme)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            for selector in ("#chat", "#reply-editor"):
                widget = app.screen.query_one(selector)
                assert widget.border_title
                bg = widget.background_colors[1]
                styles = widget.styles
                title = styles.border_title_color
                if title.a == 0:  # unset: Textual draws it in the border's colour
                    title = styles.border_top[1]
                shown = bg.blend(title, title.a)
                assert _contrast(shown, bg) >= 4.5, f"{selector} title in {theme}"

    asyncio.run(go())


def test_the_french_resume_dialog_does_not_nest_guillemets() -> None:
    async def go() -> None:
        from pathlib import Path

        from simulator.tui.context import Resumable
        from simulator.tui.screens.resume import ResumeScreen

        app = make_app(ui_lang="fr")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            item = Resumable(Path("x.jsonl"), "supermarket-return-fr",
                             "« Vous avez de la chance » : un échange à la caisse centrale", 2,
                             "2026-11-02 09:00")
            app.push_screen(ResumeScreen(item))
            await settle(pilot)
            text = str(app.screen.query_one("#resume-text").render())
            assert "« «" not in text and "» »" not in text
            assert "“« Vous avez de la chance » : un échange à la caisse centrale”" in text
            item2 = Resumable(Path("y.jsonl"), "hotel-ac-fr", "La clim en panne", 1, "2026-11-02 09:00")
            await app.pop_screen()
            await app.push_screen(ResumeScreen(item2))
            await settle(pilot)
            assert "« La clim en panne »" in str(app.screen.query_one("#resume-text").render())

    try:
        asyncio.run(go())
    finally:
        from simulator.tui.i18n import set_language

        set_language("en")


def test_the_text_leaderboard_has_a_header_over_every_column() -> None:
    from simulator.cli.results import leaderboard_text

    rows = [{"rank": 1, "name": "Ana", "total": 88, "per_scenario": {"s1": 88}, "attempts": 2,
             "outcomes": {"kept": 1, "escalated": 0, "lost": 1}, "playing": True}]
    lines = leaderboard_text(rows, ["s1"]).splitlines()
    header, row = lines[0], lines[-1]
    assert row.rstrip().endswith("playing")
    start = row.rstrip().rindex("playing")
    assert header[start:].strip(), f"no header over 'playing':\n{header}\n{row}"


def test_a_long_title_is_cut_with_an_ellipsis() -> None:
    async def go() -> None:
        app = make_app(scenario="snap-soup-en")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            title = app.screen.query_one("#brief-title")
            title.update("Briefing  " + "A very long scenario title that goes on " * 3)
            await settle(pilot)
            shown = "".join(s.text for s in title.render_line(0)).rstrip()
            assert shown.endswith("…"), shown
            assert app.screen.query_one("#brief-meta").region.x >= title.region.right

    asyncio.run(go())


def test_schema_without_a_folder_says_where_it_wrote(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert f"to {tmp_path.resolve() / 'schema'}" in out and "current folder" in out
    assert (tmp_path / "schema" / "scenario.schema.json").is_file()
    assert main(["schema", "-o", str(tmp_path / "elsewhere")]) == 0
    out = capsys.readouterr().out
    assert f"to {(tmp_path / 'elsewhere').resolve()}" in out and "current folder" not in out
