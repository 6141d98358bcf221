"""Program analytics (``coach programs stats``): who enrolled, started, finished, how fast, where they
dropped off, how they checked in and what the program earned. One function per metric; each docstring
is the metric's definition."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.insights.trends import ADHERENCE_SCORE
from domain.models import CheckIn, Enrollment, EnrollmentProgress, Payment, StepRelease, TaskTick
from domain.models.enums import EnrollmentStatus, PaymentStatus
from domain.services.coaches import get_program
from domain.services.program_versions import published_version, step_key, version_steps

# A week of check-ins, counted from the enrollment's start (first week) or back from its end (last week).
WEEK = timedelta(days=7)
COLLECTED = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True, slots=True)
class StepCompletion:
    day: int
    title: str
    reached: int
    tasks: int
    task_completion_pct: float | None


@dataclass(frozen=True, slots=True)
class ProgramStats:
    program_id: int
    program: str
    enrolled: int
    active: int
    completed: int
    completion_rate_pct: float | None
    median_days_to_complete: float | None
    steps: tuple[StepCompletion, ...]
    checkin_adherence_pct: float | None
    mood_change: float | None
    revenue: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["steps"] = [asdict(s) for s in self.steps]
        return data


async def _enrollments(
    session: AsyncSession, program_id: int
) -> list[tuple[Enrollment, EnrollmentProgress | None]]:
    rows = await session.execute(
        select(Enrollment, EnrollmentProgress)
        .outerjoin(EnrollmentProgress, EnrollmentProgress.enrollment_id == Enrollment.id)
        .where(Enrollment.program_id == program_id, Enrollment.extra_session.is_(False))
        .order_by(Enrollment.id)
    )
    return [(e, p) for e, p in rows.all()]


def completion_rate(enrollments: Sequence[Enrollment]) -> float | None:
    """Completed enrollments as a share (%) of those that started (were ever active); None before any did."""
    started = [e for e in enrollments if e.activated_at is not None]
    if not started:
        return None
    return round(100 * sum(e.status == EnrollmentStatus.COMPLETED for e in started) / len(started), 1)


def median_days_to_complete(rows: Sequence[tuple[Enrollment, EnrollmentProgress | None]]) -> float | None:
    """The median, over completed enrollments, of the days from activation to completion."""
    days = [
        (ensure_utc(p.completed_at) - ensure_utc(e.activated_at)).total_seconds() / 86400
        for e, p in rows
        if p is not None and p.completed_at is not None and e.activated_at is not None
    ]
    return round(statistics.median(days), 1) if days else None


async def step_completion(
    session: AsyncSession, program_id: int, enrollment_ids: Sequence[int]
) -> tuple[StepCompletion, ...]:
    """Per step of the newest published version: how many enrollments it reached (was delivered to), and
    the share (%) of its tasks those enrollments ticked — where clients drop off."""
    version = await published_version(session, program_id)
    if version is None or not enrollment_ids:
        return ()
    reached: dict[str, int] = defaultdict(int)
    for key, n in await session.execute(
        select(StepRelease.step_key, func.count())
        .where(StepRelease.enrollment_id.in_(enrollment_ids))
        .group_by(StepRelease.step_key)
    ):
        reached[key] = int(n)
    ticks: dict[tuple[str, str], int] = defaultdict(int)
    for key, task, n in await session.execute(
        select(TaskTick.step_key, TaskTick.task, func.count())
        .where(TaskTick.enrollment_id.in_(enrollment_ids))
        .group_by(TaskTick.step_key, TaskTick.task)
    ):
        ticks[(key, task)] = int(n)
    result = []
    for step in await version_steps(session, version.id):
        key = step_key(step.title)
        tasks = [str(t) for t in step.tasks]
        possible = reached[key] * len(tasks)
        done = sum(ticks[(key, t)] for t in tasks)
        pct = round(100 * min(done, possible) / possible, 1) if possible else None
        result.append(StepCompletion(step.day, step.title, reached[key], len(tasks), pct))
    return tuple(result)


async def _check_ins(
    session: AsyncSession, rows: Sequence[tuple[Enrollment, EnrollmentProgress | None]], now: datetime
) -> list[tuple[datetime, datetime, list[CheckIn]]]:
    """Each started enrollment's window (activation to end, or now) with the client's check-ins in it."""
    windows = []
    for enrollment, _progress in rows:
        if enrollment.activated_at is None:
            continue
        start = ensure_utc(enrollment.activated_at)
        end = ensure_utc(enrollment.ended_at) if enrollment.ended_at else ensure_utc(now)
        found = (
            await session.scalars(
                select(CheckIn)
                .where(
                    CheckIn.client_id == enrollment.client_id,
                    CheckIn.created_at >= start,
                    CheckIn.created_at <= end,
                )
                .order_by(CheckIn.created_at)
            )
        ).all()
        windows.append((start, end, list(found)))
    return windows


def checkin_adherence(windows: Sequence[tuple[datetime, datetime, list[CheckIn]]]) -> float | None:
    """The mean plan adherence (%) of all check-ins made during enrollments (yes 100, partly 50, no 0)."""
    scores = [ADHERENCE_SCORE.get(c.adherence, 0.0) for _s, _e, found in windows for c in found]
    return round(100 * sum(scores) / len(scores), 1) if scores else None


def mood_change(windows: Sequence[tuple[datetime, datetime, list[CheckIn]]]) -> float | None:
    """The mean, over enrollments at least two weeks long with check-ins in both, of the average mood in
    the last week minus the average mood in the first week (positive: mood went up)."""
    changes = []
    for start, end, found in windows:
        if end - start < 2 * WEEK:
            continue
        first = [c.mood for c in found if ensure_utc(c.created_at) < start + WEEK]
        last = [c.mood for c in found if ensure_utc(c.created_at) >= end - WEEK]
        if first and last:
            changes.append(statistics.mean(last) - statistics.mean(first))
    return round(statistics.mean(changes), 1) if changes else None


async def revenue(session: AsyncSession, enrollment_ids: Sequence[int]) -> dict[str, int]:
    """Money collected for the program's enrollments, net of refunds, in minor units per currency."""
    if not enrollment_ids:
        return {}
    rows = await session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor - Payment.refunded_minor))
        .where(Payment.enrollment_id.in_(enrollment_ids), Payment.status.in_(COLLECTED))
        .group_by(Payment.currency)
        .order_by(Payment.currency)
    )
    return {currency: int(total or 0) for currency, total in rows.all()}


async def _all_enrollment_ids(session: AsyncSession, program_id: int) -> list[int]:
    """Every enrollment of the program, extra sessions bought through it included (their money counts)."""
    return list(
        (await session.scalars(select(Enrollment.id).where(Enrollment.program_id == program_id))).all()
    )


async def program_stats(session: AsyncSession, program_id: int, *, now: datetime) -> ProgramStats:
    program = await get_program(session, program_id)
    rows = await _enrollments(session, program_id)
    enrollments = [e for e, _p in rows]
    ids = [e.id for e in enrollments]
    windows = await _check_ins(session, rows, now)
    return ProgramStats(
        program_id=program.id,
        program=program.name,
        enrolled=len(enrollments),
        active=sum(e.status == EnrollmentStatus.ACTIVE for e in enrollments),
        completed=sum(e.status == EnrollmentStatus.COMPLETED for e in enrollments),
        completion_rate_pct=completion_rate(enrollments),
        median_days_to_complete=median_days_to_complete(rows),
        steps=await step_completion(session, program_id, ids),
        checkin_adherence_pct=checkin_adherence(windows),
        mood_change=mood_change(windows),
        revenue=await revenue(session, await _all_enrollment_ids(session, program_id)),
    )
