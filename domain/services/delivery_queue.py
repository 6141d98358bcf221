"""The outbox table as a delivery queue: safe claiming by several workers, and the outcome of each try.

A claimed row is ``sending`` with a lease in ``next_attempt_at``; if its worker dies, the lease runs
out and another worker takes it. Only the oldest unfinished row of a chat can be claimed, so one
chat's messages go out in order, one at a time, whatever the number of workers.

Each function runs in the caller's transaction; a claim should be committed on its own, so the rows'
locks are held only for the claiming statement.

Payloads are encrypted at rest and opened one row at a time after the claiming statement, so one row
no key opens (written under a key this worker lacks, or corrupted) never holds back the others. Such a
row is handed back and in the end failed (:mod:`domain.services.unreadable_rows`); it is never sent,
so exactly-once holds either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, and_, exists, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from domain.clock import utcnow
from domain.crypto import UnreadableValue, reveal_json
from domain.models import ChannelIdentity, Client, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services.cohorts import mark_removed
from domain.services.notices import COACH_NOTICE, notify_coach
from domain.services.outbox import about_client
from domain.services.unreadable_rows import (
    UNREADABLE_ERROR,
    UNREADABLE_MARK,
    UNREADABLE_RETRY,
    UNREADABLE_TRIES,
    UNREADABLE_WAITING,
)

# How long a worker may hold a row before others assume it died: a crashed worker's chats wait this
# long at most. It covers a short wait for the rate limit plus one platform call, which the sender
# caps at DELIVERY_TIMEOUT_S (bot/outbound/sender.py) so a live worker never outlasts its lease.
CLAIM_LEASE = timedelta(seconds=15)
UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
ERROR_TEXT_MAX = 500


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: int
    platform: str
    chat_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class UnreadableMessage:
    """A claimed row whose payload none of the keys opens: handed back (``failed`` False) or failed."""

    id: int
    platform: str
    chat_id: str
    attempts: int
    failed: bool


@dataclass(frozen=True, slots=True)
class Claim:
    messages: list[ClaimedMessage]
    unreadable: list[UnreadableMessage]


async def claim_due(
    session: AsyncSession, platforms: Sequence[str], *, limit: int, now: datetime
) -> list[ClaimedMessage]:
    """Take up to ``limit`` due rows (at most one per chat) in one statement, oldest first."""
    return (await claim_batch(session, platforms, limit=limit, now=now)).messages


async def claim_batch(
    session: AsyncSession,
    platforms: Sequence[str],
    *,
    limit: int,
    now: datetime,
    unreadable_tries: int = UNREADABLE_TRIES,
) -> Claim:
    """Take up to ``limit`` due rows (at most one per chat) in one statement, oldest first; rows
    whose payload cannot be opened are handed back or failed (see the module's docstring)."""
    if not platforms or limit <= 0:
        return Claim([], [])
    om = OutboundMessage
    older = aliased(OutboundMessage)
    earlier_unfinished = exists().where(
        older.platform == om.platform,
        older.chat_id == om.chat_id,
        older.id < om.id,
        older.status.in_(UNFINISHED),
    )
    candidates = (
        select(om.id)
        .where(
            om.platform.in_(list(platforms)),
            om.status.in_(UNFINISHED),
            om.next_attempt_at <= now,
            ~earlier_unfinished,
        )
        .order_by(om.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        # Workers skip each other's rows instead of waiting; SQLite serialises writers anyway.
        candidates = candidates.with_for_update(skip_locked=True, of=om)
    statement = (
        update(om)
        .where(om.id.in_(candidates.scalar_subquery()))
        .values(status=DeliveryStatus.SENDING, next_attempt_at=now + CLAIM_LEASE, attempts=om.attempts + 1)
        # The stored JSON as it is (ciphertext): opened row by row below, not by the column type,
        # which would fail the whole statement for one row.
        .returning(om.id, om.platform, om.chat_id, type_coerce(om.payload, JSON).label("stored"), om.attempts)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    claimed: list[ClaimedMessage] = []
    unreadable: list[UnreadableMessage] = []
    for r in sorted(rows, key=lambda row: int(row.id)):
        try:
            payload = reveal_json(r.stored)
        except UnreadableValue:
            failed = r.attempts >= unreadable_tries
            unreadable.append(UnreadableMessage(r.id, r.platform, r.chat_id, r.attempts, failed))
            continue
        claimed.append(ClaimedMessage(r.id, r.platform, r.chat_id, dict(payload), r.attempts))
    if unreadable:
        await _set_aside_unreadable(session, unreadable, now)
    return Claim(claimed, unreadable)


async def _set_aside_unreadable(
    session: AsyncSession, unreadable: Sequence[UnreadableMessage], now: datetime
) -> None:
    """Still in the claim's transaction (the rows are ours): hand back or fail each unreadable row."""
    waiting = [u.id for u in unreadable if not u.failed]
    failed = [u.id for u in unreadable if u.failed]
    om = OutboundMessage
    if waiting:
        await session.execute(
            update(om)
            .where(om.id.in_(waiting), om.status == DeliveryStatus.SENDING)
            .values(
                status=DeliveryStatus.QUEUED,
                next_attempt_at=now + UNREADABLE_RETRY,
                last_error=UNREADABLE_WAITING,
            )
            .execution_options(synchronize_session=False)
        )
    if failed:
        await session.execute(
            update(om)
            .where(om.id.in_(failed), om.status == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.FAILED, last_error=UNREADABLE_ERROR)
            .execution_options(synchronize_session=False)
        )


async def unreadable_counts(session: AsyncSession) -> tuple[int, int]:
    """Outbox rows no key opened when a worker claimed them: (still waiting, failed)."""
    rows = await session.execute(
        select(OutboundMessage.status, func.count())
        .where(OutboundMessage.last_error.like(UNREADABLE_MARK))
        .group_by(OutboundMessage.status)
    )
    counts = {status: int(n) for status, n in rows.all()}
    failed = counts.pop(DeliveryStatus.FAILED, 0)
    return sum(counts.values()), failed


def _still_mine(row_id: int) -> ColumnElement[bool]:
    """The row is still claimed: a lease that ran out and was taken over is not touched."""
    return and_(OutboundMessage.id == row_id, OutboundMessage.status == DeliveryStatus.SENDING)


async def mark_sent(
    session: AsyncSession, row_id: int, provider_message_id: str | None, now: datetime
) -> None:
    await session.execute(
        update(OutboundMessage)
        .where(_still_mine(row_id))
        .values(
            status=DeliveryStatus.SENT,
            sent_at=now,
            provider_message_id=provider_message_id,
            last_error=None,
        )
    )


async def reschedule(
    session: AsyncSession, row_id: int, at: datetime, error: str, *, count_attempt: bool = True
) -> None:
    """Back to the queue for another try at ``at``; a 429 does not use up an attempt."""
    values: dict[str, Any] = {
        "status": DeliveryStatus.QUEUED,
        "next_attempt_at": at,
        "last_error": error[:ERROR_TEXT_MAX],
    }
    if not count_attempt:
        values["attempts"] = OutboundMessage.attempts - 1
    await session.execute(update(OutboundMessage).where(_still_mine(row_id)).values(**values))


async def mark_failed(session: AsyncSession, row_id: int, error: str) -> None:
    """Finally failed: kept with its error, so the coach can see it; never silently dropped."""
    await session.execute(
        update(OutboundMessage)
        .where(_still_mine(row_id))
        .values(status=DeliveryStatus.FAILED, last_error=error[:ERROR_TEXT_MAX])
    )


async def mark_unreachable(session: AsyncSession, platform: str, chat_id: str) -> int:
    """The person blocked the bot: stop choosing this identity for proactive messages. A cohort
    group that refuses the bot (it was kicked) stops being posted to, and its coach is told."""
    result = await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.platform == platform, ChannelIdentity.chat_id == chat_id)
        .values(unreachable=True)
    )
    await mark_removed(session, platform, chat_id, now=utcnow())
    return int(getattr(result, "rowcount", 0) or 0)


async def record_failed(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    payload: dict[str, Any],
    error: str,
    attempts: int,
    now: datetime,
) -> None:
    """A direct reply that could not be delivered, stored as failed so it stays visible."""
    session.add(
        OutboundMessage(
            platform=platform,
            chat_id=chat_id,
            payload=payload,
            client_id=about_client(payload),
            status=DeliveryStatus.FAILED,
            attempts=attempts,
            next_attempt_at=now,
            last_error=error[:ERROR_TEXT_MAX],
        )
    )


async def already_queued(session: AsyncSession, dedupe_key: str) -> bool:
    """Whether a message with this dedupe key is in the outbox (queued, sent or failed)."""
    found = await session.scalar(select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key))
    return bool(found)


async def tell_coach_of_failure(
    session: AsyncSession, *, platform: str, chat_id: str, payload: dict[str, Any], reference: str
) -> None:
    """A message to a client finally failed: the coach hears of it (a notice, or an audit event when
    the coach has no chat), so nothing fails unseen. Failed coach notices do not cascade."""
    if payload.get("type") == COACH_NOTICE:
        return
    client = await session.scalar(
        select(Client)
        .join(ChannelIdentity, ChannelIdentity.client_id == Client.id)
        .where(ChannelIdentity.platform == platform, ChannelIdentity.chat_id == chat_id)
    )
    if client is None or client.coach_id is None:
        return
    await notify_coach(
        session,
        coach_id=client.coach_id,
        kind="delivery_failed",
        text=f"A message to {client.display_name} could not be delivered on {platform}.",
        client_id=client.id,
        data={"platform": platform},
        values={"name": client.display_name, "platform": platform},
        dedupe_key=f"delivery_failed:{reference}",
    )


async def unfinished_count(session: AsyncSession, platform: str, chat_id: str) -> int:
    """Messages to this chat still queued or being sent."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(OutboundMessage)
            .where(
                OutboundMessage.platform == platform,
                OutboundMessage.chat_id == chat_id,
                OutboundMessage.status.in_(UNFINISHED),
            )
        )
        or 0
    )
