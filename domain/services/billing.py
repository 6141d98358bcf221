"""Recurring billing as the domain sees it: subscriptions, paid enrollments and dunning (provider-neutral).

Callers pass message payloads in (already rendered); this module decides *what* happens and *when*,
inside the caller's transaction, so a rolled-back webhook leaves no half-done effects behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import utcnow
from domain.errors import ValidationError
from domain.models import Enrollment, OutboundMessage, Payment, Subscription
from domain.models.dunning import DunningCase
from domain.models.enums import DeliveryStatus, EnrollmentStatus, PaymentStatus
from domain.services.enrollments import change_enrollment_status, get_enrollment
from domain.services.outbox import enqueue_for_client
from domain.services.payments import find_payment, record_payment

# Days after a failed renewal on which the client is reminded; after the last one the enrollment pauses.
DEFAULT_DUNNING_DAYS: tuple[int, ...] = (0, 3, 7)


def parse_dunning_days(text: str | None) -> tuple[int, ...]:
    """``"0,3,7"`` → ``(0, 3, 7)``: non-negative whole days in strictly ascending order."""
    if not text or not text.strip():
        return DEFAULT_DUNNING_DAYS
    try:
        days = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValidationError("dunning days must be whole numbers like 0,3,7", field="dunning_days") from None
    if days[0] < 0:
        raise ValidationError("dunning days must be zero or more", field="dunning_days")
    if any(later <= earlier for earlier, later in pairwise(days)):
        raise ValidationError("dunning days must be in ascending order like 0,3,7", field="dunning_days")
    return days


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    """What the provider currently says about a subscription (fetched fresh when order matters)."""

    provider_subscription_id: str
    status: str
    amount_minor: int
    currency: str
    current_period_end: datetime | None
    cancel_at_period_end: bool


async def find_subscription(
    session: AsyncSession, provider_subscription_id: str, *, client_id: int | None = None
) -> Subscription | None:
    """Our copy of a provider's subscription; with ``client_id``, only if it is that client's."""
    query = select(Subscription).where(Subscription.provider_subscription_id == provider_subscription_id)
    if client_id is not None:
        query = query.where(Subscription.client_id == client_id)
    return await session.scalar(query)


async def sync_subscription(
    session: AsyncSession, state: SubscriptionState, *, client_id: int, enrollment_id: int | None
) -> Subscription:
    """Insert or update our copy of a subscription from the provider's current state."""
    sub = await find_subscription(session, state.provider_subscription_id)
    if sub is None:
        sub = Subscription(
            client_id=client_id,
            enrollment_id=enrollment_id,
            provider_subscription_id=state.provider_subscription_id,
            status=state.status,
            amount_minor=state.amount_minor,
            currency=state.currency,
        )
        session.add(sub)
    sub.enrollment_id = sub.enrollment_id or enrollment_id
    sub.status = state.status
    sub.amount_minor = state.amount_minor
    sub.currency = state.currency.lower()
    sub.current_period_end = state.current_period_end
    sub.cancel_at_period_end = state.cancel_at_period_end
    await session.flush()
    return sub


async def client_subscriptions(session: AsyncSession, client_id: int) -> Sequence[Subscription]:
    return (
        await session.scalars(
            select(Subscription).where(Subscription.client_id == client_id).order_by(Subscription.id.desc())
        )
    ).all()


@dataclass(frozen=True, slots=True)
class Settlement:
    payment: Payment
    enrollment: Enrollment
    newly_active: bool


async def settle_enrollment_payment(
    session: AsyncSession,
    *,
    enrollment_id: int,
    amount_minor: int,
    currency: str,
    provider_payment_id: str | None = None,
    provider_checkout_id: str | None = None,
    provider_invoice_id: str | None = None,
    actor: str = "stripe",
) -> Settlement:
    """Record a succeeded payment and activate the enrollment it pays for (both idempotent).

    A payment for an enrollment that was cancelled meanwhile is recorded but does not revive it; the
    caller tells the coach, who can refund.
    """
    enrollment = await get_enrollment(session, enrollment_id, for_update=True)
    payment = await find_payment(
        session,
        provider_payment_id=provider_payment_id,
        provider_checkout_id=provider_checkout_id,
        provider_invoice_id=provider_invoice_id,
    )
    if payment is None:
        # The intent's event can beat the checkout's: it settles the checkout's pending row.
        payment = await session.scalar(
            select(Payment)
            .where(
                Payment.enrollment_id == enrollment_id,
                Payment.status == PaymentStatus.PENDING,
                Payment.provider_payment_id.is_(None),
            )
            .order_by(Payment.id.desc())
        )
    if payment is not None:
        provider_checkout_id = provider_checkout_id or payment.provider_checkout_id
        provider_payment_id = provider_payment_id or payment.provider_payment_id
    payment = await record_payment(
        session,
        client_id=enrollment.client_id,
        enrollment_id=enrollment.id,
        amount_minor=amount_minor,
        currency=currency,
        status=PaymentStatus.SUCCEEDED,
        provider_payment_id=provider_payment_id,
        provider_checkout_id=provider_checkout_id,
        provider_invoice_id=provider_invoice_id,
    )
    newly_active = False
    if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
        await change_enrollment_status(session, enrollment.id, EnrollmentStatus.ACTIVE, actor=actor)
        newly_active = True
    return Settlement(payment=payment, enrollment=enrollment, newly_active=newly_active)


