"""/book and /sessions through the real engine: slots in the client's timezone, confirm, hold, the
invite and meeting link, the reminder an hour before; a slot lost to another client re-offers;
reschedule and cancel with updated .ics (same UID, higher SEQUENCE) inside the notice period only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.slack.blocks import notice_text
from conversations.flows import booking as booking_flow
from conversations.i18n import use_locale
from conversations.messages import OutgoingMessage
from conversations.ports import PaymentOffer
from domain.booking.availability import parse_availability
from domain.db import Database
from domain.models import Client, Enrollment, OutboundMessage, Reminder
from domain.models.enums import EnrollmentStatus, ReminderStatus
from domain.reminders import ReminderDispatcher
from domain.services import booking as bookings
from domain.services.coaches import create_program, publish_program
from domain.services.enrollments import change_enrollment_status
from tests.conversations.conftest import CoachSetup
from tests.support.chat import Chat, FakeClock, onboard, registered, running_engine, texts

# The coach works in New York; Sam (onboarding picks Berlin) books from Berlin.
HOURS = 'timezone: America/New_York\nsession_minutes: 50\nbuffer_minutes: 10\nnotice_hours: 24\nweekly:\n  monday: ["09:00-11:00"]\n'


@pytest.fixture(autouse=True)
def commands() -> Iterator[None]:
    with registered(booking_flow.register):
        yield


@pytest.fixture
async def hours(db: Database, coach_setup: CoachSetup) -> None:
    async with db.unit_of_work() as session:
        await bookings.set_availability(
            session, coach_setup.coach.id, parse_availability(HOURS), actor="test"
        )


def invite(reply: OutgoingMessage) -> Calendar:
    [file] = reply.files
    assert file.file_name == "session.ics" and file.mime_type == "text/calendar"
    return Calendar.from_ical(file.content)


def event_of(calendar: Calendar) -> dict[str, str]:
    [event] = calendar.walk("VEVENT")
    return {
        "uid": str(event["UID"]),
        "sequence": str(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "start": event.decoded("DTSTART").astimezone(UTC).isoformat(),
        "location": str(event["LOCATION"]),
    }


def labels(replies: list[OutgoingMessage]) -> list[str]:
    return [b.label for r in replies for b in r.all_buttons]


async def test_book_offers_times_in_the_clients_zone_and_confirms_with_invite_and_link(
    db: Database, client_chat: Chat, hours: None, clock: FakeClock
) -> None:
    # 27 Nov 2026 12:00 UTC: the next Monday, 30 Nov, 09:00 in New York is 15:00 in Berlin.
    replies = await client_chat.send("/book")
    assert "times in your timezone, Europe/Berlin" in texts(replies)
    assert labels(replies)[:3] == ["Mon 30 Nov 15:00", "Mon 30 Nov 16:00", "Mon 7 Dec 15:00"]
    replies = await client_chat.press("Mon 30 Nov 15:00")
    assert "Book Mon 30 Nov 15:00 (50 minutes, your time)?" in texts(replies)
    replies = await client_chat.press("Book it")
    [reply] = replies
    assert reply.text.startswith(
        "Booked: Mon 30 Nov 15:00 (50 minutes, your time). Join here: https://meet.jit.si/"
    )
    event = event_of(invite(reply))
    assert event["start"] == "2026-11-30T14:00:00+00:00" and event["sequence"] == "0"
    assert event["location"] in reply.text and event["status"] == "CONFIRMED"
    async with db.unit_of_work() as session:
        [reminder] = (await session.scalars(select(Reminder).where(Reminder.kind == "session"))).all()
    assert reminder.due_at == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert event["location"] in reminder.payload["message"]["text"]
    # An hour before, the reminders machinery sends it.
    async with db.unit_of_work() as session:
        outcomes = await ReminderDispatcher().dispatch_due(
            session, now=datetime(2026, 11, 30, 13, 1, tzinfo=UTC)
        )
    assert [o.kind for o in outcomes] == ["session"] and outcomes[0].status == "sent"
    async with db.unit_of_work() as session:
        sent = await session.scalar(
            select(OutboundMessage).where(OutboundMessage.dedupe_key == f"reminder:{reminder.id}")
        )
    assert sent is not None and "starts in an hour, at Mon 30 Nov 15:00" in sent.payload["text"]
    # The slot is gone for the next client.
    replies = await client_chat.send("/book")
    assert "Mon 30 Nov 15:00" not in labels(replies)


async def test_a_slot_taken_meanwhile_is_reoffered_and_bad_input_reprompts(
    db: Database, chat: Callable[[str], Chat], hours: None, coach_setup: CoachSetup
) -> None:
    sam, kim = chat("sam"), chat("kim")
    await onboard(sam)
    await onboard(kim)
    await sam.send("/book")
    await kim.send("/book")
    await sam.press("Mon 30 Nov 15:00")
    await kim.press("Mon 30 Nov 15:00")
    replies = await kim.send("tomorrow please")
    assert "Please answer with the buttons" in texts(replies)
    await sam.press("Book it")
    replies = await kim.press("Book it")
    assert "someone has just taken that time" in texts(replies)
    assert "Mon 30 Nov 15:00" not in labels(replies) and "Mon 30 Nov 16:00" in labels(replies)
    replies = await kim.send("Mon 30 Nov 15:00")  # typed text is no slot: the same question again
    assert "Please pick one of the times" in texts(replies)
    await kim.press("Mon 30 Nov 16:00")
    replies = await kim.press("Book it")
    assert texts(replies).startswith("Booked: Mon 30 Nov 16:00")


async def test_reschedule_and_cancel_send_updated_invites(
    db: Database, client_chat: Chat, hours: None, clock: FakeClock
) -> None:
    await client_chat.send("/book")
    await client_chat.press("Mon 7 Dec 15:00")
    first = event_of(invite((await client_chat.press("Book it"))[0]))

    replies = await client_chat.send("/sessions")
    assert labels(replies) == ["Mon 7 Dec 15:00"]
    await client_chat.press("Mon 7 Dec 15:00")
    replies = await client_chat.press("Reschedule")
    assert "Mon 7 Dec 16:00" in labels(replies) and "Mon 30 Nov 15:00" in labels(replies)
    await client_chat.press("Mon 7 Dec 16:00")
    [moved] = await client_chat.press("Move it")
    assert moved.text.startswith("Moved: your session is now on Mon 7 Dec 16:00")
    second = event_of(invite(moved))
    assert second["uid"] == first["uid"] and second["sequence"] == "1"
    assert second["start"] == "2026-12-07T15:00:00+00:00"
    async with db.unit_of_work() as session:
        statuses = {
            r.due_at: r.status
            for r in await session.scalars(select(Reminder).where(Reminder.kind == "session"))
        }
    assert statuses == {
        datetime(2026, 12, 7, 13, 0, tzinfo=UTC): ReminderStatus.CANCELLED,
        datetime(2026, 12, 7, 14, 0, tzinfo=UTC): ReminderStatus.PENDING,
    }

    await client_chat.send("/sessions")
    await client_chat.press("Mon 7 Dec 16:00")
    await client_chat.press("Cancel it")
    [cancelled] = await client_chat.press("Yes, cancel it")
    assert "is cancelled" in cancelled.text
    calendar = invite(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    third = event_of(calendar)
    assert third["uid"] == first["uid"] and third["sequence"] == "2" and third["status"] == "CANCELLED"
    assert "no upcoming sessions" in texts(await client_chat.send("/sessions"))


async def test_no_changes_inside_the_notice_period(
    db: Database, client_chat: Chat, hours: None, clock: FakeClock
) -> None:
    await client_chat.send("/book")
    await client_chat.press("Mon 30 Nov 15:00")
    await client_chat.press("Book it")
    clock.advance(timedelta(days=2, hours=12))  # Sunday 29 Nov 24:00 UTC: 14 hours before
    await client_chat.send("/sessions")
    replies = await client_chat.press("Mon 30 Nov 15:00")
    assert "less than 24 hours" in texts(replies)


async def test_without_coach_hours_or_sessions_left(
    db: Database, client_chat: Chat, coach_setup: CoachSetup
) -> None:
    assert "doesn't take bookings here yet" in texts(await client_chat.send("/book"))
    async with db.unit_of_work() as session:
        await bookings.set_availability(
            session, coach_setup.coach.id, parse_availability(HOURS), actor="test"
        )
        await bookings.set_sessions_included(session, coach_setup.free.id, 1, actor="test")
    replies = await client_chat.send("/book")
    assert "Your program includes 1 more session." in texts(replies)
    await client_chat.press("Mon 30 Nov 15:00")
    await client_chat.press("Book it")
    assert "used all the sessions your program includes" in texts(await client_chat.send("/book"))
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client).where(Client.display_name == "Sam"))
        assert client is not None
        assert await bookings.included_sessions_left(session, client.id) == 0


async def test_the_invite_is_emailed_to_a_confirmed_address_only(
    db: Database, client_chat: Chat, hours: None, clock: FakeClock
) -> None:
    from domain.services.client_email import set_email_delivery

    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client).where(Client.display_name == "Sam"))
        assert client is not None
        client.email = "sam@example.com"  # not confirmed yet
    set_email_delivery(True)
    try:
        await client_chat.send("/book")
        await client_chat.press("Mon 30 Nov 15:00")
        await client_chat.press("Book it")
        async with db.unit_of_work() as session:
            emails = (
                await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "email"))
            ).all()
            assert emails == []
            client = await session.scalar(select(Client).where(Client.display_name == "Sam"))
            assert client is not None
            client.email_verified_at = clock.now
        await client_chat.send("/sessions")
        await client_chat.press("Mon 30 Nov 15:00")
        await client_chat.press("Cancel it")
        await client_chat.press("Yes, cancel it")
        async with db.unit_of_work() as session:
            [email] = (
                await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "email"))
            ).all()
        assert email.chat_id == "sam@example.com" and email.payload["subject"] == "Your coaching session"
        assert email.payload["unsubscribe_token"] and email.payload["files"][0]["file_name"] == "session.ics"
    finally:
        set_email_delivery(False)


class FakePayments:
    """The Checkout path's port: a link for a committed enrollment waiting for payment."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls: list[int] = []

    async def checkout_for_enrollment(self, enrollment_id: int) -> PaymentOffer:
        async with self.db.unit_of_work() as session:
            enrollment = await session.get(Enrollment, enrollment_id)
        assert enrollment is not None and enrollment.status == "pending_payment"
        self.calls.append(enrollment_id)
        return PaymentOffer(
            url=f"https://pay.example/{enrollment_id}",
            label="Pay 60.00 USD",
            amount_minor=6000,
            currency="usd",
        )


