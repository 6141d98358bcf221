"""The real conversation engine behind both drivers, over polling and webhook: a client arrives
through a deep link, onboards, and checks in with a photo."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from domain.db import Database
from domain.models import ChannelIdentity, CheckIn, Client, StoredFile
from domain.services import coaches
from tests.support.chat import FREE_PROGRAM, ONBOARDING, play, running_engine
from tests.telegram.harness import Harness, TelegramUser, read, texts


@pytest.fixture
async def handler(db: Database) -> AsyncIterator[ConversationEngine]:
    """The real engine, on the real clock like ``coach run``."""
    async with running_engine(db) as engine:
        yield engine


async def invited_coach(db: Database) -> tuple[int, str]:
    """A default coach, and a second one whose invite link the client follows."""
    async with db.unit_of_work() as session:
        await coaches.create_coach(session, name="Default Coach", email="default@example.com")
        coach = await coaches.create_coach(session, name="Ada Coach", email="ada@example.com")
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        await coaches.publish_program(session, program.id)
        return coach.id, coach.invite_code


async def test_onboarding_and_check_in(harness: Harness, db: Database) -> None:
    coach_id, invite = await invited_coach(db)
    sam = TelegramUser(harness, 777001, name="Sam")

    # https://t.me/<bot>?start=<invite> arrives as "/start <invite>".
    welcome = await sam.send(f"/start {invite}")
    assert "Ada Coach" in texts(welcome)
    summary = await play(sam, [*ONBOARDING[1:], FREE_PROGRAM])
    assert "Starter" in texts(summary)

    async with db.unit_of_work() as session:
        identity = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_user_id == "777001")
        )
        assert identity is not None and identity.platform == "telegram" and identity.chat_id == "777001"
        client = await session.get(Client, identity.client_id)
        assert client is not None and client.coach_id == coach_id and client.timezone == "Europe/Berlin"

    await play(sam, ["/checkin", "[7]", "six", "7h30", "[Yes]", "40"])
    saved = await sam.push(harness.fake.send_photo(777001, b"\xff\xd8progress-photo", caption="felt strong"))
    assert "Check-in saved" in texts(saved)

    async with db.unit_of_work() as session:
        check_in = await session.scalar(select(CheckIn))
        assert check_in is not None
        assert (check_in.mood, check_in.energy, check_in.sleep_hours, check_in.adherence) == (
            7,
            6,
            7.5,
            "yes",
        )
        assert check_in.goal_progress == 40 and check_in.note == "felt strong"
        assert check_in.note_language == "en"  # stored with it: no digest detects it again
        assert check_in.source_channel == "telegram"
        stored = await session.get(StoredFile, check_in.attachments[0]["stored_file_id"])
        assert stored is not None and stored.kind == "photo" and stored.client_id == client.id
        assert read(stored.path) == b"\xff\xd8progress-photo"

    # Every press was answered and its keyboard taken away.
    presses = [u for u in harness.fake.updates if "callback_query" in u]
    assert len(harness.fake.calls_to("answerCallbackQuery")) == len(presses) == 7
    assert len(harness.fake.calls_to("editMessageReplyMarkup")) == len(presses)


async def test_a_pressed_keyboard_cannot_act_twice(harness: Harness, db: Database) -> None:
    await invited_coach(db)
    kim = TelegramUser(harness, 777002, name="Kim")
    await kim.send("/start")
    data, message_id = kim.button("Accept")
    await kim.press("Accept")
    # A second tap on the old (removed) keyboard, e.g. from a lagging client, is a new update:
    # answered, and the engine treats it as an answer to the current step (a friendly re-prompt).
    answered = await kim.push(harness.fake.press(777002, data, message_id, name="Kim"))
    assert len(harness.fake.calls_to("answerCallbackQuery")) == 2
    async with db.unit_of_work() as session:
        assert await session.scalar(select(Client)) is None
    assert answered
