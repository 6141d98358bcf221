"""The event-loop lag monitor: it sees a blocked loop, counts it, logs it, and stays quiet otherwise."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from prometheus_client import CollectorRegistry, Histogram

from bot.loop_lag import LAG_BUCKETS_S, LagRecord, LoopLagMonitor

# Measures time as it passes: `make unit` runs it alone, after the parallel part.
pytestmark = pytest.mark.heavy


def _histogram() -> Histogram:
    return Histogram("lag_seconds", "test", buckets=LAG_BUCKETS_S, registry=CollectorRegistry())


async def test_a_blocked_loop_is_measured_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    monitor = LoopLagMonitor(every_s=0.01, histogram=_histogram())
    await monitor.start()
    try:
        await asyncio.sleep(0.05)
        with caplog.at_level(logging.WARNING, logger="bot.loop_lag"):
            time.sleep(0.3)  # noqa: ASYNC251 - the loop is stuck here: the monitor's timer cannot fire
            await asyncio.sleep(0.05)
    finally:
        await monitor.stop()
    assert monitor.record.worst >= 0.28
    assert monitor.record.over(0.25) >= 1  # a busy machine may add a stall of its own
    assert f"event loop blocked for {round(monitor.record.worst * 1000)} ms" in [
        r.getMessage() for r in caplog.records if r.name == "bot.loop_lag"
    ]
    assert monitor.record.samples >= 5


async def test_a_free_loop_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    monitor = LoopLagMonitor(every_s=0.01, histogram=None)
    with caplog.at_level(logging.WARNING, logger="bot.loop_lag"):
        await monitor.start()
        await asyncio.sleep(0.1)
        await monitor.stop()
    assert monitor.record.samples >= 3
    assert monitor.record.over(0.25) == 0
    assert not [r for r in caplog.records if r.name == "bot.loop_lag"]
    assert monitor._task is None


def test_the_record_counts_buckets_and_quantiles() -> None:
    record = LagRecord()
    for lag in [0.001] * 98 + [0.3, 2.0]:
        record.observe(lag)
    assert record.counts[0] == 98 and record.over(0.25) == 2 and record.over(1.0) == 1
    assert record.quantile(0.5) == 0.001 and record.quantile(0.99) == 2.0
    assert record.worst == 2.0 and LagRecord().quantile(0.99) == 0.0


def _busy_for(seconds: float) -> None:
    """Python work that keeps the loop thread busy (what a slow callback does)."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


async def test_trace_mode_logs_where_the_loop_is_stuck(caplog: pytest.LogCaptureFixture) -> None:
    monitor = LoopLagMonitor(every_s=0.01, histogram=None, trace_after_s=0.05)
    await monitor.start()
    try:
        await asyncio.sleep(0.05)
        with caplog.at_level(logging.WARNING, logger="bot.loop_lag"):
            _busy_for(0.4)
            await asyncio.sleep(0.05)
    finally:
        await monitor.stop()
    traces = [r.getMessage() for r in caplog.records if "event loop busy for" in r.getMessage()]
    # Once per stall, however long it lasts (a busy machine may add a stall of its own elsewhere).
    assert sum("in _busy_for" in trace for trace in traces) == 1, traces
    assert monitor._tracer is None  # the watchdog thread is stopped with the monitor


async def test_trace_mode_stays_quiet_on_a_free_loop(caplog: pytest.LogCaptureFixture) -> None:
    monitor = LoopLagMonitor(every_s=0.01, histogram=None, trace_after_s=0.2)
    with caplog.at_level(logging.WARNING, logger="bot.loop_lag"):
        await monitor.start()
        await asyncio.sleep(0.15)
        await monitor.stop()
    assert not [r for r in caplog.records if r.name == "bot.loop_lag"]
