"""The outbound sender: drains the outbox through each platform's :class:`Transport` within its limits.

Channels register a transport once; code anywhere queues with ``domain.services.outbox`` (in its own
transaction) or :meth:`OutboundSender.enqueue`; channel adapters send the engine's replies at once
with :meth:`OutboundSender.send_direct`, which uses the same limiter and falls back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.outbound import queue
from bot.outbound.limiter import MemoryRateLimiter, RateLimiter
from bot.outbound.queue import CLAIM_LEASE, UNREADABLE_TRIES
from bot.outbound.transport import DeliveryError, Transport
from conversations.messages import OutgoingMessage
from domain import telemetry
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.services.outbox import enqueue_message

log = logging.getLogger(__name__)

# Network errors and 5xx: this many tries in all, waiting base * 2**n (capped), with jitter.
MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 300.0
# How long stop() lets the drain loop finish its current claim, then waits between cancels.
STOP_LOOP_WAIT_S = 6.0
STOP_RETRY_S = 1.0
# A queued row waits in memory for its chat's slot at most this long; beyond, it goes back to the
# table with a later time so the worker's capacity serves other chats.
ROW_MAX_WAIT_S = 2.0
# A direct reply waits at most this long for its chat (e.g. paused by a 429) before being queued.
DIRECT_MAX_WAIT_S = 5.0
# One platform call for a queued row may take this long; with ROW_MAX_WAIT_S it stays inside the
# row's lease (delivery_queue.CLAIM_LEASE), so no other worker takes a row that is still being sent.
DELIVERY_TIMEOUT_S = 10.0
# While the outbox cannot be read (database down), look again at most this far apart.
CLAIM_RETRY_MAX_S = 5.0
# All the waits of one claimed row together stay under what its lease leaves after one delivery.
ROW_LEASE_WAIT_S = CLAIM_LEASE.total_seconds() - DELIVERY_TIMEOUT_S - 1.0


def backoff_delay(attempt: int, *, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_MAX_S) -> float:
    """Exponential backoff with jitter (50-100 % of the step) so workers do not retry in lockstep."""
    step = min(cap, base * 2.0 ** max(0, attempt - 1))
    return step * random.uniform(0.5, 1.0)


class OutboundSender:
    def __init__(
        self,
        db: Database,
        *,
        limiter: RateLimiter | None = None,
        concurrency: int = 64,
        poll_interval: float = 0.5,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_base: float = BACKOFF_BASE_S,
        clock: Clock = utcnow,
        unreadable_tries: int = UNREADABLE_TRIES,
    ) -> None:
        self.db = db
        self.limiter = limiter or MemoryRateLimiter()
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.clock = clock
        # Claims of a row no key opens before it is failed (see domain.services.delivery_queue).
        self.unreadable_tries = unreadable_tries
        self._transports: dict[str, Transport] = {}
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._closed = False
        self._stopping = False
        self._chat_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._chat_users: dict[tuple[str, str], int] = {}
        # Rows the platform accepted whose "sent" could not be written (the database went away):
        # remembered until it can, so this worker never sends them again.
        self._unrecorded: dict[int, str | None] = {}

    # -- registration -------------------------------------------------------------------------

    def register(self, transport: Transport) -> None:
        """Deliver every queued message of ``transport.platform`` through it."""
        self._transports[transport.platform] = transport

    def transport(self, platform: str) -> Transport:
        return self._transports[platform]

    @property
    def platforms(self) -> list[str]:
        return sorted(self._transports)

    # -- queueing -----------------------------------------------------------------------------

    async def enqueue(
        self,
        platform: str,
        chat_id: str,
        message: OutgoingMessage | dict[str, Any],
        *,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> int | None:
        """Queue one message in its own transaction; returns its id (None when the key was queued before)."""
        payload = message.to_dict() if isinstance(message, OutgoingMessage) else message
        async with self.db.unit_of_work() as session:
            row = await enqueue_message(
                session,
                platform=platform,
                chat_id=chat_id,
                payload=payload,
                dedupe_key=dedupe_key,
                not_before=not_before,
            )
            row_id = row.id if row is not None else None
        self.wake()
        return row_id

    def wake(self) -> None:
        """Look at the table now rather than at the next poll."""
        self._wake.set()

    # -- direct replies -----------------------------------------------------------------------

    async def send_direct(
        self,
        platform: str,
        chat_id: str,
        messages: Sequence[OutgoingMessage],
        *,
        dedupe_key: str | None = None,
    ) -> None:
        """Send replies now, in order, within the chat's limits. What cannot go now is queued
        (transient failure, long pause) or stored as failed (permanent failure); never dropped."""
        transport = self._transports[platform]
        group = transport.is_group_chat(chat_id)
        key = (platform, chat_id)
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._chat_users[key] = self._chat_users.get(key, 0) + 1
        try:
            async with lock:
                await self._send_in_order(transport, chat_id, messages, dedupe_key, group)
        finally:
            self._chat_users[key] -= 1
            if not self._chat_users[key]:
                del self._chat_users[key], self._chat_locks[key]

    async def _send_in_order(
        self,
        transport: Transport,
        chat_id: str,
        messages: Sequence[OutgoingMessage],
        dedupe_key: str | None,
        group: bool,
    ) -> None:
        platform = transport.platform
        for index, message in enumerate(messages):
            rest = messages[index:]
            wait = await self.limiter.reserve(platform, chat_id, transport.limits, group=group)
            while 0 < wait <= DIRECT_MAX_WAIT_S:
                await asyncio.sleep(wait)
                wait = await self.limiter.reserve(platform, chat_id, transport.limits, group=group)
            if wait > 0:
                await self._queue_rest(platform, chat_id, rest, dedupe_key, index, wait)
                return
            try:
                await transport.deliver(chat_id, message)
            except DeliveryError as exc:
                await self._direct_failed(platform, chat_id, rest, dedupe_key, index, exc)
                return
            except Exception as exc:
                log.warning("direct send to %s failed: %s", platform, type(exc).__name__)
                delay = backoff_delay(1, base=self.backoff_base)
                await self._queue_rest(platform, chat_id, rest, dedupe_key, index, delay)
                return
            telemetry.MESSAGES_SENT.labels(platform).inc()

    async def _queue_rest(
        self,
        platform: str,
        chat_id: str,
        rest: Sequence[OutgoingMessage],
        dedupe_key: str | None,
        first_index: int,
        delay: float,
    ) -> None:
        not_before = self.clock() + timedelta(seconds=delay)
        async with self.db.unit_of_work() as session:
            for offset, message in enumerate(rest):
                await enqueue_message(
                    session,
                    platform=platform,
                    chat_id=chat_id,
                    payload=message.to_dict(),
                    dedupe_key=f"{dedupe_key}:{first_index + offset}" if dedupe_key else None,
                    not_before=not_before,
                )
        self.wake()

    async def _direct_failed(
        self,
        platform: str,
        chat_id: str,
        rest: Sequence[OutgoingMessage],
        dedupe_key: str | None,
        index: int,
        exc: DeliveryError,
    ) -> None:
        if exc.retry_after is not None:
            telemetry.RATE_LIMITED.labels(platform).inc()
            await self.limiter.pause(platform, chat_id, exc.retry_after)
            await self._queue_rest(platform, chat_id, rest, dedupe_key, index, exc.retry_after)
        elif not exc.permanent:
            await self._queue_rest(
                platform, chat_id, rest, dedupe_key, index, backoff_delay(1, base=self.backoff_base)
            )
        else:
            if exc.unreachable:
                await queue.mark_unreachable(self.db, platform, chat_id)
            first = rest[0].to_dict() if rest else {}
            await queue.tell_coach_of_failure(
                self.db,
                platform=platform,
                chat_id=chat_id,
                payload=first,
                reference=dedupe_key or uuid.uuid4().hex,
            )
            telemetry.DELIVERIES_FAILED.labels(platform).inc(len(rest))
            for message in rest:
                await queue.record_failed(
                    self.db,
                    platform=platform,
                    chat_id=chat_id,
                    payload=message.to_dict(),
                    error=str(exc),
                    attempts=1,
                    now=self.clock(),
                )

    # -- draining the queue -------------------------------------------------------------------

    async def drain_once(self) -> int:
        """Claim what is due (up to the free capacity), deliver it and wait for the outcome."""
        claimed = await self._claim()
        tasks = [self._spawn(row) for row in claimed]
        if tasks:
            await asyncio.gather(*tasks)
        return len(claimed)

    async def _claim(self) -> list[queue.ClaimedMessage]:
        free = self.concurrency - len(self._inflight)
        claim = await queue.claim_batch(
            self.db, self.platforms, limit=free, now=self.clock(), unreadable_tries=self.unreadable_tries
        )
        for row in claim.unreadable:
            try:
                await self._unreadable(row)
            except Exception as exc:  # the claimed readable rows go out regardless
                log.warning("telling the coach of outbox row %s failed: %s", row.id, type(exc).__name__)
        return claim.messages

    async def _unreadable(self, row: queue.UnreadableMessage) -> None:
        """A row none of this worker's keys opens was set aside by the claim: said once (when first
        handed back, and when failed), never with its content."""
        if not row.failed:
            if row.attempts == 1:
                log.warning(
                    "outbox row %s cannot be decrypted with this worker's COACH_ENCRYPTION_KEYS; "
                    "left for a worker that has its key",
                    row.id,
                )
            return
        telemetry.DELIVERIES_FAILED.labels(row.platform).inc()
        log.warning(
            "outbox row %s failed: no key in COACH_ENCRYPTION_KEYS decrypts it (after %s claims)",
            row.id,
            row.attempts,
        )
        await queue.tell_coach_of_failure(
            self.db, platform=row.platform, chat_id=row.chat_id, payload={}, reference=str(row.id)
        )

    def _spawn(self, row: queue.ClaimedMessage) -> asyncio.Task[None]:
        task = asyncio.create_task(self._deliver_row(row))
        self._inflight.add(task)

        def _done(t: asyncio.Task[None]) -> None:
            self._inflight.discard(t)
            self._wake.set()  # a finished chat may have a next message due now

        task.add_done_callback(_done)
        return task

    async def _record_sent(self, row_id: int, provider_id: str | None) -> bool:
        try:
            await queue.mark_sent(self.db, row_id, provider_id, self.clock())
        except Exception as exc:
            if row_id not in self._unrecorded:
                log.warning(
                    "row %s was sent but could not be marked sent (%s); kept to retry",
                    row_id,
                    type(exc).__name__,
                )
            self._unrecorded[row_id] = provider_id
            return False
        self._unrecorded.pop(row_id, None)
        return True

    async def _record_unrecorded(self) -> None:
        for row_id, provider_id in list(self._unrecorded.items()):
            if not await self._record_sent(row_id, provider_id):
                return

    async def _deliver_row(self, row: queue.ClaimedMessage) -> None:
        if row.id in self._unrecorded:
            # Claimed again after its lease ran out while the database was away: it went out already.
            await self._record_sent(row.id, self._unrecorded[row.id])
            return
        transport = self._transports[row.platform]
        group = transport.is_group_chat(row.chat_id)
        # A row that keeps losing slots to other workers (or waits long to be told) goes back to the
        # table before its lease could run out with a delivery still to make, and another worker send
        # it too.
        give_up_at = time.monotonic() + ROW_LEASE_WAIT_S
        try:
            wait = await self.limiter.reserve(row.platform, row.chat_id, transport.limits, group=group)
            while wait > 0 or time.monotonic() > give_up_at:
                if wait > ROW_MAX_WAIT_S or time.monotonic() + wait > give_up_at:
                    at = self.clock() + timedelta(seconds=wait)
                    await queue.reschedule(self.db, row.id, at, "waiting for rate limit", count_attempt=False)
                    return
                await asyncio.sleep(wait)
                wait = await self.limiter.reserve(row.platform, row.chat_id, transport.limits, group=group)
            try:
                async with asyncio.timeout(DELIVERY_TIMEOUT_S):
                    provider_id = await transport.deliver_payload(row.chat_id, row.payload)
            except DeliveryError as exc:
                await self._row_failed(row, exc)
                return
            except Exception as exc:
                await self._row_failed(row, DeliveryError(f"{type(exc).__name__}"))
                return
            telemetry.MESSAGES_SENT.labels(row.platform).inc()
            await self._record_sent(row.id, provider_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease expires and another try follows; log without any message content.
            log.exception("delivering outbox row %s failed unexpectedly", row.id)

    async def _row_failed(self, row: queue.ClaimedMessage, exc: DeliveryError) -> None:
        now = self.clock()
        if exc.retry_after is not None:
            telemetry.RATE_LIMITED.labels(row.platform).inc()
            await self.limiter.pause(row.platform, row.chat_id, exc.retry_after)
            at = now + timedelta(seconds=exc.retry_after)
            await queue.reschedule(self.db, row.id, at, str(exc), count_attempt=False)
            log.info("%s chat paused for %.1fs (rate limited)", row.platform, exc.retry_after)
            return
        if exc.unreachable:
            await queue.mark_unreachable(self.db, row.platform, row.chat_id)
        if exc.permanent or row.attempts >= self.max_attempts:
            await queue.mark_failed(self.db, row.id, str(exc))
            telemetry.DELIVERIES_FAILED.labels(row.platform).inc()
            log.warning("outbox row %s failed after %s attempt(s)", row.id, row.attempts)
            await queue.tell_coach_of_failure(
                self.db,
                platform=row.platform,
                chat_id=row.chat_id,
                payload=row.payload,
                reference=str(row.id),
            )
            self.wake()
            return
        at = now + timedelta(seconds=backoff_delay(row.attempts, base=self.backoff_base))
        await queue.reschedule(self.db, row.id, at, str(exc))

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start draining the queue (idempotent: several owners may call it)."""
        if self._loop_task is None:
            self._stopping = False
            self._loop_task = asyncio.create_task(self._run(), name="outbound-sender")

    async def stop(self) -> None:
        """Stop draining (idempotent). Queued rows stay in the table for the next start."""
        if self._loop_task is not None:
            task, self._loop_task = self._loop_task, None
            # The flag ends the loop between two claims, so no claim's transaction is cut short;
            # only a loop stuck longer (a database that does not answer) is cancelled, and the cancel
            # is repeated because Python 3.11's wait_for can swallow one that lands as its wait ends.
            self._stopping = True
            self._wake.set()
            await asyncio.wait({task}, timeout=STOP_LOOP_WAIT_S)
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=STOP_RETRY_S)
        # Rows in flight finish (or their lease expires after a hard stop).
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=10)
        if not self._closed:
            self._closed = True
            await self.limiter.close()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()
            try:
                if self._unrecorded:
                    await self._record_unrecorded()
                claimed = await self._claim()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The database is unavailable: log once per streak, retry with backoff.
                if not failures:
                    log.warning("claiming outbox rows failed: %s; retrying", type(exc).__name__)
                failures += 1
                await asyncio.sleep(backoff_delay(failures, cap=CLAIM_RETRY_MAX_S))
                continue
            for row in claimed:
                self._spawn(row)
            if claimed and len(self._inflight) < self.concurrency:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
