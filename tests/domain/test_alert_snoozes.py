"""A coach's snooze silences alerts about one client, for that coach, for a day."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import utcnow
from domain.db import Database
from domain.services.alert_snoozes import SNOOZE, alerts_snoozed, snooze_alerts


async def test_a_snooze_lasts_a_day_for_that_coach_and_client(db: Database) -> None:
    now = utcnow()  # the snooze is kept in the audit trail, stamped with the real time
    async with db.unit_of_work() as s:
        until = await snooze_alerts(s, coach_id=1, client_id=7, now=now)
    assert until == now + SNOOZE == now + timedelta(days=1)
    async with db.sessions() as s:
        assert await alerts_snoozed(s, coach_id=1, client_id=7, now=now)
        assert await alerts_snoozed(s, coach_id=1, client_id=7, now=now + timedelta(hours=23))
        assert not await alerts_snoozed(s, coach_id=1, client_id=7, now=now + SNOOZE)
        assert not await alerts_snoozed(s, coach_id=2, client_id=7, now=now)  # another coach's alerts
        assert not await alerts_snoozed(s, coach_id=1, client_id=8, now=now)  # another client


async def test_no_snooze_means_alerts_are_on(db: Database) -> None:
    async with db.sessions() as s:
        assert not await alerts_snoozed(s, coach_id=1, client_id=7, now=utcnow())
