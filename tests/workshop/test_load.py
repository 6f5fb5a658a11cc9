"""Reliability under load: 30 trainee processes writing to one database at once, and
trainee processes killed with SIGKILL mid-turn.

Each test runs against a SQLite file, and against PostgreSQL when
SIMULATOR_TEST_DATABASE_URL is set (a fresh schema per test).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from workshop_helpers import (
    HERE,
    WORKSHOP_SCENARIOS,
    scenario_args,
    simulator_cmd,
    subprocess_env,
    warm_home,
)

from simulator.store import Store
from simulator.store import schema as sch

pytestmark = pytest.mark.xdist_group("heavy")  # 30 processes at once: one such test at a time

PROCESSES = 30
TURNS = 20  # long-en ends after exactly 20 replies

GOOD = [
    "I'm so sorry for the wait, I'll serve you myself right now, within two minutes.",
    "I understand, let me check your file and I'll call you back by 5 pm today.",
    "I'm sorry. I'll get you a voucher for the trouble, right now.",
    "I hear you: you have waited two hours. I'll fix it now.",
    "What is your order number? I'll look it up right away.",
    "OK.",
]
BAD = [  # last-word phrasing: costs patience (the customer has 10), so at most 4 a script
    "You're lucky we are still open.",
    "Calm down, please.",
    "Normally I should charge you for this.",
]


def script_for(i: int) -> list[str]:
    rng = random.Random(i)
    replies = [rng.choice(GOOD) + f" (ref {i}-{n})" for n in range(TURNS)]
    for n in rng.sample(range(TURNS), rng.randint(0, 4)):
        replies[n] = rng.choice(BAD) + f" (ref {i}-{n})"
    return replies


def transcript_replies(path: Path) -> tuple[list[tuple[int, str, int]], dict[str, Any]]:
    """(turn, reply, score) of each reply in a transcript file, and its end event."""
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    out: list[tuple[int, str, int]] = []
    pending: dict[str, Any] | None = None
    for e in events:
        if e["type"] == "reply":
            pending = e
        elif e["type"] == "verdict" and pending is not None:
            out.append((pending["turn"], pending["text"], e["verdict"]["score"]))
            pending = None
    end = next((e for e in events if e["type"] == "end"), {})
    return out, end


def _count_turns(store: Store, code: str) -> int:
    ws = store.workshop(code)
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(sch.turns.join(sch.attempts))
                .where(sch.attempts.c.workshop_id == ws.id)
            ).scalar_one()
        )


@pytest.mark.slow
def test_thirty_trainees_at_once(db_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    with Store.open(db_url) as store:
        ws = store.create_workshop("Load", ["long-en"])
    env = subprocess_env(db=db_url, home=str(tmp_path / "home"))
    warm_home(env)
    procs = []
    for i in range(PROCESSES):
        script = tmp_path / f"script-{i}.txt"
        script.write_text("\n\n".join(script_for(i)) + "\n", encoding="utf-8")
        argv = [*scenario_args(), "play", "--workshop", ws.code, "--name", f"trainee {i:02d}",
                "--script", str(script), "--format", "json"]
        procs.append(
            subprocess.Popen(simulator_cmd(*argv), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        )
    results = []
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, f"trainee {i} failed:\n{err}"
        results.append(json.loads(out))
    elapsed = time.monotonic() - started

    with Store.open(db_url) as store:
        expected_totals: dict[str, int] = {}
        for i, res in enumerate(results):
            name = f"trainee {i:02d}"
            assert res["trainee"] == name and len(res["attempts"]) == 1
            att = res["attempts"][0]
            path = Path(att["transcript"])
            replies, end = transcript_replies(path)
            # the process's own transcript: 20 replies, the script's, in order
            assert [r for _, r, _ in replies] == script_for(i)
            rows = store.turns(att["attempt_id"], include_retracted=True)
            # stored turns: 1..20 contiguous, the same replies and scores, nobody else's
            assert [r["seq"] for r in rows] == list(range(1, TURNS + 1))
            assert [(r["turn"], r["reply"], r["score"]) for r in rows] == replies
            a = store.attempt(att["attempt_id"])
            assert a["trainee"] == name and a["turn_count"] == TURNS
            assert (a["outcome"], a["score"]) == (end["outcome"], end["score"])
            assert a["transcript"] == path.read_text(encoding="utf-8")
            expected_totals[name] = end["score"]
        assert _count_turns(store, ws.code) == PROCESSES * TURNS
        board = store.leaderboard(ws.code)
        assert {r["name"]: r["total"] for r in board} == expected_totals
        assert all(r["attempts"] == 1 and r["finished"] == 1 for r in board)
        totals = [r["total"] for r in board]
        assert totals == sorted(totals, reverse=True)
    print(f"\n{PROCESSES} processes x {TURNS} turns in {elapsed:.1f} s ({db_url.split(':')[0]})")


def _driver(db_url: str, code: str, name: str, replies: list[str], tmp_path: Path,
            hold_at: int = 0) -> subprocess.Popen[str]:
    rfile = tmp_path / f"{name}.json"
    rfile.write_text(json.dumps(replies), encoding="utf-8")
    argv = [sys.executable, str(HERE / "load_driver.py"), "--db", db_url, "--workshop", code,
            "--name", name, "--replies", str(rfile), "--scenarios", str(WORKSHOP_SCENARIOS)]
    if hold_at:
        argv += ["--hold-at", str(hold_at)]
    return subprocess.Popen(argv, env=subprocess_env(home=str(tmp_path)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _read_until(proc: subprocess.Popen[str], prefix: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            _, err = proc.communicate(timeout=5)
            pytest.fail(f"the driver stopped before '{prefix}':\n{err}")
        lines.append(line.strip())
        if line.startswith(prefix):
            return lines
    pytest.fail(f"no '{prefix}' within {timeout} s")


def _kill(proc: subprocess.Popen[str], *, must_be_running: bool = True) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    if must_be_running:
        assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_sigkill_while_a_turn_is_being_written(db_url: str, tmp_path: Path) -> None:
    """Killed inside the transaction of reply 6: replies 1-5 are all there, reply 6 is
    not half-there, the lock is released, and others go on writing."""
    with Store.open(db_url) as store:
        ws = store.create_workshop("Crash", ["long-en"])
    replies = script_for(7)
    proc = _driver(db_url, ws.code, "victim", replies, tmp_path, hold_at=6)
    lines = _read_until(proc, "holding 6")
    attempt_id, path = int(lines[0].split()[1]), Path(lines[0].split()[2])
    assert lines[1:-1] == [f"sent {n}" for n in range(1, 6)]
    _kill(proc)

    with Store.open(db_url) as store:
        rows = store.turns(attempt_id, include_retracted=True)
        assert [(r["seq"], r["reply"]) for r in rows] == list(enumerate(replies[:5], start=1))
        a = store.attempt(attempt_id)
        assert a["turn_count"] == 5 and a["outcome"] is None
        file_replies, _ = transcript_replies(path)
        assert [(t, r, s) for t, r, s in file_replies[:5]] == [
            (x["turn"], x["reply"], x["score"]) for x in rows
        ]
        # the write lock died with the process: another trainee writes at once
        t0 = time.monotonic()
        other = _driver(db_url, ws.code, "survivor", replies[:20], tmp_path)
        out, err = other.communicate(timeout=60)
        assert other.returncode == 0, err
        assert "done kept" in out
        assert time.monotonic() - t0 < 30
        assert len(store.turns(int(out.split()[1]))) == TURNS
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


@pytest.mark.slow
def test_sigkill_at_full_speed_keeps_a_clean_prefix(db_url: str, tmp_path: Path) -> None:
    """Killed at an arbitrary point while replying as fast as it can: what is stored is
    exactly the first n replies it sent, n at least what it reported as sent."""
    with Store.open(db_url) as store:
        ws = store.create_workshop("Crash", ["long-en"])
        for k in range(3):
            replies = script_for(100 + k)
            proc = _driver(db_url, ws.code, f"runner {k}", replies, tmp_path)
            lines = _read_until(proc, f"sent {3 + 4 * k}")
            _kill(proc, must_be_running=False)  # it may have raced to the end: fine too
            attempt_id = int(lines[0].split()[1])
            reported = sum(1 for x in lines if x.startswith("sent "))
            rows = store.turns(attempt_id, include_retracted=True)
            assert len(rows) >= reported
            assert [(r["seq"], r["turn"], r["reply"]) for r in rows] == [
                (n, n, replies[n - 1]) for n in range(1, len(rows) + 1)
            ]
            assert store.attempt(attempt_id)["turn_count"] == len(rows)
