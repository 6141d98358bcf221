"""Reminders reach each client in their own language (the catalogue handed to the dispatcher)."""

from __future__ import annotations

from datetime import timedelta

from conversations.messages import OutgoingMessage
from conversations.reminder_wording import reminder_payload
from domain.db import Database
from domain.models import Booking, Reminder
from domain.models.enums import ReminderStatus
from domain.reminders.dispatch import ReminderDispatcher, english_wording
from domain.reminders.kinds import SESSION_REMINDER_BEFORE, ReminderKind
from integrations.email.render import render_email
from tests.reminders.conftest import People, outbox, plan, utc


async def test_a_check_in_reminder_in_the_clients_language(db: Database, people: People) -> None:
    await people.client(locale="ru")
    await plan(db, utc(2026, 11, 24, 6, 0))
    async with db.unit_of_work() as session:
        outcomes = await ReminderDispatcher(wording=reminder_payload).dispatch_due(
            session, now=utc(2026, 11, 24, 9, 0)
        )
    assert [(o.kind, o.status) for o in outcomes] == [("checkin", "sent")]
    [queued] = await outbox(db)
    message = OutgoingMessage.from_dict(queued.payload)
    assert message.text == "Пора отметиться. Это займёт около минуты."
    assert [(b.label, b.payload) for b in message.all_buttons] == [("Отметиться сейчас", "/checkin")]


async def test_a_session_reminder_without_its_message_is_said_in_the_clients_language(
    db: Database, people: People
) -> None:
    """A session reminder queued without its ready message (the booking flow stores one) still
    reaches the client in their language, through the wording the runtime hands the dispatcher."""
    coach = await people.coach()
    client = await people.client(coach, locale="de")
    starts = utc(2026, 11, 24, 10, 0)
    async with db.unit_of_work() as session:
        booking = Booking(
            coach_id=coach.id,
            client_id=client.id,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            held_start=None,
            token="tok-session-de",
            video_url="https://meet.example/s",
        )
        session.add(booking)
        await session.flush()
        session.add(
            Reminder(
                kind=ReminderKind.SESSION,
                client_id=client.id,
                coach_id=coach.id,
                due_at=starts - SESSION_REMINDER_BEFORE,
                status=ReminderStatus.PENDING,
                payload={"booking_id": booking.id, "sequence": booking.sequence},
                dedupe_key=f"session:{booking.id}:0",
            )
        )
    async with db.unit_of_work() as session:
        outcomes = await ReminderDispatcher(wording=reminder_payload).dispatch_due(
            session, now=utc(2026, 11, 24, 9, 0)
        )
    assert [(o.kind, o.status) for o in outcomes] == [("session", "sent")]
    [queued] = await outbox(db)
    assert (
        OutgoingMessage.from_dict(queued.payload).text
        == "Deine Sitzung mit deinem Coach beginnt in einer Stunde."
    )
    english = english_wording(ReminderKind.SESSION)
    assert english["text"] == "Your session with your coach starts in an hour."


def test_english_wording_is_the_catalogues_english() -> None:
    for kind in (
        ReminderKind.CHECKIN,
        ReminderKind.CHECKIN_FOLLOWUP,
        ReminderKind.REENGAGEMENT,
        ReminderKind.SESSION,
    ):
        assert reminder_payload(kind, "en") == english_wording(kind)  # no "locale": English
    assert reminder_payload(ReminderKind.REENGAGEMENT, "de")["buttons"][1][0]["label"] == "Einstellungen"


def test_an_email_reminder_is_framed_in_the_clients_language() -> None:
    payload = reminder_payload(ReminderKind.CHECKIN, "es")
    assert payload["locale"] == "es"
    email = render_email(
        OutgoingMessage.from_dict(payload), sender="c@example.com", recipient="a@example.com", locale="es"
    )
    plain = email.get_body(("plain",))
    assert plain is not None
    content = plain.get_content()
    assert "Es hora de tu check-in." in content
    assert "Hacer el check-in: envía /checkin en el chat" in content
    assert "Enviado por tu asistente de coaching." in content
    rich = email.get_body(("html",))
    assert rich is not None and '<html lang="es">' in rich.get_content()
    english = render_email(
        OutgoingMessage.from_dict(english_wording(ReminderKind.CHECKIN)),
        sender="c@x.test",
        recipient="a@x.test",
    )
    english_plain = english.get_body(("plain",))
    assert english_plain is not None and "Check in now: send /checkin in chat" in english_plain.get_content()
    english_rich = english.get_body(("html",))
    assert english_rich is not None and '<html lang="en">' in english_rich.get_content()
