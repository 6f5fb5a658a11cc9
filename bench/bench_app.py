"""The app's speed: start-up to the library screen, peak memory, and per-turn latency.

    python bench/bench_app.py [--runs 7] [--turns 24]

Start-up and memory: ``python -m simulator`` (the same as running ``simulator``) and a
minimal Textual app (one Label) are each started several times, alternately, in a real
pseudo-terminal at 80x24. Each reports the moment its first screen is on the terminal
(for the simulator: the library screen, its scenario list filled) and its peak resident
memory (ru_maxrss) at that moment; the simulator does so when SIMULATOR_EXIT_WHEN_READY
names a file. Time is measured from just before the process is spawned. Medians are
reported, and the ratios simulator / minimal app (goals: at most 1.3x the time and 1.5x
the memory).

Per-turn latency: headless (``App.run_test``), a built-in scenario is played with
generic replies; for each reply, the time from the send key (ctrl+s, put in the input
queue as a terminal would) to the first screen refresh that shows the verdict and the
customer's answer. Goal: p50 under 50 ms.

First turn: the time from ctrl+s on the briefing to the first screen refresh that shows
the customer's first line, after the trainee read the briefing for ``--read`` seconds
(default 3; goal: under 300 ms), and for 0.2 s only after 1.5 s on the scenario's row
in the list (a trainee who knows the scenario and starts at once: the scorer's packs
take 0.6-1.4 s to compile here). Each run is a fresh
process (headless, 80x24, the built-in library, a fresh data folder), so nothing
compiled by an earlier run helps; medians are reported.

A playing trainee's peak memory: ``simulator play --scenario ID --stdin --no-record``
(headless) plays ``hotel-ac-en`` and ``supermarket-return-fr`` to their end with the
generic replies, each in a fresh process; its peak resident memory (ru_maxrss, from
wait4, measured first, while this bench is small: a child's ru_maxrss is never below
its parent's at the spawn) is reported (goal: under 80 MB), with the app's own peak
once its first turn is on screen (VmHWM of the first-turn runs above). Compiling a scenario's scorer: in a fresh
process that has loaded the library, ``scorer_for`` of the scenario, timed (wall and
CPU) with the growth of peak memory it causes (goals: under 0.2 s and 20 MB). Medians of
``--play-runs`` runs. The playing trainees read the library from a parsed-file cache
filled by one earlier run (as every start after a user's first does); one run of each
without it (``SIMULATOR_PARSED_CACHE=``, a user's very first start) is reported beside.

The last line is JSON: {"start_ratio": .., "memory_ratio": .., "turn_p50_ms": ..,
"first_turn_ms": .., "first_turn_quick_ms": .., "app_playing_peak_mb": ..,
"headless_peak_mb": {ID: ..}, "headless_cold_peak_mb": {ID: ..},
"app_first_turn_peak_mb": .., "app_first_turn_cold_peak_mb": .., "compile_s": {ID: ..},
"compile_cpu_s": {ID: ..}, "compile_mb": {ID: ..}}.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MINIMAL_APP = textwrap.dedent(
    """
    import os, resource, time
    from pathlib import Path
    from textual.app import App
    from textual.widgets import Label

    class Minimal(App):
        def compose(self):
            yield Label("Hello")

        def on_mount(self):
            self.call_after_refresh(self.ready)

        def ready(self):
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            cpu = time.process_time()
            Path(os.environ["SIMULATOR_EXIT_WHEN_READY"]).write_text(f"{time.time()} {peak} {cpu}\\n")
            self.exit()

    Minimal().run()
    """
)

REPLIES = {
    "en": [
        "I'm so sorry, you're right: this is not acceptable. I will fix it right now: I'll "
        "personally arrange a replacement within ten minutes, and I'll refund you today.",
        "I understand. Could you tell me what would help you most? I will take care of it "
        "within the hour and call you back by 5 pm today.",
        "You're lucky we even talk to you.",
        "Thank you for telling me. I'll send you a written confirmation within ten minutes.",
    ],
    "fr": [
        "Je suis vraiment désolé, vous avez raison. Je m'en occupe tout de suite : je vous "
        "organise un remplacement dans les dix minutes, et je vous rembourse aujourd'hui.",
        "Je comprends. Pouvez-vous me dire ce qui vous aiderait le plus ? Je vous rappelle "
        "avant 17 h aujourd'hui.",
        "Vous avez de la chance qu'on vous parle encore.",
        "Merci de me l'avoir dit. Je vous envoie une confirmation écrite dans les dix minutes.",
    ],
}


# --------------------------------------------------------------------------- start-up
def run_in_pty(cmd: list[str], env: dict[str, str], timeout: float = 60) -> tuple[float, int, float]:
    """Spawn ``cmd`` on a pseudo-terminal; (seconds to ready, peak RSS in KiB, CPU seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready"
        env = {**env, "SIMULATOR_EXIT_WHEN_READY": str(ready)}
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        start = time.time()
        proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        deadline = time.monotonic() + timeout
        seen = b""
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                r, _, _ = select.select([master], [], [], 0.05)
                if r:
                    try:
                        seen = (seen + os.read(master, 65536))[-4000:]  # drain the drawing
                    except OSError:
                        time.sleep(0.01)
            if proc.poll() is None:
                proc.kill()
                raise RuntimeError(f"{cmd!r} did not get ready within {timeout} s")
        finally:
            os.close(master)
            proc.wait()
        if not ready.exists():
            tail = seen.decode("utf-8", "replace")[-800:]
            raise RuntimeError(f"{cmd!r} exited ({proc.returncode}) without reporting ready:\n{tail}")
        stamp, peak, cpu = ready.read_text().split()
        return float(stamp) - start, int(peak), float(cpu)


def measure_start(runs: int) -> dict[str, Any]:
    # PYTHONDONTWRITEBYTECODE (set in some shells and CI) would make every start compile
    # the project's modules from source, which an installed copy never does: the warm-up
    # runs below could not write the bytecode they are there to warm.
    dropped = ("NO_COLOR", "TEXTUAL", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["TERM"] = env.get("TERM", "xterm-256color") if env.get("TERM") not in (None, "dumb") else "xterm-256color"
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "profile.json").write_text('{"name": "Bench", "ui_lang": "en"}')
        sim_env = {**env, "SIMULATOR_HOME": home}
        minimal = Path(home) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        # Warm the file cache and the bytecode first (not measured).
        run_in_pty([sys.executable, str(minimal)], env)
        run_in_pty([sys.executable, "-m", "simulator"], sim_env)
        base_t, base_m, base_c, sim_t, sim_m, sim_c = [], [], [], [], [], []
        for _ in range(runs):
            t, m, c = run_in_pty([sys.executable, str(minimal)], env)
            base_t.append(t)
            base_m.append(m)
            base_c.append(c)
            t, m, c = run_in_pty([sys.executable, "-m", "simulator"], sim_env)
            sim_t.append(t)
            sim_m.append(m)
            sim_c.append(c)
    return {
        "minimal_start_s": statistics.median(base_t),
        "app_start_s": statistics.median(sim_t),
        "minimal_cpu_s": statistics.median(base_c),
        "app_cpu_s": statistics.median(sim_c),
        "minimal_peak_mib": statistics.median(base_m) / 1024,
        "app_peak_mib": statistics.median(sim_m) / 1024,
    }


# --------------------------------------------------------------------------- turns
async def _turns(wanted: int) -> list[float]:
    from textual import events

    from simulator.model.library import load_library
    from simulator.tui.app import make_app
    from simulator.tui.context import AppConfig
    from simulator.tui.screens.play import PlayScreen

    lib = load_library(user=False)
    ids = [s for s in ("hotel-ac-en", "supermarket-return-fr", "agency-deadline-en") if s in lib.scenarios]
    extra: list[Path] = []
    if not ids:  # no built-in scenario yet: the test scenario stands in
        extra = [ROOT / "tests" / "tui" / "data" / "snap"]
        ids = ["snap-soup-en"]
    samples: list[float] = []
    k = 0
    while len(samples) < wanted:
        sid = ids[k % len(ids)]
        k += 1
        config = AppConfig(
            extra_dirs=extra, builtin=not extra, user_scenarios=False, ui_lang="en",
            theme="simulator-dark", seed="0", name="Bench", offer_resume=False, scenario=sid,
        )
        app = make_app(config)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete([w for w in app.workers if w.group != "welcome"])
            await pilot.press("ctrl+s")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, PlayScreen)
            shown = asyncio.Event()
            original = screen._show

            def show(
                result: Any, _original: Any = original, _screen: Any = screen, _shown: Any = shown
            ) -> None:
                _original(result)
                _screen.call_after_refresh(_shown.set)

            screen._show = show  # type: ignore[method-assign]
            replies = REPLIES[screen.session.scenario.language]
            i = 0
            while not screen.session.ended and len(samples) < wanted:
                editor = screen.query_one("#reply-editor")
                editor.text = replies[i % len(replies)]  # typing is not what is measured
                i += 1
                await pilot.pause(0.05)
                shown.clear()
                key = events.Key("ctrl+s", None)
                key.set_sender(app)
                start = time.perf_counter()
                app._driver.send_message(key)  # as the terminal reports the key
                await asyncio.wait_for(shown.wait(), 10)
                samples.append((time.perf_counter() - start) * 1000)
    return samples


