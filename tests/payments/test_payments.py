"""StripePayments as the engine's PaymentPort: Checkout over the real stripe library and real HTTP."""

from __future__ import annotations

import asyncio

import pytest
import stripe
from sqlalchemy import select

from conversations.i18n import use_locale
from conversations.ports import PaymentsUnavailable
from domain.db import Database
from domain.models import Client, Coach, Enrollment, Payment
from domain.models.enums import EnrollmentStatus, PaymentStatus
from domain.services.clients import set_client_locale
from integrations.stripe import StripePayments
from integrations.stripe.payments import with_language
from tests.payments.conftest import Shop, WebhookEndpoint, new_enrollment, outbox
from tests.support.localstripe_server import API_KEY, LocalStripe
from tests.support.stripe_checkout_api import CheckoutApi


def _ls_client(localstripe: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient(
        API_KEY, base_addresses={"api": localstripe.url}, http_client=stripe.HTTPXClient()
    )


async def test_one_off_checkout_session_carries_our_ids(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, localstripe: LocalStripe
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)

    offer = await payments.checkout_for_enrollment(enrollment_id)

    assert offer.amount_minor == 4900 and offer.currency == "usd" and offer.label == "Pay 49.00 USD"
    (session,) = stripe_api.sessions.values()
    assert offer.url == session["url"]
    assert session["mode"] == "payment"
    assert session["client_reference_id"] == str(shop.client_id)
    assert session["metadata"] == {
        "enrollment_id": str(enrollment_id),
        "coach_id": str(shop.coach_id),
        "client_id": str(shop.client_id),
    }
    assert session["_payment_intent_data"]["metadata"]["enrollment_id"] == str(enrollment_id)
    assert session["_line_items"][0]["price_data"]["unit_amount"] == "4900"
    assert all(key for method, _, key in stripe_api.requests if method == "POST"), "every create is keyed"
    # The customer is a real localstripe object, remembered on the client.
    async with db.unit_of_work() as s:
        client = await s.get(Client, shop.client_id)
        assert client is not None and client.stripe_customer_id == session["customer"]
        payment = await s.scalar(select(Payment))
        assert payment is not None and payment.status == PaymentStatus.PENDING
        assert payment.provider_checkout_id == session["id"]
    customer = await _ls_client(localstripe).v1.customers.retrieve_async(session["customer"])
    assert customer.to_dict()["metadata"]["client_id"] == str(shop.client_id)


async def test_checkout_and_stripes_emails_speak_the_clients_language(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, localstripe: LocalStripe
) -> None:
    async with db.unit_of_work() as s:
        await set_client_locale(s, shop.client_id, "de")
    offer = await payments.checkout_for_enrollment(await new_enrollment(db, shop.client_id, shop.one_off_id))
    (session,) = stripe_api.sessions.values()
    assert session["locale"] == "de" and offer.url == session["url"]
    # The pages Checkout returns to say it in German too, whatever the browser's language.
    assert (session["success_url"], session["cancel_url"]) == (
        f"{payments.success_url}?lang=de",
        f"{payments.cancel_url}?lang=de",
    )
    customer = await _ls_client(localstripe).v1.customers.retrieve_async(session["customer"])
    assert customer.to_dict()["preferred_locales"] == ["de"]  # receipts and invoices
    await payments.billing_portal_url(shop.client_id)
    assert stripe_api.portal_sessions[-1]["locale"] == "de"
    assert stripe_api.portal_sessions[-1]["return_url"].endswith("/payments/success?lang=de")


async def test_monthly_checkout_is_a_subscription_in_the_program_currency(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.monthly_id)
    offer = await payments.checkout_for_enrollment(enrollment_id)
    (session,) = stripe_api.sessions.values()
    assert session["mode"] == "subscription"
    price = session["_line_items"][0]["price_data"]
    assert price["currency"] == "eur" and price["recurring"] == {"interval": "month"}
    assert session["_subscription_data"]["metadata"]["enrollment_id"] == str(enrollment_id)
    assert offer.label == "Pay 29.00 EUR / month"


async def test_customer_is_created_once_and_reused(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    first = await new_enrollment(db, shop.client_id, shop.one_off_id)
    second = await new_enrollment(db, shop.client_id, shop.monthly_id)
    await asyncio.gather(payments.checkout_for_enrollment(first), payments.checkout_for_enrollment(second))
    customers = {s["customer"] for s in stripe_api.sessions.values()}
    assert len(customers) == 1
    creates = [r for r in stripe_api.requests if r[:2] == ("POST", "/v1/customers")]
    # Concurrent first payments may both ask, but with the same idempotency key: one customer.
    assert {key for _, _, key in creates} == {f"coach-customer-{shop.client_id}"}


async def test_repeated_pay_reuses_the_open_session(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    first = await payments.checkout_for_enrollment(enrollment_id)
    again = await payments.checkout_for_enrollment(enrollment_id)
    assert first.url == again.url and len(stripe_api.sessions) == 1


async def test_expired_session_gets_a_fresh_one(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    first = await payments.checkout_for_enrollment(enrollment_id)
    (session,) = stripe_api.sessions.values()
    session.update(status="expired", url=None)
    fresh = await payments.checkout_for_enrollment(enrollment_id)
    assert fresh.url != first.url and len(stripe_api.sessions) == 2
    keys = [k for m, p, k in stripe_api.requests if p == "/v1/checkout/sessions" and m == "POST"]
    assert keys == [f"coach-checkout-{enrollment_id}-1", f"coach-checkout-{enrollment_id}-2"]


async def test_rate_limits_and_outages_are_retried_with_the_same_key(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    async with db.unit_of_work() as s:
        client = await s.get(Client, shop.client_id)
        assert client is not None
        client.stripe_customer_id = "cus_existing"
    stripe_api.fail_next = [429, 503]
    offer = await payments.checkout_for_enrollment(enrollment_id)
    assert offer.url
    attempts = [k for m, p, k in stripe_api.requests if p == "/v1/checkout/sessions" and m == "POST"]
    assert len(attempts) == 3 and len(set(attempts)) == 1
    assert len(stripe_api.sessions) == 1


async def test_provider_down_becomes_a_clear_message(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    stripe_api.fail_next = [503] * 10
    with pytest.raises(PaymentsUnavailable, match="try again"):
        await payments.checkout_for_enrollment(enrollment_id)
    async with db.unit_of_work() as s:
        assert (await s.scalar(select(Payment))) is None
        enrollment = await s.get(Enrollment, enrollment_id)
        assert enrollment is not None and enrollment.status == EnrollmentStatus.PENDING_PAYMENT


async def test_paid_or_free_enrollments_offer_no_checkout(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    await payments.checkout_for_enrollment(enrollment_id)
    (session,) = stripe_api.sessions.values()
    await asyncio.to_thread(stripe_api.complete, session["id"])
    with pytest.raises(PaymentsUnavailable, match="already paid"):
        await payments.checkout_for_enrollment(enrollment_id)
    assert len(stripe_api.sessions) == 1
    # Raised inside a client's effect, the reason is in the client's language.
    with use_locale("es"), pytest.raises(PaymentsUnavailable, match="ya está pagado: todo listo"):
        await payments.checkout_for_enrollment(enrollment_id)


async def test_checkout_to_active_enrollment_with_thanks_and_coach_notice(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    await payments.checkout_for_enrollment(enrollment_id)
    (session,) = stripe_api.sessions.values()

    completed = await asyncio.to_thread(stripe_api.complete, session["id"])

    async with db.unit_of_work() as s:
        enrollment = await s.get(Enrollment, enrollment_id)
        assert enrollment is not None and enrollment.status == EnrollmentStatus.ACTIVE
        (payment,) = (await s.scalars(select(Payment))).all()
        assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_minor == 4900
        assert payment.provider_payment_id == completed["payment_intent"]
    messages = await outbox(db)
    thanks = [m for m in messages if m.platform == "telegram"]
    notices = [m for m in messages if m.platform == "slack"]
    assert len(thanks) == 1 and thanks[0].chat_id == "4242" and "Thank you" in thanks[0].payload["text"]
    assert len(notices) == 1 and notices[0].payload["kind"] == "payment_received"
    assert notices[0].payload["text"] == "Payment received: 49.00 USD for Kickstart."


async def test_a_german_coach_is_told_of_a_payment_in_german(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    async with db.unit_of_work() as s:
        coach = await s.get(Coach, shop.coach_id)
        assert coach is not None
        coach.locale = "de"
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    await payments.checkout_for_enrollment(enrollment_id)
    (session,) = stripe_api.sessions.values()
    await asyncio.to_thread(stripe_api.complete, session["id"])
    messages = await outbox(db)
    [notice] = [m.payload["text"] for m in messages if m.platform == "slack"]
    assert notice == "Zahlung erhalten: 49,00 USD für Kickstart."
    [thanks] = [m.payload["text"] for m in messages if m.platform == "telegram"]
    assert "Thank you" in thanks  # the client keeps their own language


async def test_payment_link_is_single_use_and_keyed(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.monthly_id)
    offer = await payments.payment_link_for_enrollment(enrollment_id)
    again = await payments.payment_link_for_enrollment(enrollment_id)
    assert offer == again, "the same idempotency keys replay the first link"
    (link,) = stripe_api.payment_links.values()
    assert offer.url == f"{link['url']}?client_reference_id={shop.client_id}"
    assert link["metadata"]["enrollment_id"] == str(enrollment_id)
    assert link["after_completion"] == {
        "type": "redirect",
        "redirect": {"url": f"{payments.success_url}?lang=en"},  # our page, in the client's language
    }
    (price,) = stripe_api.prices.values()
    assert (price["unit_amount"], price["currency"], price["type"]) == (2900, "eur", "recurring")


async def test_concurrent_pay_for_one_enrollment_makes_one_session(
    db: Database, shop: Shop, payments: StripePayments, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    offers = await asyncio.gather(*(payments.checkout_for_enrollment(enrollment_id) for _ in range(3)))
    assert len({o.url for o in offers}) == 1 and len(stripe_api.sessions) == 1
    async with db.unit_of_work() as s:
        assert len((await s.scalars(select(Payment))).all()) == 1


def test_a_return_url_gets_the_language_beside_its_own_query_and_before_its_fragment() -> None:
    assert with_language("https://coach.example.com/paid", "es") == "https://coach.example.com/paid?lang=es"
    assert (
        with_language("https://coach.example.com/paid?session={CHECKOUT_SESSION_ID}#top", "ru")
        == "https://coach.example.com/paid?session={CHECKOUT_SESSION_ID}&lang=ru#top"
    )
