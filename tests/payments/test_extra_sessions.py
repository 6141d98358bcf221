"""Buying one more session end to end through the real Checkout path: /book offers it once the
included sessions are used, Buy a session opens a real Checkout Session (the local Checkout API over
localstripe), paying it delivers a Stripe-signed ``checkout.session.completed`` to our webhook over
HTTP, and the client can then book exactly one more session, however often the webhook comes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from conversations.flows import booking as booking_flow
from domain.booking.availability import parse_availability
from domain.db import Database
from domain.models import Enrollment, Payment, Program
from domain.models.enums import Billing, EnrollmentStatus
from domain.services import booking as bookings
from domain.services.coaches import create_coach, create_program, publish_program
from domain.services.program_versions import OPEN_STATUSES
from integrations.stripe import StripePayments
from tests.payments.conftest import WebhookEndpoint, outbox
from tests.support.chat import Chat, FakeClock, onboard, registered, running_engine, texts
from tests.support.stripe_checkout_api import CheckoutApi

# The coach works Monday mornings in New York; Sam (onboarding picks Berlin) sees 15:00 and 16:00.
HOURS = (
    "timezone: America/New_York\nsession_minutes: 50\nbuffer_minutes: 10\nnotice_hours: 24\n"
    'weekly:\n  monday: ["09:00-11:00"]\n'
)


@pytest.fixture(autouse=True)
def commands() -> Iterator[None]:
    with registered(booking_flow.register):
        yield


async def _coach_selling_extra_sessions(db: Database) -> int:
    """A coach whose free program includes one session and who sells one more for 60.00 USD."""
    async with db.unit_of_work() as session:
        coach = await create_coach(session, name="Ada Coach", email="ada@example.com", slack_user_id="UADA")
        starter = await create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        extra = await create_program(
            session, coach_id=coach.id, name="One more session", price_minor=6000, currency="usd"
        )
        for program in (starter, extra):
            await publish_program(session, program.id)
        await bookings.set_sessions_included(session, starter.id, 1, actor="test")
        await bookings.set_sessions_included(session, extra.id, 1, actor="test")
        hours = parse_availability(HOURS + f"extra_session_program: {extra.id}\n")
        await bookings.set_availability(session, coach.id, hours, actor="test")
        return extra.id


async def _sessions_left(db: Database, client_id: int) -> int | None:
    async with db.unit_of_work() as session:
        return await bookings.included_sessions_left(session, client_id)


async def _extra_enrollments(db: Database, program_id: int) -> list[tuple[int, int, str]]:
    async with db.unit_of_work() as session:
        rows = await session.execute(
            select(Enrollment.id, Enrollment.client_id, Enrollment.status)
            .where(Enrollment.program_id == program_id)
            .order_by(Enrollment.id)
        )
        return [(r.id, r.client_id, str(r.status)) for r in rows]


async def _open_programs(db: Database, client_id: int) -> list[tuple[str, str]]:
    async with db.unit_of_work() as session:
        rows = await session.execute(
            select(Program.name, Enrollment.status)
            .join(Enrollment, Enrollment.program_id == Program.id)
            .where(Enrollment.client_id == client_id, Enrollment.status.in_(OPEN_STATUSES))
            .order_by(Enrollment.id)
        )
        return [(r.name, str(r.status)) for r in rows]


async def _book_the_included_session(sam: Chat) -> None:
    """Onboard and book the one session the client's program includes."""
    await onboard(sam)
    await sam.send("/book")
    await sam.press("Mon 30 Nov 15:00")
    assert texts(await sam.press("Book it")).startswith("Booked: Mon 30 Nov 15:00")


