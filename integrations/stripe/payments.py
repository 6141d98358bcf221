"""Stripe behind the conversation's ports: Checkout for enrollments, self-service billing, refunds.

Network calls never run inside a database transaction: read what is needed, talk to Stripe, then
record the result in a new short transaction. Every create call carries an idempotency key derived
from our own ids, so a retry (ours or the library's) returns the first object instead of a second one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from urllib.parse import quote

import stripe
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.i18n import use_locale
from conversations.ports import InvoiceSummary, PaymentOffer, PaymentsUnavailable, SubscriptionSummary
from conversations.texts import PaymentProblems as Problems
from conversations.texts import PaymentUpdates as Updates
from domain.db import Database
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.models import Payment, Subscription
from domain.models.enums import Billing, EnrollmentStatus, PaymentStatus
from domain.reasons import Sentence
from domain.reasons.payments import PaymentStatusNames, RefundProblems
from domain.services.audit import record_audit_event
from domain.services.billing import client_subscriptions, find_subscription, sync_subscription
from domain.services.clients import client_locale, get_client
from domain.services.coaches import get_program
from domain.services.enrollments import enrollment_program_name, get_enrollment
from domain.services.outbox import enqueue_for_client
from domain.services.payments import (
    checkout_attempts,
    expire_checkout,
    get_payment,
    record_payment,
    record_refund,
    set_payment_customer,
)
from integrations.stripe import texts
from integrations.stripe.client import RATE_LIMIT_BASE_DELAY, unavailable, with_backoff
from integrations.stripe.objects import as_dict, ref, subscription_state, timestamp

log = logging.getLogger(__name__)
T = TypeVar("T")

# Where Stripe sends the browser after Checkout / the Billing Portal. The conversation continues in
# chat, so these only need to be a friendly page; override with COACH_STRIPE_*_URL.
DEFAULT_SUCCESS_URL = "https://stripe.com/payments/checkout/success"
DEFAULT_CANCEL_URL = "https://stripe.com/payments/checkout/cancelled"
# The most invoices /invoices lists (Stripe's list endpoints default to 10, max 100).
INVOICE_LIST_LIMIT = 10
REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
# The other statuses, named in the coach's language when a refund is refused.
_STATUS_NAMES: dict[str, Sentence] = {
    PaymentStatus.PENDING: PaymentStatusNames.PENDING,
    PaymentStatus.FAILED: PaymentStatusNames.FAILED,
    PaymentStatus.REFUNDED: PaymentStatusNames.REFUNDED,
}
EPOCH = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True, slots=True)
class _CheckoutPlan:
    enrollment_id: int
    enrollment_status: str
    client_id: int
    customer_id: str | None
    client_name: str
    client_email: str | None
    client_locale: str
    coach_id: int
    program_name: str
    price_minor: int
    currency: str
    billing: str
    attempts: int
    open_checkout_id: str | None


@dataclass(frozen=True, slots=True)
class RefundResult:
    payment_id: int
    refunded_now_minor: int
    refunded_total_minor: int
    currency: str
    status: str


RETURN_LANGUAGE_PARAM = "lang"
"""The query parameter the return pages after Checkout read the client's language from."""


def with_language(url: str, locale: str) -> str:
    """``url`` with ``lang=<locale>`` added to its query (before any fragment), so the page Stripe
    returns the browser to speaks the client's language, not the browser's. Stripe's own
    ``{CHECKOUT_SESSION_ID}`` placeholder in a configured URL is left as written."""
    base, hash_mark, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{RETURN_LANGUAGE_PARAM}={quote(locale)}{hash_mark}{fragment}"


