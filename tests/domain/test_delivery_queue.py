"""The outbox as a delivery queue: claims (one chat at a time, oldest first, leased, SKIP LOCKED on
PostgreSQL) and the outcome of each try, each only on a row its worker still holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.db import Database
from domain.models import ChannelIdentity, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services import clients, coaches, delivery_queue
from domain.services.delivery_queue import CLAIM_LEASE, ERROR_TEXT_MAX
from domain.services.notices import COACH_NOTICE
from domain.services.outbox import enqueue_message
from tests.support.databases import postgres_requested

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def _queue(db: Database, *messages: tuple[str, str], due: datetime = NOW) -> list[int]:
    """Queue one text per (platform, chat), in order; returns their row ids."""
    async with db.unit_of_work() as s:
        rows = [
            await enqueue_message(s, platform=p, chat_id=c, payload={"text": f"{p}:{c}"}, not_before=due)
            for p, c in messages
        ]
        return [r.id for r in rows if r is not None]


async def _row(db: Database, row_id: int) -> OutboundMessage:
    async with db.sessions() as s:
        row = await s.get(OutboundMessage, row_id)
        assert row is not None
        return row


async def _claim(db: Database, *platforms: str, limit: int = 10, now: datetime = NOW) -> list[int]:
    async with db.unit_of_work() as s:
        return [c.id for c in await delivery_queue.claim_due(s, platforms, limit=limit, now=now)]


async def test_a_claim_takes_the_oldest_due_row_of_each_chat_and_leases_it(db: Database) -> None:
    first_a, second_a, first_b, email, later = await _queue(
        db, ("telegram", "a"), ("telegram", "a"), ("telegram", "b"), ("email", "c")
    ) + await _queue(db, ("telegram", "d"), due=NOW + timedelta(minutes=1))

    async with db.unit_of_work() as s:
        claimed = await delivery_queue.claim_due(s, ["telegram"], limit=10, now=NOW)
    assert [c.id for c in claimed] == [first_a, first_b]  # one per chat; not due and other platforms wait
    assert claimed[0].platform == "telegram" and claimed[0].chat_id == "a"
    assert claimed[0].payload == {"text": "telegram:a"} and claimed[0].attempts == 1
    row = await _row(db, first_a)
    assert row.status == DeliveryStatus.SENDING and row.next_attempt_at == NOW + CLAIM_LEASE
    assert (await _row(db, second_a)).status == DeliveryStatus.QUEUED
    assert {email, later}.isdisjoint(c.id for c in claimed)

    assert await _claim(db, "telegram") == []  # chat a's next waits for the first; b's is taken
    async with db.unit_of_work() as s:
        await delivery_queue.mark_sent(s, first_a, "m-1", NOW)
    assert await _claim(db, "telegram") == [second_a]
    async with db.unit_of_work() as s:
        await delivery_queue.mark_sent(s, second_a, "m-2", NOW)
    # A worker that died: its lease runs out and another worker takes the row again.
    assert timedelta(minutes=1) >= CLAIM_LEASE
    assert await _claim(db, "telegram", now=NOW + timedelta(minutes=1)) == [first_b, later]
    assert (await _row(db, first_b)).attempts == 2


async def test_a_claim_respects_its_limit_and_takes_nothing_for_nothing(db: Database) -> None:
    ids = await _queue(db, ("telegram", "a"), ("telegram", "b"), ("telegram", "c"))
    assert await _claim(db, "telegram", limit=0) == []
    assert await _claim(db) == []
    assert await _claim(db, "telegram", limit=2) == ids[:2]
    assert await _claim(db, "telegram", limit=2) == ids[2:]


async def test_outcomes_touch_only_a_row_its_worker_still_holds(db: Database) -> None:
    sent, failed, retried, limited = await _queue(
        db, ("telegram", "a"), ("telegram", "b"), ("telegram", "c"), ("telegram", "d")
    )
    assert await _claim(db, "telegram") == [sent, failed, retried, limited]
    later = NOW + timedelta(seconds=30)
    async with db.unit_of_work() as s:
        await delivery_queue.mark_sent(s, sent, "m-1", NOW)
        await delivery_queue.mark_failed(s, failed, "x" * (ERROR_TEXT_MAX + 50))
        await delivery_queue.reschedule(s, retried, later, "server error")
        await delivery_queue.reschedule(s, limited, later, "429", count_attempt=False)
    row = await _row(db, sent)
    assert (row.status, row.sent_at, row.provider_message_id) == (DeliveryStatus.SENT, NOW, "m-1")
    row = await _row(db, failed)
    assert row.status == DeliveryStatus.FAILED and row.last_error == "x" * ERROR_TEXT_MAX
    row = await _row(db, retried)
    assert (row.status, row.next_attempt_at, row.attempts) == (DeliveryStatus.QUEUED, later, 1)
    assert (await _row(db, limited)).attempts == 0  # a 429 does not use up an attempt

    async with db.unit_of_work() as s:  # no longer "sending": another worker may own these now
        await delivery_queue.mark_failed(s, sent, "late")
        await delivery_queue.mark_sent(s, retried, "m-2", NOW)
        await delivery_queue.reschedule(s, failed, later, "late")
    assert (await _row(db, sent)).status == DeliveryStatus.SENT
    assert (await _row(db, retried)).status == DeliveryStatus.QUEUED
    assert (await _row(db, failed)).status == DeliveryStatus.FAILED


async def test_an_unreachable_chat_stops_being_chosen(db: Database) -> None:
    async with db.unit_of_work() as s:
        client = await clients.register_client(
            s, platform="telegram", external_user_id="7", chat_id="7", display_name="Bo"
        )
    async with db.unit_of_work() as s:
        assert await delivery_queue.mark_unreachable(s, "telegram", "7") == 1
        assert await delivery_queue.mark_unreachable(s, "slack", "7") == 0
    async with db.sessions() as s:
        identity = await s.scalar(select(ChannelIdentity).where(ChannelIdentity.client_id == client.id))
        assert identity is not None and identity.unreachable


async def test_a_failed_direct_reply_is_kept_and_dedupe_keys_are_known(db: Database) -> None:
    async with db.unit_of_work() as s:
        await delivery_queue.record_failed(
            s, platform="telegram", chat_id="9", payload={"text": "hi"}, error="boom", attempts=3, now=NOW
        )
        await enqueue_message(s, platform="telegram", chat_id="9", payload={}, dedupe_key="reply:1")
    async with db.sessions() as s:
        failed = await s.scalar(select(OutboundMessage).where(OutboundMessage.dedupe_key.is_(None)))
        assert failed is not None
        assert (failed.status, failed.attempts, failed.last_error) == (DeliveryStatus.FAILED, 3, "boom")
        assert await delivery_queue.already_queued(s, "reply:1")
        assert not await delivery_queue.already_queued(s, "reply:2")


async def test_the_coach_hears_of_a_failed_message_to_their_client_once(db: Database) -> None:
    async with db.unit_of_work() as s:
        coach = await coaches.create_coach(s, name="Ada", email="ada@example.com", slack_user_id="UADA")
        await clients.register_client(
            s, platform="telegram", external_user_id="5", chat_id="5", display_name="Bo", coach_id=coach.id
        )
    for _ in range(2):
        async with db.unit_of_work() as s:
            await delivery_queue.tell_coach_of_failure(
                s, platform="telegram", chat_id="5", payload={"text": "hi"}, reference="row-1"
            )
    async with db.unit_of_work() as s:  # a failed coach notice does not cascade; strangers are nobody's
        await delivery_queue.tell_coach_of_failure(
            s, platform="slack", chat_id="UADA", payload={"type": COACH_NOTICE}, reference="row-2"
        )
        await delivery_queue.tell_coach_of_failure(
            s, platform="telegram", chat_id="404", payload={"text": "hi"}, reference="row-3"
        )
    async with db.sessions() as s:
        notices = (await s.scalars(select(OutboundMessage))).all()
    assert [(n.chat_id, n.dedupe_key) for n in notices] == [("UADA", "delivery_failed:row-1")]
    assert notices[0].payload["kind"] == "delivery_failed" and "Bo" in notices[0].payload["text"]


@pytest.mark.skipif(
    not postgres_requested(), reason="row locks are a PostgreSQL feature; SQLite has one writer"
)
async def test_concurrent_claims_skip_each_others_rows_without_waiting(
    db: Database, database_url: str
) -> None:
    ids = await _queue(db, ("telegram", "a"), ("telegram", "b"), ("telegram", "c"))
    other = Database(database_url)
    try:
        async with db.unit_of_work() as first_session:
            first = await delivery_queue.claim_due(first_session, ["telegram"], limit=1, now=NOW)
            async with other.unit_of_work() as second_session:
                # Waiting for the first claim's locks would hang here until the timeout.
                second = await asyncio.wait_for(
                    delivery_queue.claim_due(second_session, ["telegram"], limit=10, now=NOW), timeout=5
                )
        assert [c.id for c in first] == ids[:1]
        assert [c.id for c in second] == ids[1:]
    finally:
        await other.dispose()
