"""A reminder dispatcher killed (-9) in the middle of a batch loses no reminder and sends none twice.

The dispatcher runs in a real subprocess (:mod:`tests.durability.reminder_worker`) and is killed while
its batch's transaction is open: the reminders are already moved out of ``pending`` and their outbox
rows inserted, but nothing is committed. The database rolls the batch back, and the next dispatcher
(a restarted worker, or on PostgreSQL another worker that was running all along) sends exactly those.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from domain.clock import ensure_utc
from domain.db import Database
from domain.models import Reminder
from domain.models.enums import ReminderStatus
from tests.reminders.conftest import People, dispatch, outbox, plan, reminders, utc
from tests.support.databases import postgres_requested

CLIENTS = 40
BATCH = 8
HOLD_IN = 3  # killed inside its third batch, two batches committed
DUE = utc(2026, 11, 24, 9, 0)
ROOT = Path(__file__).resolve().parents[2]


def _start(url: str, *, hold_in: int | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tests.durability.reminder_worker", url, DUE.isoformat(), str(BATCH)]
    if hold_in is not None:
        args.append(str(hold_in))
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _read_until_holding(proc: subprocess.Popen[str]) -> list[str]:
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if line.startswith("holding"):
            return lines
    raise AssertionError(
        f"worker ended before holding a batch: {lines}\n{proc.stderr.read() if proc.stderr else ''}"
    )


def _kill(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=30)


async def _clients(db: Database) -> None:
    people = People(db)
    for _ in range(CLIENTS):
        await people.client()
    await plan(db, utc(2026, 11, 24, 6, 0))


async def _due(db: Database) -> list[Reminder]:
    """The check-in reminders due at ``DUE`` (planning also made the next days')."""
    return [r for r in await reminders(db, kind="checkin") if ensure_utc(r.due_at) <= DUE]


async def _drain(db: Database) -> None:
    """Dispatch until no check-in reminder is pending, as the next ticks would. A killed worker's
    connection is closed by its kernel and the server then rolls back and releases its row locks;
    until it has, the batch is skipped (locked), so wait for it a little."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        while await dispatch(db, DUE, None):
            pass
        if all(r.status != ReminderStatus.PENDING for r in await _due(db)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("reminders still pending 30 s after the kill")


async def _assert_each_sent_once(db: Database) -> None:
    checkins = await _due(db)
    assert len(checkins) == CLIENTS
    assert {r.status for r in checkins} == {ReminderStatus.SENT}  # none lost
    assert all(r.attempts == 1 for r in checkins)  # the killed try left no trace
    queued = await outbox(db)
    keys = Counter(m.dedupe_key for m in queued)
    assert set(keys) == {f"reminder:{r.id}" for r in checkins}
    assert max(keys.values()) == 1  # none twice
    assert len({m.chat_id for m in queued}) == CLIENTS


async def test_kill_9_inside_a_batch_rolls_it_back_and_the_restart_sends_it_once(
    db: Database, database_url: str
) -> None:
    await _clients(db)
    worker = _start(database_url, hold_in=HOLD_IN)
    try:
        lines = _read_until_holding(worker)
    finally:
        code = _kill(worker)
    assert code == -signal.SIGKILL
    assert lines == ["committed 8", "committed 8", "holding 8"]

    # What the killed batch wrote is gone; the two committed batches stay.
    assert len(await outbox(db)) == 2 * BATCH
    statuses = Counter(r.status for r in await _due(db))
    assert statuses == {ReminderStatus.SENT: 2 * BATCH, ReminderStatus.PENDING: CLIENTS - 2 * BATCH}

    # The restarted worker (here: this process) finishes the work.
    await _drain(db)
    await _assert_each_sent_once(db)


@pytest.mark.skipif(not postgres_requested(), reason="two concurrent dispatchers need PostgreSQL's row locks")
async def test_a_second_worker_takes_over_the_killed_workers_batch(db: Database, database_url: str) -> None:
    await _clients(db)
    stuck = _start(database_url, hold_in=1)
    try:
        assert _read_until_holding(stuck) == ["holding 8"]
        # Meanwhile another worker dispatches everything it can claim: the stuck batch is locked.
        other = _start(database_url)
        out, err = other.communicate(timeout=120)
        assert other.returncode == 0, err
        assert out.split("\n")[-2] == "done"
        assert len(await outbox(db)) == CLIENTS - BATCH
    finally:
        _kill(stuck)
    # The killed worker's locks are released with its connection; the surviving worker's next tick
    # (here: this process) claims its batch.
    await _drain(db)
    await _assert_each_sent_once(db)
