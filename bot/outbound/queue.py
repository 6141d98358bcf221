"""The sender's view of the delivery queue: each step is its own unit of work.

A claim commits at once, so other workers see the rows as taken and no lock outlives the claim. The
claiming rules (lease, one chat at a time, ``SKIP LOCKED``) live in :mod:`domain.services.delivery_queue`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.db import Database
from domain.services import delivery_queue
from domain.services.delivery_queue import CLAIM_LEASE, Claim, ClaimedMessage, UnreadableMessage
from domain.services.unreadable_rows import UNREADABLE_TRIES

__all__ = [
    "CLAIM_LEASE",
    "UNREADABLE_TRIES",
    "Claim",
    "ClaimedMessage",
    "UnreadableMessage",
    "claim_batch",
    "claim_due",
    "mark_failed",
    "mark_sent",
    "mark_unreachable",
    "record_failed",
    "reschedule",
    "tell_coach_of_failure",
]


async def claim_due(
    db: Database, platforms: Sequence[str], *, limit: int, now: datetime
) -> list[ClaimedMessage]:
    """Take up to ``limit`` due rows (at most one per chat)."""
    async with db.unit_of_work() as session:
        return await delivery_queue.claim_due(session, platforms, limit=limit, now=now)


async def claim_batch(
    db: Database,
    platforms: Sequence[str],
    *,
    limit: int,
    now: datetime,
    unreadable_tries: int = UNREADABLE_TRIES,
) -> Claim:
    """Take up to ``limit`` due rows (at most one per chat); the ones no key opens are set aside."""
    async with db.unit_of_work() as session:
        return await delivery_queue.claim_batch(
            session, platforms, limit=limit, now=now, unreadable_tries=unreadable_tries
        )


async def mark_sent(db: Database, row_id: int, provider_message_id: str | None, now: datetime) -> None:
    async with db.unit_of_work() as session:
        await delivery_queue.mark_sent(session, row_id, provider_message_id, now)


async def reschedule(
    db: Database, row_id: int, at: datetime, error: str, *, count_attempt: bool = True
) -> None:
    async with db.unit_of_work() as session:
        await delivery_queue.reschedule(session, row_id, at, error, count_attempt=count_attempt)


async def mark_failed(db: Database, row_id: int, error: str) -> None:
    async with db.unit_of_work() as session:
        await delivery_queue.mark_failed(session, row_id, error)


async def mark_unreachable(db: Database, platform: str, chat_id: str) -> int:
    async with db.unit_of_work() as session:
        return await delivery_queue.mark_unreachable(session, platform, chat_id)


async def record_failed(
    db: Database,
    *,
    platform: str,
    chat_id: str,
    payload: dict[str, Any],
    error: str,
    attempts: int,
    now: datetime,
) -> None:
    async with db.unit_of_work() as session:
        await delivery_queue.record_failed(
            session,
            platform=platform,
            chat_id=chat_id,
            payload=payload,
            error=error,
            attempts=attempts,
            now=now,
        )


async def tell_coach_of_failure(
    db: Database, *, platform: str, chat_id: str, payload: dict[str, Any], reference: str
) -> None:
    async with db.unit_of_work() as session:
        await delivery_queue.tell_coach_of_failure(
            session, platform=platform, chat_id=chat_id, payload=payload, reference=reference
        )
