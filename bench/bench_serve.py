"""Load bench for browser workshops: N trainees in `simulator serve` at once.

    .venv/bin/python bench/bench_serve.py [--sizes 5,10,20,30,50,70] [--join 30]
        [--scenario hotel-ac-en] [--think 2.0] [--join-rate 3] [--warm-pool | --chat]

Starts `simulator serve` on 127.0.0.1 (a fresh SIMULATOR_HOME in a temporary folder, a
workshop made with `simulator workshop create`) and drives browser sessions through the
websocket protocol textual-serve's page uses (``/ws?width=&height=``; the page sends
``["stdin", keys]`` and ``["resize", {...}]`` as JSON text and receives the terminal's
output as binary frames), without a browser: a browser tab would cost more than the app
it measures. Each session joins with a name (typed, Enter), opens the scenario (Enter
on the list, Enter on the briefing), and plays it to its end: it types a scripted reply,
waits until the reply shows on the terminal, sends ctrl+s, and waits for the verdict.

Measured, for each N (rising; the bench stops at the first N that fails or when the
machine runs short of memory):
- reply -> verdict: from ctrl+s to the turn's row in the results store (polled every
  20 ms from this process), p50 and p95;
- memory: the peak, over the round, of the summed PSS (and RSS) of the processes serve
  started for the sessions (and its warm pool, whose pages the sessions' apps share),
  divided by N: PSS counts a page shared by k processes as 1/k in each, so the sum is
  what the machine holds; RSS counts it in full in each;
- CPU: the CPU seconds the serve process tree used over the round (its children's times
  are collected when they exit), and the machine's busy share;
- turns recorded versus sent (a recorded reply must be the one sent, byte for byte).

The join check (``--join 30``): thirty trainees connect over ten seconds; each must see
its customer's first line (in the terminal stream) within 2 s of first pressing ctrl+s on
the briefing (a press the app let pass, pressed again, counts from the first), and its name prompt within a few seconds of connecting (reported).

With ``--chat`` it serves ``simulator serve --chat`` instead and drives each trainee
through the chat page's JSON protocol (tests/workshop/chat_driver.py): join with a name,
start the scenario, reply until the customer stays or goes, and read the debrief.
reply -> verdict is then timed to the verdict message (sent after the turn is stored;
the store is still polled, for turns recorded versus sent); memory is the server
process's RSS growth over its RSS before the first trainee, divided by N (later rounds
count what earlier ones left: an upper bound); CPU is the server process's own; the
join check times the first customer line from connecting (name and start included),
and the JSON line's ``join_first_line_p95_ms`` is that figure.

The last line is JSON: ``{"max_sessions", "p95_ms_at_max", "mb_per_session" (PSS),
"rss_mb_per_session", "lost_turns", "join_first_line_p95_ms"}``, ``max_sessions`` being the largest N with p95 under 1 s and nothing
lost. All traffic goes to 127.0.0.1; every wait has a timeout; serve and its sessions are
stopped at the end (their own process group).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The browser-tab driver is the one the tests use (they run without bench/, so it lives there).
sys.path.insert(0, str(ROOT / "tests" / "workshop"))
from chat_driver import open_chat
from ws_driver import CTRL_S, Tab, open_tab

PY = sys.executable
WIDTH, HEIGHT = 120, 40

# A reply that keeps hotel-ac-en's guest in four turns (each one marked so the bench can
# see it echoed and check the stored text); French for the French scenarios.
REPLIES = {
    "en": "I'm so sorry, that is awful at 1 a.m. I'll move you to a cooled room right now, "
          "within ten minutes, and refund tonight.",
    "fr": "Je suis vraiment désolé. Je vous change de chambre tout de suite, dans dix "
          "minutes, et je vous rembourse la nuit.",
}
# A word of each variant of the customer's first line (and not of the briefing).
FIRST_LINE = {"hotel-ac-en": ("an oven", "soaked through"),
              "hotel-ac-fr": ("fournaise", "Vingt-quatre degrés")}
MAX_REPLIES = 10

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mem_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_busy() -> tuple[float, float]:
    parts = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except OSError:
                continue
            for k in kids:
                out.append(int(k))
                todo.append(int(k))
    return out


def _rss_pss_mb(pid: int) -> tuple[float, float]:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0, 0.0
    rss = pss = 0.0
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return rss, pss


def _pool_pid(serve_pid: int) -> int | None:
    """serve's warm pool (simulator.tui.pool), which forks the sessions' apps, if any."""
    for p in _direct_children(serve_pid):
        try:
            if b"simulator.tui.pool" in Path(f"/proc/{p}/cmdline").read_bytes():
                return p
        except OSError:
            continue
    return None


def _direct_children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            out += [int(k) for k in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
        except OSError:
            continue
    return out


def _sessions(serve_pid: int) -> list[int]:
    """The processes serving sessions: serve's descendants but its warm pool."""
    pool = _pool_pid(serve_pid)
    return [p for p in _children(serve_pid) if p != pool]


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of serve, its live descendants and the children it has reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pool = _pool_pid(pid)
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime stime (own) and, for serve and its warm pool (which outlive the
        # sessions), cutime cstime (reaped children; the live ones' reaped children are
        # counted when they exit, through their parent)
        total += (int(fields[11]) + int(fields[12])) / tick
        if p in (pid, pool):
            total += (int(fields[13]) + int(fields[14])) / tick
    return total


class StorePoller:
    """Watches the results store: when each (trainee, seq) turn row first appears."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.seen: dict[tuple[str, int], float] = {}
        self.replies: dict[tuple[str, int], str] = {}
        self.outcome: dict[str, str] = {}
        self.attempt_seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._last_turn = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=1)
                now = time.monotonic()
                for tid, name, seq, reply in conn.execute(
                    "SELECT u.id, t.name, u.seq, u.reply FROM turns u "
                    "JOIN attempts a ON a.id = u.attempt_id JOIN trainees t ON t.id = a.trainee_id "
                    "WHERE u.id > ? ORDER BY u.id", (self._last_turn,)):
                    self._last_turn = max(self._last_turn, tid)
                    self.seen.setdefault((name, seq), now)
                    self.replies[(name, seq)] = reply
                for name, outcome in conn.execute(
                    "SELECT t.name, a.outcome FROM attempts a JOIN trainees t ON t.id = a.trainee_id"):
                    self.attempt_seen.setdefault(name, now)
                    if outcome:
                        self.outcome[name] = outcome
            except sqlite3.Error:
                conn = None
            self._stop.wait(0.02)
        if conn is not None:
            conn.close()


@dataclass
class Trainee:
    name: str
    lang: str
    first_line_word: tuple[str, ...]
    connected: float = 0.0
    prompt_s: float | None = None  # connect -> the name prompt on screen
    first_line_s: float | None = None  # ctrl+s first pressed on the briefing -> the first line
    connect_line_s: float | None = None  # (--chat) connecting -> the first line (join, start)
    sent: list[tuple[int, str, float]] = field(default_factory=list)  # (seq, text, t_send)
    latencies: list[float] = field(default_factory=list)
    error: str | None = None
    finished: bool = False


async def play(session: Any, url: str, t: Trainee, poller: StorePoller, think: float,
               timeout: float) -> None:
    tab: Tab | None = None
    try:
        async with open_tab(session, url, timeout=timeout, width=WIDTH, height=HEIGHT) as tab:
            t.connected = time.monotonic()
            await tab.prompt()
            t.prompt_s = time.monotonic() - t.connected
            await tab.join(t.name)
            pressed = await tab.open_scenario(t.first_line_word)
            t.first_line_s = time.monotonic() - pressed
            await tab.settle()
            for seq in range(1, MAX_REPLIES + 1):
                await asyncio.sleep(think)
                if t.name in poller.outcome:  # (the last verdict ended it)
                    break
                tag = f"Ref{seq}x{abs(hash(t.name)) % 10**6}."
                text = f"{REPLIES[t.lang]} {tag}"
                mark = len(tab.text)
                await tab.send(text)
                if not await tab.wait_for(tag, mark):
                    raise RuntimeError(f"reply {seq} never showed in the editor")
                await tab.settle(0.15)
                sent_at = time.monotonic()
                await tab.send(CTRL_S)
                t.sent.append((seq, text, sent_at))
                deadline = sent_at + timeout
                while (t.name, seq) not in poller.seen and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                if (t.name, seq) not in poller.seen:
                    raise RuntimeError(f"reply {seq}: no verdict within {timeout:.0f} s")
                t.latencies.append(poller.seen[(t.name, seq)] - sent_at)
                await tab.settle()
            # the outcome is written with the last turn; give the poller a moment
            for _ in range(100):
                if t.name in poller.outcome:
                    break
                await asyncio.sleep(0.05)
            t.finished = t.name in poller.outcome
    except Exception as exc:
        t.error = f"{type(exc).__name__}: {exc}"
        dump = os.environ.get("BENCH_SERVE_DUMP")
        if dump and tab is not None:  # what the terminal showed, to see where it stopped
            Path(dump, f"{t.name}.txt").write_text(tab.text, encoding="utf-8")


async def play_chat(session: Any, url: str, t: Trainee, poller: StorePoller, think: float,
                    timeout: float, scenario: str) -> None:
    """One trainee of ``serve --chat``: joins, starts the scenario, replies until the end;
    reply -> verdict is timed as the trainee sees it (the verdict message arrives after the
    turn is stored); the store is checked for every turn all the same."""
    try:
        began = time.monotonic()
        async with open_chat(session, url, timeout=timeout) as tab:
            t.connected = time.monotonic()
            t.prompt_s = t.connected - began  # (the page's name prompt shows with hello)
            joined = await tab.join(t.name)
            if joined["type"] != "joined":
                raise RuntimeError(f"join refused: {joined}")
            pressed = time.monotonic()
            started = await tab.start(scenario)
            if started["type"] != "started" or not started["customer"]:
                raise RuntimeError(f"start refused: {started}")
            now = time.monotonic()
            t.first_line_s = now - pressed
            t.connect_line_s = now - began
            turn = started["turn"]
            for seq in range(1, MAX_REPLIES + 1):
                await asyncio.sleep(think)
                tag = f"Ref{seq}x{abs(hash(t.name)) % 10**6}."
                text = f"{REPLIES[t.lang]} {tag}"
                sent_at = time.monotonic()
                t.sent.append((seq, text, sent_at))
                verdict = await tab.reply(text, turn=turn)
                if verdict["type"] != "verdict":
                    raise RuntimeError(f"reply {seq} refused: {verdict}")
                t.latencies.append(time.monotonic() - sent_at)
                turn = verdict["next_turn"]
                if verdict["ended"]:
                    if tab.debrief is None or tab.debrief.get("type") != "debrief":
                        raise RuntimeError("no debrief after the last verdict")
                    break
        for _ in range(100):  # the poller reads the store every 20 ms
            if t.name in poller.outcome and all((t.name, q) in poller.seen for q, _, _ in t.sent):
                break
            await asyncio.sleep(0.05)
        t.finished = poller.outcome.get(t.name) in ("kept", "escalated", "lost")
    except Exception as exc:
        t.error = f"{type(exc).__name__}: {exc}"


def _own_cpu_s(pid: int) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick


def _pct(values: list[float], q: float) -> int | None:
    """The q-quantile of ``values`` in milliseconds (None without values)."""
    if not values:
        return None
    s = sorted(values)
    return round(1000 * s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))])


async def run_round(url: str, serve_pid: int, poller: StorePoller, n: int, tag: str,
                    scenario: str, lang: str, think: float, join_rate: float,
                    timeout: float, chat: bool = False,
                    idle_rss: float = 0.0) -> dict[str, Any]:
    import aiohttp

    trainees = [Trainee(f"{tag} Trainee {i:02d}", lang, FIRST_LINE[scenario])
                for i in range(n)]
    peak = {"rss": 0.0, "pss": 0.0, "procs": 0}
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            if chat:  # one process: its own memory
                rss, pss = _rss_pss_mb(serve_pid)
                if rss > peak["rss"]:
                    peak.update(rss=rss, pss=pss, procs=1)
                await asyncio.sleep(0.25)
                continue
            kids = await asyncio.to_thread(_children, serve_pid)
            mems = [await asyncio.to_thread(_rss_pss_mb, k) for k in kids]
            pss = sum(m[1] for m in mems)
            if pss > peak["pss"]:
                peak.update(rss=sum(m[0] for m in mems), pss=pss, procs=len(kids))
            await asyncio.sleep(0.5)

    cpu_of = _own_cpu_s if chat else _tree_cpu_s
    cpu0 = cpu_of(serve_pid)
    rss0 = _rss_pss_mb(serve_pid)[0]
    busy0, all0 = _cpu_busy()
    started = time.monotonic()
    sampler = asyncio.create_task(sample())
    async with aiohttp.ClientSession() as session:

        async def one(i: int, t: Trainee) -> None:
            await asyncio.sleep(i / join_rate)
            if chat:
                await play_chat(session, url, t, poller, think, timeout, scenario)
            else:
                await play(session, url, t, poller, think, timeout)

        await asyncio.gather(*(one(i, t) for i, t in enumerate(trainees)))
    done.set()
    await sampler
    # wait for the sessions' processes to exit, so their CPU time is collected and the
    # next round does not measure them (on a loaded machine an app takes a while to quit)
    deadline = time.monotonic() + 120
    while _sessions(serve_pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    left = len(_sessions(serve_pid))
    wall = time.monotonic() - started
    cpu = cpu_of(serve_pid) - cpu0
    busy1, all1 = _cpu_busy()
    sent = sum(len(t.sent) for t in trainees)
    recorded = sum(
        1 for t in trainees for seq, text, _ in t.sent if poller.replies.get((t.name, seq)) == text)
    lat = [x for t in trainees for x in t.latencies]
    errors = [f"{t.name}: {t.error}" for t in trainees if t.error]
    first = [t.first_line_s for t in trainees if t.first_line_s is not None]
    connect_line = [t.connect_line_s for t in trainees if t.connect_line_s is not None]
    # --chat: what the server process grew by, per trainee, from its RSS before any
    # trainee joined (a conservative figure: memory an earlier round left counts too)
    growth = {"rss_growth_mb": round(peak["rss"] - idle_rss, 1),
              "rss_growth_in_round_mb": round(peak["rss"] - rss0, 1),
              "mb_per_session": round((peak["rss"] - idle_rss) / n, 2)} if chat else {}
    return {
        "n": n,
        "p50_ms": _pct(lat, 0.5),
        "p95_ms": _pct(lat, 0.95),
        "max_ms": round(max(lat) * 1000) if lat else None,
        "turns_sent": sent,
        "turns_recorded": recorded,
        "lost_turns": sent - recorded,
        "finished": sum(t.finished for t in trainees),
        "errors": errors,
        "peak_rss_mb": round(peak["rss"]),
        "mb_per_session": round(peak["pss"] / n, 1),
        "rss_mb_per_session": round(peak["rss"] / n, 1),
        "processes_at_peak": peak["procs"],
        "cpu_s": round(cpu, 1),
        "cpu_s_per_session": round(cpu / n, 2),
        "machine_busy_pct": round(100 * (busy1 - busy0) / max(1e-9, all1 - all0)),
        "wall_s": round(wall, 1),
        "processes_left_after": left,
        "first_line_p95_ms": _pct(first, 0.95),
        "first_line_max_ms": _pct(first, 1.0),
        "first_line_within_2s": sum(x < 2.0 for x in first),
        "prompt_p95_ms": _pct([t.prompt_s for t in trainees if t.prompt_s is not None], 0.95),
        "connect_to_first_line_p95_ms": _pct(connect_line, 0.95),
        "connect_to_first_line_max_ms": _pct(connect_line, 1.0),
        **growth,
    }


def _ok(r: dict[str, Any]) -> bool:
    return (r["lost_turns"] == 0 and not r["errors"] and r["finished"] == r["n"]
            and r["p95_ms"] is not None and r["p95_ms"] < 1000)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="5,10,20,30,50,70")
    p.add_argument("--join", type=int, default=30, help="trainees in the join check (0: skip)")
    p.add_argument("--join-window", type=float, default=10.0)
    p.add_argument("--scenario", default="hotel-ac-en")
    p.add_argument("--think", type=float, default=2.0, help="seconds between replies")
    p.add_argument("--join-rate", type=float, default=3.0, help="trainees joining per second")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds any one step may take")
    p.add_argument("--min-free-mb", type=float, default=3000,
                   help="stop rising when the machine would have less memory free than this")
    p.add_argument("--warm-pool", action="store_true",
                   help="serve --warm-pool: each browser's app forked from a warm process")
    p.add_argument("--chat", action="store_true",
                   help="serve --chat: the chat page, one process for every trainee, driven "
                   "through its JSON websocket protocol (tests/workshop/chat_driver.py)")
    args = p.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    lang = args.scenario.rsplit("-", 1)[-1]
    if lang not in REPLIES or args.scenario not in FIRST_LINE:
        p.error(f"--scenario: one of {', '.join(FIRST_LINE)}")

    home = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    db = home / "results.db"
    env = {**os.environ, "SIMULATOR_HOME": str(home), "COLUMNS": str(WIDTH),
           "LINES": str(HEIGHT), "NO_COLOR": ""}
    env.pop("NO_COLOR")
    cli = [PY, "-m", "simulator", "--db", f"sqlite:///{db}"]
    code = subprocess.run(
        [*cli, "workshop", "create", "Load bench", "--scenarios", args.scenario,
         "--mode", "practice", "-q"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    ).stdout.strip()
    port = _free_port()
    log = (home / "serve.log").open("w")
    warm = ["--warm-pool"] if args.warm_pool else ["--no-warm-pool"]
    if args.chat:
        warm = ["--chat"]
    serve = subprocess.Popen([*cli, "serve", "--workshop", code, "--port", str(port), *warm],
                             env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    poller = StorePoller(db)
    results: list[dict[str, Any]] = []
    join: dict[str, Any] | None = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if serve.poll() is not None:
                raise SystemExit("serve exited:\n" + (home / "serve.log").read_text())
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        # serve's warm pool (simulator.tui.pool) says when browsers' apps start warm
        while time.monotonic() < deadline + 120 and args.warm_pool:
            if serve.poll() is not None:
                raise SystemExit("serve exited:\n" + (home / "serve.log").read_text())
            if "Warm: " in (home / "serve.log").read_text(errors="replace"):
                break
            time.sleep(0.2)
        while args.chat and "Press Ctrl+C" not in (home / "serve.log").read_text(errors="replace"):
            if serve.poll() is not None or time.monotonic() > deadline + 120:
                raise SystemExit("serve --chat did not start:\n" + (home / "serve.log").read_text())
            time.sleep(0.1)
        idle_rss = _rss_pss_mb(serve.pid)[0]
        poller.start()
        print(f"serve{' --chat' if args.chat else ''} on {url}, workshop {code}, scenario "
              f"{args.scenario}, think {args.think} s, joining {args.join_rate}/s; "
              f"{os.cpu_count()} cores" + (f"; server RSS {idle_rss:.0f} MB idle" if args.chat else ""),
              flush=True)
        if args.join:
            r = asyncio.run(run_round(url, serve.pid, poller, args.join, "Join", args.scenario,
                                      lang, args.think, args.join / args.join_window,
                                      args.timeout, args.chat, idle_rss))
            join = {"trainees": args.join, "window_s": args.join_window,
                    "first_line_p95_ms": r["first_line_p95_ms"],
                    "first_line_max_ms": r["first_line_max_ms"],
                    "all_within_2s": r["first_line_within_2s"] == args.join,
                    "prompt_p95_ms": r["prompt_p95_ms"],
                    "connect_to_first_line_p95_ms": r["connect_to_first_line_p95_ms"],
                    "connect_to_first_line_max_ms": r["connect_to_first_line_max_ms"],
                    "lost_turns": r["lost_turns"],
                    "errors": r["errors"]}
            print(f"join: {args.join} trainees in {args.join_window:g} s: first customer line "
                  f"p95 {r['first_line_p95_ms']} ms, max {r['first_line_max_ms']} ms after the start "
                  f"key ({r['first_line_within_2s']}/{args.join} within 2 s), name prompt p95 "
                  f"{r['prompt_p95_ms']} ms after connecting; errors {len(r['errors'])}"
                  + (f"; connecting -> first line p95 {r['connect_to_first_line_p95_ms']} ms, max "
                     f"{r['connect_to_first_line_max_ms']} ms" if args.chat else ""),
                  flush=True)
            for e in r["errors"][:5]:
                print(f"     {e}", flush=True)
        print(f"{'N':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'sent':>5} {'rec':>5} "
              f"{'MB/sess':>8} {'RSS/s':>6} {'cpu s':>6} {'busy%':>6} {'1st p95':>8}", flush=True)
        for n in sizes:
            need = n * (results[-1]["mb_per_session"] if results else (5 if args.chat else 200))
            if _mem_available_mb() - need < args.min_free_mb:
                print(f"{n}: not run, the machine has {_mem_available_mb():.0f} MB free "
                      f"(about {need:.0f} MB needed)", flush=True)
                break
            r = asyncio.run(run_round(url, serve.pid, poller, n, f"N{n}", args.scenario, lang,
                                      args.think, args.join_rate, args.timeout, args.chat,
                                      idle_rss))
            results.append(r)
            print(f"{n:>4} {r['p50_ms']!s:>7} {r['p95_ms']!s:>7} {r['max_ms']!s:>7} "
                  f"{r['turns_sent']:>5} {r['turns_recorded']:>5} {r['mb_per_session']:>8} "
                  f"{r['rss_mb_per_session']:>6} {r['cpu_s']:>6} {r['machine_busy_pct']:>6} "
                  f"{r['first_line_p95_ms']!s:>8}", flush=True)
            for e in r["errors"][:5]:
                print(f"     {e}", flush=True)
            if not _ok(r):
                break
    finally:
        poller.stop()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(serve.pid, sig)
            except ProcessLookupError:
                break
            try:
                serve.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()
    good = [r for r in results if _ok(r)]
    best = good[-1] if good else None
    (home / "bench-serve.json").write_text(json.dumps({"rounds": results, "join": join,
                                                       "chat": args.chat}, indent=1))
    print(f"details: {home / 'bench-serve.json'}")
    print(json.dumps({
        "max_sessions": best["n"] if best else 0,
        "p95_ms_at_max": best["p95_ms"] if best else None,
        "mb_per_session": best["mb_per_session"] if best else None,  # (PSS)
        "rss_mb_per_session": best["rss_mb_per_session"] if best else None,
        "lost_turns": sum(r["lost_turns"] for r in results) + (join["lost_turns"] if join else 0),
        # (--chat: from connecting, through the name and the start, to the first line; the
        # app's bench counts from the start key on the briefing)
        "join_first_line_p95_ms": (join["connect_to_first_line_p95_ms"] if args.chat
                                   else join["first_line_p95_ms"]) if join else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
