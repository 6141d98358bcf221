"""The audit trail: who did what to whom."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc, utcnow
from domain.errors import ValidationError
from domain.models import AuditEvent
from domain.models.system import REJECTED_REQUEST


async def record_audit_event(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, subject=subject, details=details or {}, at=at or utcnow())
    session.add(event)
    await session.flush()
    return event


def rejection_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


async def record_rejected_request(
    session: AsyncSession, *, source: str, reason: str, at: datetime | None = None
) -> None:
    """Count one refused request against ``source``'s row for this minute (created on the first).

    Unauthenticated traffic can only ever add one row per endpoint and minute; the row keeps the
    first reason seen, the count says how many followed. Call it in its own unit of work.
    """
    minute = rejection_minute(at or utcnow())
    subject = f"endpoint:{source}"[:200]
    where = (
        AuditEvent.action == REJECTED_REQUEST,
        AuditEvent.subject == subject,
        AuditEvent.at == minute,
    )
    bump = update(AuditEvent).where(*where).values(count=AuditEvent.count + 1)
    if cast(CursorResult[Any], await session.execute(bump)).rowcount:
        return
    try:
        async with session.begin_nested():
            session.add(
                AuditEvent(
                    actor=source[:200],
                    action=REJECTED_REQUEST,
                    subject=subject,
                    at=minute,
                    details={"first_reason": reason[:100]},
                    count=1,
                )
            )
    except IntegrityError:  # another worker created this minute's row first
        await session.execute(bump)


AUDIT_LIST_LIMIT = 200
AUDIT_PAGE_MAX = 500  # the most events one page (web, API) or one CSV batch reads at once


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events: ``action`` and ``actor`` match exactly, or by prefix when they end with ``*``
    (``slack.*``); ``since`` is inclusive, ``until`` exclusive."""

    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditCursor:
    """Where a page of events (newest first) ended: the next page starts strictly after this event.
    Keyset pagination, so a page costs the same however deep it is and new events never shift it."""

    at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{ensure_utc(self.at).isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> AuditCursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            at, _, event_id = raw.partition("|")
            return cls(ensure_utc(datetime.fromisoformat(at)), int(event_id))
        except (ValueError, UnicodeDecodeError):
            raise ValidationError("not a page cursor from this server", field="cursor") from None


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: AuditCursor | None
    """Where the next page starts; None on the last page."""


def _filtered(query: Select[AuditEvent], filters: AuditFilter) -> Select[AuditEvent]:
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    for column, wanted in ((AuditEvent.action, filters.action), (AuditEvent.actor, filters.actor)):
        if not wanted:
            continue
        if wanted.endswith("*"):
            query = query.where(column.startswith(wanted[:-1], autoescape=True))
        else:
            query = query.where(column == wanted)
    return query


async def audit_page(
    session: AsyncSession,
    filters: AuditFilter,
    *,
    after: AuditCursor | None = None,
    limit: int = AUDIT_LIST_LIMIT,
) -> AuditPage:
    """One page of matching events, newest first, starting after ``after``."""
    if not 1 <= limit <= AUDIT_PAGE_MAX:
        raise ValidationError(f"a page holds 1 to {AUDIT_PAGE_MAX} events", field="limit")
    query = _filtered(select(AuditEvent), filters)
    if after is not None:
        query = query.where(
            or_(AuditEvent.at < after.at, and_(AuditEvent.at == after.at, AuditEvent.id < after.id))
        )
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit + 1)
    events = list((await session.scalars(query)).all())
    if len(events) <= limit:
        return AuditPage(events, None)
    last = events[limit - 1]
    return AuditPage(events[:limit], AuditCursor(last.at, last.id))


async def list_audit_events(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int = AUDIT_LIST_LIMIT,
) -> list[AuditEvent]:
    """The newest audit events first (the first ``limit``); filters as in :class:`AuditFilter`."""
    query = _filtered(select(AuditEvent), AuditFilter(actor=actor, action=action, since=since, until=until))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())
