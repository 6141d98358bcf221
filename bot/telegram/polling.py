"""Long polling that confirms only what is stored.

Telegram keeps an update until a later ``getUpdates`` asks for a higher ``offset``. So each batch is
written to the inbox first, and only then does the next call move the offset past it: if storing fails
(the database is down) the same updates are fetched again; if the process dies, Telegram still holds
every update that was not stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import Any, Protocol

from bot.telegram.inbound import stored_update
from bot.telegram.limits import POLL_TIMEOUT_S
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.services.inbox import store_updates

log = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5
# Kept short so work resumes within seconds of an outage ending.
RETRY_MAX_S = 5.0


class UpdateSource(Protocol):
    async def fetch_updates(self, offset: int | None, poll_seconds: int) -> list[dict[str, Any]]: ...


def _backoff(failures: int) -> float:
    return min(RETRY_MAX_S, RETRY_FIRST_S * 2.0 ** max(0, failures - 1)) * random.uniform(0.5, 1.0)


class UpdatePoller:
    def __init__(
        self,
        source: UpdateSource,
        db: Database,
        on_stored: Callable[[], None],
        *,
        poll_timeout: int = POLL_TIMEOUT_S,
        clock: Clock = utcnow,
    ) -> None:
        self.source = source
        self.db = db
        self.on_stored = on_stored
        self.poll_timeout = poll_timeout
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._storing = False

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop fetching. A long poll in progress is abandoned: what it would have returned is not
        confirmed until the next worker's first call, so Telegram hands it out again. A batch being
        stored is not interrupted (its transaction finishes one way or the other)."""
        self._stopping = True
        if self._task is not None:
            task, self._task = self._task, None
            if not self._storing:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        offset: int | None = None
        failures = 0
        while not self._stopping:
            try:
                updates = await self.source.fetch_updates(offset, self.poll_timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.warning("fetching Telegram updates failed: %s; retrying", type(exc).__name__)
                await asyncio.sleep(_backoff(failures))
                continue
            failures = 0
            if not updates:
                continue
            self._storing = True  # set before any await, so stop() no longer cancels
            try:
                await self._store(updates)
            finally:
                self._storing = False
            offset = max(int(u["update_id"]) for u in updates) + 1

    async def _store(self, updates: list[dict[str, Any]]) -> None:
        """Store until it works; the offset does not move meanwhile, so nothing is confirmed unstored."""
        rows = [stored_update(u) for u in updates]
        failures = 0
        while True:
            try:
                async with self.db.unit_of_work() as session:
                    await store_updates(session, rows, self.clock())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping:
                    return  # not stored, so not confirmed: Telegram hands them out again
                failures += 1
                if failures == 1:
                    log.warning("storing Telegram updates failed: %s; retrying", type(exc).__name__)
                await asyncio.sleep(_backoff(failures))
                continue
            self.on_stored()
            return
