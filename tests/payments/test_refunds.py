"""Refunds: partial and full through localstripe, recorded on the Payment, told to the client once."""

from __future__ import annotations

import asyncio

import pytest
import stripe
from sqlalchemy import select

from domain.db import Database
from domain.errors import ValidationError
from domain.models import Payment
from domain.models.enums import PaymentStatus
from integrations.stripe import StripePayments
from tests.payments.conftest import Shop, WebhookEndpoint, new_enrollment, outbox
from tests.support.localstripe_server import API_KEY, LocalStripe
from tests.support.stripe_checkout_api import CheckoutApi


async def _paid(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> tuple[int, str]:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    await payments.checkout_for_enrollment(enrollment_id)
    (session,) = stripe_api.sessions.values()
    completed = await asyncio.to_thread(stripe_api.complete, session["id"])
    async with db.unit_of_work() as s:
        payment = await s.scalar(select(Payment))
        assert payment is not None and payment.status == PaymentStatus.SUCCEEDED
        return payment.id, str(completed["payment_intent"])


async def _refund_texts(db: Database) -> list[str]:
    return [m.payload["text"] for m in await outbox(db) if (m.dedupe_key or "").startswith("refund:")]


async def test_partial_then_full_refund(
    db: Database,
    shop: Shop,
    payments: StripePayments,
    stripe_api: CheckoutApi,
    webhook: WebhookEndpoint,
    localstripe: LocalStripe,
) -> None:
    payment_id, intent_id = await _paid(db, shop, payments, stripe_api)

    partial = await payments.refund(payment_id, amount_minor=1000, reason="missed week", actor="admin")
    assert (partial.refunded_now_minor, partial.refunded_total_minor, partial.status) == (
        1000,
        1000,
        PaymentStatus.PARTIALLY_REFUNDED,
    )
    rest = await payments.refund(payment_id, actor="admin")
    assert (rest.refunded_now_minor, rest.refunded_total_minor, rest.status) == (
        3900,
        4900,
        PaymentStatus.REFUNDED,
    )

    ls = stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.url})
    refunds = await asyncio.to_thread(ls.v1.refunds.list, {"payment_intent": intent_id})
    assert sorted(r.amount for r in refunds.data) == [1000, 3900]
    assert await _refund_texts(db) == [
        "You've been refunded 10.00 USD. It usually shows on your statement in 5-10 days.",
        "You've been refunded 49.00 USD. It usually shows on your statement in 5-10 days.",
    ]
    with pytest.raises(ValidationError):
        await payments.refund(payment_id, amount_minor=1, actor="admin")


async def test_refund_larger_than_the_payment_is_refused_before_stripe(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    payment_id, _ = await _paid(db, shop, payments, stripe_api)
    before = len(stripe_api.requests)
    with pytest.raises(ValidationError, match="between 1 and 4900"):
        await payments.refund(payment_id, amount_minor=5000, actor="admin")
    assert len(stripe_api.requests) == before


async def test_charge_refunded_webhook_records_the_running_total_once(
    db: Database,
    shop: Shop,
    payments: StripePayments,
    stripe_api: CheckoutApi,
    webhook: WebhookEndpoint,
    localstripe: LocalStripe,
) -> None:
    """A refund made in Stripe's dashboard reaches us only as ``charge.refunded``."""
    payment_id, intent_id = await _paid(db, shop, payments, stripe_api)
    ls = stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.url})
    await asyncio.to_thread(ls.v1.refunds.create, {"payment_intent": intent_id, "amount": 900})
    intent = await asyncio.to_thread(ls.v1.payment_intents.retrieve, intent_id)
    charge_id = intent.to_dict()["latest_charge"]
    charge_id = charge_id["id"] if isinstance(charge_id, dict) else charge_id
    charge = (await asyncio.to_thread(ls.v1.charges.retrieve, charge_id)).to_dict()
    assert charge["amount_refunded"] == 900

    for event_id in ("evt_refund", "evt_refund", "evt_refund_again"):
        response = await asyncio.to_thread(stripe_api.deliver, "charge.refunded", charge, event_id=event_id)
        assert response is not None and response.status_code == 200
    async with db.unit_of_work() as s:
        payment = await s.get(Payment, payment_id)
        assert payment is not None and payment.refunded_minor == 900
        assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert len(await _refund_texts(db)) == 1


async def test_a_coach_refunds_only_their_own_clients(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    from domain.errors import PermissionDenied

    payment_id, _ = await _paid(db, shop, payments, stripe_api)
    with pytest.raises(PermissionDenied):
        await payments.refund(payment_id, actor="coach:99", coach_id=shop.coach_id + 1)
    done = await payments.refund(
        payment_id, amount_minor=100, actor=f"coach:{shop.coach_id}", coach_id=shop.coach_id
    )
    assert done.refunded_total_minor == 100
