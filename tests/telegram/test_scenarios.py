"""The real conversation engine behind both drivers, over polling and webhook: a client arrives
through a deep link, onboards, and checks in with a photo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from conversations.engine import ConversationEngine
from domain.db import Database
from domain.models import ChannelIdentity, CheckIn, Client, StoredFile
from domain.services import coaches
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import Harness, TelegramUser, start_harness, texts
from tests.telegram.test_channel import read


@pytest.fixture(params=["aiogram", "ptb"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def engine(db: Database) -> AsyncIterator[ConversationEngine]:
    eng = ConversationEngine(db)
    await eng.start()
    try:
        yield eng
    finally:
        await eng.stop()


@pytest.fixture
async def harness(
    db: Database,
    fake_telegram: FakeTelegram,
    engine: ConversationEngine,
    driver: str,
    mode: str,
    tmp_path: Path,
) -> AsyncIterator[Harness]:
    h = await start_harness(
        db, fake_telegram, engine, driver=driver, mode=mode, storage_dir=tmp_path / "files"
    )
    try:
        yield h
    finally:
        await h.stop()


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
    welcome = await sam.say(f"/start {invite}")
    assert "Ada Coach" in texts(welcome)
    await sam.press("Accept")
    await sam.say("Sam")
    await sam.press("Berlin")
    await sam.say("3")
    await sam.press("Fitness")
    await sam.say("time")
    await sam.say("run 5 km by 2027-03-01")
    await sam.press("Daily")
    await sam.say("8am")
    summary = await sam.press("Starter (free)")
    assert "Starter" in texts(summary)

    async with db.unit_of_work() as session:
        identity = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_user_id == "777001")
        )
        assert identity is not None and identity.platform == "telegram" and identity.chat_id == "777001"
        client = await session.get(Client, identity.client_id)
        assert client is not None and client.coach_id == coach_id and client.timezone == "Europe/Berlin"

    await sam.say("/checkin")
    await sam.press("7")
    await sam.say("six")
    await sam.say("7h30")
    await sam.press("Yes")
    await sam.say("40")
    saved = await sam.send(harness.fake.send_photo(777001, b"\xff\xd8progress-photo", caption="felt strong"))
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
    await kim.say("/start")
    data, message_id = kim.button("Accept")
    await kim.press("Accept")
    # A second tap on the old (removed) keyboard, e.g. from a lagging client, is a new update:
    # answered, and the engine treats it as an answer to the current step (a friendly re-prompt).
    before = len(harness.fake.sent(777002))
    update_id = await harness.fake.press(777002, data, message_id, name="Kim")
    await harness.processed(update_id)
    assert len(harness.fake.calls_to("answerCallbackQuery")) == 2
    async with db.unit_of_work() as session:
        assert await session.scalar(select(Client)) is None
    assert len(harness.fake.sent(777002)) > before
