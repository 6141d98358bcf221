"""``python -m bench.history_import [--quick]``: ``coach import checkins`` of 10,000 rows for 5,000
clients (2,000 / 1,000 with ``--quick``) into a fresh SQLite database, as the CLI runs it, then the same
file again (every row already imported). Prints a table; the target is thousands of rows per second."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conversations.parsing.reader import ChatAnswers
from domain.db import Database
from domain.insights.history_import import import_file
from domain.migrate import upgrade
from domain.services.coaches import create_coach

TARGET_ROWS_PER_S = 1_000


def history(rows: int, clients: int) -> str:
    start = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    lines = ["identity,name,timezone,timestamp,mood,energy,sleep hours,adherence,goal progress,note"]
    for n in range(rows):
        client, day = n % clients, n // clients
        at = (start + timedelta(days=day, minutes=client % 600)).isoformat()
        lines.append(f"telegram:{client},Client {client},UTC,{at},7,six,7h30,mostly,{day % 100},fine 💪")
    return "\n".join(lines) + "\n"


async def measure(rows: int, clients: int) -> list[tuple[str, float, float]]:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            await upgrade(db)
            async with db.unit_of_work() as session:
                coach = await create_coach(session, name="Bench Coach", email="bench@example.com")
            text = history(rows, clients)
            results = []
            for label in ("first import", "same file again (all duplicates)"):
                began = time.perf_counter()
                report = await import_file(
                    db, text, kind="csv", now=datetime.now(UTC), coach_id=coach.id, reader=ChatAnswers()
                )
                seconds = time.perf_counter() - began
                assert not report.rejected, report.rejected[:3]
                results.append((label, seconds, rows / seconds))
            return results
        finally:
            await db.dispose()


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    rows, clients = (2_000, 1_000) if quick else (10_000, 5_000)
    results = asyncio.run(measure(rows, clients))
    print(f"coach import checkins, SQLite, {rows:,} rows for {clients:,} clients")
    print()
    print("| Run | Seconds | Rows/s | Target |")
    print("|---|---|---|---|")
    for label, seconds, rate in results:
        print(f"| {label} | {seconds:.2f} | {rate:,.0f} | ≥ {TARGET_ROWS_PER_S:,} rows/s |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
