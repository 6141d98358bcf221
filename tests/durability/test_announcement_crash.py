"""An announcement's expansion killed (-9, or SIGTERM) inside a chunk queues nobody twice and loses
nobody: the open chunk's outbox messages and recipient rows roll back with it, and the restarted job
goes on from the last committed chunk (its cursor), or, were the cursor lost, adds nothing for the
clients already queued (unique outbox keys and (announcement, client) rows)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from conversations.announcement_wording import announcement_payload
from domain.db import Database
from domain.models import Announcement, AnnouncementRecipient, OutboundMessage
from domain.services import announcements as ann
from domain.services import clients, coaches

CLIENTS = 40
CHUNK = 8
HOLD_IN = 3  # killed inside its third chunk, two chunks committed
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _start(url: str, *, hold_in: int | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tests.durability.announcement_worker", url, NOW.isoformat(), str(CHUNK)]
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
    raise AssertionError(f"worker ended before holding: {lines}\n{proc.stderr.read() if proc.stderr else ''}")


async def _announce(db: Database) -> int:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ana", email="ana@example.com")
        for n in range(CLIENTS):
            await clients.register_client(
                session,
                platform="telegram",
                external_user_id=f"u{n}",
                chat_id=f"c{n}",
                display_name=f"Client {n}",
                coach_id=coach.id,
            )
        made = await ann.create_announcement(session, coach_id=coach.id, text="Hello", now=NOW, actor="test")
        return made.id


async def _expand_rest(db: Database) -> None:
    while True:
        async with db.unit_of_work() as session:
            if (
                await ann.expand_next_chunk(session, now=NOW, wording=announcement_payload, chunk=CHUNK)
                is None
            ):
                return


async def _counts(db: Database) -> tuple[Counter[str | None], Counter[int]]:
    async with db.unit_of_work() as session:
        keys = Counter(await session.scalars(select(OutboundMessage.dedupe_key)))
        recipients = Counter(await session.scalars(select(AnnouncementRecipient.client_id)))
    return keys, recipients


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
async def test_killed_inside_a_chunk_then_restarted_queues_each_client_once(
    db: Database, database_url: str, stop: signal.Signals
) -> None:
    announcement = await _announce(db)
    worker = _start(database_url, hold_in=HOLD_IN)
    try:
        lines = _read_until_holding(worker)
    finally:
        worker.send_signal(stop)
        code = worker.wait(timeout=30)
    assert code == -stop
    assert lines == [f"committed {CHUNK}", f"committed {CHUNK}", f"holding {CHUNK}"]
    keys, recipients = await _counts(db)
    assert len(keys) == 2 * CHUNK and len(recipients) == 2 * CHUNK  # the held chunk rolled back

    await _expand_rest(db)  # the next tick (a restarted worker)
    keys, recipients = await _counts(db)
    assert len(keys) == CLIENTS and max(keys.values()) == 1
    assert len(recipients) == CLIENTS and max(recipients.values()) == 1

    # Even a lost cursor (the whole expansion again) queues nobody twice.
    async with db.unit_of_work() as session:
        await session.execute(
            update(Announcement)
            .where(Announcement.id == announcement)
            .values(status=ann.AnnouncementStatus.SCHEDULED, expanded_through=0)
        )
    await _expand_rest(db)
    assert await _counts(db) == (keys, recipients)
    async with db.unit_of_work() as session:
        assert await session.scalar(select(Announcement.status)) == ann.AnnouncementStatus.SENDING
