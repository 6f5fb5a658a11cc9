"""Loading speed: validation against plain C-loader parsing, measured in the same run.

    python bench/bench_loader.py [--files 400] [--rounds 5]

Copies the built-in scenario and rule-pack files (with fresh ids) into a temporary
folder, then reads them all (a) with PyYAML's C safe loader alone, and (b) with the
simulator's loader: safe C parsing, duplicate-key and alias checks, schema validation,
graph checks and located errors. Prints files/s for each and the ratio; the last line
is JSON. Goal: validation costs at most 1.5x plain parsing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from simulator.model.library import builtin_dir
from simulator.model.loader import load_file


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    sources = sorted(builtin_dir().rglob("*.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(args.files):
            src = sources[i % len(sources)]
            text = src.read_text(encoding="utf-8")
            ident = yaml.load(text, Loader=yaml.CSafeLoader)["id"]
            p = Path(tmp) / f"{i:04d}-{src.name}"
            p.write_text(text.replace(f"id: {ident}\n", f"id: {ident}-{i}\n", 1), encoding="utf-8")
            paths.append(p)
        size = sum(p.stat().st_size for p in paths)
        print(f"{len(paths)} files, {size / 1e6:.1f} MB")

        def parse_only() -> float:
            t0 = time.perf_counter()
            for p in paths:
                yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)
            return time.perf_counter() - t0

        def validate() -> float:
            t0 = time.perf_counter()
            for p in paths:
                src = load_file(p)
                assert src.ok, src.problems[:1]
            return time.perf_counter() - t0

        parse_only(), validate()  # warm up
        parse_times, validate_times = [], []
        for _ in range(args.rounds):  # interleaved, so both see the same machine load
            parse_times.append(parse_only())
            validate_times.append(validate())
    parse_s = statistics.median(parse_times)
    validate_s = statistics.median(validate_times)
    result = {
        "parse_files_per_s": round(len(paths) / parse_s),
        "validate_files_per_s": round(len(paths) / validate_s),
        "ratio": round(validate_s / parse_s, 2),
    }
    print(f"parse only (C safe loader): {result['parse_files_per_s']:>6} files/s")
    print(f"parse + validate          : {result['validate_files_per_s']:>6} files/s")
    print(f"validation costs {result['ratio']}x plain parsing (goal <= 1.5x)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
