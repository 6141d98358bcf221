"""Outbox rows no configured key decrypts (written under a key this worker lacks, or corrupted) do not
stop the sender: the readable rows go out exactly once, the unreadable ones are failed (or handed back
for a worker that has the key), counted, logged once without content, and `coach doctor` says why."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import JSON, Row, select, type_coerce, update

from bot.cli.main import main
from bot.outbound.sender import OutboundSender
from conversations.messages import OutgoingMessage
from domain.clock import utcnow
from domain.crypto import PREFIX, generate_key, use_keys
from domain.db import Database
from domain.models import OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services import delivery_queue
from domain.services.held_messages import take_held_messages
from domain.services.unreadable_rows import UNREADABLE_ERROR, UNREADABLE_RETRY, UNREADABLE_WAITING
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.outbound.test_sender import PACED, MakeTransport, delivered, new_sender
from tests.support.databases import wipe
from tests.support.telegram_api import FakeTelegram

SECRET = "my knee gave out on the stairs"  # what the unreadable rows say: never in a log line


@pytest.fixture(autouse=True)
async def _wiped_after(db: Database) -> AsyncIterator[None]:
    """Unreadable rows would fail the next test's `coach doctor` (its fixture does not wipe)."""
    yield
    await wipe(db)


@pytest.fixture
def other_key() -> Iterator[str]:
    """A key the worker under test does not have; the suite's key is restored afterwards."""
    yield generate_key()
    use_keys([TEST_ENCRYPTION_KEY])


async def enqueue_under(
    keys: list[str], sender: OutboundSender, chat: str, text: str, platform: str = "telegram"
) -> int:
    use_keys(keys)
    try:
        row_id = await sender.enqueue(platform, chat, OutgoingMessage(text))
    finally:
        use_keys([TEST_ENCRYPTION_KEY])
    assert row_id is not None
    return row_id


async def corrupt(db: Database, row_id: int) -> None:
    """Overwrite a row's stored payload with a token no key can open (as stored, not through the type)."""
    broken = {"$enc": PREFIX + "gAAAAAB-not-a-fernet-token"}
    async with db.unit_of_work() as session:
        await session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == row_id)
            .values(payload=type_coerce(broken, JSON))
        )


async def rows(db: Database) -> list[Row[tuple[int, str, int, str | None]]]:
    """The rows' state without their payloads (the ORM would decrypt them, and some cannot be)."""
    om = OutboundMessage
    async with db.sessions() as session:
        query = select(om.id, om.status, om.attempts, om.last_error).order_by(om.id)
        return list((await session.execute(query)).all())


def failed_count() -> float:
    return REGISTRY.get_sample_value("coach_deliveries_failed_total", {"platform": "telegram"}) or 0.0


async def test_unreadable_rows_fail_and_the_rest_go_out_once(
    db: Database,
    fake_telegram: FakeTelegram,
    make_transport: MakeTransport,
    other_key: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sender = new_sender(db, make_transport(PACED), unreadable_tries=1)
    for chat in ("21", "22", "23"):
        await sender.enqueue("telegram", chat, OutgoingMessage(f"{chat}-0"))
    # Chat 22's second message was written under a key this worker lacks; chat 24's is corrupted.
    foreign = await enqueue_under([other_key], sender, "22", SECRET)
    broken = await enqueue_under([TEST_ENCRYPTION_KEY], sender, "24", SECRET)
    await corrupt(db, broken)
    for chat in ("21", "22", "23"):
        await sender.enqueue("telegram", chat, OutgoingMessage(f"{chat}-1"))
    failed_before = failed_count()

    caplog.set_level(logging.INFO)
    await sender.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent()) == 6)
        await asyncio.sleep(0.3)  # any duplicate or late send would show up now
    finally:
        await sender.stop()

    for chat in ("21", "22", "23"):
        assert delivered(fake_telegram, chat) == [f"{chat}-0", f"{chat}-1"]  # once each, in order
    assert delivered(fake_telegram, "24") == []
    assert len(fake_telegram.sent()) == 6
    by_id = {r.id: r for r in await rows(db)}
    for row_id in (foreign, broken):
        assert (by_id[row_id].status, by_id[row_id].last_error) == (DeliveryStatus.FAILED, UNREADABLE_ERROR)
    assert {r.status for i, r in by_id.items() if i not in (foreign, broken)} == {DeliveryStatus.SENT}
    assert failed_count() - failed_before == 2

    # Logged once per row, by id, never with what it says; no claim failed as a whole.
    for row_id in (foreign, broken):
        assert len([r for r in caplog.records if f"outbox row {row_id} " in r.getMessage()]) == 1
    assert not [r for r in caplog.records if "claiming outbox rows failed" in r.getMessage()]
    assert SECRET not in caplog.text

    # `coach doctor` counts them and names the cause and the fix.
    monkeypatch.setenv("COACH_DATABASE_URL", db.url)
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["doctor", "--json"])
    checks = {row["check"]: (row["status"], row["detail"]) for row in json.loads(capsys.readouterr().out)}
    status, detail = checks["outbox"]
    assert code == 1 and status == "failed"
    assert "2 failed (never sent)" in detail and "COACH_ENCRYPTION_KEYS" in detail
    assert "`coach keys rotate`" in detail


