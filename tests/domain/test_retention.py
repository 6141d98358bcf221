"""Old idempotency records are forgotten; recent ones (still inside a retry window) are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.db import Database
from domain.models import ProcessedMessage, ProviderEvent
from domain.services.retention import purge_idempotency_records

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def test_purges_only_records_past_their_retention(db: Database) -> None:
    async with db.unit_of_work() as s:
        for key, age in (("old", timedelta(days=7, seconds=1)), ("recent", timedelta(days=6, hours=23))):
            s.add(ProcessedMessage(idempotency_key=key, replies=[], created_at=NOW - age))
        for event_id, age in (("evt_old", timedelta(days=31)), ("evt_stripe_retry", timedelta(days=29))):
            s.add(
                ProviderEvent(
                    provider="stripe", event_id=event_id, event_type="invoice.paid", received_at=NOW - age
                )
            )
    async with db.unit_of_work() as s:
        purged = await purge_idempotency_records(s, now=NOW)
    assert (purged.processed_messages, purged.provider_events) == (1, 1)
    async with db.unit_of_work() as s:
        assert (await s.scalars(select(ProcessedMessage.idempotency_key))).all() == ["recent"]
        assert (await s.scalars(select(ProviderEvent.event_id))).all() == ["evt_stripe_retry"]
        again = await purge_idempotency_records(s, now=NOW)
    assert (again.processed_messages, again.provider_events) == (0, 0)


async def test_refuses_a_provider_event_retention_inside_stripes_retries(db: Database) -> None:
    async with db.unit_of_work() as s:
        with pytest.raises(ValueError):
            await purge_idempotency_records(s, now=NOW, provider_events_for=timedelta(days=3))
