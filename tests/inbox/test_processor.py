"""The inbox processor: order per lane, retries with backoff, a bounded graceful stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.inbox import processor as processor_module
from bot.inbox.processor import InboxProcessor
from conversations.ports import ConversationsUnavailable
from domain.clock import utcnow
from domain.db import Database
from domain.models import InboxUpdate
from domain.models.enums import InboxStatus
from domain.services import inbox
from domain.services.inbox import InboundUpdate, LeasedUpdate


async def _store(db: Database, *lanes_and_numbers: tuple[str, int]) -> None:
    async with db.unit_of_work() as session:
        await inbox.store_updates(
            session,
            [InboundUpdate(f"test:{lane}:{n}", "test", lane, {"n": n}) for lane, n in lanes_and_numbers],
            utcnow(),
        )


async def _statuses(db: Database) -> dict[str, str]:
    async with db.unit_of_work() as session:
        rows = (await session.scalars(select(InboxUpdate))).all()
    return {r.key.removeprefix("test:"): r.status for r in rows}


async def _until(condition: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not reached in time")


async def test_each_lane_runs_in_order_and_lanes_run_side_by_side(db: Database) -> None:
    seen: list[tuple[str, int]] = []
    running: set[str] = set()
    overlap = []

    async def handle(update: LeasedUpdate) -> None:
        assert update.lane not in running, "two updates of one lane at once"
        running.add(update.lane)
        overlap.append(len(running))
        await asyncio.sleep(0.01)
        seen.append((update.lane, int(update.payload["n"])))
        running.discard(update.lane)

    processor = InboxProcessor(db, poll_interval=0.02)
    processor.register("test", handle)
    await _store(
        db,
        *[(lane, n) for n in range(5) for lane in ("a", "b", "c")][:],
    )
    await processor.start()

    async def all_handled() -> bool:
        return set((await _statuses(db)).values()) == {InboxStatus.HANDLED}

    await _until(all_handled)
    await processor.stop(1.0)
    for lane in ("a", "b", "c"):
        assert [n for seen_lane, n in seen if seen_lane == lane] == [0, 1, 2, 3, 4]
    assert max(overlap) > 1  # different conversations do not wait for each other


async def test_a_failing_update_is_retried_and_an_outage_does_not_use_up_tries(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processor_module, "RETRY_BASE_S", 0.01)
    calls: dict[int, int] = {}

    async def handle(update: LeasedUpdate) -> None:
        n = int(update.payload["n"])
        calls[n] = calls.get(n, 0) + 1
        if n == 1 and calls[n] < 3:
            raise ConversationsUnavailable("database down")
        if n == 2:
            raise ValueError("a bug")

    processor = InboxProcessor(db, poll_interval=0.02, max_attempts=3)
    processor.register("test", handle)
    await _store(db, ("a", 1), ("b", 2), ("b", 3))
    await processor.start()

    async def settled() -> bool:
        return (await _statuses(db)) == {"a:1": "handled", "b:2": "failed", "b:3": "handled"}

    await _until(settled)
    await processor.stop(1.0)
    assert calls == {1: 3, 2: 3, 3: 1}


async def test_stopping_waits_for_work_in_flight_then_hands_back_what_is_left(db: Database) -> None:
    release_first = asyncio.Event()
    started = asyncio.Event()

    async def handle(update: LeasedUpdate) -> None:
        started.set()
        if int(update.payload["n"]) == 1:
            await release_first.wait()
        else:
            await asyncio.sleep(3600)

    processor = InboxProcessor(db, poll_interval=0.02)
    processor.register("test", handle)
    await _store(db, ("a", 1), ("b", 2))
    await processor.start()
    await asyncio.wait_for(started.wait(), 5)
    asyncio.get_running_loop().call_later(0.1, release_first.set)
    before = datetime.now(UTC)
    await processor.stop(0.5)
    assert (await _statuses(db)) == {"a:1": "handled", "b:2": "pending"}
    async with db.unit_of_work() as session:
        left = await session.scalar(select(InboxUpdate).where(InboxUpdate.key == "test:b:2"))
    assert left is not None and left.attempts == 0  # handed back: the next worker takes it now
    assert left.next_attempt_at <= datetime.now(UTC) and left.next_attempt_at >= before