async def test_an_extra_session_is_bought_through_checkout_when_the_included_ones_are_used(
    db: Database, coach_setup: CoachSetup, clock: FakeClock
) -> None:
    payments = FakePayments(db)
    async with db.unit_of_work() as session:
        extra = await create_program(
            session, coach_id=coach_setup.coach.id, name="One more session", price_minor=6000, currency="usd"
        )
        await publish_program(session, extra.id)
        await bookings.set_sessions_included(session, extra.id, 1, actor="test")
        await bookings.set_sessions_included(session, coach_setup.free.id, 1, actor="test")
        hours = parse_availability(HOURS + f"extra_session_program: {extra.id}\n")
        await bookings.set_availability(session, coach_setup.coach.id, hours, actor="test")
    async with running_engine(db, clock=clock, payments=payments) as engine:
        sam = Chat(engine, "u1")
        await onboard(sam)
        await sam.send("/book")
        await sam.press("Mon 30 Nov 15:00")
        await sam.press("Book it")
        replies = await sam.send("/book")
        assert "You can buy one more (60.00 USD)" in texts(replies)
        assert "Please answer with the buttons" in texts(await sam.send("maybe"))
        replies = await sam.press("Buy a session")
        assert [b.url for r in replies for b in r.url_buttons] == [f"https://pay.example/{payments.calls[0]}"]
        async with db.unit_of_work() as session:  # Stripe's webhook: paid
            await change_enrollment_status(session, payments.calls[0], EnrollmentStatus.ACTIVE)
        replies = await sam.send("/book")
        assert "Your program includes 1 more session." in texts(replies)
        await sam.press("Mon 30 Nov 16:00")
        assert texts(await sam.press("Book it")).startswith("Booked: Mon 30 Nov 16:00")
        await sam.send("/book")
        await sam.press("Buy a session")  # a second purchase is its own enrollment
        assert len(payments.calls) == 2 and payments.calls[0] != payments.calls[1]
        async with db.unit_of_work() as session:
            first = await session.get(Enrollment, payments.calls[0])
            assert first is not None and first.status == EnrollmentStatus.COMPLETED
        await sam.send("/book")
        assert "Okay. You can write to your coach" in texts(await sam.press("Not now"))


