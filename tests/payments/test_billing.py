"""Monthly programs: subscription sync, self-service billing, and dunning after a failed renewal."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import stripe
from sqlalchemy import select

from domain.clock import utcnow
from domain.db import Database
from domain.models import Enrollment, Subscription
from domain.models.dunning import DunningCase
from domain.models.enums import EnrollmentStatus
from integrations.stripe import StripePayments
from tests.payments.conftest import WEBHOOK_SECRET, Shop, WebhookEndpoint, new_enrollment, outbox
from tests.support.localstripe_server import API_KEY, LocalStripe
from tests.support.stripe_checkout_api import CheckoutApi


def _ls(localstripe: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.url})


async def _subscribed(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> tuple[int, str]:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.monthly_id)
    await payments.checkout_for_enrollment(enrollment_id)
    (session,) = stripe_api.sessions.values()
    completed = await asyncio.to_thread(stripe_api.complete, session["id"])
    return enrollment_id, str(completed["subscription"])


async def _status(db: Database, enrollment_id: int) -> str:
    async with db.unit_of_work() as s:
        enrollment = await s.get(Enrollment, enrollment_id)
        assert enrollment is not None
        return enrollment.status


def _failed_renewal(localstripe: LocalStripe, customer: str, subscription_id: str) -> dict[str, Any]:
    """A real open invoice in localstripe whose charge failed (card switched to a failing one)."""
    client = _ls(localstripe)
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": customer})
    client.v1.customers.update(customer, {"invoice_settings": {"default_payment_method": bad.id}})
    invoice = client.v1.invoices.create({"customer": customer, "subscription": subscription_id})
    client.v1.invoices.pay(invoice.id)
    data = client.v1.invoices.retrieve(invoice.id).to_dict()
    assert data["status"] == "open"
    # Stripe's invoices carry their payment page; localstripe's do not.
    data["hosted_invoice_url"] = f"https://invoice.stripe.com/i/{invoice.id}"
    data["billing_reason"] = "subscription_cycle"
    return data


async def test_completed_subscription_checkout_syncs_the_subscription(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    enrollment_id, sub_id = await _subscribed(db, shop, payments, stripe_api)
    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE
    async with db.unit_of_work() as s:
        sub = await s.scalar(select(Subscription))
        assert sub is not None and sub.provider_subscription_id == sub_id
        assert (sub.status, sub.amount_minor, sub.currency) == ("active", 2900, "eur")
        assert sub.enrollment_id == enrollment_id and sub.current_period_end is not None


async def test_billing_status_cancel_resume_portal_and_invoices(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    _, sub_id = await _subscribed(db, shop, payments, stripe_api)

    (summary,) = await payments.subscriptions_for_client(shop.client_id)
    assert (summary.ref, summary.program_name, summary.amount_minor, summary.currency) == (
        sub_id,
        "Momentum",
        2900,
        "eur",
    )
    assert summary.next_payment_at is not None and not summary.cancel_at_period_end

    cancelled = await payments.set_cancel_at_period_end(shop.client_id, sub_id, True)
    assert cancelled.cancel_at_period_end and cancelled.next_payment_at is None
    resumed = await payments.set_cancel_at_period_end(shop.client_id, sub_id, False)
    assert not resumed.cancel_at_period_end

    url = await payments.billing_portal_url(shop.client_id)
    assert url.startswith(stripe_api.url) and stripe_api.portal_sessions[0]["customer"]

    (invoice,) = await payments.invoices_for_client(shop.client_id)
    assert (invoice.status, invoice.amount_minor, invoice.currency) == ("paid", 2900, "eur")


async def test_someone_elses_subscription_cannot_be_cancelled(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    import pytest

    from conversations.ports import PaymentsUnavailable

    _, sub_id = await _subscribed(db, shop, payments, stripe_api)
    with pytest.raises(PaymentsUnavailable):
        await payments.set_cancel_at_period_end(shop.client_id + 1, sub_id, True)


async def test_failed_renewal_schedules_dunning_once_and_recovery_cancels_it(
    db: Database,
    shop: Shop,
    payments: StripePayments,
    stripe_api: CheckoutApi,
    webhook: WebhookEndpoint,
    localstripe: LocalStripe,
) -> None:
    enrollment_id, sub_id = await _subscribed(db, shop, payments, stripe_api)
    customer = next(iter(stripe_api.sessions.values()))["customer"]
    invoice = await asyncio.to_thread(_failed_renewal, localstripe, customer, sub_id)
    started = utcnow()

    first = await asyncio.to_thread(
        stripe_api.deliver, "invoice.payment_failed", invoice, event_id="evt_fail_1"
    )
    again = await asyncio.to_thread(
        stripe_api.deliver, "invoice.payment_failed", invoice, event_id="evt_fail_1"
    )
    retried = await asyncio.to_thread(
        stripe_api.deliver, "invoice.payment_failed", invoice, event_id="evt_fail_2"
    )
    assert first is not None and again is not None and retried is not None
    assert (first.text, again.text, retried.text) == ("processed", "duplicate", "processed")

    reminders = [m for m in await outbox(db) if (m.dedupe_key or "").startswith("dunning:")]
    assert len(reminders) == 3
    offsets = sorted(round((m.next_attempt_at - started).total_seconds() / 86400) for m in reminders)
    assert offsets == [0, 3, 7]
    assert all(m.payload["url_buttons"][0]["url"] == invoice["hosted_invoice_url"] for m in reminders)
    notices = [m.payload["kind"] for m in await outbox(db) if m.platform == "slack"]
    assert notices.count("payment_failed") == 1

    # The client pays with a working card: localstripe itself signs and delivers the success.
    localstripe.register_webhook(webhook.url, WEBHOOK_SECRET)
    client = _ls(localstripe)
    good = await asyncio.to_thread(client.v1.payment_methods.attach, "pm_card_visa", {"customer": customer})
    await asyncio.to_thread(
        client.v1.customers.update, customer, {"invoice_settings": {"default_payment_method": good.id}}
    )
    await asyncio.to_thread(client.v1.invoices.pay, invoice["id"])
    for _ in range(100):
        async with db.unit_of_work() as s:
            case = await s.scalar(select(DunningCase))
            if case is not None and case.resolved_at is not None:
                break
        await asyncio.sleep(0.1)
    assert case is not None and case.resolved_at is not None
    left = [m for m in await outbox(db) if (m.dedupe_key or "").startswith("dunning:")]
    assert left == []
    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE


async def test_after_the_last_reminder_the_enrollment_pauses_and_a_payment_resumes_it(
    db: Database,
    shop: Shop,
    payments: StripePayments,
    stripe_api: CheckoutApi,
    webhook: WebhookEndpoint,
    localstripe: LocalStripe,
) -> None:
    enrollment_id, sub_id = await _subscribed(db, shop, payments, stripe_api)
    customer = next(iter(stripe_api.sessions.values()))["customer"]
    invoice = await asyncio.to_thread(_failed_renewal, localstripe, customer, sub_id)
    await asyncio.to_thread(stripe_api.deliver, "invoice.payment_failed", invoice)

    assert await webhook.processor.pause_overdue(utcnow() + timedelta(days=6)) == 0
    assert await webhook.processor.pause_overdue(utcnow() + timedelta(days=7, minutes=1)) == 1
    assert await webhook.processor.pause_overdue(utcnow() + timedelta(days=8)) == 0
    assert await _status(db, enrollment_id) == EnrollmentStatus.PAUSED
    messages = await outbox(db)
    assert any("paused" in m.payload.get("text", "") for m in messages if m.platform == "telegram")
    assert [m.payload["kind"] for m in messages if m.platform == "slack"].count("paused_unpaid") == 1

    paid = dict(invoice, status="paid", amount_paid=invoice["amount_due"])
    response = await asyncio.to_thread(stripe_api.deliver, "invoice.paid", paid)
    assert response is not None and response.status_code == 200
    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE


async def test_subscription_deleted_ends_the_enrollment_even_when_events_come_late(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    enrollment_id, sub_id = await _subscribed(db, shop, payments, stripe_api)
    client = stripe.StripeClient(API_KEY, base_addresses={"api": stripe_api.upstream})
    stale_update = client.v1.subscriptions.retrieve(sub_id).to_dict()
    client.v1.subscriptions.cancel(sub_id)
    deleted = client.v1.subscriptions.retrieve(sub_id).to_dict()

    first = await asyncio.to_thread(stripe_api.deliver, "customer.subscription.deleted", deleted)
    # A stale "updated" (still active in its snapshot) arriving afterwards: the re-fetch wins.
    late = await asyncio.to_thread(stripe_api.deliver, "customer.subscription.updated", stale_update)
    assert first is not None and late is not None and (first.status_code, late.status_code) == (200, 200)

    assert await _status(db, enrollment_id) == EnrollmentStatus.CANCELLED
    async with db.unit_of_work() as s:
        sub = await s.scalar(select(Subscription))
        assert sub is not None and sub.status == "canceled"
    ended = [m for m in await outbox(db) if m.dedupe_key and m.dedupe_key.startswith("sub-ended:")]
    assert len(ended) == 1
