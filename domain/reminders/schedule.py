"""Pure time arithmetic for reminders: local wall-clock times, cadences, quiet hours and DST.

Every function takes and returns aware datetimes; stored instants are UTC.

Daylight-saving policy (both directions, documented in the README):
- a local time that does not exist (spring-forward gap, e.g. 02:30 in Europe/Berlin on the last Sunday
  of March) becomes the first valid instant after the gap (03:00 local);
- a local time that happens twice (fall-back, e.g. 01:30 in America/New_York in November) is the
  first occurrence (``fold=0``, the daylight-time one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.clock import ensure_utc, time_zone
from domain.models.enums import Cadence

# Weekly check-ins and digests fall on Mondays (ISO weekday 0 in Python's numbering).
WEEKLY_WEEKDAY = 0
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Gaps are at most a few hours; the bound only guards against a corrupt zone database.
_MAX_GAP_MINUTES = 24 * 60


# A dispatch batch asks these for hundreds of clients sharing a few zones, days and quiet hours.
@lru_cache(maxsize=4096)
def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone``, following the DST policy above."""
    naive = datetime.combine(day, at)
    for minute in range(_MAX_GAP_MINUTES):
        wall = naive + timedelta(minutes=minute)
        candidate = wall.replace(tzinfo=zone, fold=0)
        instant = candidate.astimezone(UTC)
        # A wall time in a spring-forward gap does not survive the round trip through UTC.
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return instant
    raise ValueError(f"no valid local time near {naive} in {zone.key}")


def is_scheduled_day(cadence: str, day: date) -> bool:
    if cadence == Cadence.WEEKDAYS:
        return day.weekday() < 5
    if cadence == Cadence.WEEKLY:
        return day.weekday() == WEEKLY_WEEKDAY
    return True


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return ensure_utc(instant).astimezone(zone).date()


@lru_cache(maxsize=4096)
def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return local_instant(day, time(0, 0), zone)


def in_quiet_hours(instant: datetime, zone: ZoneInfo, start: str | None, end: str | None) -> bool:
    """Quiet hours are ``[start, end)`` in local time and may wrap past midnight (22:00-07:00)."""
    if not start or not end or start == end:
        return False
    wall = ensure_utc(instant).astimezone(zone).time().replace(second=0, microsecond=0)
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    if begin < finish:
        return begin <= wall < finish
    return wall >= begin or wall < finish


def shift_out_of_quiet_hours(
    instant: datetime, zone: ZoneInfo, start: str | None, end: str | None
) -> datetime:
    """``instant`` itself, or the first allowed minute after the quiet hours it falls in."""
    if not in_quiet_hours(instant, zone, start, end):
        return ensure_utc(instant)
    assert start is not None and end is not None  # checked by in_quiet_hours
    local = ensure_utc(instant).astimezone(zone)
    finish = parse_hhmm(end)
    day = local.date()
    if local.time() >= finish:  # quiet hours wrap midnight: they end tomorrow
        day += timedelta(days=1)
    return local_instant(day, finish, zone)


def occurrences(
    cadence: str, at: str, timezone: str, *, first_day: date, days: int
) -> list[tuple[date, datetime]]:
    """The scheduled (local date, UTC instant) pairs for ``days`` local dates from ``first_day``."""
    zone = time_zone(timezone)
    wall = parse_hhmm(at)
    result = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if is_scheduled_day(cadence, day):
            result.append((day, local_instant(day, wall, zone)))
    return result
