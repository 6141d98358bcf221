"""``POST /webhooks/stripe`` over real HTTP with Stripe's signing scheme, and localstripe's own delivery."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import func, select

from conversations.i18n import use_locale
from domain.db import Database
from domain.models import AuditEvent, Client, Enrollment, Payment, ProviderEvent
from domain.models.enums import EnrollmentStatus, PaymentStatus
from domain.models.system import REJECTED_REQUEST
from domain.services.clients import set_client_locale
from integrations.stripe import StripePayments
from integrations.stripe.client import client_message
from tests.payments.conftest import WEBHOOK_SECRET, Shop, WebhookEndpoint, new_enrollment, outbox
from tests.support.localstripe_server import API_KEY, LocalStripe
from tests.support.stripe_checkout_api import CheckoutApi, event, sign


async def _post(url: str, body: str | bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    async with httpx.AsyncClient() as http:
        return await http.post(url, content=body, headers=headers)


async def _paid_intent(localstripe: LocalStripe, customer: str, enrollment_id: int) -> dict[str, object]:
    client = stripe.StripeClient(
        API_KEY, base_addresses={"api": localstripe.url}, http_client=stripe.HTTPXClient()
    )
    intent = await client.v1.payment_intents.create_async(
        {
            "amount": 4900,
            "currency": "usd",
            "customer": customer,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"enrollment_id": str(enrollment_id)},
        }
    )
    return intent.to_dict()


async def _status(db: Database, enrollment_id: int) -> str:
    async with db.unit_of_work() as s:
        enrollment = await s.get(Enrollment, enrollment_id)
        assert enrollment is not None
        return enrollment.status


async def _rejections(db: Database) -> tuple[int, int, list[str]]:
    """Rejected-request audit rows: how many rows, how many requests they count, their first reasons."""
    async with db.unit_of_work() as s:
        rows = (
            await s.scalars(
                select(AuditEvent).where(AuditEvent.action == REJECTED_REQUEST).order_by(AuditEvent.id)
            )
        ).all()
        return len(rows), sum(r.count for r in rows), [r.details["first_reason"] for r in rows]


async def _checkout_ready(db: Database, shop: Shop, payments: StripePayments) -> tuple[int, str]:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    await payments.checkout_for_enrollment(enrollment_id)
    async with db.unit_of_work() as s:
        payment = await s.scalar(select(Payment))
        assert payment is not None and payment.provider_checkout_id
        client = await s.get(Client, shop.client_id)
        assert client is not None and client.stripe_customer_id
        return enrollment_id, client.stripe_customer_id


async def test_valid_signature_is_processed_once_and_replays_are_ignored(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, localstripe: LocalStripe
) -> None:
    enrollment_id, customer = await _checkout_ready(db, shop, payments)
    intent = await _paid_intent(localstripe, customer, enrollment_id)
    body = event("payment_intent.succeeded", intent, event_id="evt_once")

    first = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))
    replay = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))

    assert (first.status_code, first.text) == (200, "processed")
    assert (replay.status_code, replay.text) == (200, "duplicate")
    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(ProviderEvent)) == 1
    messages = await outbox(db)
    assert sum(1 for m in messages if m.platform == "telegram") == 1


async def test_concurrent_duplicates_take_effect_once(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, localstripe: LocalStripe
) -> None:
    enrollment_id, customer = await _checkout_ready(db, shop, payments)
    intent = await _paid_intent(localstripe, customer, enrollment_id)
    body = event("payment_intent.succeeded", intent, event_id="evt_race")
    results = await asyncio.gather(*(_post(webhook.url, body, sign(body, WEBHOOK_SECRET)) for _ in range(4)))
    assert all(r.status_code == 200 for r in results)
    assert sorted(r.text for r in results).count("processed") == 1
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(Payment)) == 1


async def test_wrong_secret_stale_and_missing_signatures_are_400_and_audited(
    db: Database, shop: Shop, webhook: WebhookEndpoint
) -> None:
    body = event("payment_intent.succeeded", {"id": "pi_x", "object": "payment_intent", "metadata": {}})
    wrong = await _post(webhook.url, body, sign(body, "whsec_someone_else"))
    stale = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301))
    missing = await _post(webhook.url, body, None)
    tampered = await _post(webhook.url, body.replace("pi_x", "pi_y"), sign(body, WEBHOOK_SECRET))
    future = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET, timestamp=int(time.time()) + 600))
    assert [r.text for r in (wrong, stale, missing, tampered, future)] == [
        "bad signature",
        "stale signature",
        "missing signature",
        "bad signature",
        "stale signature",
    ]
    assert {r.status_code for r in (wrong, stale, missing, tampered, future)} == {400}
    rows, counted, reasons = await _rejections(db)
    assert rows <= 2 and counted == 5 and reasons[0] == "bad signature"  # one row per minute
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(ProviderEvent)) == 0


async def test_malformed_bodies_are_400_never_500(db: Database, webhook: WebhookEndpoint) -> None:
    for body in (
        b"{not json",
        b"[]",
        b'{"id": "evt_1"}',
        json.dumps({"id": 1, "type": "x", "data": {}}).encode(),
        b"\xff\xfe",
    ):
        text = body.decode("utf-8", errors="replace")
        signature = sign(text, WEBHOOK_SECRET) if body != b"\xff\xfe" else sign("x", WEBHOOK_SECRET)
        response = await _post(webhook.url, body, signature)
        assert response.status_code == 400, body


async def test_unknown_event_types_are_acknowledged_and_ignored(
    db: Database, webhook: WebhookEndpoint
) -> None:
    body = event("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"})
    response = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))
    assert (response.status_code, response.text) == (200, "ignored")


async def test_out_of_order_failure_after_success_does_not_undo_the_payment(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, localstripe: LocalStripe
) -> None:
    enrollment_id, customer = await _checkout_ready(db, shop, payments)
    intent = await _paid_intent(localstripe, customer, enrollment_id)
    succeeded = event("payment_intent.succeeded", intent)
    failed_intent = dict(intent, status="requires_payment_method", last_payment_error={"message": "declined"})
    failed = event("payment_intent.payment_failed", failed_intent, created=int(time.time()) - 60)

    assert (await _post(webhook.url, succeeded, sign(succeeded, WEBHOOK_SECRET))).status_code == 200
    assert (await _post(webhook.url, failed, sign(failed, WEBHOOK_SECRET))).status_code == 200

    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE
    async with db.unit_of_work() as s:
        payment = await s.scalar(select(Payment).where(Payment.provider_payment_id == intent["id"]))
        assert payment is not None and payment.status == PaymentStatus.SUCCEEDED
    texts = [m.payload["text"] for m in await outbox(db) if m.platform == "telegram"]
    assert len(texts) == 1 and "Thank you" in texts[0]


async def _decline_card(
    db: Database, webhook: WebhookEndpoint, localstripe: LocalStripe, customer: str, enrollment_id: int
) -> list[Any]:
    """A card localstripe declines for the enrollment; returns the client's messages once its signed
    payment_intent.payment_failed event (delivered by localstripe after about a second) is handled."""
    localstripe.register_webhook(webhook.url, WEBHOOK_SECRET)
    client = stripe.StripeClient(
        API_KEY, base_addresses={"api": localstripe.url}, http_client=stripe.HTTPXClient()
    )
    with pytest.raises(stripe.CardError):
        await client.v1.payment_intents.create_async(
            {
                "amount": 4900,
                "currency": "usd",
                "customer": customer,
                "payment_method": "pm_card_chargeCustomerFail",
                "confirm": True,
                "metadata": {"enrollment_id": str(enrollment_id)},
            }
        )
    messages: list[Any] = []
    for _ in range(100):
        messages = [m for m in await outbox(db) if m.platform == "telegram"]
        if messages:
            break
        await asyncio.sleep(0.1)
    return messages


async def test_declined_card_tells_the_client_and_keeps_the_enrollment_waiting(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, localstripe: LocalStripe
) -> None:
    enrollment_id, customer = await _checkout_ready(db, shop, payments)
    messages = await _decline_card(db, webhook, localstripe, customer, enrollment_id)
    assert messages and "didn't go through" in messages[0].payload["text"]
    assert await _status(db, enrollment_id) == EnrollmentStatus.PENDING_PAYMENT
    async with db.unit_of_work() as s:
        failed = await s.scalar(select(Payment).where(Payment.status == PaymentStatus.FAILED))
        assert failed is not None and failed.failure_reason


async def test_a_german_clients_declined_card_is_explained_in_german(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, localstripe: LocalStripe
) -> None:
    """localstripe declines the card (code card_declined, Stripe's English message) and signs the
    payment_failed event itself: the German client reads the reason in German, never Stripe's words."""
    async with db.unit_of_work() as s:
        await set_client_locale(s, shop.client_id, "de")
    enrollment_id, customer = await _checkout_ready(db, shop, payments)
    messages = await _decline_card(db, webhook, localstripe, customer, enrollment_id)
    [message] = [m.payload["text"] for m in messages]
    assert message == (
        "Deine Zahlung hat nicht geklappt (die Bank hat die Zahlung nicht angenommen). "
        "Du kannst es mit /pay noch einmal versuchen."
    )
    assert "Your card was declined" not in message


@pytest.mark.parametrize(
    ("error", "german"),
    [
        (
            {"code": "card_declined", "decline_code": "insufficient_funds"},
            "auf deiner Karte ist nicht genug Guthaben",
        ),
        ({"code": "expired_card"}, "deine Karte ist abgelaufen"),
        ({"code": "incorrect_cvc"}, "die Prüfnummer deiner Karte ist falsch"),
        (
            {"code": "card_declined", "decline_code": "stolen_card"},
            "die Bank hat die Zahlung nicht angenommen",
        ),
        (
            {"code": "card_declined", "decline_code": "something_new"},
            "die Bank hat die Zahlung nicht angenommen",
        ),
    ],
)
async def test_stripes_decline_codes_are_said_in_the_clients_language(
    db: Database,
    shop: Shop,
    payments: StripePayments,
    webhook: WebhookEndpoint,
    error: dict[str, str],
    german: str,
) -> None:
    """A signed payment_intent.payment_failed with the issuer's decline code over HTTP."""
    async with db.unit_of_work() as s:
        await set_client_locale(s, shop.client_id, "de")
    enrollment_id, _ = await _checkout_ready(db, shop, payments)
    intent = {
        "id": "pi_declined_1",
        "object": "payment_intent",
        "amount": 4900,
        "currency": "usd",
        "status": "requires_payment_method",
        "metadata": {"enrollment_id": str(enrollment_id)},
        "last_payment_error": {**error, "message": "Your card has insufficient funds."},
    }
    body = event("payment_intent.payment_failed", intent)
    assert (await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))).status_code == 200
    [message] = [m.payload["text"] for m in await outbox(db) if m.platform == "telegram"]
    assert message.startswith(f"Deine Zahlung hat nicht geklappt ({german}).")


