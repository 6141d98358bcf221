"""Sending slots: the same rules in memory and in Redis's script (127.0.0.1:6379, driven by the test's
clock); what only the shared limiters do is tested in test_redis_limiter.py and test_postgres_limiter.py."""

from __future__ import annotations

import heapq
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import pytest

from bot.outbound.limiter import (
    ARRIVAL_JITTER_S,
    CHAT_ARRIVAL_JITTER_S,
    GLOBAL_WINDOW_S,
    GROUP_WINDOW_S,
    LATE_WAKER_TOLERANCE,
    MemoryRateLimiter,
    RateLimiter,
)
from bot.outbound.redis_limiter import RedisRateLimiter
from bot.outbound.transport import RateLimits
from bot.telegram.limits import TELEGRAM_LIMITS
from tests.support.arrivals import most_in_window

# Measures time as it passes: `make unit` runs it alone, after the parallel part.
pytestmark = pytest.mark.heavy

REDIS_URL = "redis://127.0.0.1:6379"
# The in-memory limiter's global slot spacing at 50 messages per second.
FIFTY = RateLimits(per_chat_interval_s=1.0, global_per_second=50)
FIFTY_INTERVAL_S = (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / 50


# Redis keeps whole microseconds.
MICROSECOND = 2e-6


class ManualClock:
    """A monotonic clock the test moves forward, standing in for the event loop's sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


MakeLimiter = Callable[[ManualClock | None], RateLimiter]


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(request: pytest.FixtureRequest) -> AsyncIterator[MakeLimiter]:
    """New limiters on the test's clock: in this process, or in Redis (each under a namespace of its own)."""
    made: list[RateLimiter] = []

    def make(clock: ManualClock | None) -> RateLimiter:
        """On ``clock``, or on the real clock (the process's, or Redis's) when it is None."""
        limiter: RateLimiter = (
            MemoryRateLimiter(clock=clock or time.monotonic)
            if request.param == "memory"
            else RedisRateLimiter(REDIS_URL, namespace=f"coach-test-{uuid.uuid4().hex[:8]}", clock=clock)
        )
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.close()


async def take_slot(
    limiter: RateLimiter,
    clock: ManualClock,
    chat_id: str,
    limits: RateLimits,
    *,
    late_by: float = 0.0,
    group: bool = False,
) -> float:
    """Ask like a sender whose every sleep overruns by ``late_by``; return when the slot was taken."""
    while (wait := await limiter.reserve("telegram", chat_id, limits, group=group)) > 0:
        clock.advance(wait + late_by)
    return clock.now


@dataclass(frozen=True)
class Sender:
    """One chat's sender that sends again as soon as it may, oversleeping its waits by ``late_by`` in turn."""

    chat_id: str
    limits: RateLimits
    late_by: tuple[float, ...] = (0.0,)
    group: bool = False


async def run_senders(
    limiter: RateLimiter, clock: ManualClock, senders: Sequence[Sender], *, for_s: float
) -> dict[str, list[float]]:
    """Senders sharing one limiter, waking in time order as an event loop would; their send times."""
    end = clock.now + for_s
    wakes = [(clock.now, n) for n in range(len(senders))]
    sent: dict[str, list[float]] = {s.chat_id: [] for s in senders}
    waits = [0] * len(senders)
    while wakes[0][0] <= end:
        at, n = heapq.heappop(wakes)
        clock.now = max(clock.now, at)
        sender = senders[n]
        wait = await limiter.reserve("telegram", sender.chat_id, sender.limits, group=sender.group)
        if wait > 0:
            late_by = sender.late_by[waits[n] % len(sender.late_by)]
            waits[n] += 1
            heapq.heappush(wakes, (clock.now + wait + late_by, n))
        else:
            sent[sender.chat_id].append(clock.now)
            heapq.heappush(wakes, (clock.now, n))
    return sent


async def test_limiter_paces_a_chat_and_caps_a_group(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(None)
    assert await limiter.reserve("telegram", "1", TELEGRAM_LIMITS) == 0
    wait = await limiter.reserve("telegram", "1", TELEGRAM_LIMITS)
    assert 0.9 < wait <= 1.0 + CHAT_ARRIVAL_JITTER_S  # about 1 message per second per chat
    # Another chat only waits for the global spacing (30 messages per second overall).
    assert (
        0
        <= await limiter.reserve("telegram", "2", TELEGRAM_LIMITS)
        <= (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / 30
    )

    limiter = make_limiter(None)
    group = RateLimits(per_chat_interval_s=0.0, global_per_second=1e6, group_per_minute=3)
    for _ in range(3):
        assert await limiter.reserve("telegram", "-100", group, group=True) < 0.001
    assert 59 < await limiter.reserve("telegram", "-100", group, group=True) <= 60
    # Private chats are not capped per minute.
    for _ in range(5):
        assert await limiter.reserve("telegram", "9", group) < 0.001


async def test_limiter_pause_affects_one_chat(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(None)
    fast = RateLimits(per_chat_interval_s=0.0, global_per_second=1e6)
    await limiter.pause("telegram", "1", 30)
    assert 29 < await limiter.reserve("telegram", "1", fast) <= 30
    assert await limiter.reserve("telegram", "2", fast) < 0.001


async def test_limiter_slots_do_not_drift_when_senders_wake_late(make_limiter: MakeLimiter) -> None:
    clock = ManualClock()
    limiter = make_limiter(clock)
    late = FIFTY_INTERVAL_S * LATE_WAKER_TOLERANCE * 0.8
    taken = [await take_slot(limiter, clock, str(n), FIFTY, late_by=late) for n in range(1000)]
    # Each slot is one interval after the previous slot: the lateness is paid once, not 999 times.
    assert taken[-1] - taken[0] == pytest.approx(999 * FIFTY_INTERVAL_S + late, abs=MICROSECOND)
    assert most_in_window(taken, GLOBAL_WINDOW_S) <= 50


async def test_limiter_banks_no_credit_while_idle_or_stalled(make_limiter: MakeLimiter) -> None:
    clock = ManualClock()
    limiter = make_limiter(clock)
    taken = [await take_slot(limiter, clock, f"busy-{n}", FIFTY) for n in range(100)]
    clock.advance(10.0)  # nobody sends for ten seconds
    assert await limiter.reserve("telegram", "first", FIFTY) == 0
    # A second sender at the same instant waits a whole interval: the idle time left no credit.
    assert await limiter.reserve("telegram", "second", FIFTY) == pytest.approx(
        FIFTY_INTERVAL_S, abs=MICROSECOND
    )
    taken += [clock.now]
    taken += [await take_slot(limiter, clock, f"after-{n}", FIFTY) for n in range(200)]
    gaps = [b - a for a, b in pairwise(taken)]
    assert min(gaps) >= (1 - LATE_WAKER_TOLERANCE) * FIFTY_INTERVAL_S - 1e-9
    assert most_in_window(taken, GLOBAL_WINDOW_S) <= 50
    # The event loop stalls three intervals past a waiting sender's slot: the message before may only
    # be leaving now, so the sender keeps the shortest gap after it once, then goes however late it is.
    clock.advance(await limiter.reserve("telegram", "stalled", FIFTY) + 3 * FIFTY_INTERVAL_S)
    shortest_gap = (1 - LATE_WAKER_TOLERANCE) * FIFTY_INTERVAL_S
    assert await limiter.reserve("telegram", "stalled", FIFTY) == pytest.approx(shortest_gap, abs=MICROSECOND)
    clock.advance(shortest_gap + 3 * FIFTY_INTERVAL_S)
    assert await limiter.reserve("telegram", "stalled", FIFTY) == 0
    # No catching up on the slots the stall missed.
    assert await limiter.reserve("telegram", "next", FIFTY) == pytest.approx(
        FIFTY_INTERVAL_S, abs=MICROSECOND
    )


async def test_limiter_keeps_the_platform_window_when_a_late_sender_keeps_its_slot(
    make_limiter: MakeLimiter,
) -> None:
    # At 5 per second the tolerated lateness is a large share of the window: a late sender that keeps
    # its slot followed by punctual ones would put 6 messages in one window without the window count.
    clock = ManualClock()
    limiter = make_limiter(clock)
    five = RateLimits(per_chat_interval_s=1.0, global_per_second=5)
    interval = (GLOBAL_WINDOW_S + ARRIVAL_JITTER_S) / 5
    taken = [await take_slot(limiter, clock, "0", five)]
    taken.append(await take_slot(limiter, clock, "1", five, late_by=interval * LATE_WAKER_TOLERANCE * 0.95))
    taken += [await take_slot(limiter, clock, str(n), five) for n in range(2, 30)]
    assert most_in_window(taken, GLOBAL_WINDOW_S) <= 5
    assert taken[6] == pytest.approx(taken[1] + GLOBAL_WINDOW_S, abs=MICROSECOND)


@pytest.mark.once
async def test_limiter_paces_chats_and_groups_while_late_senders_share_the_slots(
    make_limiter: MakeLimiter,
) -> None:
    clock = ManualClock()
    limiter = make_limiter(clock)
    late = FIFTY_INTERVAL_S * LATE_WAKER_TOLERANCE * 0.8
    group = RateLimits(per_chat_interval_s=1.0, global_per_second=50, group_per_minute=20)
    # One chat's interval is whole slots, so its next turn falls on a slot, and it oversleeps only
    # sometimes: a late send must not shorten the chat's next gap.
    client = RateLimits(per_chat_interval_s=50 * FIFTY_INTERVAL_S, global_per_second=50)
    senders = [Sender("-100", group, group=True), Sender("client", client, late_by=(late, 0.0, 0.0))]
    # Sixty more chats want a message a second each, more than the global limit, all oversleeping.
    senders += [Sender(f"other-{n}", FIFTY, late_by=(late,)) for n in range(60)]
    sent = await run_senders(limiter, clock, senders, for_s=120.0)

    assert min(b - a for a, b in pairwise(sent["client"])) >= client.per_chat_interval_s - 1e-9
    other_gaps = [b - a for s in senders[2:] for a, b in pairwise(sent[s.chat_id])]
    assert len(other_gaps) > 5000
    assert min(other_gaps) >= FIFTY.per_chat_interval_s
    assert most_in_window(sent["-100"], GROUP_WINDOW_S) == 20
    everything = [at for times in sent.values() for at in times]
    assert most_in_window(everything, GLOBAL_WINDOW_S) <= 50
    # Every slot of the two minutes was used: oversleeping senders cost no slots.
    assert len(everything) == pytest.approx(120.0 / FIFTY_INTERVAL_S, abs=2)
