"""Client threads in a coach's chat: where each client's thread is, and which client messages still
have to be relayed into one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.models import Coach, CoachThread, Message
from domain.models.enums import MessageDirection
from domain.services.unique_rows import insert_unless_taken


async def claim_messages_to_relay(
    session: AsyncSession, *, since: datetime | None = None, limit: int, now: datetime | None = None
) -> list[tuple[Message, Coach]]:
    """Client messages not yet relayed to a coach who has a chat to read them in, oldest first, with
    their coach, marked relayed. The caller queues them in the same transaction.

    Concurrent relays skip each other's rows (``SKIP LOCKED``); ``since`` keeps an idle poll on the
    indexed ``created_at``.
    """
    query = (
        select(Message, Coach)
        .join(Coach, Coach.id == Message.coach_id)
        .where(
            Message.direction == MessageDirection.TO_COACH,
            Message.relayed_at.is_(None),
            or_(Coach.slack_user_id.is_not(None), Coach.slack_channel_id.is_not(None)),
        )
        .order_by(Message.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Message)
    )
    if since is not None:
        query = query.where(Message.created_at >= since)
    rows = [(message, coach) for message, coach in (await session.execute(query)).all()]
    relayed_at = now or utcnow()
    for message, _coach in rows:
        message.relayed_at = relayed_at
    return rows


async def find_thread_by_ref(
    session: AsyncSession, *, platform: str, channel_id: str, thread_ref: str
) -> CoachThread | None:
    """The client thread a coach is writing in, if ``thread_ref`` is one."""
    return await session.scalar(
        select(CoachThread).where(
            CoachThread.platform == platform,
            CoachThread.channel_id == channel_id,
            CoachThread.thread_ref == thread_ref,
        )
    )


async def find_client_thread(
    session: AsyncSession, *, platform: str, channel_id: str, client_id: int
) -> CoachThread | None:
    """The client's thread in ``channel_id``, if it was started."""
    return await session.scalar(
        select(CoachThread).where(
            CoachThread.platform == platform,
            CoachThread.channel_id == channel_id,
            CoachThread.client_id == client_id,
        )
    )


async def open_thread(
    session: AsyncSession, *, platform: str, coach_id: int, client_id: int, channel_id: str, thread_ref: str
) -> CoachThread:
    """Record the client's thread in ``channel_id``. When another delivery recorded one first, that
    one is returned: one thread per client and channel."""
    await insert_unless_taken(
        session,
        CoachThread,
        {
            "platform": platform,
            "coach_id": coach_id,
            "client_id": client_id,
            "channel_id": channel_id,
            "thread_ref": thread_ref,
        },
        unique=("platform", "channel_id", "client_id"),
    )
    thread = await find_client_thread(session, platform=platform, channel_id=channel_id, client_id=client_id)
    assert thread is not None  # just inserted, or the row that blocked the insert
    return thread
