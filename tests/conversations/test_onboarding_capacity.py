"""A newcomer without an invite code goes to the least-loaded coach with room; when every coach is
full, onboarding says so politely, nothing about them is stored, and the admin is told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.db import Database
from domain.errors import ValidationError
from domain.models import AuditEvent, Client, Coach, OutboundMessage
from domain.services import capacity, coaches
from tests.support.chat import Chat, FakeClock, onboard, texts
from tests.support.databases import count


async def _coach(
    db: Database, name: str, *, capacity_: int | None, clients: int = 0, slack: str | None = None
) -> int:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(
            session, name=name, email=f"{name.lower()}@example.com", slack_user_id=slack
        )
        coach.capacity = capacity_
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, program.id)
        for n in range(clients):
            session.add(Client(coach_id=coach.id, display_name=f"{name} client {n}"))
        return coach.id


async def test_the_least_loaded_coach_with_room_gets_the_newcomer(
    db: Database, chat: Callable[[str], Chat]
) -> None:
    await _coach(db, "Ada", capacity_=10, clients=3)  # the default coach, but busier
    full = await _coach(db, "Bo", capacity_=1, clients=1)
    light = await _coach(db, "Cy", capacity_=None, clients=1)
    c = chat("u1")
    await onboard(c)
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client).where(Client.display_name == "Sam"))
        assert client is not None and client.coach_id == light
        assert client.coach_id != full


async def test_ties_go_to_the_coach_with_fewest_new_clients_this_week(db: Database, clock: FakeClock) -> None:
    older = await _coach(db, "Ada", capacity_=5, clients=0)
    newer = await _coach(db, "Bo", capacity_=5, clients=0)
    async with db.unit_of_work() as session:
        # Ada and Bo have one active client each; Ada's joined this week, Bo's a month ago.
        session.add(Client(coach_id=older, display_name="fresh", created_at=clock.now))
        session.add(Client(coach_id=newer, display_name="old", created_at=clock.now - timedelta(days=30)))
    async with db.unit_of_work() as session:
        chosen = await capacity.coach_for_new_client(session, now=clock.now)
        assert chosen.coach is not None and chosen.coach.id == newer
        loads = {
            c.name: (c.load, c.new_this_week, c.shown)
            for c in await capacity.coach_loads(session, now=clock.now)
        }
    assert loads == {"Ada": (1, 1, "1/5"), "Bo": (1, 0, "1/5")}


async def test_when_every_coach_is_full_the_newcomer_hears_so_and_the_admin_is_told(
    db: Database, chat: Callable[[str], Chat]
) -> None:
    admin = await _coach(db, "Ada", capacity_=1, clients=1, slack="UADA")
    await _coach(db, "Bo", capacity_=2, clients=2)
    c = chat("u1")
    reply = texts(await c.send("/start"))
    assert "fully booked" in reply and "Do you accept?" not in reply
    assert "fully booked" in texts(await c.send("/start"))  # again: still polite, the admin told once a day
    assert await count(db, Client) == 3  # nobody new stored
    async with db.unit_of_work() as session:
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "onboarding.coaches_full"))
        ).all()
        assert len(events) == 2
        notices = (await session.scalars(select(OutboundMessage))).all()
        admin_coach = await session.get(Coach, admin)
    assert admin_coach is not None
    assert [n.payload["kind"] for n in notices] == ["coaches_full"]
    assert notices[0].chat_id == "UADA" and "Ada 1/1, Bo 2/2" in notices[0].payload["text"]


async def test_admins_are_told_when_there_are_some(db: Database, chat: Callable[[str], Chat]) -> None:
    await _coach(db, "Ada", capacity_=1, clients=1, slack="UADA")  # the default coach
    boss = await _coach(db, "Bo", capacity_=1, clients=1, slack="UBO")
    async with db.unit_of_work() as session:
        coach = await session.get(Coach, boss)
        assert coach is not None
        coach.role = "admin"
    assert "fully booked" in texts(await chat("u1").send("/start"))
    async with db.unit_of_work() as session:
        notices = (await session.scalars(select(OutboundMessage))).all()
    assert [(n.chat_id, n.payload["kind"]) for n in notices] == [("UBO", "coaches_full")]


async def test_an_invite_code_still_reaches_a_full_coach(db: Database, chat: Callable[[str], Chat]) -> None:
    await _coach(db, "Ada", capacity_=1, clients=1)
    async with db.unit_of_work() as session:
        invite = (await session.scalars(select(Coach.invite_code))).one()
    c = chat("u1")
    assert "with Ada" in texts(await c.send(f"/start {invite}"))


async def test_capacity_is_checked_and_audited(db: Database) -> None:
    coach_id = await _coach(db, "Ada", capacity_=None)
    async with db.unit_of_work() as session:
        coach = await capacity.set_capacity(session, coach_id, 12, actor="admin")
        assert coach.capacity == 12
        await capacity.set_capacity(session, coach_id, None, actor="admin")
    async with db.unit_of_work() as session:
        with pytest.raises(ValidationError):
            await capacity.set_capacity(session, coach_id, 0, actor="admin")
        actions = (
            await session.scalars(select(AuditEvent.action).where(AuditEvent.action == "coach.capacity_set"))
        ).all()
    assert len(actions) == 2
