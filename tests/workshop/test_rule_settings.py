"""A workshop's own rule settings: `workshop create --disable RULE --weight RULE=N`,
recorded with the workshop, applied to every verdict of its sessions, shown by
`workshop show` and in every export, used again by `replay`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from simulator.store import Store, normalise_url
from simulator.store import schema as sch

RUDE = "You're lucky we serve soup at this hour. Calm down."
FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."
SETTINGS = "Rules disabled: favour-framing; re-weighted: dismissal=-5"


def _create(cli: Any, *extra: str) -> str:
    code, out, err = cli("workshop", "create", "Team", "--scenarios", "mini-en", "-q", *extra)
    assert code == 0, err
    return out.strip()


def _play(cli: Any, tmp_path: Path, code: str, name: str, *replies: str) -> dict[str, Any]:
    path = tmp_path / f"{name}.txt"
    path.write_text("\n\n".join(replies) + "\n", encoding="utf-8")
    rc, out, err = cli(
        "play", "--workshop", code, "--name", name, "--script", str(path), "--format", "json"
    )
    assert rc == 0, err
    attempt: dict[str, Any] = json.loads(out)["attempts"][0]
    return attempt


def _first_turn(url: str, attempt_id: int) -> tuple[int, dict[str, float]]:
    """The score of an attempt's first reply and the points of each rule that fired."""
    with Store.open(url) as s:
        turn = s.turns(attempt_id)[0]
    verdict = json.loads(turn["verdict"]) if isinstance(turn["verdict"], str) else turn["verdict"]
    return turn["score"], {h["rule"]: h["points"] for h in verdict["hits"]}


def test_create_records_the_settings_and_show_prints_them(cli: Any) -> None:
    code, out, err = cli(
        "workshop",
        "create",
        "Team",
        "--scenarios",
        "mini-en",
        "--disable",
        "favour-framing",
        "--weight",
        "dismissal=-5",
    )
    assert code == 0, err
    assert SETTINGS in out
    join = out.split("Join code: ")[1].split()[0]
    rc, out, err = cli("workshop", "show", join)
    assert rc == 0, err
    assert SETTINGS in out and "mini-en: The cold soup" in out
    rc, out, _ = cli("workshop", "show", join, "--format", "json")
    shown = json.loads(out)
    assert shown["disabled_rules"] == ["favour-framing"]
    assert shown["rule_weights"] == {"dismissal": -5}
    assert shown["rule_settings"] == SETTINGS
    # a workshop without settings says so
    plain = _create(cli)
    rc, out, _ = cli("workshop", "show", plain)
    assert "Rules disabled: none; re-weighted: none" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--disable", "favour-framng"], "close ids: favour-framing"),
        (["--weight", "dismisal=5"], "close ids: dismissal"),
        (["--weight", "dismissal"], "give RULE_ID=N"),
        (["--weight", "dismissal=500"], "give RULE_ID=N"),
        (["--disable", "dismissal", "--weight", "dismissal=3"], "not both"),
    ],
)
def test_bad_rule_settings_are_refused_and_nothing_is_created(
    cli: Any, extra: list[str], message: str
) -> None:
    code, out, err = cli("workshop", "create", "Team", "--scenarios", "mini-en", *extra)
    assert code == 2 and message in err and out == ""
    with Store.open(cli.url) as s:
        assert s.workshops() == []


def test_every_verdict_of_the_workshop_uses_its_settings(cli: Any, tmp_path: Path) -> None:
    plain = _create(cli)
    tuned = _create(cli, "--disable", "favour-framing", "--weight", "dismissal=-5")
    score_before, hits_before = _first_turn(
        cli.url, _play(cli, tmp_path, plain, "Ann", RUDE)["attempt_id"]
    )
    score_after, hits_after = _first_turn(
        cli.url, _play(cli, tmp_path, tuned, "Bob", RUDE)["attempt_id"]
    )
    assert "favour-framing" in hits_before and "favour-framing" not in hits_after
    assert hits_before["dismissal"] < -5 and hits_after["dismissal"] == -5
    assert score_after > score_before


