"""Reading every coach's CalDAV busy times into the database (the slots read them from there)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from domain.db import Database
from domain.models import Coach
from domain.services.booking import get_availability
from domain.services.calendars import caldav_settings, store_busy, store_sync_error
from integrations.caldav.client import CalDavAccount, CalendarUnavailable, read_busy_async

log = logging.getLogger(__name__)

# Busy times are read this far back (a session that began) and ahead when a coach has no horizon yet.
LOOKBACK = timedelta(days=1)
DEFAULT_LOOKAHEAD = timedelta(days=60)


async def sync_coach(db: Database, coach_id: int, account: CalDavAccount, *, now: datetime) -> int:
    """Read one coach's busy times and store them; the count. Raises :class:`CalendarUnavailable`
    (recorded on the coach's calendar row too, the busy times last read are kept)."""
    async with db.unit_of_work() as session:
        coach = await session.get(Coach, coach_id)
        timezone = coach.timezone if coach else "UTC"
        availability = await get_availability(session, coach_id)
    ahead = timedelta(days=availability.horizon_days + 1) if availability else DEFAULT_LOOKAHEAD
    try:
        busy = await read_busy_async(account, since=now - LOOKBACK, until=now + ahead, timezone=timezone)
    except CalendarUnavailable as exc:
        async with db.unit_of_work() as session:
            await store_sync_error(session, coach_id, str(exc))
        raise
    async with db.unit_of_work() as session:
        return await store_busy(session, coach_id, busy, now=now)


async def sync_all(db: Database, *, now: datetime, coach_id: int | None = None) -> dict[int, int | str]:
    """Every coach with a CalDAV calendar (or just ``coach_id``): busy times read, or the error."""
    async with db.unit_of_work() as session:
        accounts = await caldav_settings(session)
    results: dict[int, int | str] = {}
    for found, url, username, password in accounts:
        if coach_id is not None and found != coach_id:
            continue
        try:
            results[found] = await sync_coach(db, found, CalDavAccount(url, username, password), now=now)
        except CalendarUnavailable as exc:
            log.warning("CalDAV calendar of coach %s could not be read: %s", found, exc)
            results[found] = str(exc)
    return results
