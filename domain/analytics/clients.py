"""Client metrics: who is active, who joined, who went quiet or left, who came back, how often they
check in and how their mood and energy moved. One function per metric; its docstring is its definition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Subquery, and_, case, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.scope import DAY, WEEK, Period, Scope
from domain.analytics.sqltime import dialect_of, epoch_seconds
from domain.clock import ensure_utc
from domain.insights.trends import is_expected_day
from domain.models import CheckIn, Client, Enrollment
from domain.models.enums import Cadence, ClientStatus, EnrollmentStatus
from domain.reminders.schedule import local_date, start_of_local_day
from domain.services.capacity import CoachLoad, coach_loads

# A client without a check-in for this long has churned (and is reactivated by their next one).
CHURN_SILENT_DAYS = 14
CHURN_SILENCE = timedelta(days=CHURN_SILENT_DAYS)
WEEK_DAYS = 7


async def active_clients(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Clients who checked in at least once in the 14 days up to the end of the period (or up to now)."""
    end = period.read_end
    found = await session.scalar(
        select(func.count(func.distinct(CheckIn.client_id))).where(
            scope.has_client(CheckIn.client_id),
            CheckIn.created_at >= end - CHURN_SILENCE,
            CheckIn.created_at < end,
        )
    )
    return int(found or 0)