def test_every_export_shows_the_settings(cli: Any, tmp_path: Path) -> None:
    code = _create(cli, "--disable", "favour-framing", "--weight", "dismissal=-5")
    _play(cli, tmp_path, code, "Ann", RUDE, FIX, DONE)
    for fmt in ("md", "html", "json", "csv"):
        rc, out, err = cli("export", code, "--format", fmt)
        assert rc == 0, err
        assert SETTINGS in out, fmt
    _, out, _ = cli("export", code, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r["rule_settings"] == SETTINGS for r in rows)
    _, out, _ = cli("export", code, "--format", "json")
    assert json.loads(out)["workshop"]["disabled_rules"] == ["favour-framing"]
    # a workshop without settings shows no such line
    plain = _create(cli)
    _, out, _ = cli("export", plain, "--format", "md")
    assert "Rules disabled" not in out


def test_replay_of_a_workshop_session_uses_the_workshop_settings(cli: Any, tmp_path: Path) -> None:
    code = _create(cli, "--disable", "favour-framing", "--weight", "dismissal=-5")
    played = _play(cli, tmp_path, code, "Ann", RUDE, FIX)
    rc, out, err = cli("replay", played["transcript"], "--format", "json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["changed"] is False
    assert report["rules"] == {"disable": ["favour-framing"], "weights": {"dismissal": -5}}
    assert [t["added"] for t in report["turns"]] == [[], []]
    rc, out, _ = cli("replay", played["transcript"])
    assert SETTINGS in out and "Nothing changed." in out


def test_a_v4_database_is_upgraded_with_workshops_without_settings(db_url: str) -> None:
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        sch.migrate(conn, target=4)
        conn.exec_driver_sql(
            "INSERT INTO workshops (code, name, scenarios, mode, created_at) "
            "VALUES ('PREV4X', 'Old', '[\"mini-en\"]', 'assessment', '2026-01-01T00:00:00')"
        )
    engine.dispose()
    with Store.open(db_url) as store:
        assert store.schema_version == sch.SCHEMA_VERSION
        ws = store.workshop("PREV4X")
        assert ws.rule_settings is None and ws.disabled_rules == [] and ws.rule_weights == {}
        new = store.create_workshop("New", ["mini-en"], rule_weights={"dismissal": 2})
        assert store.workshop(new.code).rule_settings == {
            "disable": [],
            "weights": {"dismissal": 2},
        }


def test_the_app_plays_a_workshop_with_its_settings(cli: Any) -> None:
    """The app (and so each browser that `serve` joins) starts its sessions with them."""
    from workshop_helpers import TEST_SCENARIOS

    from simulator.tui.context import AppConfig, Context

    code = _create(cli, "--disable", "favour-framing", "--weight", "dismissal=-5")
    cfg = AppConfig(
        extra_dirs=[TEST_SCENARIOS],
        user_scenarios=False,
        ui_lang="en",
        name="Ada",
        db=cli.url,
        workshop=code,
        save_profile=False,
        offer_resume=False,
    )
    ctx = Context(cfg)
    ctx.open_workshop()
    play = ctx.start("mini-en", "assessment", None)
    try:
        turn = play.reply(RUDE).turn
    finally:
        play.stop()
    hits = {h.rule: h.points for h in turn.verdict.hits}
    assert "favour-framing" not in hits and hits["dismissal"] == -5
    with Store.open(cli.url) as s:
        (attempt,) = s.attempts(workshop=code)
        stored = s.turns(attempt["id"])[0]
    assert stored["score"] == turn.verdict.score


def test_the_app_compiles_ahead_the_scorer_its_workshop_sessions_use(cli: Any) -> None:
    from workshop_helpers import TEST_SCENARIOS

    from simulator.scoring import scorer
    from simulator.tui.context import AppConfig, Context

    code = _create(cli, "--disable", "favour-framing")
    cfg = AppConfig(
        extra_dirs=[TEST_SCENARIOS],
        user_scenarios=False,
        ui_lang="en",
        name="Ada",
        db=cli.url,
        workshop=code,
        save_profile=False,
        offer_resume=False,
    )
    ctx = Context(cfg)
    ctx.open_workshop()
    ctx.warm_up("mini-en")
    warmed = set(scorer._CACHE)
    play = ctx.start("mini-en", "assessment", None)
    play.stop()
    assert any(v is play.session.scorer for v in scorer._CACHE.values())
    assert set(scorer._CACHE) == warmed  # nothing compiled at the start
