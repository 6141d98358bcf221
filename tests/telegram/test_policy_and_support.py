"""A new privacy policy and a support request through Telegram (both drivers, polling and webhook) with
the real engine: the question with its link arrives before the check-in it holds back, declining
offers the export (a real document in the chat), accepting carries the held command on; /support opens
a request and the admin's answer arrives in the chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from conversations.flows import policy, self_service, support
from conversations.support import answer_ticket
from domain.db import Database
from domain.models import ConsentRecord
from domain.services import coaches
from domain.services.policies import publish_policy
from tests.support.chat import FREE_PROGRAM, ONBOARDING, play, registered, running_engine
from tests.telegram.harness import Harness, TelegramUser, texts


@pytest.fixture
async def handler(db: Database) -> AsyncIterator[ConversationEngine]:
    async with running_engine(db) as engine:
        yield engine


@pytest.fixture(autouse=True)
def commands() -> Iterator[None]:
    def add() -> None:
        self_service.register()
        support.register()
        policy.register("https://coach.example.com")

    with registered(add):
        yield


async def delivered(harness: Harness, chat: int, text: str) -> None:
    for _ in range(200):
        if any(text in str(c.params.get("text", "")) for c in harness.fake.sent(chat)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} never reached the chat")


async def onboarded(harness: Harness, db: Database) -> TelegramUser:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(session, name="Ada Coach", email="ada@example.com")
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, program.id)
    sam = TelegramUser(harness, 777002, name="Sam")
    await play(sam, [*ONBOARDING, FREE_PROGRAM])
    return sam


async def test_a_new_policy_holds_the_check_in_until_accepted(harness: Harness, db: Database) -> None:
    sam = await onboarded(harness, db)
    async with db.unit_of_work() as session:
        await publish_policy(session, version=2, body="# Privacy", summary="Shorter retention.", actor="cli")
    asked = texts(await sam.send("/checkin"))
    assert "version 2" in asked and "https://coach.example.com/policy/2" in asked and "mood" not in asked
    assert "declined version 2" in texts(await sam.press("Decline"))
    await sam.press("Get my data")
    documents = harness.fake.calls_to("sendDocument")
    assert documents, "the export arrives as a file"
    assert "mood" in texts(await sam.press("Accept"))
    async with db.unit_of_work() as session:
        answers = (
            await session.scalars(
                select(ConsentRecord.accepted)
                .where(ConsentRecord.policy_version == "2")
                .order_by(ConsentRecord.id)
            )
        ).all()
    assert list(answers) == [False, True]


async def test_support_request_and_answer_in_the_chat(harness: Harness, db: Database) -> None:
    sam = await onboarded(harness, db)
    await sam.send("/support")
    assert "support request #1 is open" in texts(await sam.send("My reminders come at the wrong hour"))
    async with db.unit_of_work() as session:
        await answer_ticket(session, 1, "Fixed your time zone.", admin_id=None, actor="cli")
    await delivered(harness, 777002, "Fixed your time zone.")  # by the running sender
    assert "Your reply to support request #1" in texts(await sam.press("Reply to #1"))
    assert "went to the team" in texts(await sam.send("Thanks, it works now"))
    assert "request #1 is closed" in texts(await sam.send("/support close 1"))
    assert "is closed, so it can't take replies" in texts(await sam.send("/support reply 1"))