async def test_across_both_sides_clock_changes_the_client_sees_their_own_time(
    db: Database, client_chat: Chat, hours: None, clock: FakeClock
) -> None:
    """New York moves its clocks on 14 March 2027, Berlin on 28 March: the coach's Monday 09:00 is
    15:00 for Sam before, 14:00 in the two weeks between, 15:00 again after."""
    clock.now = datetime(2027, 3, 5, 12, tzinfo=UTC)
    replies = await client_chat.send("/book")
    assert labels(replies) == [
        "Mon 8 Mar 15:00",
        "Mon 8 Mar 16:00",
        "Mon 15 Mar 14:00",
        "Mon 15 Mar 15:00",
        "Mon 22 Mar 14:00",
        "Mon 22 Mar 15:00",
    ]
    await client_chat.press("Mon 15 Mar 14:00")
    event = event_of(invite((await client_chat.press("Book it"))[0]))
    assert event["start"] == "2027-03-15T13:00:00+00:00"  # 09:00 in New York (EDT)
    clock.now = datetime(2027, 3, 10, 12, tzinfo=UTC)
    await client_chat.send("/sessions")
    await client_chat.press("Mon 15 Mar 14:00")
    await client_chat.press("Reschedule")
    await client_chat.press("Mon 29 Mar 15:00")  # both on summer time: six hours apart again
    moved = event_of(invite((await client_chat.press("Move it"))[0]))
    assert moved["start"] == "2027-03-29T13:00:00+00:00" and moved["sequence"] == "1"


async def test_the_coachs_booking_notice_is_rendered_in_the_coachs_language(
    db: Database, client_chat: Chat, hours: None, coach_setup: CoachSetup
) -> None:
    """The notice stores the instant and the coach's own timezone (UTC here); English stays as it
    was, a German coach reads it in German (the client, in Berlin, books in English)."""
    await client_chat.send("/book")
    await client_chat.press("Mon 30 Nov 15:00")
    await client_chat.press("Book it")
    async with db.unit_of_work() as session:
        notices = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "slack"))
        ).all()
    [payload] = [n.payload for n in notices if n.payload["kind"] == "session_booked"]
    assert payload["text"] == "📅 Sam booked a session: Mon 30 Nov 14:00 (your time)."
    assert payload["values"] == {"name": "Sam", "starts_at": "2026-11-30T14:00:00+00:00", "zone": "UTC"}
    with use_locale("de"):
        assert notice_text(payload) == "📅 Sam hat einen Termin gebucht: Mo., 30. Nov. 14:00 (deine Zeit)."
    with use_locale("en"):
        assert notice_text(payload) == payload["text"]
