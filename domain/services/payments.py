"""Payments and subscriptions as the domain sees them (provider-neutral)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rules
from domain.errors import NotFound, ValidationError
from domain.models import Client, Payment, PaymentRefund, Subscription
from domain.models.enums import PaymentStatus
from domain.reasons.payments import RefundProblems
from domain.services.audit import record_audit_event
from domain.services.booking import withdraw_refunded_extra_session
from domain.services.clients import get_client

ACTIVE_SUBSCRIPTION_STATUSES = frozenset({"active", "trialing", "past_due"})
# The failure reason of a checkout the client left unpaid (not a declined payment).
CHECKOUT_EXPIRED = "checkout expired"


async def record_payment(
    session: AsyncSession,
    *,
    client_id: int,
    amount_minor: int,
    currency: str,
    status: str = PaymentStatus.SUCCEEDED,
    enrollment_id: int | None = None,
    provider: str = "stripe",
    provider_payment_id: str | None = None,
    provider_checkout_id: str | None = None,
    provider_invoice_id: str | None = None,
) -> Payment:
    """Store a payment; the provider's id makes a repeated report update rather than duplicate it."""
    await get_client(session, client_id)
    amount_minor, currency = rules.check_money(amount_minor, currency)
    payment = None
    if provider_payment_id:
        payment = await session.scalar(
            select(Payment).where(Payment.provider_payment_id == provider_payment_id)
        )
    if payment is None and provider_checkout_id:
        payment = await session.scalar(
            select(Payment).where(Payment.provider_checkout_id == provider_checkout_id)
        )
    if payment is None:
        payment = Payment(
            client_id=client_id, provider=provider, amount_minor=amount_minor, currency=currency
        )
        session.add(payment)
    payment.status = PaymentStatus(status).value
    payment.enrollment_id = enrollment_id or payment.enrollment_id
    payment.provider_payment_id = provider_payment_id or payment.provider_payment_id
    payment.provider_checkout_id = provider_checkout_id or payment.provider_checkout_id
    payment.provider_invoice_id = provider_invoice_id or payment.provider_invoice_id
    payment.amount_minor = amount_minor
    payment.currency = currency
    await session.flush()
    return payment


async def get_payment(session: AsyncSession, payment_id: int) -> Payment:
    payment = await session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(RefundProblems.NO_PAYMENT(payment=payment_id))
    return payment


async def record_refund(
    session: AsyncSession, payment_id: int, refunded_total_minor: int, *, actor: str
) -> Payment:
    """Set the payment's total refunded amount (idempotent: totals, not increments)."""
    payment = await get_payment(session, payment_id)
    if not 0 <= refunded_total_minor <= payment.amount_minor:
        raise ValidationError(RefundProblems.MORE_THAN_PAID(), field="amount")
    given_back = refunded_total_minor - payment.refunded_minor
    if given_back > 0:  # totals repeat (webhooks, retries); only an increase is a new refund
        session.add(PaymentRefund(payment_id=payment.id, amount_minor=given_back, currency=payment.currency))
    payment.refunded_minor = max(payment.refunded_minor, refunded_total_minor)
    if payment.refunded_minor == payment.amount_minor:
        payment.status = PaymentStatus.REFUNDED
        if payment.enrollment_id is not None:
            await withdraw_refunded_extra_session(session, payment.enrollment_id, actor=actor)
    elif payment.refunded_minor > 0:
        payment.status = PaymentStatus.PARTIALLY_REFUNDED
    await record_audit_event(
        session,
        actor=actor,
        action="payment.refunded",
        subject=f"payment:{payment.id}",
        details={"refunded_minor": payment.refunded_minor, "currency": payment.currency},
    )
    return payment


async def list_payments(
    session: AsyncSession,
    *,
    coach_id: int | None = None,
    since: datetime | None = None,
    client_id: int | None = None,
) -> Sequence[Payment]:
    query = select(Payment).order_by(Payment.created_at, Payment.id)
    if coach_id is not None:
        query = query.join(Client, Client.id == Payment.client_id).where(Client.coach_id == coach_id)
    if since is not None:
        query = query.where(Payment.created_at >= since)
    if client_id is not None:
        query = query.where(Payment.client_id == client_id)
    return (await session.scalars(query)).all()


@dataclass(frozen=True, slots=True)
class Revenue:
    currency: str
    gross_minor: int
    refunds_minor: int
    net_minor: int
    mrr_minor: int


async def revenue(
    session: AsyncSession, *, coach_id: int | None = None, since: datetime | None = None
) -> list[Revenue]:
    """Gross, refunds, net and monthly recurring revenue per currency (never mixing currencies)."""
    totals: dict[str, list[int]] = {}
    for p in await list_payments(session, coach_id=coach_id, since=since):
        if p.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
            t = totals.setdefault(p.currency, [0, 0, 0])
            t[0] += p.amount_minor
            t[1] += p.refunded_minor
    subs = select(Subscription).where(Subscription.status.in_(list(ACTIVE_SUBSCRIPTION_STATUSES)))
    if coach_id is not None:
        subs = subs.join(Client, Client.id == Subscription.client_id).where(Client.coach_id == coach_id)
    for s in (await session.scalars(subs)).all():
        totals.setdefault(s.currency, [0, 0, 0])[2] += s.amount_minor
    return [Revenue(cur, g, r, g - r, m) for cur, (g, r, m) in sorted(totals.items())]


async def find_payment(
    session: AsyncSession,
    *,
    provider_payment_id: str | None = None,
    provider_checkout_id: str | None = None,
    provider_invoice_id: str | None = None,
) -> Payment | None:
    """The payment a provider object refers to, trying its ids from most to least specific."""
    for column, value in (
        (Payment.provider_payment_id, provider_payment_id),
        (Payment.provider_checkout_id, provider_checkout_id),
        (Payment.provider_invoice_id, provider_invoice_id),
    ):
        if value:
            payment = await session.scalar(select(Payment).where(column == value).order_by(Payment.id))
            if payment is not None:
                return payment
    return None


async def checkout_attempts(session: AsyncSession, enrollment_id: int) -> Sequence[Payment]:
    """Payments started through a checkout for this enrollment, newest first."""
    return (
        await session.scalars(
            select(Payment)
            .where(Payment.enrollment_id == enrollment_id, Payment.provider_checkout_id.is_not(None))
            .order_by(Payment.id.desc())
        )
    ).all()


async def expire_checkout(session: AsyncSession, provider_checkout_id: str) -> Payment | None:
    """A checkout that expired unpaid fails its pending payment, so the next attempt starts a new one.

    Returns the payment when this call failed it; a checkout already paid or failed is left alone.
    """
    payment = await find_payment(session, provider_checkout_id=provider_checkout_id)
    if payment is None or payment.status != PaymentStatus.PENDING:
        return None
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = CHECKOUT_EXPIRED
    return payment


async def set_payment_customer(session: AsyncSession, client_id: int, customer_id: str) -> str:
    """Link the client to the provider's customer, once: returns the id the client is linked to."""
    client = await get_client(session, client_id)
    if client.stripe_customer_id is None:
        client.stripe_customer_id = customer_id
    return client.stripe_customer_id