async def test_a_card_error_from_stripe_reads_in_the_clients_language() -> None:
    """A synchronous call Stripe refuses with a CardError (code and decline_code in its body)."""

    def card_error(code: str, decline_code: str | None = None) -> stripe.CardError:
        body = {
            "error": {"type": "card_error", "code": code, "decline_code": decline_code, "message": "Nope."}
        }
        return stripe.CardError("Nope.", None, code, json_body=body)

    with use_locale("de"):
        said = client_message(card_error("card_declined", "insufficient_funds"))
        assert said == (
            "Deine Karte wurde abgelehnt: auf deiner Karte ist nicht genug Guthaben. "
            "Bitte versuch es mit einer anderen Karte."
        )
    with use_locale("ru"):
        assert client_message(card_error("processing_error")) == (
            "Карта отклонена: при обработке карты произошла ошибка. Попробуй другую карту."
        )
        assert "банк не принял платёж" in client_message(card_error("card_declined", "lost_card"))
    with use_locale("en"):
        assert client_message(card_error("expired_card")) == (
            "Your card was declined: your card has expired. Please try another card."
        )


async def test_localstripe_signed_delivery_activates_the_enrollment(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, localstripe: LocalStripe
) -> None:
    enrollment_id, customer = await _checkout_ready(db, shop, payments)
    localstripe.register_webhook(webhook.url, WEBHOOK_SECRET)
    await _paid_intent(localstripe, customer, enrollment_id)
    for _ in range(100):
        if await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE:
            break
        await asyncio.sleep(0.1)
    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE
    async with db.unit_of_work() as s:
        types = set((await s.scalars(select(ProviderEvent.event_type))).all())
    assert "payment_intent.succeeded" in types


