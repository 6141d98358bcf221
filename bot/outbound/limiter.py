"""Sending slots: per-chat pacing, a global rate and a per-minute cap for group chats.

``reserve`` either takes a slot now (returns 0) or says how long to wait, taking nothing, so a sender
never blocks other chats while one chat waits. A 429 pauses one chat only (``pause``).
The in-memory limiter serves one process; several workers share one schedule through Redis
(:mod:`bot.outbound.redis_limiter`) or PostgreSQL (:mod:`bot.outbound.postgres_limiter`).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable

from bot.outbound.transport import RateLimits

# A group's per-minute window, as Telegram states its group limit ("20 messages per minute").
GROUP_WINDOW_S = 60.0
# The global limit's window, as the platforms state it ("30 messages per second"): no window of this
# length ever holds more sends than the limit.
GLOBAL_WINDOW_S = 1.0
# A slot is taken before the request travels, and requests granted one window apart can arrive
# closer together (event loop and network delays vary): slots are spaced as if the window were this
# much longer.
ARRIVAL_JITTER_S = 0.03
# One chat's slots get a wider margin than the global grid's: it costs no throughput (a chat's pace
# is far below the platform's), and one slow request then never lands within a second of the next.
CHAT_ARRIVAL_JITTER_S = 0.1
# A sender that wakes this late (as a share of the slot interval) still gets the slot it waited for,
# so scheduling lag does not push every later slot back; two messages are never closer than
# (1 - this) intervals. Later than that, nothing is kept: an idle limiter banks no credit.
LATE_WAKER_TOLERANCE = 0.5
# Sends exactly one window apart are allowed; float rounding must not turn that into a refusal.
CLOCK_EPSILON_S = 1e-6


def chat_spacing(limits: RateLimits) -> float:
    """How far apart one chat's slots are: the platform's interval plus a margin, so that their
    arrivals stay an interval apart too."""
    return limits.per_chat_interval_s + CHAT_ARRIVAL_JITTER_S if limits.per_chat_interval_s > 0 else 0.0


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
    """One process: exact float intervals on an injectable monotonic clock.

    Global slots follow a fixed grid (each one interval after the previous slot, not after the moment
    a sender woke up), and the last window's sends are counted so that keeping a late sender's slot
    never puts more than the platform's number of messages into one window.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._chat_next: dict[tuple[str, str], float] = {}
        self._paused_until: dict[tuple[str, str], float] = {}
        self._global_next: dict[str, float] = {}
        self._global_sent: dict[str, deque[float]] = {}
        self._global_awaited: dict[str, float] = {}
        self._group_sent: dict[tuple[str, str], deque[float]] = {}
        self._reservations = 0

    async def reserve(self, platform: str, chat_id: str, limits: RateLimits, *, group: bool = False) -> float:
        now = self._clock()
        key = (platform, chat_id)
        interval = (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / limits.global_per_second
        # The slot this sender waited for, if it is only a little late.
        slot = self._global_next.get(platform, now)
        if now - slot > interval * LATE_WAKER_TOLERANCE:
            if self._global_awaited.pop(platform, None) == slot:
                # A sender waited and the event loop stalled past its slot: the message granted
                # before the stall may only be leaving now, so keep the shortest gap after it (once,
                # so a loop that is always late still sends).
                gap = interval * (1 - LATE_WAKER_TOLERANCE)
                self._global_next[platform] = now + gap
                return gap
            slot = now  # idle: no credit
        sent = self._global_sent.setdefault(platform, deque())
        waits = [
            self._paused_until.get(key, 0.0) - now,
            self._chat_next.get(key, 0.0) - now,
            slot - now,
            # Binds only where the tolerated lateness exceeds the jitter margin (low rates).
            _window_wait(sent, now, GLOBAL_WINDOW_S, limits.global_per_second),
        ]
        recent: deque[float] | None = None
        if group and limits.group_per_minute:
            recent = self._group_sent.setdefault(key, deque())
            waits.append(_window_wait(recent, now, GROUP_WINDOW_S, limits.group_per_minute))
        wait = max(waits)
        if wait > 0:
            if slot > now:
                self._global_awaited[platform] = slot
            return wait
        self._chat_next[key] = now + chat_spacing(limits)
        self._global_next[platform] = slot + interval
        sent.append(now)
        if recent is not None:
            recent.append(now)
        self._reservations += 1
        if self._reservations % 1024 == 0:
            self._forget_idle(now)
        return 0.0

    async def pause(self, platform: str, chat_id: str, seconds: float) -> None:
        key = (platform, chat_id)
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), self._clock() + seconds)

    def _forget_idle(self, now: float) -> None:
        """Keep memory bounded: chats whose slots are all in the past need no entry."""
        for table in (self._chat_next, self._paused_until):
            for key in [k for k, at in table.items() if at < now]:
                del table[key]
        for key in [k for k, sent in self._group_sent.items() if not sent or sent[-1] < now - GROUP_WINDOW_S]:
            del self._group_sent[key]


def _window_wait(sent: deque[float], now: float, window: float, cap: float) -> float:
    """Drop sends older than ``window``; if ``cap`` remain, the seconds until the oldest leaves it."""
    while sent and sent[0] <= now - window + CLOCK_EPSILON_S:
        sent.popleft()
    return sent[0] + window - now if len(sent) >= cap else 0.0
