"""Phone numbers (E.164), SMS keywords and opt-outs."""

from __future__ import annotations

import pytest

from domain.db import Database
from domain.errors import ValidationError
from domain.services.sms import is_opted_out, keyword, opt_in, opt_out, opted_out, parse_phone_number


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
