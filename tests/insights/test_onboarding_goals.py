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
    assert chat.last[-1].text == "Or pick one of these ideas:"  # computed, so not labelled AI
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
    assert chat.last[-1].text == "Or pick one of these ideas (suggested by AI):"
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


async def coach_with_guided_program(db: Database) -> None:
    """A Slack-linked coach whose programs want AI goals reviewed first, beside a plain one."""
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ada", email="ada@example.com", slack_user_id="UADA")
        for name, review in (("Guided", True), ("Solo", False)):
            program = await coaches.create_program(
                session,
                coach_id=coach.id,
                name=name,
                price_minor=0,
                currency="usd",
                goals_need_approval=review,
            )
            await coaches.publish_program(session, program.id)


async def test_when_a_program_says_so_ideas_go_to_the_coach_not_the_client(
    db: Database, running: list[ConversationEngine]
) -> None:
    await coach_with_guided_program(db)
    chat = await to_goal_step(db, insights(db, None), running)
    assert not [b for r in chat.last for b in r.all_buttons]  # no AI ideas before the program is known
    await chat.send("run 5 km by 2027-03-01")
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press("Guided (free)")
    assert "You're all set" in chat.text and "Your coach will also look at a few more goal ideas" in chat.text
    async with db.unit_of_work() as session:
        goals = (await session.scalars(select(Goal).order_by(Goal.id))).all()
        notices = (
            await session.scalars(
                select(OutboundMessage).where(OutboundMessage.chat_id == "UADA").order_by(OutboundMessage.id)
            )
        ).all()
        to_client = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id == "newcomer"))
        ).all()
    own, *ideas = goals
    assert (own.text, own.status, own.source) == ("run 5 km by 2027-03-01", GoalStatus.ACTIVE, "client")
    assert [g.text for g in ideas] == COMPUTED and {g.status for g in ideas} == {GoalStatus.PROPOSED}
    assert [n.payload["kind"] for n in notices] == ["new_client", *["goal_approval"] * 3]
    assert [n.payload["data"] for n in notices[1:]] == [{"goal_id": g.id} for g in ideas]
    assert notices[1].payload["text"].startswith("Suggested goal (computed, not AI) for Sam Doe: ")
    assert to_client == []


async def test_model_ideas_for_the_coach_are_labelled_ai(
    db: Database, running: list[ConversationEngine], openai_server: FakeOpenAI
) -> None:
    await coach_with_guided_program(db)
    chat = await to_goal_step(db, insights(db, openai_server), running)
    assert openai_server.requests == []  # nothing is asked of the model before the program is known
    await chat.send("run 5 km by 2027-03-01")
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press("Guided (free)")
    async with db.unit_of_work() as session:
        texts = (
            await session.scalars(
                select(OutboundMessage.payload)
                .where(OutboundMessage.chat_id == "UADA")
                .order_by(OutboundMessage.id)
            )
        ).all()
    assert [t["text"].split(":")[0] for t in texts[1:]] == ["AI-suggested goal for Sam Doe"] * 3
    assert "Goal walks" in texts[1]["text"]


async def test_a_program_without_review_sends_the_coach_no_ideas(
    db: Database, running: list[ConversationEngine]
) -> None:
    await coach_with_guided_program(db)
    chat = await to_goal_step(db, insights(db, None), running)
    await chat.send("run 5 km by 2027-03-01")
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press("Solo (free)")
    assert "goal ideas" not in chat.text
    async with db.unit_of_work() as session:
        statuses = (await session.scalars(select(Goal.status))).all()
    assert statuses == [GoalStatus.ACTIVE]
