"""Where a client stands for the coach's roster and profile: payment, programs, recent payments."""

from __future__ import annotations

from domain.db import Database
from domain.models.enums import EnrollmentStatus, PaymentStatus
from domain.services import clients, coaches, enrollments, payments
from domain.services.roster import AWAITING_PAYMENT, enrolled_programs, payment_standing, recent_payments


async def _coach_and_client(db: Database) -> tuple[int, int]:
    async with db.unit_of_work() as s:
        coach = await coaches.create_coach(s, name="Ada", email="ada@example.com")
        client = await clients.register_client(
            s, platform="telegram", external_user_id="1", chat_id="1", display_name="Bo", coach_id=coach.id
        )
        return coach.id, client.id


async def _program(db: Database, coach_id: int, name: str, price_minor: int) -> int:
    async with db.unit_of_work() as s:
        program = await coaches.create_program(
            s, coach_id=coach_id, name=name, price_minor=price_minor, currency="usd"
        )
        await coaches.publish_program(s, program.id)
        return program.id


async def test_payment_standing_is_the_latest_payment_else_an_enrollment_awaiting_one(db: Database) -> None:
    coach_id, client_id = await _coach_and_client(db)
    async with db.sessions() as s:
        assert await payment_standing(s, client_id) is None
    free = await _program(db, coach_id, "Walk daily", 0)
    async with db.unit_of_work() as s:
        await enrollments.enroll(s, client_id=client_id, program_id=free)
    async with db.sessions() as s:
        assert await payment_standing(s, client_id) is None  # a free program awaits nothing
    paid = await _program(db, coach_id, "Strength 8 weeks", 4900)
    async with db.unit_of_work() as s:
        await enrollments.enroll(s, client_id=client_id, program_id=paid)
    async with db.sessions() as s:
        assert await payment_standing(s, client_id) == AWAITING_PAYMENT
    async with db.unit_of_work() as s:
        await payments.record_payment(s, client_id=client_id, amount_minor=4900, currency="usd")
        await payments.record_payment(
            s, client_id=client_id, amount_minor=4900, currency="usd", status=PaymentStatus.FAILED
        )
    async with db.sessions() as s:
        assert await payment_standing(s, client_id) == PaymentStatus.FAILED


async def test_programs_and_payments_newest_first(db: Database) -> None:
    coach_id, client_id = await _coach_and_client(db)
    first = await _program(db, coach_id, "Walk daily", 0)
    second = await _program(db, coach_id, "Strength 8 weeks", 4900)
    async with db.unit_of_work() as s:
        await enrollments.enroll(s, client_id=client_id, program_id=first)
        await enrollments.enroll(s, client_id=client_id, program_id=second)
        amounts = [1000, 2000, 3000, 4000]
        for amount in amounts:
            await payments.record_payment(s, client_id=client_id, amount_minor=amount, currency="usd")
    async with db.sessions() as s:
        assert await enrolled_programs(s, client_id) == [
            ("Strength 8 weeks", EnrollmentStatus.PENDING_PAYMENT),
            ("Walk daily", EnrollmentStatus.ACTIVE),
        ]
        assert [p.amount_minor for p in await recent_payments(s, client_id, limit=3)] == [4000, 3000, 2000]
        assert await enrolled_programs(s, client_id + 1) == []
        assert await recent_payments(s, client_id + 1, limit=3) == []
