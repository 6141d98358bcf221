"""Two scheduler workers claiming the same due reminders never send one twice, and lose none.

On PostgreSQL the workers really overlap (``FOR UPDATE SKIP LOCKED``); on SQLite the database admits
one writer at a time, so a worker that collides gets "database is locked" and simply tries again.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy.exc import OperationalError

from domain.db import Database
from domain.models.enums import ReminderStatus
from domain.reminders import DispatchPolicy, ReminderDispatcher
from tests.reminders.conftest import People, outbox, plan, reminders, utc
from tests.support.databases import postgres_requested

CLIENTS = 60
DUE = utc(2026, 11, 24, 9, 0)


async def _worker(url: str, name: str, handled: Counter[str]) -> None:
    db = Database(url)
    dispatcher = ReminderDispatcher(DispatchPolicy(batch_size=5))
    try:
        while True:
            try:
                async with db.unit_of_work() as session:
                    outcomes = await dispatcher.dispatch_due(session, now=DUE)
            except OperationalError:  # SQLite: another writer holds the lock; retry like the next tick
                await asyncio.sleep(0.01)
                continue
            if not outcomes:
                return
            handled[name] += len(outcomes)
            await asyncio.sleep(0)  # let the other worker in between batches
    finally:
        await db.dispose()


async def test_two_workers_never_double_send(db: Database, people: People, database_url: str) -> None:
    for _ in range(CLIENTS):
        await people.client()
    await plan(db, utc(2026, 11, 24, 6, 0))
    handled: Counter[str] = Counter()
    await asyncio.gather(_worker(database_url, "a", handled), _worker(database_url, "b", handled))

    sent = [r for r in await reminders(db, kind="checkin") if r.status == ReminderStatus.SENT]
    queued = await outbox(db)
    assert len(sent) == CLIENTS  # none lost
    assert len(queued) == CLIENTS and len({m.dedupe_key for m in queued}) == CLIENTS  # none twice
    assert sorted(m.chat_id for m in queued) == sorted({m.chat_id for m in queued})
    assert all(r.attempts == 1 for r in sent)
    assert handled["a"] + handled["b"] == CLIENTS
    if not db.is_sqlite:
        assert handled["a"] and handled["b"], handled  # both workers took a share


@pytest.mark.skipif(
    not postgres_requested(), reason="row locks are a PostgreSQL feature; SQLite has one writer"
)
async def test_rows_claimed_by_one_worker_are_skipped_by_the_other(
    db: Database, people: People, database_url: str
) -> None:
    for _ in range(4):
        await people.client()
    await plan(db, utc(2026, 11, 24, 6, 0))
    other = Database(database_url)
    try:
        async with db.unit_of_work() as first_session:
            first = await ReminderDispatcher(DispatchPolicy(batch_size=2)).claim_due(first_session, now=DUE)
            async with other.unit_of_work() as second_session:
                second = await ReminderDispatcher().claim_due(second_session, now=DUE)
        assert len(first) == 2 and len(second) == 2
        assert {r.id for r in first}.isdisjoint({r.id for r in second})
    finally:
        await other.dispose()
