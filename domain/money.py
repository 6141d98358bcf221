"""Money as people type it and as it is stored: amounts are integer minor units of a currency.

One parser for every place a person gives a price (the CLI, program files, Slack), so ``49``,
``49.00`` and ``49,00`` all mean forty-nine currency units and ``0.499`` is refused everywhere.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from domain.reasons import Reason
from domain.reasons.payments import MoneyProblems

# Currencies without a minor unit (Stripe docs, "Zero-decimal currencies").
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)
# A price anyone types: digits, optionally one decimal separator (dot or comma) and up to two decimals.
_AMOUNT = re.compile(r"^\s*(\d{1,12})(?:[.,](\d{1,}))?\s*$")


class MoneyError(ValueError):
    """The text is not an amount of that currency; ``str(exc)`` says why, for a person, in English;
    ``reason`` (when set) says it in the reader's language (:func:`conversations.reasons.explain`)."""

    def __init__(self, message: str | Reason) -> None:
        super().__init__(str(message))
        self.reason = message if isinstance(message, Reason) else None


def minor_unit_factor(currency: str) -> int:
    return 1 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 100


def parse_money(text: str, currency: str, *, allow_zero: bool = True) -> int:
    """``49``, ``49.00`` or ``49,00`` in currency units → ``4900`` minor units (``49`` for JPY).

    Refuses negative amounts, thousands separators, and more decimals than the currency has
    (``0.499`` USD), rather than rounding a price someone meant differently."""
    match = _AMOUNT.match(text)
    if match is None:
        typed = text.strip()
        raise MoneyError(MoneyProblems.NOT_AN_AMOUNT(text=repr(typed)) if typed else MoneyProblems.EMPTY())
    factor = minor_unit_factor(currency)
    try:
        value = Decimal(match.group(1) + ("." + match.group(2) if match.group(2) else ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise MoneyError(f"{text!r} is not an amount") from exc
    minor = value * factor
    if minor != minor.to_integral_value():
        decimals = MoneyProblems.NO_DECIMALS if factor == 1 else MoneyProblems.TWO_DECIMALS
        raise MoneyError(decimals(text=repr(text.strip()), currency=currency.upper()))
    if not allow_zero and minor == 0:
        raise MoneyError(MoneyProblems.NOT_ABOVE_ZERO())
    return int(minor)


def format_money(amount_minor: int, currency: str) -> str:
    """``4900, "usd"`` → ``49.00 USD`` (plain, locale-neutral; for logs, CLI tables and exports)."""
    code = currency.upper()
    if minor_unit_factor(currency) == 1:
        return f"{amount_minor} {code}"
    return f"{amount_minor / 100:.2f} {code}"


def to_units(amount_minor: int, currency: str) -> Decimal:
    """``4900, "usd"`` → ``Decimal("49.00")``: minor units as currency units, exactly (for exports)."""
    factor = minor_unit_factor(currency)
    return (Decimal(amount_minor) / factor).quantize(Decimal(1) / factor)
