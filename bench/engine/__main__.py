"""bench/engine: our durable conversation engine against python-telegram-bot's ConversationHandler
and aiogram's FSM (both in memory, bot requests stubbed), on the same interleaved check-in dialog.

    .venv/bin/python -m bench.engine [--quick] [--repeat N] [--no-postgres]

Each measurement runs in its own subprocess so peak RSS is that implementation's alone. Every user
is registered first, then does C check-ins of six messages each (/checkin, mood, energy, sleep,
plan adherence, note): 1,000 users x 4 check-ins = 24,000 messages. Two views, like for like:
(a) every user at once, each sending the next message after the reply to the previous one — our
engine (group commit) against PTB with ``concurrent_updates`` and aiogram handling updates as tasks;
(b) one message at a time, each after the reply to the previous one — for everyone, with the floor of
a durable step: one read + one write of the sender's state row through SQLAlchemy (same Database
settings, one transaction per message), so a step's cost shows as a ratio to it. Latency runs from
the update's JSON to the reply handed to the sender. Our engine also takes an overload shape (every
message of every user offered at once; correctness: each check-in stored with exactly that user's
values). PostgreSQL: a throwaway database on 127.0.0.1:5432 (user postgres, or COACH_BENCH_PG_URL),
dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
from typing import Any

# (a) every user at once: each user sends the next message after the reply, all users concurrently.
CONCURRENT = {
    "ptb-concurrent": "python-telegram-bot, concurrent_updates=True (memory)",
    "aiogram-concurrent": "aiogram FSM, updates handled as tasks (memory)",
    "sqlite": "our engine, SQLite, group commit",
    "postgres": "our engine, PostgreSQL, group commit",
    "sqlite-overload": "our engine, SQLite, every message offered at once",
    "postgres-overload": "our engine, PostgreSQL, every message offered at once",
}
# (b) one message at a time: each update waits for the reply to the previous one.
ONE_AT_A_TIME = {
    "ptb": "python-telegram-bot ConversationHandler (memory)",
    "aiogram": "aiogram FSM, F.text filters (memory)",
    "sqlite-seq": "our engine, SQLite, every step durable",
    "postgres-seq": "our engine, PostgreSQL, every step durable",
    "sqlite-rw": "one read + one write through SQLAlchemy, SQLite",
    "postgres-rw": "one read + one write through SQLAlchemy, PostgreSQL",
}
IMPLEMENTATIONS = {**CONCURRENT, **ONE_AT_A_TIME}
# Ours against the baselines, per view: PostgreSQL against aiogram, SQLite against PTB. View (a) has a
# target (a busy bot keeps up with in-memory ones); in view (b) a durable step cannot match an
# in-memory one (each step is a database round trip), so its yardstick is FLOORS, and these are ratios.
TARGETS = [
    ("postgres", "aiogram-concurrent"),
    ("sqlite", "ptb-concurrent"),
]
RATIOS = [
    ("postgres-seq", "aiogram"),
    ("sqlite-seq", "ptb"),
]
# View (b): one conversation step against the floor, one read + one write through SQLAlchemy.
FLOORS = [("sqlite-seq", "sqlite-rw"), ("postgres-seq", "postgres-rw")]


def worker(impl: str, users: int, check_ins: int) -> dict[str, Any]:
    from bench.engine import baselines, ours

    library, _, shape = impl.partition("-")
    if shape == "rw":
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(ours.run_read_write(library, users, check_ins, tmp))
    elif library == "ptb":
        result = asyncio.run(baselines.run_ptb(users, check_ins, concurrent=shape == "concurrent"))
    elif library == "aiogram":
        result = asyncio.run(baselines.run_aiogram(users, check_ins, concurrent=shape == "concurrent"))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(ours.run(library, users, check_ins, tmp, shape or "closed"))
    latencies = sorted(result.pop("latencies"))
    return {
        **result,
        "rate": result["messages"] / result["seconds"],
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(impl: str, users: int, check_ins: int) -> dict[str, Any] | str:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.engine",
            "--worker",
            impl,
            "--users",
            str(users),
            "--check-ins",
            str(check_ins),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["failed"])[-1]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine")
    parser.add_argument("--quick", action="store_true", help="200 users x 2 check-ins, one run each")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--check-ins", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None, help="runs per implementation (median shown)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--worker", choices=sorted(IMPLEMENTATIONS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    users = args.users or (200 if args.quick else 1000)
    check_ins = args.check_ins or (2 if args.quick else 4)
    if args.worker:
        print(json.dumps(worker(args.worker, users, check_ins)))
        return 0
    repeat = args.repeat or (1 if args.quick else 3)
    impls = [i for i in IMPLEMENTATIONS if not (args.no_postgres and i.startswith("postgres"))]
    print(
        f"{users} users x {check_ins} check-ins x 6 messages = {users * check_ins * 6} messages; median of {repeat}"
    )
    print()
    header = (
        f"{'implementation':52} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>9} {'peak RSS':>9}  check-ins right"
    )
    rates: dict[str, float] = {}
    failed = False
    views = [
        (f"(a) all {users} users at once (each waits for its reply)", CONCURRENT),
        ("(b) one message at a time", ONE_AT_A_TIME),
    ]
    for title, members in views:
        print(f"{title}\n{header}\n{'-' * len(header)}")
        for impl in [i for i in members if i in impls]:
            runs = [measure(impl, users, check_ins) for _ in range(repeat)]
            good = [r for r in runs if isinstance(r, dict)]
            if not good:
                print(f"{IMPLEMENTATIONS[impl]:52} not measured: {runs[0]}")
                continue
            median = sorted(good, key=lambda r: r["rate"])[len(good) // 2]
            rates[impl] = median["rate"]
            correct = median.get("correct")
            right = "" if correct is None else f"{max(correct, 0)}/{users * check_ins}"
            failed |= correct is not None and correct != users * check_ins
            print(
                f"{IMPLEMENTATIONS[impl]:52} {median['rate']:8.0f} {median['p50_ms']:8.2f} "
                f"{median['p99_ms']:9.2f} {median['rss_mb']:7.0f}MB  {right}"
            )
        print()
    print(
        "Latency: from the update's JSON to the reply handed to the sender (a stub for the baselines,"
        "\nthe returned replies for ours), queueing included."
    )
    print()
    for ours, baseline in TARGETS:
        if ours in rates and baseline in rates:
            ratio = rates[ours] / rates[baseline]
            verdict = "meets" if ratio >= 1 else "BELOW"
            print(f"{ours} / {baseline}: {ratio:.2f}x  ({verdict} target >= 1.00x)")
    for ours, baseline in RATIOS:
        if ours in rates and baseline in rates:
            print(f"{ours} / {baseline}: {rates[ours] / rates[baseline]:.2f}x  (durable against in memory)")
    for ours, floor in FLOORS:
        if ours in rates and floor in rates:
            print(
                f"{ours} / {floor}: {rates[ours] / rates[floor]:.2f}x  (one step: {1000 / rates[ours]:.2f} ms"
                f" against {1000 / rates[floor]:.2f} ms for one read + one write)"
            )
    if failed:
        print("\nOVERLOAD CORRECTNESS FAILED: some check-ins were lost or mixed up")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
