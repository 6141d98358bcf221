"""Client metrics: who is active, who joined, who went quiet or left, who came back, how often they
check in and how their mood and energy moved. One function per metric; its docstring is its definition."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.scope import DAY, WEEK, Period, Scope
from domain.analytics.sqltime import dialect_of, epoch_seconds
from domain.clock import ensure_utc
from domain.insights.trends import is_expected_day
from domain.models import CheckIn, Client, Coach, Enrollment
from domain.models.enums import Cadence, ClientStatus, EnrollmentStatus
from domain.reminders.schedule import local_date, start_of_local_day

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


def _neighbour(newest: bool, before: bool) -> ColumnElement[Any]:
    """The client's check-in just before (or after) each check-in row, as a correlated subquery."""
    other = CheckIn.__table__.alias("other")
    pick = func.max(other.c.created_at) if newest else func.min(other.c.created_at)
    order = other.c.created_at < CheckIn.created_at if before else other.c.created_at > CheckIn.created_at
    return select(pick).where(other.c.client_id == CheckIn.client_id, order).scalar_subquery()


async def churned_clients(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Clients who churned during the period: an enrollment cancelled, or more than 14 days passed without a check-in (after one, or after joining)."""
    dialect = dialect_of(session)
    end = period.read_end
    silence = CHURN_SILENCE.total_seconds()
    # The 14 days ran out within the period when the silence began 14 days before it.
    began = (period.start - CHURN_SILENCE, end - CHURN_SILENCE)
    following = _neighbour(newest=False, before=False)
    after_check_in = select(CheckIn.client_id).where(
        scope.has_client(CheckIn.client_id),
        CheckIn.created_at >= began[0],
        CheckIn.created_at < began[1],
        or_(
            following.is_(None),
            epoch_seconds(following, dialect) - epoch_seconds(CheckIn.created_at, dialect) > silence,
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
        Enrollment.ended_at >= period.start,
        Enrollment.ended_at < end,
    )
    either = union(after_check_in, after_joining, cancelled).subquery()
    return int(await session.scalar(select(func.count()).select_from(either)) or 0)


async def reactivated_clients(session: AsyncSession, scope: Scope, period: Period) -> int:
    """Clients who checked in during the period more than 14 days after their previous check-in (or after joining)."""
    dialect = dialect_of(session)
    previous = func.coalesce(_neighbour(newest=True, before=True), Client.created_at)
    gap = epoch_seconds(CheckIn.created_at, dialect) - epoch_seconds(previous, dialect)
    found = await session.scalar(
        select(func.count(func.distinct(CheckIn.client_id)))
        .join(Client, Client.id == CheckIn.client_id)
        .where(
            scope.has_client(CheckIn.client_id),
            CheckIn.created_at >= period.start,
            CheckIn.created_at < period.read_end,
            gap > CHURN_SILENCE.total_seconds(),
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


async def coach_loads(session: AsyncSession, coach_ids: list[int] | None = None) -> dict[int, int]:
    """Active clients per coach, now (every coach listed, 0 included)."""
    query = (
        select(Coach.id, func.count(Client.id))
        .outerjoin(Client, and_(Client.coach_id == Coach.id, Client.status == ClientStatus.ACTIVE))
        .group_by(Coach.id)
    )
    if coach_ids is not None:
        query = query.where(Coach.id.in_(coach_ids))
    return {int(coach_id): int(n) for coach_id, n in await session.execute(query)}


def by_coach(values: dict[int, int | float | None]) -> dict[str, int | float | None]:
    return {f"coach:{coach_id}": value for coach_id, value in sorted(values.items())}


async def client_load(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int | float | None]:
    """Per coach (key coach:ID), the clients with status active assigned to them now."""
    loads = await coach_loads(session, await scope.coach_ids(session))
    return by_coach(dict(loads))


async def capacity_used(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int | float | None]:
    """Per coach (key coach:ID), active clients now as a share (%) of the coach's capacity; null when the coach has no limit."""
    coach_ids = await scope.coach_ids(session)
    loads = await coach_loads(session, coach_ids)
    query = select(Coach.id, Coach.capacity)
    if coach_ids is not None:
        query = query.where(Coach.id.in_(coach_ids))
    used: dict[int, int | float | None] = defaultdict(lambda: None)
    for coach_id, capacity in await session.execute(query):
        load = loads.get(coach_id, 0)
        # Capacities are at least 1 (domain.services.capacity checks it).
        used[coach_id] = None if not capacity else round(100 * load / capacity, 1)
    return by_coach(dict(used))
