"""A coach's clients, listed by name."""

from __future__ import annotations

from domain.db import Database
from domain.models.enums import ClientStatus
from domain.services.clients import coach_clients, register_client
from domain.services.coaches import create_coach


async def test_a_coachs_clients_by_name_with_or_without_the_archived(db: Database) -> None:
    async with db.unit_of_work() as s:
        ada = await create_coach(s, name="Ada", email="ada@example.com")
        ben = await create_coach(s, name="Ben", email="ben@example.com")
        for user, name, coach in (("1", "Zoe", ada), ("2", "Al", ada), ("3", "Mo", ada), ("4", "Kim", ben)):
            client = await register_client(
                s,
                platform="telegram",
                external_user_id=user,
                chat_id=user,
                display_name=name,
                coach_id=coach.id,
            )
            if name == "Mo":
                client.status = ClientStatus.ARCHIVED
    async with db.sessions() as s:
        assert [c.display_name for c in await coach_clients(s, ada.id)] == ["Al", "Mo", "Zoe"]
        assert [c.display_name for c in await coach_clients(s, ada.id, include_archived=False)] == [
            "Al",
            "Zoe",
        ]
        assert [c.display_name for c in await coach_clients(s, ben.id)] == ["Kim"]
