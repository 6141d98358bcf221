"""One process holding one slot, for the two-process race in test_hold.py: it waits for the shared
start instant, tries the hold, and prints ``won`` or ``lost``.

Usage: python -m tests.booking.hold_worker DATABASE_URL COACH_ID CLIENT_ID START_ISO GO_EPOCH
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime

from domain.db import Database
from domain.services.booking import hold_slot


async def main(url: str, coach_id: int, client_id: int, start: datetime, go: float) -> str:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:  # warm the pool before the race
            await conn.close()
        await asyncio.sleep(max(0.0, go - time.time()))
        async with db.unit_of_work() as session:
            held = await hold_slot(
                session,
                coach_id=coach_id,
                client_id=client_id,
                start=start,
                minutes=50,
                buffer_minutes=10,
                video_url="https://meet.jit.si/x",
            )
        return "won" if held is not None else "lost"
    finally:
        await db.dispose()


if __name__ == "__main__":
    url, coach, client, start, go = sys.argv[1:6]
    print(asyncio.run(main(url, int(coach), int(client), datetime.fromisoformat(start), float(go))))
