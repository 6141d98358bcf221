"""A client's check-ins as one value per local day: what a progress chart draws.

Days are the client's own calendar days (their timezone). A day with several check-ins shows their
mean; a day without one has no value (a gap a chart must not bridge). Weeks are the seven-day
stretches ending on the last day, as in the weekly insights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, time_zone
from domain.errors import ValidationError
from domain.insights import trends as t
from domain.insights.compute import local_today
from domain.insights.data import check_in_rows, profile_of
from domain.insights.facts import CheckInRow, ClientProfile, Trend
from domain.models.enums import Cadence
from domain.services.clients import get_client

SERIES_DAYS_MAX = 366
MIN_CHART_CHECK_INS = 2
"""Fewer check-ins in the window than this make no line worth drawing."""
METRICS = ("mood", "energy")


@dataclass(frozen=True, slots=True)
class DayValues:
    day: date
    check_ins: int
    mood: float | None
    """The day's mean mood (1-10); None when there was no check-in."""
    energy: float | None
    adherence: float | None
    """The day's mean plan adherence, 0 (not followed) to 1 (followed; "partly" is 0.5)."""
    missed: bool
    """The client's cadence asked for a check-in that day, the day is over, and none came."""


@dataclass(frozen=True, slots=True)
class ClientSeries:
    client_id: int
    first_name: str
    timezone: str
    days: tuple[DayValues, ...]
    """Oldest first, ending on the client's local today."""

    @property
    def start(self) -> date:
        return self.days[0].day

    @property
    def end(self) -> date:
        return self.days[-1].day

    @property
    def check_ins(self) -> int:
        return sum(d.check_ins for d in self.days)

    @property
    def days_checked_in(self) -> int:
        return sum(1 for d in self.days if d.check_ins)

    @property
    def missed_days(self) -> int:
        return sum(1 for d in self.days if d.missed)

    @property
    def chartable(self) -> bool:
        return self.check_ins >= MIN_CHART_CHECK_INS

    def weeks(self) -> list[tuple[DayValues, ...]]:
        """Seven-day stretches ending on the last day, oldest first (the first may be shorter)."""
        chunks: list[tuple[DayValues, ...]] = []
        stop = len(self.days)
        while stop > 0:
            chunks.insert(0, self.days[max(0, stop - t.WEEK_DAYS) : stop])
            stop -= t.WEEK_DAYS
        return chunks

    def week_means(self, metric: str) -> list[float | None]:
        """Each week's mean of the daily values of ``metric`` (one decimal), None for a week without any."""
        means: list[float | None] = []
        for week in self.weeks():
            values = [v for d in week if (v := _value(d, metric)) is not None]
            means.append(round(sum(values) / len(values), 1) if values else None)
        return means

    def change(self, metric: str) -> Trend:
        """The latest week with check-ins against the earliest one (UNKNOWN with fewer than two)."""
        known = [m for m in self.week_means(metric) if m is not None]
        if len(known) < 2:
            return t.trend(metric, known[-1] if known else None, None)
        return t.trend(metric, known[-1], known[0])

    def adherence_pct(self) -> int | None:
        """Share of the plan followed over the check-in days (partly counts half), as a percentage."""
        values = [d.adherence for d in self.days if d.adherence is not None]
        return round(100 * sum(values) / len(values)) if values else None


def _value(day: DayValues, metric: str) -> float | None:
    value: float | None = getattr(day, metric)
    return value


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def day_values(
    profile: ClientProfile, rows: Sequence[CheckInRow], *, end: date, days: int, today: date
) -> tuple[DayValues, ...]:
    """One entry per local day from ``end - days + 1`` to ``end``, from check-in rows (UTC instants)."""
    zone = time_zone(profile.timezone)
    by_day: dict[date, list[CheckInRow]] = {}
    for row in rows:
        by_day.setdefault(t.local_day(row, zone), []).append(row)
    since = profile.since
    if by_day and (since is None or min(by_day) < since):
        since = min(by_day)  # history imported from elsewhere starts before the client record
    out = []
    for n in range(days - 1, -1, -1):
        day = end - timedelta(days=n)
        found = by_day.get(day, [])
        missed = (
            not found
            and profile.cadence != Cadence.WEEKLY
            and day < today
            and (since is None or day >= since)
            and t.is_expected_day(day, profile.cadence)
        )
        out.append(
            DayValues(
                day=day,
                check_ins=len(found),
                mood=_mean([r.mood for r in found]),
                energy=_mean([r.energy for r in found]),
                adherence=_mean([t.ADHERENCE_SCORE.get(r.adherence, 0.0) for r in found]),
                missed=missed,
            )
        )
    return tuple(out)


async def client_series(session: AsyncSession, client_id: int, *, days: int, now: datetime) -> ClientSeries:
    """The client's last ``days`` local days up to and including today, computed from their check-ins."""
    if not 1 <= days <= SERIES_DAYS_MAX:
        raise ValidationError(f"days must be between 1 and {SERIES_DAYS_MAX}", field="days")
    client = await get_client(session, client_id)
    profile = profile_of(client)
    zone = time_zone(profile.timezone)
    end = local_today(now, profile.timezone)
    start = end - timedelta(days=days - 1)
    since = ensure_utc(datetime.combine(start, time.min, tzinfo=zone))
    found = await check_in_rows(session, [client_id], since=since)
    rows = [r for r in found.get(client_id, []) if t.local_day(r, zone) <= end]
    return ClientSeries(
        client_id=client_id,
        first_name=profile.first_name,
        timezone=profile.timezone,
        days=day_values(profile, rows, end=end, days=days, today=end),
    )
