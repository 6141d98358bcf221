"""Time helpers: every stored instant is timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is UTC:  # what the database drivers return: nothing to convert
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@cache
def time_zone(name: str) -> ZoneInfo:
    """``ZoneInfo(name)``, loaded once per process. ``ZoneInfo`` itself keeps only the eight most
    recent zones alive, so a batch of clients in more timezones than that read the zone files again
    for every client; held here (a few hundred names at most, an unknown one raises and is not kept),
    every ``ZoneInfo(name)`` in the process is a cache hit too."""
    return ZoneInfo(name)
