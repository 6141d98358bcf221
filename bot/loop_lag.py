"""Event-loop lag: a periodic task measures how late it wakes up, which is how long the loop was busy.

Every acknowledgement Slack and Telegram wait for runs on this one loop, so a lag is a delay every
person feels. The monitor keeps a histogram (exported at ``/metrics`` as
``coach_event_loop_lag_seconds``) and logs a warning when one lag exceeds ``LAG_WARNING``.

Trace mode (``trace_after_s``, ``COACH_LOOP_LAG_TRACE_MS``) names the culprit: a watchdog thread sees
the loop's timer overdue by that much and logs the loop thread's stack at that moment (code
locations only, no values), once per stall.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import sys
import threading
import time
import traceback
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
# Frames of the loop thread's stack logged in trace mode (the innermost ones: where the time goes).
TRACE_FRAMES = 25

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
        trace_after_s: float | None = None,
    ) -> None:
        self.every_s = every_s
        self.warn_after_s = warn_after_s
        self.histogram = histogram
        self.trace_after_s = trace_after_s
        self.record = LagRecord()
        self._task: asyncio.Task[None] | None = None
        self._tracer: LoopTracer | None = None

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
            if self._tracer is not None:
                self._tracer.beat(time.monotonic() + self.every_s)
            await asyncio.sleep(self.every_s)
            self.observe(max(0.0, loop.time() - started - self.every_s))

    async def start(self) -> None:
        if self._task is None:
            if self.trace_after_s is not None:
                self._tracer = LoopTracer(threading.get_ident(), self.trace_after_s)
                self._tracer.start()
            self._task = asyncio.create_task(self._watch(), name="loop-lag-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tracer, self._tracer = self._tracer, None
        if tracer is not None:
            await asyncio.to_thread(tracer.stop)


class LoopTracer(threading.Thread):
    """Watches the monitor's heartbeat from another thread; when the loop's timer is overdue by
    ``after_s`` it logs where the loop thread is, once per stall."""

    def __init__(self, loop_thread: int, after_s: float) -> None:
        super().__init__(name="loop-lag-tracer", daemon=True)
        self.loop_thread = loop_thread
        self.after_s = after_s
        self.traced: list[str] = []  # the stacks logged (the last few), for tests and debugging
        self._due = time.monotonic() + after_s
        self._reported = False
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def beat(self, due: float) -> None:
        """The loop ran its timer; the next is due at ``due`` (``time.monotonic()``)."""
        with self._lock:
            self._due, self._reported = due, False

    def run(self) -> None:
        # Checked a few times per threshold, so a stall is caught while it is still going on.
        poll = max(0.005, self.after_s / 4)
        while not self._stopped.wait(poll):
            with self._lock:
                overdue = time.monotonic() - self._due
                if self._reported or overdue < self.after_s:
                    continue
                self._reported = True
            stack = self._stacks()
            if stack:
                self.traced = [*self.traced[-9:], stack]
                log.warning("event loop busy for %d ms so far, in:\n%s", round(overdue * 1000), stack)

    def _stacks(self) -> str:
        frames = sys._current_frames()
        loop_frame = frames.get(self.loop_thread)
        if loop_frame is None:
            return ""
        stack = "".join(traceback.format_list(traceback.extract_stack(loop_frame)[-TRACE_FRAMES:]))
        if loop_frame.f_code.co_name != "select":
            return stack
        # The loop is waiting in its selector yet its timer is late: another thread of this process
        # holds the interpreter (the GIL) with Python work, or the machine gives the process no CPU.
        others = [
            f"thread {ident}:\n" + "".join(traceback.format_list(traceback.extract_stack(frame)[-8:]))
            for ident, frame in frames.items()
            if ident not in (self.loop_thread, threading.get_ident())
        ]
        return stack + "(the loop is idle in its selector) other threads:\n" + "".join(others)

    def stop(self) -> None:
        self._stopped.set()
        self.join()
