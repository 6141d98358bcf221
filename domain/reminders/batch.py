"""Set-based reads and writes for a batch of claimed reminders: one statement per question, whatever
the batch's size.

Dispatch asks each of these once per batch (hundreds of reminders) instead of once per reminder:
the clients' settings, their check-ins around the reminders' local days, their runs of missed
check-ins, where each can be reached, then one compare-and-set per outcome and one INSERT of all the
outbox rows. Keys travel as one bound array (:mod:`domain.keysets`), so each statement is prepared once.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.crypto import conceal_json
from domain.keysets import among
from domain.models import ChannelIdentity, CheckIn, Client, OutboundMessage, Reminder
from domain.models.enums import DeliveryStatus, Platform, ReminderStatus
from domain.reminders.kinds import ReminderKind
from domain.services.email_verification import email_reachable
from domain.services.outbox import about_client

_REMINDERS = cast(Table, Reminder.__table__)
_CLIENTS = cast(Table, Client.__table__)
_CHECK_INS = cast(Table, CheckIn.__table__)
_IDENTITIES = cast(Table, ChannelIdentity.__table__)
_OUTBOX = cast(Table, OutboundMessage.__table__)
# Before every check-in: the start of a streak for a client who never checked in.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ClaimedReminder:
    """A due reminder this worker holds (a row of the claim, not an ORM object)."""

    id: int
    kind: str
    client_id: int | None
    coach_id: int | None
    due_at: datetime
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class ClientFacts:
    """What deciding a client's reminder needs to know about them."""

    id: int
    status: str
    timezone: str
    quiet_hours_start: str | None
    quiet_hours_end: str | None
    paused_until: datetime | None
    preferred_channel: str | None
    email: str | None
    locale: str
    email_verified_at: datetime | None
    email_unsubscribed_at: datetime | None