async def test_a_row_written_under_a_newer_key_waits_for_a_worker_that_has_it(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport, other_key: str
) -> None:
    """A rolling key change: a worker still without the new key hands the row back; one with it sends
    it, once."""
    old_worker = new_sender(db, make_transport(PACED))
    newer = await enqueue_under([other_key, TEST_ENCRYPTION_KEY], old_worker, "31", "under the new key")
    await old_worker.enqueue("telegram", "32", OutgoingMessage("under the old key"))

    assert await old_worker.drain_once() == 1  # only the readable one
    assert delivered(fake_telegram, "32") == ["under the old key"] and delivered(fake_telegram, "31") == []
    [waiting] = [r for r in await rows(db) if r.id == newer]
    assert (waiting.status, waiting.last_error) == (DeliveryStatus.QUEUED, UNREADABLE_WAITING)
    async with db.sessions() as session:
        assert await delivery_queue.unreadable_counts(session) == (1, 0)
    assert await old_worker.drain_once() == 0  # not taken again before its retry time

    use_keys([other_key, TEST_ENCRYPTION_KEY])  # the updated worker: both keys, the new one first
    offset = UNREADABLE_RETRY + timedelta(seconds=1)
    new_worker = new_sender(db, make_transport(PACED), clock=lambda: utcnow() + offset)
    assert await new_worker.drain_once() == 1
    assert await new_worker.drain_once() == 0
    assert delivered(fake_telegram, "31") == ["under the new key"]
    [sent] = [r for r in await rows(db) if r.id == newer]
    assert (sent.status, sent.last_error) == (DeliveryStatus.SENT, None)
    async with db.sessions() as session:
        assert await delivery_queue.unreadable_counts(session) == (0, 0)


async def test_a_row_no_worker_can_read_is_failed_after_its_tries(db: Database, other_key: str) -> None:
    sender = OutboundSender(db)  # used only to queue
    row_id = await enqueue_under([other_key], sender, "41", SECRET)
    now = utcnow()
    for attempt in (1, 2):
        async with db.unit_of_work() as session:
            claim = await delivery_queue.claim_batch(
                session, ["telegram"], limit=5, now=now, unreadable_tries=3
            )
        assert claim.messages == []
        assert [(u.id, u.attempts, u.failed) for u in claim.unreadable] == [(row_id, attempt, False)]
        now += UNREADABLE_RETRY
    async with db.unit_of_work() as session:
        claim = await delivery_queue.claim_batch(session, ["telegram"], limit=5, now=now, unreadable_tries=3)
    assert [(u.id, u.failed) for u in claim.unreadable] == [(row_id, True)]
    [row] = await rows(db)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.FAILED, 3, UNREADABLE_ERROR)
    async with db.unit_of_work() as session:
        assert (await delivery_queue.claim_batch(session, ["telegram"], limit=5, now=now)).unreadable == []


async def test_a_console_chat_opened_shows_the_readable_held_messages(db: Database, other_key: str) -> None:
    """The console's held messages (``coach chat``): an unreadable one is failed, not shown, and does
    not hide the others."""
    sender = OutboundSender(db)  # used only to queue
    first = await sender.enqueue("console", "51", OutgoingMessage("first"))
    lost = await enqueue_under([other_key], sender, "51", SECRET, platform="console")
    last = await sender.enqueue("console", "51", OutgoingMessage("last"))
    async with db.unit_of_work() as session:
        shown = await take_held_messages(session, platform="console", chat_id="51", now=utcnow())
    assert [p["text"] for p in shown] == ["first", "last"]
    status = {r.id: (r.status, r.last_error) for r in await rows(db)}
    assert status[first][0] == status[last][0] == DeliveryStatus.SENT
    assert status[lost] == (DeliveryStatus.FAILED, UNREADABLE_ERROR)
