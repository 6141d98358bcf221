"""Old idempotency records are forgotten; recent ones (still inside a retry window) are kept. Clients'
files are forgotten once older than the configured retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.db import Database
from domain.models import (
    AuditEvent,
    CheckIn,
    InboxUpdate,
    Message,
    ProcessedMessage,
    ProviderEvent,
    StoredFile,
)
from domain.models.enums import InboxStatus
from domain.services.clients import register_client
from domain.services.files import Unlinked, unlink_stored_files
from domain.services.retention import (
    RetentionPolicy,
    purge_by_policy,
    purge_idempotency_records,
    purge_old_files,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def test_purges_only_records_past_their_retention(db: Database) -> None:
    async with db.unit_of_work() as s:
        for key, age in (("old", timedelta(days=7, seconds=1)), ("recent", timedelta(days=6, hours=23))):
            s.add(ProcessedMessage(idempotency_key=key, replies=[], created_at=NOW - age))
        for event_id, age in (("evt_old", timedelta(days=31)), ("evt_stripe_retry", timedelta(days=29))):
            s.add(
                ProviderEvent(
                    provider="stripe", event_id=event_id, event_type="invoice.paid", received_at=NOW - age
                )
            )
        for key, age, status in (
            ("telegram:update:1", timedelta(days=8), InboxStatus.HANDLED),
            ("telegram:update:2", timedelta(days=6), InboxStatus.HANDLED),
            ("telegram:update:3", timedelta(days=8), InboxStatus.PENDING),
        ):
            s.add(
                InboxUpdate(
                    key=key, platform="telegram", lane="1", payload={}, status=status, received_at=NOW - age
                )
            )
    async with db.unit_of_work() as s:
        purged = await purge_idempotency_records(s, now=NOW)
    assert (purged.processed_messages, purged.provider_events, purged.inbox_updates) == (1, 1, 1)
    async with db.unit_of_work() as s:
        assert (await s.scalars(select(ProcessedMessage.idempotency_key))).all() == ["recent"]
        assert (await s.scalars(select(ProviderEvent.event_id))).all() == ["evt_stripe_retry"]
        kept = (await s.scalars(select(InboxUpdate.key).order_by(InboxUpdate.key))).all()
        assert kept == ["telegram:update:2", "telegram:update:3"]  # recent, and not yet handled
        again = await purge_idempotency_records(s, now=NOW)
    assert (again.processed_messages, again.provider_events) == (0, 0)


async def test_refuses_a_provider_event_retention_inside_stripes_retries(db: Database) -> None:
    async with db.unit_of_work() as s:
        with pytest.raises(ValueError):
            await purge_idempotency_records(s, now=NOW, provider_events_for=timedelta(days=3))


async def store_file(db: Database, path: str, *, age: timedelta) -> None:
    async with db.unit_of_work() as s:
        s.add(StoredFile(platform="telegram", file_id=path, kind="photo", path=path, created_at=NOW - age))


async def test_files_past_their_retention_lose_their_row_then_leave_the_disk(
    db: Database, tmp_path: Path
) -> None:
    storage = tmp_path / "files"
    (storage / "telegram").mkdir(parents=True)
    for name in ("old.jpg", "recent.jpg"):
        (storage / "telegram" / name).write_text("x")
    (tmp_path / "outside.txt").write_text("x")
    await store_file(db, str(storage / "telegram/old.jpg"), age=timedelta(days=30, seconds=1))
    await store_file(db, str(storage / "telegram/recent.jpg"), age=timedelta(days=29, hours=23))
    await store_file(db, str(storage / "telegram/already-gone.jpg"), age=timedelta(days=400))
    await store_file(db, str(tmp_path / "outside.txt"), age=timedelta(days=400))
    async with db.unit_of_work() as s:
        paths = await purge_old_files(s, now=NOW, keep_days=30)
        assert (storage / "telegram/old.jpg").exists()  # the disk is only touched after the commit
    assert len(paths) == 3
    assert unlink_stored_files(paths, storage) == Unlinked(removed=1, missing=1, refused=1)
    assert sorted(p.name for p in (storage / "telegram").iterdir()) == ["recent.jpg"]
    assert (tmp_path / "outside.txt").exists()
    async with db.sessions() as s:
        assert (await s.scalars(select(StoredFile.file_id))).all() == [str(storage / "telegram/recent.jpg")]
        [event] = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "files.purged"))).all()
        assert (event.actor, event.subject) == ("system", "retention")
        assert event.details == {"files": 3, "retention_days": 30}  # counts only: no names or paths


async def test_a_retention_of_zero_days_keeps_files_forever(db: Database) -> None:
    await store_file(db, "/files/ancient.jpg", age=timedelta(days=36500))
    async with db.unit_of_work() as s:
        assert await purge_old_files(s, now=NOW, keep_days=0) == []
        assert await purge_old_files(s, now=NOW, keep_days=10**9) == []  # older than the calendar
        with pytest.raises(ValueError):
            await purge_old_files(s, now=NOW, keep_days=-1)
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(StoredFile)) == 1
        assert await s.scalar(select(func.count()).select_from(AuditEvent)) == 0


async def test_check_ins_messages_and_audit_events_go_after_their_days_in_batches(db: Database) -> None:
    async with db.unit_of_work() as s:
        client = await register_client(
            s, platform="console", external_user_id="r1", chat_id="r1", display_name="Rae"
        )
        for days in (800, 731, 729):
            s.add(
                CheckIn(
                    client_id=client.id,
                    mood=5,
                    energy=5,
                    sleep_hours=7,
                    adherence="yes",
                    source_channel="console",
                    note=f"{days} days ago",
                    created_at=NOW - timedelta(days=days),
                )
            )
        for days in (400, 366, 10):
            s.add(
                Message(
                    client_id=client.id,
                    direction="in",
                    channel="console",
                    text="hi",
                    created_at=NOW - timedelta(days=days),
                )
            )
        for days in (500, 366, 1):
            s.add(AuditEvent(actor="system", action="note", subject="x", at=NOW - timedelta(days=days)))
    policy = RetentionPolicy(checkins_days=730, messages_days=365, audit_days=365)
    assert await purge_by_policy(db, policy, now=NOW, batch_size=1) == {
        "check_ins": 2,
        "messages": 2,
        "audit_events": 2,
    }
    async with db.sessions() as s:
        assert (await s.scalars(select(CheckIn.note))).all() == ["729 days ago"]
        assert await s.scalar(select(func.count()).select_from(Message)) == 1
        (record,) = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "retention.purged"))).all()
    assert record.details["deleted"] == {"check_ins": 2, "messages": 2, "audit_events": 2}
    assert await purge_by_policy(db, policy, now=NOW) == {}  # nothing left: no new audit row
    keep_all = RetentionPolicy(checkins_days=0, messages_days=0, audit_days=0)
    assert await purge_by_policy(db, keep_all, now=NOW + timedelta(days=10**4)) == {}


async def test_old_files_go_in_batches_oldest_first(db: Database, tmp_path: Path) -> None:
    for n in range(3):
        await store_file(db, str(tmp_path / f"old{n}.jpg"), age=timedelta(days=100 - n))
    await store_file(db, str(tmp_path / "recent.jpg"), age=timedelta(days=1))
    batches = []
    for _ in range(3):
        async with db.unit_of_work() as s:
            batches.append(await purge_old_files(s, now=NOW, keep_days=30, limit=2))
    assert [[Path(p).name for p in batch] for batch in batches] == [
        ["old0.jpg", "old1.jpg"],
        ["old2.jpg"],
        [],
    ]
    async with db.sessions() as s:
        events = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "files.purged"))).all()
        assert sorted(e.details["files"] for e in events if e.details) == [1, 2]  # one event per batch
