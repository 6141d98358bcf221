"""The transactional outbox: proactive messages are queued in the same transaction as what caused them.

The outbound sender in ``bot/`` drains this table within each platform's rate limits, so a restart
loses nothing queued and a rolled-back change never sends a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.clock import ensure_utc, utcnow
from domain.errors import NotFound
from domain.models import ChannelIdentity, Client, OutboundMessage
from domain.models.enums import DeliveryStatus, Platform
from domain.reasons.coaching import ClientProblems


def client_message(text: str, buttons: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """The JSON form of ``conversations.messages.OutgoingMessage`` (the domain cannot import it):
    ``text`` and one button per row as (label, payload)."""
    return {
        "text": text,
        "buttons": [[{"label": label, "payload": payload}] for label, payload in buttons],
        "url_buttons": [],
        "files": [],
    }


def about_client(payload: dict[str, Any]) -> int | None:
    """The client a payload is to or about (its ``client_id``), stored beside the encrypted payload."""
    client_id = payload.get("client_id")
    return client_id if isinstance(client_id, int) and not isinstance(client_id, bool) else None


async def enqueue_message(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> OutboundMessage | None:
    """Queue one message. With a ``dedupe_key`` already queued, nothing is added and None is returned."""
    if dedupe_key is not None:
        existing = await session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return None
    row = OutboundMessage(
        platform=platform,
        chat_id=chat_id,
        payload=payload,
        client_id=about_client(payload),
        dedupe_key=dedupe_key,
        status=DeliveryStatus.QUEUED,
        next_attempt_at=not_before or utcnow(),
    )
    if dedupe_key is None:
        session.add(row)
        await session.flush()
        return row
    # Two deliveries of one action (a double click) can both pass the check above before either
    # commits; the unique key settles it, and the loser queues nothing instead of failing its work.
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return None
    return row


async def reachable_identities(session: AsyncSession, client_id: int) -> Sequence[ChannelIdentity]:
    """The client's identities that can still receive messages, preferred channel first."""
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(ClientProblems.NO_CLIENT(client=client_id))
    identities = (
        await session.scalars(
            select(ChannelIdentity)
            .where(ChannelIdentity.client_id == client_id, ChannelIdentity.unreachable.is_(False))
            .order_by(ChannelIdentity.id.desc())
        )
    ).all()
    preferred = client.preferred_channel
    # A phone number is reached only while SMS is the client's choice (each message costs, and they
    # chose it for reminders): never as a fallback for a chat account.
    identities = [i for i in identities if i.platform != Platform.SMS or preferred == Platform.SMS]
    return sorted(identities, key=lambda i: i.platform != preferred)


async def enqueue_for_client(
    session: AsyncSession,
    client_id: int,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    by_email: bool = False,
) -> OutboundMessage | None:
    """Queue a message to the client on their preferred (or most recent) reachable chat identity.

    ``by_email``: the message may go by email instead (reminders, announcements, receipts, the weekly
    summary, not a conversation's replies), which it does when the client chose email and it can
    reach them (:func:`domain.services.client_email.prefers_email`)."""
    if by_email:
        from domain.services.client_email import email_payload, prefers_email

        client = await session.get(Client, client_id)
        if client is not None and prefers_email(client):
            assert client.email is not None
            return await enqueue_message(
                session,
                platform=Platform.EMAIL.value,
                chat_id=client.email,
                payload=await email_payload(session, client, payload),
                dedupe_key=dedupe_key,
                not_before=not_before,
            )
    identities = await reachable_identities(session, client_id)
    if not identities:
        return None
    target = identities[0]
    return await enqueue_message(
        session,
        platform=target.platform,
        chat_id=target.chat_id,
        payload=payload,
        dedupe_key=dedupe_key,
        not_before=not_before,
    )


@dataclass(frozen=True, slots=True)
class QueuedReply:
    platform: str
    chat_id: str
    payload: dict[str, Any]
    dedupe_key: str


async def enqueue_replies(connection: AsyncConnection, replies: Sequence[QueuedReply], now: datetime) -> None:
    """Queue a whole batch's replies in one statement, inside the transaction of the steps that wrote
    them; a key queued before (the same step handled again) adds nothing. Order within a chat is the
    order given, which the delivery queue keeps. The payloads are encrypted here, by the column type
    (one Fernet token a row, in the same statement)."""
    if not replies:
        return
    rows = [
        {
            "platform": r.platform,
            "chat_id": r.chat_id,
            "payload": r.payload,
            "client_id": about_client(r.payload),
            "dedupe_key": r.dedupe_key,
            "status": DeliveryStatus.QUEUED,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for r in replies
    ]
    # Many parameter sets for one statement: prepared once whatever the batch's size (a multi-row
    # VALUES would be a new statement, compiled on the event loop, for every batch).
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    await connection.execute(
        dialect.insert(OutboundMessage).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows
    )


@dataclass(frozen=True, slots=True)
class Backlog:
    """One platform's outbox messages waiting to be sent (queued or being sent)."""

    platform: str
    depth: int
    oldest_created_at: datetime


async def outbox_backlog(session: AsyncSession) -> list[Backlog]:
    """Per platform: how many outbox messages are neither sent nor failed, and since when the oldest."""
    rows = await session.execute(
        select(OutboundMessage.platform, func.count(), func.min(OutboundMessage.created_at))
        .where(OutboundMessage.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]))
        .group_by(OutboundMessage.platform)
        .order_by(OutboundMessage.platform)
    )
    return [Backlog(platform, int(depth), ensure_utc(oldest)) for platform, depth, oldest in rows.all()]
