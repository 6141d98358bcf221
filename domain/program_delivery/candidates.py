"""The enrollments drip delivery looks at, and each one's next-step decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Client, Enrollment, EnrollmentProgress, ProgramStep, StepRelease
from domain.models.enums import ClientStatus
from domain.programs.schedule import Decision, ScheduledStep, next_step
from domain.services.program_progress import ProgramState, load_state
from domain.services.program_versions import OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class Candidate:
    state: ProgramState
    decision: Decision


async def open_enrollments(
    session: AsyncSession, *, lock: bool = False
) -> list[tuple[Enrollment, EnrollmentProgress]]:
    """Open, not yet completed enrollments with content, of active clients, oldest first."""
    query = (
        select(Enrollment, EnrollmentProgress)
        .join(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
        .join(Client, Client.id == Enrollment.client_id)
        .where(
            Enrollment.status.in_(OPEN_STATUSES),
            EnrollmentProgress.completed_at.is_(None),
            Client.status == ClientStatus.ACTIVE,
        )
        .order_by(Enrollment.id)
    )
    if lock:
        # Several workers share the work on PostgreSQL: each enrollment is decided by one of them.
        query = query.with_for_update(of=EnrollmentProgress, skip_locked=True)
    return [(e, p) for e, p in (await session.execute(query)).all()]


async def decide(
    session: AsyncSession,
    enrollment: Enrollment,
    progress: EnrollmentProgress,
    *,
    now: datetime,
    steps_cache: dict[int, Sequence[ProgramStep]],
) -> Candidate:
    steps = steps_cache.get(progress.version_id)
    if steps is None:
        steps = (
            await session.scalars(
                select(ProgramStep)
                .where(ProgramStep.version_id == progress.version_id)
                .order_by(ProgramStep.position)
            )
        ).all()
        steps_cache[progress.version_id] = steps
    state = await load_state(session, enrollment, progress, now=now, steps=steps)
    last = await session.scalar(
        select(func.max(StepRelease.released_at)).where(StepRelease.enrollment_id == enrollment.id)
    )
    decision = next_step(
        [ScheduledStep(s.day, s.key, s.title) for s in state.steps],
        {s.key for s in state.steps if s.released},
        last_release_at=last,
        started_at=state.started_at,
        timing=state.timing,
        now=now,
        locked_reason=state.locked_reason,
    )
    return Candidate(state, decision)
