"""Notices to coaches (new client, payment received, low mood, failed payment...).

They go through the outbox to the coach's Slack (rendered by the Slack channel from ``kind`` and
``data``), or are kept only as an audit event when the coach has no chat channel yet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Coach, OutboundMessage
from domain.services.audit import record_audit_event
from domain.services.outbox import enqueue_message

COACH_NOTICE = "coach_notice"


async def notify_coach(
    session: AsyncSession,
    *,
    coach_id: int,
    kind: str,
    text: str,
    client_id: int | None = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboundMessage | None:
    """Queue a notice for a coach. ``text`` is the plain fallback; ``kind`` lets channels render richly."""
    coach = await session.get(Coach, coach_id)
    if coach is None:
        return None
    await record_audit_event(
        session,
        actor="system",
        action=f"notice.{kind}",
        subject=f"coach:{coach_id}",
        details={"client_id": client_id},
    )
    target = coach.slack_channel_id or coach.slack_user_id
    if not target:
        return None
    payload = {"type": COACH_NOTICE, "kind": kind, "text": text, "client_id": client_id, "data": data or {}}
    return await enqueue_message(
        session, platform="slack", chat_id=target, payload=payload, dedupe_key=dedupe_key
    )
