"""The inbox: inbound updates stored before their platform is told "received", then handled from here.

Storing is one statement for any number of updates, and a re-delivered update (same ``key``) is
stored once. Handling leases rows the way the delivery queue does: only the oldest unfinished row of a
lane can be leased, so one conversation's updates are handled strictly in order, one at a time,
whatever the number of workers; a crashed worker's lease runs out and another worker takes the row.
A row is marked handled in the same transaction as the conversation step it caused
(:func:`mark_handled` with the step's idempotency key), so "handled" and "answered" never disagree.

Each function runs in the caller's transaction; lease in a transaction of its own.

Payloads are encrypted at rest and opened row by row after the leasing statement: an update no
configured key opens never holds back the others (nor its own lane for long). It stays pending for a
worker that has the key, then is failed (:mod:`domain.services.unreadable_rows`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, and_, delete, exists, func, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from domain.crypto import UnreadableValue, reveal_json
from domain.keysets import among
from domain.models import InboxUpdate
from domain.models.enums import InboxStatus
from domain.services.unreadable_rows import (
    UNREADABLE_ERROR,
    UNREADABLE_MARK,
    UNREADABLE_RETRY,
    UNREADABLE_TRIES,
    UNREADABLE_WAITING,
)

log = logging.getLogger(__name__)

# How long a worker may hold an update before others assume it died. A conversation step takes
# milliseconds; the lease also covers a slow database and a file download, and is renewed by nothing.
HANDLING_LEASE = timedelta(seconds=30)
ERROR_TEXT_MAX = 200


@dataclass(frozen=True, slots=True)
class InboundUpdate:
    """What a channel stores: the platform's own ``key`` and the raw ``payload`` it delivered."""

    key: str
    platform: str
    lane: str
    payload: dict[str, Any]
    external_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class LeasedUpdate:
    id: int
    key: str
    platform: str
    lane: str
    payload: dict[str, Any]
    attempts: int


