"""The outbound sender against the local Bot API: pacing, 429 for one chat, retries, failures,
blocked users, restarts and several workers. Nothing lost, nothing sent twice."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.outbound import queue
from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.transport import TelegramTransport
from conversations.messages import OutgoingMessage
from domain.clock import utcnow
from domain.db import Database
from domain.models import ChannelIdentity, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services import clients, coaches
from tests.support.telegram_api import FakeTelegram

MakeTransport = Callable[[RateLimits], TelegramTransport]
PACED = RateLimits(per_chat_interval_s=0.2, global_per_second=1000.0)
# Server-side spacing may be a little under the interval (request latency varies): half is safe.
MIN_GAP = 0.1


def new_sender(db: Database, transport: TelegramTransport, **kwargs: object) -> OutboundSender:
    sender = OutboundSender(db, poll_interval=0.05, backoff_base=0.05, **kwargs)  # type: ignore[arg-type]
    sender.register(transport)
    return sender


async def queue_texts(sender: OutboundSender, chats: list[int], count: int) -> None:
    for n in range(count):
        for chat in chats:
            await sender.enqueue("telegram", str(chat), OutgoingMessage(f"{chat}-{n}"))


def delivered(fake: FakeTelegram, chat: int) -> list[str]:
    return [str(c.params["text"]) for c in fake.sent(chat)]


async def rows(db: Database) -> list[OutboundMessage]:
    async with db.unit_of_work() as session:
        return list((await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all())


async def test_429_pauses_only_that_chat(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    sender = new_sender(db, make_transport(PACED))
    fake_telegram.fail(429, chat_id=1, retry_after=2)
    await queue_texts(sender, [1, 2, 3], 4)
    await sender.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent()) == 12)
    finally:
        await sender.stop()

    for chat in (1, 2, 3):
        assert delivered(fake_telegram, chat) == [f"{chat}-{n}" for n in range(4)]
    limited = next(c for c in fake_telegram.calls if c.status == 429)
    resumed = fake_telegram.sent(1)[0]
    assert resumed.at - limited.at >= 1.9  # waited retry_after (2 s), measured by the server
    # The other chats kept their pace meanwhile: all of theirs went out before chat 1 resumed.
    assert max(c.at for c in fake_telegram.sent(2) + fake_telegram.sent(3)) < resumed.at
    for chat in (1, 2, 3):
        times = [c.at for c in fake_telegram.sent(chat)]
        assert all(b - a >= MIN_GAP for a, b in itertools.pairwise(times))
    assert {r.status for r in await rows(db)} == {DeliveryStatus.SENT}


async def test_server_errors_are_retried_then_kept_as_failed(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    sender = new_sender(db, make_transport(PACED), max_attempts=3)
    fake_telegram.fail(500, chat_id=7, times=2)
    fake_telegram.fail(502, chat_id=8, times=10)
    await sender.enqueue("telegram", "7", OutgoingMessage("recovers"))
    await sender.enqueue("telegram", "8", OutgoingMessage("never"))
    await sender.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent(7)) == 1)
        await fake_telegram.wait_for(lambda: len([c for c in fake_telegram.calls if c.chat_id == "8"]) == 3)

        async def settled() -> bool:
            return {r.chat_id: r.status for r in await rows(db)}.get("8") == DeliveryStatus.FAILED

        for _ in range(100):
            if await settled():
                break
            await asyncio.sleep(0.05)
    finally:
        await sender.stop()
    by_chat = {r.chat_id: r for r in await rows(db)}
    assert by_chat["7"].status == DeliveryStatus.SENT and by_chat["7"].attempts == 3
    assert by_chat["8"].status == DeliveryStatus.FAILED and by_chat["8"].attempts == 3
    assert "unavailable" in (by_chat["8"].last_error or "")
    assert delivered(fake_telegram, 7) == ["recovers"]


async def test_blocked_bot_marks_the_identity_unreachable(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ada", email="ada@example.com", slack_user_id="UADA")
        await clients.register_client(
            session,
            platform="telegram",
            external_user_id="55",
            chat_id="55",
            display_name="Sam",
            coach_id=coach.id,
        )
    sender = new_sender(db, make_transport(PACED))
    fake_telegram.fail(403, chat_id=55)
    await sender.enqueue("telegram", "55", OutgoingMessage("hello"))
    assert await sender.drain_once() == 1
    row, notice = await rows(db)
    assert row.status == DeliveryStatus.FAILED and "403" in (row.last_error or "")
    async with db.unit_of_work() as session:
        identity = await session.scalar(select(ChannelIdentity))
        assert identity is not None and identity.unreachable
    # The coach hears of it in Slack (queued for the Slack transport).
    assert (notice.platform, notice.chat_id, notice.payload["kind"]) == ("slack", "UADA", "delivery_failed")
    assert await sender.drain_once() == 0  # and nothing is retried


async def test_restart_with_messages_queued_delivers_each_once(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    first = new_sender(db, make_transport(PACED))
    await queue_texts(first, [11, 12], 5)
    # A worker claims rows and dies before sending them (no clean stop).
    crashed = await queue.claim_due(db, ["telegram"], limit=10, now=utcnow())
    assert [c.chat_id for c in crashed] == ["11", "12"]

    # After a restart, a new process (its clock past the dead worker's lease) delivers everything once.
    later = utcnow() + queue.CLAIM_LEASE + timedelta(seconds=1)
    offset = later - utcnow()
    second = new_sender(db, make_transport(PACED), clock=lambda: utcnow() + offset)
    await second.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent()) == 10)
    finally:
        await second.stop()
    for chat in (11, 12):
        assert delivered(fake_telegram, chat) == [f"{chat}-{n}" for n in range(5)]
    assert {r.status for r in await rows(db)} == {DeliveryStatus.SENT}


async def test_two_workers_share_the_queue_without_duplicates(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    fast = RateLimits(per_chat_interval_s=0.01, global_per_second=1000.0)
    a, b = new_sender(db, make_transport(fast)), new_sender(Database(db.url), make_transport(fast))
    chats = list(range(100, 110))
    await queue_texts(a, chats, 6)
    await a.start()
    await b.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent()) == 60)
        await asyncio.sleep(0.3)  # any duplicate would show up now
    finally:
        await a.stop()
        await b.stop()
        await b.db.dispose()
    assert len(fake_telegram.sent()) == 60
    for chat in chats:
        assert delivered(fake_telegram, chat) == [f"{chat}-{n}" for n in range(6)]


async def test_enqueue_with_a_dedupe_key_queues_once(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    sender = new_sender(db, make_transport(PACED))
    assert await sender.enqueue("telegram", "5", OutgoingMessage("once"), dedupe_key="reminder:1") is not None
    assert await sender.enqueue("telegram", "5", OutgoingMessage("once"), dedupe_key="reminder:1") is None
    assert await sender.drain_once() == 1
    assert delivered(fake_telegram, 5) == ["once"]


async def test_direct_replies_respect_the_chat_pace_and_fall_back_to_the_queue(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    sender = new_sender(db, make_transport(PACED))
    await sender.send_direct(
        "telegram", "21", [OutgoingMessage("a"), OutgoingMessage("b"), OutgoingMessage("c")]
    )
    times = [c.at for c in fake_telegram.sent(21)]
    assert delivered(fake_telegram, 21) == ["a", "b", "c"]
    assert all(b - a >= MIN_GAP for a, b in itertools.pairwise(times))

    # A 429 on a direct reply: that reply and the rest wait in the queue, then go out in order.
    fake_telegram.fail(429, chat_id=22, retry_after=1)
    await sender.send_direct("telegram", "22", [OutgoingMessage("x"), OutgoingMessage("y")], dedupe_key="u:1")
    assert [r.status for r in await rows(db)] == [DeliveryStatus.QUEUED, DeliveryStatus.QUEUED]
    await sender.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent(22)) == 2)
    finally:
        await sender.stop()
    assert delivered(fake_telegram, 22) == ["x", "y"]

    # A blocked user: the replies are kept as failed, visible, not dropped.
    fake_telegram.fail(403, chat_id=23)
    await sender.send_direct("telegram", "23", [OutgoingMessage("p"), OutgoingMessage("q")])
    failed = [r for r in await rows(db) if r.chat_id == "23"]
    assert [(r.status, r.payload["text"]) for r in failed] == [
        (DeliveryStatus.FAILED, "p"),
        (DeliveryStatus.FAILED, "q"),
    ]


async def test_two_workers_with_redis_keep_one_chat_pace(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport
) -> None:
    import uuid

    from bot.outbound.redis_limiter import RedisRateLimiter

    namespace = f"coach-test-{uuid.uuid4().hex[:8]}"
    one_per_second = RateLimits(per_chat_interval_s=1.0, global_per_second=30.0)
    a = new_sender(
        db,
        make_transport(one_per_second),
        limiter=RedisRateLimiter("redis://127.0.0.1:6379", namespace=namespace),
    )
    second_db = Database(db.url)
    b = new_sender(
        second_db,
        make_transport(one_per_second),
        limiter=RedisRateLimiter("redis://127.0.0.1:6379", namespace=namespace),
    )
    await queue_texts(a, [31], 3)
    # Worker a sends the first; b must then respect the chat slot a took, through Redis.
    assert await a.drain_once() == 1
    await b.start()
    try:
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent(31)) == 3)
    finally:
        await b.stop()
        await a.stop()
        await second_db.dispose()
    times = [c.at for c in fake_telegram.sent(31)]
    assert delivered(fake_telegram, 31) == ["31-0", "31-1", "31-2"]
    assert all(later - earlier >= 0.8 for earlier, later in itertools.pairwise(times))


async def test_a_send_whose_record_failed_is_not_sent_again_by_the_same_worker(
    db: Database, fake_telegram: FakeTelegram, make_transport: MakeTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database went away between Telegram accepting a message and the row being marked sent:
    the worker keeps the outcome in memory and records it when it can, instead of re-sending."""
    later = [utcnow()]
    sender = new_sender(db, make_transport(PACED), clock=lambda: later[0])
    await queue_texts(sender, [7], 1)
    later[0] = utcnow()
    real_mark_sent = queue.mark_sent
    failures = [1]

    async def flaky_mark_sent(*args: object) -> None:
        if failures[0]:
            failures[0] -= 1
            raise ConnectionRefusedError("database down")
        await real_mark_sent(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(queue, "mark_sent", flaky_mark_sent)
    assert await sender.drain_once() == 1
    assert delivered(fake_telegram, 7) == ["7-0"]
    assert (await rows(db))[0].status == DeliveryStatus.SENDING  # not recorded yet
    later[0] += queue.CLAIM_LEASE + timedelta(seconds=1)  # its lease runs out; claimed again
    assert await sender.drain_once() == 1
    assert delivered(fake_telegram, 7) == ["7-0"]  # not sent twice
    assert [r.status for r in await rows(db)] == [DeliveryStatus.SENT]
    await sender.stop()