class StripePayments:
    """``PaymentPort`` and ``BillingPort`` over the real ``stripe`` library."""

    def __init__(
        self,
        db: Database,
        client: stripe.StripeClient,
        *,
        success_url: str = DEFAULT_SUCCESS_URL,
        cancel_url: str = DEFAULT_CANCEL_URL,
        retry_delay: float = RATE_LIMIT_BASE_DELAY,
    ) -> None:
        self.db = db
        self.stripe = client
        self.retry_delay = retry_delay
        self.success_url = success_url
        self.cancel_url = cancel_url

    async def _call(self, request: Callable[[], Awaitable[T]]) -> T:
        return await with_backoff(request, base_delay=self.retry_delay)

    # --- PaymentPort -------------------------------------------------------------------------

    async def checkout_for_enrollment(self, enrollment_id: int) -> PaymentOffer:
        plan = await self._plan_checkout(enrollment_id)
        if plan.enrollment_status == EnrollmentStatus.ACTIVE:
            raise PaymentsUnavailable(Problems.ALREADY_PAID.format(program=plan.program_name))
        if plan.enrollment_status != EnrollmentStatus.PENDING_PAYMENT:
            raise PaymentsUnavailable(Problems.NOT_OPEN)
        if plan.price_minor <= 0:
            raise PaymentsUnavailable(Problems.FREE.format(program=plan.program_name))
        try:
            if plan.open_checkout_id:
                reused = await self._reuse_open_checkout(plan)
                if reused is not None:
                    return reused
            customer_id = await self._ensure_customer(plan)
            session = await self._call(
                lambda: self.stripe.v1.checkout.sessions.create_async(
                    cast(Any, self._checkout_params(plan, customer_id)),
                    {"idempotency_key": f"coach-checkout-{plan.enrollment_id}-{plan.attempts + 1}"},
                )
            )
        except stripe.StripeError as exc:
            raise unavailable(exc, "checkout") from None
        url = session.url
        if not url:
            raise PaymentsUnavailable(Problems.PAGE_UNAVAILABLE)
        try:
            async with self.db.unit_of_work() as db_session:
                await record_payment(
                    db_session,
                    client_id=plan.client_id,
                    enrollment_id=plan.enrollment_id,
                    amount_minor=plan.price_minor,
                    currency=plan.currency,
                    status=PaymentStatus.PENDING,
                    provider_checkout_id=session.id,
                )
        except IntegrityError:
            pass  # a concurrent request for the same enrollment got the same (replayed) session first
        return self._offer(plan, url)

    async def _plan_checkout(self, enrollment_id: int) -> _CheckoutPlan:
        async with self.db.unit_of_work() as session:
            enrollment = await get_enrollment(session, enrollment_id)
            program = await get_program(session, enrollment.program_id)
            client = await get_client(session, enrollment.client_id)
            attempts = await checkout_attempts(session, enrollment_id)
            latest = attempts[0] if attempts else None
            return _CheckoutPlan(
                enrollment_id=enrollment.id,
                enrollment_status=enrollment.status,
                client_id=client.id,
                customer_id=client.stripe_customer_id,
                client_name=client.display_name,
                client_email=client.email,
                client_locale=client.locale,
                coach_id=program.coach_id,
                program_name=program.name,
                price_minor=program.price_minor,
                currency=program.currency,
                billing=program.billing,
                attempts=len(attempts),
                open_checkout_id=(
                    latest.provider_checkout_id if latest and latest.status == PaymentStatus.PENDING else None
                ),
            )

    async def _reuse_open_checkout(self, plan: _CheckoutPlan) -> PaymentOffer | None:
        """One open Checkout per enrollment: a second open session could be paid too (a double charge)."""
        checkout_id = plan.open_checkout_id
        assert checkout_id is not None
        session = await self._call(lambda: self.stripe.v1.checkout.sessions.retrieve_async(checkout_id))
        if session.status == "open" and session.url:
            return self._offer(plan, session.url)
        status = session.status
        if status == "complete":
            raise PaymentsUnavailable(Problems.CONFIRMING)
        # Expired: mark it so the next attempt gets a new idempotency key and a new session.
        async with self.db.unit_of_work() as db_session:
            await expire_checkout(db_session, checkout_id)
        return None

    async def _ensure_customer(self, plan: _CheckoutPlan) -> str:
        """One Stripe Customer per client, created on first payment and reused afterwards."""
        if plan.customer_id:
            return plan.customer_id
        params: dict[str, Any] = {
            "name": plan.client_name,
            "metadata": {"client_id": str(plan.client_id)},
            # Stripe's own emails to the customer (receipts, invoices) in the client's language.
            "preferred_locales": [plan.client_locale],
        }
        if plan.client_email:
            params["email"] = plan.client_email
        customer = await self._call(
            lambda: self.stripe.v1.customers.create_async(
                cast(Any, params), {"idempotency_key": f"coach-customer-{plan.client_id}"}
            )
        )
        async with self.db.unit_of_work() as session:
            return await set_payment_customer(session, plan.client_id, customer.id)

    def _checkout_params(self, plan: _CheckoutPlan, customer_id: str) -> dict[str, Any]:
        metadata = {
            "enrollment_id": str(plan.enrollment_id),
            "coach_id": str(plan.coach_id),
            "client_id": str(plan.client_id),
        }
        price_data: dict[str, Any] = {
            "currency": plan.currency,
            "unit_amount": plan.price_minor,
            "product_data": {"name": plan.program_name},
        }
        monthly = plan.billing == Billing.MONTHLY
        if monthly:
            price_data["recurring"] = {"interval": "month"}
        params: dict[str, Any] = {
            "mode": "subscription" if monthly else "payment",
            "customer": customer_id,
            "client_reference_id": str(plan.client_id),
            "metadata": metadata,
            "line_items": [{"price_data": price_data, "quantity": 1}],
            "success_url": with_language(self.success_url, plan.client_locale),
            "cancel_url": with_language(self.cancel_url, plan.client_locale),
            # The payment page and Checkout's emails in the client's language (en, de, es, ru are
            # all Stripe Checkout locales).
            "locale": plan.client_locale,
        }
        # The same metadata on the object that keeps living after Checkout, so its own events
        # (payment_intent.*, customer.subscription.*) lead back to the enrollment.
        if monthly:
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        return params

    async def payment_link_for_enrollment(self, enrollment_id: int) -> PaymentOffer:
        """A Payment Link instead of a Checkout Session: it never expires, so it suits a link a coach
        pastes by hand. Limited to one completed payment, so forwarding it cannot charge twice."""
        plan = await self._plan_checkout(enrollment_id)
        if plan.enrollment_status != EnrollmentStatus.PENDING_PAYMENT or plan.price_minor <= 0:
            raise PaymentsUnavailable(Problems.NOTHING_DUE.format(program=plan.program_name))
        monthly = plan.billing == Billing.MONTHLY
        metadata = {
            "enrollment_id": str(plan.enrollment_id),
            "coach_id": str(plan.coach_id),
            "client_id": str(plan.client_id),
        }
        price_params: dict[str, Any] = {
            "currency": plan.currency,
            "unit_amount": plan.price_minor,
            "product_data": {"name": plan.program_name},
        }
        if monthly:
            price_params["recurring"] = {"interval": "month"}
        link_params: dict[str, Any] = {
            "metadata": metadata,
            "restrictions": {"completed_sessions": {"limit": 1}},
            # After paying, our own page in the client's language, as after Checkout.
            "after_completion": {
                "type": "redirect",
                "redirect": {"url": with_language(self.success_url, plan.client_locale)},
            },
            "subscription_data" if monthly else "payment_intent_data": {"metadata": metadata},
        }
        try:
            price = await self._call(
                lambda: self.stripe.v1.prices.create_async(
                    cast(Any, price_params), {"idempotency_key": f"coach-price-{plan.enrollment_id}"}
                )
            )
            link_params["line_items"] = [{"price": price.id, "quantity": 1}]
            link = await self._call(
                lambda: self.stripe.v1.payment_links.create_async(
                    cast(Any, link_params), {"idempotency_key": f"coach-plink-{plan.enrollment_id}"}
                )
            )
        except stripe.StripeError as exc:
            raise unavailable(exc, "payment link") from None
        # Payment Links take the reference as a URL parameter (they have no client_reference_id field).
        return self._offer(plan, f"{link.url}?client_reference_id={plan.client_id}")

    @staticmethod
    def _offer(plan: _CheckoutPlan, url: str) -> PaymentOffer:
        # The button the client presses: in their language, whoever asked for the link (a coach too).
        with use_locale(plan.client_locale):
            amount = texts.client_money(plan.price_minor, plan.currency)
            button = Updates.PAY_MONTHLY_BUTTON if plan.billing == Billing.MONTHLY else Updates.PAY_BUTTON
            label = button.format(amount=amount)
        return PaymentOffer(url=url, label=label, amount_minor=plan.price_minor, currency=plan.currency)

    # --- BillingPort -------------------------------------------------------------------------

    async def subscriptions_for_client(self, client_id: int) -> list[SubscriptionSummary]:
        async with self.db.unit_of_work() as session:
            ids = [s.provider_subscription_id for s in await client_subscriptions(session, client_id)]
        summaries = []
        for sub_id in ids:
            summary = await self._refresh(client_id, sub_id)
            if summary.status not in ("canceled", "incomplete_expired"):
                summaries.append(summary)
        return summaries

    async def set_cancel_at_period_end(self, client_id: int, ref: str, cancel: bool) -> SubscriptionSummary:
        await self._own_subscription(client_id, ref)
        try:
            await self._call(
                lambda: self.stripe.v1.subscriptions.update_async(ref, {"cancel_at_period_end": cancel})
            )
        except stripe.StripeError as exc:
            raise unavailable(exc, "subscription update") from None
        summary = await self._refresh(client_id, ref)
        async with self.db.unit_of_work() as session:
            await record_audit_event(
                session,
                actor=f"client:{client_id}",
                action="subscription.cancel_at_period_end" if cancel else "subscription.resumed",
                subject=f"subscription:{ref}",
            )
        return summary

    async def billing_portal_url(self, client_id: int) -> str:
        async with self.db.unit_of_work() as session:
            client = await get_client(session, client_id)
            customer_id, locale = client.stripe_customer_id, client.locale
        if not customer_id:
            raise PaymentsUnavailable(Problems.NO_PAYMENTS)
        try:
            portal = await self._call(
                lambda: self.stripe.v1.billing_portal.sessions.create_async(
                    {
                        "customer": customer_id,
                        "return_url": with_language(self.success_url, locale),
                        "locale": locale,
                    },
                    # A portal session is single-use and short-lived: a fresh key per request, which
                    # still makes the library's own retries of this one request safe.
                    {"idempotency_key": f"coach-portal-{client_id}-{uuid.uuid4().hex}"},
                )
            )
        except stripe.StripeError as exc:
            raise unavailable(exc, "billing portal") from None
        return str(portal["url"])

    async def invoices_for_client(self, client_id: int) -> list[InvoiceSummary]:
        async with self.db.unit_of_work() as session:
            customer_id = (await get_client(session, client_id)).stripe_customer_id
        if not customer_id:
            return []
        try:
            page = await self._call(
                lambda: self.stripe.v1.invoices.list_async(
                    {"customer": customer_id, "limit": INVOICE_LIST_LIMIT}
                )
            )
        except stripe.StripeError as exc:
            raise unavailable(exc, "invoice list") from None
        result = []
        for raw in page.data:
            inv = as_dict(raw)
            status = str(inv.get("status") or "draft")
            result.append(
                InvoiceSummary(
                    number=str(inv.get("number") or inv["id"]),
                    status=status,
                    amount_minor=int(inv.get("amount_paid" if status == "paid" else "amount_due") or 0),
                    currency=str(inv.get("currency") or "usd"),
                    created_at=timestamp(inv.get("created") or inv.get("date")) or EPOCH,
                    url=inv.get("hosted_invoice_url"),
                )
            )
        return result

    async def _own_subscription(self, client_id: int, provider_subscription_id: str) -> Subscription:
        async with self.db.unit_of_work() as session:
            sub = await find_subscription(session, provider_subscription_id, client_id=client_id)
        if sub is None:
            raise PaymentsUnavailable(Problems.NO_SUBSCRIPTION)
        return sub

    async def _refresh(self, client_id: int, provider_subscription_id: str) -> SubscriptionSummary:
        """Stripe is the source of truth for a subscription: fetch it and update our copy."""
        sub = await self._own_subscription(client_id, provider_subscription_id)
        try:
            fresh = as_dict(
                await self._call(
                    lambda: self.stripe.v1.subscriptions.retrieve_async(provider_subscription_id)
                )
            )
        except stripe.StripeError as exc:
            raise unavailable(exc, "subscription fetch") from None
        state = subscription_state(fresh)
        async with self.db.unit_of_work() as session:
            row = await sync_subscription(
                session, state, client_id=client_id, enrollment_id=sub.enrollment_id
            )
            name = await program_name(session, row.enrollment_id)
        return SubscriptionSummary(
            ref=state.provider_subscription_id,
            program_name=name,
            status=state.status,
            amount_minor=state.amount_minor,
            currency=state.currency,
            next_payment_at=None if state.cancel_at_period_end else state.current_period_end,
            cancel_at_period_end=state.cancel_at_period_end,
        )

    # --- Webhook support ---------------------------------------------------------------------

    async def fetch(self, kind: str, object_id: str) -> dict[str, Any]:
        """The current state of an object, for webhook events whose order matters."""
        services: dict[str, Any] = {
            "subscription": self.stripe.v1.subscriptions,
            "invoice": self.stripe.v1.invoices,
            "checkout.session": self.stripe.v1.checkout.sessions,
            "payment_intent": self.stripe.v1.payment_intents,
            "charge": self.stripe.v1.charges,
        }
        return as_dict(await services[kind].retrieve_async(object_id))

    # --- Refunds (coach / admin) -------------------------------------------------------------

    async def refund(
        self,
        payment_id: int,
        *,
        amount_minor: int | None = None,
        reason: str | None = None,
        actor: str,
        coach_id: int | None = None,
    ) -> RefundResult:
        """Refund all that is left of a payment, or ``amount_minor`` of it; tell the client.

        With ``coach_id`` (a coach refunding from Slack) the payment must be one of that coach's clients.
        """
        async with self.db.unit_of_work() as session:
            payment = await get_payment(session, payment_id)
            if coach_id is not None and (await get_client(session, payment.client_id)).coach_id != coach_id:
                raise PermissionDenied(RefundProblems.NOT_YOUR_CLIENT())
            if payment.status not in REFUNDABLE:
                status = _STATUS_NAMES.get(payment.status)
                nothing = RefundProblems.NOTHING_TO_REFUND(
                    payment=payment_id, status=status() if status else payment.status
                )
                raise ValidationError(nothing, field="payment")
            left = payment.amount_minor - payment.refunded_minor
            amount = left if amount_minor is None else amount_minor
            if not 0 < amount <= left:
                raise ValidationError(RefundProblems.AMOUNT(left=left), field="amount")
            refunded_before = payment.refunded_minor
            target = payment.provider_payment_id
            invoice_id = payment.provider_invoice_id
            currency = payment.currency
        try:
            if not target and invoice_id:
                target = ref((await self.fetch("invoice", invoice_id)).get("payment_intent"))
            if not target:
                raise NotFound(RefundProblems.NO_CHARGE(payment=payment_id))
            params: dict[str, Any] = {
                "amount": amount,
                "metadata": {"payment_id": str(payment_id), "reason": (reason or "")[:500]},
            }
            params["charge" if target.startswith("ch_") else "payment_intent"] = target
            # Keyed on what was refunded before: re-running the same command after a crash replays the
            # first refund instead of refunding twice; a deliberate second refund gets a new key.
            refund = await self._call(
                lambda: self.stripe.v1.refunds.create_async(
                    cast(Any, params),
                    {"idempotency_key": f"coach-refund-{payment_id}-{refunded_before}-{amount}"},
                )
            )
        except stripe.StripeError as exc:
            raise unavailable(exc, "refund") from None
        total = refunded_before + int(refund.amount or amount)
        async with self.db.unit_of_work() as session:
            payment = await record_refund(session, payment_id, total, actor=actor)
            await tell_client_refund(session, payment)
            return RefundResult(payment.id, amount, payment.refunded_minor, currency, payment.status)


async def tell_client_refund(session: AsyncSession, payment: Payment) -> None:
    """One message per refunded total, whether the refund was seen from the CLI or its webhook."""
    with use_locale(await client_locale(session, payment.client_id)):
        message = texts.refunded(texts.client_money(payment.refunded_minor, payment.currency)).to_dict()
    await enqueue_for_client(
        session,
        payment.client_id,
        message,
        dedupe_key=f"refund:{payment.id}:{payment.refunded_minor}",
        by_email=True,
    )


async def program_name(session: AsyncSession, enrollment_id: int | None) -> str:
    """The program's name for a message to the client, with a plain stand-in when it is unknown."""
    if enrollment_id is None:
        return "your program"
    name = await enrollment_program_name(session, enrollment_id)
    return str(name) if name else "your program"
