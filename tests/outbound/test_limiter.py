"""Sending slots in memory and shared through Redis (127.0.0.1:6379)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from bot.outbound.limiter import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.outbound.transport import RateLimits
from bot.telegram.limits import TELEGRAM_LIMITS

REDIS_URL = "redis://127.0.0.1:6379"


async def test_memory_limiter_paces_a_chat_and_caps_a_group() -> None:
    limiter = MemoryRateLimiter()
    assert await limiter.reserve("telegram", "1", TELEGRAM_LIMITS) == 0
    wait = await limiter.reserve("telegram", "1", TELEGRAM_LIMITS)
    assert 0.9 < wait <= 1.0  # about 1 message per second per chat
    # Another chat only waits for the global spacing (30 messages per second overall).
    assert 0 <= await limiter.reserve("telegram", "2", TELEGRAM_LIMITS) <= 1 / 30

    limiter = MemoryRateLimiter()
    group = RateLimits(per_chat_interval_s=0.0, global_per_second=1e6, group_per_minute=3)
    for _ in range(3):
        assert await limiter.reserve("telegram", "-100", group, group=True) < 0.001
    assert 59 < await limiter.reserve("telegram", "-100", group, group=True) <= 60
    # Private chats are not capped per minute.
    for _ in range(5):
        assert await limiter.reserve("telegram", "9", group) < 0.001


async def test_memory_limiter_pause_affects_one_chat() -> None:
    limiter = MemoryRateLimiter()
    fast = RateLimits(per_chat_interval_s=0.0, global_per_second=1e6)
    await limiter.pause("telegram", "1", 30)
    assert 29 < await limiter.reserve("telegram", "1", fast) <= 30
    assert await limiter.reserve("telegram", "2", fast) < 0.001


@pytest.fixture
async def redis_limiters() -> AsyncIterator[tuple[RateLimiter, RateLimiter]]:
    """Two workers' limiters on one Redis, in a namespace of their own."""
    namespace = f"coach-test-{uuid.uuid4().hex[:8]}"
    a, b = RedisRateLimiter(REDIS_URL, namespace=namespace), RedisRateLimiter(REDIS_URL, namespace=namespace)
    yield a, b
    await a.close()
    await b.close()


async def test_redis_limiter_is_shared_by_workers(redis_limiters: tuple[RateLimiter, RateLimiter]) -> None:
    a, b = redis_limiters
    assert await a.reserve("telegram", "1", TELEGRAM_LIMITS) == 0
    # The other worker sees the slot taken: the chat's next message waits about a second.
    assert 0 < await b.reserve("telegram", "1", TELEGRAM_LIMITS) <= 1.0
    assert await b.reserve("telegram", "2", TELEGRAM_LIMITS) == 0

    await a.pause("telegram", "3", 5)
    assert 4 < await b.reserve("telegram", "3", TELEGRAM_LIMITS) <= 5
    assert await b.reserve("telegram", "4", TELEGRAM_LIMITS) == 0


async def test_redis_limiter_caps_the_global_rate(redis_limiters: tuple[RateLimiter, RateLimiter]) -> None:
    a, b = redis_limiters
    limits = RateLimits(per_chat_interval_s=1.0, global_per_second=4)
    granted = [await (a if n % 2 else b).reserve("telegram", str(n), limits) == 0 for n in range(6)]
    assert granted.count(True) == 4
