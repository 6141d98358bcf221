"""Transcript fixtures: a fake client talking to a real engine on the test database.

The person, clock and onboarding walk live in :mod:`tests.support.chat`, shared with the channel tests;
they are re-exported here for the tests that import them from this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date

import pytest

from conversations.engine import ConversationEngine
from conversations.ports import SuggestedGoal
from domain.db import Database
from domain.models import Coach, Program
from domain.services import coaches
from tests.support.chat import Chat, FakeClock, onboard, running_engine, texts

__all__ = ["Chat", "CoachSetup", "FakeClock", "onboard", "texts", "walking_goals"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def engine(db: Database, clock: FakeClock) -> AsyncIterator[ConversationEngine]:
    async with running_engine(db, clock=clock) as eng:
        yield eng


@pytest.fixture
def chat(engine: ConversationEngine) -> Callable[[str], Chat]:
    return lambda user: Chat(engine, user)


@dataclass
class CoachSetup:
    coach: Coach
    free: Program
    paid: Program


@pytest.fixture
async def coach_setup(db: Database) -> CoachSetup:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(
            session, name="Ada Coach", email="ada@example.com", slack_user_id="UADA"
        )
        free = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        paid = await coaches.create_program(
            session, coach_id=coach.id, name="Premium", price_minor=4900, currency="usd"
        )
        await coaches.publish_program(session, free.id)
        await coaches.publish_program(session, paid.id)
    return CoachSetup(coach, free, paid)


@pytest.fixture
async def client_chat(chat: Callable[[str], Chat], coach_setup: CoachSetup) -> Chat:
    """A client who has just finished onboarding."""
    c = chat("u1")
    await onboard(c)
    return c


def walking_goals() -> list[SuggestedGoal]:
    """Four suggestions a fake suggester offers ("Walk 1 km a day" ... "Walk 4 km a day")."""
    return [
        SuggestedGoal(f"Walk {n} km a day", "walk", float(n), "km", date(2027, 1, n)) for n in range(1, 5)
    ]
