"""Event-loop lag: a periodic task measures how late it wakes up, which is how long the loop was busy.

Every acknowledgement Slack and Telegram wait for runs on this one loop, so a lag is a delay every
person feels. The monitor keeps a histogram (exported at ``/metrics`` as
``coach_event_loop_lag_seconds``) and logs a warning when one lag exceeds ``LAG_WARNING``.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections import deque

from prometheus_client import Histogram

from bot.components import Component

log = logging.getLogger(__name__)

# How often the monitor wakes up; a lag shorter than this resolution is not worth a sample.
SAMPLE_EVERY_S = 0.1
# A lag beyond this is logged: a quarter of a second is already a noticeable pause in a chat.
LAG_WARNING_S = 0.25
# Upper bounds of the histogram's buckets, in seconds.
LAG_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Lags kept for quantiles (p50/p99 in benchmarks); the histogram holds every sample.
RECENT_SAMPLES = 10_000

LOOP_LAG = Histogram(
    "coach_event_loop_lag_seconds",
    "How late the event loop ran a timer: time the loop was busy with something else.",
    buckets=LAG_BUCKETS_S,
)


class LagRecord:
    """The lags one monitor measured: bucket counts, the largest and the most recent samples."""

    def __init__(self, buckets: tuple[float, ...] = LAG_BUCKETS_S) -> None:
        self.bounds = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is "more than the largest bound"
        self.samples = 0
        self.worst = 0.0
        self.recent: deque[float] = deque(maxlen=RECENT_SAMPLES)

    def observe(self, lag_s: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, lag_s)] += 1
        self.samples += 1
        self.worst = max(self.worst, lag_s)
        self.recent.append(lag_s)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (0..1) of the recent samples; 0 without samples."""
        if not self.recent:
            return 0.0
        ordered = sorted(self.recent)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def over(self, lag_s: float) -> int:
        """How many samples exceeded ``lag_s`` (one of the bucket bounds)."""
        return sum(self.counts[bisect.bisect_left(self.bounds, lag_s) + 1 :])


class LoopLagMonitor(Component):
    """Runs beside everything else in ``coach run``; cheap (ten wake-ups a second)."""

    name = "loop-lag"

    def __init__(
        self,
        *,
        every_s: float = SAMPLE_EVERY_S,
        warn_after_s: float = LAG_WARNING_S,
        histogram: Histogram | None = LOOP_LAG,
    ) -> None:
        self.every_s = every_s
        self.warn_after_s = warn_after_s
        self.histogram = histogram
        self.record = LagRecord()
        self._task: asyncio.Task[None] | None = None

    def observe(self, lag_s: float) -> None:
        self.record.observe(lag_s)
        if self.histogram is not None:
            self.histogram.observe(lag_s)
        if lag_s > self.warn_after_s:
            log.warning("event loop blocked for %d ms", round(lag_s * 1000))

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.every_s)
            self.observe(max(0.0, loop.time() - started - self.every_s))

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watch(), name="loop-lag-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
