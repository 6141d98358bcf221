"""/coach paylink and /coach refund with the real Stripe integration (localstripe over HTTP)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from domain.models import AuditEvent, Coach, OutboundMessage, Payment
from domain.models.enums import PaymentStatus
from domain.services.clients import set_client_locale
from integrations.stripe import StripePayments
from tests.payments.conftest import Shop, WebhookEndpoint
from tests.slack.conftest import COACH_USER, STRANGER, SlackHarness
from tests.support.stripe_checkout_api import CheckoutApi

ADA = "UADA"  # the shop's coach


async def run(harness: SlackHarness, text: str, user: str = ADA) -> str:
    before = len(harness.api.of("response_url"))
    assert (await harness.command(text, user=user)).status == 200
    answers = await harness.api.wait_for("response_url", before + 1)
    return json.dumps(answers[-1]["blocks"], ensure_ascii=False)


async def test_paylink_then_refund_from_slack(
    harness: SlackHarness,
    coach: Coach,
    shop: Shop,
    payments: StripePayments,
    stripe_api: CheckoutApi,
    webhook: WebhookEndpoint,
) -> None:
    harness.bot.commands.payments = payments
    assert "Payment link for Kickstart sent to Bo (49.00 USD)" in await run(harness, "paylink Bo Kickstart")
    async with harness.db.sessions() as session:
        link = await session.scalar(select(OutboundMessage).where(OutboundMessage.chat_id == "4242"))
    assert link is not None
    url: Any = link.payload["url_buttons"][0]["url"]
    (checkout,) = stripe_api.sessions.values()
    assert checkout["url"] == url

    await asyncio.to_thread(stripe_api.complete, checkout["id"])
    async with harness.db.sessions() as session:
        payment = await session.scalar(select(Payment))
    assert payment is not None and payment.status == PaymentStatus.SUCCEEDED
    assert f"#{payment.id} 49.00 USD" in await run(harness, "client Bo")

    assert "only for coaches" in await run(harness, f"refund {payment.id}", user=STRANGER)
    assert "isn't one of your clients' payments" in await run(
        harness, f"refund {payment.id}", user=COACH_USER
    )
    assert "isn't an amount" in await run(harness, f"refund {payment.id} ten")
    partial = await run(harness, f"refund {payment.id} 10")
    assert "Refunded 10.00 USD to Bo (total refunded 10.00 USD)" in partial
    rest = await run(harness, f"refund {payment.id}")
    assert "Refunded 39.00 USD to Bo (total refunded 49.00 USD)" in rest
    assert "nothing to refund" in await run(harness, f"refund {payment.id}")
    async with harness.db.sessions() as session:
        refreshed = await session.get(Payment, payment.id)
        refused = (
            await session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "slack.refused"))
        ).all()
    assert refreshed is not None and refreshed.status == PaymentStatus.REFUNDED
    assert sorted(refused) == sorted([f"slack:{STRANGER}", f"slack:{COACH_USER}"])  # both attempts audited


async def test_a_german_client_gets_the_payment_link_in_german(
    harness: SlackHarness, coach: Coach, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    """Ada reads her answer in English; Bo, who speaks German, gets the link and its button in German
    (the amount written the German way)."""
    harness.bot.commands.payments = payments
    async with harness.db.unit_of_work() as session:
        await set_client_locale(session, shop.client_id, "de")
    assert "Payment link for Momentum sent to Bo" in await run(harness, "paylink Bo Momentum")
    async with harness.db.sessions() as session:
        link = await session.scalar(select(OutboundMessage).where(OutboundMessage.chat_id == "4242"))
    assert link is not None
    assert link.payload["text"] == "Dein Coach hat dir einen Zahlungslink für Momentum (29,00 EUR) geschickt."
    assert link.payload["url_buttons"][0]["label"] == "29,00 EUR / Monat bezahlen"
