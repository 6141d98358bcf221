"""Forgetting idempotency records once no platform can retry the message or event any more, what
clients wrote once it is older than the retention the operator set per data class
(``COACH_RETENTION_FILES_DAYS``, ``..._CHECKINS_DAYS``, ``..._MESSAGES_DAYS``, ``..._AUDIT_DAYS``), and
closed clients altogether once idle for ``COACH_RETENTION_CLOSED_CLIENTS_DAYS``.

Retry windows (../shared/platform-limits.md): Telegram re-sends a webhook update after 60 s, Slack
re-sends an event up to 3 times within minutes, Stripe retries a webhook for up to 3 days in live mode.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Database
from domain.models import (
    AuditEvent,
    CheckIn,
    Client,
    Enrollment,
    Message,
    ProcessedMessage,
    ProviderEvent,
    StoredFile,
    Subscription,
)
from domain.models.enums import ClientStatus, EnrollmentStatus
from domain.services.audit import record_audit_event
from domain.services.erasure import erase_client
from domain.services.files import delete_stored_file_rows, unlink_stored_files
from domain.services.inbox import purge_finished
from domain.services.payments import ACTIVE_SUBSCRIPTION_STATUSES

# Chat messages' idempotency keys and stored replies: far longer than Telegram's and Slack's retries,
# and long enough to cover a channel that was down for a few days and replays its backlog.
PROCESSED_MESSAGE_RETENTION = timedelta(days=7)
# Webhook event ids: Stripe retries for up to 3 days; 30 days also covers a manual "resend" from the
# Stripe dashboard weeks later and keeps a month of events for support questions.
PROVIDER_EVENT_RETENTION = timedelta(days=30)
MIN_PROVIDER_EVENT_RETENTION = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Purged:
    processed_messages: int
    provider_events: int
    files: int = 0
    inbox_updates: int = 0


async def purge_idempotency_records(
    session: AsyncSession,
    *,
    now: datetime,
    processed_messages_for: timedelta = PROCESSED_MESSAGE_RETENTION,
    provider_events_for: timedelta = PROVIDER_EVENT_RETENTION,
) -> Purged:
    """Delete processed messages and provider events older than their retention."""
    if processed_messages_for <= timedelta(0):
        raise ValueError("processed messages must be kept for a positive time")
    if provider_events_for < MIN_PROVIDER_EVENT_RETENTION:
        raise ValueError("provider events must be kept at least 30 days (Stripe retries for 3)")
    messages = await session.execute(
        delete(ProcessedMessage).where(ProcessedMessage.created_at < now - processed_messages_for)
    )
    events = await session.execute(
        delete(ProviderEvent).where(ProviderEvent.received_at < now - provider_events_for)
    )
    # Inbound updates carry what people wrote; once handled they go with the processed messages.
    updates = await purge_finished(session, now - processed_messages_for)
    return Purged(_count(messages), _count(events), inbox_updates=updates)


async def purge_old_files(
    session: AsyncSession, *, now: datetime, keep_days: int, limit: int | None = None
) -> list[str]:
    """Delete the rows of files stored more than ``keep_days`` ago (0 keeps them forever), the oldest
    ``limit`` of them when given (one batch), with an audit event giving the count; returns their
    paths, to unlink once the transaction has committed."""
    if keep_days < 0:
        raise ValueError("files must be kept for 0 days (forever) or more")
    if keep_days == 0:
        return []
    try:
        cutoff = now - timedelta(days=keep_days)
    except OverflowError:  # longer than the calendar goes back: nothing is that old
        return []
    old = StoredFile.created_at < cutoff
    if limit is not None:
        old = StoredFile.id.in_(select(StoredFile.id).where(old).order_by(StoredFile.id).limit(limit))
    paths = await delete_stored_file_rows(session, old)
    if paths:
        await record_audit_event(
            session,
            actor="system",
            action="files.purged",
            subject="retention",
            details={"files": len(paths), "retention_days": keep_days},
            at=now,
        )
    return paths


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- what clients write, by data class (COACH_RETENTION_*_DAYS) ------------------------------------

PURGE_BATCH = 1000  # rows per transaction: the purge never holds a long lock


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days each data class is kept (0 keeps it forever); files are purged by :func:`purge_old_files`."""

    checkins_days: int = 730
    messages_days: int = 365
    audit_days: int = 365
    # Closed clients are erased after this many idle days (erase_closed_clients); 0 keeps them.
    closed_clients_days: int = 0


