"""Rendering neutral messages for Telegram: text limits, keyboards, callback_data within 64 bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import Chat, Message, User

from bot.telegram.callback_data import CallbackCodec
from bot.telegram.component import build_driver
from bot.telegram.inbound import from_message
from bot.telegram.limits import CALLBACK_DATA_MAX_BYTES, MESSAGE_TEXT_MAX
from bot.telegram.transport import TelegramTransport, keyboard_for, split_text
from conversations.messages import Button, OutgoingFile, OutgoingMessage, UrlButton
from tests.support.telegram_api import FakeTelegram


def test_long_text_is_split_within_the_limit_at_a_space() -> None:
    text = ("word " * 2000).strip()
    chunks = split_text(text)
    assert len(chunks) == 3
    assert all(len(c) <= MESSAGE_TEXT_MAX for c in chunks)
    assert " ".join(chunks) == text
    assert split_text("short") == ["short"]


def test_callback_data_stays_within_64_bytes_and_round_trips() -> None:
    codec = CallbackCodec()
    long_payload = "goal:update:" + "ü" * 60
    message = OutgoingMessage(
        "Pick",
        buttons=((Button("Short", "mood:7"), Button("Long", long_payload)),),
        url_buttons=(UrlButton("Pay", "https://x"),),
    )
    keyboard = keyboard_for(message, codec)
    assert keyboard is not None
    short, long = keyboard[0]
    assert short.callback_data == "mood:7"
    assert long.callback_data is not None and len(long.callback_data.encode()) <= CALLBACK_DATA_MAX_BYTES
    assert codec.decode(long.callback_data) == long_payload
    assert keyboard[1][0].url == "https://x"
    # After a restart the digest is unknown: the channel answers "expired" instead of guessing.
    assert CallbackCodec().decode(long.callback_data) is None


def test_group_commands_lose_the_bot_name() -> None:
    message = Message(
        message_id=5,
        date=datetime(2026, 11, 27, tzinfo=UTC),
        chat=Chat(id=-1001, type="supergroup"),
        from_user=User(id=9, is_bot=False, first_name="Ana", last_name="Lee"),
        text="/start@coach_test_bot CODE1",
    )
    inbound = from_message(77, message)
    assert inbound.message.text == "/start CODE1"
    assert inbound.message.chat_id == "-1001" and inbound.message.external_user_id == "9"
    assert inbound.message.idempotency_key == "telegram:update:77"
    assert inbound.message.display_name == "Ana Lee"


@pytest.mark.parametrize("driver", ["aiogram", "ptb"])
async def test_files_go_out_as_photo_or_document(driver: str, fake_telegram: FakeTelegram) -> None:
    tg = build_driver(driver, fake_telegram.token, fake_telegram.root)
    if driver == "ptb":
        await tg.start()  # initialises the PTB application without polling
    transport = TelegramTransport(tg.api, CallbackCodec())
    message = OutgoingMessage(
        "Your schedule",
        buttons=((Button("OK", "ok"),),),
        files=(
            OutgoingFile("checkins.ics", b"BEGIN:VCALENDAR", "text/calendar"),
            OutgoingFile("chart.png", b"\x89PNG", "image/png"),
        ),
    )
    try:
        provider_id = await transport.deliver("42", message)
    finally:
        await tg.stop()
    text, document, photo = fake_telegram.sent(42)
    assert (text.method, text.params["text"], text.params.get("reply_markup")) == (
        "sendMessage",
        "Your schedule",
        None,
    )
    assert (document.method, document.params["file_size"]) == ("sendDocument", len(b"BEGIN:VCALENDAR"))
    assert (photo.method, photo.params["file_size"]) == ("sendPhoto", len(b"\x89PNG"))
    # The buttons sit under the last part.
    assert photo.params["reply_markup"]["inline_keyboard"] == [[{"text": "OK", "callback_data": "ok"}]]
    assert provider_id == str(photo.params["message_id"])
