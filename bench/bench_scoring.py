"""Scoring speed: full verdicts against two baselines measured in the same run.

    python bench/bench_scoring.py [--replies 100000] [--seed 1]

Generates replies in English and French (20-80 words, a realistic mix of
acknowledgements, fixes, last-word phrasing, questions and filler), scores them with
every built-in pack of their language, and prints replies/s, p50 and p99 per reply and
peak memory. Each reply is timed twice over: wall time (``p50_us``, ``p99_us``) and the
CPU time of the scoring thread (``p50_cpu_us``, ``p99_cpu_us``), which leaves out the
time other processes held the core: on a shared machine the wall p99 is mostly that. Baselines, on the same normalised texts:
  (a) floor: one combined RE2 expression of all the packs' phrases, searched once;
  (b) naive: each rule's phrases as one Python ``re`` pattern, searched one by one.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import re2

from simulator.model.library import load_library
from simulator.scoring import scorer_for
from simulator.scoring.normalize import fold

PARTS = {
    "en": {
        "ack": [
            "I'm so sorry about tonight.",
            "I understand how frustrating this is.",
            "That sounds exhausting, and I apologise.",
            "You're right to be annoyed.",
            "Thanks for telling us, that's not acceptable.",
        ],
        "fix": [
            "I'll move you to a cooler room on the fifth floor right now.",
            "Let me bring a fan up in ten minutes.",
            "I'm refunding tonight's stay in full.",
            "I will send a technician first thing tomorrow morning.",
            "I'll swap it for anything you like from the shelf.",
            "We can't refund the night, but I'll arrange a taxi to our partner hotel.",
        ],
        "jab": [
            "You're lucky we don't charge the early departure fee.",
            "As I said, the air conditioning is out for the season.",
            "You should have checked the date before buying it.",
            "That's our policy, there's nothing I can do.",
            "Calm down, it's only one night.",
            "We don't normally exchange food, so this is a favour.",
        ],
        "question": [
            "Which room are you in at the moment?",
            "Would you prefer a refund or a different product?",
            "When did you notice the problem?",
        ],
        "filler": [
            "The hotel is quite busy this week because of the conference in town.",
            "Our engineering team usually works during the day on weekdays.",
            "The weather has been unusually warm in Sydney all month.",
            "The till receipts are printed with the date of purchase on them.",
            "Many guests ask about the pool opening hours at this time of year.",
        ],
    },
    "fr": {
        "ack": [
            "Je suis vraiment désolé pour cette nuit.",
            "Je comprends que ce soit pénible de revenir.",
            "Vous avez raison, ce n'est pas normal.",
            "Toutes mes excuses pour la remarque de ma collègue.",
        ],
        "fix": [
            "Je vous change de chambre tout de suite, la 902 est restée fraîche.",
            "Je vous rembourse la nuit et le bagagiste arrive dans cinq minutes.",
            "Prenez ce qui vous fait envie en rayon, je vous l'échange sans frais.",
            "Je vous monte un ventilateur dans dix minutes.",
            "On ne peut pas vous rembourser, mais je vous réserve un taxi pour l'hôtel partenaire.",
        ],
        "jab": [
            "Vous avez de la chance, normalement on ne reprend pas l'alimentaire.",
            "Comme je vous l'ai dit, la climatisation est en panne pour la saison.",
            "Vous auriez dû vérifier avant d'acheter.",
            "C'est le règlement, je ne peux rien faire.",
            "Calmez-vous, ce n'est qu'une nuit.",
        ],
        "question": [
            "Dans quelle chambre êtes-vous ?",
            "Vous préférez un remboursement ou un autre produit ?",
            "Depuis quand le thermostat est-il bloqué ?",
        ],
        "filler": [
            "L'hôtel est complet cette semaine à cause du congrès.",
            "Le service technique intervient en journée du lundi au vendredi.",
            "Il fait particulièrement chaud à Sydney ce mois-ci.",
            "Les tickets de caisse portent la date de l'achat.",
        ],
    },
}


def generate(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lang = "en" if i % 2 == 0 else "fr"
        parts = PARTS[lang]
        pieces: list[str] = []
        if rng.random() < 0.6:
            pieces.append(rng.choice(parts["ack"]))
        if rng.random() < 0.5:
            pieces.append(rng.choice(parts["fix"]))
        if rng.random() < 0.35:
            pieces.append(rng.choice(parts["jab"]))
        if rng.random() < 0.3:
            pieces.append(rng.choice(parts["question"]))
        target = rng.randint(20, 80)
        while sum(len(p.split()) for p in pieces) < target:
            pieces.insert(rng.randrange(len(pieces) + 1), rng.choice(parts["filler"]))
        words = " ".join(pieces).split()[: max(target, 20)]
        out.append((lang, " ".join(words)))
    return out


def phrases_of(rule) -> list[str]:
    if getattr(rule, "phrases", None):
        return list(rule.phrases)
    if getattr(rule, "parts", None):
        return [p for part in rule.parts for p in part.phrases]
    return []


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replies", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    lib = load_library(user=False)
    replies = generate(args.replies, args.seed)
    words = [len(t.split()) for _, t in replies]
    print(f"{len(replies):,} replies, {min(words)}-{max(words)} words (mean {statistics.mean(words):.0f})")

    scorers = {lang: scorer_for(None, lib.packs_for_language(lang), lang) for lang in ("en", "fr")}
    rules = {lang: [r for p in lib.packs_for_language(lang) for r in p.rules] for lang in ("en", "fr")}
    for lang in ("en", "fr"):  # warm caches
        scorers[lang].score("warm up")
    # Long-lived objects (the library, compiled rules) go to the permanent generation, as
    # the app does after loading, so collections do not walk them on every pass.
    gc.collect()
    gc.freeze()

    # Full verdicts, including normalisation.
    gc.collect()
    tracemalloc.start()
    times: list[float] = []
    fired = 0
    t0 = time.perf_counter()
    for lang, text in replies:
        s = time.perf_counter_ns()
        v = scorers[lang].score(text)
        times.append((time.perf_counter_ns() - s) / 1000)
        fired += len(v.hits)
    full_total = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc slows Python down; time once more without it for the headline figures.
    times = []
    cpu_times: list[float] = []
    t0 = time.perf_counter()
    for lang, text in replies:
        c = time.thread_time_ns()
        s = time.perf_counter_ns()
        scorers[lang].score(text)
        times.append((time.perf_counter_ns() - s) / 1000)
        cpu_times.append((time.thread_time_ns() - c) / 1000)
    full_total = time.perf_counter() - t0

    folded = [(lang, fold(text)) for lang, text in replies]

    # (a) The floor: one RE2 expression of every phrase, searched once per reply.
    floor_re = {}
    for lang in ("en", "fr"):
        alts = sorted({re.escape(fold(p)) for r in rules[lang] for p in phrases_of(r)}, key=len, reverse=True)
        opts = re2.Options()
        opts.max_mem = 256 << 20
        floor_re[lang] = re2.compile("|".join(alts), opts)
    t0 = time.perf_counter()
    for lang, text in folded:
        floor_re[lang].search(text)
    floor_total = time.perf_counter() - t0

    # (b) The naive way: each rule's pattern searched one by one with Python's re.
    naive_re = {
        lang: [
            re.compile(r"\b(?:" + "|".join(re.escape(fold(p)) for p in phrases_of(r)) + r")\b")
            for r in rules[lang]
            if phrases_of(r)
        ]
        for lang in ("en", "fr")
    }
    t0 = time.perf_counter()
    for lang, text in folded:
        for pat in naive_re[lang]:
            pat.search(text)
    naive_total = time.perf_counter() - t0

    n = len(replies)
    result = {
        "replies_per_s": round(n / full_total),
        "p50_us": round(percentile(times, 0.50), 1),
        "p99_us": round(percentile(times, 0.99), 1),
        "p50_cpu_us": round(percentile(cpu_times, 0.50), 1),
        "p99_cpu_us": round(percentile(cpu_times, 0.99), 1),
        "ratio_to_floor": round(full_total / floor_total, 2),
        "speedup_vs_naive": round(naive_total / full_total, 2),
    }
    print(f"full verdict : {n / full_total:>10,.0f} replies/s  p50 {result['p50_us']} us  p99 {result['p99_us']} us")
    print(f"  CPU time   : p50 {result['p50_cpu_us']} us  p99 {result['p99_cpu_us']} us (the scoring thread's own)")
    print(f"peak memory  : {peak / 1e6:.1f} MB traced while scoring ({fired:,} rule hits)")
    print(f"(a) floor    : {n / floor_total:>10,.0f} replies/s  (one RE2 search of all phrases)")
    print(f"(b) naive    : {n / naive_total:>10,.0f} replies/s  ({sum(map(len, naive_re.values()))} Python re patterns)")
    print(f"ratio to floor {result['ratio_to_floor']}x (goal <= 3x); speedup vs naive {result['speedup_vs_naive']}x (goal >= 10x)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
