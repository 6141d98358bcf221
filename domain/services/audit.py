"""The audit trail: who did what to whom."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
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


async def list_audit_events(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int = AUDIT_LIST_LIMIT,
) -> list[AuditEvent]:
    """The newest audit events first; ``action`` and ``actor`` match exactly, or by prefix when they
    end with ``*`` (``slack.*``)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    for column, wanted in ((AuditEvent.action, action), (AuditEvent.actor, actor)):
        if wanted is None:
            continue
        if wanted.endswith("*"):
            query = query.where(column.startswith(wanted[:-1], autoescape=True))
        else:
            query = query.where(column == wanted)
    return list((await session.scalars(query)).all())
