"""The audit trail: who did what to whom."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.models import AuditEvent


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