async def store_updates(session: AsyncSession, updates: Sequence[InboundUpdate], now: datetime) -> int:
    """Store what is not stored yet, in one statement; returns how many rows are new."""
    if not updates:
        return 0
    rows = [
        {
            "key": u.key,
            "platform": u.platform,
            "lane": u.lane,
            "external_user_id": u.external_user_id,
            "payload": u.payload,
            "status": InboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "received_at": now,
        }
        for u in {u.key: u for u in updates}.values()
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(InboxUpdate).values(rows).on_conflict_do_nothing(index_elements=["key"])
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def lease_ready(
    session: AsyncSession,
    platforms: Sequence[str],
    *,
    limit: int,
    now: datetime,
    lease: timedelta = HANDLING_LEASE,
    unreadable_tries: int = UNREADABLE_TRIES,
) -> list[LeasedUpdate]:
    """Lease up to ``limit`` ready updates (at most one per lane), oldest first; one no key opens is
    set aside instead (see the module's docstring).

    An earlier row of the same lane that is still pending (leased or waiting for a retry) holds the
    lane back, which is what keeps a conversation in order across workers."""
    if not platforms or limit <= 0:
        return []
    iu = InboxUpdate
    older = aliased(InboxUpdate)
    earlier_pending = exists().where(
        older.platform == iu.platform,
        older.lane == iu.lane,
        older.id < iu.id,
        older.status == InboxStatus.PENDING,
    )
    candidates = (
        select(iu.id)
        .where(
            among(iu.platform.expression, platforms, session.get_bind().dialect.name),
            iu.status == InboxStatus.PENDING,
            iu.next_attempt_at <= now,
            ~earlier_pending,
        )
        .order_by(iu.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        candidates = candidates.with_for_update(skip_locked=True, of=iu)
    statement = (
        update(iu)
        .where(iu.id.in_(candidates.scalar_subquery()))
        .values(next_attempt_at=now + lease, attempts=iu.attempts + 1)
        # The stored JSON as it is: opened row by row below, so one unreadable row fails alone.
        .returning(
            iu.id, iu.key, iu.platform, iu.lane, type_coerce(iu.payload, JSON).label("stored"), iu.attempts
        )
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    leased: list[LeasedUpdate] = []
    for r in sorted(rows, key=lambda row: int(row.id)):
        try:
            payload = reveal_json(r.stored)
        except UnreadableValue:
            await _set_aside_unreadable(session, r.id, r.attempts, now, unreadable_tries)
            continue
        leased.append(LeasedUpdate(r.id, r.key, r.platform, r.lane, dict(payload), r.attempts))
    return leased


async def _set_aside_unreadable(
    session: AsyncSession, update_id: int, attempts: int, now: datetime, tries: int
) -> None:
    """An update none of the keys opens: pending again later, failed after ``tries`` leases; said
    once (when first set aside, and when failed), by id only."""
    values: dict[str, Any]
    if attempts >= tries:
        log.warning("inbound update %s failed: no key in COACH_ENCRYPTION_KEYS decrypts it", update_id)
        values = {"status": InboxStatus.FAILED, "handled_at": now, "last_error": UNREADABLE_ERROR}
    else:
        if attempts == 1:
            log.warning(
                "inbound update %s cannot be decrypted with this worker's COACH_ENCRYPTION_KEYS; "
                "left for a worker that has its key",
                update_id,
            )
        values = {"next_attempt_at": now + UNREADABLE_RETRY, "last_error": UNREADABLE_WAITING}
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == update_id, InboxUpdate.status == InboxStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def unreadable_counts(session: AsyncSession) -> tuple[int, int]:
    """Inbound updates no key opened when a worker leased them: (still pending, failed)."""
    rows = await session.execute(
        select(InboxUpdate.status, func.count())
        .where(InboxUpdate.last_error.like(UNREADABLE_MARK))
        .group_by(InboxUpdate.status)
    )
    counts = {status: int(n) for status, n in rows.all()}
    failed = counts.pop(InboxStatus.FAILED, 0)
    return sum(counts.values()), failed


async def mark_handled(
    connection: AsyncSession | AsyncConnection, keys: Sequence[str], now: datetime
) -> None:
    """Handled: called inside the transaction of the step that answered these updates (the keys bound
    as one array: one statement text whatever the batch's size)."""
    if keys:
        dialect = (
            connection.get_bind().dialect.name
            if isinstance(connection, AsyncSession)
            else connection.dialect.name
        )
        await connection.execute(
            update(InboxUpdate)
            .where(
                among(InboxUpdate.key.expression, keys, dialect), InboxUpdate.status == InboxStatus.PENDING
            )
            .values(status=InboxStatus.HANDLED, handled_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        )


async def retry_later(session: AsyncSession, update_id: int, at: datetime, error: str) -> None:
    """Not handled this time (the database or a platform call failed): try again at ``at``."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == update_id, InboxUpdate.status == InboxStatus.PENDING)
        .values(next_attempt_at=at, last_error=error[:ERROR_TEXT_MAX])
    )


async def give_up(session: AsyncSession, update_id: int, error: str, now: datetime) -> None:
    """Kept as failed for an operator, so it no longer holds its lane back."""
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == update_id, InboxUpdate.status == InboxStatus.PENDING)
        .values(status=InboxStatus.FAILED, handled_at=now, last_error=error[:ERROR_TEXT_MAX])
    )


async def release(session: AsyncSession, update_ids: Sequence[int], now: datetime) -> None:
    """Hand leased rows back at once (a worker stopping gracefully): the next worker takes them now,
    and the try does not count."""
    if update_ids:
        await session.execute(
            update(InboxUpdate)
            .where(
                among(InboxUpdate.id.expression, update_ids, session.get_bind().dialect.name),
                InboxUpdate.status == InboxStatus.PENDING,
            )
            .values(next_attempt_at=now, attempts=InboxUpdate.attempts - 1)
            .execution_options(synchronize_session=False)
        )


async def is_handled(session: AsyncSession, key: str) -> bool:
    status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.key == key))
    return status == InboxStatus.HANDLED


async def pending_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status == InboxStatus.PENDING)
        )
        or 0
    )


async def purge_finished(session: AsyncSession, before: datetime) -> int:
    """Delete handled and failed updates received before ``before`` (they carry what people wrote)."""
    result = await session.execute(
        delete(InboxUpdate).where(
            and_(InboxUpdate.status != InboxStatus.PENDING, InboxUpdate.received_at < before)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
