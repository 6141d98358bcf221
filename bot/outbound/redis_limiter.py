"""Sending slots shared by every worker through Redis: one Lua script decides each slot atomically.

The script applies the in-memory limiter's rules (:class:`bot.outbound.limiter.MemoryRateLimiter`)
to state kept in Redis, on Redis's own clock, so workers on several hosts share one schedule:

- a per-platform *next global slot* on a fixed grid of ``(1 s + jitter margin) / limit`` (GCRA with
  no burst: an idle platform banks no credit), kept for a sender that wakes a little late;
- the sends of the last second, so keeping a late sender's slot never puts more than the limit into
  one window;
- a per-chat *next slot* and a per-chat pause (a 429's ``retry_after``);
- for group chats, the sends of the last minute (Telegram's 20 per minute).

Times are whole microseconds (exact in Lua's doubles); keys expire once they no longer matter, and
every key of one platform shares a hash tag so the script also runs on a Redis Cluster.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bot.outbound.limiter import (
    ARRIVAL_JITTER_S,
    CLOCK_EPSILON_S,
    GLOBAL_WINDOW_S,
    GROUP_WINDOW_S,
    LATE_WAKER_TOLERANCE,
    RateLimiter,
    chat_spacing,
)
from bot.outbound.transport import RateLimits

MICROS = 1_000_000
# Keys outlive the state they hold by this much, so an expiring key never drops a live value.
KEY_MARGIN_MS = 1000

# Redis's clock, unless the caller passes the time (tests drive the script with a manual clock).
_NOW = """
local now
if ARGV[#ARGV] ~= '' then
  now = tonumber(ARGV[#ARGV])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
"""

_RESERVE = (
    _NOW
    + """
local interval = tonumber(ARGV[1])
local per_chat = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local late = tonumber(ARGV[5])
local gap = tonumber(ARGV[6])
local group_cap = tonumber(ARGV[7])
local group_window = tonumber(ARGV[8])
local epsilon = tonumber(ARGV[9])
local keep_ms = tonumber(ARGV[10])
local function fmt(x) return string.format('%.0f', x) end

local slot = tonumber(redis.call('GET', KEYS[1])) or now
if now - slot > late then
  local awaited = tonumber(redis.call('GET', KEYS[2]))
  redis.call('DEL', KEYS[2])
  if awaited == slot then
    -- A sender waited and was held up past its slot: keep the shortest gap after the last grant.
    redis.call('SET', KEYS[1], fmt(now + gap), 'PX', keep_ms)
    return gap
  end
  slot = now
end

local function window_wait(key, span, limit)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - span + epsilon))
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return tonumber(oldest[2]) + span - now
  end
  return 0
end

local wait = slot - now
local paused = tonumber(redis.call('GET', KEYS[5]))
if paused and paused - now > wait then wait = paused - now end
local chat_next = tonumber(redis.call('GET', KEYS[4]))
if chat_next and chat_next - now > wait then wait = chat_next - now end
local w = window_wait(KEYS[3], window, cap)
if w > wait then wait = w end
if group_cap > 0 then
  w = window_wait(KEYS[6], group_window, group_cap)
  if w > wait then wait = w end
end
if wait > 0 then
  if slot > now then redis.call('SET', KEYS[2], fmt(slot), 'PX', keep_ms) end
  return math.ceil(wait)
end

local member = fmt(now) .. ':' .. fmt(slot)
redis.call('SET', KEYS[4], fmt(now + per_chat), 'PX', math.ceil(per_chat / 1000) + 1000)
redis.call('SET', KEYS[1], fmt(slot + interval), 'PX', keep_ms)
redis.call('ZADD', KEYS[3], fmt(now), member)
redis.call('PEXPIRE', KEYS[3], math.ceil(window / 1000) + 1000)
if group_cap > 0 then
  redis.call('ZADD', KEYS[6], fmt(now), member)
  redis.call('PEXPIRE', KEYS[6], math.ceil(group_window / 1000) + 1000)
end
return 0
"""
)

_PAUSE = (
    _NOW
    + """
local until_at = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < until_at then
  redis.call('SET', KEYS[1], string.format('%.0f', until_at), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
end
return 0
"""
)


def _micros(seconds: float) -> int:
    return math.ceil(seconds * MICROS)


class RedisRateLimiter(RateLimiter):
    """Shared by every worker (``COACH_REDIS_URL``): the same slots as the in-memory limiter, decided
    in Redis by one script per reservation."""

    def __init__(
        self, redis_url: str, *, namespace: str = "coach", clock: Callable[[], float] | None = None
    ) -> None:
        """``clock`` (seconds) replaces Redis's clock: for tests only, as workers must share one clock."""
        import redis.asyncio as aioredis

        self._namespace = namespace
        self._clock = clock
        self._redis = aioredis.Redis.from_url(redis_url)
        self._reserve: Any = self._redis.register_script(_RESERVE)
        self._pause: Any = self._redis.register_script(_PAUSE)

    def _key(self, platform: str, *parts: str) -> str:
        # The hash tag keeps one platform's keys in one cluster slot, as a script needs.
        return ":".join((self._namespace, f"{{{platform}}}", *parts))

    async def reserve(self, platform: str, chat_id: str, limits: RateLimits, *, group: bool = False) -> float:
        interval = (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / limits.global_per_second
        group_cap = limits.group_per_minute if group and limits.group_per_minute else 0
        keys = [
            self._key(platform, "global", "next"),
            self._key(platform, "global", "awaited"),
            self._key(platform, "global", "sent"),
            self._key(platform, "chat", chat_id, "next"),
            self._key(platform, "chat", chat_id, "paused"),
            self._key(platform, "group", chat_id, "sent"),
        ]
        args = [
            _micros(interval),
            _micros(chat_spacing(limits)),
            limits.global_per_second,
            _micros(GLOBAL_WINDOW_S),
            int(interval * LATE_WAKER_TOLERANCE * MICROS),
            int(interval * (1 - LATE_WAKER_TOLERANCE) * MICROS),
            group_cap,
            _micros(GROUP_WINDOW_S),
            _micros(CLOCK_EPSILON_S),
            max(_micros(GROUP_WINDOW_S) // 1000, _micros(interval) // 1000) + KEY_MARGIN_MS,
            self._now(),
        ]
        wait_us = int(await self._reserve(keys=keys, args=args))
        return wait_us / MICROS

    async def pause(self, platform: str, chat_id: str, seconds: float) -> None:
        key = self._key(platform, "chat", chat_id, "paused")
        await self._pause(keys=[key], args=[max(1, _micros(seconds)), self._now()])

    def _now(self) -> str:
        return "" if self._clock is None else str(round(self._clock() * MICROS))

    async def close(self) -> None:
        await self._redis.aclose(close_connection_pool=True)
