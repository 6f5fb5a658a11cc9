#!/usr/bin/env python3
"""Speed of the results store: leaderboard and export with 100,000 stored turns, and the
write latency of each turn while 30 trainee processes play at once.

    .venv/bin/python bench/bench_store.py [--turns 100000] [--processes 30]
        [--pg URL] [--no-load] [--repeat 20]

Runs on SQLite (a temporary file) and, when --pg is given or SIMULATOR_TEST_DATABASE_URL
is set, on PostgreSQL too (in a temporary schema, dropped afterwards). Prints the figures,
then one line of JSON with all of them (the last line).

- leaderboard: ``Store.leaderboard(code)`` on one workshop holding --turns turns (20 per
  attempt, 4 scenarios, 5 attempts per trainee and scenario): median and p95 of --repeat
  runs. Also the live leaderboard's whole poll (workshop + leaderboard), the most common
  last-word phrases, an HTML export (read + render, as `simulator export` does it) and
  a CSV export of every reply.
- write latency: --processes processes (tests/workshop/load_driver.py) each play the
  20-turn test scenario through Session + Recorder against one database, all starting
  their replies at the same moment (after each has loaded the library); the time of
  each ``add_turn`` (its own committed transaction) is collected: p50, p99, max.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DRIVER = ROOT / "tests" / "workshop" / "load_driver.py"
LONG = ROOT / "tests" / "workshop" / "data" / "scenarios"
MINI = ROOT / "tests" / "data" / "scenarios"

TURNS_PER_ATTEMPT = 20
SCENARIOS = 4
ATTEMPTS_PER_PAIR = 5

REPLIES = [
    "I'm so sorry for the wait, I'll serve you myself right now, within two minutes.",
    "I understand, let me check your file and I'll call you back by 5 pm today.",
    "You're lucky we are still open.",
    "Calm down, please.",
    "I'm sorry. I'll get you a voucher for the trouble, right now.",
    "Normally I should charge you for this.",
    "What is your order number? I'll look it up right away.",
    "OK.",
]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def ms(x: float) -> float:
    return round(x * 1000, 3)


# ---------------------------------------------------------------------------- databases


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}"


class PgSchema:
    """A temporary schema on a PostgreSQL server (URL with its search_path)."""

    def __init__(self, base: str) -> None:
        import psycopg

        self.base = base
        self.plain = base.replace("postgresql+psycopg://", "postgresql://", 1)
        self.schema = f"simbench_{secrets.token_hex(5)}"
        with psycopg.connect(self.plain, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.schema}"')
        sep = "&" if "?" in base else "?"
        self.url = f"{base}{sep}options={quote(f'-csearch_path={self.schema}')}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


# ---------------------------------------------------------------------------- fill


def sample_verdicts() -> list[dict[str, Any]]:
    from simulator.engine import Session
    from simulator.model.library import load_library

    lib = load_library([LONG], user=False)
    sc = lib.scenario("long-en")
    s = Session(sc, lib.packs_for(sc), mode="assessment")
    out = []
    for r in REPLIES:
        out.append(s.scorer.score(r).to_dict())
    return out


def fill(url: str, total_turns: int) -> tuple[str, float]:
    """One workshop with ``total_turns`` turns; returns (code, seconds to fill)."""
    from simulator.report.exports import last_word_phrases
    from simulator.store import Store
    from simulator.store import schema as t

    verdicts = sample_verdicts()
    encoded = [json.dumps(v, ensure_ascii=False) for v in verdicts]
    phrases = [last_word_phrases(v) for v in verdicts]
    attempts = max(1, total_turns // TURNS_PER_ATTEMPT)
    trainees = max(1, attempts // (SCENARIOS * ATTEMPTS_PER_PAIR))
    rng = random.Random(7)
    started = time.perf_counter()
    with Store.open(url) as store:
        ws = store.create_workshop("Bench", [f"scenario-{i}" for i in range(SCENARIOS)])
        with store.tx() as conn:
            ids = [store.trainee(f"Trainee {i:04d}", conn) for i in range(trainees)]
        made = 0
        batch_attempts = 500
        while made < attempts:
            n = min(batch_attempts, attempts - made)
            with store.tx() as conn:
                rows = []
                for k in range(made, made + n):
                    score = rng.randint(0, 100)
                    rows.append({
                        "trainee_id": ids[k % trainees], "workshop_id": ws.id,
                        "scenario_id": f"scenario-{(k // trainees) % SCENARIOS}",
                        "scenario_version": "1", "language": "en", "mode": "assessment",
                        "seed": "0", "started_at": "2026-11-23T10:00:00.000+00:00",
                        "finished_at": "2026-11-23T10:10:00.000+00:00",
                        "updated_at": "2026-11-23T10:10:00.000+00:00",
                        "outcome": rng.choice(["kept", "kept", "escalated", "lost"]),
                        "score": score, "turn_count": TURNS_PER_ATTEMPT, "transcript": "",
                    })
                result = conn.execute(t.attempts.insert().returning(t.attempts.c.id), rows)
                aids = [r[0] for r in result]
                turn_rows = []
                for aid in aids:
                    for seq in range(1, TURNS_PER_ATTEMPT + 1):
                        v = rng.randrange(len(verdicts))
                        turn_rows.append({
                            "attempt_id": aid, "seq": seq, "turn": seq, "node": "desk",
                            "customer": "And? Anything else?", "reply": REPLIES[v],
                            "score": verdicts[v]["score"], "verdict": encoded[v],
                            "mood_after": 50, "elapsed": None, "over_time": False,
                            "retracted": False, "created_at": "2026-11-23T10:00:00.000+00:00",
                        })
                res = conn.execute(t.turns.insert().returning(t.turns.c.id, t.turns.c.reply),
                                   turn_rows)
                prow = []
                for (tid, reply), tr in zip(res, turn_rows, strict=True):
                    for ph in phrases[REPLIES.index(reply)]:
                        prow.append({"turn_id": tid, "attempt_id": tr["attempt_id"], "phrase": ph})
                if prow:
                    conn.execute(t.turn_phrases.insert(), prow)
            made += n
        return ws.code, time.perf_counter() - started


def time_reads(url: str, code: str, repeat: int) -> dict[str, Any]:
    from simulator.report.exports import render_workshop
    from simulator.store import Store

    out: dict[str, Any] = {}
    with Store.open(url) as store:
        store.leaderboard(code)  # warm the connection and caches
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = store.leaderboard(code)
            runs.append(time.perf_counter() - t0)
        out["leaderboard_ms"] = {"median": ms(statistics.median(runs)), "p95": ms(pct(runs, 95))}
        out["trainees"] = len(rows)
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            store.workshop(code)
            store.leaderboard(code)
            runs.append(time.perf_counter() - t0)
        out["live_poll_ms"] = {"median": ms(statistics.median(runs)), "p95": ms(pct(runs, 95))}
        runs = []
        for _ in range(max(3, repeat // 4)):
            t0 = time.perf_counter()
            store.phrase_counts(code)
            runs.append(time.perf_counter() - t0)
        out["phrases_ms"] = {"median": ms(statistics.median(runs))}
        # HTML as `simulator export --format html` does it: figures and quotes by SQL.
        t0 = time.perf_counter()
        data = store.workshop_data(code, turns=False)
        t1 = time.perf_counter()
        html = render_workshop(data, "html")
        t2 = time.perf_counter()
        out["export_html_s"] = {"read": round(t1 - t0, 3), "render": round(t2 - t1, 3),
                                "bytes": len(html.encode())}
        # JSON/CSV carry every reply and its verdict.
        t0 = time.perf_counter()
        data = store.workshop_data(code)
        t1 = time.perf_counter()
        text = render_workshop(data, "csv")
        t2 = time.perf_counter()
        out["export_csv_s"] = {"read": round(t1 - t0, 3), "render": round(t2 - t1, 3),
                               "bytes": len(text.encode())}
    return out


# ---------------------------------------------------------------------------- load


def write_load(url: str, processes: int, folder: Path) -> dict[str, Any]:
    from simulator.store import Store

    with Store.open(url) as store:
        code = store.create_workshop("Load", ["long-en"]).code
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["SIMULATOR_HOME"] = str(folder / "home")
    procs = []
    go = folder / "go"
    for i in range(processes):
        rng = random.Random(i)
        replies = [rng.choice([REPLIES[0], REPLIES[1], REPLIES[4], REPLIES[6], REPLIES[7]])
                   + f" ({i}-{n})" for n in range(TURNS_PER_ATTEMPT)]
        rfile = folder / f"replies-{i}.json"
        rfile.write_text(json.dumps(replies), encoding="utf-8")
        lat = folder / f"latency-{i}.json"
        procs.append((lat, subprocess.Popen(
            [sys.executable, str(DRIVER), "--db", url, "--workshop", code, "--name",
             f"load {i:02d}", "--replies", str(rfile), "--scenarios", str(LONG),
             "--latency", str(lat), "--go", str(go)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    # Every process loads the library and opens the store first; then all reply at once,
    # so the figures are the store's under 30 writers, not Python's start-up.
    for _, p in procs:
        assert p.stdout is not None
        while True:
            line = p.stdout.readline()
            if not line:
                raise SystemExit(f"a load process failed to start:\n{p.stderr.read() if p.stderr else ''}")
            if line.startswith("ready"):
                break
    go.write_text("go")
    t0 = time.perf_counter()
    latencies: list[float] = []
    for lat, p in procs:
        _, err = p.communicate(timeout=300)
        if p.returncode != 0:
            raise SystemExit(f"a load process failed:\n{err}")
        latencies += json.loads(lat.read_text())
    wall = time.perf_counter() - t0
    return {
        "processes": processes,
        "turns": len(latencies),
        "write_ms": {"p50": ms(pct(latencies, 50)), "p99": ms(pct(latencies, 99)),
                     "max": ms(max(latencies))},
        "wall_s": round(wall, 2),
    }


# ---------------------------------------------------------------------------- main


def bench(label: str, url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    print(f"\n== {label}")
    code, fill_s = fill(url, args.turns)
    print(f"filled {args.turns:,} turns in {fill_s:.1f} s (workshop {code})")
    reads = time_reads(url, code, args.repeat)
    lb, poll = reads["leaderboard_ms"], reads["live_poll_ms"]
    print(f"leaderboard ({reads['trainees']} trainees, {args.turns:,} turns): "
          f"median {lb['median']:.2f} ms, p95 {lb['p95']:.2f} ms")
    print(f"live poll (workshop + leaderboard): median {poll['median']:.2f} ms")
    print(f"most common last-word phrases: median {reads['phrases_ms']['median']:.1f} ms")
    for key, label in (("export_html_s", "HTML"), ("export_csv_s", "CSV (every reply)")):
        ex = reads[key]
        print(f"{label} export: read {ex['read']:.2f} s + render {ex['render']:.2f} s "
              f"({ex['bytes'] / 1024:.0f} KiB)")
    result: dict[str, Any] = {"fill_s": round(fill_s, 2), **reads}
    if not args.no_load:
        load = write_load(url, args.processes, folder)
        w = load["write_ms"]
        print(f"write latency per turn, {load['processes']} processes x {TURNS_PER_ATTEMPT} "
              f"turns: p50 {w['p50']:.2f} ms, p99 {w['p99']:.2f} ms, max {w['max']:.2f} ms "
              f"(wall {load['wall_s']} s)")
        result["load"] = load
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--turns", type=int, default=100_000)
    p.add_argument("--processes", type=int, default=30)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--pg", default=os.environ.get("SIMULATOR_TEST_DATABASE_URL"),
                   help="PostgreSQL URL (default: $SIMULATOR_TEST_DATABASE_URL)")
    p.add_argument("--no-load", action="store_true", help="skip the 30-process write test")
    args = p.parse_args()
    report: dict[str, Any] = {"turns": args.turns}
    with tempfile.TemporaryDirectory(prefix="simbench-") as tmp:
        folder = Path(tmp)
        os.environ["SIMULATOR_HOME"] = str(folder / "home")
        (folder / "sqlite").mkdir()
        report["sqlite"] = bench("sqlite", sqlite_url(folder / "sqlite", "bench.sqlite"), args,
                                 folder / "sqlite")
        if args.pg:
            schema = PgSchema(args.pg)
            (folder / "pg").mkdir()
            try:
                res = bench("postgresql", schema.url, args, folder / "pg")
            finally:
                schema.drop()
            report["postgresql"] = res
        else:
            print("\n(no PostgreSQL: give --pg URL or set SIMULATOR_TEST_DATABASE_URL)")
    print(json.dumps(report, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
