"""Busy times from a CalDAV calendar (``caldav``): every opaque, not-cancelled event in a window,
recurring ones expanded, as UTC intervals.

The ``caldav`` library is blocking; :func:`read_busy_async` runs it in a worker thread under a
timeout, so the event loop never waits on a slow calendar server. An all-day event blocks its whole
day in the coach's timezone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import caldav

from domain.booking.slots import Interval

# A calendar server gets this long (seconds) to answer one request, the whole read twice that.
REQUEST_TIMEOUT_S = 15
READ_TIMEOUT_S = 2 * REQUEST_TIMEOUT_S


class CalendarUnavailable(Exception):
    """The calendar could not be read (unreachable, refused the login, not a calendar)."""


@dataclass(frozen=True, slots=True)
class CalDavAccount:
    url: str
    username: str | None = None
    password: str | None = None


def _instant(value: Any, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    raise ValueError(f"not a date or time: {value!r}")


def _interval(component: Any, zone: ZoneInfo) -> Interval | None:
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None  # shown as free
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if component.get("DTSTART") is None:
        return None
    start_value = component.decoded("DTSTART")
    start = _instant(start_value, zone)
    if component.get("DTEND") is not None:
        end = _instant(component.decoded("DTEND"), zone)
    elif component.get("DURATION") is not None:
        end = start + component.decoded("DURATION")
    elif not isinstance(start_value, datetime):
        end = start + timedelta(days=1)  # an all-day event without an end: that day
    else:
        end = start
    return Interval(start, end) if end > start else None


def read_busy(
    account: CalDavAccount, *, since: datetime, until: datetime, timezone: str = "UTC"
) -> list[Interval]:
    """The busy intervals of the calendar at ``account.url`` between ``since`` and ``until``."""
    zone = ZoneInfo(timezone)
    try:
        with caldav.DAVClient(
            url=account.url, username=account.username, password=account.password, timeout=REQUEST_TIMEOUT_S
        ) as client:
            calendar = client.calendar(url=account.url)  # type: ignore[no-untyped-call]
            found = calendar.search(start=since, end=until, event=True, expand=True)
            busy: list[Interval] = []
            for item in found:
                for component in item.icalendar_instance.walk("VEVENT"):
                    interval = _interval(component, zone)
                    if interval is not None and interval.overlaps(since, until):
                        busy.append(interval)
    except Exception as exc:  # the library raises many kinds (network, auth, XML): one answer
        raise CalendarUnavailable(f"{type(exc).__name__}: {exc}".strip()[:300]) from exc
    return sorted(busy, key=lambda i: i.start)


async def read_busy_async(
    account: CalDavAccount, *, since: datetime, until: datetime, timezone: str = "UTC"
) -> list[Interval]:
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            return await asyncio.to_thread(read_busy, account, since=since, until=until, timezone=timezone)
    except TimeoutError:
        raise CalendarUnavailable(f"no answer within {READ_TIMEOUT_S} s") from None