async def new_clients(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Clients who joined during the period."""
    found = await session.scalar(
        select(func.count(Client.id)).where(
            scope.has_client(Client.id), Client.created_at >= period.start, Client.created_at < period.end
        )
    )
    return int(found or 0)


def _with_neighbour(scope: Scope, since: datetime, until: datetime | None, *, following: bool) -> Subquery:
    """Check-ins from ``since`` (to ``until``) with each one's next (or previous) check-in by the same
    client, in one window pass over the client-and-time index instead of a lookup per row."""
    over = func.lead if following else func.lag
    query = select(
        CheckIn.client_id.label("client_id"),
        CheckIn.created_at.label("at"),
        over(CheckIn.created_at)
        .over(partition_by=CheckIn.client_id, order_by=CheckIn.created_at)
        .label("other_at"),
    ).where(scope.has_client(CheckIn.client_id), CheckIn.created_at >= since)
    if until is not None:
        query = query.where(CheckIn.created_at < until)
    return query.subquery()


async def churned_clients(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Clients who churned during the period: a program enrollment cancelled (not an extra session bought), or more than 14 days passed without a check-in (after one, or after joining)."""
    dialect = dialect_of(session)
    end = period.read_end
    silence = CHURN_SILENCE.total_seconds()
    # The 14 days ran out within the period when the silence began 14 days before it.
    began = (period.start - CHURN_SILENCE, end - CHURN_SILENCE)
    # Every later check-in is in the window, so each row's next one is the client's next one.
    rows = _with_neighbour(scope, began[0], None, following=True)
    after_check_in = select(rows.c.client_id).where(
        rows.c.at < began[1],
        or_(
            rows.c.other_at.is_(None),
            epoch_seconds(rows.c.other_at, dialect) - epoch_seconds(rows.c.at, dialect) > silence,
        ),
    )
    early = select(CheckIn.id).where(
        CheckIn.client_id == Client.id,
        epoch_seconds(CheckIn.created_at, dialect) <= epoch_seconds(Client.created_at, dialect) + silence,
    )
    after_joining = select(Client.id).where(
        scope.has_client(Client.id),
        Client.created_at >= began[0],
        Client.created_at < began[1],
        ~early.exists(),
    )
    cancelled = select(Enrollment.client_id).where(
        scope.has_client(Enrollment.client_id),
        Enrollment.status == EnrollmentStatus.CANCELLED,
        Enrollment.extra_session.is_(False),
        Enrollment.ended_at >= period.start,
        Enrollment.ended_at < end,
    )
    either = union(after_check_in, after_joining, cancelled).subquery()
    return int(await session.scalar(select(func.count()).select_from(either)) or 0)


async def reactivated_clients(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Clients who checked in during the period more than 14 days after their previous check-in (or after joining)."""
    dialect = dialect_of(session)
    silence = CHURN_SILENCE.total_seconds()
    # Only the 14 days before the period can hold a previous check-in close enough to matter.
    since = period.start - CHURN_SILENCE
    rows = _with_neighbour(scope, since, period.read_end, following=False)
    older = (
        select(CheckIn.id).where(CheckIn.client_id == rows.c.client_id, CheckIn.created_at < since).exists()
    )

    def gap_after(earlier: Any) -> ColumnElement[bool]:
        return epoch_seconds(rows.c.at, dialect) - epoch_seconds(earlier, dialect) > silence

    found = await session.scalar(
        select(func.count(func.distinct(rows.c.client_id)))
        .join(Client, Client.id == rows.c.client_id)
        .where(
            rows.c.at >= period.start,
            or_(
                and_(rows.c.other_at.is_not(None), gap_after(rows.c.other_at)),
                # The first in the window: returning after an older check-in, or long after joining.
                and_(rows.c.other_at.is_(None), or_(older, gap_after(Client.created_at))),
            ),
        )
    )
    return int(found or 0)


@dataclass(frozen=True, slots=True)
class _Expected:
    """The local days of one timezone that a period covers: those starting in it and over by now."""

    days: tuple[date, ...]
    lo: datetime
    hi: datetime


def _covered_days(zone: ZoneInfo, period: Period) -> _Expected | None:
    day = local_date(period.start, zone)
    days = []
    while True:
        begins = start_of_local_day(day, zone)
        if begins >= period.end or start_of_local_day(day + DAY, zone) > period.now:
            break
        if begins >= period.start:
            days.append(day)
        day += DAY
    if not days:
        return None
    return _Expected(tuple(days), start_of_local_day(days[0], zone), start_of_local_day(days[-1] + DAY, zone))


def expected_in(days: tuple[date, ...], cadence: str, joined: date) -> int:
    """Check-ins a cadence asks for on ``days`` from the day the client joined: daily every day,
    weekdays Monday to Friday, weekly one per full seven days."""
    mine = [d for d in days if d >= joined]
    if cadence == Cadence.WEEKLY:
        return len(mine) // WEEK_DAYS
    return sum(1 for d in mine if is_expected_day(d, cadence))


async def checkin_adherence(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Check-ins done as a share (%) of those expected by each active client's cadence (daily, weekdays, weekly) on their local days in the period since they joined, at most one per expected."""
    done = expected = 0
    zones = (
        await session.scalars(
            select(Client.timezone)
            .where(scope.has_client(Client.id), Client.status == ClientStatus.ACTIVE)
            .distinct()
        )
    ).all()
    for name in zones:  # one grouped query per timezone: a timezone's local days share their bounds
        covered = _covered_days(ZoneInfo(name), period)
        if covered is None:
            continue
        in_days = and_(CheckIn.created_at >= covered.lo, CheckIn.created_at < covered.hi)
        rows = await session.execute(
            select(
                Client.id,
                Client.checkin_cadence,
                Client.created_at,
                func.count(case((in_days, CheckIn.id))),
                func.min(CheckIn.created_at),
            )
            .outerjoin(CheckIn, and_(CheckIn.client_id == Client.id, CheckIn.created_at < covered.hi))
            .where(
                scope.has_client(Client.id),
                Client.status == ClientStatus.ACTIVE,
                Client.timezone == name,
            )
            .group_by(Client.id, Client.checkin_cadence, Client.created_at)
        )
        zone = ZoneInfo(name)
        for _client_id, cadence, created_at, count, first_check_in in rows:
            # Imported clients were created after their history: they joined at their first check-in.
            joined_at = ensure_utc(created_at)
            if first_check_in is not None:
                joined_at = min(joined_at, ensure_utc(first_check_in))
            owed = expected_in(covered.days, cadence, local_date(joined_at, zone))
            expected += owed
            done += min(int(count), owed)
    return round(100 * done / expected, 1) if expected else None


async def _first_to_last_week(
    session: AsyncSession, scope: Scope, period: Period, column: str
) -> float | None:
    end = period.read_end
    if end - period.start < 2 * WEEK:
        return None
    value = getattr(CheckIn, column)
    per_client = (
        select(
            func.avg(case((CheckIn.created_at < period.start + WEEK, value))).label("first"),
            func.avg(case((CheckIn.created_at >= end - WEEK, value))).label("last"),
        )
        .where(
            scope.has_client(CheckIn.client_id), CheckIn.created_at >= period.start, CheckIn.created_at < end
        )
        .group_by(CheckIn.client_id)
        .subquery()
    )
    change = await session.scalar(
        select(func.avg(per_client.c["last"] - per_client.c["first"])).where(
            per_client.c["first"].is_not(None), per_client.c["last"].is_not(None)
        )
    )
    return None if change is None else round(float(change), 2)


async def mood_change(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Mean over clients with check-ins in both the period's first and last 7 days (periods of 14+ days) of last-week minus first-week average mood."""
    return await _first_to_last_week(session, scope, period, "mood")


async def energy_change(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Mean over clients with check-ins in both the period's first and last 7 days (periods of 14+ days) of last-week minus first-week average energy."""
    return await _first_to_last_week(session, scope, period, "energy")


async def _loads_in_scope(session: AsyncSession, scope: Scope, period: Period) -> list[CoachLoad]:
    coach_ids = await scope.coach_ids(session)
    loads = await coach_loads(session, now=period.now)
    return [c for c in loads if coach_ids is None or c.coach_id in coach_ids]


def by_coach(values: dict[int, int | float | None]) -> dict[str, int | float | None]:
    return {f"coach:{coach_id}": value for coach_id, value in sorted(values.items())}


async def client_load(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int | float | None]:
    """Per coach (key coach:ID), the clients with status active assigned to them now."""
    return by_coach({c.coach_id: c.load for c in await _loads_in_scope(session, scope, period)})


async def capacity_used(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int | float | None]:
    """Per coach (key coach:ID), active clients now as a share (%) of the coach's capacity; null when the coach has no limit."""
    return by_coach(
        {
            # Capacities are at least 1 (rules.check_capacity).
            c.coach_id: None if not c.capacity else round(100 * c.load / c.capacity, 1)
            for c in await _loads_in_scope(session, scope, period)
        }
    )
