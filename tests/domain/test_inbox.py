"""The inbox: stored once per key, leased one lane at a time in order, leases that run out."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.cli.main import main
from domain.crypto import generate_key, use_keys
from domain.db import Database
from domain.models import InboxUpdate
from domain.models.enums import InboxStatus
from domain.services import inbox
from domain.services.inbox import HANDLING_LEASE, InboundUpdate
from domain.services.unreadable_rows import UNREADABLE_RETRY
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.support.databases import wipe

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _update(n: int, lane: str, platform: str = "telegram") -> InboundUpdate:
    return InboundUpdate(
        key=f"{platform}:update:{n}", platform=platform, lane=lane, payload={"n": n}, external_user_id=lane
    )


async def _store(db: Database, *updates: InboundUpdate) -> int:
    async with db.unit_of_work() as session:
        return await inbox.store_updates(session, list(updates), NOW)


async def _lease(db: Database, *, now: datetime = NOW, limit: int = 10) -> list[int]:
    async with db.unit_of_work() as session:
        leased = await inbox.lease_ready(session, ["telegram"], limit=limit, now=now)
    return [int(u.payload["n"]) for u in leased]


async def _handled(db: Database, *numbers: int) -> None:
    async with db.unit_of_work() as session:
        await inbox.mark_handled(session, [f"telegram:update:{n}" for n in numbers], NOW)


async def test_a_redelivered_update_is_stored_once(db: Database) -> None:
    assert await _store(db, _update(1, "a"), _update(2, "a")) == 2
    assert await _store(db, _update(2, "a"), _update(3, "b")) == 1
    assert await _store(db, _update(3, "b"), _update(3, "b")) == 0
    async with db.unit_of_work() as session:
        keys = (await session.scalars(select(InboxUpdate.key).order_by(InboxUpdate.id))).all()
        assert await inbox.pending_count(session) == 3
    assert keys == ["telegram:update:1", "telegram:update:2", "telegram:update:3"]


async def test_one_lane_is_handled_in_order_one_update_at_a_time(db: Database) -> None:
    await _store(db, _update(1, "a"), _update(2, "a"), _update(3, "b"), _update(4, "slack", "slack"))
    assert await _lease(db) == [1, 3]  # the oldest of each lane; other platforms are not asked for
    assert await _lease(db) == []  # both lanes are busy (leased)
    await _handled(db, 1)
    assert await _lease(db) == [2]
    async with db.unit_of_work() as session:
        assert await inbox.is_handled(session, "telegram:update:1")
        assert not await inbox.is_handled(session, "telegram:update:2")


async def test_a_crashed_workers_lease_runs_out_and_a_graceful_one_hands_back(db: Database) -> None:
    await _store(db, _update(1, "a"), _update(2, "b"))
    assert await _lease(db) == [1, 2]
    assert await _lease(db, now=NOW + HANDLING_LEASE - timedelta(seconds=1)) == []
    assert await _lease(db, now=NOW + HANDLING_LEASE) == [1, 2]  # the worker died: taken again
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(InboxUpdate).order_by(InboxUpdate.id))).all()
        assert [r.attempts for r in rows] == [2, 2]
        await inbox.release(session, [rows[0].id], NOW)
    assert await _lease(db, now=NOW + HANDLING_LEASE) == [1]  # at once, and the try does not count
    async with db.unit_of_work() as session:
        assert (await session.get(InboxUpdate, rows[0].id)).attempts == 2  # type: ignore[union-attr]


async def test_retries_wait_and_a_failed_update_frees_its_lane(db: Database) -> None:
    await _store(db, _update(1, "a"), _update(2, "a"))
    assert await _lease(db) == [1]
    async with db.unit_of_work() as session:
        first = await session.scalar(select(InboxUpdate).where(InboxUpdate.key == "telegram:update:1"))
        assert first is not None
        await inbox.retry_later(session, first.id, NOW + timedelta(minutes=1), "OSError: down " * 50)
    assert await _lease(db, now=NOW + timedelta(seconds=59)) == []  # update 2 waits behind it
    assert await _lease(db, now=NOW + timedelta(minutes=1)) == [1]
    async with db.unit_of_work() as session:
        await inbox.give_up(session, first.id, "ValueError", NOW)
        row = await session.get(InboxUpdate, first.id)
        assert row is not None and row.status == InboxStatus.FAILED and row.last_error == "ValueError"
    assert await _lease(db, now=NOW + timedelta(minutes=1)) == [2]


async def test_finished_updates_are_purged_after_their_time(db: Database) -> None:
    await _store(db, _update(1, "a"), _update(2, "b"))
    await _handled(db, 1)
    async with db.unit_of_work() as session:
        assert await inbox.purge_finished(session, NOW) == 0  # received at NOW: not before it
        assert await inbox.purge_finished(session, NOW + timedelta(days=1)) == 1  # pending ones stay
        assert await inbox.pending_count(session) == 1


async def test_marking_and_releasing_send_one_statement_text_whatever_the_batch_size(db: Database) -> None:
    """Keys travel as one bound array, so a batch of 3 and a batch of 7 are the same prepared statement."""
    await _store(db, *(_update(n, f"lane{n}") for n in range(1, 21)))
    sent: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await _handled(db, 1, 2, 3)
        await _handled(db, 4, 5, 6, 7, 8, 9, 10)
        async with db.unit_of_work() as session:
            ids = (await session.scalars(select(InboxUpdate.id).order_by(InboxUpdate.id))).all()
            await inbox.release(session, ids[10:12], NOW)
            await inbox.release(session, ids[12:17], NOW)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert len(sent) == 4
    assert sent[0] == sent[1] and sent[2] == sent[3]
    async with db.unit_of_work() as session:
        statuses = (await session.scalars(select(InboxUpdate.status).order_by(InboxUpdate.id))).all()
    assert statuses == [InboxStatus.HANDLED] * 10 + [InboxStatus.PENDING] * 10


async def test_an_update_no_key_opens_holds_back_only_its_lane_then_fails(
    db: Database,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stored under a key this worker lacks (or corrupted): leasing goes on for every other lane; the
    update waits for a worker with the key, then is failed and `coach doctor` says why."""
    use_keys([generate_key()])
    try:
        await _store(db, _update(1, "a"))
    finally:
        use_keys([TEST_ENCRYPTION_KEY])
    await _store(db, _update(2, "a"), _update(3, "b"))
    caplog.set_level(logging.INFO)

    async def lease(now: datetime) -> list[int]:
        async with db.unit_of_work() as session:
            leased = await inbox.lease_ready(session, ["telegram"], limit=10, now=now, unreadable_tries=2)
        return [int(u.payload["n"]) for u in leased]

    assert await lease(NOW) == [3]  # lane a waits behind its unreadable first update
    async with db.sessions() as session:
        assert await inbox.unreadable_counts(session) == (1, 0)
    await _handled(db, 3)
    later = NOW + UNREADABLE_RETRY
    assert await lease(later) == []  # the second try fails it
    assert await lease(later) == [2]  # and its lane goes on
    async with db.sessions() as session:
        assert await inbox.unreadable_counts(session) == (0, 1)
        row = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.key == "telegram:update:1"))
    assert row == InboxStatus.FAILED
    assert len([r for r in caplog.records if "inbound update" in r.getMessage()]) == 2  # set aside, failed

    monkeypatch.setenv("COACH_DATABASE_URL", db.url)
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["doctor", "--json"])
    checks = {row["check"]: (row["status"], row["detail"]) for row in json.loads(capsys.readouterr().out)}
    assert code == 1 and checks["outbox"][0] == "ok"
    status, detail = checks["inbox"]
    assert status == "failed" and "1 failed (never handled)" in detail and "COACH_ENCRYPTION_KEYS" in detail
    await wipe(db)  # `coach doctor` tests that follow do not wipe the database
