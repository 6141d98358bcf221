"""Goal suggestions for newcomers: through the real engine's onboarding, computed and from a model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from domain.db import Database
from domain.models import Goal, OutboundMessage
from domain.models.enums import GoalStatus
from domain.services import coaches
from integrations.llm.client import LlmClient
from integrations.llm.insights import InsightsService
from tests.conversations.conftest import Chat, FakeClock
from tests.support.openai_api import FakeOpenAI, answer, slow

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
COMPUTED = [
    "Exercise for 30 minutes on 3 days each week",
    "Walk 7000 steps on 5 days each week",
    "Stretch for 10 minutes after each workout",
]


@pytest.fixture
async def coach_with_program(db: Database) -> int:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ada Coach", email="ada@example.com")
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, program.id)
        return program.id


def insights(db: Database, server: FakeOpenAI | None, *, budget: float = 5.0) -> InsightsService:
    llm = None
    if server is not None:
        # Treated as a remote provider: no personal data may reach it.
        llm = LlmClient(model="fake-model", base_url=server.base_url, local=False, backoff=0.01, timeout=5.0)
    return InsightsService(db, llm=llm, clock=lambda: NOW, goals_budget=budget)


@pytest.fixture
async def running() -> AsyncIterator[list[ConversationEngine]]:
    engines: list[ConversationEngine] = []
    yield engines
    for engine in engines:
        await engine.stop()


async def to_goal_step(
    db: Database, service: InsightsService, running: list[ConversationEngine], *, obstacle: str = "time"
) -> Chat:
    engine = ConversationEngine(db, clock=FakeClock(NOW), goal_suggester=service)
    await engine.start()
    running.append(engine)
    chat = Chat(engine, "newcomer")
    await chat.send("/start")
    await chat.press("Accept")
    await chat.send("Sam Doe")
    await chat.press("Berlin")
    await chat.send("3")
    await chat.press("Fitness")
    await chat.send(obstacle)
    return chat


async def stored_goal(db: Database) -> Goal:
    async with db.unit_of_work() as session:
        goal = await session.scalar(select(Goal))
    assert goal is not None
    return goal


async def test_computed_suggestions_are_buttons_and_accepting_one_stores_it(
    db: Database, coach_with_program: int, running: list[ConversationEngine]
) -> None:
    chat = await to_goal_step(db, insights(db, None), running)
    assert "first goal" in chat.last[0].text
    assert [b.label for b in chat.last[-1].all_buttons] == COMPUTED
    assert "How often" in (await chat.press(COMPUTED[1]))[-1].text
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press("Starter (free)")
    assert "You're all set" in chat.text
    goal = await stored_goal(db)
    assert (goal.text, goal.target, goal.unit, goal.status) == (
        COMPUTED[1],
        5,
        "days per week",
        GoalStatus.ACTIVE,
    )
    assert goal.due_date == NOW.date() + timedelta(weeks=4)


async def test_model_suggestions_are_grounded_in_the_answers(
    db: Database, coach_with_program: int, running: list[ConversationEngine], openai_server: FakeOpenAI
) -> None:
    chat = await to_goal_step(db, insights(db, openai_server), running, obstacle="Email me at sam@x.org")
    labels = [b.label for b in chat.last[-1].all_buttons]
    assert labels == ["Goal walks", "Goal early nights", "Goal home-cooked dinners"]
    [request] = openai_server.requests
    prompt = request["messages"][-1]["content"]
    assert '"focus_area": "Fitness"' in prompt and "sam@x.org" not in prompt and "Doe" not in prompt
    await chat.press("Goal early nights")
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press("Starter (free)")
    goal = await stored_goal(db)
    assert (goal.text, goal.metric, goal.target) == ("Goal early nights", "early nights", 3)
    assert goal.due_date == date(2027, 5, 28)  # the latest due date the prompt allowed


async def test_an_invalid_model_answer_falls_back_to_computed_goals(
    db: Database, coach_with_program: int, running: list[ConversationEngine], openai_server: FakeOpenAI
) -> None:
    past = {"text": "Old", "metric": "m", "target": 1, "unit": "u", "due_date": "2020-01-01"}
    openai_server.then(answer({"goals": [past] * 3}), answer({"goals": [past] * 3}))
    chat = await to_goal_step(db, insights(db, openai_server), running)
    assert [b.label for b in chat.last[-1].all_buttons] == COMPUTED


async def test_a_slow_model_never_blocks_onboarding(
    db: Database, coach_with_program: int, running: list[ConversationEngine], openai_server: FakeOpenAI
) -> None:
    openai_server.then(slow(3.0))
    chat = await to_goal_step(db, insights(db, openai_server, budget=0.2), running)
    assert [b.label for b in chat.last[-1].all_buttons] == COMPUTED


async def test_when_the_program_says_so_a_picked_suggestion_waits_for_the_coach(
    db: Database, running: list[ConversationEngine]
) -> None:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ada", email="ada@example.com", slack_user_id="UADA")
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Guided", price_minor=0, currency="usd", goals_need_approval=True
        )
        await coaches.publish_program(session, program.id)
    chat = await to_goal_step(db, insights(db, None), running)
    await chat.press(COMPUTED[0])
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press("Guided (free)")
    assert "You're all set" in chat.text and "Your coach will look at" in chat.text
    goal = await stored_goal(db)
    assert (goal.status, goal.source) == (GoalStatus.SUGGESTED, "suggested")
    async with db.unit_of_work() as session:
        notices = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id == "UADA"))
        ).all()
    kinds = [n.payload["kind"] for n in notices]
    assert kinds == ["new_client", "goal_approval"]
    assert notices[1].payload["data"] == {"goal_id": goal.id}


async def test_a_goal_the_client_wrote_needs_no_approval(
    db: Database, running: list[ConversationEngine]
) -> None:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ada", email="ada@example.com", slack_user_id="UADA")
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Guided", price_minor=0, currency="usd", goals_need_approval=True
        )
        await coaches.publish_program(session, program.id)
    chat = await to_goal_step(db, insights(db, None), running)
    await chat.send("run 5 km by 2027-03-01")
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press("Guided (free)")
    assert "Your coach will look" not in chat.text
    assert (await stored_goal(db)).status == GoalStatus.ACTIVE
