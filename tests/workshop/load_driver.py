"""A trainee process for the load and crash tests (also used by bench/bench_store.py).

    python load_driver.py --db URL --workshop CODE --name NAME --replies FILE
        [--scenarios DIR] [--hold-at N] [--latency FILE]

Plays the workshop's first scenario with the replies of FILE (one JSON list of strings)
through Session + Recorder, exactly as the app does, and prints one line per event on
standard output, flushed at once:

    attempt ID PATH        the attempt and its transcript file
    sent N                 reply N is stored (its transaction committed)
    holding N              reply N's transaction is open and will stay open (--hold-at)
    ready                  set up, waiting for the --go file before the first reply
    done OUTCOME SCORE

With --hold-at N the transaction that writes reply N sleeps before its commit, so a test
can kill the process while it holds the database's write lock (SQLite) or an open
transaction with a row lock (PostgreSQL). With --latency FILE the seconds each turn's
write took are written there as JSON at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--workshop", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--replies", required=True)
    p.add_argument("--scenarios", action="append", default=[])
    p.add_argument("--hold-at", type=int, default=0)
    p.add_argument("--latency")
    p.add_argument("--transcripts", default=None)
    p.add_argument("--go", help="after setting up, print 'ready' and wait for this file")
    args = p.parse_args(argv)

    from simulator.engine import Session
    from simulator.service.library import open_library
    from simulator.store import Store
    from simulator.store.recorder import Recorder

    replies: list[str] = json.loads(Path(args.replies).read_text(encoding="utf-8"))
    lib = open_library(args.scenarios, user=False)
    store = Store.open(args.db)
    ws = store.workshop(args.workshop)
    scenario = lib.scenario(ws.scenarios[0])
    folder = Path(args.transcripts or os.environ.get("SIMULATOR_HOME", ".")) / "transcripts"
    path = folder / f"{args.name}-{os.getpid()}.jsonl"
    session = Session(
        scenario, lib.packs_for(scenario), mode="assessment", transcript=path, trainee=args.name
    )
    rec = Recorder(session, store, args.name, workshop=ws.code)
    say(f"attempt {rec.attempt_id} {path}")

    latencies: list[float] = []
    original_add_turn = store.add_turn
    original_tx = store.tx
    state: dict[str, Any] = {"n": 0}

    def timed_add_turn(*a: Any, **k: Any) -> int:
        state["n"] += 1
        started = time.perf_counter()
        seq = original_add_turn(*a, **k)
        latencies.append(time.perf_counter() - started)
        return seq

    @contextmanager
    def holding_tx() -> Iterator[Any]:
        with original_tx() as conn:
            yield conn
            if state["n"] == args.hold_at:
                say(f"holding {state['n']}")
                time.sleep(120)  # killed here, before the commit

    store.add_turn = timed_add_turn  # type: ignore[method-assign]
    if args.hold_at:
        store.tx = holding_tx  # type: ignore[method-assign]

    if args.go:
        say("ready")
        while not Path(args.go).exists():
            time.sleep(0.01)
    for i, reply in enumerate(replies, start=1):
        if session.ended:
            break
        session.reply(reply)
        say(f"sent {i}")
    if not session.ended:
        rec.abandon()
    session.close()
    if args.latency:
        Path(args.latency).write_text(json.dumps(latencies), encoding="utf-8")
    say(f"done {session.outcome} {session.debrief().score}")
    store.close()
    return 0


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
