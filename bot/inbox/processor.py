"""Handles stored inbound updates: leases them from the inbox, hands each to its platform's handler,
and records the outcome.

Channels store an update (``domain.services.inbox.store_updates``) before acknowledging it to the
platform, then :meth:`InboxProcessor.wake` it. Only the oldest pending update of a conversation lane
is ever leased, so one conversation's updates run strictly in order; different lanes run side by side
up to ``concurrency``. A handler that raises leaves the update pending for another try with backoff
(a database outage, a platform call failing); after ``max_attempts`` it is kept as failed so it no
longer holds its lane back. Stopping takes no new work, waits up to the grace period for what is in
flight and hands back whatever is left, so a deploy loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

from conversations.ports import ConversationsUnavailable
from domain.clock import Clock, utcnow
from domain.db import Database, is_unavailable
from domain.services import inbox
from domain.services.inbox import LeasedUpdate

log = logging.getLogger(__name__)

UpdateHandler = Callable[[LeasedUpdate], Awaitable[None]]

# Tries before an update is kept as failed. Outages do not count against it for long: every try
# during an outage also waits out the engine's own outage retries.
MAX_ATTEMPTS = 12
RETRY_BASE_S = 1.0
RETRY_MAX_S = 120.0
POLL_INTERVAL_S = 1.0
# While the inbox cannot be read (database down), look again at most this far apart, so work resumes
# within seconds of the database coming back.
LEASE_RETRY_MAX_S = 5.0
DEFAULT_CONCURRENCY = 64


class InboxProcessor:
    def __init__(
        self,
        db: Database,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        poll_interval: float = POLL_INTERVAL_S,
        max_attempts: int = MAX_ATTEMPTS,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.clock = clock
        self._handlers: dict[str, UpdateHandler] = {}
        self._wake = asyncio.Event()
        self._inflight: dict[asyncio.Task[None], LeasedUpdate] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        # Called after each update's outcome is recorded; tests and benchmarks wait on it.
        self.on_done: Callable[[LeasedUpdate], None] | None = None

    def register(self, platform: str, handler: UpdateHandler) -> None:
        self._handlers[platform] = handler

    @property
    def platforms(self) -> list[str]:
        return sorted(self._handlers)

    def wake(self) -> None:
        self._wake.set()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        if self._loop_task is None and self._handlers:
            self._stopping = False
            self._loop_task = asyncio.create_task(self._run(), name="inbox-processor")

    async def stop(self, grace: float) -> None:
        """Take no new updates; give those in flight ``grace`` seconds, then hand the rest back."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            task, self._loop_task = self._loop_task, None
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not self._inflight:
            return
        _done, late = await asyncio.wait(set(self._inflight), timeout=grace)
        if not late:
            return
        log.warning("%d inbound update(s) still in flight after %.0fs; handing them back", len(late), grace)
        leftover = [self._inflight[t].id for t in late]
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        try:
            async with self.db.unit_of_work() as session:
                await inbox.release(session, leftover, self.clock())
        except Exception as exc:
            # Their lease runs out instead; the next worker takes them then.
            log.warning("could not hand back in-flight updates: %s", type(exc).__name__)

    @property
    def busy(self) -> int:
        return len(self._inflight)

    # -- the loop -----------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()
            free = self.concurrency - len(self._inflight)
            leased: list[LeasedUpdate] = []
            if free > 0:
                try:
                    async with self.db.unit_of_work() as session:
                        leased = await inbox.lease_ready(
                            session, self.platforms, limit=free, now=self.clock()
                        )
                    failures = 0
                except Exception as exc:
                    if not failures:
                        log.warning("leasing inbound updates failed: %s", type(exc).__name__)
                    failures += 1
                    await asyncio.sleep(min(LEASE_RETRY_MAX_S, RETRY_BASE_S * 2.0 ** min(failures, 6)))
                    continue
            for update in leased:
                task = asyncio.create_task(self._handle(update))
                self._inflight[task] = update
                task.add_done_callback(self._finished)
            if leased and len(self._inflight) < self.concurrency:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()

    def _finished(self, task: asyncio.Task[None]) -> None:
        update = self._inflight.pop(task, None)
        self._wake.set()  # the lane's next update may be ready now
        if update is not None and self.on_done is not None and not task.cancelled():
            self.on_done(update)

    async def _handle(self, update: LeasedUpdate) -> None:
        handler = self._handlers[update.platform]
        try:
            await handler(update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._not_handled(update, exc)
            return
        await self._settle(update)

    async def _settle(self, update: LeasedUpdate) -> None:
        """Mark handled unless the step's own transaction already did (updates the engine never saw:
        an expired button, an unsupported message)."""
        try:
            async with self.db.unit_of_work() as session:
                await inbox.mark_handled(session, [update.key], self.clock())
        except Exception as exc:
            # Handled again after the lease; the engine's idempotency key answers it from storage.
            log.warning("recording inbound update %s as handled failed: %s", update.id, type(exc).__name__)

    async def _not_handled(self, update: LeasedUpdate, exc: Exception) -> None:
        reason = type(exc).__name__
        now = self.clock()
        outage = isinstance(exc, ConversationsUnavailable) or is_unavailable(exc)
        if outage or update.attempts < self.max_attempts:
            if not outage:
                log.warning("inbound update %s not handled (try %d): %s", update.id, update.attempts, reason)
            delay = min(RETRY_MAX_S, RETRY_BASE_S * 2.0 ** max(0, update.attempts - 1))
            at = now + timedelta(seconds=delay * random.uniform(0.5, 1.0))
            with contextlib.suppress(Exception):  # the database may be the thing that is down
                async with self.db.unit_of_work() as session:
                    await inbox.retry_later(session, update.id, at, reason)
            return
        log.error("inbound update %s failed %d times; kept as failed: %s", update.id, update.attempts, reason)
        with contextlib.suppress(Exception):
            async with self.db.unit_of_work() as session:
                await inbox.give_up(session, update.id, reason, now)
