"""Phone numbers (E.164), SMS keywords and opt-outs."""

from __future__ import annotations

import pytest

from domain.crypto import generate_key, use_keys
from domain.db import Database
from domain.errors import ValidationError
from domain.services.outbox import client_message, enqueue_message
from domain.services.sms import (
    is_opted_out,
    keyword,
    last_sms_payload,
    opt_in,
    opt_out,
    opted_out,
    parse_phone_number,
)
from tests.conftest import TEST_ENCRYPTION_KEY


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("+4915112345678", "+4915112345678"),
        ("+49 151 1234-5678", "+4915112345678"),
        ("0049 (151) 12345678", "+4915112345678"),
        ("+1 415.555.0123", "+14155550123"),
    ],
)
def test_numbers_are_kept_in_e164(typed: str, number: str) -> None:
    assert parse_phone_number(typed) == number


@pytest.mark.parametrize(
    "typed", ["015112345678", "+0151234567", "+49151", "+4915112345678901234", "call me", ""]
)
def test_numbers_without_a_country_code_or_of_the_wrong_length_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="country code"):
        parse_phone_number(typed)


def test_keywords_are_the_whole_message() -> None:
    assert [keyword(w) for w in ("STOP", " stop ", "Unsubscribe", "stop all", "START", "help", "yes")] == [
        "stop",
        "stop",
        "stop",
        "stop",
        "start",
        "help",
        "yes",
    ]
    assert keyword("please stop the reminders") is None and keyword("7") is None


async def test_opt_out_and_back_in(db: Database) -> None:
    async with db.unit_of_work() as session:
        assert await opt_out(session, "+4915112345678", "STOP")
        assert not await opt_out(session, "+4915112345678", "QUIT")  # once
        assert await is_opted_out(session, "+4915112345678")
        assert await opted_out(session, ["+4915112345678", "+14155550123"]) == {"+4915112345678"}
        assert await opt_in(session, "+4915112345678")
        assert not await opt_in(session, "+4915112345678")
        assert not await is_opted_out(session, "+4915112345678")


async def test_the_last_sms_queued_is_read_back_unless_no_key_opens_it(db: Database) -> None:
    phone = "+14155550199"
    async with db.unit_of_work() as session:
        await enqueue_message(
            session, platform="sms", chat_id=phone, payload=client_message("Mood?", [("7", "7")])
        )
    async with db.sessions() as session:
        last = await last_sms_payload(session, phone)
    assert last is not None and last["text"] == "Mood?"
    use_keys([generate_key()])  # the next one is written under a key this worker does not have
    try:
        async with db.unit_of_work() as session:
            await enqueue_message(session, platform="sms", chat_id=phone, payload=client_message("Energy?"))
    finally:
        use_keys([TEST_ENCRYPTION_KEY])
    async with db.sessions() as session:
        assert await last_sms_payload(session, phone) is None  # a typed number is then read as text
