"""An announcement's expansion in a process of its own, for kill tests (run as
``python -m tests.durability.announcement_worker URL NOW CHUNK [HOLD_IN_CHUNK]``).

It expands chunk after chunk, each in its own transaction, as the scheduler's announcements job does,
and prints ``committed <n>`` after each commit. With ``HOLD_IN_CHUNK`` = k it stops inside its k-th
chunk — after that chunk's outbox messages and recipient rows were written, before the commit —
prints ``holding <n>`` and waits there to be killed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from typing import Any

from conversations.announcement_wording import announcement_payload
from domain.crypto import use_keys
from domain.db import Database
from domain.services import announcements


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(url: str, now: datetime, chunk: int, hold_in: int | None) -> None:
    keys = os.environ.get("COACH_ENCRYPTION_KEYS")
    use_keys(keys.split(",") if keys else None)
    db = Database(url)
    chunks = 0
    queue_chunk = announcements._queue_chunk

    async def queue_then_maybe_hold(*args: Any, **kwargs: Any) -> int:
        queued = await queue_chunk(*args, **kwargs)
        if hold_in is not None and chunks + 1 == hold_in:
            _say(f"holding {queued}")
            await asyncio.Event().wait()  # inside the open transaction, until killed
        return queued

    announcements._queue_chunk = queue_then_maybe_hold  # type: ignore[assignment]
    try:
        while True:
            async with db.unit_of_work() as session:
                done = await announcements.expand_next_chunk(
                    session, now=now, wording=announcement_payload, chunk=chunk
                )
            if done is None:
                break
            chunks += 1
            _say(f"committed {done.queued}")
        _say("done")
    finally:
        await db.dispose()


if __name__ == "__main__":
    url, now_text, size = sys.argv[1:4]
    hold = int(sys.argv[4]) if len(sys.argv) > 4 else None
    asyncio.run(main(url, datetime.fromisoformat(now_text), int(size), hold))
