"""``python -m bench.durability [--quick]``: what survives what, measured with real ``coach run``
processes against the local Bot API fixture.

- **kill -9 / SIGTERM**: clients type faster than Telegram's per-chat pace while the worker is killed
  with -9 and stopped with SIGTERM several times (long polling, then webhook); each chat's transcript is
  compared with a clean run of the same script: messages missing (lost) or extra (duplicated).
- **database outage**: the worker's PostgreSQL connection is cut for 20 s through a TCP proxy while
  clients keep typing; lost and duplicated as above, and the seconds from the database's return until
  every update sent meanwhile has been handled.
- **several workers**: 4 workers on one PostgreSQL drain 2,000 queued messages to 50 chats, sharing
  the sending slots through Redis, then through PostgreSQL alone.

Same clients, same script and same limits for the clean and the disturbed run of each row.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from collections import Counter
from pathlib import Path

from bench.durability.table import DurabilityRow, print_table
from bench.durability.workers import measure_workers
from tests.durability.worker import Outage, Outcome, prepare_database, run
from tests.support.arrivals import most_in_window
from tests.support.databases import create_postgres_database, drop_postgres_database

PG_SERVER = os.environ.get("COACH_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("COACH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
CRASHES = ((3.0, "kill"), (7.0, "term"), (12.0, "kill"), (17.0, "term"))
OUTAGE = Outage(at=2.0, seconds=20.0)


def differences(clean: Outcome, disturbed: Outcome) -> tuple[int, int, int]:
    """(messages, lost, duplicated) over every chat, counting each text as often as it was sent."""
    lost = duplicated = total = 0
    for chat, expected in clean.transcripts.items():
        want, got = Counter(expected), Counter(disturbed.transcripts.get(chat, []))
        total += len(expected)
        lost += sum((want - got).values())
        duplicated += sum((got - want).values())
    return total, lost, duplicated


def windows(outcome: Outcome) -> tuple[int, int]:
    per_chat: dict[str, list[float]] = {}
    for chat, at in outcome.arrivals:
        per_chat.setdefault(chat, []).append(at)
    overall = most_in_window([at for _, at in outcome.arrivals], 1.0)
    return overall, max((most_in_window(times, 1.0) for times in per_chat.values()), default=0)


async def fresh_database(tmp: Path) -> str:
    url = await create_postgres_database(PG_SERVER, prefix="coach_bench_durability")
    await prepare_database(url)
    return url


async def compare(tmp: Path, label: str, clients: int, **disturbance: object) -> DurabilityRow:
    made = [await fresh_database(tmp), await fresh_database(tmp)]
    try:
        mode = str(disturbance.pop("mode", "polling"))
        clean = await run(tmp, made[0], mode=mode, clients=clients)
        disturbed = await run(tmp, made[1], mode=mode, clients=clients, **disturbance)  # type: ignore[arg-type]
    finally:
        for url in made:
            await drop_postgres_database(PG_SERVER, url)
    messages, lost, duplicated = differences(clean, disturbed)
    overall, per_chat = windows(disturbed)
    stops = ", ".join(f"{s:.1f}" for s in disturbed.stop_seconds)
    note = f"stored data {'equal' if clean.stored == disturbed.stored else 'DIFFERENT'}; stops took {stops} s"
    return DurabilityRow(
        label, messages, lost, duplicated, overall, per_chat, disturbed.recovery_seconds, note
    )


async def main(quick: bool) -> None:
    clients = 4 if quick else 8
    messages = 600 if quick else 2000
    rows: list[DurabilityRow] = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        steps = [
            ("kill -9 ×2, SIGTERM ×2, polling", {"crashes": CRASHES}),
            ("kill -9 ×2, SIGTERM ×2, webhook", {"crashes": CRASHES, "mode": "webhook"}),
            ("database cut for 20 s", {"outage": OUTAGE}),
        ]
        for label, disturbance in steps:
            print(f"running: {label} ({clients} clients, against a clean run)…", flush=True)
            folder_for_run = tmp / uuid.uuid4().hex[:6]
            folder_for_run.mkdir()
            rows.append(await compare(folder_for_run, f"{label}, {clients} chats", clients, **disturbance))
        for redis_url in (REDIS_URL, None):
            shared = "Redis" if redis_url else "PostgreSQL"
            print(f"running: 4 workers sharing limits through {shared} ({messages:,} messages)…", flush=True)
            rows.append(await measure_workers(PG_SERVER, redis_url, messages=messages))
    print()
    print_table(rows)
    print(
        "\nLimits: Telegram 30 messages in any 1 s window, 1 per chat per second (max per chat in 1 s ≤ 1)."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer clients and messages")
    asyncio.run(main(parser.parse_args().quick))