_CLAIMED_COLUMNS = [_REMINDERS.c[name] for name in ClaimedReminder.__slots__]
_FACT_COLUMNS = [_CLIENTS.c[name] for name in ClientFacts.__slots__]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[ClaimedReminder]:
    """The oldest due pending reminders, locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: other
    workers pass over them and take the next ones)."""
    rows = await session.execute(
        select(*_CLAIMED_COLUMNS)
        .where(_REMINDERS.c.status == ReminderStatus.PENDING.value, _REMINDERS.c.due_at <= now)
        .order_by(_REMINDERS.c.due_at, _REMINDERS.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [ClaimedReminder(*row) for row in rows]


async def client_facts(session: AsyncSession, client_ids: Iterable[int]) -> dict[int, ClientFacts]:
    rows = await session.execute(
        select(*_FACT_COLUMNS).where(among(_CLIENTS.c.id, set(client_ids), _dialect(session)))
    )
    return {row.id: ClientFacts(*row) for row in rows}


async def check_in_times(
    session: AsyncSession, client_ids: Iterable[int], *, since: datetime, until: datetime
) -> dict[int, list[datetime]]:
    """When these clients checked in within ``[since, until)`` (a few days: a handful of rows each)."""
    rows = await session.execute(
        select(_CHECK_INS.c.client_id, _CHECK_INS.c.created_at).where(
            among(_CHECK_INS.c.client_id, set(client_ids), _dialect(session)),
            _CHECK_INS.c.created_at >= since,
            _CHECK_INS.c.created_at < until,
        )
    )
    times: dict[int, list[datetime]] = defaultdict(list)
    for client_id, at in rows:
        times[client_id].append(at)
    return times


async def missed_streaks(
    session: AsyncSession, client_ids: Iterable[int], *, before: datetime
) -> dict[int, tuple[int, datetime | None]]:
    """Per client: check-in reminders sent since their last check-in (before ``before``), and the first.

    Each client's count is an index range over their own sent reminders after their last check-in,
    so its cost follows the length of the streak, not the length of the history.
    """
    last_check_in = (
        select(func.max(_CHECK_INS.c.created_at))
        .where(_CHECK_INS.c.client_id == _REMINDERS.c.client_id)
        .correlate(_REMINDERS)
        .scalar_subquery()
    )
    since = func.coalesce(last_check_in, bindparam(None, value=_EPOCH, type_=_REMINDERS.c.due_at.type))
    in_streak = and_(
        _REMINDERS.c.client_id == _CLIENTS.c.id,
        _REMINDERS.c.kind == ReminderKind.CHECKIN.value,
        _REMINDERS.c.status == ReminderStatus.SENT.value,
        _REMINDERS.c.due_at > since,
        _REMINDERS.c.due_at < before,
    )
    rows = await session.execute(
        select(
            _CLIENTS.c.id,
            select(func.count(_REMINDERS.c.id)).where(in_streak).scalar_subquery(),
            select(func.min(_REMINDERS.c.due_at)).where(in_streak).scalar_subquery(),
        ).where(among(_CLIENTS.c.id, set(client_ids), _dialect(session)))
    )
    return {client_id: (int(count or 0), first) for client_id, count, first in rows}


async def chat_targets(
    session: AsyncSession, clients: Sequence[ClientFacts], *, email_enabled: bool
) -> dict[int, tuple[str, str]]:
    """Where each client is reached: (platform, chat id) — email when they prefer it and it is on,
    else their preferred (or most recent) chat identity that can still receive messages."""
    targets: dict[int, tuple[str, str]] = {}
    chat = []
    for client in clients:
        if client.preferred_channel == Platform.EMAIL and email_enabled and email_reachable(client):
            assert client.email is not None
            targets[client.id] = (Platform.EMAIL.value, client.email)
        else:
            chat.append(client)
    if not chat:
        return targets
    preferred = {c.id: c.preferred_channel for c in chat}
    rows = await session.execute(
        select(_IDENTITIES.c.client_id, _IDENTITIES.c.platform, _IDENTITIES.c.chat_id)
        .where(
            among(_IDENTITIES.c.client_id, preferred, _dialect(session)),
            _IDENTITIES.c.unreachable.is_(False),
        )
        .order_by(_IDENTITIES.c.id.desc())
    )
    for client_id, platform, chat_id in rows:
        current = targets.get(client_id)
        if current is None or (current[0] != preferred[client_id] and platform == preferred[client_id]):
            targets[client_id] = (platform, chat_id)
    return targets


async def queued_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these outbox dedupe keys are already queued."""
    wanted = set(keys)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(_OUTBOX.c.dedupe_key).where(among(_OUTBOX.c.dedupe_key, wanted, _dialect(session)))
    )
    return {key for key in rows if key is not None}


async def finish(
    session: AsyncSession, reminder_ids: Sequence[int], *, status: str, now: datetime, error: str | None
) -> set[int]:
    """Compare-and-set these reminders out of ``pending``; the ids this worker moved (another
    worker's are left out)."""
    if not reminder_ids:
        return set()
    result = await session.execute(
        update(_REMINDERS)
        .where(
            among(_REMINDERS.c.id, reminder_ids, _dialect(session)),
            _REMINDERS.c.status == ReminderStatus.PENDING.value,
        )
        .values(
            status=status,
            attempts=_REMINDERS.c.attempts + 1,
            sent_at=now if status == ReminderStatus.SENT else None,
            last_error=error,
        )
        .returning(_REMINDERS.c.id)
    )
    return set(result.scalars().all())


# The batch's outbox rows travel as one JSON array of [platform, chat id, stored payload, client id,
# dedupe key] rows, unpacked by the database: built (and each payload encrypted when keys are set) in a
# worker thread, so the event loop sends one string instead of binding and encrypting 500 rows itself.
# jsonb on PostgreSQL: parsed once (each ->> on json would parse the row again).
_QUEUE_JSON_POSTGRES = text(
    """
    INSERT INTO outbound_messages (platform, chat_id, payload, client_id, dedupe_key, status, attempts,
        next_attempt_at, created_at)
    SELECT r->>0, r->>1, CAST(r->2 AS json), CAST(r->>3 AS integer), r->>4, :status, 0, :now, :now
    FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r
    ON CONFLICT (dedupe_key) DO NOTHING
    """
).bindparams(bindparam("now", type_=_OUTBOX.c.created_at.type))
# ``WHERE true`` tells SQLite's parser the ON CONFLICT belongs to the INSERT; json_extract of an object
# is its JSON text, which is how SQLite stores a JSON column.
_QUEUE_JSON_SQLITE = text(
    """
    INSERT INTO outbound_messages (platform, chat_id, payload, client_id, dedupe_key, status, attempts,
        next_attempt_at, created_at)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
        json_extract(value, '$[3]'), json_extract(value, '$[4]'), :status, 0, :now, :now
    FROM json_each(:rows) WHERE true
    ON CONFLICT (dedupe_key) DO NOTHING
    """
).bindparams(bindparam("now", type_=_OUTBOX.c.created_at.type))


def _outbox_rows_json(messages: Sequence[tuple[str, str, dict[str, Any], str]]) -> str:
    """The rows as stored (payloads encrypted when keys are configured), as one JSON array."""
    return json.dumps(
        [
            [platform, chat_id, conceal_json(payload), about_client(payload), key]
            for platform, chat_id, payload, key in messages
        ],
        separators=(",", ":"),
    )


async def queue_messages(
    session: AsyncSession, messages: Sequence[tuple[str, str, dict[str, Any], str]]
) -> None:
    """Queue (platform, chat id, payload, dedupe key) messages with one INSERT; a key already queued
    keeps its row."""
    if not messages:
        return
    rows_json = await asyncio.to_thread(_outbox_rows_json, messages)
    await session.execute(
        _QUEUE_JSON_POSTGRES if _dialect(session) == "postgresql" else _QUEUE_JSON_SQLITE,
        {"rows": rows_json, "status": DeliveryStatus.QUEUED.value, "now": utcnow()},
    )