async def test_payment_for_a_cancelled_enrollment_does_not_revive_it(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, stripe_api: CheckoutApi
) -> None:
    from domain.services.enrollments import change_enrollment_status

    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    await payments.checkout_for_enrollment(enrollment_id)
    async with db.unit_of_work() as s:
        await change_enrollment_status(s, enrollment_id, EnrollmentStatus.CANCELLED)
    (session,) = stripe_api.sessions.values()
    await asyncio.to_thread(stripe_api.complete, session["id"])
    assert await _status(db, enrollment_id) == EnrollmentStatus.CANCELLED
    notices = [m.payload["kind"] for m in await outbox(db) if m.platform == "slack"]
    assert notices == ["payment_for_cancelled"]


async def test_wrongly_shaped_object_is_400_and_changes_nothing(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint
) -> None:
    enrollment_id, _ = await _checkout_ready(db, shop, payments)
    obj = {
        "id": "cs_bad",
        "object": "checkout.session",
        "payment_status": "paid",
        "metadata": {"enrollment_id": str(enrollment_id)},
        "amount_total": "lots",
    }
    body = event("checkout.session.completed", obj)
    response = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))
    assert response.status_code == 400
    assert await _status(db, enrollment_id) == EnrollmentStatus.PENDING_PAYMENT
    assert "malformed event object" in (await _rejections(db))[2]
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(ProviderEvent)) == 0


