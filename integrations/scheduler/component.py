"""The reminders component: APScheduler ticks that plan reminder rows and dispatch due ones to the outbox
(and expand due announcements into it).

The jobs only move rows; what to send and when lives in ``domain.reminders`` and survives restarts.
Each tick is its own transaction, so several ``coach run`` workers on PostgreSQL share the work
(rows are claimed with ``FOR UPDATE SKIP LOCKED``); on SQLite run a single worker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.components import AppContext, Component
from conversations.announcement_wording import announcement_payload
from conversations.cohort_groups import render_week
from conversations.flows.program import render_completion, render_step
from conversations.progress_summary import weekly_summary_payload
from conversations.reminder_wording import reminder_payload
from domain import telemetry
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.program_delivery import deliver_due_steps
from domain.reminders import DigestComposer, DispatchPolicy, ReminderDispatcher, plan_everyone
from domain.reminders.sequences import plan_email_sequences, plan_weekly_summaries
from domain.services.announcements import expand_next_chunk, finish_delivered
from domain.services.cohorts import queue_week_posts
from domain.services.files import unlink_stored_files
from domain.services.retention import (
    PURGE_BATCH,
    Purged,
    RetentionPolicy,
    erase_closed_clients,
    purge_by_policy,
    purge_idempotency_records,
    purge_old_files,
)

log = logging.getLogger(__name__)

PLAN_EVERY = timedelta(minutes=5)
DISPATCH_EVERY = timedelta(seconds=20)
# Old idempotency records (processed chat messages, webhook events) and clients' files past
# COACH_RETENTION_FILES_DAYS are deleted this often.
PURGE_EVERY = timedelta(hours=1)
# The retention purge (check-ins, messages, audit events) runs hourly too, first a little after start.
RETENTION_FIRST_DELAY = timedelta(minutes=5)
# Program steps due at a client's reminder time are released this often (domain.program_delivery).
PROGRAM_STEPS_EVERY = timedelta(minutes=1)
# Due announcements are expanded into outbox rows, and finished ones reported, this often.
ANNOUNCEMENTS_EVERY = timedelta(seconds=5)
# Cohort groups' weekly posts are due once a week each; a few minutes late is fine.
COHORT_POSTS_EVERY = timedelta(minutes=5)
# On shutdown a running tick gets this long to commit before it is cancelled (and rolled back).
STOP_TIMEOUT_S = 10.0


class DrainingExecutor(AsyncIOExecutor):  # type: ignore[misc]  # apscheduler 3 is untyped
    """APScheduler's asyncio executor, plus a way to await the jobs it has submitted.

    Its ``shutdown()`` can only cancel them, and a job cancelled before its first step (submitted in
    the same loop iteration as the shutdown, likely under load) is logged by APScheduler as an error
    with a CancelledError traceback. Draining first lets every submitted tick finish and commit.
    """

    async def drain(self, within_s: float) -> None:
        pending = {future for future in self._pending_futures if not future.done()}
        if pending:
            await asyncio.wait(pending, timeout=within_s)


class ReminderScheduler(Component):
    name = "reminders"

    def __init__(
        self,
        db: Database,
        *,
        policy: DispatchPolicy | None = None,
        digest: DigestComposer | None = None,
        clock: Clock = utcnow,
        plan_every: timedelta = PLAN_EVERY,
        dispatch_every: timedelta = DISPATCH_EVERY,
        purge_every: timedelta = PURGE_EVERY,
        sender: Any = None,
        context: AppContext | None = None,
        storage_dir: Path | str | None = None,
        file_retention_days: int = 0,
        retention: RetentionPolicy | None = None,
    ) -> None:
        """Without ``storage_dir`` (or with a retention of 0 days) clients' files are kept forever."""
        self.db = db
        self.clock = clock
        self.dispatcher = ReminderDispatcher(
            policy, digest, wording=reminder_payload, summary=weekly_summary_payload
        )
        self.plan_every = plan_every
        self.dispatch_every = dispatch_every
        self.purge_every = purge_every
        self.sender = sender
        self.context = context
        self.storage_dir = storage_dir
        self.file_retention_days = file_retention_days
        self.retention = retention  # None: check-ins, messages and audit events are kept
        self.scheduler: AsyncIOScheduler | None = None
        self._executor: DrainingExecutor | None = None

    async def plan(self) -> int:
        """One planning pass in chunks of clients, each its own transaction (the loop runs between),
        then the programs' email sequences of recent enrollments (one more transaction)."""
        added = await plan_everyone(self.db, now=self.clock())
        async with self.db.unit_of_work() as session:
            added += await plan_email_sequences(session, now=self.clock())
            added += await plan_weekly_summaries(session, now=self.clock())
        return added

    async def dispatch(self) -> int:
        """Dispatch every due reminder, one batch per transaction; returns how many were handled."""
        handled = 0
        while True:
            async with self.db.unit_of_work() as session:
                outcomes = await self.dispatcher.dispatch_due(session, now=self.clock())
            # Counted once the batch is committed: a rolled-back batch is claimed again later.
            telemetry.REMINDERS.labels("due").inc(len(outcomes))
            for outcome in outcomes:
                telemetry.REMINDERS.labels(str(outcome.status)).inc()
            handled += len(outcomes)
            if len(outcomes) < self.dispatcher.policy.batch_size:
                break
            await asyncio.sleep(0)  # other work runs between batches
        wake = getattr(self.sender, "wake", None)
        if handled and callable(wake):
            wake()  # the sender would find the rows on its next poll anyway; this is only sooner
        return handled

    async def purge(self) -> Purged:
        """Forget processed messages, webhook events and clients' files past their retention
        (domain.services.retention)."""
        now = self.clock()
        async with self.db.unit_of_work() as session:
            purged = await purge_idempotency_records(session, now=now)
        if purged.processed_messages or purged.provider_events:
            log.info(
                "purged %d processed messages and %d provider events",
                purged.processed_messages,
                purged.provider_events,
            )
        return dataclasses.replace(purged, files=await self.purge_files(now))

    async def purge_by_retention(self) -> dict[str, int]:
        """Delete check-ins, messages and audit events past their COACH_RETENTION_*_DAYS, in batches,
        and erase closed clients idle past COACH_RETENTION_CLOSED_CLIENTS_DAYS (a job of its own, first
        run a few minutes after start so start-up stays light)."""
        if self.retention is None:
            return {}
        now = self.clock()
        purged = await purge_by_policy(self.db, self.retention, now=now)
        if self.retention.closed_clients_days and self.storage_dir is not None:
            erased = await erase_closed_clients(
                self.db, now=now, days=self.retention.closed_clients_days, storage_dir=self.storage_dir
            )
            if erased:
                purged["closed_clients"] = erased
        if purged:
            log.info("purged past their retention: %s", ", ".join(f"{n} {t}" for t, n in purged.items()))
        return purged

    async def purge_files(self, now: datetime) -> int:
        """Delete the rows of files past their retention, then (after each batch's commit) the files."""
        if self.storage_dir is None or not self.file_retention_days:
            return 0
        purged = missing = 0
        while True:
            async with self.db.unit_of_work() as session:
                paths = await purge_old_files(
                    session, now=now, keep_days=self.file_retention_days, limit=PURGE_BATCH
                )
            if paths:
                unlinked = await asyncio.to_thread(unlink_stored_files, paths, self.storage_dir)
                missing += unlinked.missing
            purged += len(paths)
            if len(paths) < PURGE_BATCH:
                break
        if purged:
            log.info("purged %d stored files (%d already gone from disk)", purged, missing)
        return purged

    async def deliver_program_steps(self) -> int:
        """Release the program steps due now and complete finished enrollments (one transaction)."""
        async with self.db.unit_of_work() as session:
            outcomes = await deliver_due_steps(
                session, now=self.clock(), render_step=render_step, render_completion=render_completion
            )
        wake = getattr(self.sender, "wake", None)
        if outcomes and callable(wake):
            wake()
        return len(outcomes)

    async def announcements(self) -> int:
        """Expand due announcements chunk by chunk (a transaction each; the loop runs between), then
        report those whose messages are all delivered. Returns how many messages were queued."""
        queued = 0
        while True:
            async with self.db.unit_of_work() as session:
                expanded = await expand_next_chunk(session, now=self.clock(), wording=announcement_payload)
            if expanded is None:
                break
            queued += expanded.queued
            wake = getattr(self.sender, "wake", None)
            if expanded.queued and callable(wake):
                wake()  # the first chunk goes out while the next ones are written
            await asyncio.sleep(0)
        async with self.db.unit_of_work() as session:
            await finish_delivered(session, now=self.clock())
        return queued

    async def post_cohort_weeks(self) -> int:
        """Queue the weekly post and group check-in of every cohort group whose week has come."""
        async with self.db.unit_of_work() as session:
            queued = await queue_week_posts(session, now=self.clock(), render=render_week)
        wake = getattr(self.sender, "wake", None)
        if queued and callable(wake):
            wake()
        return queued

    async def tick(self) -> int:
        await self.plan()
        return await self.dispatch()

    async def _guarded(self, job: str) -> None:
        try:
            await self._jobs()[job]()
        except asyncio.CancelledError:
            # Shutdown gave up waiting: the tick's transaction rolls back and the next start redoes it.
            log.info("reminder %s tick interrupted by shutdown", job)
        except Exception:  # a failed tick is retried by the next one
            log.exception("reminder %s tick failed", job)

    def _jobs(self) -> dict[str, Callable[[], Awaitable[object]]]:
        return {
            "plan": self.plan,
            "dispatch": self.dispatch,
            "purge": self.purge,
            "retention": self.purge_by_retention,
            "program_steps": self.deliver_program_steps,
            "announcements": self.announcements,
            "cohorts": self.post_cohort_weeks,
        }

    async def start(self) -> None:
        # APScheduler logs every run at INFO (three lines a minute here); keep only its warnings.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        # The sender is looked up now: channel components may create it after this one was built.
        if self.context is not None:
            self.sender = self.sender or _find_sender(self.context)
        self._executor = DrainingExecutor()
        scheduler = AsyncIOScheduler(timezone=UTC, executors={"default": self._executor})
        common: dict[str, Any] = {"max_instances": 1, "coalesce": True, "next_run_time": utcnow()}
        scheduler.add_job(
            self._guarded,
            "interval",
            args=["plan"],
            seconds=self.plan_every.total_seconds(),
            id="plan",
            **common,
        )
        scheduler.add_job(
            self._guarded,
            "interval",
            args=["dispatch"],
            seconds=self.dispatch_every.total_seconds(),
            id="dispatch",
            **common,
        )
        scheduler.add_job(
            self._guarded,
            "interval",
            args=["purge"],
            seconds=self.purge_every.total_seconds(),
            id="purge",
            **common,
        )
        scheduler.add_job(
            self._guarded,
            "interval",
            args=["retention"],
            seconds=self.purge_every.total_seconds(),
            id="retention",
            **{**common, "next_run_time": utcnow() + RETENTION_FIRST_DELAY},
        )
        scheduler.add_job(
            self._guarded,
            "interval",
            args=["program_steps"],
            seconds=PROGRAM_STEPS_EVERY.total_seconds(),
            id="program_steps",
            **common,
        )
        scheduler.add_job(
            self._guarded,
            "interval",
            args=["announcements"],
            seconds=ANNOUNCEMENTS_EVERY.total_seconds(),
            id="announcements",
            **common,
        )
        scheduler.add_job(
            self._guarded,
            "interval",
            args=["cohorts"],
            seconds=COHORT_POSTS_EVERY.total_seconds(),
            id="cohorts",
            **common,
        )
        scheduler.start()
        self.scheduler = scheduler

    async def stop(self) -> None:
        """Let every submitted tick finish (APScheduler would cancel it, maybe mid-transaction), then
        shut down."""
        if self.scheduler is None:
            return
        self.scheduler.pause()  # no new submissions from here on
        if self._executor is not None:
            await self._executor.drain(STOP_TIMEOUT_S)
        self.scheduler.shutdown(wait=False)
        self.scheduler = None
        self._executor = None


