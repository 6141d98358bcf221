"""A coach digest's period (a day or a week, from the coach's digest cadence) and the time it covers.

A daily digest reports what happened since the previous one: the last 24 hours, or back to the
previous digest day for a weekdays cadence (Monday's digest covers the weekend). A weekly digest
reports the week. Pure time arithmetic, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.clock import ensure_utc
from domain.insights.trends import WEEK_DAYS, is_expected_day
from domain.models.enums import Cadence

MORNING_ENDS, AFTERNOON_ENDS = 12, 18


class DigestPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"

    @property
    def adjective(self) -> str:
        return "daily" if self is DigestPeriod.DAY else "weekly"


def period_for_cadence(cadence: str) -> DigestPeriod:
    """Weekly coaches get the week; daily and weekdays coaches get the day since their last digest."""
    return DigestPeriod.WEEK if cadence == Cadence.WEEKLY else DigestPeriod.DAY


def digest_title(period: DigestPeriod, as_of: date) -> str:
    if period is DigestPeriod.DAY:
        return f"Daily digest for {as_of.isoformat()}"
    return f"Weekly digest for the week ending {as_of.isoformat()}"


@dataclass(frozen=True, slots=True)
class DigestWindow:
    """``[start, end)`` in UTC, and how the digest names it ("since yesterday morning", "this week")."""

    start: datetime
    end: datetime
    words: str

    def covers(self, at: datetime) -> bool:
        return self.start <= ensure_utc(at) < self.end

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def digest_end(as_of: date, timezone: str, now: datetime) -> datetime:
    """The digest's moment: ``now``, or the end of ``as_of`` (coach's zone) for a past day."""
    end_of_day = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=ZoneInfo(timezone))
    return min(ensure_utc(now), end_of_day.astimezone(UTC))


def _same_wall_time(local_end: datetime, days_back: int) -> datetime:
    # The same local clock time on an earlier day: across a DST change that is 23 or 25 hours a day.
    day = local_end.date() - timedelta(days=days_back)
    return datetime.combine(day, local_end.time(), tzinfo=local_end.tzinfo).astimezone(UTC)


def digest_window(period: DigestPeriod, end: datetime, timezone: str, cadence: str) -> DigestWindow:
    """The time a digest ending at ``end`` reports on, named in the coach's ``timezone``."""
    local_end = ensure_utc(end).astimezone(ZoneInfo(timezone))
    if period is DigestPeriod.WEEK:
        return DigestWindow(_same_wall_time(local_end, WEEK_DAYS), ensure_utc(end), "this week")
    back = 1
    while back < WEEK_DAYS and not is_expected_day(local_end.date() - timedelta(days=back), cadence):
        back += 1
    start = _same_wall_time(local_end, back)
    local_start = start.astimezone(local_end.tzinfo)
    if local_end.time() == time.min:
        # A whole past day (or days, after a weekend without digests), as asked for by date.
        first, last = local_start.date(), local_end.date() - timedelta(days=1)
        words = (
            f"on {first.isoformat()}" if first == last else f"from {first.isoformat()} to {last.isoformat()}"
        )
    else:
        day = "yesterday" if back == 1 else local_start.strftime("%A")
        hour = local_start.hour
        part = "morning" if hour < MORNING_ENDS else "afternoon" if hour < AFTERNOON_ENDS else "evening"
        words = f"since {day} {part}"
    return DigestWindow(start, ensure_utc(end), words)
