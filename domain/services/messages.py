"""Messages between clients and coaches, and client feedback (about coaching, and about the bot)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.clock import utcnow
from domain.errors import ValidationError
from domain.models import Coach, Feedback, Message, SystemFeedback
from domain.models.enums import CoachRole, MessageDirection
from domain.reasons.coaching import ClientProblems
from domain.services.clients import get_client
from domain.services.notices import notify_coach

SYSTEM_FEEDBACK_KIND = "system_feedback"


async def record_client_message(
    session: AsyncSession,
    *,
    client_id: int,
    channel: str,
    text: str,
    attachments: list[dict[str, Any]] | None = None,
) -> Message:
    client = await get_client(session, client_id)
    message = Message(
        client_id=client_id,
        coach_id=client.coach_id,
        direction=MessageDirection.TO_COACH,
        channel=channel,
        text=text,
        attachments=attachments or [],
    )
    session.add(message)
    await session.flush()
    return message


async def record_coach_reply(
    session: AsyncSession, *, client_id: int, coach_id: int, channel: str, text: str
) -> Message:
    """Store a coach's reply and, for the first reply after client messages, the response time."""
    now = utcnow()
    last_out = await session.scalar(
        select(Message.created_at)
        .where(Message.client_id == client_id, Message.direction == MessageDirection.TO_CLIENT)
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    waiting = select(Message.created_at).where(
        Message.client_id == client_id, Message.direction == MessageDirection.TO_COACH
    )
    if last_out is not None:
        waiting = waiting.where(Message.created_at > last_out)
    first_waiting = await session.scalar(waiting.order_by(Message.created_at).limit(1))
    reply = Message(
        client_id=client_id,
        coach_id=coach_id,
        direction=MessageDirection.TO_CLIENT,
        channel=channel,
        text=text,
        created_at=now,
        response_seconds=(now - first_waiting).total_seconds() if first_waiting is not None else None,
    )
    session.add(reply)
    await session.flush()
    return reply


THREAD_SHOWN = 200


async def conversation(
    session: AsyncSession, client_id: int, *, after_id: int = 0, limit: int = THREAD_SHOWN
) -> list[Message]:
    """Messages between the client and their coach, oldest first: the last ``limit`` of them, or only
    those after ``after_id`` (what a page already shown has not seen yet)."""
    query = select(Message).where(Message.client_id == client_id, Message.id > after_id)
    newest = (await session.scalars(query.order_by(Message.id.desc()).limit(limit))).all()
    return list(reversed(newest))


async def record_feedback(
    session: AsyncSession, *, client_id: int, score: int, comment: str | None = None
) -> Feedback:
    await get_client(session, client_id)
    feedback = Feedback(
        client_id=client_id,
        score=rules.check_scale("score", score, rules.FEEDBACK_RANGE),
        comment=rules.check_note(comment),
    )
    session.add(feedback)
    await session.flush()
    return feedback


async def record_system_feedback(session: AsyncSession, *, client_id: int, text: str) -> SystemFeedback:
    """Store what a client said about the bot itself and queue it for every admin (not the client's
    coach, unless they are an admin): the people who run the bot can act on it."""
    await get_client(session, client_id)
    checked = rules.check_note(text)
    if checked is None:
        raise ValidationError(ClientProblems.EMPTY_FEEDBACK(), field="text")
    feedback = SystemFeedback(client_id=client_id, text=checked)
    session.add(feedback)
    await session.flush()
    admins = await session.scalars(select(Coach.id).where(Coach.role == CoachRole.ADMIN).order_by(Coach.id))
    for admin_id in admins.all():
        await notify_coach(
            session,
            coach_id=admin_id,
            kind=SYSTEM_FEEDBACK_KIND,
            text=checked,
            client_id=client_id,
            dedupe_key=f"system_feedback:{feedback.id}:{admin_id}",
        )
    return feedback
