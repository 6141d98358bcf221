"""Planning reminder rows from preferences: DST, cadences, quiet hours, pause, edits, idempotence."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest

from domain.clock import ensure_utc
from domain.db import Database
from domain.models.enums import ReminderStatus
from domain.reminders import QuietHours, set_client_reminder_preferences, set_coach_digest_preferences
from tests.reminders.conftest import People, by_kind, plan, reminders, utc


async def test_berlin_reminders_keep_local_time_across_spring_forward(db: Database, people: People) -> None:
    client = await people.client(timezone="Europe/Berlin", checkin_time="09:00")
    await plan(db, utc(2026, 3, 28, 0, 0))  # Saturday; Sunday is the DST change
    await plan(db, utc(2026, 3, 29, 12, 0))
    checkins = by_kind(await reminders(db, client_id=client.id), "checkin")
    assert {r.payload["local_date"]: ensure_utc(r.due_at) for r in checkins} == {
        "2026-03-28": utc(2026, 3, 28, 8, 0),
        "2026-03-29": utc(2026, 3, 29, 7, 0),
        "2026-03-30": utc(2026, 3, 30, 7, 0),
    }


async def test_new_york_gap_and_overlap(db: Database, people: People) -> None:
    gap = await people.client(timezone="America/New_York", checkin_time="02:30")
    await plan(db, utc(2026, 3, 8, 5, 0))  # midnight in New York
    due = {r.payload["local_date"]: ensure_utc(r.due_at) for r in by_kind(await reminders(db), "checkin")}
    assert due["2026-03-08"] == utc(2026, 3, 8, 7, 0)  # 03:00 EDT, the first valid instant
    assert due["2026-03-09"] == utc(2026, 3, 9, 6, 30)  # 02:30 EDT
    gap_rows = await reminders(db, client_id=gap.id)
    assert len(by_kind(gap_rows, "checkin")) == 2

    overlap = await people.client(timezone="America/New_York", checkin_time="01:30")
    await plan(db, utc(2026, 11, 1, 4, 0))  # midnight in New York
    due = {
        r.payload["local_date"]: ensure_utc(r.due_at)
        for r in by_kind(await reminders(db, client_id=overlap.id), "checkin")
    }
    assert due["2026-11-01"] == utc(2026, 11, 1, 5, 30)  # the first 01:30 (EDT), only once
    assert due["2026-11-02"] == utc(2026, 11, 2, 6, 30)  # 01:30 EST


async def test_planning_twice_adds_nothing(db: Database, people: People) -> None:
    await people.client(checkin_time="09:00")
    now = utc(2026, 11, 24, 6, 0)
    first = await plan(db, now)
    assert first == 4  # today's and tomorrow's reminders and follow-ups
    assert await plan(db, now) == 0
    assert await plan(db, now + timedelta(minutes=5)) == 0
    assert len(await reminders(db)) == 4


async def test_weekly_and_weekday_cadences(db: Database, people: People) -> None:
    weekly = await people.client(checkin_cadence="weekly")
    weekdays = await people.client(checkin_cadence="weekdays")
    for day in range(23, 30):  # Monday 23 to Sunday 29 November 2026
        await plan(db, utc(2026, 11, day, 0, 0))
    assert [
        r.payload["local_date"] for r in by_kind(await reminders(db, client_id=weekly.id), "checkin")
    ] == [
        "2026-11-23",
        "2026-11-30",
    ]
    assert len(by_kind(await reminders(db, client_id=weekdays.id), "checkin")) == 6  # Mon-Fri and next Monday


async def test_quiet_hours_shift_the_reminder_and_drop_a_late_follow_up(db: Database, people: People) -> None:
    client = await people.client(checkin_time="06:30", quiet_hours_start="22:00", quiet_hours_end="07:00")
    await plan(db, utc(2026, 11, 24, 0, 0))
    rows = await reminders(db, client_id=client.id)
    assert ensure_utc(by_kind(rows, "checkin")[0].due_at) == utc(2026, 11, 24, 7, 0)
    assert ensure_utc(by_kind(rows, "checkin_followup")[0].due_at) == utc(2026, 11, 24, 10, 0)

    late = await people.client(checkin_time="20:00", quiet_hours_start="22:00", quiet_hours_end="07:00")
    await plan(db, utc(2026, 11, 24, 0, 0))
    rows = await reminders(db, client_id=late.id)
    # 20:00 + 3 h would be 23:00, inside quiet hours; shifted it would land tomorrow, so no follow-up.
    assert by_kind(rows, "checkin_followup") == []


async def test_pause_and_preference_changes_replan_pending_rows(db: Database, people: People) -> None:
    client = await people.client(checkin_time="09:00")
    now = utc(2026, 11, 24, 6, 0)
    await plan(db, now)
    async with db.unit_of_work() as session:
        await set_client_reminder_preferences(session, client.id, now=now, checkin_time="07:15")
    checkins = by_kind(await reminders(db, client_id=client.id), "checkin")
    assert [ensure_utc(r.due_at) for r in checkins] == [utc(2026, 11, 24, 7, 15), utc(2026, 11, 25, 7, 15)]

    async with db.unit_of_work() as session:
        await set_client_reminder_preferences(session, client.id, now=now, pause_days=3)
    assert await reminders(db, client_id=client.id, status=ReminderStatus.PENDING) == []
    await plan(db, utc(2026, 11, 25, 6, 0))
    assert await reminders(db, client_id=client.id) == []  # paused through the 26th
    await plan(db, utc(2026, 11, 27, 6, 0))  # the pause ends at 06:00 on the 27th
    assert [r.payload["local_date"] for r in by_kind(await reminders(db), "checkin")] == [
        "2026-11-27",
        "2026-11-28",
    ]

    async with db.unit_of_work() as session:
        await set_client_reminder_preferences(
            session, client.id, now=utc(2026, 11, 27, 6, 0), quiet_hours=QuietHours("06:00", "08:00")
        )
    assert ensure_utc(by_kind(await reminders(db), "checkin")[0].due_at) == utc(2026, 11, 27, 8, 0)


async def test_coach_digest_follows_the_coach_preferences(db: Database, people: People) -> None:
    coach = await people.coach(timezone="America/New_York", digest_time="08:00")
    now = utc(2026, 11, 24, 0, 0)
    await plan(db, now)
    digests = by_kind(await reminders(db, coach_id=coach.id), "coach_digest")
    # 00:00 UTC is still the 23rd in New York, whose 08:00 has passed; the 24th is next.
    assert [ensure_utc(r.due_at) for r in digests] == [utc(2026, 11, 24, 13, 0)]
    await plan(db, utc(2026, 11, 24, 12, 0))
    digests = by_kind(await reminders(db, coach_id=coach.id), "coach_digest")
    assert [ensure_utc(r.due_at) for r in digests] == [utc(2026, 11, 24, 13, 0), utc(2026, 11, 25, 13, 0)]
    async with db.unit_of_work() as session:
        await set_coach_digest_preferences(session, coach.id, now=now, digest_time="17:30", cadence="weekly")
    digests = by_kind(await reminders(db, coach_id=coach.id), "coach_digest")
    # 24 November is a Tuesday: the next weekly (Monday) digest is beyond the planning window.
    assert digests == []
    await plan(db, utc(2026, 11, 29, 12, 0))
    digests = by_kind(await reminders(db, coach_id=coach.id), "coach_digest")
    assert [ensure_utc(r.due_at) for r in digests] == [utc(2026, 11, 30, 22, 30)]


async def test_many_clients_are_planned_in_chunks(db: Database) -> None:
    from sqlalchemy import insert

    from domain.models import Client

    async with db.unit_of_work() as session:
        await session.execute(insert(Client), [{"display_name": f"C{i}"} for i in range(1200)])
    assert await plan(db, utc(2026, 11, 24, 6, 0)) == 4800
    assert await plan(db, utc(2026, 11, 24, 6, 0)) == 0


async def test_a_full_pass_commits_chunk_by_chunk_and_lets_other_tasks_run_between(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import insert

    from domain.models import Client
    from domain.reminders import planner

    async with db.unit_of_work() as session:
        await session.execute(insert(Client), [{"display_name": f"C{i}"} for i in range(1050)])
    ticks = 0
    stop = asyncio.Event()

    async def other_work() -> None:  # an acknowledgement, a sender poll: anything else on the loop
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    chunks: list[tuple[int, int]] = []  # (people in the chunk, other work done before it)
    real_plan_chunk = planner.plan_chunk

    async def watched(session: Any, **kwargs: Any) -> int:
        chunks.append((len(kwargs.get("clients", ())) + len(kwargs.get("coaches", ())), ticks))
        return await real_plan_chunk(session, **kwargs)

    monkeypatch.setattr(planner, "plan_chunk", watched)
    background = asyncio.create_task(other_work())
    try:
        added = await planner.plan_everyone(db, now=utc(2026, 11, 24, 6, 0), chunk_size=100)
    finally:
        stop.set()
        await background
    assert added == 4200
    client_chunks = [size for size, _ in chunks if size]
    assert client_chunks == [100] * 10 + [50]  # never more than one chunk of people in memory
    seen = [before for _, before in chunks]
    assert all(later > earlier for earlier, later in itertools.pairwise(seen)), seen
    # Each chunk committed on its own: a second pass finds every row and adds nothing.
    assert await planner.plan_everyone(db, now=utc(2026, 11, 24, 6, 0), chunk_size=100) == 0


async def test_reminders_of_clients_no_longer_active_are_dropped_by_the_pass(
    db: Database, people: People
) -> None:
    client = await people.client()
    await plan(db, utc(2026, 11, 24, 6, 0))
    async with db.unit_of_work() as session:
        stored = await session.get(type(client), client.id)
        assert stored is not None
        stored.status = "archived"
    await plan(db, utc(2026, 11, 24, 6, 0))
    assert await reminders(db, client_id=client.id) == []
