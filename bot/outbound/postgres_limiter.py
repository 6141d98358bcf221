"""Sending slots shared by workers through PostgreSQL, for deployments without Redis.

Each worker *claims* global slots from the platform's row (:mod:`domain.services.send_budget`), one
at a time and only when one of its senders has a chat ready, and hands each claimed slot to the first
of its senders whose chat slot it can take in the database. Slots lie on one grid of
``(1 s + jitter margin) / limit`` for all workers, so the workers together never burst.

A claimed slot is used on time or not at all: one left unused for longer than :data:`SLOT_LATENESS_S`
(a sender woke late, or no chat was ready after all) is dropped. That bound is under the jitter
margin, so no one-second window ever holds more sends than the limit. Group chats are spaced evenly
(Telegram's 20 per minute is one message every 3 s), a stricter rule than the moving window.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from bot.outbound.limiter import (
    ARRIVAL_JITTER_S,
    GLOBAL_WINDOW_S,
    GROUP_WINDOW_S,
    RateLimiter,
    chat_spacing,
)
from bot.outbound.transport import RateLimits
from domain.db import Database
from domain.services import send_budget

log = logging.getLogger(__name__)

# A claimed global slot still serves a sender this late (under the jitter margin, so a one-second
# window never holds more than the limit, and under the slot interval); later than that it is dropped.
SLOT_LATENESS_SHARE = 0.9
SLOT_LATENESS_S = ARRIVAL_JITTER_S * 0.9
# While the database is unreachable a sender asks again after this long.
BUDGET_RETRY_S = 1.0
# A worker takes a chat's slot this long before the global slot it will use, so the statement's round
# trip does not delay the send.
PREPARE_AHEAD_S = 0.2
# A claimed slot is at least this far ahead, so even on an idle platform the chat's slot is taken
# before the global slot's instant.
CLAIM_AHEAD_S = 0.15
# The database's clock is mapped onto this process's through a round trip at most this old (monotonic
# clocks drift apart slowly; a quicker trip replaces it sooner).
CLOCK_SAMPLE_MAX_AGE_S = 30.0
# Idle chat rows are deleted every this many reservations.
FORGET_EVERY = 4096


@dataclass(frozen=True, slots=True)
class _HeldSlot:
    local_at: float
    """On this worker's monotonic clock."""
    db_at: datetime
    """On the database's clock."""


class DatabaseClock:
    """The database's clock on this process's monotonic clock, from the quickest recent round trip.

    Workers must agree on when a slot is: a slot's instant is mapped through the round trip that
    brought it back with the least delay (its error is at most half that trip), not through the
    moment its own answer happened to arrive.
    """

    def __init__(self) -> None:
        self._trip = math.inf
        self._local_mid = 0.0
        self._database: datetime | None = None

    def sample(self, sent_at: float, received_at: float, database_now: datetime) -> None:
        trip = received_at - sent_at
        if trip <= self._trip or received_at - self._local_mid > CLOCK_SAMPLE_MAX_AGE_S:
            self._trip, self._local_mid, self._database = trip, (sent_at + received_at) / 2, database_now

    def local(self, at: datetime) -> float:
        assert self._database is not None, "sample() comes first"
        return self._local_mid + (at - self._database).total_seconds()


