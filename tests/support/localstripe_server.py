"""localstripe (PyPI) as a real HTTP server for tests: bound to 127.0.0.1 on a free port, store empty.

Its stock command listens on every interface and reloads a pickle from the system temp folder; here
its aiohttp ``app`` runs in a thread of its own, with loading and saving the store disabled. It
implements customers, plans, subscriptions, payment intents, refunds and invoices, and delivers
signed webhooks to URLs registered with ``POST /_config/webhooks/<id>``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future

import httpx
from aiohttp import web

API_KEY = "sk_test_localstripe"


class LocalStripe:
    """The server; ``url`` is the API base to hand to ``StripeClient(base_addresses={"api": url})``."""

    def __init__(self) -> None:
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="localstripe", daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        from localstripe import resources, server

        # Never read or write /tmp/localstripe.pickle: every run starts empty and leaves nothing behind.
        resources.Store.try_load_from_disk = lambda self: None
        resources.Store.dump_to_disk = lambda self: None
        resources.store.clear()
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(server.app), self._loop).result(timeout=30)
        self.url = f"http://127.0.0.1:{port}"

    async def _serve(self, app: web.Application) -> int:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(self._runner.addresses[0][1])

    def reset(self) -> None:
        """Forget every object and webhook (between tests)."""
        from localstripe import resources, webhooks

        webhooks._webhooks.clear()
        # Deliveries still sleeping from the last test must not reach the next test's endpoint: with
        # no webhook registered they send nothing, so let them finish now.
        asyncio.run_coroutine_threadsafe(self._drain(), self._loop).result(timeout=30)
        resources.store.clear()

    @staticmethod
    async def _drain() -> None:
        # Only localstripe's webhook deliveries: the server's own tasks (keep-alive connections) never end.
        deliveries = [
            t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") == "_send_webhook"
        ]
        if deliveries:
            await asyncio.wait(deliveries, timeout=10)

    def register_webhook(self, url: str, secret: str, name: str = "coach") -> None:
        """Have localstripe sign and POST its events to ``url`` (its ``/_config/webhooks`` API)."""
        response = httpx.post(f"{self.url}/_config/webhooks/{name}", data={"url": url, "secret": secret})
        response.raise_for_status()

    def stop(self) -> None:
        if self._runner is not None:
            done: Future[None] = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            done.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


def run_localstripe() -> Iterator[LocalStripe]:
    """Body of a session-scoped fixture (the ``app`` object is module-global, so one server per run)."""
    server = LocalStripe()
    server.start()
    try:
        yield server
    finally:
        server.stop()
