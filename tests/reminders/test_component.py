"""The reminders component in ``coach run``: APScheduler ticks plan and dispatch on their own."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.components import AppContext, build_components
from bot.config import load_settings
from conversations.registry import extra_commands
from domain.db import Database
from integrations.scheduler import ReminderScheduler
from tests.reminders.conftest import Clock, People, outbox, reminders, utc


async def test_scheduler_ticks_plan_and_dispatch(db: Database, people: People) -> None:
    await people.client(checkin_time="09:00")
    clock = Clock(utc(2026, 11, 24, 9, 0, 30))
    component = ReminderScheduler(
        db, clock=clock, plan_every=timedelta(seconds=0.05), dispatch_every=timedelta(seconds=0.05)
    )
    await component.start()
    try:
        # Today's 09:00 was not planned before "now", so nothing is sent for it; tomorrow's is planned.
        for _ in range(500):
            if await reminders(db):
                break
            await asyncio.sleep(0.02)
        clock.now = utc(2026, 11, 25, 9, 0)
        for _ in range(500):
            if await outbox(db):
                break
            await asyncio.sleep(0.02)
    finally:
        await component.stop()
    [queued] = await outbox(db)
    assert queued.chat_id == "c1"
    assert component.scheduler is None


async def test_registered_in_coach_run_with_the_settings_command(db: Database) -> None:
    ctx = AppContext(settings=load_settings(COACH_DATABASE_URL=db.url), db=db)
    components = build_components(ctx, interactive_console=False)
    assert any(isinstance(c, ReminderScheduler) for c in components)
    assert "/settings" in extra_commands()


async def test_email_transport_is_registered_when_smtp_is_configured(db: Database) -> None:
    from bot.outbound.component import SENDER_KEY

    settings = load_settings(
        COACH_DATABASE_URL=db.url, COACH_SMTP_HOST="127.0.0.1", COACH_SMTP_FROM="c@example.com"
    )
    ctx = AppContext(settings=settings, db=db)
    [scheduler] = [
        c for c in build_components(ctx, interactive_console=False) if isinstance(c, ReminderScheduler)
    ]
    assert "email" in ctx.extras[SENDER_KEY].platforms
    assert scheduler.dispatcher.policy.email_enabled


async def test_scheduler_purges_old_idempotency_records(db: Database) -> None:
    from sqlalchemy import func, select

    from domain.models import ProcessedMessage

    now = utc(2026, 11, 27, 12, 0)
    async with db.unit_of_work() as s:
        s.add(ProcessedMessage(idempotency_key="telegram:1", replies=[], created_at=now - timedelta(days=8)))
    component = ReminderScheduler(db, clock=Clock(now), purge_every=timedelta(seconds=0.05))
    await component.start()
    try:
        for _ in range(500):  # the purge job runs at start and then on its interval
            async with db.unit_of_work() as s:
                if not await s.scalar(select(func.count()).select_from(ProcessedMessage)):
                    break
            await asyncio.sleep(0.02)
    finally:
        await component.stop()
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(ProcessedMessage)) == 0


async def test_the_purge_deletes_files_past_coach_retention_files_days(db: Database, tmp_path: Path) -> None:
    from sqlalchemy import select

    from domain.models import AuditEvent, StoredFile

    now = utc(2026, 11, 27, 12, 0)
    storage = tmp_path / "files"
    (storage / "telegram").mkdir(parents=True)
    async with db.unit_of_work() as s:
        for name, age in (("old.jpg", timedelta(days=91)), ("new.jpg", timedelta(days=89))):
            (storage / "telegram" / name).write_text("x")
            path = str(storage / "telegram" / name)
            s.add(
                StoredFile(platform="telegram", file_id=name, kind="photo", path=path, created_at=now - age)
            )
    settings = load_settings(
        COACH_DATABASE_URL=db.url, COACH_STORAGE_DIR=str(storage), COACH_RETENTION_FILES_DAYS=90
    )
    [component] = [
        c
        for c in build_components(AppContext(settings=settings, db=db), interactive_console=False)
        if isinstance(c, ReminderScheduler)
    ]
    component.clock = Clock(now)
    assert (await component.purge()).files == 1
    assert [p.name for p in (storage / "telegram").iterdir()] == ["new.jpg"]
    async with db.unit_of_work() as s:
        assert (await s.scalars(select(StoredFile.file_id))).all() == ["new.jpg"]
    assert (await ReminderScheduler(db, clock=Clock(now + timedelta(days=365))).purge()).files == 0
    # The retention job of `coach run` deletes by COACH_RETENTION_*_DAYS (the defaults here).
    async with db.unit_of_work() as s:
        s.add(AuditEvent(actor="system", action="note", subject="x", at=now - timedelta(days=400)))
    component.clock = Clock(now)
    assert await component.purge_by_retention() == {"audit_events": 1}
    assert await ReminderScheduler(db, clock=Clock(now)).purge_by_retention() == {}  # no policy: kept


async def test_the_file_purge_runs_in_batches_until_nothing_is_left(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import func, select

    from domain.models import StoredFile

    now = utc(2026, 11, 27, 12, 0)
    storage = tmp_path / "files"
    (storage / "slack").mkdir(parents=True)
    async with db.unit_of_work() as s:
        for n in range(5):
            path = storage / "slack" / f"old{n}.png"
            path.write_text("x")
            s.add(
                StoredFile(
                    platform="slack",
                    file_id=path.name,
                    kind="photo",
                    path=str(path),
                    created_at=now - timedelta(days=400),
                )
            )
    monkeypatch.setattr("integrations.scheduler.component.PURGE_BATCH", 2)
    scheduler = ReminderScheduler(db, clock=Clock(now), storage_dir=storage, file_retention_days=365)
    assert await scheduler.purge_files(now) == 5
    assert list((storage / "slack").iterdir()) == []
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(StoredFile)) == 0


async def test_the_retention_job_erases_closed_clients_by_coach_retention_closed_clients_days(
    db: Database, tmp_path: Path
) -> None:
    from tests.domain.test_closed_client_retention import NOW, business

    storage = tmp_path / "files"
    await business(db, storage)

    def scheduler(**env: object) -> ReminderScheduler:
        settings = load_settings(COACH_DATABASE_URL=db.url, COACH_STORAGE_DIR=str(storage), **env)
        [component] = [
            c
            for c in build_components(AppContext(settings=settings, db=db), interactive_console=False)
            if isinstance(c, ReminderScheduler)
        ]
        component.clock = Clock(NOW)
        return component

    assert "closed_clients" not in await scheduler().purge_by_retention()  # the default keeps them
    purged = await scheduler(COACH_RETENTION_CLOSED_CLIENTS_DAYS=365).purge_by_retention()
    assert purged["closed_clients"] == 2


async def test_stop_right_after_start_waits_for_submitted_ticks(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A stop in the loop iteration that submitted the first ticks used to cancel them before their
    first step, which APScheduler logs as an error with a CancelledError traceback."""
    caplog.set_level(logging.INFO)
    for yields in range(6):  # stop at each point of the start-up sequence
        component = ReminderScheduler(db, clock=Clock(utc(2026, 11, 27, 12, 0)))
        await component.start()
        for _ in range(yields):
            await asyncio.sleep(0)
        await component.stop()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert not [r for r in caplog.records if "interrupted by shutdown" in r.getMessage()]
