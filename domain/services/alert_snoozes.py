"""A coach snoozes alerts about one client for a day; kept in the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import AuditEvent
from domain.services.audit import record_audit_event

SNOOZE = timedelta(days=1)
SNOOZE_ACTION = "alert.snoozed"


async def snooze_alerts(session: AsyncSession, *, coach_id: int, client_id: int, now: datetime) -> datetime:
    """Snooze the coach's alerts about the client from ``now``; returns when the snooze ends."""
    until = now + SNOOZE
    await record_audit_event(
        session,
        actor=f"coach:{coach_id}",
        action=SNOOZE_ACTION,
        subject=f"client:{client_id}",
        details={"coach_id": coach_id, "until": until.isoformat()},
    )
    return until


async def alerts_snoozed(session: AsyncSession, *, coach_id: int, client_id: int, now: datetime) -> bool:
    """Whether this coach snoozed alerts about the client and the snooze has not ended at ``now``."""
    rows = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == SNOOZE_ACTION, AuditEvent.subject == f"client:{client_id}")
            .where(AuditEvent.at >= now - SNOOZE)
        )
    ).all()
    return any(
        row.details.get("coach_id") == coach_id and datetime.fromisoformat(row.details["until"]) > now
        for row in rows
    )