# --------------------------------------------------------------------------- first turn
FIRST_TURN_SCENARIO = "hotel-ac-en"
QUICK_READ = 0.2  # ctrl+s as soon as the briefing shows (a trainee who knows it)...
QUICK_REST = 1.5  # ...after a look at its row in the list


async def _first_turn(read: float, rest: float = 0.0) -> float:
    """One run (in this fresh process): ms from ctrl+s on the briefing to the first line.

    ``rest``: seconds on the scenario's row of the list before it is opened (0: opened
    at once, as the first screen is ready)."""
    from textual import events

    from simulator.tui.app import make_app
    from simulator.tui.context import AppConfig
    from simulator.tui.screens.briefing import BriefingScreen
    from simulator.tui.screens.play import PlayScreen

    shown = asyncio.Event()
    original = PlayScreen.on_mount

    def on_mount(self: Any) -> None:
        original(self)
        self.call_after_refresh(shown.set)

    PlayScreen.on_mount = on_mount  # type: ignore[method-assign]
    app = make_app(AppConfig(ui_lang="en", theme="simulator-dark", offer_resume=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete([w for w in app.workers if w.group != "welcome"])
        if rest:
            library = app.screen
            library.query_one("#scenarios").move_cursor(row=library._shown.index(FIRST_TURN_SCENARIO))
            await asyncio.sleep(rest)  # the trainee reads the row's summary
        app.open_scenario(FIRST_TURN_SCENARIO)  # as Enter on its row does
        # (no pilot.pause: it would wait for the app to idle, i.e. for any work started
        # when the briefing opens, which the trainee does not wait for)
        opened = time.perf_counter()
        while not isinstance(app.screen, BriefingScreen):
            await asyncio.sleep(0.005)
        await asyncio.sleep(max(0.0, read - (time.perf_counter() - opened)))  # reading
        key = events.Key("ctrl+s", None)
        key.set_sender(app)
        start = time.perf_counter()
        app._driver.send_message(key)  # as the terminal reports the key
        await asyncio.wait_for(shown.wait(), 30)
        elapsed = (time.perf_counter() - start) * 1000
        screen = app.screen
        assert isinstance(screen, PlayScreen) and screen.session.customer_line
    return elapsed


# --------------------------------------------------------------------------- memory
PLAYED = ("hotel-ac-en", "supermarket-return-fr")
MIB = 1024 * 1024


def _memory_kib(field: str) -> int:
    """One of this process's memory figures from /proc/self/status, in KiB (0 where
    there is no /proc): ``VmRSS`` (resident now) or ``VmHWM`` (its peak).

    The peak is this process's own, not ru_maxrss: Linux carries a parent's high-water
    mark into a child it spawns (the child starts as a copy of the parent's memory, and
    exec keeps the larger mark), so a child spawned once this bench had played 24 turns
    in process reported the bench's own 160 MB, not its 94."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _compile_child(scenario_id: str) -> str:
    """In this fresh process: the library loaded, compile one scenario's scorer."""
    import gc
    import resource

    from simulator.model.library import load_library
    from simulator.scoring import scorer_for

    lib = load_library(user=False)
    sc = lib.scenario(scenario_id)
    packs = lib.packs_for(sc)
    gc.collect()
    before = _memory_kib("VmRSS")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    scorer_for(sc, packs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # the growth of the peak: from the memory in use before (or the peak, if no /proc)
    grown = peak - (before or peak_before)
    return f"{wall} {cpu} {max(0, grown)}"


def measure_compile(runs: int) -> dict[str, Any]:
    out: dict[str, dict[str, float]] = {"compile_s": {}, "compile_cpu_s": {}, "compile_mb": {}}
    for sid in PLAYED:
        walls, cpus, mems = [], [], []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, __file__, "--compile-child", sid],
                capture_output=True, text=True, check=True, timeout=300,
            )
            wall, cpu, kib = done.stdout.strip().splitlines()[-1].split()
            walls.append(float(wall))
            cpus.append(float(cpu))
            mems.append(int(kib) * 1024 / MIB)
        out["compile_s"][sid] = round(statistics.median(walls), 3)
        out["compile_cpu_s"][sid] = round(statistics.median(cpus), 3)
        out["compile_mb"][sid] = round(statistics.median(mems), 1)
    return out


def warm_parsed_cache() -> None:
    """Every run below reads the library from one parsed-file cache, filled here first,
    as every start after a user's first does (``SIMULATOR_PARSED_CACHE`` as given, else a
    fresh folder); ``cold`` runs have none."""
    if "SIMULATOR_PARSED_CACHE" not in os.environ:
        os.environ["SIMULATOR_PARSED_CACHE"] = tempfile.mkdtemp(prefix="bench-parsed-")
    with tempfile.TemporaryDirectory() as home:
        subprocess.run([sys.executable, "-m", "simulator", "score", "--lang", "en", "Hello."],
                       env={**os.environ, "SIMULATOR_HOME": home}, check=True,
                       capture_output=True, timeout=120)


def _cache_env(cold: bool) -> dict[str, str]:
    return {"SIMULATOR_PARSED_CACHE": ""} if cold else {}


def measure_headless(runs: int, *, cold: bool = False) -> dict[str, float]:
    """Peak memory (MB) of ``simulator play --stdin`` playing each scenario to its end."""
    peaks: dict[str, float] = {}
    for sid in PLAYED:
        lang = sid.rsplit("-", 1)[-1]
        script = "\n\n".join(REPLIES[lang] * 6) + "\n"
        got = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as home:
                env = {**os.environ, "SIMULATOR_HOME": home, **_cache_env(cold)}
                proc = subprocess.Popen(
                    [sys.executable, "-m", "simulator", "--name", "Bench", "play", "--scenario", sid,
                     "--stdin", "--no-record"],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                )
                assert proc.stdin is not None and proc.stderr is not None
                proc.stdin.write(script.encode())
                proc.stdin.close()
                err = proc.stderr.read()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                if proc.returncode not in (0, 1):
                    raise RuntimeError(f"play {sid} exited {proc.returncode}: {err[-800:]!r}")
                got.append(usage.ru_maxrss * 1024 / MIB)
        peaks[sid] = round(statistics.median(got), 1)
    return peaks


def measure_first_turn(
    runs: int, read: float, rest: float = 0.0, *, cold: bool = False
) -> dict[str, Any]:
    samples: list[float] = []
    peaks: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            (Path(home) / "profile.json").write_text('{"name": "Bench", "ui_lang": "en"}')
            env = {**os.environ, "SIMULATOR_HOME": home, **_cache_env(cold)}
            out = subprocess.run(
                [sys.executable, __file__, "--first-turn-child", str(read), str(rest)],
                env=env, capture_output=True, text=True, check=True, timeout=120,
            )
            ms, peak = out.stdout.strip().splitlines()[-1].split()
            samples.append(float(ms))
            peaks.append(int(peak) * 1024 / MIB)
    return {
        "first_turn_ms": statistics.median(samples),
        "first_turn_max_ms": max(samples),
        "playing_peak_mb": statistics.median(peaks),
    }


def measure_turns(wanted: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        os.environ["SIMULATOR_HOME"] = home
        samples = asyncio.run(_turns(wanted))
    samples.sort()
    return {
        "turns": len(samples),
        "turn_p50_ms": statistics.median(samples),
        "turn_p90_ms": samples[int(0.9 * (len(samples) - 1))],
        "turn_max_ms": samples[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="start-ups of each app (default 7)")
    parser.add_argument("--turns", type=int, default=24, help="replies timed (default 24)")
    parser.add_argument("--first-turns", type=int, default=5,
                        help="first turns timed, each in a fresh process (default 5)")
    parser.add_argument("--read", type=float, default=3.0,
                        help="seconds spent on the briefing before ctrl+s (default 3)")
    parser.add_argument("--play-runs", type=int, default=3,
                        help="fresh processes for each headless play and compile (default 3)")
    parser.add_argument("--only-memory", action="store_true",
                        help="only the playing trainee's peak memory and the compile figures")
    parser.add_argument("--first-turn-child", type=float, nargs=2, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--compile-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_turn_child is not None:
        import resource

        ms = asyncio.run(_first_turn(*args.first_turn_child))
        print(f"{ms:.1f} {_memory_kib('VmHWM') or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
        return 0
    if args.compile_child is not None:
        print(_compile_child(args.compile_child))
        return 0
    warm_parsed_cache()
    headless = measure_headless(args.play_runs)
    headless_cold = measure_headless(1, cold=True)
    compiled = measure_compile(args.play_runs)
    app = measure_first_turn(args.play_runs, QUICK_READ)
    app_cold = measure_first_turn(1, QUICK_READ, cold=True)
    print(f"a playing trainee (median of {args.play_runs} fresh processes, the parsed-file cache"
          f" filled by an earlier run; the first run of all, without it, in brackets; goal < 80 MB):")
    for sid in PLAYED:
        print(f"  {sid:<24} headless peak {headless[sid]:6.1f} MiB  ({headless_cold[sid]:.1f})")
    print(f"  {FIRST_TURN_SCENARIO:<24} app peak, first turn on screen {app['playing_peak_mb']:6.1f} MiB"
          f"  ({app_cold['playing_peak_mb']:.1f})")
    print(f"compiling a scenario's scorer (median of {args.play_runs}; goals < 0.2 s, < 20 MB):")
    for sid in PLAYED:
        print(f"  {sid:<24} {compiled['compile_s'][sid] * 1000:6.0f} ms  (CPU "
              f"{compiled['compile_cpu_s'][sid] * 1000:.0f} ms)  +{compiled['compile_mb'][sid]:.1f} MiB")
    memory = {
        "headless_peak_mb": headless,
        "headless_cold_peak_mb": headless_cold,
        "app_first_turn_peak_mb": round(app["playing_peak_mb"], 1),
        "app_first_turn_cold_peak_mb": round(app_cold["playing_peak_mb"], 1),
        **compiled,
    }
    if args.only_memory:
        print(json.dumps(memory))
        return 0
    start = measure_start(args.runs)
    print(f"start-up to ready, median of {args.runs}:")
    print(f"  minimal Textual app   {start['minimal_start_s'] * 1000:7.0f} ms   "
          f"peak {start['minimal_peak_mib']:6.1f} MiB")
    print(f"  simulator (library)   {start['app_start_s'] * 1000:7.0f} ms   "
          f"peak {start['app_peak_mib']:6.1f} MiB")
    start_ratio = start["app_start_s"] / start["minimal_start_s"]
    memory_ratio = start["app_peak_mib"] / start["minimal_peak_mib"]
    print(f"  ratio: time {start_ratio:.2f}x (goal <= 1.3), memory {memory_ratio:.2f}x (goal <= 1.5)")
    cpu_ratio = start["app_cpu_s"] / start["minimal_cpu_s"]
    print(f"  CPU time to ready (steadier on a busy machine): minimal {start['minimal_cpu_s'] * 1000:.0f} ms,"
          f" simulator {start['app_cpu_s'] * 1000:.0f} ms, ratio {cpu_ratio:.2f}x")
    turns = measure_turns(args.turns)
    print(f"per-turn latency, send key to verdict and answer on screen ({turns['turns']} replies, headless):")
    print(f"  p50 {turns['turn_p50_ms']:.1f} ms   p90 {turns['turn_p90_ms']:.1f} ms   "
          f"max {turns['turn_max_ms']:.1f} ms   (goal: p50 < 50 ms)")
    first = measure_first_turn(args.first_turns, args.read)
    quick = measure_first_turn(args.first_turns, QUICK_READ, QUICK_REST)
    print(f"first turn, ctrl+s on the briefing to the first customer line ({args.first_turns} fresh"
          f" processes each):")
    print(f"  {args.read:g} s on the briefing: median {first['first_turn_ms']:.0f} ms"
          f"   max {first['first_turn_max_ms']:.0f} ms   (goal: < 300 ms)")
    print(f"  {QUICK_REST:g} s on its row, {QUICK_READ:g} s on the briefing: median {quick['first_turn_ms']:.0f} ms"
          f"   max {quick['first_turn_max_ms']:.0f} ms")
    print(f"  the app's peak memory once its first turn is on screen: {first['playing_peak_mb']:.1f} MiB")
    print(json.dumps({
        "start_ratio": round(start_ratio, 3),
        "memory_ratio": round(memory_ratio, 3),
        "cpu_start_ratio": round(cpu_ratio, 3),
        "turn_p50_ms": round(turns["turn_p50_ms"], 1),
        "first_turn_ms": round(first["first_turn_ms"], 1),
        "first_turn_quick_ms": round(quick["first_turn_ms"], 1),
        "app_playing_peak_mb": round(first["playing_peak_mb"], 1),
        **memory,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
