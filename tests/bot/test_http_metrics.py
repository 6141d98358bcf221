"""``GET /metrics`` over real HTTP: Prometheus' text format with the event-loop lag histogram."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.parser import text_string_to_metric_families

from bot.components import AppContext, build_components
from bot.config import load_settings
from bot.http.metrics import MetricsEndpoint
from bot.loop_lag import LAG_BUCKETS_S, LoopLagMonitor
from domain.db import Database
from tests.support.servers import serve_locally


async def test_metrics_serve_the_loop_lag_histogram() -> None:
    registry = CollectorRegistry()
    histogram = Histogram("coach_event_loop_lag_seconds", "lag", buckets=LAG_BUCKETS_S, registry=registry)
    monitor = LoopLagMonitor(every_s=0.01, histogram=histogram)
    app = web.Application()
    MetricsEndpoint(registry).install_routes(app)
    runner, url = await serve_locally(app)
    await monitor.start()
    await asyncio.sleep(0.1)
    await monitor.stop()  # no sample may land between the response and the comparison
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            body = await response.text()
    finally:
        await runner.cleanup()
    [family] = [f for f in text_string_to_metric_families(body) if f.name == "coach_event_loop_lag_seconds"]
    assert family.type == "histogram"
    counts = {s.labels.get("le"): s.value for s in family.samples if s.name.endswith("_bucket")}
    assert set(counts) == {*(str(b) for b in LAG_BUCKETS_S), "+Inf"}
    assert counts["+Inf"] == monitor.record.samples >= 3


async def test_coach_run_registers_the_monitor_and_the_endpoint(db: Database) -> None:
    ctx = AppContext(settings=load_settings(COACH_DATABASE_URL=db.url), db=db)
    names = [c.name for c in build_components(ctx, interactive_console=False)]
    assert {"loop-lag", "metrics"} <= set(names)
