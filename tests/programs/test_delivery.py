"""Drip delivery against the database: each step once, through the outbox, at the client's time;
surviving a crash and a restart; held for unpaid clients; completing finished enrollments."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.slack.blocks import notice_text
from conversations.flows.program import render_completion, render_step
from conversations.i18n import use_locale
from domain.db import Database
from domain.models import EnrollmentProgress, OutboundMessage, StepRelease
from domain.program_delivery import deliver_due_steps, deliveries_at
from domain.services import program_progress
from integrations.scheduler.component import ReminderScheduler
from tests.programs.conftest import activate, enroll_client, enrollment_status
from tests.support.databases import count

# Friday 27 March 2026, 10:00 in Berlin; the client's reminder time is 08:00 local.
STARTED = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
DAY1_AT = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)  # 08:00 CET, already past when they enrolled
DAY3_AT = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST: clocks went forward that night


async def tick(db: Database, now: datetime) -> list[str]:
    async with db.unit_of_work() as session:
        outcomes = await deliver_due_steps(
            session, now=now, render_step=render_step, render_completion=render_completion
        )
    return [f"{o.what}:{o.detail}" for o in outcomes]


async def queued(db: Database) -> list[dict[str, object]]:
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all()
        return [r.payload | {"dedupe_key": r.dedupe_key, "chat_id": r.chat_id} for r in rows]


async def test_each_step_goes_once_on_its_day_at_the_reminder_time_across_dst(db: Database) -> None:
    await enroll_client(db, started=STARTED)
    # Day 1's reminder time had passed when the client enrolled: the step goes at once.
    assert await tick(db, STARTED) == ["step:day 1 (Welcome) at 08:00 Europe/Berlin"]
    messages = await queued(db)
    assert len(messages) == 1 and messages[0]["chat_id"] == "chat-7"
    assert str(messages[0]["text"]).startswith("Couch to 5K · Day 1: Welcome (step 1 of 2)\n\nWhy walking")
    assert [b[0]["payload"] for b in messages[0]["buttons"]] == ["/today done 1 1", "/today done 2 1"]  # type: ignore[index]
    for now in (STARTED + timedelta(hours=1), DAY3_AT - timedelta(minutes=1)):
        assert await tick(db, now) == []
    assert await tick(db, DAY3_AT) == ["step:day 3 (First intervals) at 08:00 Europe/Berlin"]
    assert await tick(db, DAY3_AT + timedelta(minutes=1)) == []
    day3 = (await queued(db))[1]
    assert "Interval guide (attached)" in str(day3["text"])
    files = day3["files"]
    assert isinstance(files, list) and files[0]["file_name"] == "intervals.pdf"
    assert base64.b64decode(files[0]["content"]) == b"%PDF-1.4 interval guide"
    assert await count(db, StepRelease) == 2 and await count(db, OutboundMessage) == 2


async def test_the_day_one_step_waits_for_the_reminder_time(db: Database) -> None:
    early = datetime(2026, 3, 27, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    await enroll_client(db, started=early)
    assert await tick(db, early) == []
    assert await tick(db, DAY1_AT) == ["step:day 1 (Welcome) at 08:00 Europe/Berlin"]


async def test_a_crash_before_the_commit_delivers_nothing_and_a_restart_delivers_once(
    db: Database, database_url: str
) -> None:
    await enroll_client(db, started=DAY1_AT)

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with db.unit_of_work() as session:
            await deliver_due_steps(
                session, now=DAY1_AT, render_step=render_step, render_completion=render_completion
            )
            raise Crash  # the process dies before the commit
    assert await count(db, OutboundMessage) == 0 and await count(db, StepRelease) == 0
    # A new process (its own engine and scheduler) picks it up, once, however often it ticks.
    restarted = Database(database_url)
    try:
        scheduler = ReminderScheduler(restarted, clock=lambda: DAY1_AT + timedelta(minutes=1))
        assert await scheduler.deliver_program_steps() == 1
        assert await scheduler.deliver_program_steps() == 0
        again = ReminderScheduler(Database(database_url), clock=lambda: DAY1_AT + timedelta(minutes=2))
        assert await again.deliver_program_steps() == 0
        await again.db.dispose()
    finally:
        await restarted.dispose()
    assert await count(db, OutboundMessage) == 1
    [message] = await queued(db)
    assert str(message["dedupe_key"]).endswith(":welcome")


async def test_an_unpaid_client_gets_day_one_only_until_paid_then_catches_up(db: Database) -> None:
    enrolled = await enroll_client(db, started=DAY1_AT, price="49.00")
    assert await enrollment_status(db, enrolled.enrollment_id) == "pending_payment"
    assert await tick(db, DAY1_AT) == ["step:day 1 (Welcome) at 08:00 Europe/Berlin"]
    assert await tick(db, DAY3_AT) == []
    async with db.unit_of_work() as session:
        [preview] = await deliveries_at(session, DAY3_AT)
    assert (preview.step, preview.would_send) == ("day 3: First intervals", False)
    assert preview.why == "day 3 (First intervals) at 08:00 Europe/Berlin; waiting for payment"
    # Paid on Monday afternoon: day 1 is then (the program starts when it becomes active) ...
    monday = datetime(2026, 3, 30, 13, 0, tzinfo=UTC)
    await activate(db, enrolled.enrollment_id, monday)
    assert await tick(db, monday) == []
    # ... so the day-3 step comes on Wednesday at 08:00.
    assert await tick(db, datetime(2026, 4, 1, 6, 0, tzinfo=UTC)) == [
        "step:day 3 (First intervals) at 08:00 Europe/Berlin"
    ]


async def test_the_preview_names_who_gets_which_step_and_why(db: Database) -> None:
    berlin = await enroll_client(db, started=DAY1_AT, user="7")
    new_york = await enroll_client(db, started=DAY1_AT, user="8", timezone="America/New_York")
    async with db.unit_of_work() as session:
        found = await deliveries_at(session, DAY1_AT)
        assert [(d.client, d.step, d.would_send, d.why) for d in found] == [
            (f"client:{berlin.client_id}", "day 1: Welcome", True, "day 1 (Welcome) at 08:00 Europe/Berlin")
        ]
        later = await deliveries_at(session, datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # 08:00 EDT
        assert [(d.client, d.step, d.would_send) for d in later] == [
            (f"client:{new_york.client_id}", "day 1: Welcome", True)
        ]
        assert await deliveries_at(session, datetime(2026, 3, 27, 12, 1, tzinfo=UTC)) == []


async def test_completion_after_the_last_tasks_and_after_the_weeks(db: Database) -> None:
    first = await enroll_client(db, started=DAY1_AT, user="7")
    second = await enroll_client(db, started=DAY1_AT, user="8")
    await tick(db, DAY1_AT)
    await tick(db, DAY3_AT)
    async with db.unit_of_work() as session:
        tick_result = await program_progress.tick_task(
            session, first.client_id, 1, now=DAY3_AT + timedelta(hours=1), completion=render_completion
        )
    assert tick_result.completed and await enrollment_status(db, first.enrollment_id) == "completed"
    messages = await queued(db)
    completion = [m for m in messages if m["dedupe_key"] == f"program_complete:{first.enrollment_id}"]
    assert completion and str(completion[0]["text"]).startswith(
        "🎉 You completed Couch to 5K! In 3 days you checked in 0 times and did 1 of 3 tasks."
    )
    notices = [m for m in messages if m["dedupe_key"] == f"notice:program_complete:{first.enrollment_id}"]
    assert notices and notices[0]["text"] == "Sam completed Couch to 5K: 1 of 3 tasks, 0 check-ins."
    with use_locale("ru"):  # what Slack posts to a Russian coach, from the values stored with it
        assert notice_text(notices[0]) == "Sam завершил(а) «Couch to 5K»: 1 из 3 задач, 0 отметок."
    # The other client never ticks; after six weeks the program is over for them too.
    assert await tick(db, DAY1_AT + timedelta(days=41)) == []
    assert await tick(db, datetime(2026, 5, 7, 22, 0, tzinfo=UTC)) == ["completed:Couch to 5K"]
    assert await enrollment_status(db, second.enrollment_id) == "completed"
    async with db.unit_of_work() as session:
        done = (await session.scalars(select(EnrollmentProgress.completed_at))).all()
        assert all(done)
    assert await tick(db, datetime(2026, 5, 8, 6, 0, tzinfo=UTC)) == []
