"""The financial report: every payment of the period, then per-currency totals and months (XLSX).

Amounts are in currency units (``49.00``), never summed across currencies; times are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.charts.revenue_chart import render_revenue_by_month
from bot.reports.tables import Cell, Sheet
from domain.money import to_units
from domain.services.financial import MonthRevenue, PaymentLine

PAYMENT_HEADERS = (
    "created_at_utc",
    "payment_id",
    "client_id",
    "client",
    "coach",
    "program",
    "status",
    "currency",
    "amount",
    "refunded",
    "net",
    "provider_payment_id",
)
SUMMARY_HEADERS = (
    "currency",
    "payments_collected",
    "payments_failed",
    "failed_payment_rate",
    "gross",
    "refunds",
    "net",
)
MONTH_HEADERS = ("month", "currency", "payments_collected", "payments_failed", "gross", "refunds", "net")
MONEY = "#,##0.00"
RATE = "0.0%"


def payment_rows(lines: Sequence[PaymentLine]) -> list[list[Cell]]:
    return [
        [
            line.created_at,
            line.payment_id,
            line.client_id,
            line.client,
            line.coach,
            line.program,
            line.status,
            line.currency.upper(),
            to_units(line.amount_minor, line.currency),
            to_units(line.refunded_minor, line.currency),
            to_units(line.net_minor, line.currency),
            line.provider_payment_id,
        ]
        for line in lines
    ]


def summary_rows(months: Sequence[MonthRevenue]) -> list[list[Cell]]:
    """Per currency over the period. Failed-payment rate: failed / (collected + failed) payments."""
    rows: list[list[Cell]] = []
    for currency in sorted({m.currency for m in months}):
        of = [m for m in months if m.currency == currency]
        collected, failed = sum(m.payments for m in of), sum(m.failed for m in of)
        gross, refunds = sum(m.gross_minor for m in of), sum(m.refunds_minor for m in of)
        rate = round(failed / (collected + failed), 4) if collected + failed else None
        rows.append(
            [
                currency.upper(),
                collected,
                failed,
                rate,
                to_units(gross, currency),
                to_units(refunds, currency),
                to_units(gross - refunds, currency),
            ]
        )
    return rows


def month_rows(months: Sequence[MonthRevenue]) -> list[list[Cell]]:
    return [
        [
            m.month.strftime("%Y-%m"),
            m.currency.upper(),
            m.payments,
            m.failed,
            to_units(m.gross_minor, m.currency),
            to_units(m.refunds_minor, m.currency),
            to_units(m.net_minor, m.currency),
        ]
        for m in months
    ]


def financial_sheets(lines: Sequence[PaymentLine], months: Sequence[MonthRevenue]) -> list[Sheet]:
    """The XLSX workbook: payments, the summary per currency, and months with the revenue chart."""
    return [
        Sheet("Payments", PAYMENT_HEADERS, payment_rows(lines), {8: MONEY, 9: MONEY, 10: MONEY}),
        Sheet("Summary", SUMMARY_HEADERS, summary_rows(months), {3: RATE, 4: MONEY, 5: MONEY, 6: MONEY}),
        Sheet(
            "By month",
            MONTH_HEADERS,
            month_rows(months),
            {4: MONEY, 5: MONEY, 6: MONEY},
            image_png=render_revenue_by_month(months),
        ),
    ]
