"""Dispatching due reminders to the outbox: once, only when relevant, never a burst after downtime."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.blocks import notice_text
from conversations.i18n import use_locale
from conversations.messages import OutgoingMessage
from domain.db import Database
from domain.models import Coach, Reminder
from domain.models.enums import ReminderStatus
from domain.reminders import DispatchPolicy, ReminderDispatcher
from domain.reminders.dispatch import basic_digest
from tests.reminders.conftest import People, by_kind, dispatch, outbox, plan, reminders, utc

MORNING = utc(2026, 11, 24, 6, 0)  # a Tuesday; reminders at the default 09:00 UTC


async def test_a_due_reminder_is_queued_once(db: Database, people: People) -> None:
    client = await people.client()
    await plan(db, MORNING)
    assert await dispatch(db, utc(2026, 11, 24, 8, 59)) == []
    outcomes = await dispatch(db, utc(2026, 11, 24, 9, 0))
    assert [(o.kind, o.status, o.reason) for o in outcomes] == [("checkin", "sent", "due")]
    assert await dispatch(db, utc(2026, 11, 24, 9, 1)) == []
    [queued] = await outbox(db)
    assert (queued.platform, queued.chat_id) == ("telegram", "c1")
    message = OutgoingMessage.from_dict(queued.payload)
    assert "check-in" in message.text and message.all_buttons[0].payload == "/checkin"
    [sent] = by_kind(await reminders(db, client_id=client.id), "checkin")[:1]
    assert sent.status == ReminderStatus.SENT and sent.attempts == 1 and sent.sent_at is not None


async def test_skipped_when_already_checked_in_that_local_day(db: Database, people: People) -> None:
    client = await people.client(timezone="America/New_York", checkin_time="20:00")
    await plan(db, utc(2026, 11, 24, 12, 0))
    # 23:30 UTC on the 24th is 18:30 in New York: the same local day as the 20:00 reminder.
    await people.check_in(client, utc(2026, 11, 24, 23, 30))
    outcomes = await dispatch(db, utc(2026, 11, 25, 1, 0))
    assert [(o.kind, o.status, o.reason) for o in outcomes] == [
        ("checkin", "skipped", "already checked in today")
    ]
    assert await outbox(db) == []


async def test_one_gentle_follow_up_after_a_missed_reminder(db: Database, people: People) -> None:
    client = await people.client()
    await plan(db, MORNING)
    await dispatch(db, utc(2026, 11, 24, 9, 0))
    outcomes = await dispatch(db, utc(2026, 11, 24, 12, 0))
    assert [(o.kind, o.status) for o in outcomes] == [("checkin_followup", "sent")]
    assert await dispatch(db, utc(2026, 11, 24, 15, 0)) == []
    assert len(await outbox(db)) == 2

    # The next day they check in after the reminder: no follow-up.
    await plan(db, utc(2026, 11, 24, 12, 0))
    await dispatch(db, utc(2026, 11, 25, 9, 0))
    await people.check_in(client, utc(2026, 11, 25, 10, 0))
    outcomes = await dispatch(db, utc(2026, 11, 25, 12, 0))
    assert [(o.kind, o.status) for o in outcomes] == [("checkin_followup", "skipped")]
    assert len(await outbox(db)) == 3


async def test_downtime_sends_the_relevant_reminder_once_and_skips_stale_ones(
    db: Database, people: People
) -> None:
    await people.client()
    await people.client(checkin_time="10:30")
    await people.client(checkin_time="06:45")
    await plan(db, utc(2026, 11, 24, 0, 0))
    # Down from 06:00 to 11:05: the 06:45 reminder is stale, 09:00 is stale (2 h grace), 10:30 is fresh.
    outcomes = await dispatch(db, utc(2026, 11, 24, 11, 5))
    summary = sorted((o.kind, o.status, o.reason) for o in outcomes)
    assert summary == [
        ("checkin", "sent", "overdue within grace window"),
        ("checkin", "skipped", "stale: overdue beyond grace window"),
        ("checkin", "skipped", "stale: overdue beyond grace window"),
        ("checkin_followup", "sent", "overdue within grace window"),  # 06:45 + 3 h = 09:45, still relevant
    ]
    assert len(await outbox(db)) == 2
    assert await dispatch(db, utc(2026, 11, 24, 11, 6)) == []


async def test_quiet_hours_at_send_time_make_an_overdue_reminder_stale(db: Database, people: People) -> None:
    client = await people.client(checkin_time="21:30", quiet_hours_start="22:00", quiet_hours_end="07:00")
    await plan(db, MORNING)
    # The service was down at 21:30 and comes back at 22:10, inside the client's quiet hours.
    outcomes = await dispatch(db, utc(2026, 11, 24, 22, 10))
    assert [(o.status, o.reason) for o in outcomes] == [("skipped", "stale: now inside quiet hours")]
    assert await outbox(db) == []
    assert client.id


async def test_pause_skips_reminders_already_planned(db: Database, people: People) -> None:
    client = await people.client()
    await plan(db, MORNING)
    async with db.unit_of_work() as session:
        stored = await session.get(type(client), client.id)
        assert stored is not None
        stored.paused_until = utc(2026, 11, 30, 0, 0)  # set directly, as an admin would
    outcomes = await dispatch(db, utc(2026, 11, 24, 9, 0))
    assert [(o.status, o.reason) for o in outcomes] == [("skipped", "paused")]


async def test_re_engagement_after_three_missed_check_ins(db: Database, people: People) -> None:
    coach = await people.coach()
    client = await people.client(coach)
    for day in range(23, 27):  # reminders sent on Mon-Wed with no check-in, then Thursday
        await plan(db, utc(2026, 11, day, 0, 0))
        await dispatch(db, utc(2026, 11, day, 9, 0))
        await dispatch(db, utc(2026, 11, day, 12, 0))
    messages = await outbox(db)
    texts = [m.payload["text"] for m in messages]
    notices = [m for m in messages if m.payload.get("type") == "coach_notice"]
    assert sum("not heard from you" in t for t in texts) == 1
    assert len(notices) == 1 and notices[0].payload["kind"] == "missed_checkins"
    assert notices[0].chat_id == coach.slack_user_id and notices[0].payload["data"]["missed"] == 3
    name = client.display_name
    assert notices[0].payload["text"] == f"{name} has missed 3 check-ins in a row."
    with use_locale("de"):  # what Slack posts to a German coach, from the values stored with it
        assert notice_text(notices[0].payload) == f"{name} hat 3 Check-ins in Folge verpasst."
    # Day 4 got the re-engagement message instead of the plain reminder.
    assert "not heard from you" in texts[-3] or "not heard from you" in texts[-2]

    # Still silent on Friday: the plain reminder again, no second alert for the same streak.
    await plan(db, utc(2026, 11, 27, 0, 0))
    await dispatch(db, utc(2026, 11, 27, 9, 0))
    assert len([m for m in await outbox(db) if m.payload.get("type") == "coach_notice"]) == 1

    # A check-in ends the streak; three new misses alert again.
    await people.check_in(client, utc(2026, 11, 27, 10, 0))
    for day in range(28, 32):
        now = utc(2026, 11, 1, 0, 0) + timedelta(days=day - 1)
        await plan(db, now)
        await dispatch(db, now + timedelta(hours=9))
    assert len([m for m in await outbox(db) if m.payload.get("type") == "coach_notice"]) == 2


async def test_coach_digest_goes_to_slack_or_email_or_is_skipped(db: Database, people: People) -> None:
    slack_coach = await people.coach(digest_time="08:00")
    mail_coach = await people.coach(digest_time="08:00", slack_user_id=None)
    await people.client(slack_coach, display_name="Ada")
    await plan(db, MORNING)
    outcomes = await dispatch(db, utc(2026, 11, 25, 8, 0), DispatchPolicy(email_enabled=True))
    digests = [o for o in outcomes if o.kind == "coach_digest"]
    # Yesterday's digests were never sent (the service was down): stale, skipped, not delivered late.
    assert sorted(o.reason for o in digests) == [
        "digest by email",
        "digest to Slack",
        "stale: overdue beyond grace window",
        "stale: overdue beyond grace window",
    ]
    queued = {m.platform: m for m in await outbox(db)}
    assert queued["slack"].payload["type"] == "coach_digest" and "Ada" in queued["slack"].payload["text"]
    assert queued["slack"].chat_id == slack_coach.slack_user_id
    assert queued["email"].chat_id == mail_coach.email
    assert queued["slack"].payload["period"] == "day"
    assert queued["slack"].payload["text"].startswith("Daily digest for 2026-11-25\n0 of 1 active clients")
    email = OutgoingMessage.from_dict(queued["email"].payload)
    assert email.text == "Daily digest for 2026-11-25\nNo active clients yet."
    assert queued["email"].payload["subject"] == "Your daily coaching digest"

    async with db.unit_of_work() as session:
        session.add(Reminder(kind="coach_digest", coach_id=mail_coach.id, due_at=utc(2026, 11, 26, 8, 0)))
    outcomes = await dispatch(db, utc(2026, 11, 26, 8, 0), DispatchPolicy(email_enabled=False))
    assert ("skipped", "no digest channel configured") in [(o.status, o.reason) for o in outcomes]


async def test_the_plain_digest_covers_the_coachs_period(db: Database, people: People) -> None:
    coach = await people.coach(digest_time="08:00")
    ada = await people.client(coach, display_name="Ada")
    bo = await people.client(coach, display_name="Bo")
    await people.client(coach, display_name="Cy")
    for when in (utc(2026, 11, 24, 10, 0), utc(2026, 11, 25, 7, 59)):
        await people.check_in(ada, when)
    await people.check_in(bo, utc(2026, 11, 24, 7, 59))  # just before yesterday's digest
    now = utc(2026, 11, 25, 8, 0)

    async def digest_text(cadence: str) -> list[str]:
        async with db.unit_of_work() as session:
            row = await session.get(Coach, coach.id)
            assert row is not None
            row.digest_cadence = cadence
            return (await basic_digest(session, row, now)).splitlines()

    assert await digest_text("daily") == [
        "Daily digest for 2026-11-25",
        "1 of 3 active clients checked in since yesterday morning.",
        "- Ada: checked in 2 times (last check-in 2026-11-25)",
        "- Bo: no check-in (last check-in 2026-11-24)",
        "- Cy: no check-in (never checked in)",
    ]
    assert await digest_text("weekly") == [
        "Weekly digest for the week ending 2026-11-25",
        "2 of 3 active clients checked in this week.",
        "- Ada: checked in 2 times (last check-in 2026-11-25)",
        "- Bo: checked in (last check-in 2026-11-24)",
        "- Cy: no check-in (never checked in)",
    ]


async def test_a_weekly_coachs_scheduled_digest_is_the_weeks(db: Database, people: People) -> None:
    coach = await people.coach(digest_time="08:00", digest_cadence="weekly")
    await people.client(coach, display_name="Ada")
    monday = utc(2026, 11, 30, 8, 0)
    await plan(db, monday - timedelta(hours=1))
    await dispatch(db, monday)
    [digest, summary] = [m for m in await outbox(db) if m.platform == "slack"]
    assert summary.payload["type"] == "business_summary"  # Monday's digest brings the week's numbers
    assert digest.payload["period"] == "week" and digest.payload["cadence"] == "weekly"
    assert digest.payload["text"].startswith("Weekly digest for the week ending 2026-11-30\n0 of 1 active")


async def test_a_client_without_a_reachable_channel_is_marked_failed(db: Database, people: People) -> None:
    client = await people.client()
    async with db.unit_of_work() as session:
        from sqlalchemy import update

        from domain.models import ChannelIdentity

        await session.execute(update(ChannelIdentity).values(unreachable=True))
    await plan(db, MORNING)
    outcomes = await dispatch(db, utc(2026, 11, 24, 9, 0))
    assert [(o.status, o.reason) for o in outcomes] == [("failed", "no reachable channel")]
    [row] = by_kind(await reminders(db, client_id=client.id), "checkin")[:1]
    assert row.last_error == "no reachable channel"


async def test_email_is_used_when_the_client_prefers_it(db: Database, people: People) -> None:
    await people.client(
        preferred_channel="email", email="ada@example.com", email_verified_at=utc(2026, 11, 1)
    )
    await plan(db, MORNING)
    await dispatch(db, utc(2026, 11, 24, 9, 0), DispatchPolicy(email_enabled=True))
    [queued] = await outbox(db)
    assert (queued.platform, queued.chat_id) == ("email", "ada@example.com")


async def test_an_unexpected_error_is_retried_then_given_up(db: Database, people: People) -> None:
    from domain.reminders import ReminderDispatcher

    await people.coach(digest_time="08:00")
    await people.client()  # its reminder goes out even though the digest fails

    async def broken_digest(*_: object) -> str:
        raise RuntimeError("insights down")

    await plan(db, MORNING)
    dispatcher = ReminderDispatcher(digest=broken_digest)
    statuses = []
    for minute in range(3):
        async with db.unit_of_work() as session:
            outcomes = await dispatcher.dispatch_due(session, now=utc(2026, 11, 24, 9, minute))
        statuses.append(sorted((o.kind, o.status) for o in outcomes))
    assert statuses == [
        [("checkin", "sent"), ("coach_digest", "pending")],
        [("coach_digest", "pending")],
        [("coach_digest", "failed")],
    ]
    [digest] = by_kind(await reminders(db), "coach_digest")[:1]
    assert (digest.attempts, digest.last_error) == (3, "RuntimeError")
    assert len(await outbox(db)) == 1


async def test_digests_are_composed_before_the_batch_writes_anything(db: Database, people: People) -> None:
    """Composing a large coach's digest takes seconds; on SQLite the batch's first write holds the only
    write lock until its commit, so the digest is read first. A composer that fails there does not sink
    the batch: the digest is composed again on its own path, and retried like any failure."""
    coach = await people.coach(digest_time="09:00")
    broken = await people.coach(digest_time="09:00")
    for _ in range(3):
        await people.client(coach)
    await plan(db, MORNING)
    writes: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    seen: list[tuple[int, int]] = []  # (coach id, writes already sent when composing)

    async def composer(session: AsyncSession, who: Coach, now: datetime) -> str:
        seen.append((who.id, len(writes)))
        if who.id == broken.id:
            raise RuntimeError("insights unavailable")
        return await basic_digest(session, who, now)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.unit_of_work() as session:
            outcomes = await ReminderDispatcher(digest=composer).dispatch_due(
                session, now=utc(2026, 11, 24, 9, 0)
            )
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert seen[:2] == [(coach.id, 0), (broken.id, 0)]  # before any write
    assert seen[2:] == [(broken.id, seen[2][1])] and seen[2][1] > 0  # composed again, after the others
    assert sorted((o.kind, o.status) for o in outcomes) == [
        ("checkin", "sent"),
        ("checkin", "sent"),
        ("checkin", "sent"),
        ("coach_digest", "pending"),  # will retry
        ("coach_digest", "sent"),
    ]
    digest = next(m for m in await outbox(db) if m.payload.get("type") == "coach_digest")
    assert digest.chat_id == coach.slack_user_id and digest.payload["text"].startswith("Daily digest")
