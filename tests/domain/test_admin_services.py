"""Reassigning a client between coaches, and a coach's own settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.db import Database
from domain.errors import NotFound, ValidationError
from domain.models import Client, Coach
from domain.services.audit import list_audit_events
from domain.services.clients import register_client
from domain.services.coach_settings import CoachSettings, InvalidSettings, update_coach_settings
from domain.services.coaches import create_coach
from domain.services.reassignment import reassign_client

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def two_coaches_and_a_client(db: Database) -> tuple[int, int, int]:
    async with db.unit_of_work() as s:
        ada = await create_coach(s, name="Ada", email="ada@example.com")
        ben = await create_coach(s, name="Ben", email="ben@example.com")
        sam = await register_client(
            s, platform="console", external_user_id="sam", chat_id="sam", display_name="Sam", coach_id=ada.id
        )
        return ada.id, ben.id, sam.id


async def test_a_client_moves_to_another_coach_and_it_is_audited(db: Database) -> None:
    ada, ben, sam = await two_coaches_and_a_client(db)
    async with db.unit_of_work() as s:
        await reassign_client(s, client_id=sam, to_coach_id=ben, actor="coach:1")
    async with db.sessions() as s:
        assert (await s.get(Client, sam)).coach_id == ben  # type: ignore[union-attr]
        (event,) = await list_audit_events(s, action="client.reassigned")
        assert event.actor == "coach:1" and event.subject == f"client:{sam}"
        assert event.details == {"from_coach": ada, "to_coach": ben}


async def test_reassigning_to_the_same_or_a_missing_coach_is_refused(db: Database) -> None:
    ada, _, sam = await two_coaches_and_a_client(db)
    async with db.unit_of_work() as s:
        with pytest.raises(ValidationError, match="already with Ada"):
            await reassign_client(s, client_id=sam, to_coach_id=ada, actor="cli")
        with pytest.raises(NotFound, match="no coach with id 999"):
            await reassign_client(s, client_id=sam, to_coach_id=999, actor="cli")


async def test_settings_are_saved_whole_or_not_at_all(db: Database) -> None:
    ada, _, _ = await two_coaches_and_a_client(db)
    bad = CoachSettings(
        name="  ", digest_time="25:00", digest_cadence="hourly", timezone="Mars/Base", capacity=0
    )
    async with db.unit_of_work() as s:
        with pytest.raises(InvalidSettings) as refused:
            await update_coach_settings(s, ada, bad, actor="coach:1", now=NOW)
    assert set(refused.value.errors) == {"name", "digest_time", "digest_cadence", "timezone", "capacity"}
    async with db.sessions() as s:
        coach = await s.get(Coach, ada)
        assert coach is not None and (coach.name, coach.timezone) == ("Ada", "UTC")

    good = CoachSettings(
        name="Ada  Lovelace",
        digest_time="07:30",
        digest_cadence="weekly",
        timezone="Europe/Berlin",
        capacity=25,
    )
    async with db.unit_of_work() as s:
        await update_coach_settings(s, ada, good, actor="coach:1", now=NOW)
    async with db.sessions() as s:
        coach = await s.get(Coach, ada)
        assert coach is not None
        assert (coach.name, coach.digest_time, coach.digest_cadence, coach.timezone, coach.capacity) == (
            "Ada Lovelace",
            "07:30",
            "weekly",
            "Europe/Berlin",
            25,
        )
        (event,) = await list_audit_events(s, action="coach.settings_changed")
        assert event.details == {"fields": ["name", "digest_time", "digest_cadence", "timezone", "capacity"]}
