"""The payment experience in chat, through the real conversation engine: /pay to an active enrollment
and a thank-you; /billing with its cancel confirmation; /invoices; and /pay without Stripe."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator

import pytest

from conversations.engine import ConversationEngine
from conversations.flows import billing as billing_flows
from conversations.messages import IncomingMessage, OutgoingMessage
from conversations.registry import unregister
from domain.db import Database
from domain.models import Enrollment
from domain.models.enums import EnrollmentStatus
from domain.services.clients import set_client_locale
from integrations.stripe import StripePayments
from tests.payments.conftest import Shop, WebhookEndpoint, new_enrollment, outbox
from tests.support.stripe_checkout_api import CheckoutApi

_ids = itertools.count(1)


class Chat:
    """The shop's client (telegram user 42) talking to an engine."""

    def __init__(self, engine: ConversationEngine) -> None:
        self.engine = engine
        self.last: list[OutgoingMessage] = []

    async def send(self, text: str | None = None, *, payload: str | None = None) -> list[OutgoingMessage]:
        message = IncomingMessage(
            platform="telegram",
            external_user_id="42",
            chat_id="4242",
            message_id=f"m{next(_ids)}",
            text=text,
            button_payload=payload,
        )
        self.last = await self.engine.handle(message)
        return self.last

    async def press(self, label: str) -> list[OutgoingMessage]:
        for reply in reversed(self.last):
            for button in reply.all_buttons:
                if button.label == label:
                    return await self.send(payload=button.payload)
        raise AssertionError(f"no button {label!r}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)


@pytest.fixture(autouse=True)
def _billing_commands() -> Iterator[None]:
    billing_flows.register()
    yield
    for name in ("/billing", "/invoices", "billing"):
        unregister(name)


@pytest.fixture
async def chat(db: Database, payments: StripePayments) -> AsyncIterator[Chat]:
    engine = ConversationEngine(db, payments=payments)
    await engine.start()
    try:
        yield Chat(engine)
    finally:
        await engine.stop()


async def _status(db: Database, enrollment_id: int) -> str:
    async with db.unit_of_work() as s:
        enrollment = await s.get(Enrollment, enrollment_id)
        assert enrollment is not None
        return enrollment.status


async def test_pay_in_chat_to_active_enrollment_and_thank_you(
    db: Database, shop: Shop, chat: Chat, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)

    replies = await chat.send("/pay")

    (button,) = [b for r in replies for b in r.url_buttons]
    (session,) = stripe_api.sessions.values()
    assert button.url == session["url"] and button.label == "Pay 49.00 USD"
    # Pressing /pay again offers the same open session rather than a second chargeable one.
    again = await chat.send("/pay")
    assert [b.url for r in again for b in r.url_buttons] == [session["url"]]

    await asyncio.to_thread(stripe_api.complete, session["id"])

    assert await _status(db, enrollment_id) == EnrollmentStatus.ACTIVE
    thanks = [m for m in await outbox(db) if m.platform == "telegram" and m.chat_id == "4242"]
    assert len(thanks) == 1 and thanks[0].payload["text"].startswith("Thank you!")
    await chat.send("/pay")
    assert "nothing to pay" in chat.text


async def test_pay_when_stripe_is_down_says_so_and_nothing_breaks(
    db: Database, shop: Shop, chat: Chat, stripe_api: CheckoutApi
) -> None:
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    stripe_api.fail_next = [503] * 4  # the first try and the library's three retries
    await chat.send("/pay")
    assert "can't be reached" in chat.text or "try again" in chat.text
    assert await _status(db, enrollment_id) == EnrollmentStatus.PENDING_PAYMENT
    await chat.send("/pay")
    assert any(b.url for r in chat.last for b in r.url_buttons)


async def test_billing_cancel_needs_confirmation_then_resume(
    db: Database, shop: Shop, chat: Chat, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    await new_enrollment(db, shop.client_id, shop.monthly_id)
    await chat.send("/pay")
    (session,) = stripe_api.sessions.values()
    await asyncio.to_thread(stripe_api.complete, session["id"])

    await chat.send("/billing")
    assert "Momentum: 29.00 EUR per month, active." in chat.text and "Next payment: 29.00 EUR on" in chat.text

    await chat.press("Cancel at period end")
    assert "Cancel your subscription" in chat.text
    await chat.send("maybe")
    assert "Please answer with the buttons" in chat.text
    await chat.press("No, keep it")
    assert chat.text == "Okay, nothing changed."
    await chat.send("/billing")
    assert "Next payment" in chat.text

    await chat.press("Cancel at period end")
    await chat.press("Yes, cancel")
    assert "Done: Momentum ends on" in chat.text
    await chat.send("/billing")
    assert "Cancelled: it ends on" in chat.text
    await chat.press("Resume")
    assert "Welcome back: Momentum continues" in chat.text

    await chat.send("/billing")
    await chat.press("Update card")
    (portal,) = [b for r in chat.last for b in r.url_buttons]
    assert portal.url.startswith(stripe_api.url)


async def test_invoices_lists_paid_invoices(
    db: Database, shop: Shop, chat: Chat, stripe_api: CheckoutApi, webhook: WebhookEndpoint
) -> None:
    await chat.send("/invoices")
    assert chat.text == "You have no invoices yet."
    await new_enrollment(db, shop.client_id, shop.monthly_id)
    await chat.send("/pay")
    (session,) = stripe_api.sessions.values()
    await asyncio.to_thread(stripe_api.complete, session["id"])
    await chat.send("/invoices")
    assert chat.text.startswith("Your invoices:") and "29.00 EUR  paid" in chat.text


async def test_without_stripe_pay_explains_and_tells_the_coach(db: Database, shop: Shop) -> None:
    await new_enrollment(db, shop.client_id, shop.one_off_id)
    engine = ConversationEngine(db, payments=None)
    chat = Chat(engine)
    try:
        await chat.send("/pay")
        assert "not set up yet" in chat.text
        await chat.send("/billing")
        assert "not set up yet" in chat.text
    finally:
        await engine.stop()
    notices = [m.payload["kind"] for m in await outbox(db) if m.platform == "slack"]
    assert notices == ["payments_not_configured"]


async def test_a_german_client_reads_why_payment_is_not_possible_in_german(
    db: Database, shop: Shop, chat: Chat, stripe_api: CheckoutApi
) -> None:
    async with db.unit_of_work() as s:
        await set_client_locale(s, shop.client_id, "de")
    enrollment_id = await new_enrollment(db, shop.client_id, shop.one_off_id)
    stripe_api.fail_next = [503] * 4  # the first try and the library's three retries
    await chat.send("/pay")
    assert "Bitte versuch es" in chat.text and "try again" not in chat.text
    assert await _status(db, enrollment_id) == EnrollmentStatus.PENDING_PAYMENT
    await chat.send("/pay")
    assert any(b.url for r in chat.last for b in r.url_buttons)