async def record_failed_payment(
    session: AsyncSession,
    *,
    client_id: int,
    enrollment_id: int | None,
    amount_minor: int,
    currency: str,
    reason: str,
    provider_payment_id: str | None = None,
    provider_invoice_id: str | None = None,
) -> Payment | None:
    """Record a failed attempt, unless the same payment already succeeded (events arrive out of order)."""
    existing = None
    if provider_payment_id:
        existing = await session.scalar(
            select(Payment).where(Payment.provider_payment_id == provider_payment_id)
        )
    if existing is None and provider_invoice_id:
        existing = await session.scalar(
            select(Payment).where(Payment.provider_invoice_id == provider_invoice_id)
        )
    if (
        existing is not None
        and existing.status != PaymentStatus.PENDING
        and existing.status != PaymentStatus.FAILED
    ):
        return None
    if existing is not None:
        existing.status = PaymentStatus.FAILED
        existing.failure_reason = reason[:500]
        existing.provider_payment_id = existing.provider_payment_id or provider_payment_id
        existing.provider_invoice_id = existing.provider_invoice_id or provider_invoice_id
        await session.flush()
        return existing
    payment = await record_payment(
        session,
        client_id=client_id,
        enrollment_id=enrollment_id,
        amount_minor=amount_minor,
        currency=currency,
        status=PaymentStatus.FAILED,
        provider_payment_id=provider_payment_id,
        provider_invoice_id=provider_invoice_id,
    )
    payment.failure_reason = reason[:500]
    return payment


def _dunning_key(case_id: int, day: int) -> str:
    return f"dunning:{case_id}:day{day}"


async def start_dunning(
    session: AsyncSession,
    subscription: Subscription,
    *,
    provider_invoice_id: str,
    reminders: Sequence[dict[str, Any]],
    days: Sequence[int] = DEFAULT_DUNNING_DAYS,
    now: datetime | None = None,
) -> DunningCase | None:
    """Open a dunning case for a failed renewal and queue one reminder per day in ``days``.

    ``reminders[i]`` is the payload for ``days[i]``. A repeated failure of the same invoice (Stripe
    retries the charge) keeps the first case and schedule. Returns None when the case already exists.
    """
    if len(reminders) != len(days):
        raise ValueError("one reminder per dunning day")
    existing = await session.scalar(
        select(DunningCase).where(
            DunningCase.subscription_id == subscription.id,
            DunningCase.provider_invoice_id == provider_invoice_id,
        )
    )
    if existing is not None:
        return None
    now = now or utcnow()
    case = DunningCase(
        subscription_id=subscription.id,
        provider_invoice_id=provider_invoice_id,
        started_at=now,
        pause_at=now + timedelta(days=max(days)),
    )
    session.add(case)
    await session.flush()
    for day, payload in zip(days, reminders, strict=True):
        await enqueue_for_client(
            session,
            subscription.client_id,
            payload,
            dedupe_key=_dunning_key(case.id, day),
            not_before=now + timedelta(days=day),
            by_email=True,
        )
    subscription.dunning_step = len(days)
    await session.flush()
    return case


async def resolve_dunning(
    session: AsyncSession, subscription: Subscription, *, now: datetime | None = None
) -> list[DunningCase]:
    """A recovered payment: close open cases, drop their unsent reminders, resume a paused enrollment."""
    now = now or utcnow()
    cases = (
        await session.scalars(
            select(DunningCase).where(
                DunningCase.subscription_id == subscription.id, DunningCase.resolved_at.is_(None)
            )
        )
    ).all()
    for case in cases:
        case.resolved_at = now
        await session.execute(
            delete(OutboundMessage).where(
                OutboundMessage.dedupe_key.like(f"dunning:{case.id}:%"),
                OutboundMessage.status == DeliveryStatus.QUEUED,
            )
        )
        if case.paused_at is not None and subscription.enrollment_id is not None:
            enrollment = await get_enrollment(session, subscription.enrollment_id)
            if enrollment.status == EnrollmentStatus.PAUSED:
                await change_enrollment_status(
                    session, enrollment.id, EnrollmentStatus.ACTIVE, actor="billing"
                )
    subscription.dunning_step = 0
    await session.flush()
    return list(cases)


async def due_dunning_cases(session: AsyncSession, *, now: datetime | None = None) -> Sequence[DunningCase]:
    """Open cases whose last reminder is due: their enrollments should pause now."""
    now = now or utcnow()
    return (
        await session.scalars(
            select(DunningCase)
            .where(
                DunningCase.resolved_at.is_(None),
                DunningCase.paused_at.is_(None),
                DunningCase.pause_at <= now,
            )
            .order_by(DunningCase.id)
        )
    ).all()


async def pause_for_dunning(
    session: AsyncSession, case: DunningCase, *, now: datetime | None = None
) -> Enrollment | None:
    """After the last reminder: pause the enrollment. Returns it when it was paused by this call."""
    case.paused_at = now or utcnow()
    subscription = await session.get(Subscription, case.subscription_id)
    await session.flush()
    if subscription is None or subscription.enrollment_id is None:
        return None
    enrollment = await get_enrollment(session, subscription.enrollment_id)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return None
    return await change_enrollment_status(session, enrollment.id, EnrollmentStatus.PAUSED, actor="billing")