async def test_a_paid_extra_session_can_be_booked_once_however_often_the_webhook_comes(
    db: Database, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    extra_id = await _coach_selling_extra_sessions(db)
    async with running_engine(db, clock=FakeClock(), payments=payments) as engine:
        sam = Chat(engine, "u1")
        await _book_the_included_session(sam)

        replies = await sam.send("/book")
        assert "You can buy one more (60.00 USD)" in texts(replies)
        replies = await sam.press("Buy a session")
        [pay] = [b for r in replies for b in r.url_buttons]
        [checkout] = stripe_api.sessions.values()
        assert pay.url == checkout["url"] and checkout["amount_total"] == 6000
        [(enrollment_id, client_id, status)] = await _extra_enrollments(db, extra_id)
        assert status == EnrollmentStatus.PENDING_PAYMENT
        assert await _sessions_left(db, client_id) == 0  # not before it is paid

        # Paid on Stripe's page: the signed completion reaches POST /webhooks/stripe over HTTP.
        completed = await asyncio.to_thread(stripe_api.complete, checkout["id"])
        # Paid, then completed at once: a purchase, not a program to follow (the client's program
        # stays the one their check-ins and steps come from).
        assert await _extra_enrollments(db, extra_id) == [
            (enrollment_id, client_id, EnrollmentStatus.COMPLETED)
        ]
        assert await _open_programs(db, client_id) == [("Starter", EnrollmentStatus.ACTIVE)]
        assert await _sessions_left(db, client_id) == 1

        # Stripe retries (the same event again) and sends it under another event id: nothing more.
        for event_id in ("evt_retried", "evt_retried", None):
            response = await asyncio.to_thread(
                stripe_api.deliver, "checkout.session.completed", completed, event_id=event_id
            )
            assert response is not None and response.status_code == 200
        assert await _sessions_left(db, client_id) == 1
        assert len(await _extra_enrollments(db, extra_id)) == 1
        async with db.unit_of_work() as session:
            assert await session.scalar(select(func.count(Payment.id))) == 1
        # Thanked once, pointed at /book (not at /checkin as a program's thank-you is); the coach told once.
        sent = [(m.platform, m.payload.get("text")) for m in await outbox(db)]
        assert [t for p, t in sent if p == "console"] == [
            "Thank you! Your payment for One more session went through. Send /book to pick a time for your session."
        ]
        assert [t for p, t in sent if p == "slack" and t and t.startswith("Payment received")] == [
            "Payment received: 60.00 USD for One more session."
        ]

        replies = await sam.send("/book")
        assert "Your program includes 1 more session." in texts(replies)
        await sam.press("Mon 30 Nov 16:00")
        assert texts(await sam.press("Book it")).startswith("Booked: Mon 30 Nov 16:00")
        assert await _sessions_left(db, client_id) == 0

        # Exactly one more: the next /book offers to buy again rather than a slot.
        replies = await sam.send("/book")
        assert "You can buy one more (60.00 USD)" in texts(replies)
        assert not any(b.label.startswith("Mon ") for r in replies for b in r.all_buttons)
        replies = await sam.press("Buy a session")
        [second_pay] = [b for r in replies for b in r.url_buttons]
        # Asking again before paying offers the same link: one purchase waiting, not two chargeable ones.
        await sam.send("/book")
        replies = await sam.press("Buy a session")
        assert [b.url for r in replies for b in r.url_buttons] == [second_pay.url]
        waiting = [e for e in await _extra_enrollments(db, extra_id) if e[0] != enrollment_id]
        assert [status for _, _, status in waiting] == [EnrollmentStatus.PENDING_PAYMENT]
        assert len(stripe_api.sessions) == 2
        # Paying the second purchase adds one more session; the first, used, stays counted as completed.
        [second] = [c for c in stripe_api.sessions.values() if c["id"] != checkout["id"]]
        await asyncio.to_thread(stripe_api.complete, second["id"])
        assert [status for _, _, status in await _extra_enrollments(db, extra_id)] == [
            EnrollmentStatus.COMPLETED,
            EnrollmentStatus.COMPLETED,
        ]
        assert await _open_programs(db, client_id) == [("Starter", EnrollmentStatus.ACTIVE)]
        assert await _sessions_left(db, client_id) == 1


async def test_a_refunded_extra_session_is_no_longer_there_to_book(
    db: Database, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    """A part refund keeps the bought session; refunding all of it takes the session back (the
    client's program and the sessions it includes stay)."""
    extra_id = await _coach_selling_extra_sessions(db)
    async with running_engine(db, clock=FakeClock(), payments=payments) as engine:
        sam = Chat(engine, "u1")
        await _book_the_included_session(sam)
        await sam.send("/book")
        await sam.press("Buy a session")
        [checkout] = stripe_api.sessions.values()
        await asyncio.to_thread(stripe_api.complete, checkout["id"])
        [(enrollment_id, client_id, _status)] = await _extra_enrollments(db, extra_id)
        assert await _sessions_left(db, client_id) == 1
        async with db.unit_of_work() as session:
            payment_id = await session.scalar(
                select(Payment.id).where(Payment.enrollment_id == enrollment_id)
            )
        assert payment_id is not None

        await payments.refund(payment_id, amount_minor=1000, actor="admin")
        assert await _sessions_left(db, client_id) == 1  # a part refund: the session stays
        await payments.refund(payment_id, actor="admin")
        assert await _extra_enrollments(db, extra_id) == [
            (enrollment_id, client_id, EnrollmentStatus.CANCELLED)
        ]
        assert await _sessions_left(db, client_id) == 0
        assert await _open_programs(db, client_id) == [("Starter", EnrollmentStatus.ACTIVE)]
        replies = await sam.send("/book")
        assert "You can buy one more (60.00 USD)" in texts(replies)


async def test_only_a_published_priced_one_off_program_of_the_coach_with_sessions_is_sold(
    db: Database,
) -> None:
    extra_id = await _coach_selling_extra_sessions(db)
    async with db.unit_of_work() as session:
        program = await session.get(Program, extra_id)
        assert program is not None
        availability = await bookings.get_availability(session, program.coach_id)
        assert availability is not None
        assert await bookings.extra_session_offer(session, program.coach_id, availability) is program
        assert await bookings.extra_session_offer(session, program.coach_id + 1, availability) is None
        for change, back in (
            (("billing", Billing.MONTHLY), ("billing", Billing.ONE_OFF)),
            (("price_minor", 0), ("price_minor", 6000)),
            (("sessions_included", 0), ("sessions_included", 1)),
            (("published", False), ("published", True)),
        ):
            setattr(program, *change)
            assert await bookings.extra_session_offer(session, program.coach_id, availability) is None, change
            setattr(program, *back)
