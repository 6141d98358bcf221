"""Sending slots shared by workers through PostgreSQL (no Redis): on PostgreSQL only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from itertools import pairwise

import pytest

from bot.outbound.limiter import ARRIVAL_JITTER_S, CHAT_ARRIVAL_JITTER_S, GLOBAL_WINDOW_S
from bot.outbound.postgres_limiter import BUDGET_RETRY_S, PostgresRateLimiter
from bot.outbound.transport import RateLimits
from bot.telegram.limits import TELEGRAM_LIMITS
from domain.db import Database
from tests.support.arrivals import most_in_window
from tests.support.databases import postgres_requested

pytestmark = [
    pytest.mark.heavy,  # measures time as it passes: `make unit` runs it alone
    pytest.mark.skipif(
        not postgres_requested(), reason="the shared sending budget is kept in PostgreSQL only"
    ),
]


@pytest.fixture
async def workers(db: Database) -> AsyncIterator[list[PostgresRateLimiter]]:
    """Four workers, each with its own connection pool to one database."""
    databases = [Database(db.url) for _ in range(4)]
    yield [PostgresRateLimiter(database) for database in databases]
    for database in databases:
        await database.dispose()


async def test_workers_share_chat_slots_and_pauses(workers: list[PostgresRateLimiter]) -> None:
    a, b = workers[:2]
    await a.acquire("telegram", "1", TELEGRAM_LIMITS)
    # The other worker finds the chat's slot taken in the database.
    # (about a second, less the time this busy process took to ask)
    assert 0.5 < await b.reserve("telegram", "1", TELEGRAM_LIMITS) <= 1.0 + CHAT_ARRIVAL_JITTER_S
    # Global slots lie on one grid: after a's send, b's first slot for another chat is one interval on.
    two_a_second = RateLimits(per_chat_interval_s=1.0, global_per_second=2)
    interval = (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / 2
    await a.acquire("slack", "1", two_a_second)
    granted_to_a = time.monotonic()
    await b.acquire("slack", "2", two_a_second)
    assert time.monotonic() - granted_to_a >= interval - 0.05

    await a.pause("telegram", "3", 5)
    await a.pause("telegram", "3", 1)  # a shorter pause does not cut the longer one
    assert 4 < await b.reserve("telegram", "3", TELEGRAM_LIMITS) <= 5


async def test_group_chats_are_spaced_to_twenty_a_minute(workers: list[PostgresRateLimiter]) -> None:
    a, b = workers[:2]
    fast_group = RateLimits(per_chat_interval_s=0.0, global_per_second=1000, group_per_minute=20)
    await a.acquire("telegram", "-100", fast_group, group=True)
    assert 2.9 < await b.reserve("telegram", "-100", fast_group, group=True) <= 3.0
    # A private chat with the same limits is not held to the group's pace.
    await b.acquire("telegram", "5", fast_group)
    await a.acquire("telegram", "5", fast_group)


async def test_four_workers_never_exceed_the_global_or_chat_rate(workers: list[PostgresRateLimiter]) -> None:
    """Sixty chats, each sending as fast as allowed through one of four workers, for three seconds:
    more demand than the 30 per second allowed, so the shared budget decides every send."""
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
    # A grant seen here trails the database's decision by the statement's way back (well under the
    # jitter margin), which can shorten the next gap by as much.
    assert min(gaps) >= TELEGRAM_LIMITS.per_chat_interval_s - ARRIVAL_JITTER_S
    assert len(everything) >= 2 * TELEGRAM_LIMITS.global_per_second  # the budget did hand out slots


async def test_an_unreachable_database_means_ask_again_later() -> None:
    unreachable = Database("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    try:
        limiter = PostgresRateLimiter(unreachable)
        assert await limiter.reserve("telegram", "1", TELEGRAM_LIMITS) == BUDGET_RETRY_S
    finally:
        await unreachable.dispose()
