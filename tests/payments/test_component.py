"""``coach run`` wiring: the Stripe webhook route and the payments port appear only when configured."""

from __future__ import annotations

import httpx

from bot.components import AppContext, build_components
from bot.config import PAYMENT_CANCEL_PATH, PAYMENT_SUCCESS_PATH, load_settings
from bot.runtime import Service
from bot.stripe_webhooks import WEBHOOK_PATH, StripeWebhooks
from domain.db import Database
from integrations.stripe import StripePayments
from tests.support.stripe_checkout_api import event, sign


def test_without_stripe_settings_nothing_is_wired(database_url: str) -> None:
    ctx = AppContext(load_settings(database_url=database_url), Database(database_url))
    components = build_components(ctx, interactive_console=False)
    assert ctx.payments is None
    assert not any(isinstance(c, StripeWebhooks) for c in components)


def test_api_key_wires_payments_pointed_at_the_api_url(database_url: str) -> None:
    settings = load_settings(
        database_url=database_url, stripe_api_key="sk_test_x", stripe_api_url="http://127.0.0.1:9/"
    )
    ctx = AppContext(settings, Database(database_url))
    build_components(ctx, interactive_console=False)
    assert isinstance(ctx.payments, StripePayments)
    assert ctx.payments.stripe._requestor.base_addresses["api"] == "http://127.0.0.1:9"


async def test_coach_run_serves_the_signed_webhook(database_url: str, db: Database) -> None:
    settings = load_settings(
        database_url=database_url, http_port=0, stripe_webhook_secret="whsec_run", log_level="WARNING"
    )
    service = Service(settings, interactive_console=False)
    await service.start()
    try:
        url = f"http://127.0.0.1:{service.port}{WEBHOOK_PATH}"
        body = event("customer.created", {"id": "cus_1", "object": "customer"})
        async with httpx.AsyncClient() as http:
            good = await http.post(url, content=body, headers={"Stripe-Signature": sign(body, "whsec_run")})
            bad = await http.post(url, content=body, headers={"Stripe-Signature": sign(body, "whsec_other")})
        assert (good.status_code, good.text) == (200, "ignored")
        assert bad.status_code == 400
    finally:
        await service.stop()


async def test_checkout_returns_to_our_own_pages_by_default(database_url: str, db: Database) -> None:
    settings = load_settings(
        database_url=database_url,
        http_port=0,
        stripe_api_key="sk_test_x",
        stripe_api_url="http://127.0.0.1:9/",
        log_level="WARNING",
    )
    service = Service(settings, interactive_console=False)
    await service.start()
    try:
        payments = service.ctx.payments
        assert isinstance(payments, StripePayments)
        assert payments.success_url == settings.payment_success_url
        async with httpx.AsyncClient() as http:
            for path in (PAYMENT_SUCCESS_PATH, PAYMENT_CANCEL_PATH):
                page = await http.get(f"http://127.0.0.1:{service.port}{path}")
                assert page.status_code == 200 and "go back to the chat" in page.text
            # The client's phone asks for Spanish: the page is in Spanish.
            spanish = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
            success = await http.get(
                f"http://127.0.0.1:{service.port}{PAYMENT_SUCCESS_PATH}", headers=spanish
            )
            assert success.text == (
                "Gracias, tu pago se ha completado. Puedes cerrar esta página y volver al chat."
            )
            cancel = await http.get(f"http://127.0.0.1:{service.port}{PAYMENT_CANCEL_PATH}", headers=spanish)
            assert cancel.text == "No se ha cobrado nada. Puedes cerrar esta página y volver al chat."
            # The return URL names the client's language: it wins over the browser's.
            russian_client = await http.get(
                f"http://127.0.0.1:{service.port}{PAYMENT_SUCCESS_PATH}?lang=ru", headers=spanish
            )
            assert russian_client.text.startswith("Спасибо")
            unknown = await http.get(
                f"http://127.0.0.1:{service.port}{PAYMENT_SUCCESS_PATH}?lang=<b>", headers=spanish
            )
            assert unknown.text.startswith("Gracias")
    finally:
        await service.stop()
