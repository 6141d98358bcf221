"""How long clients wait for their coach, counted in the coach's business hours.

A coach's reply stores ``response_seconds``: wall-clock seconds from the first client message it
answers (domain.services.messages.record_coach_reply). The client started waiting at
``created_at - response_seconds``; only the part of that wait inside business hours (Monday to Friday,
09:00-18:00 in the coach's timezone) counts, so a message sent on Friday evening and answered on Monday
at 09:30 waited 30 minutes."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.scope import DAY, Period, Scope
from domain.clock import ensure_utc
from domain.models import CheckIn, Coach, CoachFeedback, Message
from domain.models.enums import MessageDirection
from domain.reminders.schedule import local_date, local_instant

BUSINESS_OPENS = time(9, 0)
BUSINESS_CLOSES = time(18, 0)
BUSINESS_WEEKDAYS = frozenset(range(5))  # Monday to Friday
# Replies are read in chunks, so a busy year of messages never sits in memory at once.
CHUNK_ROWS = 1000


def business_seconds(start: datetime, end: datetime, zone: ZoneInfo) -> float:
    """Seconds between two instants that fall within business hours in ``zone``."""
    start, end = ensure_utc(start), ensure_utc(end)
    if end <= start:
        return 0.0
    total = 0.0
    day = local_date(start, zone)
    last = local_date(end, zone)
    while day <= last:
        if day.weekday() in BUSINESS_WEEKDAYS:
            opens = local_instant(day, BUSINESS_OPENS, zone)
            closes = local_instant(day, BUSINESS_CLOSES, zone)
            overlap = min(end, closes) - max(start, opens)
            if overlap > timedelta(0):
                total += overlap.total_seconds()
        day += DAY
    return total


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` from 0 to 1) of ``values``."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


async def business_response_minutes(session: AsyncSession, scope: Scope, period: Period) -> list[float]:
    """The business-hours wait, in minutes, of every timed coach reply sent in the period."""
    query = (
        select(Message.created_at, Message.response_seconds, Coach.timezone)
        .join(Coach, Coach.id == Message.coach_id)
        .where(
            scope.has_client(Message.client_id),
            Message.direction == MessageDirection.TO_CLIENT,
            Message.response_seconds.is_not(None),
            Message.created_at >= period.start,
            Message.created_at < period.read_end,
        )
        .execution_options(yield_per=CHUNK_ROWS)
    )
    if scope.coach_id is not None:
        query = query.where(Message.coach_id == scope.coach_id)
    zones: dict[str, ZoneInfo] = {}
    minutes = []
    result = await session.stream(query)
    async for chunk in result.partitions(CHUNK_ROWS):
        for replied_at, seconds, timezone in chunk:
            zone = zones.setdefault(timezone, ZoneInfo(timezone))
            replied_at = ensure_utc(replied_at)
            waiting_since = replied_at - timedelta(seconds=float(seconds or 0))
            minutes.append(business_seconds(waiting_since, replied_at, zone) / 60)
    return minutes


async def response_time_median(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Median minutes, within the coach's business hours (Mon-Fri 09:00-18:00 in their timezone), from a client's first unanswered message to the coach's reply, over replies sent in the period."""
    minutes = await business_response_minutes(session, scope, period)
    return _rounded(statistics.median(minutes) if minutes else None)


async def response_time_p90(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """90th-percentile (nearest rank) minutes, within the coach's business hours, from a client's first unanswered message to the coach's reply, over replies sent in the period."""
    return _rounded(percentile(await business_response_minutes(session, scope, period), 0.9))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def coach_feedback_rate(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Check-ins in the period that got a coach's reaction or comment (at any time since) as a share (%) of all check-ins in the period; null without check-ins."""
    in_period = (
        CheckIn.created_at >= period.start,
        CheckIn.created_at < period.read_end,
        scope.has_client(CheckIn.client_id),
    )
    total = int(await session.scalar(select(func.count()).select_from(CheckIn).where(*in_period)) or 0)
    if not total:
        return None
    answered = select(CoachFeedback.id).where(CoachFeedback.check_in_id == CheckIn.id)
    with_feedback = int(
        await session.scalar(select(func.count()).select_from(CheckIn).where(*in_period, answered.exists()))
        or 0
    )
    return round(100 * with_feedback / total, 1)