class PostgresRateLimiter(RateLimiter):
    """Shared through the database (``COACH_RATE_LIMITER=postgres``, the default on PostgreSQL
    without ``COACH_REDIS_URL``): two short statements per message sent."""

    def __init__(
        self, db: Database, *, clock: Callable[[], float] = time.monotonic, owns_database: bool = False
    ) -> None:
        """``owns_database``: ``db`` is this limiter's own, disposed of by :meth:`close`."""
        self._db = db
        self._owns_database = owns_database
        self._clock = clock
        self._held: dict[str, deque[_HeldSlot]] = {}
        self._claiming: dict[str, asyncio.Lock] = {}
        # When each chat was last known to be busy: no slot is spent asking for it before then.
        self._chat_free_at: dict[tuple[str, str], float] = {}
        # Senders that hold their chat's slot and a global slot at this (local) instant.
        self._granted: dict[tuple[str, str], float] = {}
        self._reservations = 0
        self._unavailable = False
        self._database_clock = DatabaseClock()

    async def reserve(self, platform: str, chat_id: str, limits: RateLimits, *, group: bool = False) -> float:
        try:
            wait = await self._reserve(platform, chat_id, limits, group)
            if wait == 0 and self._reservations % FORGET_EVERY == 0:
                await self._forget_idle()
        except (DBAPIError, OSError):
            # The database is unreachable: nothing can be sent and recorded anyway; ask again later.
            if not self._unavailable:
                log.warning("the sending budget in the database is unavailable; waiting")
            self._unavailable = True
            return BUDGET_RETRY_S
        self._unavailable = False
        return wait

    async def _reserve(self, platform: str, chat_id: str, limits: RateLimits, group: bool) -> float:
        interval = (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / limits.global_per_second
        lateness = min(interval * SLOT_LATENESS_SHARE, SLOT_LATENESS_S)
        chat_interval = _chat_interval(limits, group)
        key = (platform, chat_id)
        now = self._clock()
        granted = self._granted.pop(key, None)
        if granted is not None:
            if granted > now:
                self._granted[key] = granted
                return granted - now
            if now - granted <= lateness:
                return self._sent(key, chat_interval)
            # The sender came back too late for its global slot; its chat slot is spent.
            return self._chat_busy(key, granted + chat_interval - now)
        held = self._held.setdefault(platform, deque())
        while held and now - held[0].local_at > lateness:
            held.popleft()
        known_busy = self._chat_free_at.get(key, 0.0) - now
        if known_busy > 0:
            return known_busy
        if not held:
            async with self._claiming.setdefault(platform, asyncio.Lock()):
                if not held:
                    async with self._db.unit_of_work() as session:
                        wait = await send_budget.chat_wait(session, platform, chat_id)
                        if wait > 0:
                            return self._chat_busy(key, wait)
                        sent_at = self._clock()
                        slot = await send_budget.claim_global_slot(
                            session, platform, interval, ahead_s=CLAIM_AHEAD_S
                        )
                        self._database_clock.sample(sent_at, self._clock(), slot.database_now)
                    held.append(_HeldSlot(self._database_clock.local(slot.at), slot.at))
        now = self._clock()
        if held[0].local_at - now > PREPARE_AHEAD_S:
            return held[0].local_at - PREPARE_AHEAD_S - now
        # Take the chat's slot for the global slot's instant, ahead of it: the statement's round trip
        # then never delays the send.
        mine = held.popleft()
        async with self._db.unit_of_work() as session:
            wait = await send_budget.take_chat_slot(session, platform, chat_id, chat_interval, at=mine.db_at)
        now = self._clock()
        if wait > 0:
            if now - mine.local_at <= lateness:
                held.appendleft(mine)  # another sender of this worker may use it
            return self._chat_busy(key, wait)
        if mine.local_at > now:
            # The sender comes back at the slot's instant (a wait is always followed by a new ask).
            self._granted[key] = mine.local_at
            return mine.local_at - now
        if now - mine.local_at <= lateness:
            return self._sent(key, chat_interval)
        return self._chat_busy(key, mine.local_at + chat_interval - now)

    def _sent(self, key: tuple[str, str], chat_interval: float) -> float:
        self._chat_busy(key, chat_interval)
        self._reservations += 1
        return 0.0

    async def pause(self, platform: str, chat_id: str, seconds: float) -> None:
        async with self._db.unit_of_work() as session:
            await send_budget.pause_chat(session, platform, chat_id, seconds)
        self._chat_busy((platform, chat_id), seconds)

    async def close(self) -> None:
        if self._owns_database:
            await self._db.dispose()

    def _chat_busy(self, key: tuple[str, str], wait: float) -> float:
        self._chat_free_at[key] = self._clock() + wait
        return wait

    async def _forget_idle(self) -> None:
        now = self._clock()
        for table in (self._chat_free_at, self._granted):
            for key in [k for k, at in table.items() if at < now - GLOBAL_WINDOW_S]:
                del table[key]
        async with self._db.unit_of_work() as session:
            await send_budget.forget_idle_slots(session)


def _chat_interval(limits: RateLimits, group: bool) -> float:
    if group and limits.group_per_minute:
        return max(chat_spacing(limits), GROUP_WINDOW_S / limits.group_per_minute)
    return chat_spacing(limits)
