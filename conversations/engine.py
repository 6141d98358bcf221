"""The conversation engine: one message in, the replies out, with every step durable.

How a message travels:

1. ``handle()`` appends it to its user's queue. A user with queued messages is "ready" once; only
   the head of a user's queue is ever in flight, so one user's messages run strictly in order while
   different users run side by side.
2. A worker takes up to ``max_batch`` ready users and handles their head messages in ONE
   transaction (group commit): state rows are read with ``FOR UPDATE`` on PostgreSQL, already
   processed idempotency keys answer with their stored replies, each step runs, then all states and
   processed keys are written with two executemany statements. Replies are released only after the
   commit, so nothing is ever said that was not saved.
3. Effects a step scheduled with ``turn.after_commit`` (payment links, goal suggestions) run after
   the commit, outside any transaction, before the user's next message starts.

Messages handled from the inbox (``IncomingMessage.from_inbox``) have their replies queued in the
outbox and their inbox row marked handled inside that same transaction, so once the step is saved its
answer can no longer be lost: the sender delivers it (at once, or after a restart).

If the database cannot be reached, the batch is retried with backoff for up to
``outage_retry`` (minutes, not milliseconds); nobody is told "something went wrong" for an outage.
Inbox messages that still fail then raise :class:`ConversationsUnavailable` and stay in the inbox.

If a step fails after touching domain data (a domain rule rejected the write, or a bug), the whole
batch is rolled back and re-run with that message answered by a re-prompt (or an apology) instead,
so a batch never keeps half of a step. Conflicts (deadlocks, a concurrent engine, SQLite busy) are
retried.

Extension: other packages add global commands and flows through :mod:`conversations.registry`
(``register_command("/billing", flow="billing")``, ``register_flow(flow)``) without editing this
module; the registry is read on every message. Proactive starts (a reminder's check-in) use
:meth:`ConversationEngine.begin_flow`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from conversations import commands
from conversations.flow import (
    CHOSEN_LOCALE_KEY,
    END,
    REPEAT,
    STAY,
    Batch,
    Effect,
    EffectContext,
    Flow,
    InvalidAnswer,
    Next,
    StartFlow,
    Turn,
)
from conversations.flows import BUILTIN_FLOWS
from conversations.flows import policy as policy_gate
from conversations.flows.checkin import detect_note_languages
from conversations.i18n import DEFAULT_LOCALE, current_locale, supported_locale, use_locale
from conversations.messages import IncomingMessage, OutgoingMessage
from conversations.parsing import ParseError
from conversations.ports import ConversationsUnavailable, GoalSuggester, PaymentPort
from conversations.reasons import explain
from conversations.registry import extra_commands, extra_flows
from conversations.store import (
    StateConflict,
    StateWrite,
    StoredState,
    UserKey,
    create_states,
    lock_states,
    save_steps,
)
from conversations.texts import Common as T
from conversations.texts import Policy as PolicyTexts
from domain import telemetry
from domain.clock import Clock, ensure_utc, utcnow
from domain.db import Database, is_unavailable
from domain.errors import DomainError
from domain.services.inbox import mark_handled
from domain.services.outbox import QueuedReply, enqueue_replies
from domain.services.policies import PolicyNotice

log = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 3
MAX_CONFLICT_RETRIES = 8
# While the database is unreachable a batch is retried with backoff from the first to the last of
# these delays (seconds), for up to OUTAGE_RETRY in all.
OUTAGE_BACKOFF_FIRST_S = 0.2
OUTAGE_BACKOFF_MAX_S = 5.0
OUTAGE_RETRY = timedelta(minutes=10)
# A flow may hand over to another a few times in one message (e.g. menu → check-in); more is a bug.
MAX_HANDOVERS = 8


@dataclass(slots=True)
class _Pending:
    message: IncomingMessage
    future: asyncio.Future[list[OutgoingMessage]]
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def key(self) -> UserKey:
        return (self.message.platform, self.message.external_user_id)


@dataclass(slots=True)
class _Outcome:
    replies: list[OutgoingMessage]
    effects: list[Effect] = field(default_factory=list)
    client_id: int | None = None
    locale: str = DEFAULT_LOCALE


class _StepRejected(Exception):
    """A step touched domain data and then failed; the batch is re-run with this message rejected."""

    def __init__(self, key: str, hint: str | None) -> None:
        super().__init__(key)
        self.key = key
        self.hint = hint  # None: an unexpected error, answered with an apology


@dataclass(slots=True)
class _Working:
    """The state being changed by one message; written back only if the transaction commits."""

    flow: str | None
    step: str | None
    flow_version: int
    data: dict[str, Any]
    failed_attempts: int

    def clear(self) -> None:
        self.flow, self.step, self.flow_version, self.data, self.failed_attempts = None, None, 0, {}, 0


class ConversationEngine:
    """Implements :class:`conversations.ports.ConversationHandler` on top of the database."""

    # Replies to inbox messages are outbox rows written with the step: channels only wake the sender.
    queues_inbox_replies = True

    def __init__(
        self,
        db: Database,
        *,
        payments: PaymentPort | None = None,
        goal_suggester: GoalSuggester | None = None,
        clock: Clock = utcnow,
        timeout: timedelta = timedelta(hours=24),
        max_batch: int = 256,
        workers: int | None = None,
        outage_retry: timedelta = OUTAGE_RETRY,
    ) -> None:
        self.db = db
        self.payments = payments
        self.goal_suggester = goal_suggester
        self.clock = clock
        self.timeout = timeout
        self.max_batch = max_batch
        # SQLite has one writer at a time, so more workers would only queue on its lock.
        self.worker_count = workers or (1 if db.is_sqlite else 3)
        self._queues: dict[UserKey, deque[_Pending]] = {}
        self._ready: deque[UserKey] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set whenever the last queued message is finished
        self._workers: list[asyncio.Task[None]] = []
        self._effect_tasks: set[asyncio.Task[None]] = set()
        self._lock_rows = not db.is_sqlite
        self.outage_retry = outage_retry
        self._stopping = False

    # -- public interface ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        if not self._workers:
            self._workers = [asyncio.create_task(self._work()) for _ in range(self.worker_count)]

    async def stop(self) -> None:
        """Finish queued messages, then stop the workers. A batch waiting out a database outage gives
        up at once (inbox messages stay stored for the next worker; others get the error reply)."""
        self._stopping = True
        if self._queues and any(not w.done() for w in self._workers):
            self._idle.clear()
            await self._idle.wait()
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []
        if self._effect_tasks:
            await asyncio.gather(*self._effect_tasks, return_exceptions=True)

    async def handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
        telemetry.MESSAGES_RECEIVED.labels(message.platform).inc()
        return await self._handle(message)

    async def _handle(self, message: IncomingMessage) -> list[OutgoingMessage]:
        if not self._workers:
            await self.start()
        future: asyncio.Future[list[OutgoingMessage]] = asyncio.get_running_loop().create_future()
        pending = _Pending(message, future)
        queue = self._queues.get(pending.key)
        if queue is None:
            queue = self._queues[pending.key] = deque()
        queue.append(pending)
        if len(queue) == 1:
            self._ready.append(pending.key)
            self._wake.set()
        return await future

    async def begin_flow(
        self, *, platform: str, external_user_id: str, chat_id: str, flow: str, idempotency_key: str
    ) -> list[OutgoingMessage]:
        """Start ``flow`` for a user as if they had typed its command (e.g. a check-in reminder).

        ``idempotency_key`` makes a repeated reminder start the flow once. A client with a newer privacy
        policy to accept is asked once (the start is set aside); while the question is open a start
        says nothing."""
        return await self._handle(  # not a person's message: not counted as one received
            IncomingMessage(
                platform=platform,
                external_user_id=external_user_id,
                chat_id=chat_id,
                message_id=idempotency_key,
                button_payload=f"/{flow}",
                idempotency_key=idempotency_key,
                received_at=self.clock(),
                proactive=True,
            )
        )

    # -- workers and batches -------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            if not self._ready:
                self._wake.clear()
                await self._wake.wait()
                continue
            take = min(len(self._ready), self.max_batch)
            batch = [self._queues[self._ready.popleft()][0] for _ in range(take)]
            telemetry.ENGINE_BATCH_SIZE.observe(take)
            started = time.monotonic()
            try:
                outcomes = await self._run(batch)
            except ConversationsUnavailable as exc:
                for pending in batch:
                    self._finish(pending, exc if pending.message.from_inbox else [OutgoingMessage(T.ERROR)])
                continue
            telemetry.ENGINE_BATCH_SECONDS.observe(time.monotonic() - started)
            for pending, outcome in zip(batch, outcomes, strict=True):
                if outcome.effects:
                    task = asyncio.create_task(self._finish_after_effects(pending, outcome))
                    self._effect_tasks.add(task)
                    task.add_done_callback(self._effect_tasks.discard)
                else:
                    self._finish(pending, outcome.replies)

    def _finish(self, pending: _Pending, replies: list[OutgoingMessage] | BaseException) -> None:
        telemetry.ENGINE_MESSAGE_SECONDS.observe(time.monotonic() - pending.queued_at)
        if not pending.future.done():
            if isinstance(replies, BaseException):
                pending.future.set_exception(replies)
            else:
                pending.future.set_result(replies)
        queue = self._queues[pending.key]
        queue.popleft()
        if queue:
            self._ready.append(pending.key)
            self._wake.set()
        else:
            del self._queues[pending.key]
            if not self._queues:
                self._idle.set()

    async def _finish_after_effects(self, pending: _Pending, outcome: _Outcome) -> None:
        replies = list(outcome.replies)
        added: list[OutgoingMessage] = []
        context = EffectContext(
            self.db, self.payments, self.goal_suggester, outcome.client_id, pending.key, outcome.locale
        )
        patient = pending.message.from_inbox
        with use_locale(outcome.locale):
            for effect in outcome.effects:
                added.extend(await self._run_effect(effect, context, patient=patient))
        if patient and added:
            await self._queue_effect_replies(pending.message, added)
        self._finish(pending, replies + added)

    async def _run_effect(
        self, effect: Effect, context: EffectContext, *, patient: bool
    ) -> list[OutgoingMessage]:
        """An effect that meets a database outage is tried again (for inbox messages, whose client is
        not waiting at a prompt), like a step; any other failure is answered with the apology."""
        since: float | None = None
        tries = 0
        while True:
            try:
                return await effect(context)
            except Exception as exc:
                if patient and is_unavailable(exc):
                    with contextlib.suppress(ConversationsUnavailable):
                        since, tries = await self._wait_out_outage(exc, since, tries)
                        continue
                log.exception("an after-commit effect failed")
                return [OutgoingMessage(T.ERROR)]

    async def _queue_effect_replies(self, message: IncomingMessage, replies: list[OutgoingMessage]) -> None:
        """What effects add (a payment link) is queued after them, in its own transaction; through a
        database outage too."""
        queued = [_queued(message, f"effect:{i}", r) for i, r in enumerate(replies)]
        since: float | None = None
        tries = 0
        while True:
            try:
                async with self.db.sessions() as session, session.begin():
                    await enqueue_replies(await session.connection(), queued, self.clock())
                return
            except Exception as exc:
                if is_unavailable(exc):
                    with contextlib.suppress(ConversationsUnavailable):
                        since, tries = await self._wait_out_outage(exc, since, tries)
                        continue
                log.error("queueing the replies of an after-commit effect failed: %s", type(exc).__name__)
                return

    async def _run(self, batch: list[_Pending]) -> list[_Outcome]:
        rejected: dict[str, str | None] = {}
        # CPU work for notes (their language) is done here, before any transaction is open.
        languages = await detect_note_languages([p.message for p in batch])
        attempt = 0
        outage_since: float | None = None
        outage_tries = 0
        while True:
            try:
                return await self._transaction(batch, rejected, languages)
            except _StepRejected as exc:
                rejected[exc.key] = exc.hint
            except Exception as exc:
                if is_unavailable(exc):
                    outage_since, outage_tries = await self._wait_out_outage(exc, outage_since, outage_tries)
                    continue
                if not isinstance(exc, StateConflict | DBAPIError):
                    # A failure outside any single step (e.g. in batch-wide work): isolate the culprit.
                    if len(batch) > 1:
                        return await self._run_one_by_one(batch)
                    log.exception("a message could not be handled")
                    return [_Outcome([OutgoingMessage(T.ERROR)])]
                attempt += 1
                if attempt > MAX_CONFLICT_RETRIES:
                    if len(batch) == 1:
                        log.error(
                            "giving up on a message after %d conflicts: %s", attempt, type(exc).__name__
                        )
                        return [_Outcome([OutgoingMessage(T.ERROR)])]
                    # Handle the users one by one so one poisoned message cannot block the others.
                    return await self._run_one_by_one(batch)
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))

    async def _run_one_by_one(self, batch: list[_Pending]) -> list[_Outcome]:
        return [(await self._run([p]))[0] for p in batch]

    async def _wait_out_outage(
        self, exc: BaseException, since: float | None, tries: int
    ) -> tuple[float, int]:
        """Back off while the database is unreachable; give up after ``outage_retry`` or on stop."""
        loop = asyncio.get_running_loop()
        if since is None:
            since = loop.time()
            log.warning("the database is unreachable (%s); retrying", type(exc).__name__)
        if self._stopping or loop.time() - since >= self.outage_retry.total_seconds():
            raise ConversationsUnavailable("the database is unreachable") from exc
        delay = min(OUTAGE_BACKOFF_MAX_S, OUTAGE_BACKOFF_FIRST_S * 2.0**tries)
        await asyncio.sleep(delay * random.uniform(0.5, 1.0))
        return since, tries + 1

    async def _transaction(
        self, batch: list[_Pending], rejected: dict[str, str | None], note_languages: dict[str, str]
    ) -> list[_Outcome]:
        now = self.clock()
        async with self.db.sessions() as session, session.begin():
            conn = await session.connection()
            # One read for the whole batch: states (locked), clients, already processed messages and
            # who has to accept a newer privacy policy first.
            states = await lock_states(
                conn,
                [p.key for p in batch],
                for_update=self._lock_rows,
                message_keys=[p.message.idempotency_key for p in batch],
            )
            new = [p for p in batch if p.key not in states]
            if new:
                await create_states(conn, [(*p.key, p.message.chat_id) for p in new], now)
                states.update(
                    await lock_states(
                        conn,
                        [p.key for p in new],
                        for_update=self._lock_rows,
                        message_keys=[p.message.idempotency_key for p in new],
                    )
                )
            done = {
                p.message.idempotency_key: replies
                for p in batch
                if (replies := states[p.key].processed) is not None
            }
            outcomes: list[_Outcome] = []
            writes: list[StateWrite] = []
            keys_written: list[tuple[str, _Outcome]] = []

            async def orm_session() -> AsyncSession:
                return session

            batch_work = Batch(note_languages)

            for pending in batch:
                message = pending.message
                key = message.idempotency_key
                if key in done:
                    outcomes.append(_Outcome([OutgoingMessage.from_dict(r) for r in done[key]]))
                    continue
                state = states[pending.key]
                if key in rejected and rejected[key] is None:
                    outcomes.append(_Outcome([OutgoingMessage(T.ERROR)]))
                    continue
                notice = state.policy_due
                outcome, write = await self._step(
                    message, state, now, orm_session, rejected.get(key, ""), batch_work, notice
                )
                outcomes.append(outcome)
                writes.append(write)
                keys_written.append((key, outcome))
            # Deferred work of the whole batch (e.g. all check-ins in one INSERT) adds its replies.
            await batch_work.run()
            stored = {key: [r.to_dict() for r in outcome.replies] for key, outcome in keys_written}
            await save_steps(conn, writes, stored, now)
            from_inbox = [
                (p.message, o) for p, o in zip(batch, outcomes, strict=True) if p.message.from_inbox
            ]
            if from_inbox:
                queued = [
                    _queued(message, f"reply:{i}", reply)
                    for message, outcome in from_inbox
                    for i, reply in enumerate(outcome.replies)
                ]
                await enqueue_replies(conn, queued, now)
                await mark_handled(conn, [m.idempotency_key for m, _ in from_inbox], now)
        return outcomes

    # -- one message ---------------------------------------------------------------------------------

    async def _step(
        self,
        message: IncomingMessage,
        state: StoredState,
        now: datetime,
        orm_session: Callable[[], Awaitable[AsyncSession]],
        rejected_hint: str | None,
        batch: Batch,
        policy_notice: PolicyNotice | None = None,
    ) -> tuple[_Outcome, StateWrite]:
        if state.client is not None:
            locale = state.client.locale
        else:  # chosen with /language before registering, else what their app is set to
            chosen = state.data.get(CHOSEN_LOCALE_KEY)
            locale = supported_locale(chosen or message.language_hint) or DEFAULT_LOCALE
        with use_locale(locale):
            return await self._step_in_locale(
                message, state, now, orm_session, rejected_hint, batch, policy_notice
            )

    async def _step_in_locale(
        self,
        message: IncomingMessage,
        state: StoredState,
        now: datetime,
        orm_session: Callable[[], Awaitable[AsyncSession]],
        rejected_hint: str | None,
        batch: Batch,
        policy_notice: PolicyNotice | None,
    ) -> tuple[_Outcome, StateWrite]:
        work = _Working(state.flow, state.step, state.flow_version, dict(state.data), state.failed_attempts)
        if state.client is None and message.language_hint and CHOSEN_LOCALE_KEY not in work.data:
            # The language of first contact stays until the person chooses another (or registers).
            work.data[CHOSEN_LOCALE_KEY] = current_locale()
        turn = Turn(
            message,
            client_id=state.client.id if state.client else None,
            client=state.client,
            batch=batch,
            data=work.data,
            now=now,
            session_factory=orm_session,
            payments=self.payments,
            goal_suggester=self.goal_suggester,
        )
        turn.current_flow = work.flow
        try:
            await self._dispatch(turn, work, state, rejected_hint or None, policy_notice)
        except _StepRejected:
            raise
        except Exception as exc:
            if is_unavailable(exc):
                raise
            if not turn.writes and not isinstance(exc, DBAPIError):
                # Nothing touched the database: answer with an apology and keep the state as it was.
                log.exception("a conversation step failed")
                turn.replies = [OutgoingMessage(T.ERROR)]
                work = _Working(
                    state.flow, state.step, state.flow_version, dict(state.data), state.failed_attempts
                )
            elif isinstance(exc, DBAPIError):
                raise
            else:
                log.exception("a conversation step failed after writing")
                raise _StepRejected(message.idempotency_key, None) from exc
        expires = now + self.timeout if work.flow else None
        write = StateWrite(
            id=state.id,
            version=state.version,
            chat_id=message.chat_id,
            flow=work.flow,
            step=work.step,
            flow_version=work.flow_version,
            data=work.data,
            failed_attempts=work.failed_attempts,
            expires_at=expires,
        )
        return _Outcome(turn.replies, turn.effects, turn.client_id, turn.locale), write

    def _flows(self) -> dict[str, Flow]:
        return {**BUILTIN_FLOWS, **extra_flows()}

    async def _dispatch(
        self,
        turn: Turn,
        work: _Working,
        state: StoredState,
        rejected_hint: str | None,
        policy_notice: PolicyNotice | None = None,
    ) -> None:
        if work.flow and state.expires_at is not None and ensure_utc(state.expires_at) <= turn.now:
            turn.say(T.EXPIRED.format(flow=T.FLOW_NAMES.get(work.flow, work.flow)))
            work.clear()
        gated = turn.client_id is not None and (policy_notice is not None or work.flow == policy_gate.NAME)
        if gated and await self._policy_gate(turn, work, state, rejected_hint, policy_notice):
            return
        command = commands.parse_command(turn)
        if command is not None and rejected_hint is None:
            name, args = command
            known = {**commands.BUILTIN_COMMANDS, **extra_commands()}
            if name in known:
                await self._go(turn, work, await commands.run(known[name], turn, args))
                return
            turn.say(T.UNKNOWN_COMMAND.format(command=name))
            await self._go(turn, work, REPEAT)
            return
        if work.flow is None:
            await self._go(turn, work, await commands.outside_flow(turn))
            return
        await self._answer(turn, work, rejected_hint)

    async def _policy_gate(
        self,
        turn: Turn,
        work: _Working,
        state: StoredState,
        rejected_hint: str | None,
        notice: PolicyNotice | None,
    ) -> bool:
        """Ask a client who has not accepted the newest privacy policy before anything else goes on;
        True when the gate answered the message (see :mod:`conversations.flows.policy`)."""
        command = commands.parse_command(turn)
        name = command[0] if command is not None else None
        if work.flow != policy_gate.NAME:
            if notice is None or rejected_hint is not None:
                return False
            if name in policy_gate.OPEN_COMMANDS or work.flow in policy_gate.OPEN_FLOWS:
                return False
            # Set the open conversation and this message aside; they go on once the client accepts.
            pending = policy_gate.set_aside(
                turn.message,
                {
                    "flow": work.flow,
                    "step": work.step,
                    "flow_version": work.flow_version,
                    "data": work.data,
                    "failed_attempts": work.failed_attempts,
                },
            )
            data = {policy_gate.PENDING_KEY: pending, policy_gate.VERSION_KEY: notice.version}
            await self._go(turn, work, StartFlow(policy_gate.NAME, data=data))
            return True
        if turn.message.proactive:
            # Started on the client's behalf (a reminder) while they are asked: the question is what
            # they were sent last, so nothing more is said and nothing piles up behind it.
            return True
        if name is not None and rejected_hint is None:
            if name in policy_gate.OPEN_COMMANDS:
                return False
            turn.say(PolicyTexts.ANSWER_FIRST)
            await self._go(turn, work, REPEAT)
            return True
        if policy_gate.decision(turn.text) is not True:
            return False  # declining and unclear answers: the flow's step
        if notice is not None and notice.version != work.data.get(policy_gate.VERSION_KEY):
            work.data[policy_gate.VERSION_KEY] = notice.version  # a newer one was published meanwhile
            await self._go(turn, work, REPEAT)
            return True
        await policy_gate.accept(turn)
        pending = policy_gate.pending_of(work.data)
        work.flow, work.step = pending.get("flow"), pending.get("step")
        work.flow_version = int(pending.get("flow_version") or 0)
        work.data = dict(pending.get("data") or {})
        work.failed_attempts = int(pending.get("failed_attempts") or 0)
        turn.data, turn.current_flow = work.data, work.flow
        message = policy_gate.message_set_aside(pending, turn.message)
        if rejected_hint is not None or message is None:
            # The set-aside message was refused when handled after accepting: ask its question again.
            if rejected_hint:
                turn.say(rejected_hint)
            await self._go(turn, work, REPEAT)
            return True
        turn.message = message
        # What the set-aside message's step writes is its own: an invalid answer re-prompts as usual
        # (the consent stays), a step that wrote and then failed rejects the whole message.
        turn.writes = False
        try:
            await self._dispatch(turn, work, state, None)
        finally:
            turn.writes = True
        return True

    async def _answer(self, turn: Turn, work: _Working, rejected_hint: str | None) -> None:
        flow = self._flows().get(work.flow or "")
        step = flow.step(work.step or "") if flow is not None else None
        if flow is None or step is None or work.flow_version != flow.version:
            # The flow changed (or was removed) since this user's step was stored: start it afresh.
            turn.say(T.FLOW_CHANGED)
            work.clear()
            if flow is not None:
                await self._go(turn, work, StartFlow(flow.name))
            return
        before = dict(work.data)
        hint = rejected_hint
        if hint is None:
            try:
                next_step = await step.answer(turn)
            except (InvalidAnswer, ParseError, DomainError) as exc:
                # A domain refusal in the client's language (the engine set it for this message).
                hint = getattr(exc, "hint", None) or (
                    explain(exc) if isinstance(exc, DomainError) else str(exc)
                )
                if turn.writes:
                    raise _StepRejected(turn.message.idempotency_key, hint) from exc
            else:
                await self._go(turn, work, next_step)
                return
        work.data.clear()
        work.data.update(before)
        work.failed_attempts += 1
        turn.say(hint)
        turn.replies.append(await step.prompt(turn))
        if work.failed_attempts >= MAX_FAILED_ATTEMPTS:
            turn.say(T.TOO_MANY_ATTEMPTS)

    async def _go(self, turn: Turn, work: _Working, next_step: Next) -> None:
        """Move to ``next_step`` and ask its question, following hand-overs between flows."""
        for _ in range(MAX_HANDOVERS):
            if next_step is STAY:
                return
            if next_step is REPEAT:
                current = self._flows().get(work.flow or "")
                step = current.step(work.step or "") if current is not None else None
                if step is not None:
                    turn.replies.append(await step.prompt(turn))
                return
            if next_step is END:
                work.clear()
                return
            if isinstance(next_step, StartFlow):
                flow = self._flows()[next_step.flow]
                work.flow, work.flow_version, work.step, work.failed_attempts = (
                    flow.name,
                    flow.version,
                    None,
                    0,
                )
                chosen = work.data.get(CHOSEN_LOCALE_KEY)
                work.data = dict(next_step.data)
                if chosen and turn.client_id is None:
                    work.data.setdefault(CHOSEN_LOCALE_KEY, chosen)
                turn.data = work.data
                if next_step.step is not None:
                    next_step = next_step.step
                elif flow.begin is not None:
                    next_step = await flow.begin(turn)
                    continue
                else:
                    next_step = flow.first
            assert isinstance(next_step, str)
            flow = self._flows()[work.flow or ""]
            step = flow.step(next_step)
            if step is None:
                raise LookupError(f"flow {flow.name} has no step {next_step}")
            work.step, work.failed_attempts = next_step, 0
            turn.replies.append(await step.prompt(turn))
            return
        raise RuntimeError("too many flow hand-overs in one message")


def _queued(message: IncomingMessage, part: str, reply: OutgoingMessage) -> QueuedReply:
    """A reply as an outbox row; its key is the update's, so handling the update again adds nothing."""
    return QueuedReply(
        platform=message.platform,
        chat_id=message.chat_id,
        payload=reply.to_dict(),
        dedupe_key=f"{message.idempotency_key}:{part}",
    )
