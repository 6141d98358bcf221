"""Sending slots: per-chat pacing, a global rate and a per-minute cap for group chats.

``reserve`` either takes a slot now (returns 0) or says how long to wait, taking nothing, so a sender
never blocks other chats while one chat waits. A 429 pauses one chat only (``pause``).
The in-memory limiter serves one process; the Redis one (``COACH_REDIS_URL``) is shared by workers.
"""

from __future__ import annotations

import asyncio
import math
import time
from abc import ABC, abstractmethod
from collections import deque

from bot.outbound.transport import RateLimits

# A group's per-minute window, as Telegram states its group limit ("20 messages per minute").
GROUP_WINDOW_S = 60.0


class RateLimiter(ABC):
    @abstractmethod
    async def reserve(self, platform: str, chat_id: str, limits: RateLimits, *, group: bool = False) -> float:
        """Take a slot and return 0, or return the seconds to wait before asking again."""

    @abstractmethod
    async def pause(self, platform: str, chat_id: str, seconds: float) -> None:
        """Hold back this chat only (the platform answered 429 with ``retry_after``)."""

    async def acquire(self, platform: str, chat_id: str, limits: RateLimits, *, group: bool = False) -> None:
        """Wait for a slot and take it."""
        while True:
            wait = await self.reserve(platform, chat_id, limits, group=group)
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections."""


class MemoryRateLimiter(RateLimiter):
    """One process: exact float intervals on the monotonic clock."""

    def __init__(self) -> None:
        self._chat_next: dict[tuple[str, str], float] = {}
        self._paused_until: dict[tuple[str, str], float] = {}
        self._global_next: dict[str, float] = {}
        self._group_sent: dict[tuple[str, str], deque[float]] = {}
        self._reservations = 0

    async def reserve(self, platform: str, chat_id: str, limits: RateLimits, *, group: bool = False) -> float:
        now = time.monotonic()
        key = (platform, chat_id)
        waits = [
            self._paused_until.get(key, 0.0) - now,
            self._chat_next.get(key, 0.0) - now,
            self._global_next.get(platform, 0.0) - now,
        ]
        recent: deque[float] | None = None
        if group and limits.group_per_minute:
            recent = self._group_sent.setdefault(key, deque())
            while recent and recent[0] <= now - GROUP_WINDOW_S:
                recent.popleft()
            if len(recent) >= limits.group_per_minute:
                waits.append(recent[0] + GROUP_WINDOW_S - now)
        wait = max(waits)
        if wait > 0:
            return wait
        self._chat_next[key] = now + limits.per_chat_interval_s
        self._global_next[platform] = now + 1.0 / limits.global_per_second
        if recent is not None:
            recent.append(now)
        self._reservations += 1
        if self._reservations % 1024 == 0:
            self._forget_idle(now)
        return 0.0

    async def pause(self, platform: str, chat_id: str, seconds: float) -> None:
        key = (platform, chat_id)
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), time.monotonic() + seconds)

    def _forget_idle(self, now: float) -> None:
        """Keep memory bounded: chats whose slots are all in the past need no entry."""
        for table in (self._chat_next, self._paused_until):
            for key in [k for k, at in table.items() if at < now]:
                del table[key]
        for key in [k for k, sent in self._group_sent.items() if not sent or sent[-1] < now - GROUP_WINDOW_S]:
            del self._group_sent[key]


class RedisRateLimiter(RateLimiter):
    """Shared by every worker through Redis, with the ``limits`` library's moving windows.

    ``limits`` counts whole seconds, so sub-second per-chat intervals become N per second.
    """

    def __init__(self, redis_url: str, *, namespace: str = "coach") -> None:
        import redis.asyncio as aioredis
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        self._namespace = namespace
        self._redis = aioredis.Redis.from_url(redis_url)
        # redis-py (installed) rather than the default coredis client, on our connection pool so
        # close() releases every connection.
        self._storage = RedisStorage(
            f"async+{redis_url}",
            implementation="redispy",
            key_prefix=namespace,
            connection_pool=self._redis.connection_pool,  # type: ignore[arg-type]  # passed to redis-py
        )
        self._windows = MovingWindowRateLimiter(self._storage)

    def _items(self, limits: RateLimits, group: bool) -> list[tuple[object, str]]:
        from limits import RateLimitItemPerMinute, RateLimitItemPerSecond

        interval = limits.per_chat_interval_s
        if interval >= 1:
            per_chat = RateLimitItemPerSecond(1, math.ceil(interval), namespace=self._namespace)
        else:
            per_chat = RateLimitItemPerSecond(max(1, round(1 / interval)), 1, namespace=self._namespace)
        items: list[tuple[object, str]] = [
            (per_chat, "chat"),
            (
                RateLimitItemPerSecond(max(1, int(limits.global_per_second)), 1, namespace=self._namespace),
                "global",
            ),
        ]
        if group and limits.group_per_minute:
            items.append(
                (RateLimitItemPerMinute(int(limits.group_per_minute), 1, namespace=self._namespace), "group")
            )
        return items

    def _pause_key(self, platform: str, chat_id: str) -> str:
        return f"{self._namespace}:pause:{platform}:{chat_id}"

    async def reserve(self, platform: str, chat_id: str, limits: RateLimits, *, group: bool = False) -> float:
        paused_ms = await self._redis.pttl(self._pause_key(platform, chat_id))
        if paused_ms and paused_ms > 0:
            return float(paused_ms) / 1000
        items = self._items(limits, group)
        ids = {
            "chat": (platform, "chat", chat_id),
            "global": (platform, "global"),
            "group": (platform, "group", chat_id),
        }
        wait = 0.0
        for item, scope in items:
            if not await self._windows.test(item, *ids[scope]):  # type: ignore[arg-type]
                stats = await self._windows.get_window_stats(item, *ids[scope])  # type: ignore[arg-type]
                wait = max(wait, stats.reset_time - time.time(), 0.01)
        if wait > 0:
            return wait
        for item, scope in items:
            if not await self._windows.hit(item, *ids[scope]):  # type: ignore[arg-type]
                # Another worker took the last slot between test and hit: ask again shortly.
                return 0.05
        return 0.0

    async def pause(self, platform: str, chat_id: str, seconds: float) -> None:
        key = self._pause_key(platform, chat_id)
        ms = max(1, int(seconds * 1000))
        current = await self._redis.pttl(key)
        if current is None or current < ms:
            await self._redis.set(key, b"1", px=ms)

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)


def build_limiter(redis_url: str | None) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
