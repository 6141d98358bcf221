"""``coach run``: the HTTP server plus every configured component, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from bot.components import AppContext, Component, build_components
from bot.config import Settings
from bot.http.server import build_web_app
from domain.db import Database
from domain.migrate import is_up_to_date

log = logging.getLogger(__name__)


class NotMigrated(Exception):
    pass


async def ensure_migrated(db: Database) -> None:
    if not await is_up_to_date(db):
        raise NotMigrated("the database schema is missing or outdated: run `coach db upgrade` first")


def settle_heap() -> None:
    """Move everything loaded at startup (modules, the schema, components: alive until exit) out of the
    garbage collector's reach. A full collection otherwise walks those few hundred thousand objects
    each time, holding the event loop 150-350 ms in the middle of a dispatch run; now it walks only
    what the work itself allocated."""
    gc.collect()
    gc.freeze()


class Service:
    """Owns the database, the web server and the components for one run."""

    def __init__(self, settings: Settings, *, interactive_console: bool = True) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.ctx = AppContext(settings=settings, db=self.db)
        self.interactive_console = interactive_console
        self.components: list[Component] = []
        self._runner: web.AppRunner | None = None
        self.stopping = asyncio.Event()
        self.port: int | None = None

    async def start(self) -> None:
        await ensure_migrated(self.db)
        self.components = build_components(self.ctx, interactive_console=self.interactive_console)
        app = build_web_app(self.db)
        for component in self.components:
            component.install_routes(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.settings.http_port
        log.info("HTTP server listening on %s:%s", self.settings.http_host, self.port)
        for component in self.components:
            await component.start()
            log.info("started %s", component.name)
        settle_heap()

    async def stop(self) -> None:
        """Stop taking work everywhere first, then stop each component (last started, first stopped):
        updates in flight are finished or handed back and nothing stored is lost."""
        for component in reversed(self.components):
            try:
                await component.stop_intake()
            except Exception:
                log.exception("stopping intake of %s failed", component.name)
        for component in reversed(self.components):
            try:
                await component.stop()
            except Exception:
                log.exception("stopping %s failed", component.name)
        if self._runner is not None:
            await self._runner.cleanup()
        await self.db.dispose()
        gc.unfreeze()  # collectable again (a process that starts services one after another, as tests do)
        log.info("stopped")

    async def run_until_signalled(self, stop_at_once: Callable[[], bool] = lambda: False) -> None:
        """Run until SIGINT or SIGTERM; ``stop_at_once`` tells of a signal received before the loop ran."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        if stop_at_once():
            self.stopping.set()
        await self.start()
        try:
            await self.stopping.wait()
        finally:
            await self.stop()
