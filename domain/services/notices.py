"""Notices to coaches (new client, payment received, low mood, failed payment...).

They go through the outbox to the coach's Slack (rendered by the Slack channel from ``kind`` and
``data``), or are kept only as an audit event when the coach has no chat channel yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import AuditEvent, Client, Coach, OutboundMessage
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
    values: dict[str, Any] | None = None,
) -> OutboundMessage | None:
    """Queue a notice for a coach. ``text`` is the plain fallback; ``kind`` lets channels render richly.

    ``values`` (names, counts, an instant: JSON) let a channel write the sentence in the coach's
    language when it is posted (conversations.coach_notices); ``data`` is shown as the details line.
    """
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
    if values is not None:
        payload["values"] = values
    return await enqueue_message(
        session, platform="slack", chat_id=target, payload=payload, dedupe_key=dedupe_key
    )


@dataclass(frozen=True, slots=True)
class RecentNotice:
    """A notice the coach was sent (or, without Slack, only recorded), as the workspace lists it."""

    at: datetime
    kind: str
    client_id: int | None
    client_name: str | None
    """None when there is no client, or the client is no longer this coach's."""


async def recent_notices(
    session: AsyncSession, coach_id: int, *, since: datetime, limit: int, is_admin: bool = False
) -> list[RecentNotice]:
    """The coach's notices since ``since``, newest first, read from their audit events (every notice
    is one, Slack or not), with the client's name when the client is still theirs (any, for an admin)."""
    rows = (
        await session.execute(
            select(AuditEvent.at, AuditEvent.action, AuditEvent.details)
            .where(
                AuditEvent.action.startswith("notice.", autoescape=True),
                AuditEvent.subject == f"coach:{coach_id}",
                AuditEvent.at >= since,
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    ).all()
    client_ids = {
        d["client_id"] for _, _, d in rows if isinstance(d, dict) and isinstance(d.get("client_id"), int)
    }
    names: dict[int, str] = {}
    if client_ids:
        found = await session.execute(
            select(Client.id, Client.display_name, Client.coach_id).where(Client.id.in_(client_ids))
        )
        names = {cid: name for cid, name, owner in found if is_admin or owner == coach_id}
    notices = []
    for at, action, details in rows:
        client_id = details.get("client_id") if isinstance(details, dict) else None
        client_id = client_id if isinstance(client_id, int) else None
        notices.append(
            RecentNotice(
                at,
                action.removeprefix("notice."),
                client_id if client_id in names else None,
                names.get(client_id) if client_id is not None else None,
            )
        )
    return notices