def _cutoff(now: datetime, days: int) -> datetime | None:
    if days <= 0:
        return None
    try:
        return now - timedelta(days=days)
    except OverflowError:  # longer than the calendar goes back: nothing is that old
        return None


async def purge_by_policy(
    db: Database, policy: RetentionPolicy, *, now: datetime, batch_size: int = PURGE_BATCH
) -> dict[str, int]:
    """Delete check-ins, client-coach messages and audit events older than the policy allows, in
    batches of ``batch_size`` rows (one transaction each); each purge that deleted anything is counted
    in the audit log (``retention.purged``). Returns the rows deleted per table."""
    classes: list[tuple[str, Any, Any, int]] = [
        ("check_ins", CheckIn, CheckIn.created_at, policy.checkins_days),
        ("messages", Message, Message.created_at, policy.messages_days),
        # The purge's own records are audit events too: they age out like the rest.
        ("audit_events", AuditEvent, AuditEvent.at, policy.audit_days),
    ]
    purged: dict[str, int] = {}
    for table, model, stamp, days in classes:
        cutoff = _cutoff(now, days)
        if cutoff is None:
            continue
        deleted = 0
        while True:
            async with db.unit_of_work() as session:
                ids = list(
                    (
                        await session.scalars(
                            select(model.id).where(stamp < cutoff).order_by(model.id).limit(batch_size)
                        )
                    ).all()
                )
                if ids:
                    await session.execute(
                        delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False)
                    )
            deleted += len(ids)
            if len(ids) < batch_size:
                break
        if deleted:
            purged[table] = deleted
    if purged:
        async with db.unit_of_work() as session:
            await record_audit_event(
                session,
                actor="system",
                action="retention.purged",
                subject="retention",
                details={"deleted": purged, "days": {t: d for t, _, _, d in classes if d}},
                at=now,
            )
    return purged


# --- closed clients (COACH_RETENTION_CLOSED_CLIENTS_DAYS) ------------------------------------------

OPEN_ENROLLMENT_STATUSES = (
    EnrollmentStatus.PENDING_PAYMENT,
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.PAUSED,
)


def _closed_and_idle_since(cutoff: datetime) -> ColumnElement[bool]:
    """A client is closed when no enrollment is open (pending payment, active or paused) and no
    subscription is still running; idle since ``cutoff`` when they joined before it and nothing of
    theirs happened after it: no enrollment change, check-in or message."""
    return and_(
        Client.status != ClientStatus.ERASED,
        Client.created_at < cutoff,
        ~exists().where(
            Enrollment.client_id == Client.id,
            or_(Enrollment.status.in_(OPEN_ENROLLMENT_STATUSES), Enrollment.updated_at >= cutoff),
        ),
        ~exists().where(
            Subscription.client_id == Client.id, Subscription.status.in_(ACTIVE_SUBSCRIPTION_STATUSES)
        ),
        ~exists().where(CheckIn.client_id == Client.id, CheckIn.created_at >= cutoff),
        ~exists().where(Message.client_id == Client.id, Message.created_at >= cutoff),
    )


async def erase_closed_clients(
    db: Database,
    *,
    now: datetime,
    days: int,
    storage_dir: Path | str,
    batch_size: int = PURGE_BATCH,
) -> int:
    """Erase every client closed and idle for more than ``days`` (0 keeps them), one transaction per
    client, each checked again inside it (a check-in that arrived meanwhile keeps them) and audited
    as ``client.erased`` by ``system:retention``; their files leave the disk after each commit.
    Returns how many were erased."""
    cutoff = _cutoff(now, days)
    if cutoff is None:
        return 0
    erased = 0
    last = 0
    while True:
        async with db.sessions() as session:
            candidates = list(
                (
                    await session.scalars(
                        select(Client.id)
                        .where(Client.id > last, _closed_and_idle_since(cutoff))
                        .order_by(Client.id)
                        .limit(batch_size)
                    )
                ).all()
            )
        for client_id in candidates:
            async with db.unit_of_work() as session:
                still = await session.scalar(
                    select(Client.id).where(Client.id == client_id, _closed_and_idle_since(cutoff))
                )
                if still is None:
                    continue
                report = await erase_client(session, client_id, actor="system:retention", retention_days=days)
            await asyncio.to_thread(unlink_stored_files, report.file_paths, storage_dir)
            erased += 1
        if len(candidates) < batch_size:
            return erased
        last = candidates[-1]
