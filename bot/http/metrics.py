"""``GET /metrics``: the process's Prometheus metrics (the event-loop lag histogram among them)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from bot.components import Component

METRICS_PATH = "/metrics"
REGISTRY_KEY = web.AppKey("metrics_registry", CollectorRegistry)


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[REGISTRY_KEY])
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


class MetricsEndpoint(Component):
    """Serves the metrics in Prometheus' text format on the service's HTTP server."""

    name = "metrics"

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry

    def install_routes(self, app: web.Application) -> None:
        app[REGISTRY_KEY] = self.registry
        app.router.add_get(METRICS_PATH, metrics)
