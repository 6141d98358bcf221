"""What clients got out of it: how they rate their coaching, and how many goals and programs they
finished. One function per metric; its docstring is its definition."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.analytics.scope import Period, Scope
from domain.models import Enrollment, Feedback, Goal
from domain.models.enums import EnrollmentStatus, GoalStatus

TOP_SCORE = rules.FEEDBACK_RANGE[1]


async def _scores(session: AsyncSession, scope: Scope, period: Period) -> dict[int, int]:
    rows = await session.execute(
        select(Feedback.score, func.count())
        .where(
            scope.has_client(Feedback.client_id),
            Feedback.created_at >= period.start,
            Feedback.created_at < period.end,
        )
        .group_by(Feedback.score)
    )
    return {int(score): int(n) for score, n in rows}


async def satisfaction_average(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Mean feedback score (1-5) clients gave during the period."""
    scores = await _scores(session, scope, period)
    count = sum(scores.values())
    return round(sum(s * n for s, n in scores.items()) / count, 2) if count else None


async def satisfaction_count(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Feedback scores clients gave during the period."""
    return sum((await _scores(session, scope, period)).values())


async def satisfaction_distribution(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int]:
    """Feedback scores given during the period, counted per score (keys 1 to 5)."""
    scores = await _scores(session, scope, period)
    low, high = rules.FEEDBACK_RANGE
    return {str(score): scores.get(score, 0) for score in range(low, high + 1)}


async def satisfaction_top_share(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Share (%) of the period's feedback scores that are 5 out of 5."""
    scores = await _scores(session, scope, period)
    count = sum(scores.values())
    return round(100 * scores.get(TOP_SCORE, 0) / count, 1) if count else None


async def goal_completion_rate(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Of the clients' goals (active or done) due within the period, the share (%) that are done."""
    done = func.count().filter(Goal.status == GoalStatus.DONE)
    row = (
        await session.execute(
            select(func.count(), done).where(
                scope.has_client(Goal.client_id),
                Goal.status.in_([GoalStatus.ACTIVE, GoalStatus.DONE]),
                Goal.due_date >= period.start.date(),
                Goal.due_date < period.end.date(),
            )
        )
    ).one()
    total, finished = int(row[0]), int(row[1])
    return round(100 * finished / total, 1) if total else None


async def program_completion_rate(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Of the program enrollments that ended during the period (completed or cancelled), the share (%) completed; extra sessions bought are not programs."""
    completed = func.count().filter(Enrollment.status == EnrollmentStatus.COMPLETED)
    row = (
        await session.execute(
            select(func.count(), completed).where(
                Enrollment.id.in_(scope.enrollment_ids()),
                Enrollment.extra_session.is_(False),
                scope.has_client(Enrollment.client_id),
                Enrollment.status.in_([EnrollmentStatus.COMPLETED, EnrollmentStatus.CANCELLED]),
                Enrollment.ended_at >= period.start,
                Enrollment.ended_at < period.end,
            )
        )
    ).one()
    total, finished = int(row[0]), int(row[1])
    return round(100 * finished / total, 1) if total else None
