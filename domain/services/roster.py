"""Where each of a coach's clients stands: payment, programs and recent payments (roster and profile)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Enrollment, Payment, Program
from domain.models.enums import EnrollmentStatus

AWAITING_PAYMENT = "awaiting payment"


async def payment_standing(session: AsyncSession, client_id: int) -> str | None:
    """The status of the client's latest payment; else AWAITING_PAYMENT while an enrollment waits
    for its first payment; else None."""
    status = await session.scalar(
        select(Payment.status).where(Payment.client_id == client_id).order_by(Payment.id.desc()).limit(1)
    )
    if status is not None:
        return status
    pending = await session.scalar(
        select(Enrollment.id).where(
            Enrollment.client_id == client_id, Enrollment.status == EnrollmentStatus.PENDING_PAYMENT
        )
    )
    return AWAITING_PAYMENT if pending is not None else None


async def enrolled_programs(session: AsyncSession, client_id: int) -> list[tuple[str, str]]:
    """(program name, enrollment status) of each of the client's enrollments, newest first."""
    rows = await session.execute(
        select(Program.name, Enrollment.status)
        .join(Program, Program.id == Enrollment.program_id)
        .where(Enrollment.client_id == client_id)
        .order_by(Enrollment.id.desc())
    )
    return [(name, status) for name, status in rows.all()]


async def recent_payments(session: AsyncSession, client_id: int, *, limit: int) -> Sequence[Payment]:
    """The client's last ``limit`` payments, newest first."""
    return (
        await session.scalars(
            select(Payment).where(Payment.client_id == client_id).order_by(Payment.id.desc()).limit(limit)
        )
    ).all()
