"""Client threads: what a client says on any channel appears in one thread in the coach's Slack,
and what the coach replies in that thread goes back to the client on their own channel.

Client → coach: the conversation engine stores free text as ``Message`` rows; :func:`relay_pending`
queues each one once (``relayed_at``) as an outbox row the Slack transport posts into the thread.
Coach → client: :func:`relay_coach_reply` stores the reply with its response time and queues it to
the client's channel, in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum

from conversations.coach_replies import AlreadySent, queue_coach_reply
from conversations.messages import OutgoingFile
from domain.clock import utcnow
from domain.db import Database
from domain.models import Client, Coach, CoachThread
from domain.services import alert_snoozes, coach_threads
from domain.services.audit import record_audit_event
from domain.services.outbox import enqueue_message

log = logging.getLogger(__name__)

PLATFORM = "slack"
CLIENT_MESSAGE = "client_message"  # outbox payload type: relay Message ``message_id`` into its thread
RELAY_POLL_SECONDS = 1.0
RELAY_BATCH = 100
# Each poll looks only at recent messages (the indexed created_at), so an idle poll stays cheap on a
# large table; a full pass now and then catches the rest (e.g. a coach who linked Slack later).
RELAY_RECENT_WINDOW = timedelta(minutes=10)
RELAY_FULL_PASS_EVERY = timedelta(minutes=5)


def coach_target(coach: Coach) -> str | None:
    """Where a coach reads the app: a configured channel, else the DM with the app."""
    return coach.slack_channel_id or coach.slack_user_id


async def relay_pending(db: Database, *, since: datetime | None = None, limit: int = RELAY_BATCH) -> int:
    """Queue client messages not yet relayed to their coach's Slack; returns how many were queued.

    Concurrent relays skip each other's rows (``SKIP LOCKED``); the outbox dedupe key makes a
    message queued twice impossible anyway.
    """
    async with db.unit_of_work() as session:
        rows = await coach_threads.claim_messages_to_relay(session, since=since, limit=limit)
        for message, coach in rows:
            target = coach_target(coach)
            assert target is not None
            await enqueue_message(
                session,
                platform=PLATFORM,
                chat_id=target,
                payload={"type": CLIENT_MESSAGE, "message_id": message.id, "client_id": message.client_id},
                dedupe_key=f"relay:{message.id}",
            )
        return len(rows)


class RelayLoop:
    """Polls for client messages to relay and wakes the sender when it queued some."""

    def __init__(
        self,
        db: Database,
        *,
        on_queued: Callable[[], None] | None = None,
        interval: float = RELAY_POLL_SECONDS,
    ) -> None:
        self.db = db
        self.on_queued = on_queued
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="slack-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def relay_once(self, *, full: bool) -> int:
        since = None if full else utcnow() - RELAY_RECENT_WINDOW
        total = 0
        while True:
            queued = await relay_pending(self.db, since=since)
            total += queued
            if queued < RELAY_BATCH:
                break
        if total and self.on_queued is not None:
            self.on_queued()
        return total

    async def _run(self) -> None:
        last_full: datetime | None = None
        while True:
            try:
                now = utcnow()
                full = last_full is None or now - last_full >= RELAY_FULL_PASS_EVERY
                await self.relay_once(full=full)
                if full:
                    last_full = now
            except Exception:
                log.exception("relaying client messages failed; retrying")
            await asyncio.sleep(self.interval)


async def find_thread(db: Database, *, channel_id: str, thread_ref: str) -> CoachThread | None:
    async with db.sessions() as session:
        return await coach_threads.find_thread_by_ref(
            session, platform=PLATFORM, channel_id=channel_id, thread_ref=thread_ref
        )


PostRoot = Callable[[Client], Awaitable[str]]


async def ensure_thread(
    db: Database, *, coach_id: int, client_id: int, channel_id: str, post_root: PostRoot
) -> CoachThread:
    """The client's thread in ``channel_id``, posting its first message when there is none yet."""
    async with db.sessions() as session:
        thread = await coach_threads.find_client_thread(
            session, platform=PLATFORM, channel_id=channel_id, client_id=client_id
        )
        if thread is not None:
            return thread
        client = await session.get(Client, client_id)
        assert client is not None
    thread_ref = await post_root(client)
    # When another delivery created the thread meanwhile, theirs is used (the extra root is harmless).
    async with db.unit_of_work() as session:
        return await coach_threads.open_thread(
            session,
            platform=PLATFORM,
            coach_id=coach_id,
            client_id=client_id,
            channel_id=channel_id,
            thread_ref=thread_ref,
        )


class ReplyOutcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    NOT_A_CLIENT_THREAD = "not_a_client_thread"
    NOT_YOUR_CLIENT = "not_your_client"
    UNREACHABLE = "unreachable"
    EMPTY = "empty"


async def relay_coach_reply(
    db: Database,
    *,
    coach: Coach,
    channel_id: str,
    thread_ref: str,
    text: str,
    event_ref: str,
    files: tuple[OutgoingFile, ...] = (),
) -> ReplyOutcome:
    """A coach wrote in a client thread: store the reply (with response time) and queue it to the client."""
    thread = await find_thread(db, channel_id=channel_id, thread_ref=thread_ref)
    if thread is None:
        return ReplyOutcome.NOT_A_CLIENT_THREAD
    if not text.strip() and not files:
        return ReplyOutcome.EMPTY
    dedupe_key = f"slack-reply:{channel_id}:{event_ref}"
    async with db.unit_of_work() as session:
        client = await session.get(Client, thread.client_id)
        if client is None or client.coach_id != coach.id:
            await record_audit_event(
                session,
                actor=f"slack:{coach.slack_user_id}",
                action="slack.refused",
                subject=f"client:{thread.client_id}",
                details={"attempted": "thread reply"},
            )
            return ReplyOutcome.NOT_YOUR_CLIENT
        try:
            stored = await queue_coach_reply(
                session,
                client_id=client.id,
                coach_id=coach.id,
                coach_name=coach.name,
                text=text,
                dedupe_key=dedupe_key,
                files=files,
            )
        except AlreadySent:
            return ReplyOutcome.DUPLICATE
        if stored is None:
            return ReplyOutcome.UNREACHABLE
    return ReplyOutcome.SENT


async def snooze_alerts(
    db: Database, *, coach_id: int, client_id: int, now: datetime | None = None
) -> datetime:
    async with db.unit_of_work() as session:
        return await alert_snoozes.snooze_alerts(
            session, coach_id=coach_id, client_id=client_id, now=now or utcnow()
        )


async def alerts_snoozed(db: Database, *, coach_id: int, client_id: int, now: datetime | None = None) -> bool:
    async with db.sessions() as session:
        return await alert_snoozes.alerts_snoozed(
            session, coach_id=coach_id, client_id=client_id, now=now or utcnow()
        )
