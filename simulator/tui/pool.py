"""A warm app process that ``simulator serve`` forks for each browser (join without a stall).

textual-serve runs a shell command for every browser that connects and talks to it over
its standard input and output. Started cold, that command imports Textual, the engine and
the store, loads the library and compiles the scenario's scorer: with a room joining at
once, the trainees' processes share two cores and each waits seconds for its first
customer line. Instead ``serve`` (unless ``--no-warm-pool``) starts this pool once: it imports all of that, loads the
library and compiles the scorer of each of the workshop's scenarios, then listens on a
Unix socket in the server's private folder. The command textual-serve runs is a small
launcher (``LAUNCHER``, plain Python without the site packages): it hands its standard
input, output and error and its environment to the pool over that socket, and the pool
forks a child that plays the app on them, already warm. The children share the pool's
memory (its compiled scorers, its modules) until they write to it.

The launcher waits until its child ends and exits with its code, so textual-serve sees
the same process life as before. A child ends when its launcher does. When the pool is
not there (still warming up, or gone), the launcher runs the cold command instead: a
browser is never turned away.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import signal
import socket
import sys
import threading
import time

READY = "Warm: each browser's app now starts ready to play"

# textual-serve's environment for an app (its AppService._build_environment): Textual
# reads these when it is imported, so the pool sets them before importing it.
TEXTUAL_ENV = {
    "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
    "TEXTUAL_FPS": "60",
    "TEXTUAL_COLOR_SYSTEM": "truecolor",
    "TERM_PROGRAM": "textual",
}

# Run as ``python -I -S -c LAUNCHER SOCKET COMMAND...``: no site packages, no simulator,
# a few milliseconds. It passes fds 0, 1, 2 with its environment and folder, lets go of
# them (the child's exit closes the streams textual-serve reads), and waits for the
# child's exit code. Without a pool it runs COMMAND (the cold start) in its place.
LAUNCHER = """\
import json, os, socket, sys
path, cmd = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(path)
    msg = json.dumps({"env": dict(os.environ), "cwd": os.getcwd()}).encode()
    socket.send_fds(s, [len(msg).to_bytes(4, "big") + msg], [0, 1, 2])
except OSError:
    s.close()
    os.execv(cmd[0], cmd)
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
code = s.recv(1)
sys.exit(code[0] if code else 1)
"""


def launcher_command(socket_path: str, cold: list[str]) -> list[str]:
    """The command textual-serve runs for a browser: the launcher, then the cold start."""
    return [sys.executable, "-I", "-S", "-c", LAUNCHER, socket_path, *cold]


def _recv_exactly(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the launcher went away")
        data += chunk
    return data


def _child(conn: socket.socket, argv: list[str]) -> None:
    """In the forked child: take the launcher's streams and environment, play, report."""
    code = 1
    try:
        head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
        if len(fds) != 3 or len(head) != 4:
            raise ConnectionError("the launcher sent no streams")
        meta = json.loads(_recv_exactly(conn, int.from_bytes(head, "big")))
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in meta["env"].items()})
        os.chdir(meta["cwd"])
        random.seed()  # (the pool's state is every child's: each gets its own)
        gc.enable()

        def watch() -> None:  # the launcher gone (its browser's process killed): end
            try:
                while conn.recv(1):
                    pass
            except OSError:
                pass
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
        from simulator.tui.launch import main

        code = int(main(argv) or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # whatever it was, the browser gets an exit code
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # the streams may be gone with the browser
            pass
        with contextlib.suppress(OSError):
            conn.sendall(bytes([code & 0xFF]))
        os._exit(code & 0xFF)


def warm(argv: list[str]) -> None:
    """Import what a browser's app needs and compile its workshop's scorers."""
    import textual.drivers.web_driver  # noqa: F401

    import simulator.tui.app  # noqa: F401 - the app and Textual
    from simulator.cli import build_parser
    from simulator.cli.common import library
    from simulator.scoring import scorer_for
    from simulator.store.store import Store

    args = build_parser().parse_args(argv)
    lib = library(args)
    with Store.open(None) as store:  # (closed before any fork: no shared connection)
        ws = store.workshop(args.workshop)
    for sid in ws.scenarios:
        sc = lib.scenarios.get(sid)
        if sc is not None:
            scorer_for(sc, lib.packs_for(sc))
    for name in ("briefing", "name", "library", "play", "debrief"):
        __import__(f"simulator.tui.screens.{name}")


def _reap(_signum: int, _frame: object) -> None:
    """Collect the children that ended (waited for, so their CPU time counts as the
    pool's children's, as a cold app's counts as serve's)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def run(socket_path: str, argv: list[str]) -> int:
    """Warm up, then fork a child for each launcher that connects (until killed)."""
    started = time.monotonic()
    os.environ.update(TEXTUAL_ENV)
    warm(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    gc.collect()
    gc.freeze()  # (the collector would otherwise touch, and so copy, every shared object)
    gc.disable()
    signal.signal(signal.SIGCHLD, _reap)
    tmp = f"{socket_path}.{os.getpid()}"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(tmp)
    os.chmod(tmp, 0o600)
    server.listen(64)
    os.replace(tmp, socket_path)  # (a launcher finds the socket only once it listens)
    print(f"{READY} (warmed up in {time.monotonic() - started:.1f} s)", flush=True)
    while True:
        try:
            conn, _ = server.accept()
        except InterruptedError:
            continue
        pid = os.fork()
        if pid == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _child(conn, argv)
        conn.close()


if __name__ == "__main__":
    # python -m simulator.tui.pool SOCKET ARGV... (ARGV: the app's `simulator` arguments)
    try:
        sys.exit(run(sys.argv[1], sys.argv[2:]))
    except KeyboardInterrupt:
        sys.exit(130)
