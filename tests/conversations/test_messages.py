"""Incoming messages are cleaned at the edge: a NUL or lone surrogate never reaches a flow or a row."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from conversations.messages import IncomingMessage
from domain.db import Database
from domain.models import Client
from tests.conversations.conftest import CoachSetup
from tests.support.chat import ONBOARDING, Chat, play, texts


def test_text_payload_and_name_are_cleaned() -> None:
    message = IncomingMessage(
        platform="telegram",
        external_user_id="1",
        chat_id="1",
        message_id="9",
        text="Sam\x00 \ud800Lee\x1b[31m",
        button_payload="/yes\x00",
        display_name="Eve\x07",
    )
    assert (message.text, message.button_payload, message.display_name) == ("Sam Lee[31m", "/yes", "Eve")
    assert IncomingMessage("console", "1", "1", "2", text="line one\r\nline two\tok").text == (
        "line one\nline two\tok"
    )


async def test_a_nul_and_a_lone_surrogate_in_a_name_do_not_block_onboarding(
    db: Database, chat: Callable[[str], Chat], coach_setup: CoachSetup
) -> None:
    person = chat("nul-name")
    await play(person, [("Sa\x00m\ud800" if step == "Sam" else step) for step in ONBOARDING])
    summary = texts(await person.press("Starter (free)"))
    assert "You're all set, Sam!" in summary
    async with db.sessions() as session:
        client = await session.scalar(select(Client))
    assert client is not None and client.display_name == "Sam"
