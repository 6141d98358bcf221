"""Extra sessions bought are purchases, not programs: an enrollment in the coach's
``extra_session_program`` (completed as soon as paid) changes no program metric — enrolled, active,
completed, completion rate, churn — while its money still counts as the program's revenue."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from domain.analytics.clients import churned_clients
from domain.analytics.outcomes import program_completion_rate
from domain.analytics.programs import ProgramStats, program_stats
from domain.analytics.scope import Period, Scope
from domain.booking.availability import parse_availability
from domain.clock import utcnow
from domain.db import Database
from domain.models import Client, Enrollment
from domain.models.enums import EnrollmentStatus
from domain.services import billing
from domain.services import booking as bookings
from domain.services.coaches import create_program, default_coach, publish_program
from domain.services.enrollments import change_enrollment_status
from tests.programs.test_stats import NOW, scenario

HOURS = 'timezone: UTC\nweekly:\n  monday: ["09:00-11:00"]\n'
PRICE_MINOR = 6000


def _period() -> Period:
    """From the scenario's month to today: Ann's completion and every purchase end within it."""
    now = utcnow()
    return Period.between(date(2026, 3, 1), now.date(), now=now)


async def _figures(db: Database, program_id: int) -> tuple[ProgramStats, float | None, float | None, int]:
    async with db.unit_of_work() as session:
        coach = await default_coach(session)
        assert coach is not None
        stats = await program_stats(session, program_id, now=NOW)
        by_program = await program_completion_rate(session, Scope(program_id=program_id), _period())
        by_coach = await program_completion_rate(session, Scope(coach_id=coach.id), _period())
        churned = await churned_clients(session, Scope(coach_id=coach.id), _period())
    return stats, by_program, by_coach, churned


async def _sell_extra_sessions(db: Database) -> int:
    async with db.unit_of_work() as session:
        coach = await default_coach(session)
        assert coach is not None
        extra = await create_program(
            session, coach_id=coach.id, name="One more session", price_minor=PRICE_MINOR, currency="usd"
        )
        await publish_program(session, extra.id)
        await bookings.set_sessions_included(session, extra.id, 1, actor="test")
        hours = parse_availability(HOURS + f"extra_session_program: {extra.id}\n")
        await bookings.set_availability(session, coach.id, hours, actor="test")
        return extra.id


async def _program_clients(db: Database, program_id: int) -> list[tuple[int, int]]:
    """(client, enrollment) of the program's enrollments in the scenario's order: Ann, Ben, Cy."""
    async with db.unit_of_work() as session:
        rows = await session.execute(
            select(Enrollment.client_id, Enrollment.id)
            .where(Enrollment.program_id == program_id)
            .order_by(Enrollment.id)
        )
        return [(r.client_id, r.id) for r in rows]


async def _buy(db: Database, client_id: int, program_id: int, *, pay: bool) -> int:
    """Buy a session as /book does; paid, as Stripe's webhook settles it (activated, then closed)."""
    async with db.unit_of_work() as session:
        client = await session.get(Client, client_id)
        assert client is not None and client.coach_id is not None
        availability = await bookings.get_availability(session, client.coach_id)
        assert availability is not None
        program = await bookings.extra_session_offer(session, client.coach_id, availability)
        assert program is not None and program.id == program_id
        enrollment_id = await bookings.buy_extra_session(session, client_id, program)
    if pay:
        async with db.unit_of_work() as session:
            settled = await billing.settle_enrollment_payment(
                session,
                enrollment_id=enrollment_id,
                amount_minor=PRICE_MINOR,
                currency="usd",
                provider_checkout_id=f"cs_extra_{enrollment_id}",
            )
            assert settled.newly_active
            assert await bookings.close_paid_extra_session(session, enrollment_id, actor="stripe")
    return enrollment_id


async def test_two_extra_sessions_bought_change_no_program_metric(db: Database) -> None:
    program_id = await scenario(db)
    extra_id = await _sell_extra_sessions(db)
    (ann, _), (ben, _), (_cy, cy_enrollment) = await _program_clients(db, program_id)
    async with db.unit_of_work() as session:  # Cy never paid and gave up: one program not finished
        await change_enrollment_status(session, cy_enrollment, EnrollmentStatus.CANCELLED)
    before = await _figures(db, program_id)
    stats, by_program, by_coach, _churned = before
    assert (stats.enrolled, stats.active, stats.completed, stats.completion_rate_pct) == (3, 1, 1, 50.0)
    assert by_program == by_coach == 50.0  # Ann completed, Cy cancelled

    # Ben buys two sessions and pays both; Ann starts buying one and cancels it unpaid.
    for _ in range(2):
        await _buy(db, ben, extra_id, pay=True)
    abandoned = await _buy(db, ann, extra_id, pay=False)
    async with db.unit_of_work() as session:
        await change_enrollment_status(session, abandoned, EnrollmentStatus.CANCELLED)
        statuses = (
            await session.scalars(
                select(Enrollment.status).where(Enrollment.program_id == extra_id).order_by(Enrollment.id)
            )
        ).all()
        assert statuses == ["completed", "completed", "cancelled"]
        assert await bookings.included_sessions_left(session, ben) == 2  # the purchases still count

    assert await _figures(db, program_id) == before
    async with db.unit_of_work() as session:
        extra = await program_stats(session, extra_id, now=NOW)
    assert (extra.enrolled, extra.active, extra.completed, extra.completion_rate_pct) == (0, 0, 0, None)
    assert extra.revenue == {"usd": 2 * PRICE_MINOR}  # the money is still the program's

    # The marker is the purchase's own: naming another program later does not turn them into programs.
    async with db.unit_of_work() as session:
        coach = await default_coach(session)
        assert coach is not None
        await bookings.set_availability(session, coach.id, parse_availability(HOURS), actor="test")
    assert await _figures(db, program_id) == before
    async with db.unit_of_work() as session:
        by_coach = await program_completion_rate(session, Scope(coach_id=coach.id), _period())
    assert by_coach == 50.0
