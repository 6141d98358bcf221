"""``bench.announcement`` at small scale: 60 clients through the real sender to a Bot API fixture whose
global limit is scaled down to 10 msg/s (429 + retry_after beyond it). Not timed: it asserts that
every client gets the announcement exactly once, that the fixture never had to refuse a send, and
that the coach's report says so."""

from __future__ import annotations

from bench.announcement.delivery import calls_of, deliver_announcement
from domain.db import Database
from domain.services.announcements import DeliveryReport
from tests.support.telegram_api import FakeTelegram

CLIENTS = 60
RATE = 10.0


async def test_sixty_clients_once_each_without_a_429(db: Database) -> None:
    fixture = FakeTelegram(enforce_limits=True, global_per_second=RATE)
    root = await fixture.start()
    try:
        delivered = await deliver_announcement(
            db, clients=CLIENTS, rate=RATE, root=root, token=fixture.token, deadline_s=60
        )
    finally:
        await fixture.stop()
    calls = calls_of(fixture)
    assert delivered.queued == CLIENTS
    assert calls.chats == CLIENTS and len(calls.accepted) == CLIENTS
    assert calls.duplicates == 0
    assert calls.rejected == 0
    assert delivered.status == "done"
    assert delivered.report == DeliveryReport(sent=CLIENTS)
