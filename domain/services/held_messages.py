"""Messages held for a chat that is open only now and then: a console client's ``coach chat``.

The outbox keeps what was queued for such a chat (a reminder, the coach's reply) until its client
opens it; then :func:`take_held_messages` hands them over, oldest first, and marks them sent in the
caller's transaction, so each is shown once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.crypto import UnreadableValue, reveal_json
from domain.models import OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services.unreadable_rows import UNREADABLE_ERROR

# Recorded as the provider message id of a message shown when its chat was opened.
HELD_DELIVERY_ID = "shown-on-open"


async def take_held_messages(
    session: AsyncSession, *, platform: str, chat_id: str, now: datetime
) -> list[dict[str, Any]]:
    """The payloads queued for this chat (due or not yet due), marked sent; oldest first.

    A row a sender is delivering right now (``sending`` with a live lease) is left to it. A row no
    configured key opens is not shown: it is marked failed (``coach doctor`` counts it)."""
    om = OutboundMessage
    held = (
        await session.execute(
            select(om.id, type_coerce(om.payload, JSON).label("stored"))
            .where(
                om.platform == platform,
                om.chat_id == chat_id,
                (om.status == DeliveryStatus.QUEUED)
                | ((om.status == DeliveryStatus.SENDING) & (om.next_attempt_at <= now)),
            )
            .order_by(om.id)
        )
    ).all()
    if not held:
        return []
    shown: dict[int, dict[str, Any]] = {}
    unreadable: list[int] = []
    for row in held:
        try:
            shown[row.id] = dict(reveal_json(row.stored))
        except UnreadableValue:
            unreadable.append(row.id)
    unfinished = om.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
    if shown:
        await session.execute(
            update(om)
            .where(om.id.in_(list(shown)), unfinished)
            .values(
                status=DeliveryStatus.SENT, sent_at=now, provider_message_id=HELD_DELIVERY_ID, last_error=None
            )
            .execution_options(synchronize_session=False)
        )
    if unreadable:
        await session.execute(
            update(om)
            .where(om.id.in_(unreadable), unfinished)
            .values(status=DeliveryStatus.FAILED, last_error=UNREADABLE_ERROR)
            .execution_options(synchronize_session=False)
        )
    return list(shown.values())
