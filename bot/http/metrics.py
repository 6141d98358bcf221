"""``GET /metrics``: the process's Prometheus metrics (domain/telemetry.py, the event-loop lag).

The outbox gauges are read from the database at each scrape (one grouped query), so they say what
every worker sees, not what this process remembers.
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from bot.components import Component
from domain import telemetry
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.services.outbox import outbox_backlog

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
REGISTRY_KEY = web.AppKey("metrics_registry", CollectorRegistry)
ENDPOINT_KEY: web.AppKey[MetricsEndpoint] = web.AppKey("metrics_endpoint")


async def metrics(request: web.Request) -> web.Response:
    await request.app[ENDPOINT_KEY].refresh()
    body = generate_latest(request.app[REGISTRY_KEY])
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


class MetricsEndpoint(Component):
    """Serves the metrics in Prometheus' text format on the service's HTTP server."""

    name = "metrics"

    def __init__(
        self, registry: CollectorRegistry = REGISTRY, db: Database | None = None, clock: Clock = utcnow
    ) -> None:
        self.registry = registry
        self.db = db
        self.clock = clock
        self._platforms: set[str] = set()

    async def refresh(self) -> None:
        """Outbox depth and oldest age per platform from the database; a platform that emptied reads 0."""
        if self.db is None:
            return
        try:
            async with self.db.sessions() as session:
                backlog = await outbox_backlog(session)
        except Exception:  # a scrape during a database outage still gets every other metric
            log.warning("outbox metrics could not be read")
            return
        now = self.clock()
        seen = set()
        for platform in backlog:
            seen.add(platform.platform)
            telemetry.OUTBOX_DEPTH.labels(platform.platform).set(platform.depth)
            age = max(0.0, (now - platform.oldest_created_at).total_seconds())
            telemetry.OUTBOX_OLDEST_AGE.labels(platform.platform).set(age)
        for gone in self._platforms - seen:
            telemetry.OUTBOX_DEPTH.labels(gone).set(0)
            telemetry.OUTBOX_OLDEST_AGE.labels(gone).set(0)
        self._platforms |= seen

    def install_routes(self, app: web.Application) -> None:
        app[REGISTRY_KEY] = self.registry
        app[ENDPOINT_KEY] = self
        app.router.add_get(METRICS_PATH, metrics)
