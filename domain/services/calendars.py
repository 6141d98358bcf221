"""A coach's calendar links: the private iCal feed of their sessions and their own CalDAV calendar.

The feed's address carries a random token; only its SHA-256 is stored, so a leaked database does not
leak feed addresses, and a new token (or ``--revoke``) makes the old address answer 404. The CalDAV
password is stored encrypted (``domain.crypto``); the busy times read from that calendar are stored
with the coach so offering slots never waits on the network.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.booking.slots import Interval
from domain.clock import ensure_utc, utcnow
from domain.errors import NotFound, ValidationError
from domain.models import Coach, CoachCalendar
from domain.reasons.booking import BookingProblems
from domain.services.audit import record_audit_event
from domain.services.web_auth import hash_token

FEED_TOKEN_BYTES = 32
SYNC_ERROR_MAX_CHARS = 500


async def _calendar(session: AsyncSession, coach_id: int) -> CoachCalendar:
    if await session.get(Coach, coach_id) is None:
        raise NotFound(BookingProblems.NO_COACH(coach_id=coach_id))
    row = await session.get(CoachCalendar, coach_id)
    if row is None:
        row = CoachCalendar(coach_id=coach_id, busy=[])
        session.add(row)
        await session.flush()
    return row


async def new_feed_token(session: AsyncSession, coach_id: int, *, actor: str) -> str:
    """A new private feed token for the coach (the previous address stops working); shown once."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    row = await _calendar(session, coach_id)
    row.feed_token_hash = hash_token(token)
    row.feed_created_at = utcnow()
    await record_audit_event(
        session, actor=actor, action="calendar.feed_created", subject=f"coach:{coach_id}"
    )
    await session.flush()
    return token


async def revoke_feed(session: AsyncSession, coach_id: int, *, actor: str) -> bool:
    """Turn the feed address off; False when there was none."""
    row = await _calendar(session, coach_id)
    had = row.feed_token_hash is not None
    row.feed_token_hash = None
    row.feed_created_at = None
    await record_audit_event(
        session, actor=actor, action="calendar.feed_revoked", subject=f"coach:{coach_id}"
    )
    await session.flush()
    return had


async def coach_for_feed(session: AsyncSession, token: str) -> int | None:
    """The coach whose feed ``token`` opens (None: unknown or revoked)."""
    if not token or len(token) > 200:
        return None
    found: int | None = await session.scalar(
        select(CoachCalendar.coach_id).where(CoachCalendar.feed_token_hash == hash_token(token))
    )
    return found


async def set_caldav(
    session: AsyncSession,
    coach_id: int,
    *,
    url: str | None,
    username: str | None,
    password: str | None,
    actor: str,
) -> None:
    """Set (or, with ``url`` None, remove) the coach's own CalDAV calendar."""
    row = await _calendar(session, coach_id)
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValidationError(BookingProblems.CALDAV_ADDRESS())
    row.caldav_url = url
    row.caldav_username = username if url else None
    row.caldav_password = password if url else None
    if url is None:
        row.busy = []
        row.busy_synced_at = None
    row.sync_error = None
    await record_audit_event(
        session,
        actor=actor,
        action="calendar.caldav_set" if url else "calendar.caldav_removed",
        subject=f"coach:{coach_id}",
    )
    await session.flush()


async def caldav_settings(session: AsyncSession) -> list[tuple[int, str, str | None, str | None]]:
    """Every coach with a CalDAV calendar: (coach id, url, username, password)."""
    rows = await session.execute(
        select(
            CoachCalendar.coach_id,
            CoachCalendar.caldav_url,
            CoachCalendar.caldav_username,
            CoachCalendar.caldav_password,
        ).where(CoachCalendar.caldav_url.is_not(None))
    )
    return [(c, u, n, p) for c, u, n, p in rows.all() if u]


async def store_busy(
    session: AsyncSession, coach_id: int, busy: Iterable[Interval], *, now: datetime | None = None
) -> int:
    row = await _calendar(session, coach_id)
    intervals = sorted(busy, key=lambda i: i.start)
    row.busy = [[ensure_utc(i.start).isoformat(), ensure_utc(i.end).isoformat()] for i in intervals]
    row.busy_synced_at = now or utcnow()
    row.sync_error = None
    await session.flush()
    return len(intervals)


async def store_sync_error(session: AsyncSession, coach_id: int, error: str) -> None:
    row = await _calendar(session, coach_id)
    row.sync_error = error[:SYNC_ERROR_MAX_CHARS]
    await session.flush()


async def calendar_busy(
    session: AsyncSession, coach_id: int, *, since: datetime, until: datetime
) -> list[Interval]:
    """The busy times last read from the coach's own calendar that touch [since, until)."""
    stored = await session.scalar(select(CoachCalendar.busy).where(CoachCalendar.coach_id == coach_id))
    busy = []
    for start_text, end_text in stored or []:
        interval = Interval(datetime.fromisoformat(start_text), datetime.fromisoformat(end_text))
        if interval.overlaps(since, until):
            busy.append(interval)
    return busy
