"""Stripe test rig: localstripe + the Checkout API fixture over real HTTP, our webhook endpoint on a
real aiohttp server, and a coach with a one-off and a monthly program."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.config import Settings
from bot.stripe_webhooks import StripeWebhooks, build_payments
from domain.db import Database
from domain.models import OutboundMessage
from domain.services import clients as client_service
from domain.services import coaches as coach_service
from domain.services.enrollments import enroll
from integrations.stripe import StripePayments, StripeWebhookProcessor
from tests.support.localstripe_server import API_KEY, LocalStripe, run_localstripe
from tests.support.stripe_checkout_api import CheckoutApi

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture(scope="session")
def _localstripe() -> Iterator[LocalStripe]:
    yield from run_localstripe()


@pytest.fixture(scope="session")
def _checkout_api(_localstripe: LocalStripe) -> Iterator[CheckoutApi]:
    api = CheckoutApi(_localstripe.url)
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def localstripe(_localstripe: LocalStripe) -> LocalStripe:
    _localstripe.reset()
    return _localstripe


@pytest.fixture
def stripe_api(_checkout_api: CheckoutApi, localstripe: LocalStripe) -> CheckoutApi:
    _checkout_api.reset()
    return _checkout_api


@pytest.fixture
def payments(db: Database, stripe_api: CheckoutApi) -> StripePayments:
    built = build_payments(db, API_KEY, Settings(stripe_api_url=stripe_api.url))
    built.retry_delay = 0.01  # keep the backoff real but short
    return built


@dataclass
class WebhookEndpoint:
    url: str
    processor: StripeWebhookProcessor


@pytest.fixture
async def webhook(
    db: Database, payments: StripePayments, stripe_api: CheckoutApi
) -> AsyncIterator[WebhookEndpoint]:
    """``POST /webhooks/stripe`` served by the real component on 127.0.0.1, port 0."""
    processor = StripeWebhookProcessor(db, WEBHOOK_SECRET, payments)
    component = StripeWebhooks(processor)
    app = web.Application()
    component.install_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    endpoint = WebhookEndpoint(f"http://127.0.0.1:{port}/webhooks/stripe", processor)
    stripe_api.register_webhook(endpoint.url, WEBHOOK_SECRET)
    try:
        yield endpoint
    finally:
        await runner.cleanup()


@dataclass
class Shop:
    coach_id: int
    one_off_id: int
    monthly_id: int
    client_id: int


@pytest.fixture
async def shop(db: Database) -> Shop:
    async with db.unit_of_work() as session:
        coach = await coach_service.create_coach(
            session, name="Ada", email="ada@example.com", slack_user_id="UADA"
        )
        one_off = await coach_service.create_program(
            session, coach_id=coach.id, name="Kickstart", price_minor=4900, currency="usd"
        )
        monthly = await coach_service.create_program(
            session, coach_id=coach.id, name="Momentum", price_minor=2900, currency="eur", billing="monthly"
        )
        for program in (one_off, monthly):
            await coach_service.publish_program(session, program.id)
        client = await client_service.register_client(
            session,
            platform="telegram",
            external_user_id="42",
            chat_id="4242",
            display_name="Bo",
            coach_id=coach.id,
        )
        return Shop(coach.id, one_off.id, monthly.id, client.id)


async def new_enrollment(db: Database, client_id: int, program_id: int) -> int:
    async with db.unit_of_work() as session:
        return (await enroll(session, client_id=client_id, program_id=program_id)).id


async def outbox(db: Database) -> list[OutboundMessage]:
    async with db.unit_of_work() as session:
        return list((await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all())
