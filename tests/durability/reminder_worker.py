"""A reminder dispatcher in a process of its own, for kill -9 tests (run as
``python -m tests.durability.reminder_worker URL NOW BATCH_SIZE [HOLD_IN_BATCH]``).

It dispatches batch after batch, each in its own transaction, as the scheduler's tick does, and prints
``committed <n>`` after each commit. With ``HOLD_IN_BATCH`` = k it stops inside its k-th batch — after
that batch's reminders were claimed, moved out of ``pending`` and their outbox rows inserted, before
the commit — prints ``holding <n>`` (the rows it wrote) and waits there to be killed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from typing import Any

from domain.crypto import use_keys
from domain.db import Database
from domain.reminders import DispatchPolicy, ReminderDispatcher, batch


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(url: str, now: datetime, batch_size: int, hold_in: int | None) -> None:
    keys = os.environ.get("COACH_ENCRYPTION_KEYS")
    use_keys(keys.split(",") if keys else None)
    db = Database(url)
    dispatcher = ReminderDispatcher(DispatchPolicy(batch_size=batch_size))
    batches = 0
    queue_messages = batch.queue_messages

    async def queue_then_maybe_hold(session: Any, messages: Any) -> None:
        await queue_messages(session, messages)
        if hold_in is not None and batches + 1 == hold_in:
            _say(f"holding {len(messages)}")
            await asyncio.Event().wait()  # inside the open transaction, until SIGKILL

    batch.queue_messages = queue_then_maybe_hold
    try:
        while True:
            async with db.unit_of_work() as session:
                outcomes = await dispatcher.dispatch_due(session, now=now)
            if not outcomes:
                break
            batches += 1
            _say(f"committed {len(outcomes)}")
        _say("done")
    finally:
        await db.dispose()


if __name__ == "__main__":
    url, now_text, size = sys.argv[1:4]
    hold = int(sys.argv[4]) if len(sys.argv) > 4 else None
    asyncio.run(main(url, datetime.fromisoformat(now_text), int(size), hold))
