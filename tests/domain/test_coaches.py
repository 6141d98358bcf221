"""Finding the coach behind a chat target."""

from __future__ import annotations

from domain.db import Database
from domain.services.coaches import create_coach, find_coach_by_slack_target


async def test_a_coach_is_found_by_their_slack_user_or_their_channel(db: Database) -> None:
    async with db.unit_of_work() as s:
        ada = await create_coach(s, name="Ada", email="ada@example.com", slack_user_id="UADA")
        ada.slack_channel_id = "CADA"
        ben = await create_coach(s, name="Ben", email="ben@example.com", slack_user_id="UBEN")
    async with db.sessions() as s:
        assert (await find_coach_by_slack_target(s, "UADA")).id == ada.id  # type: ignore[union-attr]
        assert (await find_coach_by_slack_target(s, "CADA")).id == ada.id  # type: ignore[union-attr]
        assert (await find_coach_by_slack_target(s, "UBEN")).id == ben.id  # type: ignore[union-attr]
        assert await find_coach_by_slack_target(s, "CNOBODY") is None
