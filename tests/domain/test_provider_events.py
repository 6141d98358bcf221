"""A provider's event is recorded once, in the transaction of its effects; a repeat is recognised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from domain.db import Database
from domain.models import ProviderEvent
from domain.services.provider_events import (
    forget_provider_events,
    provider_event_recorded,
    record_new_provider_event,
    record_provider_event,
)


async def test_a_recorded_event_is_known_per_provider(db: Database) -> None:
    async with db.unit_of_work() as s:
        assert not await provider_event_recorded(s, provider="stripe", event_id="evt_1")
        event = await record_provider_event(
            s, provider="stripe", event_id="evt_1", event_type="invoice.paid", summary={"object": "in_1"}
        )
        assert event.id is not None  # flushed at once, before any effect of the event
    async with db.unit_of_work() as s:
        assert await provider_event_recorded(s, provider="stripe", event_id="evt_1")
        assert not await provider_event_recorded(s, provider="slack", event_id="evt_1")
        assert not await provider_event_recorded(s, provider="stripe", event_id="evt_2")


async def test_a_second_record_of_the_same_event_fails_before_its_effects(db: Database) -> None:
    async with db.unit_of_work() as s:
        await record_provider_event(
            s, provider="stripe", event_id="evt_1", event_type="invoice.paid", summary={}
        )
    effects: list[str] = []
    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as s:
            await record_provider_event(
                s, provider="stripe", event_id="evt_1", event_type="invoice.paid", summary={}
            )
            effects.append("applied twice")
    assert effects == []


async def test_an_event_whose_effects_rolled_back_is_not_recorded(db: Database) -> None:
    """So Stripe's re-delivery applies it again instead of being taken for a duplicate."""
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as s:
            await record_provider_event(
                s, provider="stripe", event_id="evt_1", event_type="charge.refunded", summary={}
            )
            raise RuntimeError("the effect failed")
    async with db.unit_of_work() as s:
        assert not await provider_event_recorded(s, provider="stripe", event_id="evt_1")


async def test_a_dedupe_marker_is_recorded_once_without_failing(db: Database) -> None:
    async with db.unit_of_work() as s:
        assert await record_new_provider_event(s, provider="slack", event_id="Ev1", event_type="message")
    async with db.unit_of_work() as s:  # a retry: recognised, and the transaction stays usable
        assert not await record_new_provider_event(s, provider="slack", event_id="Ev1", event_type="message")
        assert await record_new_provider_event(
            s, provider="stripe", event_id="Ev1", event_type="invoice.paid"
        )
        assert await provider_event_recorded(s, provider="stripe", event_id="Ev1")


async def test_one_providers_old_events_are_forgotten(db: Database) -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    async with db.unit_of_work() as s:
        for provider, event_id, age in (
            ("slack", "Ev-old", timedelta(days=2)),
            ("slack", "Ev-new", timedelta(hours=1)),
            ("stripe", "evt_old", timedelta(days=2)),
        ):
            s.add(ProviderEvent(provider=provider, event_id=event_id, event_type="t", received_at=now - age))
    async with db.unit_of_work() as s:
        assert await forget_provider_events(s, provider="slack", received_before=now - timedelta(days=1)) == 1
    async with db.sessions() as s:
        assert not await provider_event_recorded(s, provider="slack", event_id="Ev-old")
        assert await provider_event_recorded(s, provider="slack", event_id="Ev-new")
        assert await provider_event_recorded(s, provider="stripe", event_id="evt_old")
