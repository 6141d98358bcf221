"""One money parser for the CLI, program files and Slack."""

from __future__ import annotations

import pytest

from conversations.i18n import use_locale
from conversations.reasons import explain
from domain.money import MoneyError, format_money, parse_money


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("49", "usd", 4900),
        ("49.00", "usd", 4900),
        ("49,00", "eur", 4900),
        ("49.5", "usd", 4950),
        (" 0 ", "usd", 0),
        ("1000", "jpy", 1000),
        ("0.01", "gbp", 1),
    ],
)
def test_amounts_in_currency_units_become_minor_units(text: str, currency: str, minor: int) -> None:
    assert parse_money(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("0.499", "usd", "too many decimals"),
        ("10.5", "jpy", "too many decimals"),
        ("-5", "usd", "not an amount"),
        ("1,000.00", "usd", "not an amount"),
        ("forty", "usd", "not an amount"),
        ("", "usd", "not an amount"),
        ("1e3", "usd", "not an amount"),
    ],
)
def test_what_is_not_a_price_is_refused_with_a_reason(text: str, currency: str, reason: str) -> None:
    with pytest.raises(MoneyError, match=reason):
        parse_money(text, currency)


def test_zero_can_be_refused_where_a_payment_must_move_money() -> None:
    with pytest.raises(MoneyError, match="more than zero"):
        parse_money("0.00", "usd", allow_zero=False)


def test_formatting_follows_the_currency() -> None:
    assert format_money(4900, "usd") == "49.00 USD"
    assert format_money(4900, "jpy") == "4900 JPY"


def test_the_reason_is_kept_for_the_readers_language() -> None:
    with pytest.raises(MoneyError) as refused:
        parse_money("10.5", "jpy")
    assert str(refused.value) == "'10.5' has too many decimals: JPY takes no decimals"
    assert refused.value.reason is not None
    with use_locale("de"):
        assert explain(refused.value.reason) == "'10.5' hat zu viele Nachkommastellen: JPY hat keine"
    with use_locale("ru"):
        assert explain(refused.value.reason).startswith("в '10.5' слишком много знаков после запятой")
