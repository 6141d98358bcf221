"""``coach refund`` and ``coach payments list``: money for coaches and admins."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from bot.cli.common import CliError, print_table, settings, with_database
from conversations.ports import PaymentsUnavailable
from domain.db import Database
from domain.money import format_money
from domain.services.payments import list_payments, revenue
from integrations.stripe import RefundResult

payments_app = typer.Typer(help="Payments and revenue.", no_args_is_help=True)


def refund(
    payment_id: Annotated[int, typer.Argument(help="Payment id (see `coach payments list`)")],
    amount: Annotated[
        int | None,
        typer.Option(
            "--amount", help="Minor units to refund, e.g. 1000 for 10.00; default: all that is left"
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept with the refund)")] = None,
) -> None:
    """Refund a payment fully or partly through Stripe; the client is told in their chat."""
    config = settings()
    if not config.stripe_api_key:
        raise CliError("STRIPE_API_KEY is not set: refunds go through Stripe")
    api_key = config.stripe_api_key
    if amount is not None and amount <= 0:
        raise typer.BadParameter("must be a positive number of minor units", param_hint="--amount")

    async def work(db: Database) -> RefundResult:
        from bot.stripe_webhooks import build_payments

        payments = build_payments(db, api_key, config)
        try:
            return await payments.refund(payment_id, amount_minor=amount, reason=reason, actor="admin:cli")
        except PaymentsUnavailable as exc:
            raise CliError(str(exc)) from None

    result = with_database(work)
    typer.echo(
        f"refunded {format_money(result.refunded_now_minor, result.currency)} of payment {result.payment_id} "
        f"(total refunded {format_money(result.refunded_total_minor, result.currency)}, {result.status})"
    )


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        raise typer.BadParameter("use a date like 2026-11-01", param_hint="--since") from None


@payments_app.command("list")
def payments_list(
    coach: Annotated[int | None, typer.Option("--coach", help="Only this coach's clients")] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this date (YYYY-MM-DD, UTC)")] = None,
) -> None:
    """Payments, then revenue per currency: gross, refunds, net and monthly recurring revenue."""
    start = _since(since)

    async def work(db: Database) -> tuple[list[list[object]], list[list[object]]]:
        async with db.unit_of_work() as session:
            rows: list[list[object]] = [
                [
                    p.id,
                    p.created_at.strftime("%Y-%m-%d"),
                    p.client_id,
                    p.enrollment_id or "-",
                    format_money(p.amount_minor, p.currency),
                    format_money(p.refunded_minor, p.currency) if p.refunded_minor else "-",
                    p.status,
                ]
                for p in await list_payments(session, coach_id=coach, since=start)
            ]
            totals: list[list[object]] = [
                [
                    r.currency.upper(),
                    format_money(r.gross_minor, r.currency),
                    format_money(r.refunds_minor, r.currency),
                    format_money(r.net_minor, r.currency),
                    format_money(r.mrr_minor, r.currency),
                ]
                for r in await revenue(session, coach_id=coach, since=start)
            ]
            return rows, totals

    rows, totals = with_database(work)
    print_table(["id", "date", "client", "enrollment", "amount", "refunded", "status"], rows)
    typer.echo("")
    print_table(["currency", "gross", "refunds", "net", "mrr"], totals or [["-", "0", "0", "0", "0"]])
