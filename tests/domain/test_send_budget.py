"""The sending budget's statements on PostgreSQL (the only database it is used with)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from domain.db import Database
from domain.models import SendSlot
from domain.services import send_budget
from tests.support.databases import postgres_requested

pytestmark = pytest.mark.skipif(
    not postgres_requested(), reason="the shared sending budget is kept in PostgreSQL only"
)


async def test_global_slots_follow_one_grid_and_bank_no_credit(db: Database) -> None:
    async with db.unit_of_work() as session:
        first = await send_budget.claim_global_slot(session, "telegram", 0.5, ahead_s=0.03)
        second = await send_budget.claim_global_slot(session, "telegram", 0.5)
    assert 0.029 <= first.in_s <= 0.031
    assert second.at - first.at == timedelta(seconds=0.5)
    # Idle for a while: the next slot is now, not a backlog of slots in the past.
    async with db.unit_of_work() as session:
        await session.execute(
            text(
                "UPDATE send_slots SET next_at = clock_timestamp() - interval '1 hour' WHERE scope = 'global:telegram'"
            )
        )
    async with db.unit_of_work() as session:
        idle = await send_budget.claim_global_slot(session, "telegram", 0.5)
    assert abs(idle.in_s) < 0.001  # (the statement reads the clock twice)


async def test_a_chat_slot_is_taken_once_per_interval_and_a_pause_holds_it(db: Database) -> None:
    async with db.unit_of_work() as session:
        slot = await send_budget.claim_global_slot(session, "telegram", 0.1, ahead_s=0.2)
        assert await send_budget.take_chat_slot(session, "telegram", "7", 1.0, at=slot.at) == 0
    async with db.unit_of_work() as session:
        # Free again one interval after the slot it was taken for, not after now.
        assert 1.1 < await send_budget.take_chat_slot(session, "telegram", "7", 1.0) <= 1.2
        assert await send_budget.take_chat_slot(session, "telegram", "8", 1.0) == 0
        await send_budget.pause_chat(session, "telegram", "8", 30)
        await send_budget.pause_chat(session, "telegram", "9", 5)
    async with db.unit_of_work() as session:
        assert 29 < await send_budget.chat_wait(session, "telegram", "8") <= 30
        assert 4 < await send_budget.take_chat_slot(session, "telegram", "9", 1.0) <= 5
        assert await send_budget.chat_wait(session, "telegram", "unknown") == 0


async def test_idle_chat_rows_are_forgotten(db: Database) -> None:
    async with db.unit_of_work() as session:
        for chat in ("old", "paused", "recent"):
            await send_budget.take_chat_slot(session, "telegram", chat, 1.0)
        await send_budget.pause_chat(session, "telegram", "paused", 60)
        await send_budget.claim_global_slot(session, "telegram", 0.1)
        await session.execute(
            text(
                "UPDATE send_slots SET next_at = clock_timestamp() - interval '2 hours' WHERE scope <> 'chat:telegram:recent'"
            )
        )
    async with db.unit_of_work() as session:
        assert await send_budget.forget_idle_slots(session) == 1
        scopes = set((await session.scalars(select(SendSlot.scope))).all())
    assert scopes == {"global:telegram", "chat:telegram:paused", "chat:telegram:recent"}
