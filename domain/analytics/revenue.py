"""Money: what came in, what went back, what recurs, per currency (never mixed). Amounts are integer
minor units (cents). One function per metric; its docstring is its definition."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.clients import active_clients
from domain.analytics.scope import Column, Period, Scope
from domain.models import Client, Payment, PaymentRefund, Subscription
from domain.models.enums import PaymentStatus
from domain.services.payments import ACTIVE_SUBSCRIPTION_STATUSES, CHECKOUT_EXPIRED

COLLECTED = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def _in_scope(scope: Scope, client_column: Column, enrollment_column: Column) -> ColumnElement[bool]:
    """Payments and subscriptions in scope; the whole business keeps erased clients' (accounting)."""
    if scope.program_id is not None:
        return enrollment_column.in_(scope.enrollment_ids())
    if scope.coach_id is not None:
        return client_column.in_(select(Client.id).where(Client.coach_id == scope.coach_id))
    return client_column.is_not(None)


async def revenue_gross(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int]:
    """Per currency, minor units paid in payments made during the period (before refunds)."""
    rows = await session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor))
        .where(
            _in_scope(scope, Payment.client_id, Payment.enrollment_id),
            Payment.status.in_(COLLECTED),
            Payment.created_at >= period.start,
            Payment.created_at < period.end,
        )
        .group_by(Payment.currency)
    )
    return {currency: int(total or 0) for currency, total in sorted(rows.all())}


async def revenue_refunds(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int]:
    """Per currency, minor units refunded during the period, whenever the payment was made."""
    rows = await session.execute(
        select(PaymentRefund.currency, func.sum(PaymentRefund.amount_minor))
        .join(Payment, Payment.id == PaymentRefund.payment_id)
        .where(
            _in_scope(scope, Payment.client_id, Payment.enrollment_id),
            PaymentRefund.at >= period.start,
            PaymentRefund.at < period.end,
        )
        .group_by(PaymentRefund.currency)
    )
    return {currency: int(total or 0) for currency, total in sorted(rows.all())}


async def revenue_net(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int]:
    """Per currency, gross minus refunds of the period (negative when refunds exceed what came in)."""
    gross = await revenue_gross(session, scope, period)
    refunds = await revenue_refunds(session, scope, period)
    return {c: gross.get(c, 0) - refunds.get(c, 0) for c in sorted(set(gross) | set(refunds))}


async def mrr(session: AsyncSession, scope: Scope, period: Period) -> dict[str, int]:
    """Per currency, the monthly amounts of subscriptions running now (active, trialing or past due) that started before the period's end."""
    rows = await session.execute(
        select(Subscription.currency, func.sum(Subscription.amount_minor))
        .where(
            _in_scope(scope, Subscription.client_id, Subscription.enrollment_id),
            Subscription.status.in_(sorted(ACTIVE_SUBSCRIPTION_STATUSES)),
            Subscription.created_at < period.end,
        )
        .group_by(Subscription.currency)
    )
    return {currency: int(total or 0) for currency, total in sorted(rows.all())}


async def arpu(session: AsyncSession, scope: Scope, period: Period) -> dict[str, float | None]:
    """Per currency, the period's net revenue divided by its active clients (minor units; null without active clients)."""
    net = await revenue_net(session, scope, period)
    active = await active_clients(session, scope, period)
    return {c: (round(v / active, 1) if active else None) for c, v in net.items()}


async def failed_payment_rate(session: AsyncSession, scope: Scope, period: Period) -> float | None:
    """Payments made during the period that failed, as a share (%) of those that succeeded or failed (checkouts left unpaid not counted)."""
    failed = func.count().filter(Payment.status == PaymentStatus.FAILED)
    row = (
        await session.execute(
            select(func.count(), failed).where(
                _in_scope(scope, Payment.client_id, Payment.enrollment_id),
                Payment.status.in_([*COLLECTED, PaymentStatus.FAILED]),
                func.coalesce(Payment.failure_reason, "") != CHECKOUT_EXPIRED,
                Payment.created_at >= period.start,
                Payment.created_at < period.end,
            )
        )
    ).one()
    total, failures = int(row[0]), int(row[1])
    return round(100 * failures / total, 1) if total else None
