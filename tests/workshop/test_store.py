"""The results store: workshops, attempts, turns, the recorder, leaderboards (SQLite and,
when SIMULATOR_TEST_DATABASE_URL is set, PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine import Session
from simulator.store import Store, StoreError
from simulator.store.recorder import Recorder
from simulator.store.store import CODE_ALPHABET, clean_text, valid_code

FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."
LUCKY = "You're lucky we serve soup at this hour."
CALM = "Calm down, it's only soup."


def play(store: Store, wlib: Any, name: str, replies: list[str], code: str | None = None,
         scenario: str = "mini-en", mode: str = "assessment", path: Path | None = None
         ) -> tuple[Session, Recorder]:
    sc = wlib.scenario(scenario)
    session = Session(sc, wlib.packs_for(sc), mode=mode, transcript=path)  # type: ignore[arg-type]
    rec = Recorder(session, store, name, workshop=code)
    for r in replies:
        if not session.ended:
            session.reply(r)
    return session, rec


def test_workshop_codes_and_lookup(store: Store) -> None:
    ws = store.create_workshop("  Team   A ", ["mini-en", "long-en", "mini-en"], mode="practice",
                               time_limit=90)
    assert len(ws.code) == 6 and set(ws.code) <= set(CODE_ALPHABET)
    assert ws.name == "Team A" and ws.scenarios == ["mini-en", "long-en"]
    assert ws.mode == "practice" and ws.time_limit == 90 and not ws.closed
    assert store.workshop(ws.code.lower()) == ws
    assert store.workshop(f" {ws.code} ") == ws
    assert [w.code for w in store.workshops()] == [ws.code]
    with pytest.raises(StoreError, match="not a workshop code"):
        store.workshop("x; rm -rf /")
    with pytest.raises(StoreError, match="no workshop"):
        store.workshop("AAAAAA" if ws.code != "AAAAAA" else "BBBBBB")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " ", "scenarios": ["mini-en"]}, "needs a name"),
        ({"name": "x", "scenarios": []}, "at least one scenario"),
        ({"name": "x", "scenarios": ["mini-en"], "mode": "exam"}, "unknown mode"),
        ({"name": "x", "scenarios": ["mini-en"], "time_limit": 0}, "positive"),
    ],
)
def test_create_workshop_refuses(store: Store, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.create_workshop(**kwargs)


def test_valid_code_and_clean_text() -> None:
    assert valid_code("k7qmpx") == "K7QMPX"
    assert valid_code("K7QMP") is None
    assert valid_code("K7QMP0") is None  # 0 is not in the alphabet
    assert valid_code("K7QM'X") is None
    assert clean_text(" Ann\x1b[31m\tLee\u202e\n ") == "Ann[31m Lee"


def test_closed_workshop_refuses_new_attempts(store: Store, wlib: Any) -> None:
    ws = store.create_workshop("T", ["mini-en"])
    session, rec = play(store, wlib, "Ann", [FIX], code=ws.code)
    closed = store.close_workshop(ws.code)
    assert closed.closed and store.close_workshop(ws.code).closed_at == closed.closed_at
    with pytest.raises(StoreError, match="is closed"):
        play(store, wlib, "Bob", [FIX], code=ws.code)
    # an attempt already under way may finish
    session.reply(DONE)
    assert session.ended
    assert store.attempt(rec.attempt_id)["outcome"] == "kept"


def test_attempt_refuses_a_scenario_outside_the_workshop(store: Store, wlib: Any) -> None:
    ws = store.create_workshop("T", ["mini-en"])
    with pytest.raises(StoreError, match="not part of workshop"):
        play(store, wlib, "Ann", [], code=ws.code, scenario="long-en")


def test_recorder_writes_each_turn_when_sent(store: Store, wlib: Any, tmp_path: Path) -> None:
    ws = store.create_workshop("T", ["mini-en"])
    path = tmp_path / "t.jsonl"
    session, rec = play(store, wlib, "Ann", [], code=ws.code, path=path)
    a = store.attempt(rec.attempt_id)
    assert a["trainee"] == "Ann" and a["finished_at"] is None and a["turn_count"] == 0
    session.reply(FIX)
    rows = store.turns(rec.attempt_id)
    assert [(r["seq"], r["turn"], r["reply"]) for r in rows] == [(1, 1, FIX)]
    assert rows[0]["score"] == session.turns[0].verdict.score
    assert json.loads(rows[0]["verdict"]) == session.turns[0].verdict.to_dict()
    assert store.attempt(rec.attempt_id)["turn_count"] == 1
    session.reply(DONE)
    session.close()
    a = store.attempt(rec.attempt_id)
    assert a["outcome"] == "kept" and a["score"] == session.debrief().score
    assert json.loads(a["debrief"]) == session.debrief().to_dict()
    # the stored transcript is the transcript file, line for line
    assert a["transcript"] == path.read_text(encoding="utf-8")
    assert a["transcript_path"] == str(path)


def test_transcript_without_a_file_starts_with_header_and_first_line(
    store: Store, wlib: Any
) -> None:
    _session, rec = play(store, wlib, "Ann", [FIX])
    lines = [json.loads(x) for x in store.attempt(rec.attempt_id)["transcript"].splitlines()]
    assert lines[0]["type"] == "session"
    assert lines[1] == {**lines[1], "type": "customer", "turn": 1}
    assert [e["type"] for e in lines[2:]] == ["reply", "verdict", "transition", "customer"]


def test_practice_retry_retracts_and_reopens(store: Store, wlib: Any) -> None:
    session, rec = play(store, wlib, "Ann", [FIX, DONE], mode="practice")
    assert store.attempt(rec.attempt_id)["outcome"] == "kept"
    session.retry()  # take back the reply that ended it
    a = store.attempt(rec.attempt_id)
    assert a["outcome"] is None and a["finished_at"] is None and a["turn_count"] == 1
    assert [r["seq"] for r in store.turns(rec.attempt_id)] == [1]
    assert [r["retracted"] for r in store.turns(rec.attempt_id, include_retracted=True)] == [
        False, True,
    ]
    session.reply(LUCKY)
    standing = store.turns(rec.attempt_id)
    assert [(r["seq"], r["turn"]) for r in standing] == [(1, 1), (3, 2)]
    assert store.attempt(rec.attempt_id)["turn_count"] == 2


def test_abandon_marks_unfinished_and_bests_ignore_it(store: Store, wlib: Any) -> None:
    ws = store.create_workshop("T", ["mini-en"])
    _, rec = play(store, wlib, "Ann", [FIX], code=ws.code)
    rec.abandon()
    a = store.attempt(rec.attempt_id)
    assert a["outcome"] == "unfinished" and a["finished_at"] is not None
    assert store.best_scores("ann") == {}
    assert store.attempts(trainee="ANN", finished=False)[0]["id"] == rec.attempt_id
    assert store.attempts(trainee="ANN", finished=True) == []
    row = store.leaderboard(ws.code)[0]
    assert row["total"] == 0 and row["outcomes"]["unfinished"] == 1 and row["finished"] == 0


def test_names_are_case_insensitive_and_cleaned(store: Store, wlib: Any) -> None:
    a = store.trainee("Ann  Lee")
    assert store.trainee(" ann lee ") == a
    assert store.trainee("ANN\tLEE") == a
    with pytest.raises(StoreError, match="needs a name"):
        store.trainee("\x1b\x07 ")
    with pytest.raises(StoreError, match="at most"):
        store.trainee("x" * 121)


def test_leaderboard_ranks_best_scores_per_scenario(store: Store, wlib: Any) -> None:
    ws = store.create_workshop("T", ["mini-en", "long-en"])
    s1, _ = play(store, wlib, "Ann", [FIX, DONE], code=ws.code)  # kept
    s2, _ = play(store, wlib, "Ann", [LUCKY, CALM], code=ws.code)  # lost, lower
    s3, _ = play(store, wlib, "Bob", [LUCKY, CALM], code=ws.code)
    _s4, r4 = play(store, wlib, "Cyd", [FIX], code=ws.code)  # still playing
    board = store.leaderboard(ws.code)
    assert [r["name"] for r in board] == ["Ann", "Bob", "Cyd"]
    ann, bob, cyd = board
    assert ann["per_scenario"] == {"mini-en": max(s1.debrief().score, s2.debrief().score)}
    assert ann["total"] == s1.debrief().score
    assert ann["attempts"] == 2 and ann["finished"] == 2
    assert ann["outcomes"] == {"kept": 1, "escalated": 0, "lost": 1, "unfinished": 0}
    assert bob["total"] == s3.debrief().score and bob["outcomes"]["lost"] == 1
    assert cyd["total"] == 0 and cyd["playing"] is True and cyd["per_scenario"] == {}
    assert [r["rank"] for r in board] == [1, 2, 3]
    assert store.best_scores("ann") == {"mini-en": s1.debrief().score}
    assert r4.attempt_id == store.attempts(workshop=ws.code)[-1]["id"]


def test_leaderboard_ties_rank_by_fewer_attempts_then_name(store: Store, wlib: Any) -> None:
    ws = store.create_workshop("T", ["mini-en"])
    play(store, wlib, "zed", [FIX, DONE], code=ws.code)
    play(store, wlib, "amy", [FIX, DONE], code=ws.code)
    play(store, wlib, "bea", [FIX, DONE], code=ws.code)
    play(store, wlib, "bea", [LUCKY, CALM], code=ws.code)
    assert [r["name"] for r in store.leaderboard(ws.code)] == ["amy", "zed", "bea"]


def test_phrase_counts_and_workshop_data(store: Store, wlib: Any) -> None:
    ws = store.create_workshop("T", ["mini-en"])
    play(store, wlib, "Ann", [LUCKY, CALM], code=ws.code)
    play(store, wlib, "Bob", ["YOU’RE LUCKY, really.", FIX, DONE], code=ws.code)
    counts = {p["phrase"]: (p["count"], p["trainees"]) for p in store.phrase_counts(ws.code)}
    assert counts["you're lucky"] == (2, 2)
    assert counts["calm down"] == (1, 1)
    data = store.workshop_data(ws.code, titles={"mini-en": "The cold soup"})
    assert data["workshop"]["code"] == ws.code and data["titles"] == {"mini-en": "The cold soup"}
    assert [a["trainee"] for a in data["attempts"]] == ["Ann", "Bob"]
    bob = data["attempts"][1]
    assert [t["turn"] for t in bob["turns"]] == [1, 2, 3]
    assert isinstance(bob["turns"][0]["verdict"], dict)
    assert data["leaderboard"] == store.leaderboard(ws.code)


def test_add_turn_to_a_missing_attempt_fails(store: Store, wlib: Any) -> None:
    session, _ = play(store, wlib, "Ann", [FIX])
    with pytest.raises(StoreError, match="no attempt"):
        store.add_turn(999_999, session.turns[0].to_dict())
    with pytest.raises(StoreError, match="unknown outcome"):
        store.finish_attempt(1, "won", 10)


def test_open_reports_unusable_urls(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("::nonsense::")
    with pytest.raises(StoreError, match="cannot open database"):
        Store.open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_default_database_is_sqlite_in_the_data_folder(_isolated_home: Path) -> None:
    with Store.open() as s:
        assert s.engine.dialect.name == "sqlite"
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (_isolated_home / "results.sqlite").is_file()


def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SIMULATOR_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    with Store.open() as s:
        s.create_workshop("T", ["mini-en"])
    assert (tmp_path / "env.sqlite").is_file()


def test_postgres_urls_use_psycopg3() -> None:
    from simulator.store import normalise_url

    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


# ------------------------------------------------------------------------------ resume
def _left(store: Store, wlib: Any, path: Path, replies: list[str]) -> tuple[Session, Recorder]:
    """A practice session on long-en, recorded, left after ``replies``."""
    session, rec = play(store, wlib, "Ann", replies, scenario="long-en", mode="practice",
                        path=path)
    assert not session.ended
    return session, rec


def _stored(store: Store, attempt_id: int) -> list[tuple[int, int, str, bool]]:
    return [(r["seq"], r["turn"], r["reply"], r["retracted"])
            for r in store.turns(attempt_id, include_retracted=True)]


def test_a_resumed_session_continues_its_attempt(store: Store, wlib: Any, tmp_path: Path) -> None:
    from simulator.engine.session import resume

    path = tmp_path / "t.jsonl"
    session, rec = _left(store, wlib, path, [LUCKY])
    rec.abandon()
    session.close()
    assert store.attempt(rec.attempt_id)["outcome"] == "unfinished"
    sc = wlib.scenario("long-en")
    again = resume(path, sc, wlib.packs_for(sc))
    rec2 = Recorder.resume(again, store, "ann")  # names are case-insensitive
    assert rec2.attempt_id == rec.attempt_id
    assert len(store.attempts(trainee="Ann")) == 1
    a = store.attempt(rec.attempt_id)
    assert a["outcome"] is None and a["finished_at"] is None and a["turn_count"] == 1
    again.reply(FIX)
    assert _stored(store, rec.attempt_id) == [(1, 1, LUCKY, False), (2, 2, FIX, False)]
    assert store.attempt(rec.attempt_id)["transcript"] == path.read_text(encoding="utf-8")


def test_resuming_adds_the_turns_a_crash_kept_from_the_store(
    store: Store, wlib: Any, tmp_path: Path
) -> None:
    from simulator.engine.session import resume

    path = tmp_path / "t.jsonl"
    session, rec = _left(store, wlib, path, [LUCKY])
    rec.detach()  # the process dies after the transcript got the reply, before the store
    session.reply(CALM)
    session.close()
    sc = wlib.scenario("long-en")
    rec2 = Recorder.resume(resume(path, sc, wlib.packs_for(sc)), store, "Ann")
    assert rec2.attempt_id == rec.attempt_id
    assert _stored(store, rec.attempt_id) == [(1, 1, LUCKY, False), (2, 2, CALM, False)]
    assert store.attempt(rec.attempt_id)["turn_count"] == 2


def test_resuming_retracts_a_stored_turn_the_transcript_took_back(
    store: Store, wlib: Any, tmp_path: Path
) -> None:
    from simulator.engine.session import resume

    path = tmp_path / "t.jsonl"
    session, rec = _left(store, wlib, path, [LUCKY, CALM])
    rec.detach()
    session.retry()  # in the transcript only
    session.close()
    sc = wlib.scenario("long-en")
    again = resume(path, sc, wlib.packs_for(sc))
    Recorder.resume(again, store, "Ann")
    assert _stored(store, rec.attempt_id) == [(1, 1, LUCKY, False), (2, 2, CALM, True)]
    assert store.attempt(rec.attempt_id)["turn_count"] == 1
    again.reply(FIX)
    assert [r["reply"] for r in store.turns(rec.attempt_id)] == [LUCKY, FIX]


def test_a_session_resumed_under_another_name_is_a_new_attempt(
    store: Store, wlib: Any, tmp_path: Path
) -> None:
    from simulator.engine.session import resume

    path = tmp_path / "t.jsonl"
    session, rec = _left(store, wlib, path, [LUCKY])
    rec.abandon()
    session.close()
    sc = wlib.scenario("long-en")
    rec2 = Recorder.resume(resume(path, sc, wlib.packs_for(sc)), store, "Bob")
    assert rec2.attempt_id != rec.attempt_id
    assert [r["reply"] for r in store.turns(rec2.attempt_id)] == [LUCKY]
    assert store.attempt(rec.attempt_id)["outcome"] == "unfinished"  # Ann's is untouched


NAMES = ["Ann", "ann", "Émile", "émile", "Zoë", "zoe", "Ångström", "bob", "Bob", "ß", "SS", "李"]
SCENARIOS = ["c-en", "a-en", "b-en"]  # not in alphabetical order: the board keeps this one


def _reference_board(store: Store, code: str) -> list[dict[str, Any]]:
    """The leaderboard computed in Python from the attempts (the rules, written plainly)."""
    rows: dict[str, dict[str, Any]] = {}
    for a in store.attempts(workshop=code):
        r = rows.setdefault(a["trainee"], {
            "name": a["trainee"], "attempts": 0, "per_scenario": {}, "last_active": None,
            "outcomes": {"kept": 0, "escalated": 0, "lost": 0, "unfinished": 0}})
        r["attempts"] += 1
        outcome = a["outcome"] if a["outcome"] in ("kept", "escalated", "lost") else "unfinished"
        r["outcomes"][outcome] += 1
        if outcome != "unfinished" and a["score"] is not None:
            best = r["per_scenario"].get(a["scenario_id"])
            r["per_scenario"][a["scenario_id"]] = max(a["score"], best or 0)
            if a["passed"]:
                r.setdefault("passes", set()).add(a["scenario_id"])
        r["last_active"] = max(filter(None, [r["last_active"], a["updated_at"]]), default=None)
    for r in rows.values():
        r["per_scenario"] = {s: r["per_scenario"][s] for s in SCENARIOS if s in r["per_scenario"]}
        r["total"] = sum(r["per_scenario"].values())
        r["finished"] = r["attempts"] - r["outcomes"]["unfinished"]
        passes = r.pop("passes", set())
        r["passed_scenarios"] = [s for s in SCENARIOS if s in passes]
        r["passed"] = r["passed_scenarios"] == SCENARIOS
    ranked = sorted(rows.values(), key=lambda r: (-r["total"], r["attempts"], r["name"].casefold()))
    return [{**r, "rank": i} for i, r in enumerate(ranked, start=1)]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(SCENARIOS),
              st.sampled_from([None, "kept", "escalated", "lost", "unfinished"]),
              st.sampled_from([0, 40, 95, 100])),
    max_size=14,
))
def test_the_leaderboard_is_its_rules(store: Store, plays: list[tuple[str, str, Any, int]]) -> None:
    """Best finished score per scenario, summed; ties to fewer attempts, then the name
    (case-insensitive, as Python orders it): the same on SQLite and PostgreSQL."""
    ws = store.create_workshop("Board", SCENARIOS)
    for name, scenario, outcome, score in plays:
        aid = store.start_attempt(name, scenario, "1", "en", "assessment", workshop=ws.code)
        if outcome is not None:
            store.finish_attempt(aid, outcome, score, passed=score >= 70)
    board = [{k: v for k, v in r.items() if k != "playing"} for r in store.leaderboard(ws.code)]
    assert board == _reference_board(store, ws.code)
    for row in board:  # the order of the keys too (the JSON export shows it)
        assert list(row["per_scenario"]) == [s for s in SCENARIOS if s in row["per_scenario"]]
