"""Sending slots shared by workers through Redis (127.0.0.1:6379), on Redis's own clock."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from itertools import pairwise

import pytest
import redis.asyncio as aioredis

from bot.outbound.limiter import ARRIVAL_JITTER_S, CHAT_ARRIVAL_JITTER_S, GLOBAL_WINDOW_S
from bot.outbound.redis_limiter import RedisRateLimiter
from bot.outbound.transport import RateLimits
from bot.telegram.limits import TELEGRAM_LIMITS
from tests.support.arrivals import most_in_window

# Measures time as it passes: `make unit` runs it alone, after the parallel part.
pytestmark = pytest.mark.heavy

REDIS_URL = "redis://127.0.0.1:6379"
TELEGRAM_INTERVAL_S = (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / TELEGRAM_LIMITS.global_per_second


@pytest.fixture
def namespace() -> str:
    return f"coach-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def workers(namespace: str) -> AsyncIterator[list[RedisRateLimiter]]:
    """Four workers' limiters on one Redis."""
    limiters = [RedisRateLimiter(REDIS_URL, namespace=namespace) for _ in range(4)]
    yield limiters
    for limiter in limiters:
        await limiter.close()


async def test_workers_share_chat_slots_pauses_and_the_global_grid(workers: list[RedisRateLimiter]) -> None:
    a, b = workers[:2]
    assert await a.reserve("telegram", "1", TELEGRAM_LIMITS) == 0
    # The other worker sees the slot taken: the chat's next message waits about a second.
    assert 0.9 < await b.reserve("telegram", "1", TELEGRAM_LIMITS) <= 1.0 + CHAT_ARRIVAL_JITTER_S
    # Another chat waits for the next global slot, one interval after the first: never a burst.
    assert 0 < await b.reserve("telegram", "2", TELEGRAM_LIMITS) <= TELEGRAM_INTERVAL_S

    await a.pause("telegram", "3", 5)
    await a.pause("telegram", "3", 1)  # a shorter pause does not cut the longer one
    assert 4 < await b.reserve("telegram", "3", TELEGRAM_LIMITS) <= 5
    # Slack's slots are its own.
    slack = RateLimits(per_chat_interval_s=1.0, global_per_second=1.5)
    assert await b.reserve("slack", "1", slack) == 0


async def test_four_workers_never_exceed_the_global_or_chat_rate(workers: list[RedisRateLimiter]) -> None:
    """Sixty chats, each sending as fast as allowed through one of four workers, for three seconds:
    more demand than the 30 per second allowed, so the shared schedule decides every send."""
    granted: dict[str, list[float]] = {}
    end = time.monotonic() + 3.0

    async def chat(n: int) -> None:
        limiter = workers[n % len(workers)]
        times = granted.setdefault(str(n), [])
        while time.monotonic() < end:
            await limiter.acquire("telegram", str(n), TELEGRAM_LIMITS)
            times.append(time.monotonic())

    await asyncio.gather(*(chat(n) for n in range(60)))
    everything = [at for times in granted.values() for at in times]
    # Slots are spaced so that sends delayed by less than the jitter margin never put more than 30 in
    # a second. Here each grant is seen only once this busy event loop gets to it, as late as that
    # margin: such late views can bunch, so they are counted over a second less that margin.
    observed_window = GLOBAL_WINDOW_S - ARRIVAL_JITTER_S
    assert most_in_window(everything, observed_window) <= TELEGRAM_LIMITS.global_per_second
    gaps = [later - earlier for times in granted.values() for earlier, later in pairwise(times)]
    # Seen from this process, a grant can trail Redis's decision by scheduling delay (bounded by the
    # jitter margin), which can shorten the next gap by as much.
    assert min(gaps) >= TELEGRAM_LIMITS.per_chat_interval_s - ARRIVAL_JITTER_S
    assert len(everything) >= 2 * TELEGRAM_LIMITS.global_per_second  # the schedule did hand out slots


async def test_every_key_expires(workers: list[RedisRateLimiter], namespace: str) -> None:
    group = RateLimits(per_chat_interval_s=1.0, global_per_second=30, group_per_minute=20)
    await workers[0].reserve("telegram", "-100", group, group=True)
    await workers[0].reserve("telegram", "-100", group, group=True)  # also records the awaited slot
    await workers[1].pause("telegram", "7", 2)
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(f"{namespace}:*")]
        assert len(keys) >= 5
        for key in keys:
            assert 0 < await client.pttl(key) <= 62_000, key
    finally:
        await client.aclose()
