"""``coach refund`` and ``coach payments list`` end to end, against localstripe."""

from __future__ import annotations

import asyncio

import pytest
import stripe

from bot.cli.main import main
from domain.db import Database
from domain.models import Payment
from domain.services import billing
from domain.services import clients as client_service
from domain.services import coaches as coach_service
from domain.services.payments import record_payment
from tests.support.databases import wipe
from tests.support.localstripe_server import API_KEY, LocalStripe


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def paid(database_url: str, localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch) -> int:
    """A client who paid 49.00 USD through a real localstripe PaymentIntent; returns the payment id."""
    ls = stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.url})
    customer = ls.v1.customers.create({"name": "Bo"})
    intent = ls.v1.payment_intents.create(
        {
            "amount": 4900,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
        }
    )

    async def seed() -> int:
        db = Database(database_url)
        await wipe(db)
        try:
            async with db.unit_of_work() as s:
                coach = await coach_service.create_coach(s, name="Ada", email="ada@example.com")
                other = await coach_service.create_coach(s, name="Cy", email="cy@example.com")
                client = await client_service.register_client(
                    s,
                    platform="telegram",
                    external_user_id="1",
                    chat_id="1",
                    display_name="Bo",
                    coach_id=coach.id,
                )
                stranger = await client_service.register_client(
                    s,
                    platform="telegram",
                    external_user_id="2",
                    chat_id="2",
                    display_name="Di",
                    coach_id=other.id,
                )
                payment = await record_payment(
                    s, client_id=client.id, amount_minor=4900, currency="usd", provider_payment_id=intent.id
                )
                await record_payment(s, client_id=stranger.id, amount_minor=700, currency="eur")
                await billing.sync_subscription(
                    s,
                    billing.SubscriptionState("sub_1", "active", 2900, "usd", None, False),
                    client_id=client.id,
                    enrollment_id=None,
                )
                return payment.id
        finally:
            await db.dispose()

    monkeypatch.setenv("COACH_DATABASE_URL", database_url)
    monkeypatch.setenv("STRIPE_API_KEY", API_KEY)
    monkeypatch.setenv("COACH_STRIPE_API_URL", localstripe.url)
    return asyncio.run(seed())


def _payment(database_url: str, payment_id: int) -> Payment:
    async def load() -> Payment:
        db = Database(database_url)
        try:
            async with db.unit_of_work() as s:
                payment = await s.get(Payment, payment_id)
                assert payment is not None
                return payment
        finally:
            await db.dispose()

    return asyncio.run(load())


def test_refund_partial_then_rest(paid: int, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "refund", str(paid), "--amount", "1500", "--reason", "missed sessions")
    assert code == 0, err
    assert (
        out.strip() == f"refunded 15.00 USD of payment {paid} (total refunded 15.00 USD, partially_refunded)"
    )
    code, out, _ = _run(capsys, "refund", str(paid))
    assert code == 0 and "total refunded 49.00 USD, refunded" in out
    assert _payment(database_url, paid).refunded_minor == 4900

    code, _, err = _run(capsys, "refund", str(paid), "--amount", "1")
    assert code == 1 and err.startswith("error: payment") and "nothing to refund" in err


def test_refund_errors_are_one_line(paid: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "refund", str(paid), "--amount", "99999")
    assert code == 1 and "between 1 and 4900" in err
    code, _, err = _run(capsys, "refund", "999")
    assert code == 1 and "no payment with id 999" in err
    code, _, _ = _run(capsys, "refund", str(paid), "--amount", "-5")
    assert code == 2


def test_payments_list_with_revenue(paid: int, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "refund", str(paid), "--amount", "900")
    code, out, _ = _run(capsys, "payments", "list", "--coach", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "date", "client", "enrollment", "amount", "refunded", "status"]
    assert "49.00 USD" in lines[1] and "9.00 USD" in lines[1] and "EUR" not in out
    totals = lines[lines.index("") + 2].split()
    assert totals == ["USD", "49.00", "USD", "9.00", "USD", "40.00", "USD", "29.00", "USD"]

    code, out, _ = _run(capsys, "payments", "list", "--since", "2999-01-01")
    assert code == 0 and "49.00" not in out
    code, _, err = _run(capsys, "payments", "list", "--since", "yesterday")
    assert code == 2 and "2026-11-01" in err
