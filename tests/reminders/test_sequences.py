"""A program's email sequence (welcome series on day 0, 2 and 7) from its file's front matter: parsed
with line-numbered errors, planned as reminders (again and again: once), sent once each to the
client's confirmed address through a real SMTP server, and never to an unconfirmed one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.outbound.sender import OutboundSender
from domain.db import Database
from domain.models import Client, OutboundMessage, Reminder
from domain.programs.format import ProgramFormatError, parse_program
from domain.reminders import DispatchPolicy, ReminderDispatcher
from domain.reminders.sequences import plan_email_sequences, plan_weekly_summaries
from integrations.email import EmailTransport, SmtpConfig
from tests.programs.conftest import enroll_client
from tests.programs.example import EXAMPLE
from tests.reminders.conftest import People
from tests.reminders.smtp_server import Inbox, start_smtp

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SEQUENCE = """\
email_sequence:
  - day: 0
    subject: Welcome to Couch to 5K
    text: |
      Glad you are here. Tomorrow we walk.
  - day: 2
    subject: How did the first walk go?
    text: "Two days in: keep the shoes by the door."
  - day: 7
    subject: One week done
    text: A week of walking. Next week, the first intervals.
"""
WITH_SEQUENCE = EXAMPLE.replace("checkin_questions:", SEQUENCE + "checkin_questions:", 1)
EMAIL = DispatchPolicy(email_enabled=True)


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    server, port = await start_smtp(inbox)
    yield inbox, port
    server.close()
    await server.wait_closed()


def test_the_sequence_is_read_from_the_front_matter() -> None:
    program = parse_program(WITH_SEQUENCE)
    assert [(e.day, e.subject) for e in program.email_sequence] == [
        (0, "Welcome to Couch to 5K"),
        (2, "How did the first walk go?"),
        (7, "One week done"),
    ]
    assert program.email_sequence[0].text == "Glad you are here. Tomorrow we walk."


def test_bad_entries_are_named_by_line() -> None:
    bad = EXAMPLE.replace(
        "checkin_questions:",
        "email_sequence:\n"
        "  - day: 2\n    subject: Hi\n    text: a\n"  # lines 15-17
        "  - day: 2\n    subject: Again\n    text: b\n"  # 18-20: the same day
        "  - day: -1\n    subject: Before\n    text: c\n"  # 21: before the start
        "  - day: 1\n    subjcet: Typo\n    text: d\n"  # 24: no subject, 25: unknown field
        "  - day: 0\n    subject: Late\n    text: e\n"  # 27: out of order
        "  - day: 3\n    subject: Empty\n"  # 30: no text
        "checkin_questions:",
        1,
    )
    with pytest.raises(ProgramFormatError) as caught:
        parse_program(bad)
    assert [str(p) for p in caught.value.problems] == [
        "line 18: day 2 already has an email (line 15): one email per day",
        "line 21: 'day' must be a whole number from 0 (the day the client starts) to 365",
        "line 24: day 1 comes after day 2: list the emails in order",
        "line 24: the email of day 1 needs a 'subject'",
        "line 25: unknown email field 'subjcet' (known: day, subject, text)",
        "line 27: day 0 comes after day 2: list the emails in order",
        "line 30: the email of day 3 needs a 'text'",
    ]


async def dispatch(db: Database, now: datetime) -> None:
    async with db.unit_of_work() as session:
        await ReminderDispatcher(EMAIL).dispatch_due(session, now=now)


async def plan(db: Database, now: datetime) -> int:
    async with db.unit_of_work() as session:
        return await plan_email_sequences(session, now=now)


async def sequence_rows(db: Database) -> list[Reminder]:
    async with db.unit_of_work() as session:
        query = select(Reminder).where(Reminder.kind == "email_sequence").order_by(Reminder.due_at)
        return list(await session.scalars(query))


async def emails(db: Database) -> list[OutboundMessage]:
    async with db.unit_of_work() as session:
        return list(await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "email")))


async def test_welcome_series_is_planned_once_and_sent_once_each(
    db: Database, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    enrolled = await enroll_client(db, started=START, text=WITH_SEQUENCE, price="0")
    async with db.unit_of_work() as session:
        client = await session.get(Client, enrolled.client_id)
        assert client is not None
        client.email, client.email_verified_at = "sam@example.com", START
    assert await plan(db, START) == 3
    assert await plan(db, START + timedelta(minutes=5)) == 0  # planned again (a restart): nothing new
    rows = await sequence_rows(db)
    assert [r.due_at - START for r in rows] == [timedelta(0), timedelta(days=2), timedelta(days=7)]

    sender = OutboundSender(db)
    sender.register(
        EmailTransport(
            SmtpConfig(
                host="127.0.0.1",
                port=port,
                sender="coach@example.com",
                starttls=False,
                unsubscribe_url="http://127.0.0.1:1/email/unsubscribe",
            ),
            validate_certs=False,
        )
    )
    for day in (0, 1, 2, 3, 7, 8):
        now = START + timedelta(days=day, minutes=1)
        await dispatch(db, now)
        await dispatch(db, now)  # a second worker pass: nothing twice
        await plan(db, now)
        await sender.drain_once()
    subjects = [str(email["Subject"]) for _envelope, email in inbox.messages]
    assert subjects == ["Welcome to Couch to 5K", "How did the first walk go?", "One week done"]
    assert all(envelope.rcpt_tos == ["sam@example.com"] for envelope, _email in inbox.messages)
    assert all(email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for _e, email in inbox.messages)
    assert [r.status for r in await sequence_rows(db)] == ["sent", "sent", "sent"]


async def test_no_confirmed_address_no_email(db: Database) -> None:
    enrolled = await enroll_client(db, started=START, text=WITH_SEQUENCE, price="0")
    async with db.unit_of_work() as session:
        client = await session.get(Client, enrolled.client_id)
        assert client is not None
        client.email = "typo@example.com"  # typed, never confirmed
    await plan(db, START)
    await dispatch(db, START + timedelta(minutes=1))
    first = (await sequence_rows(db))[0]
    assert (first.status, first.last_error) == ("skipped", "no confirmed email address")
    assert await emails(db) == []
    # Long after the start, a late planning pass adds no stale emails.
    assert await plan(db, START + timedelta(days=30)) == 0


async def test_weekly_summary_goes_by_email_on_monday_once(db: Database, people: People) -> None:
    from conversations.progress_summary import weekly_summary_payload
    from domain.services.checkins import record_check_in

    monday = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # a Monday, before 09:00 UTC
    mailed = await people.client(
        preferred_channel="email",
        email="eve@example.com",
        email_verified_at=START,
        timezone="UTC",
        locale="de",
    )
    chatting = await people.client(email="fay@example.com", email_verified_at=START)
    quiet = await people.client(preferred_channel="email", email="gus@example.com", email_verified_at=START)
    async with db.unit_of_work() as session:
        for days_ago in (1, 2, 4):
            await record_check_in(
                session,
                client_id=mailed.id,
                mood=7,
                energy=6,
                sleep_hours=7.5,
                adherence="yes",
                source_channel="telegram",
                at=monday - timedelta(days=days_ago),
            )
    async with db.unit_of_work() as session:
        assert await plan_weekly_summaries(session, now=monday) == 4  # this Monday and the next, twice
        assert await plan_weekly_summaries(session, now=monday) == 0
    policy = ReminderDispatcher(EMAIL, summary=weekly_summary_payload)
    for now in (monday + timedelta(hours=3, minutes=1), monday + timedelta(hours=3, minutes=2)):
        async with db.unit_of_work() as session:
            await policy.dispatch_due(session, now=now)
    [sent] = await emails(db)
    assert sent.chat_id == "eve@example.com" and sent.payload["subject"].startswith("Dein Fortschritt")
    assert "3" in sent.payload["text"] and sent.payload["unsubscribe_token"].startswith(f"{mailed.id}.")
    async with db.unit_of_work() as session:
        rows = await session.scalars(select(Reminder).where(Reminder.kind == "weekly_summary"))
        decided = {
            (r.client_id, r.status, r.last_error) for r in rows if r.due_at <= monday + timedelta(hours=4)
        }
    assert decided == {(mailed.id, "sent", None), (quiet.id, "skipped", "no check-ins to sum up")}
    assert chatting.preferred_channel is None  # chose no email: no summary planned