def attach_email_transport(ctx: AppContext, sender: Any) -> bool:
    """Register the SMTP transport with the outbound sender when ``COACH_SMTP_HOST``/``_FROM`` are set."""
    config = ctx.settings
    if not config.email_enabled or sender is None or not hasattr(sender, "register"):
        return False
    from integrations.email import UNSUBSCRIBE_PATH, EmailTransport, SmtpConfig

    assert config.smtp_host is not None and config.smtp_from is not None
    sender.register(
        EmailTransport(
            SmtpConfig(
                host=config.smtp_host,
                port=config.smtp_port,
                sender=config.smtp_from,
                username=config.smtp_user,
                password=config.smtp_password,
                starttls=config.smtp_starttls,
                unsubscribe_url=f"{config.web_base_url}{UNSUBSCRIBE_PATH}",
            )
        )
    )
    return True


def _find_sender(ctx: AppContext) -> Any:
    from bot.outbound.component import SENDER_KEY

    return ctx.extras.get(SENDER_KEY)


def build_reminder_scheduler(ctx: AppContext) -> ReminderScheduler:
    """The always-on reminders component; it also installs ``/settings`` (with its calendar file)."""
    from conversations.flows import settings as settings_flow
    from integrations.calendar import checkin_schedule_ics

    settings_flow.install(calendar=checkin_schedule_ics)
    config = ctx.settings
    if config.email_enabled:
        from bot.outbound.component import shared_sender

        attach_email_transport(ctx, shared_sender(ctx))
    policy = DispatchPolicy(slack_enabled=config.slack_enabled, email_enabled=config.email_enabled)
    return ReminderScheduler(
        ctx.db,
        policy=policy,
        digest=ctx.extras.get("digest_composer"),
        context=ctx,
        storage_dir=config.storage_dir,
        file_retention_days=config.retention_files_days,
        retention=RetentionPolicy(
            checkins_days=config.retention_checkins_days,
            messages_days=config.retention_messages_days,
            audit_days=config.retention_audit_days,
            closed_clients_days=config.retention_closed_clients_days,
        ),
    )
