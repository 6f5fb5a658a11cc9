"""Versioned schema: a database at an older version is upgraded with its rows kept."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, select

from simulator.engine import Session
from simulator.store import Store, StoreError, normalise_url
from simulator.store import migrations as mig
from simulator.store import schema as sch

LUCKY = "You're lucky we serve soup at this hour."
FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."


def _v1_database(url: str, wlib: Any) -> dict[str, Any]:
    """A database created by version 1, with a workshop, two attempts and their turns."""
    engine = create_engine(normalise_url(url))
    tables = {t.name: t for t in mig.v1_tables()}
    sc = wlib.scenario("mini-en")
    expected: dict[str, Any] = {"turns": {}}
    with engine.begin() as conn:
        assert sch.migrate(conn, target=1) == 0
        assert sch.current_version(conn) == 1
        tids = [
            conn.execute(tables["trainees"].insert().values(
                name=n, name_key=n.lower(), created_at="2026-01-01T00:00:00"
            )).inserted_primary_key[0]
            for n in ("Ann", "Bob")
        ]
        wid = conn.execute(tables["workshops"].insert().values(
            code="PREV2X", name="Old", scenarios=json.dumps(["mini-en"]),
            mode="assessment", time_limit=None, created_at="2026-01-01T00:00:00"
        )).inserted_primary_key[0]
        for n, (tid, replies) in enumerate([(tids[0], [LUCKY, FIX, DONE]), (tids[1], [LUCKY])], 1):
            s = Session(sc, wlib.packs_for(sc), mode="assessment")
            for r in replies:
                s.reply(r)
            d = s.debrief()
            aid = conn.execute(tables["attempts"].insert().values(
                trainee_id=tid, workshop_id=wid, scenario_id="mini-en",
                scenario_version=sc.version, language="en", mode="assessment", seed="0",
                started_at=f"2026-01-0{n}T10:00:00",
                finished_at=f"2026-01-0{n}T10:05:00" if s.ended else None,
                outcome=s.outcome if s.ended else None, score=d.score if s.ended else None,
                turn_count=len(s.turns), transcript="{}\n",
            )).inserted_primary_key[0]
            for i, turn in enumerate(s.turns, start=1):
                td = turn.to_dict()
                conn.execute(tables["turns"].insert().values(
                    attempt_id=aid, seq=i, turn=td["index"], node=td["node"],
                    customer=td["customer"], reply=td["reply"], score=td["verdict"]["score"],
                    verdict=json.dumps(td["verdict"]), mood_after=td["mood_after"],
                    elapsed=None, created_at="2026-01-01T10:00:00"))
                expected["turns"][(aid, i)] = td["reply"]
            expected[n] = aid
            expected[aid, "result"] = (s.outcome if s.ended else None, d.score if s.ended else None)
    engine.dispose()
    return expected


def test_upgrade_from_v1_keeps_rows_and_backfills(db_url: str, wlib: Any) -> None:
    expected = _v1_database(db_url, wlib)
    store = Store.open(db_url)  # upgrades
    try:
        assert store.schema_version == sch.SCHEMA_VERSION
        with store.engine.connect() as conn:
            rows = conn.execute(
                select(sch.turns.c.attempt_id, sch.turns.c.seq, sch.turns.c.reply)
            ).all()
            assert {(a, s): r for a, s, r in rows} == expected["turns"]
            updated = dict(conn.execute(select(sch.attempts.c.id, sch.attempts.c.updated_at)).all())
        # v2 column backfilled from the old timestamps
        assert updated == {expected[1]: "2026-01-01T10:05:00", expected[2]: "2026-01-02T10:00:00"}
        a1 = store.attempt(expected[1])
        assert (a1["outcome"], a1["score"]) == expected[expected[1], "result"]
        assert a1["trainee"] == "Ann"
        # v2 table backfilled from the old verdicts: both trainees said "you're lucky"
        assert store.phrase_counts("PREV2X") == [
            {"phrase": "you're lucky", "count": 2, "trainees": 2}
        ]
        board = store.leaderboard("PREV2X")
        assert [r["name"] for r in board] == ["Ann", "Bob"]
        assert board[0]["total"] == expected[expected[1], "result"][1]
        # and the upgraded database takes new results
        ws = store.create_workshop("New", ["mini-en"])
        aid = store.start_attempt("Ann", "mini-en", "2", "en", "assessment", workshop=ws.code)
        assert store.attempt(aid)["trainee"] == "Ann"
        assert store.migrate() == sch.SCHEMA_VERSION  # a second open is a no-op
    finally:
        store.close()


def _shape(url: str) -> dict[str, Any]:
    engine = create_engine(normalise_url(url))
    try:
        insp = inspect(engine)
        shape: dict[str, Any] = {}
        for table in sorted(insp.get_table_names()):
            shape[table] = {
                "columns": sorted(
                    (c["name"], type(c["type"]).__name__, bool(c["nullable"]))
                    for c in insp.get_columns(table)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                ),
                "pk": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
            }
        return shape
    finally:
        engine.dispose()


def test_migrated_schema_matches_a_fresh_one(tmp_path: Any, wlib: Any) -> None:
    old = f"sqlite:///{tmp_path / 'old.sqlite'}"
    new = f"sqlite:///{tmp_path / 'new.sqlite'}"
    _v1_database(old, wlib)
    Store.open(old).close()
    Store.open(new).close()
    assert _shape(old) == _shape(new)
    assert set(_shape(new)) >= {
        "meta", "trainees", "workshops", "attempts", "turns", "turn_phrases", "overrides",
        "certificates",
    }


def test_a_newer_database_is_refused(db_url: str) -> None:
    Store.open(db_url).close()
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        conn.execute(sch.meta.update().values(value="99"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this simulator"):
        Store.open(db_url)


def test_a_failed_upgrade_changes_nothing(
    db_url: str, wlib: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _v1_database(db_url, wlib)

    def broken_v2(conn: Any) -> None:
        conn.exec_driver_sql("ALTER TABLE attempts ADD COLUMN updated_at VARCHAR(40)")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sch, "MIGRATIONS", [sch.MIGRATIONS[0], broken_v2])
    with pytest.raises(StoreError, match="disk on fire"):
        Store.open(db_url)
    monkeypatch.undo()
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        assert sch.current_version(conn) == 1
        cols = {c["name"] for c in inspect(conn).get_columns("attempts")}
    engine.dispose()
    assert "updated_at" not in cols
    with Store.open(db_url) as store:  # the real upgrade still works afterwards
        assert store.schema_version == sch.SCHEMA_VERSION and store.attempt(expected[1])["trainee"] == "Ann"


def test_concurrent_first_opens_migrate_once(db_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def opener() -> None:
        try:
            barrier.wait()
            Store.open(db_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Store.open(db_url) as store:
        assert store.schema_version == sch.SCHEMA_VERSION
        with store.engine.connect() as conn:
            assert conn.execute(select(sch.meta)).all() == [("schema_version", str(sch.SCHEMA_VERSION))]


def test_the_v2_backfill_runs_its_own_frozen_phrase_code(
    db_url: str, wlib: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A released step never calls live code: changing today's phrase keys (or the
    scorer's folding) must not change what upgrading an old database writes."""
    import simulator.report.exports as exports
    import simulator.scoring.normalize as normalize
    import simulator.scoring.verdict as verdict

    _v1_database(db_url, wlib)

    def changed(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the frozen migration called live code")

    for module, name in [(exports, "last_word_phrases"), (exports, "phrase_key"),
                         (verdict, "last_word_phrases"), (verdict, "phrase_key"),
                         (normalize, "fold")]:
        monkeypatch.setattr(module, name, changed, raising=False)
    with Store.open(db_url) as store:
        assert store.phrase_counts("PREV2X") == [
            {"phrase": "you're lucky", "count": 2, "trainees": 2}
        ]


@pytest.mark.parametrize(
    ("span", "key"),
    [
        ("You’re LUCKY!", "you're lucky"),
        ("  Calm   down, ", "calm down"),
        ("«\u00a0Vous avez de la chance\u00a0»", "vous avez de la chance"),
        ("Normalement,\u200b je devrais", "normalement, je devrais"),
        ("ﬁne´", "fine \u0301"),  # NFKC first: the acute accent stays a combining mark
        ("STRASSE ß", "strasse ss"),
    ],
)
def test_the_frozen_v2_phrase_keys(span: str, key: str) -> None:
    verdict = {"hits": [{"category": "last_word", "spans": [{"text": span}]}]}
    assert mig._v2_last_word_phrases(verdict) == [key]


@given(st.lists(st.text(max_size=40), max_size=4))
def test_the_frozen_v2_phrase_keys_are_those_of_its_release(spans: list[str]) -> None:
    """At the release of version 2 the frozen copy and the live code agreed on every text.
    If the live phrase key changes on purpose, this test goes, the frozen copy stays."""
    from simulator.scoring.verdict import last_word_phrases

    verdict = {"hits": [{"category": "last_word", "spans": [{"text": s} for s in spans]}]}
    assert mig._v2_last_word_phrases(verdict) == last_word_phrases(verdict)


def test_upgrade_from_v2_adds_reviews_and_keeps_every_verdict(db_url: str, wlib: Any) -> None:
    """Version 3 adds the trainer's reviews beside the turns; an upgraded database takes
    a review, and the recorded verdicts and scores stay as they were."""
    expected = _v1_database(db_url, wlib)
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        sch.migrate(conn, target=2)
        assert sch.current_version(conn) == 2 and not inspect(conn).has_table("overrides")
        before = conn.execute(select(sch.turns.c.id, sch.turns.c.verdict, sch.turns.c.score)).all()
    engine.dispose()
    with Store.open(db_url) as store:
        assert store.schema_version == sch.SCHEMA_VERSION >= 3
        first = store.turns(expected[1])[0]
        store.add_override(first["id"], {"last_word": False}, [], "fine here", "Kim")
        assert store.overrides(workshop="PREV2X")[first["id"]]["note"] == "fine here"
        with store.engine.connect() as conn:
            after = conn.execute(select(sch.turns.c.id, sch.turns.c.verdict, sch.turns.c.score)).all()
    assert sorted(after) == sorted(before)


def test_the_v4_upgrade_judges_old_attempts_by_the_default_pass_mark(
    db_url: str, wlib: Any
) -> None:
    expected = _v1_database(db_url, wlib)
    with Store.open(db_url) as store:
        ann, bob = store.attempt(expected[1]), store.attempt(expected[2])
        outcome, score = expected[expected[1], "result"]
        assert outcome == "kept" and ann["pass_mark"] == 70
        assert ann["passed"] is (score >= 70) and ann["level"] is None
        assert bob["outcome"] is None and bob["passed"] is None  # not finished: not judged
        assert store.workshop("PREV2X").pass_mark is None  # each scenario's own mark
        board = {r["name"]: r for r in store.leaderboard("PREV2X")}
        assert board["Ann"]["passed"] is (score >= 70) and board["Bob"]["passed"] is False
