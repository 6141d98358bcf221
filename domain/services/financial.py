"""Money over a period, for the financial report and the revenue chart: payments and month totals.

A payment belongs to the period (and month) in which it was created, in UTC; a refund to the one in
which it was given back (``payment_refunds``), whenever its payment was made — as the analytics'
revenue metrics count them, so a month's net can be negative. Currencies are never added together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import Client, Coach, Enrollment, Payment, PaymentRefund, Program
from domain.models.enums import PaymentStatus

COLLECTED = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED})


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One payment as the financial report lists it."""

    payment_id: int
    created_at: datetime
    client_id: int
    client: str
    coach: str
    program: str
    status: str
    currency: str
    amount_minor: int
    refunded_minor: int
    provider_payment_id: str

    @property
    def collected(self) -> bool:
        """Money that arrived (possibly returned since): succeeded, partly or fully refunded."""
        return self.status in COLLECTED

    @property
    def net_minor(self) -> int:
        """What the business kept: the amount less refunds; 0 for payments that never arrived."""
        return self.amount_minor - self.refunded_minor if self.collected else 0


@dataclass(frozen=True, slots=True)
class RefundLine:
    """Money given back, when it went back."""

    at: datetime
    payment_id: int
    currency: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class MonthRevenue:
    """One currency's money in one calendar month (``month`` is its first day): gross and counts of the
    payments made that month, refunds given back that month."""

    month: date
    currency: str
    gross_minor: int
    refunds_minor: int
    payments: int
    failed: int

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.refunds_minor


async def payments_between(session: AsyncSession, since: datetime, until: datetime) -> list[PaymentLine]:
    """Every payment created in [since, until), oldest first, with its client, coach and program names."""
    rows = await session.execute(
        select(Payment, Client, Coach.name, Program.name)
        .join(Client, Client.id == Payment.client_id)
        .outerjoin(Coach, Coach.id == Client.coach_id)
        .outerjoin(Enrollment, Enrollment.id == Payment.enrollment_id)
        .outerjoin(Program, Program.id == Enrollment.program_id)
        .where(Payment.created_at >= since, Payment.created_at < until)
        .order_by(Payment.created_at, Payment.id)
    )
    return [
        PaymentLine(
            payment_id=payment.id,
            created_at=ensure_utc(payment.created_at),
            client_id=client.id,
            client=client.display_name,
            coach=coach or "",
            program=program or "",
            status=str(payment.status),
            currency=payment.currency,
            amount_minor=payment.amount_minor,
            refunded_minor=payment.refunded_minor,
            provider_payment_id=payment.provider_payment_id or "",
        )
        for payment, client, coach, program in rows.all()
    ]


async def refunds_between(session: AsyncSession, since: datetime, until: datetime) -> list[RefundLine]:
    """Every refund given back in [since, until), oldest first."""
    rows = await session.scalars(
        select(PaymentRefund)
        .where(PaymentRefund.at >= since, PaymentRefund.at < until)
        .order_by(PaymentRefund.at, PaymentRefund.id)
    )
    return [RefundLine(ensure_utc(r.at), r.payment_id, r.currency, r.amount_minor) for r in rows.all()]


def _months(since: date, until: date) -> list[date]:
    """First days of every month that [since, until) touches."""
    months, current = [], since.replace(day=1)
    while current < until:
        months.append(current)
        current = (
            current.replace(year=current.year + 1, month=1)
            if current.month == 12
            else current.replace(month=current.month + 1)
        )
    return months


def monthly_revenue(
    lines: list[PaymentLine], refunds: list[RefundLine], since: datetime, until: datetime
) -> list[MonthRevenue]:
    """Per currency seen in ``lines`` or ``refunds``, every month of the period: gross collected,
    refunds given back, collected and failed payment counts. Months without either are zeros, so a
    chart shows the gap."""
    totals: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line in lines:
        t = totals[(line.currency, line.created_at.date().replace(day=1))]
        if line.collected:
            t[0] += line.amount_minor
            t[2] += 1
        elif line.status == PaymentStatus.FAILED:
            t[3] += 1
    for refund in refunds:
        totals[(refund.currency, refund.at.date().replace(day=1))][1] += refund.amount_minor
    currencies = sorted({line.currency for line in lines} | {r.currency for r in refunds})
    return [
        MonthRevenue(month, currency, *totals.get((currency, month), [0, 0, 0, 0]))
        for currency in currencies
        for month in _months(ensure_utc(since).date(), ensure_utc(until).date())
    ]
