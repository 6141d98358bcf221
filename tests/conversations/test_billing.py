"""/billing and /invoices against a stand-in billing port: what each answer says and which buttons it
offers, the cancel confirmation, and the same friendly answers when payments are missing or down."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from conversations.flows import billing as billing_flows
from conversations.ports import InvoiceSummary, PaymentOffer, PaymentsUnavailable, SubscriptionSummary
from domain.db import Database
from tests.support.chat import Chat, FakeClock, register, registered, running_engine

MOMENTUM = SubscriptionSummary(
    ref="sub_1",
    program_name="Momentum",
    status="past_due",
    amount_minor=2900,
    currency="eur",
    next_payment_at=datetime(2026, 12, 27, tzinfo=UTC),
    cancel_at_period_end=False,
)
DOWN = "Billing is down for a moment, please try again later."


def invoice(n: int, *, url: bool = True) -> InvoiceSummary:
    return InvoiceSummary(
        number=f"INV-{n}",
        status="paid",
        amount_minor=2900,
        currency="eur",
        created_at=datetime(2026, n, 1, tzinfo=UTC),
        url=f"https://pay.example/inv/{n}" if url else None,
    )


class FakeBilling:
    """Remembers every cancel/resume; ``down`` makes every call fail like an unreachable provider."""

    def __init__(self) -> None:
        self.subscriptions: list[SubscriptionSummary] = [MOMENTUM]
        self.invoices: list[InvoiceSummary] = []
        self.down = False
        self.cancel_calls: list[tuple[int, str, bool]] = []

    def _check(self) -> None:
        if self.down:
            raise PaymentsUnavailable(DOWN)

    async def checkout_for_enrollment(self, enrollment_id: int) -> PaymentOffer:
        raise AssertionError("/billing never starts a checkout")

    async def subscriptions_for_client(self, client_id: int) -> list[SubscriptionSummary]:
        self._check()
        return self.subscriptions

    async def set_cancel_at_period_end(self, client_id: int, ref: str, cancel: bool) -> SubscriptionSummary:
        self._check()
        self.cancel_calls.append((client_id, ref, cancel))
        # Stripe reports no next payment once the subscription is set to end.
        return replace(
            MOMENTUM,
            cancel_at_period_end=cancel,
            next_payment_at=None if cancel else MOMENTUM.next_payment_at,
        )

    async def billing_portal_url(self, client_id: int) -> str:
        self._check()
        return f"https://pay.example/portal/{client_id}"

    async def invoices_for_client(self, client_id: int) -> list[InvoiceSummary]:
        self._check()
        return self.invoices


@pytest.fixture(autouse=True)
def _billing_commands() -> Iterator[None]:
    with registered(billing_flows.register):
        yield


@pytest.fixture
def billing() -> FakeBilling:
    return FakeBilling()


@pytest.fixture
async def client_id(db: Database) -> int:
    return await register(db, "u1")


@pytest.fixture
async def client(db: Database, clock: FakeClock, billing: FakeBilling, client_id: int) -> AsyncIterator[Chat]:
    async with running_engine(db, clock=clock, payments=billing) as engine:
        yield Chat(engine, "u1")


def rows(chat: Chat) -> list[list[tuple[str, str]]]:
    return [[(b.label, b.payload) for b in row] for reply in chat.last for row in reply.buttons]


async def test_status_with_next_payment_offers_cancel_and_card(client: Chat) -> None:
    await client.send("/billing")
    assert client.text == "Momentum: 29.00 EUR per month, past due.\nNext payment: 29.00 EUR on 27 Dec 2026."
    assert rows(client) == [
        [("Cancel at period end", "/billing cancel sub_1"), ("Update card", "/billing card")]
    ]


async def test_cancelled_subscription_offers_resume(client: Chat, billing: FakeBilling) -> None:
    billing.subscriptions = [
        replace(MOMENTUM, cancel_at_period_end=True),
        replace(MOMENTUM, ref="sub_2", program_name="Focus", cancel_at_period_end=True, next_payment_at=None),
        replace(MOMENTUM, ref="sub_3", program_name="Calm", status="active", next_payment_at=None),
    ]
    await client.send("/billing")
    assert [reply.text for reply in client.last] == [
        "Momentum: 29.00 EUR per month, past due.\nCancelled: it ends on 27 Dec 2026 and you won't be charged again.",
        "Focus: 29.00 EUR per month, past due.\n"
        "Cancelled: it ends on the end of the period and you won't be charged again.",
        "Calm: 29.00 EUR per month, active.",
    ]
    assert rows(client) == [
        [("Resume", "/billing resume sub_1"), ("Update card", "/billing card")],
        [("Resume", "/billing resume sub_2"), ("Update card", "/billing card")],
        [("Cancel at period end", "/billing cancel sub_3"), ("Update card", "/billing card")],
    ]


async def test_no_subscription(client: Chat, billing: FakeBilling) -> None:
    billing.subscriptions = []
    await client.send("/billing")
    assert client.text == (
        "You have no active subscription. Send /pay to pay for a program, or /invoices for receipts."
    )


async def test_cancel_asks_first_and_keeps_on_no(client: Chat, billing: FakeBilling) -> None:
    await client.send("/billing")
    await client.press("Cancel at period end")
    assert client.text.startswith("Cancel your subscription at the end of the current period?")
    assert rows(client) == [[("Yes, cancel", "yes"), ("No, keep it", "no")]]
    await client.send("maybe")
    assert client.text.startswith("Please answer with the buttons: yes to cancel, no to keep")
    await client.send("Keep")
    assert client.text == "Okay, nothing changed."
    assert billing.cancel_calls == []


async def test_cancel_on_yes_then_resume(client: Chat, billing: FakeBilling, client_id: int) -> None:
    await client.send("/billing cancel sub_1")
    await client.press("Yes, cancel")
    assert client.text == (
        "Done: Momentum ends on the end of the period. You can resume any time before then with /billing."
    )
    await client.send("/BILLING resume sub_1")
    assert client.text == "Welcome back: Momentum continues and renews on 27 Dec 2026."
    assert billing.cancel_calls == [(client_id, "sub_1", True), (client_id, "sub_1", False)]


async def test_card_sends_a_portal_link(client: Chat, client_id: int) -> None:
    await client.send("/billing card")
    (reply,) = client.last
    assert reply.text == "Update your card or billing details here (the link is valid for a short while):"
    assert [(b.label, b.url) for b in reply.url_buttons] == [
        ("Open billing portal", f"https://pay.example/portal/{client_id}")
    ]


async def test_invoices_list_every_line_and_at_most_five_links(client: Chat, billing: FakeBilling) -> None:
    await client.send("/invoices")
    assert client.text == "You have no invoices yet."
    billing.invoices = [invoice(1, url=False), *(invoice(n) for n in range(2, 8))]
    await client.send("/invoices")
    (reply,) = client.last
    assert reply.text.splitlines() == [
        "Your invoices:",
        *(f"INV-{n}  1 {datetime(2026, n, 1):%b} 2026  29.00 EUR  paid" for n in range(1, 8)),
    ]
    assert [(b.label, b.url) for b in reply.url_buttons] == [
        (f"Invoice INV-{n}", f"https://pay.example/inv/{n}") for n in range(2, 7)
    ]


@pytest.mark.parametrize("command", ["/billing", "/billing resume sub_1", "/billing card", "/invoices"])
async def test_provider_down_is_said_plainly(client: Chat, billing: FakeBilling, command: str) -> None:
    billing.down = True
    await client.send(command)
    assert client.text == DOWN


async def test_confirmed_cancel_when_provider_is_down(client: Chat, billing: FakeBilling) -> None:
    await client.send("/billing cancel sub_1")
    billing.down = True
    await client.send("yes")
    assert client.text == DOWN


@pytest.mark.parametrize("command", ["/billing", "/billing resume sub_1", "/billing card", "/invoices"])
async def test_without_payments_billing_is_not_set_up(db: Database, clock: FakeClock, command: str) -> None:
    await register(db, "u1")
    async with running_engine(db, clock=clock) as engine:
        chat = Chat(engine, "u1")
        await chat.send(command)
        assert chat.text == "Payments are not set up yet, so there is no billing to show."


@pytest.mark.parametrize("command", ["/billing refund", "/billing cancel", "/billing resume"])
async def test_unknown_actions_point_to_billing(client: Chat, command: str) -> None:
    await client.send(command)
    assert client.text == "I didn't get that. Send /billing to see your subscription."
