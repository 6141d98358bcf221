"""The hold: one conditional insert guarded by the unique (coach, held_start) pair. Two clients racing
for one slot, on two connections and (PostgreSQL) in two processes: exactly one wins. Cancelling frees
the slot; rescheduling keeps the UID and raises SEQUENCE."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.booking.availability import parse_availability
from domain.db import Database
from domain.models import Booking
from domain.services import booking as bookings
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from tests.support.databases import postgres_requested

START = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
HOURS = 'timezone: America/New_York\nweekly:\n  monday: ["09:00-12:00"]\n'


async def setup(db: Database, clients: int = 2) -> tuple[int, list[int]]:
    async with db.unit_of_work() as session:
        coach = await create_coach(session, name="Ada", email="ada@example.com", timezone="America/New_York")
        await bookings.set_availability(session, coach.id, parse_availability(HOURS), actor="admin")
        ids = []
        for n in range(clients):
            client = await register_client(
                session,
                platform="console",
                external_user_id=f"c{n}",
                chat_id=f"chat-c{n}",
                display_name=f"C{n}",
                coach_id=coach.id,
            )
            ids.append(client.id)
        return coach.id, ids


async def hold(
    db: Database, coach_id: int, client_id: int, start: datetime = START
) -> bookings.BookedSession | None:
    async with db.unit_of_work() as session:
        return await bookings.hold_slot(
            session,
            coach_id=coach_id,
            client_id=client_id,
            start=start,
            minutes=50,
            buffer_minutes=10,
            video_url="https://meet.jit.si/room",
            now=NOW,
        )


async def held_count(db: Database) -> int:
    async with db.unit_of_work() as session:
        return int(
            await session.scalar(select(func.count(Booking.id)).where(Booking.held_start.is_not(None))) or 0
        )


async def test_second_hold_of_a_slot_loses_and_an_overlap_too(db: Database) -> None:
    coach_id, (a, b) = await setup(db)
    assert await hold(db, coach_id, a) is not None
    assert await hold(db, coach_id, b) is None
    assert await hold(db, coach_id, b, START + timedelta(minutes=30)) is None  # overlaps
    assert await hold(db, coach_id, b, START + timedelta(minutes=55)) is None  # inside the buffer
    assert await hold(db, coach_id, b, START + timedelta(hours=1)) is not None
    assert await held_count(db) == 2


async def test_two_connections_racing_for_one_slot_exactly_one_wins(db: Database, database_url: str) -> None:
    coach_id, (a, b) = await setup(db)
    first, second = Database(database_url), Database(database_url)
    try:
        async with first.unit_of_work() as session_a:
            won_a = await bookings.hold_slot(
                session_a,
                coach_id=coach_id,
                client_id=a,
                start=START,
                minutes=50,
                buffer_minutes=10,
                video_url="https://meet.jit.si/a",
            )

            async def other() -> bookings.BookedSession | None:
                async with second.unit_of_work() as session_b:
                    return await bookings.hold_slot(
                        session_b,
                        coach_id=coach_id,
                        client_id=b,
                        start=START,
                        minutes=50,
                        buffer_minutes=10,
                        video_url="https://meet.jit.si/b",
                    )

            racing = asyncio.create_task(other())
            await asyncio.sleep(0.3)  # the other transaction is now waiting on ours (or on the lock)
        won_b = await racing
    finally:
        await first.dispose()
        await second.dispose()
    assert (won_a is None) != (won_b is None)
    assert await held_count(db) == 1


@pytest.mark.skipif(not postgres_requested(), reason="two processes writing at once: PostgreSQL")
async def test_two_processes_racing_for_one_slot_exactly_one_wins(db: Database, database_url: str) -> None:
    coach_id, (a, b) = await setup(db)
    for round_ in range(3):
        start = START + timedelta(days=7 * round_)
        go = time.time() + 4.0
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.booking.hold_worker",
                database_url,
                str(coach_id),
                str(client),
                start.isoformat(),
                str(go),
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for client in (a, b)
        ]
        outputs = [await asyncio.wait_for(p.communicate(), timeout=60) for p in procs]
        results = sorted(out.decode().strip() for out, _ in outputs)
        assert results == ["lost", "won"], outputs
    assert await held_count(db) == 3


async def test_cancel_frees_the_slot_and_raises_the_sequence(db: Database) -> None:
    coach_id, (a, b) = await setup(db)
    held = await hold(db, coach_id, a)
    assert held is not None and held.sequence == 0
    async with db.unit_of_work() as session:
        cancelled = await bookings.cancel_booking(session, held.id, actor="client", now=NOW)
        assert await bookings.cancel_booking(session, held.id, actor="client", now=NOW) is None
    assert cancelled is not None and cancelled.sequence == 1 and cancelled.uid == held.uid
    assert await hold(db, coach_id, b) is not None


async def test_reschedule_keeps_the_uid_and_refuses_a_taken_slot(db: Database) -> None:
    coach_id, (a, b) = await setup(db)
    mine = await hold(db, coach_id, a)
    theirs = await hold(db, coach_id, b, START + timedelta(hours=1))
    assert mine is not None and theirs is not None
    async with db.unit_of_work() as session:
        refused = await bookings.reschedule_booking(
            session, mine.id, start=theirs.starts_at, minutes=50, buffer_minutes=10, actor="client"
        )
        moved = await bookings.reschedule_booking(
            session, mine.id, start=START + timedelta(hours=2), minutes=50, buffer_minutes=10, actor="client"
        )
    assert refused is None
    assert moved is not None and moved.uid == mine.uid and moved.sequence == 1
    assert moved.starts_at == START + timedelta(hours=2)
    assert await hold(db, coach_id, b, START) is not None  # the old slot is free again


async def test_offer_leaves_out_held_and_calendar_busy_times(db: Database) -> None:
    from domain.booking.slots import Interval
    from domain.services.calendars import store_busy

    coach_id, (a, _b) = await setup(db)
    async with db.unit_of_work() as session:
        _, before = await bookings.offer_slots(session, coach_id, now=NOW, limit=3)
    assert before[0] == START
    assert await hold(db, coach_id, a) is not None
    async with db.unit_of_work() as session:
        await store_busy(
            session, coach_id, [Interval(START + timedelta(hours=1), START + timedelta(hours=1, minutes=5))]
        )
        _, after = await bookings.offer_slots(session, coach_id, now=NOW, limit=3)
    assert after[0] == START + timedelta(hours=2)
