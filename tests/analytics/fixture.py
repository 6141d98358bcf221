"""A hand-built business whose every metric was worked out on paper (see test_metrics.py for the sums).

Period: Monday 2 March to Sunday 15 March 2026 (UTC days), read on 20 March. Daylight saving starts in
the US on 8 March, inside the period.

Coaches: Ada (UTC, capacity 3) and Bea (America/New_York, no limit).
Clients:
- ann (Ada, UTC, daily, joined 1 Feb): checks in every day 2-15 March at 08:00Z, and on 25 Feb.
- bob (Ada, Asia/Tokyo, weekdays, joined 1 Feb): checks in 20 Feb, then nothing until 12 March.
- cy (Bea, America/Los_Angeles, weekly, joined 5 March): checks in 6 and 13 March.
- dee (Bea, UTC, daily, joined 10 Jan): never checks in; her enrollment is cancelled on 10 March.
- the anonymous record of erased clients, holding one payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.scope import Period
from domain.db import Database
from domain.models import (
    CheckIn,
    Client,
    Coach,
    Enrollment,
    Feedback,
    Goal,
    LlmUsage,
    Message,
    Payment,
    PaymentRefund,
    Program,
    Subscription,
)
from domain.models.enums import ClientStatus

PERIOD = Period.between(date(2026, 3, 2), date(2026, 3, 15), now=datetime(2026, 3, 20, 12, 0, tzinfo=UTC))


def at(day: int, hour: int = 8, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Business:
    ada: int
    bea: int
    ann: int
    bob: int
    cy: int
    dee: int
    ada_program: int
    bea_program: int


def _client(coach: Coach, name: str, tz: str, cadence: str, joined: datetime, **kw: object) -> Client:
    return Client(
        coach_id=coach.id,
        display_name=name,
        timezone=tz,
        checkin_cadence=cadence,
        created_at=joined,
        **kw,
    )


def _check_in(client: Client, when: datetime, mood: int = 6, energy: int = 6) -> CheckIn:
    return CheckIn(
        client_id=client.id,
        mood=mood,
        energy=energy,
        sleep_hours=7.0,
        adherence="yes",
        source_channel="console",
        created_at=when,
    )


async def _people(session: AsyncSession) -> tuple[Coach, Coach, list[Client]]:
    ada = Coach(name="Ada", email="ada@example.com", invite_code="ada", timezone="UTC", capacity=3)
    bea = Coach(name="Bea", email="bea@example.com", invite_code="bea", timezone="America/New_York")
    session.add_all([ada, bea])
    await session.flush()
    people = [
        _client(ada, "ann", "UTC", "daily", at(1, month=2)),
        _client(ada, "bob", "Asia/Tokyo", "weekdays", at(1, month=2)),
        _client(bea, "cy", "America/Los_Angeles", "weekly", at(5, 12)),
        _client(bea, "dee", "UTC", "daily", at(10, month=1)),
        Client(
            coach_id=None,
            display_name="Erased clients",
            status=ClientStatus.ERASED,
            created_at=at(1, month=1),
        ),
    ]
    session.add_all(people)
    await session.flush()
    return ada, bea, people


async def build(db: Database) -> Business:
    async with db.unit_of_work() as session:
        ada, bea, (ann, bob, cy, dee, erased) = await _people(session)
        # Check-ins: ann every day (mood 4 then 7, energy 6 then 5), bob after 20 days, cy weekly.
        rows = [_check_in(ann, at(25, month=2))]
        rows += [
            _check_in(ann, at(day), mood=4 if day < 9 else 7, energy=6 if day < 9 else 5)
            for day in range(2, 16)
        ]
        rows += [_check_in(bob, at(20, 10, month=2)), _check_in(bob, at(12, 1))]
        rows += [_check_in(cy, at(6, 18), mood=6, energy=4), _check_in(cy, at(13, 18), mood=5, energy=8)]
        session.add_all(rows)

        ada_program = Program(coach_id=ada.id, name="Run", price_minor=4900, currency="usd", published=True)
        bea_program = Program(coach_id=bea.id, name="Calm", price_minor=3000, currency="eur", published=True)
        session.add_all([ada_program, bea_program])
        await session.flush()
        ann_enrollment = Enrollment(
            client_id=ann.id,
            program_id=ada_program.id,
            status="completed",
            activated_at=at(1),
            ended_at=at(12),
        )
        bob_enrollment = Enrollment(
            client_id=bob.id, program_id=ada_program.id, status="active", activated_at=at(1)
        )
        cy_enrollment = Enrollment(
            client_id=cy.id, program_id=bea_program.id, status="active", activated_at=at(6)
        )
        dee_enrollment = Enrollment(
            client_id=dee.id,
            program_id=bea_program.id,
            status="cancelled",
            activated_at=at(1),
            ended_at=at(10),
        )
        session.add_all([ann_enrollment, bob_enrollment, cy_enrollment, dee_enrollment])
        await session.flush()

        # Replies: ann waits over a weekend (90 business minutes) and 20 minutes; cy waits 2 hours of
        # which one is before Bea's 09:00 in New York; one reply has no timing, one is outside the period.
        reply = {"direction": "to_client", "channel": "console", "text": "ok"}
        session.add_all(
            [
                Message(
                    client_id=ann.id,
                    coach_id=ada.id,
                    created_at=at(9, 9, 30),
                    response_seconds=(at(9, 9, 30) - at(6, 17)).total_seconds(),
                    **reply,
                ),
                Message(
                    client_id=ann.id,
                    coach_id=ada.id,
                    created_at=at(10, 10, 20),
                    response_seconds=1200,
                    **reply,
                ),
                Message(
                    client_id=cy.id, coach_id=bea.id, created_at=at(11, 14), response_seconds=7200, **reply
                ),
                Message(
                    client_id=cy.id, coach_id=bea.id, created_at=at(11, 15), response_seconds=None, **reply
                ),
                Message(
                    client_id=ann.id, coach_id=ada.id, created_at=at(20, 9), response_seconds=999999, **reply
                ),
            ]
        )
        session.add_all(
            [
                Feedback(client_id=ann.id, score=5, created_at=at(14)),
                Feedback(client_id=bob.id, score=4, created_at=at(12, 2)),
                Feedback(client_id=cy.id, score=5, created_at=at(13, 19)),
                Feedback(client_id=dee.id, score=1, created_at=at(3)),
                Feedback(client_id=ann.id, score=2, created_at=at(20, month=2)),
            ]
        )
        goal = {"text": "a goal", "target": 1.0}
        session.add_all(
            [
                Goal(client_id=ann.id, due_date=date(2026, 3, 10), status="done", **goal),
                Goal(client_id=bob.id, due_date=date(2026, 3, 14), status="active", **goal),
                Goal(client_id=cy.id, due_date=date(2026, 3, 20), status="done", **goal),
                Goal(client_id=dee.id, due_date=date(2026, 3, 5), status="archived", **goal),
            ]
        )
        session.add_all(
            [
                Payment(
                    client_id=ann.id,
                    enrollment_id=ann_enrollment.id,
                    amount_minor=4900,
                    currency="usd",
                    status="partially_refunded",
                    refunded_minor=900,
                    created_at=at(3),
                    updated_at=at(12),
                ),
                Payment(
                    client_id=bob.id,
                    enrollment_id=bob_enrollment.id,
                    amount_minor=4900,
                    currency="usd",
                    status="refunded",
                    refunded_minor=4900,
                    created_at=at(20, month=2),
                    updated_at=at(
                        18
                    ),  # changed later (e.g. by an erasure): refunds are dated by their own rows
                ),
                Payment(
                    client_id=cy.id,
                    enrollment_id=cy_enrollment.id,
                    amount_minor=3000,
                    currency="eur",
                    status="succeeded",
                    created_at=at(6),
                    updated_at=at(6),
                ),
                Payment(
                    client_id=dee.id,
                    enrollment_id=dee_enrollment.id,
                    amount_minor=3000,
                    currency="eur",
                    status="failed",
                    failure_reason="card declined",
                    created_at=at(8),
                    updated_at=at(8),
                ),
                Payment(
                    client_id=bob.id,
                    amount_minor=4900,
                    currency="usd",
                    status="failed",
                    failure_reason="checkout expired",
                    created_at=at(9),
                    updated_at=at(9),
                ),
                Payment(
                    client_id=erased.id,
                    amount_minor=1000,
                    currency="usd",
                    status="succeeded",
                    created_at=at(10),
                    updated_at=at(10),
                ),
            ]
        )
        await session.flush()
        ann_payment, bob_payment = (
            await session.scalars(select(Payment).order_by(Payment.id).limit(2))
        ).all()
        session.add_all(
            [
                PaymentRefund(payment_id=ann_payment.id, amount_minor=900, currency="usd", at=at(12)),
                PaymentRefund(payment_id=bob_payment.id, amount_minor=4900, currency="usd", at=at(4)),
            ]
        )
        subscription = {"amount_minor": 3000, "currency": "eur", "client_id": cy.id}
        session.add_all(
            [
                Subscription(
                    provider_subscription_id="sub_1", status="active", created_at=at(6), **subscription
                ),
                Subscription(
                    provider_subscription_id="sub_2", status="canceled", created_at=at(6), **subscription
                ),
                Subscription(
                    provider_subscription_id="sub_3", status="active", created_at=at(18), **subscription
                ),
            ]
        )
        usage = {"model": "m", "feature": "summary"}
        session.add_all(
            [
                LlmUsage(coach_id=ada.id, prompt_tokens=100, completion_tokens=50, at=at(3, 9), **usage),
                LlmUsage(coach_id=ada.id, prompt_tokens=200, completion_tokens=100, at=at(3, 23), **usage),
                LlmUsage(coach_id=ada.id, prompt_tokens=10, completion_tokens=5, at=at(4), **usage),
                LlmUsage(coach_id=bea.id, prompt_tokens=1000, completion_tokens=0, at=at(5), **usage),
                LlmUsage(coach_id=bea.id, prompt_tokens=7, completion_tokens=7, at=at(16, 1), **usage),
            ]
        )
        await session.flush()
        return Business(ada.id, bea.id, ann.id, bob.id, cy.id, dee.id, ada_program.id, bea_program.id)