async def test_huge_numbers_and_deep_nesting_signed_correctly_are_400_and_change_nothing(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint
) -> None:
    enrollment_id, _ = await _checkout_ready(db, shop, payments)
    paid = {"id": "cs_big", "object": "checkout.session", "payment_status": "paid"}
    meta = {"enrollment_id": str(enrollment_id)}
    bodies = [
        event("checkout.session.completed", {**paid, "metadata": meta}).replace(
            '"payment_status"', '"amount_total": 1e999, "payment_status"'
        ),
        event("checkout.session.completed", {**paid, "metadata": meta, "amount_total": 10**20}),
        '{"id": "evt_deep", "type": "checkout.session.completed", "data": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
        '{"id": "evt_nan", "type": "x", "data": {"object": {"id": "o", "n": NaN}}}',
    ]
    for body in bodies:
        response = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))
        assert response.status_code == 400, body[:80]
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(ProviderEvent)) == 0
    # An id no column can hold names no enrollment: acknowledged, nothing applied.
    unknown = event("checkout.session.completed", {**paid, "metadata": {"enrollment_id": str(10**20)}})
    assert (await _post(webhook.url, unknown, sign(unknown, WEBHOOK_SECRET))).status_code == 200
    assert await _status(db, enrollment_id) == EnrollmentStatus.PENDING_PAYMENT


async def test_a_flood_of_unsigned_posts_adds_one_audit_row_per_minute(
    db: Database, webhook: WebhookEndpoint
) -> None:
    body = event("payment_intent.succeeded", {"id": "pi_x", "object": "payment_intent", "metadata": {}})
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            response = await http.post(webhook.url, content=body, headers={"Stripe-Signature": "t=1,v1=00"})
            assert response.status_code == 400
    rows, counted, _ = await _rejections(db)
    assert rows <= 2 and counted == 200


async def test_an_unreachable_database_is_503_so_stripe_retries_and_the_retry_applies(
    db: Database, shop: Shop, payments: StripePayments, webhook: WebhookEndpoint, localstripe: LocalStripe
) -> None:
    enrollment_id, customer = await _checkout_ready(db, shop, payments)
    intent = await _paid_intent(localstripe, customer, enrollment_id)
    body = event("payment_intent.succeeded", intent, event_id="evt_outage")
    down = Database("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")  # nothing listens there
    webhook.processor.db = down
    try:
        during = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))
    finally:
        webhook.processor.db = db
        await down.dispose()
    assert during.status_code == 503
    assert await _status(db, enrollment_id) != EnrollmentStatus.ACTIVE

    after = await _post(webhook.url, body, sign(body, WEBHOOK_SECRET))  # Stripe's retry
    assert (after.status_code, after.text) == (200, "processed")
    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE
