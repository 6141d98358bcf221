"""Recording check-ins and the numbers built from them (streaks, weekly comparisons)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import ensure_utc, utcnow
from domain.models import CheckIn, Goal
from domain.models.enums import GoalStatus
from domain.services.clients import get_client


async def record_check_in(
    session: AsyncSession,
    *,
    client_id: int,
    mood: int,
    energy: int,
    sleep_hours: float,
    adherence: str,
    source_channel: str,
    goal_progress: int | None = None,
    goal_id: int | None = None,
    note: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    at: datetime | None = None,
) -> CheckIn:
    """Validate every field, then store the check-in (and the goal's new progress) together."""
    await get_client(session, client_id)
    check_in = CheckIn(
        client_id=client_id,
        mood=rules.check_scale("mood", mood, rules.MOOD_RANGE),
        energy=rules.check_scale("energy", energy, rules.ENERGY_RANGE),
        sleep_hours=rules.check_sleep_hours(sleep_hours),
        adherence=rules.check_adherence(adherence),
        goal_progress=None
        if goal_progress is None
        else rules.check_scale("goal progress", goal_progress, rules.PROGRESS_RANGE),
        note=rules.check_note(note),
        attachments=attachments or [],
        source_channel=source_channel,
        created_at=ensure_utc(at) if at else utcnow(),
    )
    if goal_id is None and goal_progress is not None:
        goal_id = await session.scalar(
            select(Goal.id)
            .where(Goal.client_id == client_id, Goal.status == GoalStatus.ACTIVE)
            .order_by(Goal.id.desc())
            .limit(1)
        )
    check_in.goal_id = goal_id
    if goal_id is not None and goal_progress is not None:
        goal = await session.get(Goal, goal_id)
        if goal is not None and goal.client_id == client_id:
            goal.progress = goal_progress
    session.add(check_in)
    await session.flush()
    return check_in


async def recent_check_ins(
    session: AsyncSession, client_id: int, *, since: datetime | None = None, limit: int | None = None
) -> Sequence[CheckIn]:
    """Newest first."""
    query = (
        select(CheckIn)
        .where(CheckIn.client_id == client_id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
    )
    if since is not None:
        query = query.where(CheckIn.created_at >= since)
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


def local_dates(instants: Sequence[datetime], timezone: str) -> set[date]:
    zone = ZoneInfo(timezone)
    return {ensure_utc(at).astimezone(zone).date() for at in instants}


def streak_from_dates(days: set[date], today: date) -> int:
    """Consecutive days with a check-in ending today (or yesterday, when today has none yet)."""
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


async def check_in_streak(session: AsyncSession, client_id: int, *, now: datetime | None = None) -> int:
    client = await get_client(session, client_id)
    now = now or utcnow()
    since = now - timedelta(days=400)
    instants = (
        await session.scalars(
            select(CheckIn.created_at).where(CheckIn.client_id == client_id, CheckIn.created_at >= since)
        )
    ).all()
    today = ensure_utc(now).astimezone(ZoneInfo(client.timezone)).date()
    return streak_from_dates(local_dates(instants, client.timezone), today)


@dataclass(frozen=True, slots=True)
class WeekComparison:
    """Today's check-in against the average of the previous 7 days."""

    count: int
    mood_avg: float | None
    energy_avg: float | None
    sleep_avg: float | None


async def last_week_averages(
    session: AsyncSession, client_id: int, *, before: datetime, exclude_id: int | None = None
) -> WeekComparison:
    rows = [
        c
        for c in await recent_check_ins(session, client_id, since=before - timedelta(days=7))
        if c.id != exclude_id and c.created_at <= before
    ]
    if not rows:
        return WeekComparison(0, None, None, None)
    n = len(rows)
    return WeekComparison(
        n,
        round(sum(c.mood for c in rows) / n, 1),
        round(sum(c.energy for c in rows) / n, 1),
        round(sum(c.sleep_hours for c in rows) / n, 1),
    )


async def check_in_count(session: AsyncSession, client_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(CheckIn.client_id == client_id)) or 0)
