"""Enrolling clients in programs and moving enrollments through their lifecycle."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.errors import InvalidTransition, NotFound, ProgramNotPublished, ValidationError
from domain.models import Enrollment, Program
from domain.models.enums import EnrollmentStatus as S
from domain.reasons.programs import ProgramRefusals
from domain.services.audit import record_audit_event
from domain.services.clients import get_client
from domain.services.coaches import get_program
from domain.services.program_versions import attach_published_version

# Which status may follow which; anything else is a bug in the caller or a stale webhook.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.PAUSED, S.COMPLETED, S.CANCELLED}),
    S.PAUSED: frozenset({S.ACTIVE, S.CANCELLED, S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}


async def enroll(session: AsyncSession, *, client_id: int, program_id: int) -> Enrollment:
    """Enroll a client: free programs start active, paid ones wait for payment.

    Re-enrolling in a program with an open enrollment returns that enrollment instead of a duplicate.
    """
    client = await get_client(session, client_id)
    program = await get_program(session, program_id)
    if not program.published:
        raise ProgramNotPublished(ProgramRefusals.NOT_PUBLISHED(program=repr(program.name)))
    if client.coach_id is not None and client.coach_id != program.coach_id:
        raise ValidationError(ProgramRefusals.OTHER_COACHS_PROGRAM(), field="program")
    existing = await session.scalar(
        select(Enrollment).where(
            Enrollment.client_id == client_id,
            Enrollment.program_id == program_id,
            Enrollment.status.in_([S.PENDING_PAYMENT, S.ACTIVE, S.PAUSED]),
        )
    )
    if existing is not None:
        return existing
    if client.coach_id is None:
        client.coach_id = program.coach_id
    now = utcnow()
    enrollment = Enrollment(
        client_id=client_id,
        program_id=program_id,
        status=S.ACTIVE if program.is_free else S.PENDING_PAYMENT,
        activated_at=now if program.is_free else None,
    )
    session.add(enrollment)
    await session.flush()
    # The enrollment follows the program's current content version until a coach migrates it.
    await attach_published_version(session, enrollment)
    await record_audit_event(
        session,
        actor=f"client:{client_id}",
        action="enrollment.created",
        subject=f"enrollment:{enrollment.id}",
        details={"program_id": program_id, "status": enrollment.status},
    )
    return enrollment


async def get_enrollment(
    session: AsyncSession, enrollment_id: int, *, for_update: bool = False
) -> Enrollment:
    query = select(Enrollment).where(Enrollment.id == enrollment_id)
    if for_update:
        query = query.with_for_update()
    enrollment = await session.scalar(query)
    if enrollment is None:
        raise NotFound(ProgramRefusals.NO_ENROLLMENT(enrollment=enrollment_id))
    return enrollment


async def find_enrollment(session: AsyncSession, enrollment_id: int) -> Enrollment | None:
    """The enrollment, or None when a provider's reference points at one we do not have."""
    return await session.get(Enrollment, enrollment_id)


async def enrollment_program_name(session: AsyncSession, enrollment_id: int) -> str | None:
    return await session.scalar(
        select(Program.name)
        .join(Enrollment, Enrollment.program_id == Program.id)
        .where(Enrollment.id == enrollment_id)
    )


async def enrollment_coach_id(session: AsyncSession, enrollment_id: int) -> int | None:
    """The coach whose program the enrollment is in: the one to tell about its payments."""
    return await session.scalar(
        select(Program.coach_id)
        .join(Enrollment, Enrollment.program_id == Program.id)
        .where(Enrollment.id == enrollment_id)
    )


async def change_enrollment_status(
    session: AsyncSession, enrollment_id: int, status: str, *, actor: str = "system"
) -> Enrollment:
    """Move an enrollment to ``status``; a repeat of the current status is a no-op (webhooks repeat)."""
    enrollment = await get_enrollment(session, enrollment_id, for_update=True)
    if enrollment.status == status:
        return enrollment
    if status not in ALLOWED_TRANSITIONS.get(enrollment.status, frozenset()):
        raise InvalidTransition(
            ProgramRefusals.BAD_TRANSITION(enrollment=enrollment_id, current=enrollment.status, wanted=status)
        )
    now = utcnow()
    previous = enrollment.status
    enrollment.status = status
    if status == S.ACTIVE:
        enrollment.activated_at = enrollment.activated_at or now
        enrollment.paused_at = None
    elif status == S.PAUSED:
        enrollment.paused_at = now
    else:
        enrollment.ended_at = now
    await record_audit_event(
        session,
        actor=actor,
        action="enrollment.status_changed",
        subject=f"enrollment:{enrollment.id}",
        details={"from": previous, "to": status},
    )
    return enrollment


async def client_enrollments(session: AsyncSession, client_id: int) -> Sequence[Enrollment]:
    return (
        await session.scalars(
            select(Enrollment).where(Enrollment.client_id == client_id).order_by(Enrollment.id)
        )
    ).all()
